"""Shared fixtures: stores of every backend, built fresh for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore

BACKENDS = ["embedded"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each backend."""
    if request.param == "embedded":
        s: GraphStore = EmbeddedStore(tmp_path / "test.db")
    else:  # pragma: no cover - extended by the Neo4j fixture
        raise AssertionError(request.param)
    try:
        yield s
    finally:
        s.close()
