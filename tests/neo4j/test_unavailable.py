"""Servers of their own: a lost one is ``StoreUnavailable`` (retryable) until it is back;
a full one refuses a write too large, saying so."""

from __future__ import annotations

import time
from datetime import date

import neo4j
import pytest

from orggraph.errors import OrgGraphError, StoreUnavailable
from orggraph.model import LinkKind, WriteBatch
from orggraph.store.neo4j import Neo4jStore
from tests.graphs import link, member, org, tiny_city
from tests.neo4j_server import Neo4jServer

pytestmark = pytest.mark.neo4j


def test_a_stopped_server_is_unavailable_and_the_store_recovers() -> None:
    # A server of its own: this test stops it, and restarts it on the same port and data.
    server = Neo4jServer()
    try:
        server.start()
        url = f"neo4j://127.0.0.1:{server.port}"
        with Neo4jStore(url, max_retry_time=2.0, connection_timeout=2.0) as store:
            store.write(tiny_city())
            when = date(2020, 1, 1)
            assert store.ancestors("b1", when) == ["630102001", "630102", "630100"]

            server.stop()
            started = time.monotonic()
            with pytest.raises(StoreUnavailable) as caught:
                store.ancestors("b1", when)
            assert time.monotonic() - started < 30  # the retry time is 2 s: bounded
            assert caught.value.retryable
            assert "cannot be reached" in str(caught.value) and url in str(caught.value)
            assert isinstance(
                caught.value.__cause__,
                neo4j.exceptions.ServiceUnavailable | neo4j.exceptions.SessionExpired,
            )
            with pytest.raises(StoreUnavailable):
                store.write(WriteBatch(nodes=(org("b3", "新党支部", "grassroots", "branch"),)))

            server.start()
            # The same store object, no reopening: the driver reconnects by itself.
            assert _eventually(lambda: store.ancestors("b1", when)) == [
                "630102001",
                "630102",
                "630100",
            ]
            store.write(WriteBatch(nodes=(org("b3", "新党支部", "grassroots", "branch"),)))
            assert store.node("b3", when) is not None
            assert store.counts()["node_versions"] == 7  # tiny_city's 6, and b3
    finally:
        server.cleanup()


def test_a_write_too_large_for_the_server_says_so_and_writes_nothing() -> None:
    # A server whose transactions may use 2 MiB: 2,000 members with their links need more.
    server = Neo4jServer(settings={"db.memory.transaction.max": "2m"})
    try:
        server.start()
        with Neo4jStore(server.info.uri, max_retry_time=1.0) as store:
            store.write(tiny_city())
            people = tuple(member(f"m{i:04d}", f"党员{i}") for i in range(2000))
            batch = WriteBatch(
                nodes=people, links=tuple(link(LinkKind.MEMBER_OF, p.id, "b1") for p in people)
            )
            with pytest.raises(OrgGraphError) as caught:
                store.write(batch)
            assert not isinstance(caught.value, StoreUnavailable)  # retrying will not help
            assert "db.memory.transaction.max" in str(caught.value)
            assert store.counts()["node_versions"] == 6  # tiny_city's: nothing was written
    finally:
        server.cleanup()


def _eventually(read: object, seconds: float = 90.0) -> object:
    """The first answer ``read`` gives within ``seconds``, retrying on ``StoreUnavailable``."""
    assert callable(read)
    deadline = time.monotonic() + seconds
    while True:
        try:
            return read()
        except StoreUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
