"""The Neo4j store's member roll-ups: counted at any date as the links are, kept current
by every write, built when a store has none.

The graph (tiny_city's branches b1 and b2, all from 2010-01-01 unless said), written in
separate writes so that each one changes roll-ups already there:

1. m1 (full) joins b1; m2 (probationary) joins b1 from 2011-01-01;
2. m2 becomes full from 2014-01-01 (a new version of m2);
3. m1's membership of b1 ends on 2016-01-01 (``end_links``);
4. m3 (full) joins b2 from 2013-01-01, and m3 leaves the party on 2017-01-01
   (``end_nodes``: the member and its open links end).

Worked out by hand, members of b1 / b2 (full members in brackets):

| date | b1 | b2 |
|---|---|---|
| 2010-06-01 | 1 (1) | — |
| 2012-06-01 | 2 (1) | — |
| 2013-06-01 | 2 (1) | 1 (1) |
| 2015-06-01 | 2 (2) | 1 (1) |
| 2016-06-01 | 1 (1) | 1 (1) |
| 2018-06-01 | 1 (1) | — |
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orggraph.model import LinkKind, WriteBatch
from orggraph.model.records import link_id
from orggraph.store import neo4j_cypher as q
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.neo4j import Neo4jStore
from orggraph.store.sync import copy_records
from tests.graphs import link, member, tiny_city
from tests.neo4j_server import ServerInfo

D = date
FULL = {"status": "full"}
MEMBER_OF = LinkKind.MEMBER_OF
TARGETS = ["b1", "b2", "630102", "nobody"]
#: date → (members, full members), from the table above.
EXPECTED: dict[date, tuple[dict[str, int], dict[str, int]]] = {
    D(2010, 6, 1): ({"b1": 1}, {"b1": 1}),
    D(2012, 6, 1): ({"b1": 2}, {"b1": 1}),
    D(2013, 6, 1): ({"b1": 2, "b2": 1}, {"b1": 1, "b2": 1}),
    D(2015, 6, 1): ({"b1": 2, "b2": 1}, {"b1": 2, "b2": 1}),
    D(2016, 6, 1): ({"b1": 1, "b2": 1}, {"b1": 1, "b2": 1}),
    D(2018, 6, 1): ({"b1": 1}, {"b1": 1}),
}


@pytest.fixture
def neo(neo4j_store: Neo4jStore) -> Neo4jStore:
    return neo4j_store


def _write_history(store: Neo4jStore | EmbeddedStore) -> None:
    store.write(tiny_city())
    store.write(
        WriteBatch(
            nodes=(member("m1", "甲"), member("m2", "乙", status="probationary")),
            links=(link(MEMBER_OF, "m1", "b1"), link(MEMBER_OF, "m2", "b1", start=D(2011, 1, 1))),
        )
    )
    store.write(WriteBatch(nodes=(member("m2", "乙", start=D(2014, 1, 1)),)))
    store.write(WriteBatch(end_links=((link_id(MEMBER_OF, "m1", "b1"), D(2016, 1, 1)),)))
    store.write(
        WriteBatch(
            nodes=(member("m3", "丙", start=D(2013, 1, 1)),),
            links=(link(MEMBER_OF, "m3", "b2", start=D(2013, 1, 1)),),
        )
    )
    store.write(WriteBatch(end_nodes=(("m3", D(2017, 1, 1)),)))


def _ready(store: Neo4jStore) -> bool:
    return bool(store._rows(q.ROLLUP_READY)[0][0])


def _assert_counts(store: Neo4jStore | EmbeddedStore) -> None:
    for day, (members, full) in EXPECTED.items():
        assert store.count_links(MEMBER_OF, day, targets=TARGETS) == members, day
        assert store.count_links_from(MEMBER_OF, day, targets=TARGETS, where=FULL) == full, day


def test_the_roll_ups_follow_every_write(neo: Neo4jStore) -> None:
    _write_history(neo)
    assert _ready(neo)  # the counts below come from the roll-ups
    _assert_counts(neo)
    # b1's anchor holds the step function itself: 1 from 2010, 2 from 2011, 1 from 2016.
    ((days, counts),) = neo._rows(
        "MATCH (t:Entity {id: 'b1'}) RETURN [d IN t.rollup_days | toString(d)] AS days, "
        "t.rollup_members AS counts"
    )
    assert (days, counts) == (["2010-01-01", "2011-01-01", "2016-01-01"], [1, 2, 1])


def test_the_embedded_store_counts_the_same(tmp_path: Path) -> None:
    # The hand-worked table holds for the embedded store, which counts its links.
    store = EmbeddedStore(tmp_path / "e.db")
    try:
        _write_history(store)
        _assert_counts(store)
    finally:
        store.close()


def test_a_store_without_roll_ups_counts_links_and_gets_them_when_opened(
    neo: Neo4jStore, neo4j_server: ServerInfo
) -> None:
    _write_history(neo)
    neo._write(lambda tx: tx.run(q.ROLLUP_DROP).consume())  # as an offline import leaves it
    neo.write(WriteBatch(nodes=(member("m4", "丁", start=D(2019, 1, 1)),)))  # a write meanwhile
    assert not _ready(neo)
    _assert_counts(neo)  # from the links
    again = neo4j_server.open_store()
    try:
        assert _ready(again)
        _assert_counts(again)
    finally:
        again.close()


def _steps(store: Neo4jStore, org_id: str) -> tuple[list[str], list[int], list[str], list[int]]:
    """An organization's roll-ups as kept on its anchor (members, then full members)."""
    ((days, counts, full_days, full),) = store._rows(
        "MATCH (t:Entity {id: $id}) RETURN [d IN t.rollup_days | toString(d)] AS days, "
        "t.rollup_members AS counts, [d IN t.rollup_full_days | toString(d)] AS full_days, "
        "t.rollup_full AS full",
        id=org_id,
    )
    return days, counts, full_days, full


#: b1's and b2's step functions, from the table above (full members in the last two).
STEPS = {
    "b1": (
        ["2010-01-01", "2011-01-01", "2016-01-01"],
        [1, 2, 1],
        ["2010-01-01", "2014-01-01", "2016-01-01"],
        [1, 2, 1],
    ),
    "b2": (["2013-01-01", "2017-01-01"], [1, 0], ["2013-01-01", "2017-01-01"], [1, 0]),
}


def test_a_write_too_large_to_refresh_at_once_is_refreshed_after_it(
    neo: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Over a limit of one id, every write of the history that touches roll-ups (its
    # second touches b1, m1 and m2; its fifth b2 and m3; its last m3 and its link) is
    # refreshed after its commit, one organization a transaction.
    from orggraph.store import neo4j, neo4j_tx

    monkeypatch.setattr(neo4j_tx, "ROLLUP_REFRESH_MAX", 1)
    monkeypatch.setattr(neo4j, "ROLLUP_BATCH", 1)
    _write_history(neo)
    assert _ready(neo)  # nothing left due
    _assert_counts(neo)
    assert {o: _steps(neo, o) for o in STEPS} == STEPS


def test_a_refresh_cut_short_leaves_them_to_the_next_open(
    neo: Neo4jStore, neo4j_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The process stops between a large write's commit and its refresh: the write's
    # marker keeps reads on the links until the next open builds the roll-ups.
    from orggraph.store import neo4j_tx

    monkeypatch.setattr(neo4j_tx, "ROLLUP_REFRESH_MAX", 2)
    monkeypatch.setattr(Neo4jStore, "_refresh_rollups", lambda self, payload: None)
    _write_history(neo)  # its second write touches three ids
    assert not _ready(neo)
    _assert_counts(neo)  # from the links, as the table says
    again = neo4j_server.open_store()  # the next open builds them from the links
    try:
        assert _ready(again)
        _assert_counts(again)
        assert {o: _steps(again, o) for o in STEPS} == STEPS
        assert again._rows(q.ROLLUP_DUE_IDS) == []
    finally:
        again.close()


def test_a_bulk_load_builds_them_at_its_end(neo: Neo4jStore, tmp_path: Path) -> None:
    source = EmbeddedStore(tmp_path / "source.db")
    try:
        _write_history(source)
        records = (source.all_nodes(), source.all_links(), source.all_facts())
        copy_records(neo, *records, batch_size=2, actor="test")
    finally:
        source.close()
    assert _ready(neo)
    _assert_counts(neo)
