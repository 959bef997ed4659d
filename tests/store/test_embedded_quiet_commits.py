"""Another process's commits that leave the graph as it was cost a reader one look, not a
rebuild of its index: the heavy lane's child and the other ``--workers`` refresh before
each request, and the server writes an audit record for every export and sensitive read.
Counted (``index_loads``), not timed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orggraph.model import Changes, WriteBatch
from orggraph.store.accounts import account_store
from orggraph.store.embedded import BUSY_TIMEOUT_MS, EmbeddedStore
from tests.graphs import org, tiny_city

ASK = tiny_city().nodes[0].valid_from

#: Another process: an audit record, an account and its token, then nothing of the graph.
OTHER_PROCESS = """
import sys
from orggraph.store.accounts import account_store
from orggraph.store.embedded import BUSY_TIMEOUT_MS, EmbeddedStore
store = EmbeddedStore(sys.argv[1])
store.record_audit("analyst", "export", {"kind": "responsibility-list", "rows": 3})
accounts = account_store(store)
accounts.add("analyst", "viewer")
accounts.issue_token("analyst")
store.close()
"""


@pytest.fixture
def path(tmp_path: Path) -> Iterator[Path]:
    file = tmp_path / "shared.db"
    with EmbeddedStore(file) as writer:
        writer.write(tiny_city())
    yield file


def test_an_audit_record_from_another_process_rebuilds_nothing(path: Path) -> None:
    with EmbeddedStore(path) as served:
        assert served.index_loads == 1  # the opening
        subprocess.run(
            [sys.executable, "-c", OTHER_PROCESS, str(path)],
            check=True,
            cwd=Path(__file__).parents[2],
        )
        assert served.refresh() is False
        assert served.index_loads == 1
        assert served.quiet_commits == 1  # the other process's commits, seen at one look
        assert served.refresh() is False
        assert served.quiet_commits == 1


def test_a_write_of_the_graph_after_quiet_commits_is_read(path: Path) -> None:
    with EmbeddedStore(path) as served, EmbeddedStore(path) as other:
        other.record_audit("analyst", "read-sensitive", {"count": 1})
        assert served.refresh() is False
        # 630104 城西区委 is not in tiny_city: it comes only through the other connection.
        other.write(WriteBatch(nodes=(org("630104", "城西区委", "county"),)))
        other.record_audit("analyst", "export", {"rows": 1})  # after the write: still seen
        assert served.node("630104", ASK) is None
        assert served.refresh() is True
        # Caught up through the journal: the rows the write touched, not the tables.
        assert served.index_loads == 1 and served.catch_ups == 1
        node = served.node("630104", ASK)
        assert node is not None and node.name == "城西区委"
        # The writer's own index took its write in place: no rebuild of its own.
        assert other.index_loads == 1 and other.refresh() is False


def test_a_write_in_this_process_leaves_the_other_audit_records_quiet(path: Path) -> None:
    with EmbeddedStore(path) as served, EmbeddedStore(path) as other:
        served.write(WriteBatch(nodes=(org("630104", "城西区委", "county"),)))
        assert other.refresh() is True  # the graph changed under the other
        other.record_audit("analyst", "export", {"rows": 1})
        accounts = account_store(other)
        accounts.add("analyst", "viewer")
        assert served.refresh() is False
        served.write(WriteBatch(nodes=(org("630105", "城东区委", "county"),)))
        assert served.index_loads == 1  # its own writes went into its index in place
        assert other.refresh() is True
        assert other.node("630105", ASK) is not None


def test_a_restore_by_another_connection_rebuilds_the_index(path: Path) -> None:
    with EmbeddedStore(path) as served, EmbeddedStore(path) as other:
        kept = served.node("630104", ASK)
        assert kept is None
        added = Changes(add_nodes=[org("630104", "城西区委", "county")])
        other.restore_records(added, [], {"file": "backup.db"}, actor="admin", replace=False)
        assert served.refresh() is True
        # A restore counts its write without journaling it: the tables are read again.
        assert served.index_loads == 2 and served.catch_ups == 0
        assert served.node("630104", ASK) is not None


def test_the_look_on_the_event_loop_leaves_the_busy_timeout_as_it_was(path: Path) -> None:
    """``current`` (the look ``FreshIndex`` makes on the event loop) reads with SQLite's
    busy timeout off, so that it never waits, and puts it back."""
    with EmbeddedStore(path) as served, EmbeddedStore(path) as other:
        assert served.current() is True
        other.record_audit("analyst", "export", {"rows": 1})
        assert served.current() is False  # the other's commit is there to be noted
        assert served._db.execute("PRAGMA busy_timeout").fetchone() == (BUSY_TIMEOUT_MS,)
        assert served.refresh() is False and served.current() is True
