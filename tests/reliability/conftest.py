"""A store of each backend, with what a server subprocess needs to open it too."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.neo4j_server import ServerInfo
from tests.reliability.harness import SqliteProbe, StoreProbe


@dataclass(kw_only=True)
class Target:
    """The empty store of the ``store`` fixture, its URL, and the settings a child needs."""

    store: GraphStore
    url: str
    env: dict[str, str] = field(default_factory=dict)
    info: ServerInfo | None = None

    @property
    def backend(self) -> str:
        return "embedded" if self.info is None else "neo4j"

    def fresh(self) -> GraphStore:
        """The same store opened anew: an embedded store rebuilds its index from the file."""
        if self.info is None:
            assert isinstance(self.store, EmbeddedStore)
            return EmbeddedStore(self.store.path)
        from orggraph.store.neo4j import Neo4jStore

        info = self.info
        return Neo4jStore(info.uri, user=info.user, password=info.password, database=info.database)

    def probe(self) -> SqliteProbe | StoreProbe:
        """Reads of what is committed, from this process."""
        if self.info is None:
            assert isinstance(self.store, EmbeddedStore)
            return SqliteProbe(Path(self.store.path))
        return StoreProbe(self.fresh())


def neo4j_env(info: ServerInfo) -> dict[str, str]:
    return {
        "ORGGRAPH_NEO4J_USER": info.user,
        "ORGGRAPH_NEO4J_PASSWORD": info.password,
        "ORGGRAPH_NEO4J_DATABASE": info.database,
    }


@pytest.fixture
def target(store: GraphStore, request: pytest.FixtureRequest) -> Target:
    if isinstance(store, EmbeddedStore):
        return Target(store=store, url=f"sqlite:///{store.path}")
    info: ServerInfo = request.getfixturevalue("neo4j_server")
    return Target(store=store, url=info.uri, env=neo4j_env(info), info=info)
