"""The embedded store's index kept beside its file (``orggraph.store.snapshot``).

A snapshot is read only when it is exactly the file's (same count of graph writes, same
random token, same row counts, same code) and whole, or of an earlier state of this file
that the journal of writes since brings up to it (``orggraph.store.journal``): then the
store must answer as one built from the tables. Every other case here (a backup copied
back, files that reached the same count by other writes, a restore, rows inserted without
counting, a damaged or foreign file, a folder the snapshot cannot be written to) must open
from the tables and answer as they say. ``snapshot.MIN_ROWS`` is lowered to 0 so the small graphs
here get one. Expected answers are read off ``tests.graphs.responsibility_city``'s
docstring: b1's members are m04, m05, m06; s1's m11, m12, m13.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from orggraph.model import LinkKind, NodeKind, WriteBatch
from orggraph.store import snapshot
from orggraph.store.backup import backup, restore
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import link as make_link
from tests.graphs import member, org, responsibility_city
from tests.store.test_embedded_index import M04

ASK = date(2019, 6, 30)
MEM = LinkKind.MEMBER_OF


@pytest.fixture(autouse=True)
def every_store_gets_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "MIN_ROWS", 0)


@pytest.fixture
def path(tmp_path: Path) -> Iterator[Path]:
    """``responsibility_city`` in a file, and its snapshot written by the first open."""
    file = tmp_path / "city.db"
    # The writer writes no snapshot: the first open's is of the city.
    with EmbeddedStore(file, index_snapshot=False) as writer:
        writer.write(responsibility_city())
    with EmbeddedStore(file) as first:
        assert not first.snapshot_used  # the writes counted: the writer's snapshot is old
    yield file


def _members(store: EmbeddedStore, org_id: str) -> list[str]:
    return sorted(x.source for x in store.links(MEM, ASK, targets=[org_id]))


def _opened(file: Path) -> tuple[bool, list[str], list[str]]:
    """Whether opening ``file`` read its snapshot, and b1's and s1's members."""
    with EmbeddedStore(file) as store:
        return store.snapshot_used, _members(store, "b1"), _members(store, "s1")


B1 = ["m04", "m05", "m06"]
S1 = ["m11", "m12", "m13"]


def _join(store: EmbeddedStore, who: str, org_id: str) -> None:
    store.write(
        WriteBatch(
            nodes=(member(who, "新人", start=date(2019, 1, 1)),),
            links=(make_link(MEM, who, org_id, start=date(2019, 1, 1)),),
        )
    )


#: Reads whose answers a store opened from its snapshot must give as one built from the
#: tables: every kind of read, wide (``WIDE_READ`` ends and more) and narrow.
EVERY_READ: dict[str, Callable[[EmbeddedStore], object]] = {
    "all_nodes": lambda s: list(s.all_nodes()),
    "all_links": lambda s: list(s.all_links()),
    "node": lambda s: [s.node(i, ASK) for i in ("m04", "b1", "630100", "wg01", "u1", "nope")],
    "nodes": lambda s: [s.nodes(kind, ASK) for kind in NodeKind],
    "links": lambda s: [s.links(kind, ASK) for kind in LinkKind],
    "links by end": lambda s: [
        s.links(kind, ASK, sources=["m04", "m14", "b1"]) + s.links(kind, ASK, targets=["b1"])
        for kind in LinkKind
    ],
    "count_links": lambda s: s.count_links(MEM, ASK, targets=["b1", "b2", "s1", "630102"]),
    "tree": lambda s: (s.subtree("630100", ASK), s.children("630102001", ASK), s.parent("b1", ASK)),
    "versions": lambda s: (
        s.node_versions(["m02", "b2"]),
        s.link_versions(["member_of:m04>b1"]),
        s.links_touching(["m04"]),
        s.outgoing_versions(LinkKind.HOLDS_POST, ["m02"]),
    ),
    "dates": lambda s: (s.change_dates(), s.versions_between(date(2012, 1, 1), date(2019, 6, 30))),
    "search": lambda s: s.search("党支部", ASK),
}


def test_a_reopened_store_reads_its_snapshot_and_answers_as_the_tables(path: Path) -> None:
    assert snapshot.path_for(path) == path.with_name("city.db.columns")
    assert snapshot.path_for(path).is_file()  # type: ignore[union-attr]
    assert _opened(path) == (True, B1, S1)
    with EmbeddedStore(path) as kept:
        snapshot.remove(snapshot.path_for(path))
        with EmbeddedStore(path) as read:
            assert kept.snapshot_used and not read.snapshot_used
            for name, ask in EVERY_READ.items():
                assert ask(kept) == ask(read), name
            assert kept.node("m04", ASK) == read.node("m04", ASK) == M04


def test_another_connections_write_is_caught_up_from_the_journal(path: Path) -> None:
    with EmbeddedStore(path) as other:
        _join(other, "m99", "b1")
    assert _opened(path) == (True, [*B1, "m99"], S1)
    assert _opened(path) == (True, [*B1, "m99"], S1)  # the same snapshot, caught up again


def test_an_orggraph_command_in_another_process_makes_it_stale(path: Path) -> None:
    script = (
        "import sys; from datetime import date;"
        "from orggraph.model import LinkKind, WriteBatch;"
        "from orggraph.store.embedded import EmbeddedStore;"
        "from tests.graphs import link, member;"
        "s = EmbeddedStore(sys.argv[1]);"
        "s.write(WriteBatch(nodes=(member('m98', 'x', start=date(2019, 1, 1)),),"
        " links=(link(LinkKind.MEMBER_OF, 'm98', 's1', start=date(2019, 1, 1)),)));"
        "s.close()"
    )
    root = Path(__file__).parents[2]
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, cwd=root)
    assert _opened(path) == (True, B1, [*S1, "m98"])


def test_a_backup_copied_back_over_the_file_is_read_from_its_tables(path: Path) -> None:
    saved = path.with_name("saved.db")
    with EmbeddedStore(path) as store:
        backup(store, saved)
        _join(store, "m99", "b1")
    assert _opened(path) == (True, [*B1, "m99"], S1)  # the snapshot, caught up
    snapshot.remove(snapshot.path_for(path))
    assert _opened(path) == (False, [*B1, "m99"], S1)  # the snapshot is now of the later state
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(saved, path)
    assert _opened(path) == (False, B1, S1)


def test_files_that_reached_the_same_count_by_other_writes_differ(path: Path) -> None:
    twin = path.with_name("twin.db")
    shutil.copyfile(path, twin)
    with EmbeddedStore(path) as one, EmbeddedStore(twin) as two:
        _join(one, "m99", "b1")
        _join(two, "m98", "s1")
    snapshot.remove(snapshot.path_for(twin))  # its first open's: the next is of m98's write
    assert _opened(twin) == (False, B1, [*S1, "m98"])
    # The twin's snapshot beside the first file: one write each, the same count.
    shutil.copyfile(twin.with_name("twin.db.columns"), path.with_name("city.db.columns"))
    assert _opened(path) == (False, [*B1, "m99"], S1)


def test_a_restore_through_the_store_leaves_no_snapshot_of_before(path: Path) -> None:
    empty = path.with_name("empty.db")
    with EmbeddedStore(empty) as blank:
        blank.write(WriteBatch(nodes=(org("x1", "某支部", "grassroots", "branch"),)))
        backup(blank, path.with_name("blank.backup"))
    with EmbeddedStore(path) as store:
        restore(store, path.with_name("blank.backup"), replace=True)
        assert _members(store, "b1") == []
        assert [n.id for n in store.all_nodes()] == ["x1"]
    used, b1, s1 = _opened(path)
    assert (used, b1, s1) == (True, [], [])  # written by the restore's own rebuild
    with EmbeddedStore(path) as again:
        assert [n.id for n in again.all_nodes()] == ["x1"]


def test_rows_inserted_without_counting_make_it_stale(path: Path) -> None:
    with sqlite3.connect(path) as db:  # as ``backup.write_snapshot`` fills a file
        db.execute(
            "INSERT INTO links VALUES ('member_of:m99>b1', 'member_of', 'm99', 'b1',"
            " '2019-01-01', NULL, '{}')"
        )
    assert _opened(path)[0] is False


def test_a_reopening_keeps_the_token_and_a_counted_write_draws_another(path: Path) -> None:
    def token() -> bytes:
        with sqlite3.connect(path) as db:
            (found,) = db.execute("SELECT token FROM graph_identity").fetchone()
        return bytes(found)

    before = token()
    assert len(before) == 16
    EmbeddedStore(path).close()  # the schema's INSERT OR IGNORE inserts nothing
    assert token() == before
    with sqlite3.connect(path) as db:  # any tool that counts its write
        db.execute("UPDATE graph_version SET n = n + 1")
    assert token() != before


@pytest.mark.parametrize("damage", ["flip", "truncate", "extend", "garbage", "empty"])
def test_a_damaged_snapshot_is_ignored_and_written_again(path: Path, damage: str) -> None:
    kept = path.with_name("city.db.columns")
    data = bytearray(kept.read_bytes())
    if damage == "flip":
        data[-10] ^= 0x40  # in the last section's bytes
    elif damage == "truncate":
        del data[len(data) // 2 :]
    elif damage == "extend":
        data += b"\0"
    elif damage == "garbage":
        data = bytearray(b"not a snapshot at all" * 10)
    else:
        data = bytearray()
    kept.write_bytes(bytes(data))
    assert _opened(path) == (False, B1, S1)
    assert _opened(path) == (True, B1, S1)


def test_a_snapshot_of_other_code_is_ignored(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "CODE", "0" * 32)
    assert _opened(path) == (False, B1, S1)


def test_a_snapshot_that_cannot_be_written_leaves_the_store_working(tmp_path: Path) -> None:
    file = tmp_path / "city.db"
    (tmp_path / "city.db.columns").mkdir()  # a folder where the file would go
    with EmbeddedStore(file) as writer:
        writer.write(responsibility_city())
    assert _opened(file) == (False, B1, S1)
    assert list(tmp_path.glob(".city.db.columns.partial-*")) == []


def test_a_small_store_writes_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "MIN_ROWS", 100_000)
    file = tmp_path / "city.db"
    with EmbeddedStore(file) as writer:
        writer.write(responsibility_city())
    assert _opened(file) == (False, B1, S1)
    assert not (tmp_path / "city.db.columns").exists()


def test_strings_holding_the_separator_come_back_whole(tmp_path: Path) -> None:
    parts = {"ids": ["a\x1fb", "", "c"], "none": [], "one": [""]}
    ident = {"graph_version": 1, "token": "00", "nodes": 3, "links": 0}
    target = tmp_path / "x.columns"
    assert snapshot.write(target, ident, parts)
    assert snapshot.read(target, ident) == parts
    assert snapshot.read(target, {**ident, "graph_version": 2}) is None


def test_a_snapshot_another_process_wrote_for_the_same_file_is_kept(tmp_path: Path) -> None:
    ident = {"graph_version": 4, "token": "AB", "nodes": 1, "links": 0}
    target = tmp_path / "x.columns"
    assert snapshot.write(target, ident, {"ids": ["n1"]})
    first = target.stat().st_ino
    assert snapshot.write(target, ident, {"ids": ["n1"]})
    assert target.stat().st_ino == first  # not written again
    assert snapshot.write(target, {**ident, "graph_version": 5}, {"ids": ["n1"]})
    assert target.stat().st_ino != first


def test_what_a_killed_writer_left_is_swept_by_the_next(tmp_path: Path) -> None:
    target = tmp_path / "x.columns"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    left = tmp_path / f".x.columns.partial-{dead}-1f"
    running = tmp_path / f".x.columns.partial-{os.getpid()}-2f"  # this process: writing
    left.write_bytes(b"half")
    running.write_bytes(b"half")
    assert snapshot.write(target, {"graph_version": 1}, {"ids": ["n1"]})
    assert not left.exists() and running.exists()


def test_a_backup_and_a_restore_leave_no_snapshot_in_their_folders(
    path: Path, tmp_path: Path
) -> None:
    # A snapshot is a second copy of the data: one written beside a backup's partial file
    # (sealed, then renamed) or a restore's temporary copy would be left behind there.
    folder = tmp_path / "backups"
    folder.mkdir()
    with EmbeddedStore(path) as store:
        backup(store, folder / "b.db")
        restore(store, folder / "b.db", replace=True)
    assert sorted(p.name for p in folder.iterdir()) == ["b.db"]


@pytest.mark.parametrize("mode", [0o600, 0o640])
def test_a_snapshot_has_the_store_files_permissions(tmp_path: Path, mode: int) -> None:
    file = tmp_path / "city.db"
    # The writer writes no snapshot: the first open's is of the city.
    with EmbeddedStore(file, index_snapshot=False) as writer:
        writer.write(responsibility_city())
    os.chmod(file, mode)
    with EmbeddedStore(file):
        pass
    written = snapshot.path_for(file)
    assert written is not None and written.exists()
    assert written.stat().st_mode & 0o777 == mode
