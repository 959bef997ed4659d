"""An index of an earlier state catches up through the journal of writes
(``orggraph.store.journal``): a running store after another connection's writes
(``refresh``), and a store opened from a snapshot written before them. Either way it must
answer every read as a store built from the tables does, and it must read the tables
instead whenever the journal cannot prove the catch-up: a restore in between, a tool that
counted its write around the journal, too many writes behind, a write too large to keep.

The writes (on ``tests.graphs.responsibility_city``, dates read off its docstring): m99
joins b1 in 2019; m05 leaves b1 on 2019-03-01; b2 is renamed from 2019-02-01 (a second
version); m07 ends on 2019-04-01 (and so its membership of b2); b1 gets a 2019 grade.
At 2019-06-30 b1's members are then m04, m06, m99 and b2's m08, m09.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from orggraph.model import LinkKind, WriteBatch
from orggraph.store import journal, snapshot
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import fact, link, member, org, responsibility_city
from tests.store.test_snapshot import EVERY_READ

ASK = date(2019, 6, 30)
MEM = LinkKind.MEMBER_OF

WRITES = (
    WriteBatch(
        nodes=(member("m99", "新人", start=date(2019, 1, 1)),),
        links=(link(MEM, "m99", "b1", start=date(2019, 1, 1)),),
    ),
    WriteBatch(end_links=(("member_of:m05>b1", date(2019, 3, 1)),)),
    WriteBatch(
        nodes=(org("b2", "某村第一党支部", "grassroots", "branch", sector="rural"),),
        effective=date(2019, 2, 1),
    ),
    WriteBatch(end_nodes=(("m07", date(2019, 4, 1)),)),
    WriteBatch(facts=(fact("b1", 2019, "assessment_grade", "good"),)),
)


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``responsibility_city`` in a file with its snapshot (written by a first open)."""
    monkeypatch.setattr(snapshot, "MIN_ROWS", 0)
    file = tmp_path / "city.db"
    # The writer writes no snapshot: the first open's is of the city.
    with EmbeddedStore(file, index_snapshot=False) as writer:
        writer.write(responsibility_city())
    with EmbeddedStore(file) as first:
        assert not first.snapshot_used
    yield file


def _members(store: EmbeddedStore, org_id: str) -> list[str]:
    return sorted(x.source for x in store.links(MEM, ASK, targets=[org_id]))


def _write_all(file: Path) -> EmbeddedStore:
    """The writes, by a store of their own (open: its index took them in place)."""
    writer = EmbeddedStore(file)
    for batch in WRITES:
        writer.write(batch)
    return writer


def _canonical(value: object) -> object:
    """``versions_between``'s lists in a fixed order: a store lists the versions written
    since it read the file after the file's (its own writes' too)."""
    if isinstance(value, tuple) and len(value) == 2 and hasattr(value[1], "links"):
        window = value[1]
        return value[0], [
            sorted(map(repr, getattr(window, f))) for f in ("nodes", "links", "facts")
        ]
    return value


def _same_as_the_writers_and_the_tables(store: EmbeddedStore, writer: EmbeddedStore) -> None:
    with EmbeddedStore(store.path, index_snapshot=False) as built:
        assert built.index_loads == 1 and built.catch_ups == 0
        for name, ask in EVERY_READ.items():
            assert ask(store) == ask(writer), name
            assert _canonical(ask(store)) == _canonical(ask(built)), name
        for year in (2018, 2019):
            ids = ["b1", "b2", "s1"]
            assert store.facts(ids, year) == writer.facts(ids, year) == built.facts(ids, year)


def _expected(store: EmbeddedStore) -> None:
    assert _members(store, "b1") == ["m04", "m06", "m99"]
    assert _members(store, "b2") == ["m08", "m09"]
    b2 = store.node("b2", ASK)
    assert b2 is not None and b2.name == "某村第一党支部"
    before = store.node("b2", date(2019, 1, 31))
    assert before is not None and before.name == "某村党支部"
    assert store.node("m07", ASK) is None
    assert store.facts(["b1"], 2019) == {"b1": {"assessment_grade": "good"}}


def test_a_running_store_catches_up_with_another_connections_writes(path: Path) -> None:
    with EmbeddedStore(path) as served:
        assert served.facts(["b1"], 2019) == {}  # the facts are loaded: caught up too
        with _write_all(path) as writer:
            assert served.refresh() is True
            assert (served.index_loads, served.catch_ups) == (1, 1)
            _expected(served)
            _same_as_the_writers_and_the_tables(served, writer)


def test_each_write_caught_up_in_turn_as_all_at_once(path: Path) -> None:
    with EmbeddedStore(path) as served, EmbeddedStore(path) as other:
        for batch in WRITES:
            other.write(batch)
            assert served.refresh() is True
        assert (served.index_loads, served.catch_ups) == (1, len(WRITES))
        _expected(served)
        _same_as_the_writers_and_the_tables(served, other)


def test_an_open_reads_the_snapshot_and_the_writes_since(path: Path) -> None:
    with _write_all(path) as writer, EmbeddedStore(path) as opened:
        assert opened.snapshot_used and opened.catch_ups == 1
        _expected(opened)
        _same_as_the_writers_and_the_tables(opened, writer)


def test_a_restore_in_between_breaks_the_chain(path: Path) -> None:
    with EmbeddedStore(path) as served, EmbeddedStore(path) as other:
        other.write(WRITES[0])
        other.restore_records(journal.Changes(), [], {"file": "b.db"}, actor="a", replace=False)
        other.write(WRITES[1])
        assert served.refresh() is True
        # Not caught up across the restore: read again, from the snapshot the restore's
        # own rebuild wrote, and the one write journaled since.
        assert (served.index_loads, served.catch_ups) == (2, 1)
        assert _members(served, "b1") == ["m04", "m06", "m99"]


def test_a_write_counted_around_the_journal_breaks_the_chain(path: Path) -> None:
    with EmbeddedStore(path) as served:
        _write_all(path).close()
        with sqlite3.connect(path) as db:  # a tool that counts its write, and no more
            db.execute("UPDATE graph_version SET n = n + 1")
        with EmbeddedStore(path) as opened:  # an open does not catch up across it
            assert (opened.snapshot_used, opened.catch_ups) == (False, 0)
            _expected(opened)
        assert served.refresh() is True  # nor does a running store
        assert (served.index_loads, served.catch_ups) == (2, 0)
        _expected(served)


def test_too_far_behind_reads_the_tables(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal, "KEEP", 3)
    with EmbeddedStore(path) as served:
        _write_all(path).close()  # five writes, three kept
        with sqlite3.connect(path) as db:
            kept = [n for (n,) in db.execute("SELECT n FROM graph_journal ORDER BY n")]
        assert kept == [4, 5, 6]  # the city's write was 1, these 2 to 6
        assert served.refresh() is True
        assert (served.index_loads, served.catch_ups) == (2, 0)
        _expected(served)


def test_a_write_too_large_to_keep_reads_the_tables(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal, "MAX_KEYS", 1)  # m99 and its membership: two rows
    with EmbeddedStore(path) as served:
        _write_all(path).close()
        assert served.refresh() is True
        assert (served.index_loads, served.catch_ups) == (2, 0)
        _expected(served)


def test_more_rows_than_a_catch_up_reads_reads_the_tables(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal, "MAX_CATCH_UP", 3)
    _write_all(path).close()
    with EmbeddedStore(path) as opened:
        assert (opened.snapshot_used, opened.catch_ups) == (False, 0)
        _expected(opened)
