"""The test server launcher: an existing server by environment, a clear error when it fails."""

from __future__ import annotations

import socket

import pytest

from tests.neo4j_server import (
    NEO4J_VERSION,
    Neo4jServer,
    Neo4jServerError,
    ServerInfo,
    ensure_installed,
    existing_or_new_server,
)

pytestmark = pytest.mark.neo4j


def test_neo4j_uri_names_an_existing_server_and_nothing_starts() -> None:
    env = {"NEO4J_URI": "bolt://db.example:7687", "NEO4J_USER": "u", "NEO4J_PASSWORD": "p"}
    with existing_or_new_server(env) as info:
        assert info == ServerInfo(uri="bolt://db.example:7687", user="u", password="p")


def test_the_cache_holds_the_jars_and_the_launcher(neo4j_server: ServerInfo) -> None:
    home = ensure_installed()  # already there: the session's server came from it
    assert home.name == f"neo4j-{NEO4J_VERSION}"
    assert (home / "lib" / f"neo4j-{NEO4J_VERSION}.jar").exists()
    assert (home / "lib" / f"neo4j-bolt-{NEO4J_VERSION}.jar").exists()
    assert (home / "launcher.jar").exists()


def test_a_server_that_cannot_start_says_why() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = Neo4jServer(port=port)
        try:
            with pytest.raises(Neo4jServerError) as caught:
                server.start(timeout=120)
        finally:
            server.cleanup()
    message = str(caught.value)
    assert "Neo4j exited with code" in message
    assert str(port) in message  # the end of its log names the address it could not bind
