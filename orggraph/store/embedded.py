"""The embedded store: one SQLite file (WAL) is the truth, networkx in memory the index.

The index is built when the store opens and updated only after a commit, so a reader never
sees a write that could still roll back. Each link kind has its own ``DiGraph`` (edge
data: ``{link id: its versions}``, more than one id only for two posts held in the same
organization), so a walk up the hierarchy never touches the hundred thousand member links;
the memberships the file holds (``COLUMN_KINDS``), most of the links, are columns instead
(``LinkColumns``: ends as integer codes, sorted by source and by target), those written
since opening edges of the kind's ``DiGraph`` beside them.
The node versions and the facts read from the file are columns (``orggraph.store.columns``):
a ``Node`` is made, its attributes decoded, when a read hands it out; what is written
after opening is kept beside them as records (``_written_nodes``, ``Facts.written``) and
read first.

Another process writing the same file (``orggraph import`` while ``orggraph serve`` runs)
is noticed through SQLite's ``data_version``, and the index is brought up to date before
the next read if the graph changed: every write of the graph's tables through this class
counts one in ``graph_version`` in its own transaction and journals the rows it touched
(``orggraph.store.journal``), so a reader reads those rows again, not the tables (rebuilt
only when the journal cannot prove the catch-up: a restore in between, a very large write,
too many writes behind). Commits that leave the count as it was (audit records, accounts
and sign-ins) cost a reader one look. (A tool that writes ``nodes``, ``links`` or
``facts`` by other means must count one too, and so makes readers read the tables.)

Reads come from several threads at once (the API runs each request on a worker thread)
and never wait for each other. A write changes the index in place after its commit, under
``_index_lock``, with ``_changes`` odd meanwhile: a read (``_consistent``) that saw the
counter move, or a dict change size under it, runs again, and after ``READ_TRIES`` such
tries takes the lock. A write's few microseconds of index changes thus never hand a
reader half of a write; a read waits, at most, for those microseconds (never for a
write's planning or commit, nor for a rebuild's reading of the file), and a write waits,
at most, for one read that fell back. Lock order: the file's (``_db_lock``), the index's,
the facts' (``_facts_lock``, which reads the file through a connection of its own).
How the file's rows become the index, and the index's own structures, are in
``orggraph.store.embedded_index``. A large file's index is kept beside it after a build
(``<file>.columns``, ``orggraph.store.snapshot``) and read instead of the tables at the
next open when it is exactly the file's (same count of graph writes, same token, same
row counts, same code, whole), or of an earlier state the journal brings up to it; the
tables stay the truth.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import numpy as np
import orjson

from orggraph.errors import ConfigError, StoreUnavailable
from orggraph.model import (
    LINK_ENDS,
    Changes,
    Fact,
    Link,
    LinkKind,
    Node,
    NodeKind,
    WriteBatch,
)
from orggraph.model.codec import attrs_to_json
from orggraph.store import journal, snapshot
from orggraph.store.base import (
    DataReach,
    GraphStore,
    NameSpan,
    VersionWindow,
    WriteResult,
    age_new,
    audit_detail,
    fact_years,
    gc_paused,
)
from orggraph.store.columns import (
    NEVER,
    Ends,
    FactColumns,
    Facts,
    LinkColumns,
    NodeColumns,
    Ordinals,
)
from orggraph.store.embedded_index import (
    _LINKS_SQL,
    COLUMN_KINDS,
    DATES_KEPT,
    _add_edge,
    _ColumnCounts,
    _Days,
    _LinkColumns,
    _read_links,
    _valid,
)
from orggraph.store.window_counts import WindowCounts, column_counts

if TYPE_CHECKING:
    from orggraph.store.accounts import AccountStore

__all__ = ["EmbeddedStore"]

#: The latest start or end of any node or link version (ISO dates compare as text).
_LATEST_SQL = (
    "SELECT max(d) FROM (SELECT max(valid_from) AS d FROM nodes "
    "UNION ALL SELECT max(valid_to) FROM nodes UNION ALL SELECT max(valid_from) FROM links "
    "UNION ALL SELECT max(valid_to) FROM links)"
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    valid_from TEXT NOT NULL, valid_to TEXT, attrs TEXT NOT NULL,
    PRIMARY KEY (id, valid_from)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links (
    id TEXT NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,
    valid_from TEXT NOT NULL, valid_to TEXT, attrs TEXT NOT NULL,
    PRIMARY KEY (id, valid_from)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facts (
    node_id TEXT NOT NULL, year INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (node_id, year, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS graph_version (
    id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL
);
INSERT OR IGNORE INTO graph_version VALUES (1, 0);
CREATE TRIGGER IF NOT EXISTS audit_append_only_u BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_d BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""

#: The facts in their key's order (the table's own: no sort).
_FACTS_SQL = "SELECT node_id, year, name, value FROM facts ORDER BY node_id, year, name"

#: The count of the graph's writes (``refresh``), and one more, in a write's transaction.
_GRAPH_VERSION_SQL = "SELECT n FROM graph_version"
_COUNT_GRAPH_WRITE_SQL = "UPDATE graph_version SET n = n + 1 RETURNING n"

T = TypeVar("T")
P = ParamSpec("P")

#: A read naming at least this many ends answers from what holds at its date, made once
#: (``EmbeddedStore._at``); a narrower one (a chain, one organization) walks the index.
WIDE_READ = 256


#: The values ``count_links_from`` matches over the columns (others: record by record).
_SCALARS = (str, int, float, bool)

#: How long a statement waits for another connection's lock before it fails, in ms.
BUSY_TIMEOUT_MS = 30_000

#: Optimistic tries of a read that a write overlapped before it waits for the index lock.
READ_TRIES = 3


def _consistent(
    read: Callable[Concatenate[EmbeddedStore, P], T],
) -> Callable[Concatenate[EmbeddedStore, P], T]:
    """``read`` as of one state of the index: run again if a write changed the index
    meanwhile (``_changes`` moved, or a dict changed size under it), and after
    ``READ_TRIES`` tries under the index lock, which writers hold while they change it."""

    def consistent(self: EmbeddedStore, /, *args: P.args, **kwargs: P.kwargs) -> T:
        for _ in range(READ_TRIES):
            seen = self._changes
            if seen & 1:  # a write is changing the index now
                break
            try:
                out = read(self, *args, **kwargs)
            except RuntimeError:  # "dictionary changed size during iteration"
                if self._changes == seen:
                    raise
                continue
            if self._changes == seen:
                return out
        # The index lock alone: a write holds it only while it changes the index, never
        # while it plans or commits (the facts a read may need have their own lock).
        with self._index_lock:
            return read(self, *args, **kwargs)

    functools.update_wrapper(consistent, read)
    return consistent


class EmbeddedStore(GraphStore):
    """A SQLite file with a networkx index; zero setup.

    ``index_snapshot=False`` neither reads nor writes the index's snapshot beside the file: for
    a file opened once and moved or deleted after (a backup being sealed, a restore's
    copy), whose snapshot would be left behind, a second copy of its data.
    """

    #: Over the columns (``count_links_from``): the memberships at a date and each
    #: member's status as numbers, no record read.
    counts_links_natively = True

    def __init__(self, path: str | Path, *, index_snapshot: bool = True) -> None:
        super().__init__()
        self.path = self._file = Path(path)
        self.url = f"sqlite:///{self.path}"
        if not self.path.parent.exists():
            raise ConfigError(f"store folder {str(self.path.parent)!r} does not exist")
        try:
            self._db = sqlite3.connect(
                self.path,
                check_same_thread=False,
                isolation_level=None,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA + snapshot.IDENTITY_SCHEMA + journal.SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"cannot open SQLite store {str(self.path)!r}: {exc}") from exc
        self._db_lock = threading.RLock()
        # Held by a write while it changes the index in place (and by a rebuild while it
        # puts the new one in place); ``_changes`` is odd meanwhile (``_consistent``).
        self._index_lock = threading.RLock()
        self._changes = 0
        # Taken last, by whoever first needs the facts (``_facts``).
        self._facts_lock = threading.Lock()
        # Link versions as columns, per kind, for counts at a date (``count_links``): made
        # on first use, made again after links change (``_link_writes`` counts the changes).
        self._columns: dict[LinkKind, tuple[int, _LinkColumns | _ColumnCounts]] = {}
        self._link_writes = 0
        # What holds at a date, for the wide reads (``_at``): kept for ``DATES_KEPT``
        # dates, made again after a write (``_node_writes``, ``_link_writes``).
        self._dated: dict[tuple[Any, ...], tuple[int, Any]] = {}
        self._node_writes = 0
        # An attribute of each node row as codes (``_value_codes``), kept with its columns.
        self._row_values: dict[tuple[NodeKind, str], tuple[Any, ...]] = {}
        # Every write, facts included: a window of versions (``versions_between``) is kept
        # until the next one.
        self._writes = 0
        # How far the data reaches (``data_reach``): worked out on first use after the index
        # is loaded, then kept current by each write.
        self._reach: DataReach | None = None
        #: How many times the index was built from the file (opening, another process's
        #: write of the graph, a restore), and how many other commits a look found.
        self.index_loads = 0
        self.quiet_commits = 0
        #: How many times the index caught up with other writes from the journal instead
        #: (``orggraph.store.journal``): at opening, from the snapshot; at a refresh.
        self.catch_ups = 0
        # The file's token (``snapshot.IDENTITY_SCHEMA``) at the state the index holds.
        self._token = ""
        #: Where the index is kept beside the file (``orggraph.store.snapshot``), and
        #: whether the last build read it (not the tables).
        self._snapshot = snapshot.path_for(self.path) if index_snapshot else None
        self.snapshot_used = False
        self._load()

    # -- the index -------------------------------------------------------------------
    def _load(self) -> None:
        with gc_paused():
            made = self._load_all()
            age_new()
        if made is not None and self._snapshot is not None:
            snapshot.write(self._snapshot, *made)

    def _load_all(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """Read both tables in one snapshot into a new index, then put it in place whole;
        from the snapshot beside the file (``orggraph.store.snapshot``) when it is the
        file's. What to write as the snapshot when the tables were read (its identity and
        parts), if it is worth one and the read was not a writer's (whose write follows)."""
        db, day = self._db, _Days()
        made = None
        with self._db_lock, _file_state(db) as (own, version, graph_version, token):
            # One transaction for both tables (a writer's, when called from ``write``), so
            # that the nodes and the links read are those of the same commit.
            # A snapshot is worth reading or writing for a large file read in a
            # transaction of its own (a writer's changes the file next).
            where = self._snapshot if own else None
            ident = None if where is None else snapshot.identity(db)
            worth = ident is not None and ident["nodes"] + ident["links"] >= snapshot.MIN_ROWS
            kept, catch_up = None, None
            if where and ident and worth:
                kept, catch_up = _snapshot_of(db, where, ident)
            if kept is not None:
                nodes, columns, rows = _from_parts(kept)
                graphs, links = _read_links(rows, day)
                del rows
            else:
                if worth:  # stale or damaged: not left for a writer to take as its own
                    snapshot.remove(where)
                nodes = NodeColumns(db, Ordinals())
                ends = Ends(nodes)
                columns = {k: LinkColumns(db, k, ends, nodes.days) for k in COLUMN_KINDS}
                cursor = db.execute(_LINKS_SQL)
                if ident and worth:  # the rows kept for the snapshot, then let go
                    fetched = cursor.fetchall()
                    graphs, links = _read_links(fetched, day)
                    made = ident, _parts(nodes, columns, fetched)
                    del fetched
                else:
                    graphs, links = _read_links(cursor, day)
        self.snapshot_used = kept is not None
        # Where each kind in columns sits among the ids in order.
        block_at = {k: sum(1 for key in links if key < f"{k}:") for k in columns}
        with self._changing():
            # The versions read from the file as columns, and those written since: every
            # version of an id written since (``_written_nodes``), the ids new since by the
            # kind of their first version (``_new_by_kind``).
            self._nodes = nodes
            self._written_nodes: dict[str, list[Node]] = {}
            self._new_by_kind: dict[NodeKind, list[str]] = defaultdict(list)
            # The links of ``COLUMN_KINDS`` read from the file are columns (``_cols``), at
            # ``_block_at`` in the order of ``_links``; those written since are records in
            # ``_links`` and the graphs, and a link of the file's written since moves there
            # (``_moved``, and by its place in the columns, ``_written_links``).
            self._graphs, self._links = graphs, links
            self._cols, self._block_at = columns, block_at
            self._written_links: dict[LinkKind, dict[int, list[Link]]] = {k: {} for k in columns}
            self._moved: set[str] = set()
            # Facts are read on first use (``_facts``): most readers never ask for them.
            self._fact_index: Facts | None = None
            self._data_version, self._graph_version = version, graph_version
            self._token = token
            self.index_loads += 1
            self._link_writes += 1  # every link may have changed: columns made before are old
            self._node_writes += 1
            self._writes += 1
            self._reach = None
            if catch_up is not None:  # the writes since the snapshot
                self._index(catch_up.changes)
                self.catch_ups += 1
        return made

    def _catch_up(self) -> bool:
        """Bring the index up to the file through the journal (``orggraph.store.journal``),
        under the file's lock; false (nothing changed) when the journal cannot, and the
        tables must be read."""
        db = self._db
        with _file_state(db) as (_, version, graph_version, token):
            found = journal.since(
                db,
                (self._graph_version, self._token),
                (graph_version, token),
                facts=self._fact_index is not None,
            )
        if found is None:
            return False
        with self._changing():
            self._index(found.changes)
            self._data_version, self._graph_version, self._token = version, graph_version, token
        self.catch_ups += 1
        return True

    @contextlib.contextmanager
    def _changing(self) -> Iterator[None]:
        """The index changes in this block: readers that overlap it read again."""
        with self._index_lock:
            self._changes += 1
            try:
                yield
            finally:
                self._changes += 1

    def read_state(self) -> int | None:
        """The count of the index's changes (``_changing``: every write, catch-up and new
        index moves it), which never comes back; ``None`` while one is under way."""
        changes = self._changes
        return None if changes & 1 else changes

    @property
    def _facts(self) -> Facts:
        """The yearly facts by (node, year), read from the file the first time they are needed.

        Facts are only ever added or replaced, so reading them after the nodes and links
        shows no fewer than were there when those were read.
        """
        facts = self._fact_index
        if facts is None:
            # A connection of its own (WAL: readers never wait for the writer) under a lock
            # of its own, taken last: a read that waits for the index lock, or a write
            # changing the index, may load the facts without the file's lock.
            with self._facts_lock, gc_paused():
                facts = self._fact_index
                if facts is None:
                    with contextlib.closing(sqlite3.connect(self._file, timeout=30)) as db:
                        rows = db.execute(_FACTS_SQL)
                        facts = Facts(FactColumns(rows))
                    self._fact_index = facts
        return facts

    def _held_links(self, key: str) -> list[Link] | None:
        """The versions of link ``key`` as records, moved there first from the columns."""
        versions = self._links.get(key)
        if versions is None:
            for kind, cols in self._cols.items():
                i = cols.find(key)
                if i is not None:
                    versions = self._links[key] = cols.versions(i)
                    self._written_links[kind][i] = versions
                    self._moved.add(key)
                    break
        return versions

    def _adjacent(self, kind: LinkKind, node: str, out: bool) -> list[list[Link]]:
        """The versions of each link of ``kind`` from (``out``) or to ``node``, in the
        order one ``DiGraph`` of them would list them: the file's, then those since."""
        lists: list[list[Link]] = []
        cols = self._cols.get(kind)
        if cols is not None:
            code = cols.ends.code(node)
            if code is not None:
                over = self._written_links[kind]
                for i in (cols.outgoing(code) if out else cols.incoming(code)).tolist():
                    versions = over.get(i)
                    lists.append(cols.versions(i) if versions is None else versions)
        graph = self._graphs[kind]
        adjacency = (graph._succ if out else graph._pred).get(node)
        if adjacency:
            for keyed in adjacency.values():
                lists.extend(keyed.values())
        return lists

    def _valid_adjacent(self, kind: LinkKind, node: str, out: bool, as_of: date) -> list[Link]:
        """As ``_adjacent``, the version of each valid at ``as_of``."""
        found: list[Link] = []
        cols = self._cols.get(kind)
        if cols is not None:
            code = cols.ends.code(node)
            if code is not None:
                over = self._written_links[kind]
                day = as_of.toordinal()
                for i in (cols.outgoing(code) if out else cols.incoming(code)).tolist():
                    versions = over.get(i)
                    if versions is None:
                        row = cols.valid_row(i, day)
                        if row is not None:
                            found.append(cols.link_at(row))
                    elif (link := _valid(versions, as_of)) is not None:
                        found.append(link)
        graph = self._graphs[kind]
        adjacency = (graph._succ if out else graph._pred).get(node)
        if adjacency:
            for keyed in adjacency.values():
                for versions in keyed.values():
                    link = _valid(versions, as_of)
                    if link is not None:
                        found.append(link)
        return found

    def _index_link(self, link: Link, key: str | None = None) -> None:
        key = key or link.id
        versions = self._held_links(key)
        if versions is None:
            versions = self._links[key] = [link]
            _add_edge(self._graphs[link.kind], link.source, link.target, key, versions)
            return
        if versions[-1].valid_from < link.valid_from:  # the usual case: a later version
            versions.append(link)
            return
        pos = bisect.bisect([v.valid_from for v in versions], link.valid_from)
        if pos and versions[pos - 1].valid_from == link.valid_from:
            versions[pos - 1] = link
        else:
            versions.insert(pos, link)

    def _written_versions(self, node_id: str) -> list[Node] | None:
        """The versions of ``node_id`` in the overlay of writes, moved there first from the
        columns read from the file; None for an id neither holds."""
        versions = self._written_nodes.get(node_id)
        if versions is None:
            table = self._nodes
            rows = table.rows_of(node_id)
            if not rows:
                return None
            versions = self._written_nodes[node_id] = [table.node_at(r) for r in rows]
        return versions

    def _node_versions(self, node_id: str) -> list[Node] | None:
        """Every version of ``node_id`` (oldest first), None if it has none."""
        versions = self._written_nodes.get(node_id)
        if versions is None:
            versions = self._nodes.versions(node_id) or None
        return versions

    def _index_node(self, node: Node) -> None:
        versions = self._written_versions(node.id)
        if versions is None:
            self._written_nodes[node.id] = [node]
            self._new_by_kind[node.kind].append(node.id)
            return
        if versions[-1].valid_from < node.valid_from:  # the usual case: a later version
            versions.append(node)
            return
        starts = [v.valid_from for v in versions]
        pos = bisect.bisect(starts, node.valid_from)
        if pos and starts[pos - 1] == node.valid_from:
            versions[pos - 1] = node
        else:
            versions.insert(pos, node)

    def refresh(self) -> bool:
        """Rebuild the index if another connection wrote the graph since the last look
        (true); a commit of anything else (an audit record, a sign-in) is only noted.

        Requests that notice the same commit at once rebuild it once: the others wait for
        that rebuild (the file's lock) and find the index current."""
        with self._db_lock:
            db = self._db
            version = db.execute("PRAGMA data_version").fetchone()[0]
            if version == self._data_version:
                return False
            # Read after the data version: a commit in between is seen here, or next time.
            (graph_version,) = db.execute(_GRAPH_VERSION_SQL).fetchone()
            if graph_version == self._graph_version:
                self._data_version = version
                self.quiet_commits += 1
                return False
            if not self._catch_up():
                self._load()
            return True

    def current(self) -> bool:
        """No commit by another connection since the last look (``PRAGMA data_version``,
        some microseconds: a WAL reader never waits for a writer), looked at once
        (``at_once``); false when that look would wait (``refresh``, on a thread, waits
        or says why)."""
        db = self._db
        version = self.at_once(lambda: db.execute("PRAGMA data_version").fetchone()[0])
        return version is not None and version == self._data_version

    def at_once(self, look: Callable[[], T]) -> T | None:
        """``look()`` over this store's connection, unless that would wait: ``None`` when
        the file's lock is held here (a write, a rebuild) or SQLite would wait to read
        (another process holds the file exclusively, or recovers it after a crash; the
        busy timeout is off meanwhile), and when ``look`` fails on SQLite's error (made
        again on a thread, it fails with its own message, or succeeds)."""
        if not self._db_lock.acquire(blocking=False):
            return None
        db = self._db
        try:
            db.execute("PRAGMA busy_timeout = 0")
            try:
                return look()
            finally:
                db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except sqlite3.Error:
            return None
        finally:
            self._db_lock.release()

    # -- reads -----------------------------------------------------------------------
    @_consistent
    def node(self, node_id: str, as_of: date) -> Node | None:
        versions = self._written_nodes.get(node_id)
        if versions is not None:
            found: Node | None = _valid(versions, as_of)
            return found
        table = self._nodes
        row = table.valid_row(table.rows_of(node_id), as_of.toordinal())
        return None if row is None else table.node_at(row)

    @_consistent
    def nodes(
        self, kind: NodeKind, as_of: date, *, ids: Collection[str] | None = None
    ) -> list[Node]:
        if ids is None:
            kept = self._at(("nodes", kind, as_of), self._node_writes, self._nodes_of_kind)
            return list(kept)
        return self._nodes_of_kind(("nodes", kind, as_of), ids)

    def _nodes_of_kind(
        self, key: tuple[Any, ...], ids: Collection[str] | None = None
    ) -> list[Node]:
        _, kind, as_of = key
        table, written = self._nodes, self._written_nodes  # one index throughout
        out: list[Node] = []
        if ids is not None and len(ids) >= WIDE_READ:
            by_id = self._at(("by_id", kind, as_of), self._node_writes, self._file_nodes)
            for node_id in ids:
                versions = written.get(node_id)
                if versions is None:
                    found = by_id.get(node_id)
                    if found is not None:
                        out.append(found)
                    continue
                node = _valid(versions, as_of)
                if node is not None and node.kind is kind:
                    out.append(node)
            return out
        if ids is not None:
            # ``rows_of``, ``valid_row`` and ``node_at`` inline: a chain asks this
            # thousands of times for one or two ids.
            day = as_of.toordinal()
            index, first, start, end = table.index, table.first, table.start, table.end
            made, node_at = table._made, table.node_at
            for node_id in ids:
                versions = written.get(node_id) if written else None
                if versions is not None:
                    node = _valid(versions, as_of)
                    if node is not None and node.kind is kind:
                        out.append(node)
                    continue
                i = index.get(node_id)
                if i is None:
                    continue
                for row in range(first[i + 1] - 1, first[i] - 1, -1):
                    if start[row] <= day:
                        if day < end[row]:
                            node = made.get(row) or node_at(row)
                            if node.kind is kind:
                                out.append(node)
                        break
            return out
        # The file's ids of ``kind`` in id order (those written since answer from the
        # overlay, in their place), then the ids new since, in the order they came.
        over: dict[int, list[Node]] = {}
        for node_id, versions in list(written.items()):
            i = table.index.get(node_id)
            if i is not None and table.kind_of(node_id) is kind:
                node = _valid(versions, as_of)
                over[i] = [node] if node is not None and node.kind is kind else []
        by_id = self._at(("by_id", kind, as_of), self._node_writes, self._file_nodes)
        ids_of, group = table.ids, table.group
        out = self._merged(
            table.valid_rows(as_of.toordinal(), kind),
            over,
            lambda rows: [by_id[ids_of[i]] for i in group[rows].tolist()],
        )
        for node_id in list(self._new_by_kind.get(kind, ())):
            node = _valid(written[node_id], as_of)
            if node is not None and node.kind is kind:
                out.append(node)
        return out

    def _file_nodes(self, key: tuple[Any, ...]) -> dict[str, Node]:
        """The versions of ``kind`` valid at a date among the file's, by id (an id's
        first version of any kind): made once for the wide reads at that date."""
        _, kind, as_of = key
        table = self._nodes
        ids, start, days = table.ids, table.start, table.days
        rows = table.valid_rows(as_of.toordinal(), kind, first=False)
        # A version also valid at the date made last is that one: one record per version
        # however many dates are kept (most members hold at all of them).
        before = table.last_made.get(kind, {})
        found: list[Node | None] = []
        wanted: list[int] = []
        for at, (r, i) in enumerate(zip(rows.tolist(), table.group[rows].tolist(), strict=True)):
            node = before.get(ids[i])
            if node is None or node.valid_from != days[start[r]]:
                node = None
                wanted.append(at)
            found.append(node)
        for at, node in zip(wanted, table.nodes_at(rows[wanted]), strict=True):
            found[at] = node
        made = {node.id: node for node in found if node is not None}
        table.last_made[kind] = made
        return made

    def _merged(
        self,
        rows: Any,
        over: dict[int, list[Node]],
        make: Callable[[Any], list[Node]] | None = None,
    ) -> list[Node]:
        """The versions at ``rows`` of the file's columns (ascending), those of the ids
        written since (by their place among the file's ids, ``over``) in their stead;
        ``make`` makes the records of many rows at once (by default ``nodes_at``: a
        window of the city's history is 10^5 versions, one call each cost twice as much)."""
        table = self._nodes
        make = make or table.nodes_at
        if not over:
            return make(rows)
        groups = table.group[rows]
        keep = ~np.isin(groups, np.fromiter(over, dtype=np.int64, count=len(over)))
        rows, groups = rows[keep], groups[keep]
        out: list[Node] = []
        done = 0
        for i in sorted(over):
            cut = int(np.searchsorted(groups, i))
            out.extend(make(rows[done:cut]))
            out.extend(over[i])
            done = cut
        out.extend(make(rows[done:]))
        return out

    @_consistent
    def links(
        self,
        kind: LinkKind,
        as_of: date,
        *,
        sources: Collection[str] | None = None,
        targets: Collection[str] | None = None,
    ) -> list[Link]:
        out: list[Link] = []
        if sources is not None and len(sources) >= WIDE_READ:
            wanted = None if targets is None else set(targets)
            by_source = self._at(("from", kind, as_of), self._link_writes, self._links_by_end)
            for source in sources:
                for link in by_source.get(source, ()):
                    if wanted is None or link.target in wanted:
                        out.append(link)
        elif sources is None and targets is not None and len(targets) >= WIDE_READ:
            by_target = self._at(("to", kind, as_of), self._link_writes, self._links_by_end)
            for target in targets:
                out.extend(by_target.get(target, ()))
        elif sources is not None:
            wanted = None if targets is None else set(targets)
            for source in sources:
                for link in self._valid_adjacent(kind, source, True, as_of):
                    if wanted is None or link.target in wanted:
                        out.append(link)
        elif targets is not None:
            for target in targets:
                out.extend(self._valid_adjacent(kind, target, False, as_of))
        elif kind in self._cols:  # every membership: made from the columns, not kept
            out.extend(self._all_links(("all", kind, as_of)))
        else:  # every link of a kind in the graph: a wide read, kept (the caller's a copy)
            out.extend(self._at(("all", kind, as_of), self._link_writes, self._all_links))
        return out

    def _all_links(self, key: tuple[Any, ...]) -> list[Link]:
        """The links of a kind valid at a date: those in columns (``_file_links``), then
        the graph's by source."""
        _, kind, as_of = key
        out = self._file_links(kind, as_of)
        for nbrs in self._graphs[kind]._succ.values():
            for keyed in nbrs.values():
                for versions in keyed.values():
                    link = _valid(versions, as_of)
                    if link is not None:
                        out.append(link)
        return out

    def _file_links(self, kind: LinkKind, as_of: date) -> list[Link]:
        """The links of ``kind`` in columns valid at ``as_of``, by source (ordered by each
        end's first link), then id; those written since in their place."""
        cols = self._cols.get(kind)
        if cols is None:
            return []
        over = self._written_links[kind]
        rows = cols.valid_rows(as_of.toordinal())
        link = np.frombuffer(cols.link, dtype=np.int32)
        source = np.frombuffer(cols.source, dtype=np.int32)
        target = np.frombuffer(cols.target, dtype=np.int32)
        n = len(source)
        rank = np.full(len(cols.ends), 2 * n + 2, dtype=np.int64)
        np.minimum.at(rank, source, 2 * np.arange(n, dtype=np.int64))
        np.minimum.at(rank, target, 2 * np.arange(n, dtype=np.int64) + 1)
        items: list[tuple[int, int, Link]] = []
        for row in rows.tolist():
            i = link[row]
            if i not in over:
                items.append((int(rank[source[i]]), int(i), cols.link_at(row)))
        for i, versions in list(over.items()):
            found = _valid(versions, as_of)
            if found is not None:
                items.append((int(rank[source[i]]), i, found))
        items.sort(key=lambda item: (item[0], item[1]))
        return [item[2] for item in items]

    def _at(self, key: tuple[Any, ...], writes: int, make: Callable[[tuple[Any, ...]], T]) -> T:
        """``make(key)``, kept until the next write (``writes`` is its counter's value
        now), for ``DATES_KEPT`` dates of each kind of answer.

        A wide read at a date (a page of 1,000 organizations' posts) walks the index for
        every end it names; the answer for every end at that date is made by one walk,
        kept, and the next reads at that date (the next page, the next request) look
        their ends up. Made before a write that ends while it is made, it is dropped at
        the next read (its counter moved on meanwhile).
        """
        kept = self._dated.get(key)
        if kept is not None and kept[0] == writes:
            made: T = kept[1]
            return made
        # Made from the columns, a wide answer is some 10^5 new records (the old index's
        # were made at opening): made with the collector paused and moved, as the index
        # is, to its oldest generation, so that the next collections do not walk them.
        with gc_paused():
            made = make(key)
        age_new()
        # A copy of the keys first: other readers add theirs meanwhile.
        dates = [k for k in list(self._dated) if k[:2] == key[:2]]
        for old in dates[: max(0, len(dates) - DATES_KEPT + 1)]:
            self._dated.pop(old, None)
        self._dated[key] = (writes, made)
        return made

    def _links_by_end(self, key: tuple[Any, ...]) -> dict[str, list[Link]]:
        """The links of a kind valid at a date by source (``from``) or by target
        (``to``), each end's in the order ``links`` lists them."""
        direction, kind, as_of = key
        out = direction == "from"
        graph = self._graphs[kind]
        adjacency = graph._succ if out else graph._pred
        by_end: dict[str, list[Link]] = {}
        cols = self._cols.get(kind)
        # Ends with links written since: all their links listed as a narrow read does.
        mixed = set(adjacency)
        if cols is not None:
            ends = cols.ends
            over = self._written_links[kind]
            column = cols.source if out else cols.target
            for i in list(over):
                mixed.add(ends.name(column[i]))
            rows = cols.valid_rows(as_of.toordinal())
            link = np.frombuffer(cols.link, dtype=np.int32)
            codes = np.frombuffer(column, dtype=np.int32)[link[rows]]
            order = np.argsort(codes, kind="stable")
            name = ends.name
            last, found = -1, []
            made = cols.links_at(rows[order])
            for made_link, code in zip(made, codes[order].tolist(), strict=True):
                if code != last:
                    last, end = code, name(code)
                    found = [] if end in mixed else by_end.setdefault(end, [])
                found.append(made_link)
        for end in mixed:
            valid = self._valid_adjacent(kind, end, out, as_of)
            if valid:
                by_end[end] = valid
        return by_end

    @_consistent
    def count_links(
        self, kind: LinkKind, as_of: date, *, targets: Collection[str]
    ) -> dict[str, int]:
        writes = self._link_writes
        made = self._columns.get(kind)
        if made is None or made[0] != writes:  # a write since: make them again
            cols = self._cols.get(kind)
            counts = (
                _LinkColumns(self._graphs[kind])
                if cols is None
                else _ColumnCounts(cols, self._written_links[kind], self._graphs[kind])
            )
            made = self._columns[kind] = (writes, counts)
        return made[1].count(as_of, targets)

    @_consistent
    def count_links_from(
        self,
        kind: LinkKind,
        as_of: date,
        *,
        targets: Collection[str],
        where: Mapping[str, object],
    ) -> dict[str, int]:
        """As ``GraphStore.count_links_from``; for a kind in columns, over them: each
        source's attributes as codes by row (``NodeColumns.value_codes``, decoded once),
        a mask of the sources that match at the date, and one count by target."""
        if (
            kind not in self._cols
            or not where
            or not all(isinstance(v, _SCALARS) and v == v for v in where.values())
        ):
            return super().count_links_from(kind, as_of, targets=targets, where=where)
        key = ("from_where", kind, as_of, tuple(sorted(where.items())))
        writes = self._node_writes + self._link_writes
        counted = self._at(key, writes, self._counts_from_where)
        out: dict[str, int] = {}
        for target in targets:
            n = counted.get(target)
            if n:
                out[target] = n
        return out

    def _counts_from_where(self, key: tuple[Any, ...]) -> dict[str, int]:
        """The links of a kind in columns valid at a date whose source matches, counted
        by target id (none: absent): the columns' in one count, those written since one
        by one."""
        _, kind, as_of, where = key
        cols, table, written = self._cols[kind], self._nodes, self._written_nodes
        source_kind = LINK_ENDS[kind][0]
        day = as_of.toordinal()
        rows = table.valid_rows(day, source_kind, first=False)
        for name, value in where:
            codes, index = self._value_codes(source_kind, name)
            rows = rows[codes[rows] == index.get(value, -2)]
        ends = cols.ends
        matches = np.zeros(len(ends), dtype=bool)
        matches[table.group[rows]] = True

        def match(node_id: str) -> bool:
            versions = written.get(node_id)
            if versions is None:
                at = ends.code(node_id)
                return at is not None and at < len(matches) and bool(matches[at])
            node = _valid(versions, as_of)
            return (
                node is not None
                and node.kind is source_kind
                and all(node.attrs.get(k) == v for k, v in where)
            )

        for node_id in list(written):
            at = ends.code(node_id)
            if at is not None and at < len(matches):
                matches[at] = match(node_id)
        over = self._written_links[kind]
        valid = cols.valid_rows(day)
        link = np.frombuffer(cols.link, dtype=np.int32)[valid]
        if over:
            link = link[~np.isin(link, np.fromiter(over, dtype=np.int64, count=len(over)))]
        source = np.frombuffer(cols.source, dtype=np.int32)[link]
        target = np.frombuffer(cols.target, dtype=np.int32)[link]
        counts = np.bincount(target[matches[source]], minlength=len(ends))
        nonzero = np.flatnonzero(counts)
        out = dict(zip(ends.names(nonzero), counts[nonzero].tolist(), strict=True))
        graph = self._graphs[kind]
        since = [*over.values()]
        since += [
            v
            for inward in graph._pred.values()
            for keyed in inward.values()
            for v in keyed.values()
        ]
        for versions in since:
            found = _valid(versions, as_of)
            if found is not None and match(found.source):
                out[found.target] = out.get(found.target, 0) + 1
        return out

    @_consistent
    def nodes_where(self, kind: NodeKind, as_of: date, where: Mapping[str, object]) -> list[Node]:
        """As ``GraphStore.nodes_where``; over the columns, the rows picked by their
        attributes' codes (``NodeColumns.value_codes``) and only those made records."""
        if not where or not all(isinstance(v, _SCALARS) and v == v for v in where.values()):
            return super().nodes_where(kind, as_of, where)
        key = ("where", kind, as_of, tuple(sorted(where.items())))
        return list(self._at(key, self._node_writes, self._nodes_where))

    def _nodes_where(self, key: tuple[Any, ...]) -> list[Node]:
        """The nodes ``nodes`` lists at a date that match, in its order: the file's rows
        picked by codes, those written since (in their place) and new since by record."""
        _, kind, as_of, where = key
        table, written = self._nodes, self._written_nodes

        def match(node: Node | None) -> bool:
            return (
                node is not None
                and node.kind is kind
                and all(node.attrs.get(k) == v for k, v in where)
            )

        over: dict[int, list[Node]] = {}
        for node_id, versions in list(written.items()):
            i = table.index.get(node_id)
            if i is not None and table.kind_of(node_id) is kind:
                node = _valid(versions, as_of)
                over[i] = [node] if match(node) else []
        rows = table.valid_rows(as_of.toordinal(), kind)
        for name, value in where:
            codes, index = self._value_codes(kind, name)
            rows = rows[codes[rows] == index.get(value, -2)]
        out = self._merged(rows, over)
        for node_id in list(self._new_by_kind.get(kind, ())):
            node = _valid(written[node_id], as_of)
            if match(node):
                out.append(node)
        return out

    def _value_codes(self, kind: NodeKind, name: str) -> tuple[Any, dict[Any, int]]:
        """``NodeColumns.value_codes`` of the columns now, kept while they are."""
        table = self._nodes
        kept = self._row_values.get((kind, name))
        if kept is None or kept[0] is not table:
            with gc_paused():
                made = table.value_codes(kind, name)
            kept = self._row_values[(kind, name)] = (table, *made)
        return kept[1], kept[2]

    @_consistent
    def parent(self, org_id: str, as_of: date) -> str | None:
        succ = self._graphs[LinkKind.SUBORDINATE_TO]._succ.get(org_id)
        if not succ:
            return None
        for target, keyed in succ.items():
            for versions in keyed.values():
                if _valid(versions, as_of) is not None:
                    return str(target)
        return None

    @_consistent
    def children(self, org_id: str, as_of: date) -> list[str]:
        pred = self._graphs[LinkKind.SUBORDINATE_TO]._pred.get(org_id)
        if not pred:
            return []
        return sorted(
            str(source)
            for source, keyed in pred.items()
            if any(_valid(versions, as_of) is not None for versions in keyed.values())
        )

    @_consistent
    def subtree(self, org_id: str, as_of: date) -> list[str]:
        if self.node(org_id, as_of) is None:
            return []
        out = [org_id]
        seen = {org_id}
        index = 0
        while index < len(out):
            for child in self.children(out[index], as_of):
                if child not in seen:
                    seen.add(child)
                    out.append(child)
            index += 1
        return out

    @_consistent
    def search(
        self, text: str, as_of: date, kinds: Collection[NodeKind] | None = None, limit: int = 20
    ) -> list[Node]:
        needle = text.strip().lower()
        if not needle:
            return []
        ranked: list[tuple[int, str, Node]] = []
        for kind in kinds or list(NodeKind):
            for node in self.nodes(kind, as_of):
                hay = (node.name.lower(), node.id.lower(), str(node.attrs.get("code", "")))
                if needle in hay[0] or needle in hay[1] or needle in hay[2]:
                    exact = needle in (hay[0], hay[1], hay[2])
                    prefix = any(h.startswith(needle) for h in hay)
                    ranked.append((0 if exact else 1 if prefix else 2, node.id, node))
        ranked.sort(key=lambda r: (r[0], len(r[2].name), r[1]))
        return [r[2] for r in ranked[:limit]]

    @_consistent
    def facts(
        self, node_ids: Collection[str], year: int, names: Collection[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        facts = self._facts  # a property: once, not once an id (28,000 at x10)
        found: Iterable[tuple[str, Mapping[str, Any] | None]]
        if len(node_ids) >= WIDE_READ:
            found = _wide_facts(facts, list(node_ids), year)
        else:
            found = ((node_id, facts.get((node_id, year))) for node_id in node_ids)
        for node_id, values in found:
            if values:
                out[node_id] = (
                    dict(values)
                    if names is None
                    else {k: v for k, v in values.items() if k in names}
                )
        return out

    # -- history ---------------------------------------------------------------------
    @_consistent
    def node_versions(self, ids: Collection[str]) -> dict[str, list[Node]]:
        if len(ids) >= WIDE_READ:
            return self._wide_node_versions(ids)
        out: dict[str, list[Node]] = {}
        for i in ids:
            versions = self._node_versions(i)
            if versions:
                out[i] = list(versions)
        return out

    def _wide_node_versions(self, ids: Collection[str]) -> dict[str, list[Node]]:
        """``node_versions`` of many ids (a report's people, 10^4 to 10^5 at x10): the
        file's rows made in one loop (``nodes_at``), not one at a time through the few
        kept for repeats (``MADE_KEPT``), which a read this wide would clear again and
        again (at x10 the change report's 87,000 rows took 1 s that way)."""
        table, written = self._nodes, self._written_nodes
        found: list[tuple[str, list[Node] | int]] = []
        rows: list[int] = []
        for i in ids:
            versions = written.get(i)
            if versions is not None:
                found.append((i, versions))
                continue
            span = table.rows_of(i)
            if span:
                found.append((i, len(span)))
                rows.extend(span)
        made = iter(table.nodes_at(np.array(rows, dtype=np.int64)))
        out: dict[str, list[Node]] = {}
        for i, kept in found:
            versions = list(kept) if isinstance(kept, list) else [next(made) for _ in range(kept)]
            if versions:
                out[i] = versions
        return out

    @_consistent
    def node_names(self, ids: Collection[str]) -> dict[str, list[NameSpan]]:
        """As ``GraphStore.node_names``: the file's names from the columns (``name_spans``),
        those of an id written since from its records."""
        table, written = self._nodes, self._written_nodes
        out: dict[str, list[NameSpan]] = {}
        in_file: list[str] = []
        for i in ids:
            versions = written.get(i)
            if versions is None:
                in_file.append(i)
            elif versions:
                out[i] = [(v.valid_from, v.valid_to, v.name) for v in versions]
        out.update(table.name_spans(in_file))
        return out

    @_consistent
    def link_versions(self, ids: Collection[str]) -> dict[str, list[Link]]:
        out: dict[str, list[Link]] = {}
        for key in ids:
            versions = self._links.get(key)
            if versions is None:
                for cols in self._cols.values():
                    i = cols.find(key)
                    if i is not None:
                        versions = cols.versions(i)
                        break
            if versions:
                out[key] = list(versions)
        return out

    @_consistent
    def links_touching(self, node_ids: Collection[str]) -> list[Link]:
        out: list[Link] = []
        for kind in self._graphs:
            for node_id in node_ids:
                for versions in self._adjacent(kind, node_id, True):
                    out.extend(versions)
                for versions in self._adjacent(kind, node_id, False):
                    out.extend(versions)
        return out

    @_consistent
    def outgoing_versions(self, kind: LinkKind, sources: Collection[str]) -> list[Link]:
        return [v for s in sources for versions in self._adjacent(kind, s, True) for v in versions]

    @_consistent
    def incoming_versions(self, kind: LinkKind, targets: Collection[str]) -> list[Link]:
        return [v for t in targets for versions in self._adjacent(kind, t, False) for v in versions]

    # The whole graph, for copies and digests: the versions as of one state of the index,
    # taken under the index lock (a copy of the references: writes may go on meanwhile).
    def all_nodes(self) -> Iterator[Node]:
        with self._index_lock:
            table = self._nodes
            written = {i: list(v) for i, v in self._written_nodes.items()}
        # By the kind of each id's first version, then by id.
        by_kind: dict[NodeKind, list[str]] = defaultdict(list)
        for node_id, versions in written.items():
            by_kind[versions[0].kind].append(node_id)
        for kind in sorted(NodeKind, key=lambda k: k.value):
            ids = [i for i in table.ids_of_kind(kind) if i not in written]
            if by_kind[kind]:
                ids = sorted(ids + by_kind[kind])
            for node_id in ids:
                held = written.get(node_id)
                yield from table.versions(node_id) if held is None else held

    def all_links(self) -> Iterator[Link]:
        with self._index_lock:
            links = {key: list(versions) for key, versions in self._links.items()}
            columns = [(cols, dict(self._written_links[kind])) for kind, cols in self._cols.items()]
        # The links in columns by id, those written since being in ``links``.
        held: dict[str, tuple[LinkColumns, int]] = {}
        for cols, over in columns:
            for i in range(len(cols)):
                if i not in over:
                    held[cols.key(i)] = (cols, i)
        for key in sorted([*links, *held]):
            versions = links.get(key)
            if versions is None:
                cols, i = held[key]
                versions = cols.versions(i)
            yield from versions

    def all_facts(self) -> Iterator[Fact]:
        table = self._facts
        with self._index_lock:
            facts = sorted((key, dict(values)) for key, values in table.items())
        for (node_id, year), values in facts:
            for name in sorted(values):
                yield Fact(node_id=node_id, year=year, name=name, value=values[name])

    @_consistent
    def change_dates(self) -> list[date]:
        table, written = self._nodes, self._written_nodes
        over = [table.index[i] for i in list(written) if i in table.index]
        days = table.day_numbers(np.isin(table.group, over) if over else None)
        dates: set[date] = {table.days[d] for d in np.unique(days).tolist()}
        for versions in list(written.values()):
            for v in versions:
                dates.add(v.valid_from)
                if v.valid_to:
                    dates.add(v.valid_to)
        for link_versions in list(self._links.values()):
            for link in link_versions:
                dates.add(link.valid_from)
                if link.valid_to:
                    dates.add(link.valid_to)
        for kind, cols in self._cols.items():
            keep = ~np.isin(
                np.frombuffer(cols.link, dtype=np.int32), list(self._written_links[kind])
            )
            start = np.frombuffer(cols.start, dtype=np.int32)[keep]
            end = np.frombuffer(cols.end, dtype=np.int32)[keep]
            days = np.unique(np.concatenate([start, end[end != NEVER]]))
            dates.update(cols.days[d] for d in days.tolist())
        return sorted(dates)

    @_consistent
    def versions_between(self, since: date, until: date) -> VersionWindow:
        """One pass over the columns, kept until the next write (``_at``): the window's
        records are made from the columns (some 10^6 at ×10, 7 s), and an analyst asks
        the same window again (the same report, another scope). Each caller gets lists
        of its own. One window is kept (at ×10 its records hold some 300 MB)."""
        key = ("window", since, until)
        for other in [k for k in list(self._dated) if k[0] == "window" and k != key]:
            self._dated.pop(other, None)
        kept = self._at(key, self._writes, self._window)
        return VersionWindow(
            since=since,
            until=until,
            nodes=list(kept.nodes),
            links=list(kept.links),
            facts=list(kept.facts),
        )

    @_consistent
    def window_counts(
        self, since: date, until: date, *, links: Collection[LinkKind] = ()
    ) -> WindowCounts:
        """As ``GraphStore.window_counts``, over the columns (``column_counts``): at ×10
        some 10^6 versions counted in a few passes over arrays, not made into records."""
        over = {
            k: (self._cols.get(k), self._written_links.get(k, {}), self._graphs[k]) for k in links
        }
        return column_counts(
            self._nodes,
            self._written_nodes,
            over,
            self._facts,
            since,
            until,
            fact_years(since, until),
        )

    def _window(self, key: tuple[Any, ...]) -> VersionWindow:
        since, until = key[1], key[2]
        window = VersionWindow(since=since, until=until, nodes=[], links=[], facts=[])
        table, written = self._nodes, self._written_nodes

        def inside(v: Node | Link) -> bool:
            return since < v.valid_from <= until or (
                v.valid_to is not None and since < v.valid_to <= until
            )

        low, high = since.toordinal(), until.toordinal()
        start = np.frombuffer(table.start, dtype=np.int32)
        end = np.frombuffer(table.end, dtype=np.int32)
        rows = np.flatnonzero(((low < start) & (start <= high)) | ((low < end) & (end <= high)))
        over = {
            table.index[i]: [v for v in versions if inside(v)]
            for i, versions in list(written.items())
            if i in table.index
        }
        window.nodes.extend(self._merged(rows, over))
        for node_id, versions in list(written.items()):
            if node_id not in table.index:  # new since the file was read, in write order
                window.nodes.extend(v for v in versions if inside(v))
        blocks = {at: kind for kind, at in self._block_at.items()}
        moved = self._moved
        for at, (link_id, link_versions) in enumerate(list(self._links.items())):
            if at in blocks:
                window.links.extend(self._file_links_between(blocks.pop(at), low, high, inside))
            if link_id in moved:
                continue
            window.links.extend(v for v in link_versions if inside(v))
        for kind in blocks.values():
            window.links.extend(self._file_links_between(kind, low, high, inside))
        years = fact_years(since, until)
        for (node_id, year), names in self._facts.names():
            if year in years:
                window.facts.extend((node_id, year, name) for name in names)
        return window

    def _file_links_between(
        self, kind: LinkKind, low: int, high: int, inside: Callable[[Link], bool]
    ) -> list[Link]:
        """The versions in columns that start or end in (low, high], in id order: those
        of a link written since (its records) in its place."""
        cols = self._cols[kind]
        over = self._written_links[kind]
        start = np.frombuffer(cols.start, dtype=np.int32)
        end = np.frombuffer(cols.end, dtype=np.int32)
        rows = np.flatnonzero(((low < start) & (start <= high)) | ((low < end) & (end <= high)))
        link = np.frombuffer(cols.link, dtype=np.int32)
        if over:
            rows = rows[~np.isin(link[rows], np.fromiter(over, dtype=np.int64, count=len(over)))]
        items: list[tuple[int, int, Link]] = list(
            zip(link[rows].tolist(), rows.tolist(), cols.links_at(rows), strict=True)
        )
        for i, versions in list(over.items()):
            items.extend((i, n, v) for n, v in enumerate(versions) if inside(v))
        items.sort(key=lambda item: (item[0], item[1]))
        return [item[2] for item in items]

    def data_reach(self) -> DataReach:
        """Kept current by every write; worked out from the file once after a load, under
        the file's lock (a write holds it from its commit to its index: no write is half
        seen), in one pass over each table (~60 ms for the Xining demo)."""
        reach = self._reach
        if reach is None:
            with self._db_lock:
                reach = self._reach
                if reach is None:
                    (latest,) = self._db.execute(_LATEST_SQL).fetchone()
                    years = self._db.execute("SELECT DISTINCT year FROM facts ORDER BY year")
                    reach = self._reach = DataReach(
                        latest=date.fromisoformat(latest) if latest else None,
                        fact_years=tuple(year for (year,) in years),
                    )
        return reach

    # -- writes ----------------------------------------------------------------------
    def write(
        self, batch: WriteBatch, *, actor: str = "system", validate: bool = True
    ) -> WriteResult:
        """As ``GraphStore.write``, holding the file's write lock from planning to commit.

        Another process may write the same file (a second API process, an import while the
        server runs): with SQLite's write lock taken first and the index brought up to date
        inside it, the rules are checked against exactly what the write commits on.
        """
        with self._write_lock, self._db_lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self.refresh()
                return super().write(batch, actor=actor, validate=validate)
            finally:
                if self._db.in_transaction:  # nothing to write, or refused: let go
                    self._db.execute("ROLLBACK")

    def _apply(self, changes: Changes, actor: str) -> None:
        dumps = orjson.dumps
        node_rows = [
            (
                n.id,
                n.kind.value,
                n.name,
                n.valid_from.isoformat(),
                n.valid_to.isoformat() if n.valid_to else None,
                dumps(attrs_to_json(n.attrs)),
            )
            for n in changes.add_nodes
        ]
        link_rows = [
            (
                x.id,
                x.kind.value,
                x.source,
                x.target,
                x.valid_from.isoformat(),
                x.valid_to.isoformat() if x.valid_to else None,
                dumps(attrs_to_json(x.attrs)),
            )
            for x in changes.add_links
        ]
        with self._db_lock:
            db = self._db
            try:
                if not db.in_transaction:  # ``write`` has begun it already
                    db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT INTO nodes VALUES (?, ?, ?, ?, ?, ?)", node_rows)
                db.executemany(
                    "UPDATE nodes SET valid_to = ? WHERE id = ? AND valid_from = ?",
                    [(e.isoformat(), i, s.isoformat()) for i, s, e in changes.close_nodes],
                )
                db.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?)", link_rows)
                db.executemany(
                    "UPDATE links SET valid_to = ? WHERE id = ? AND valid_from = ?",
                    [(e.isoformat(), i, s.isoformat()) for i, s, e in changes.close_links],
                )
                db.executemany(
                    "INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?)",
                    [(f.node_id, f.year, f.name, dumps(f.value)) for f in changes.facts],
                )
                db.execute(
                    "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)",
                    (
                        datetime.now(UTC).isoformat(),
                        actor,
                        "write",
                        dumps(audit_detail(changes)),
                    ),
                )
                before = journal.token(db)
                (graph_version,) = db.execute(_COUNT_GRAPH_WRITE_SQL).fetchone()
                token = journal.record(db, before, graph_version, changes)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            own_version = db.execute("PRAGMA data_version").fetchone()[0]
        # Only now, after the commit, does the index change.
        if own_version != self._data_version:
            self._load()  # someone else wrote in between: take the file as it is
            return
        with self._changing():
            self._index(changes)
            self._graph_version, self._token = graph_version, token

    def _index(self, changes: Changes) -> None:
        """Bring the index up to a committed write's ``changes`` (under ``_changing``)."""
        self._writes += 1
        for node in changes.add_nodes:
            self._index_node(node)
        for node_id, start, end in changes.close_nodes:
            versions = self._written_versions(node_id) or []
            for i, v in enumerate(versions):
                if v.valid_from == start:
                    versions[i] = _with_end(v, end)
        for link in changes.add_links:
            self._index_link(link)
        for key, start, end in changes.close_links:
            link_versions = self._held_links(key) or []
            for i, lv in enumerate(link_versions):
                if lv.valid_from == start:
                    link_versions[i] = _with_end(lv, end)
        if changes.add_links or changes.close_links:
            self._link_writes += 1
        if changes.add_nodes or changes.close_nodes:
            self._node_writes += 1
        for fact in changes.facts:
            self._facts.set(fact.node_id, fact.year, fact.name, fact.value)
        if self._reach is not None:
            self._reach = self._reach.reached_by(changes)

    def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._db_lock:
            rows = self._db.execute(
                "SELECT seq, at, actor, action, detail FROM audit ORDER BY seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            {"seq": s, "at": at, "actor": actor, "action": action, "detail": orjson.loads(d)}
            for s, at, actor, action, d in rows
        ]

    def record_audit(self, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Append one audit record outside a write (a read of sensitive data, a sign-in)."""
        with self._db_lock:
            self._db.execute(
                "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)",
                (datetime.now(UTC).isoformat(), actor, action, orjson.dumps(detail)),
            )

    def integrity_problems(self) -> list[str]:
        """What SQLite's own integrity check reports (empty when sound)."""
        with self._db_lock:
            rows = self._db.execute("PRAGMA integrity_check").fetchall()
        return [] if rows == [("ok",)] else [r[0] for r in rows]

    def backup_to(self, target: str | Path) -> None:
        """A consistent online copy through SQLite's backup API."""
        with self._db_lock, sqlite3.connect(target) as dest:
            self._db.backup(dest)

    def account_store(self) -> AccountStore:
        """Accounts in this file's tables, through this store's connection and its lock
        (so the graph index is not rebuilt)."""
        from orggraph.store.accounts import SqliteAccounts

        return SqliteAccounts(self, self._db, self._db_lock)

    def restore_records(
        self,
        changes: Changes,
        trail: list[dict[str, Any]],
        detail: dict[str, Any],
        *,
        actor: str,
        replace: bool,
    ) -> int:
        """One SQLite transaction for the delete and the insert, then the index anew."""
        from orggraph.store.backup import restore_rows

        with self._db_lock:
            # Its write is counted after its commit: no snapshot of before may outlive it.
            snapshot.remove(self._snapshot)
            copied = restore_rows(self._db, changes, trail, detail, actor, replace)
            # Counted after its commit: a reader that looks in between sees it next time.
            self._db.execute(_COUNT_GRAPH_WRITE_SQL).fetchall()
            self._load()
        return copied

    def close(self) -> None:
        with self._db_lock:
            self._db.close()


@contextlib.contextmanager
def _file_state(db: sqlite3.Connection) -> Iterator[tuple[bool, int, int, str]]:
    """A read transaction (the caller's, a writer's, when one is open) with the file's
    state read first in it: whether the transaction is this block's own, SQLite's
    ``data_version``, ``graph_version`` and the token (``journal.token``)."""
    own = not db.in_transaction
    if own:
        db.execute("BEGIN")
    try:
        version = db.execute("PRAGMA data_version").fetchone()[0]
        (graph_version,) = db.execute(_GRAPH_VERSION_SQL).fetchone()
        yield own, version, graph_version, journal.token(db)
    finally:
        if own:
            db.execute("COMMIT")


def _snapshot_of(
    db: sqlite3.Connection, where: Path, ident: dict[str, Any]
) -> tuple[dict[str, Any] | None, journal.CatchUp | None]:
    """The parts of the snapshot at ``where`` if it is of the file whose identity is
    ``ident`` (read by ``db``), or of an earlier state of it that the journal brings up to
    it (with that catch-up, and the row counts it adds up to); (None, None) otherwise."""
    base = snapshot.identity_of(where)
    if base is None:
        return None, None
    if base == ident:
        return snapshot.read(where, ident), None
    found = journal.since(
        db,
        (base["graph_version"], base["token"]),
        (ident["graph_version"], ident["token"]),
        facts=False,  # read from the file when first asked
    )
    if (
        found is None
        or base["nodes"] + found.added_nodes != ident["nodes"]
        or base["links"] + found.added_links != ident["links"]
    ):
        return None, None
    kept = snapshot.read(where, base)
    return (None, None) if kept is None else (kept, found)


#: The other links' rows (``_LINKS_SQL``) by column, as a snapshot keeps them ("" for NULL).
_ROW_PARTS = ("link_id", "link_kind", "link_source", "link_target", "link_from", "link_to")


def _parts(
    nodes: NodeColumns, columns: dict[LinkKind, LinkColumns], rows: list[Any]
) -> dict[str, Any]:
    """What ``_from_parts`` makes the index's columns and rows again from."""
    parts: dict[str, Any] = {f"nodes.{k}": v for k, v in nodes.parts().items()}
    ends = next(iter(columns.values())).ends if columns else Ends(nodes)
    parts["ends.extra"] = ends.extra
    for kind, cols in columns.items():
        parts.update({f"{kind}.{k}": v for k, v in cols.parts().items()})
    for i, name in enumerate(_ROW_PARTS):
        parts[name] = [row[i] or "" for row in rows]
    parts["link_attrs"] = [
        "" if text is None else text.decode() if text.__class__ is bytes else text
        for *_, text in rows
    ]
    return parts


def _from_parts(
    parts: dict[str, Any],
) -> tuple[NodeColumns, dict[LinkKind, LinkColumns], Iterator[Any]]:
    """The columns and the other links' rows that ``_parts`` kept (``snapshot.read``)."""
    nodes = NodeColumns.from_parts(
        {k[6:]: v for k, v in parts.items() if k.startswith("nodes.")}, Ordinals()
    )
    ends = Ends(nodes)
    for name in parts["ends.extra"]:
        ends.add(name)
    columns = {}
    for kind in COLUMN_KINDS:
        prefix = f"{kind}."
        own = {k[len(prefix) :]: v for k, v in parts.items() if k.startswith(prefix)}
        columns[kind] = LinkColumns.from_parts(own, kind, ends, nodes.days)
    rows = zip(*(parts[name] for name in (*_ROW_PARTS, "link_attrs")), strict=True)
    return nodes, columns, rows


def _wide_facts(
    facts: Facts, ids: list[str], year: int
) -> Iterator[tuple[str, Mapping[str, Any] | None]]:
    """``(id, facts.get((id, year)))`` of each of ``ids``, the file's pairs found at once
    (``FactColumns.keys_of``); those written since in their stead, as ``Facts.get``."""
    base, written = facts.base, facts.written
    values_of = base.values_of
    for node_id, key in zip(ids, base.keys_of(ids, year), strict=True):
        values = written.get((node_id, year)) if written else None
        if values is not None:
            yield node_id, values
        elif key >= 0:
            yield node_id, values_of(key)


def _with_end(version: Any, end: date) -> Any:
    return replace(version, valid_to=end)
