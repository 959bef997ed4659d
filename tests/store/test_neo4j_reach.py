"""How far the Neo4j store's data reaches, kept current on write (``q.REACH_KEEP``).

``tiny_city`` (tests/graphs.py): versions from 2010-01-01 and 2012-01-01 (b2 and its
link), no facts. Each write below moves the reach by hand-worked dates and years, and the
kept counter must equal a recount over every version (``q.DATA_REACH``).
"""

from __future__ import annotations

from datetime import date

import pytest

from orggraph.model import LinkKind, WriteBatch
from orggraph.store import neo4j_cypher as q
from orggraph.store.base import DataReach
from orggraph.store.neo4j import Neo4jStore
from orggraph.store.neo4j_tx import _values
from tests.graphs import fact, link, org, tiny_city
from tests.neo4j_server import ServerInfo

pytestmark = pytest.mark.neo4j


@pytest.fixture
def store(neo4j_store: Neo4jStore) -> Neo4jStore:
    return neo4j_store


def _kept(store: Neo4jStore) -> tuple[bool, str | None, list[int]]:
    ((kept, latest, years),) = store._rows(q.REACH)
    return bool(kept), latest, list(years or [])


def _recount(store: Neo4jStore) -> tuple[str | None, list[int]]:
    ((a, b, c, d, years),) = store._rows(q.DATA_REACH)
    return max((x for x in (a, b, c, d) if x), default=None), sorted(years)


def test_the_kept_reach_moves_with_every_write(store: Neo4jStore) -> None:
    assert _kept(store) == (True, None, [])  # cleared: an empty graph reaches nowhere
    store.write(tiny_city())
    assert _kept(store) == (True, "2012-01-01", [])
    store.write(
        WriteBatch(
            nodes=(org("b3", "新建党支部", "grassroots", "branch"),),
            links=(link(LinkKind.SUBORDINATE_TO, "b3", "630102001"),),
            facts=(fact("b3", 2018, "score", 90),),
        )
    )
    assert _kept(store) == (True, "2012-01-01", [2018])
    # Closing b2 (and its open link) on 2019-03-01 reaches that day.
    store.write(WriteBatch(end_nodes=(("b2", date(2019, 3, 1)),)))
    assert _kept(store) == (True, "2019-03-01", [2018])
    # An older year's facts: the years stay ascending, each once.
    store.write(WriteBatch(facts=(fact("b1", 2016, "score", 80), fact("b3", 2018, "size", 3))))
    assert _kept(store) == (True, "2019-03-01", [2016, 2018])
    assert _kept(store)[1:] == _recount(store)
    assert store.data_reach() == DataReach(latest=date(2019, 3, 1), fact_years=(2016, 2018))


def test_a_store_without_the_reach_works_it_out_and_gets_it_when_opened(
    store: Neo4jStore, neo4j_server: ServerInfo
) -> None:
    store.write(tiny_city())
    store.write(WriteBatch(facts=(fact("b1", 2017, "score", 75),)))
    # As a store written by an older version or imported offline: no counter.
    store._write(_values, "MATCH (r:Counter {name: 'reach'}) DELETE r")
    assert store.data_reach() == DataReach(latest=date(2012, 1, 1), fact_years=(2017,))
    store.write(WriteBatch(end_nodes=(("b2", date(2019, 3, 1)),)))
    assert _kept(store)[0] is False  # writes do not make a partial one
    assert store.data_reach() == DataReach(latest=date(2019, 3, 1), fact_years=(2017,))
    again = neo4j_server.open_store()
    try:
        assert _kept(again) == (True, "2019-03-01", [2017])
        assert again.data_reach() == store.data_reach()
    finally:
        again.close()


def test_clear_keeping_the_audit_empties_the_reach(store: Neo4jStore) -> None:
    store.write(tiny_city())
    store.clear(keep_audit=True)
    assert _kept(store) == (True, None, [])
    assert store.data_reach() == DataReach(latest=None, fact_years=())
