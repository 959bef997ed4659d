"""Shared fixtures: stores of every backend, built fresh for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.neo4j_server import ServerInfo, existing_or_new_server

if TYPE_CHECKING:
    from orggraph.store.neo4j import Neo4jStore

# Neo4j: a real server, started once per session (tests/neo4j_server.py) unless NEO4J_URI
# names one; ``-m "not neo4j"`` leaves it out.
BACKENDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[ServerInfo]:
    """Where the test Neo4j answers; its data is wiped before each test that uses it."""
    with existing_or_new_server() as info:
        yield info


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each backend."""
    if request.param == "embedded":
        s: GraphStore = EmbeddedStore(tmp_path / "test.db")
    else:
        info: ServerInfo = request.getfixturevalue("neo4j_server")
        s = info.open_store()
        s.clear(keep_audit=False)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def neo4j_store(neo4j_server: ServerInfo) -> Iterator[Neo4jStore]:
    """An empty store on the test Neo4j, for tests of that store alone."""
    s = neo4j_server.open_store()
    s.clear(keep_audit=False)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    """The Xining demo (seed 2019, scale 1) in an embedded store, built once per session.

    About 11 s of CPU (generation ~5 s, writes ~6 s). Shared by every test that asks for
    it: read only, never write to it.
    """
    from orggraph.demo import build_demo

    s = EmbeddedStore(tmp_path_factory.mktemp("demo") / "demo.db")
    # Without the yearly cycles (25 s more): its records are demo_batches' (test_demo's
    # digest); tests/demo/test_cycle_demo.py runs the cycles on a copy.
    build_demo(s, seed=2019, scale=1, cycles=False)
    try:
        yield s
    finally:
        s.close()
