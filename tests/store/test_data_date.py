"""How far a store's data reaches (数据截至), on every backend: dates worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from orggraph.model import LinkKind, WriteBatch, link_id
from orggraph.store.base import DataReach, GraphStore
from tests.graphs import fact, link, tiny_city

SUB = LinkKind.SUBORDINATE_TO


def test_an_empty_store_reaches_no_date(store: GraphStore) -> None:
    assert store.data_reach() == DataReach(latest=None, fact_years=())
    assert store.data_date() is None
    assert store.fact_years() == ()


def test_the_latest_start_or_end_of_any_version_or_year_of_facts(store: GraphStore) -> None:
    # tiny_city: everything from 2010-01-01, b2 and its link from 2012-01-01.
    store.write(tiny_city())
    assert store.data_date() == date(2012, 1, 1)
    # An end is a date the data reaches: b2 leaves 630102001 on 2016-05-01.
    store.write(WriteBatch(end_links=((link_id(SUB, "b2", "630102001"), date(2016, 5, 1)),)))
    assert store.data_date() == date(2016, 5, 1)
    # A new version starting later: b2 under 630103 from 2016-05-01 (no later date) ...
    store.write(WriteBatch(links=(link(SUB, "b2", "630103", start=date(2016, 5, 1)),)))
    assert store.data_date() == date(2016, 5, 1)
    # ... facts for 2015 describe that whole year: they reach 2015-12-31, not later.
    store.write(WriteBatch(facts=(fact("b1", 2015, "meetings_held", 12),)))
    assert store.data_reach() == DataReach(latest=date(2016, 5, 1), fact_years=(2015,))
    # Facts for 2017 reach 2017-12-31, past every version.
    store.write(
        WriteBatch(
            facts=(fact("b1", 2017, "meetings_held", 10), fact("b2", 2013, "meetings_held", 4))
        )
    )
    assert store.fact_years() == (2013, 2015, 2017)
    assert store.data_date() == date(2017, 12, 31)


def test_a_second_store_over_the_same_data_agrees(
    store: GraphStore, request: pytest.FixtureRequest
) -> None:
    """What a write kept current is what the stored data says when read afresh, and a
    write by another process (another store over the same data) is seen."""
    store.write(tiny_city())
    store.write(WriteBatch(end_links=((link_id(SUB, "b1", "630102001"), date(2019, 6, 30)),)))
    store.write(WriteBatch(facts=(fact("b1", 2018, "assessment_grade", "good"),)))
    kept = store.data_reach()
    assert kept == DataReach(latest=date(2019, 6, 30), fact_years=(2018,))
    other = _second(store, request)
    try:
        assert other.data_reach() == kept
        other.write(WriteBatch(facts=(fact("b2", 2020, "meetings_held", 3),)))
        store.refresh()  # the embedded store catches up with another process's commit
        assert store.data_date() == date(2020, 12, 31)
        assert store.fact_years() == (2018, 2020)
    finally:
        other.close()


def _second(store: GraphStore, request: pytest.FixtureRequest) -> GraphStore:
    """A second store over the same data, as a second process would open it."""
    if store.path is not None:
        from orggraph.store.embedded import EmbeddedStore

        return EmbeddedStore(store.path)
    from orggraph.store.neo4j import Neo4jStore
    from tests.neo4j_server import ServerInfo

    info: ServerInfo = request.getfixturevalue("neo4j_server")
    return Neo4jStore(info.uri, user=info.user, password=info.password, database=info.database)
