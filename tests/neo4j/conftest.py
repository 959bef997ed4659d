"""A clean ``Neo4jStore`` on the session's test server, for the Neo4j-only tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orggraph.store.neo4j import Neo4jStore
from tests.neo4j_server import ServerInfo


@pytest.fixture
def neo4j_store(neo4j_server: ServerInfo) -> Iterator[Neo4jStore]:
    """An empty Neo4j store (audit trail included)."""
    store = Neo4jStore(
        neo4j_server.uri,
        user=neo4j_server.user,
        password=neo4j_server.password,
        database=neo4j_server.database,
    )
    store.clear(keep_audit=False)
    try:
        yield store
    finally:
        store.close()
