"""The embedded store: one SQLite file (WAL) is the truth, networkx in memory the index.

The index is built when the store opens and updated only after a commit, so a reader never
sees a write that could still roll back. Each link kind has its own ``MultiDiGraph``
(edge key: the link id; edge data: its versions), so a walk up the hierarchy never touches
the hundred thousand member links.

Another process writing the same file (``orggraph import`` while ``orggraph serve`` runs)
is noticed through SQLite's ``data_version``, and the index is rebuilt before the next read.
"""

from __future__ import annotations

import bisect
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import orjson

from orggraph.errors import ConfigError, StoreUnavailable
from orggraph.model import (
    Changes,
    Fact,
    Link,
    LinkKind,
    Node,
    NodeKind,
    WriteBatch,
)
from orggraph.model.codec import DATE_FIELDS, attrs_to_json
from orggraph.store.base import GraphStore, WriteResult, gc_paused

__all__ = ["EmbeddedStore"]

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
CREATE TRIGGER IF NOT EXISTS audit_append_only_u BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_d BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""

#: Above this many row changes, an audit record keeps counts and ids, not whole rows.
AUDIT_DETAIL_LIMIT = 1000


def _d(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _valid(versions: list[Any], as_of: date) -> Any:
    """The version valid at ``as_of`` among versions sorted by ``valid_from``."""
    for version in reversed(versions):
        if version.valid_from <= as_of:
            return version if version.valid_to is None or as_of < version.valid_to else None
    return None


class EmbeddedStore(GraphStore):
    """A SQLite file with a networkx index; zero setup."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        if not self.path.parent.exists():
            raise ConfigError(f"store folder {str(self.path.parent)!r} does not exist")
        try:
            self._db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=30
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"cannot open SQLite store {str(self.path)!r}: {exc}") from exc
        self._db_lock = threading.RLock()
        # Link versions as columns, per kind, for counts at a date (``count_links``): made
        # on first use, made again after links change (``_link_writes`` counts the changes).
        self._columns: dict[LinkKind, tuple[int, _LinkColumns]] = {}
        self._link_writes = 0
        self._load()

    # -- the index -------------------------------------------------------------------
    def _load(self) -> None:
        with gc_paused():
            self._load_all()

    def _load_all(self) -> None:
        """Read both tables in one snapshot into a new index, then put it in place whole."""
        db, day = self._db, _Days()
        with self._db_lock:
            # One transaction for both tables (a writer's, when called from ``write``), so
            # that the nodes and the links read are those of the same commit.
            own = not db.in_transaction
            if own:
                db.execute("BEGIN")
            try:
                version = db.execute("PRAGMA data_version").fetchone()[0]
                nodes, by_kind = _read_nodes(db.execute(_NODES_SQL), day)
                graphs, links = _read_links(db.execute(_LINKS_SQL), nodes, day)
            finally:
                if own:
                    db.execute("COMMIT")
        self._nodes, self._by_kind, self._graphs, self._links = nodes, by_kind, graphs, links
        # Facts are read on first use (``_facts``): most readers never ask for them.
        self._fact_index: dict[tuple[str, int], dict[str, Any]] | None = None
        self._data_version = version
        self._link_writes += 1  # every link may have changed: columns made before are old

    @property
    def _facts(self) -> dict[tuple[str, int], dict[str, Any]]:
        """The yearly facts by (node, year), read from the file the first time they are needed.

        Facts are only ever added or replaced, so reading them after the nodes and links
        shows no fewer than were there when those were read.
        """
        facts = self._fact_index
        if facts is None:
            with self._db_lock, gc_paused():
                facts = self._fact_index
                if facts is None:
                    rows = self._db.execute("SELECT node_id, year, name, value FROM facts")
                    facts = defaultdict(dict)
                    loads = orjson.loads
                    for node_id, year, name, value in rows.fetchall():
                        facts[(node_id, year)][name] = loads(value)
                    self._fact_index = facts
        return facts

    def _index_link(self, link: Link, key: str | None = None) -> None:
        key = key or link.id
        versions = self._links.get(key)
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

    def _index_node(self, node: Node) -> None:
        versions = self._nodes.get(node.id)
        if versions is None:
            self._nodes[node.id] = [node]
            self._by_kind[node.kind].append(node.id)
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
        """Rebuild the index if another connection committed since the last look (true)."""
        with self._db_lock:
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version == self._data_version:
            return False
        self._load()
        return True

    # -- reads -----------------------------------------------------------------------
    def node(self, node_id: str, as_of: date) -> Node | None:
        versions = self._nodes.get(node_id)
        return _valid(versions, as_of) if versions else None

    def nodes(
        self, kind: NodeKind, as_of: date, *, ids: Collection[str] | None = None
    ) -> list[Node]:
        out = []
        if ids is None:
            candidates: Collection[str] = self._by_kind.get(kind, [])
        else:
            candidates = ids
        table = self._nodes
        for node_id in candidates:
            versions = table.get(node_id)
            if versions:
                node = _valid(versions, as_of)
                if node is not None and node.kind is kind:
                    out.append(node)
        return out

    def links(
        self,
        kind: LinkKind,
        as_of: date,
        *,
        sources: Collection[str] | None = None,
        targets: Collection[str] | None = None,
    ) -> list[Link]:
        graph = self._graphs[kind]
        out: list[Link] = []
        if sources is not None:
            wanted = None if targets is None else set(targets)
            succ = graph._succ
            for source in sources:
                for target, keyed in succ.get(source, {}).items():
                    if wanted is not None and target not in wanted:
                        continue
                    for data in keyed.values():
                        link = _valid(data["versions"], as_of)
                        if link is not None:
                            out.append(link)
        elif targets is not None:
            pred = graph._pred
            for target in targets:
                for keyed in pred.get(target, {}).values():
                    for data in keyed.values():
                        link = _valid(data["versions"], as_of)
                        if link is not None:
                            out.append(link)
        else:
            for _, _, versions in graph.edges(data="versions"):
                link = _valid(versions, as_of)
                if link is not None:
                    out.append(link)
        return out

    def count_links(
        self, kind: LinkKind, as_of: date, *, targets: Collection[str]
    ) -> dict[str, int]:
        writes = self._link_writes
        made = self._columns.get(kind)
        if made is None or made[0] != writes:  # a write since: make them again
            made = self._columns[kind] = (writes, _LinkColumns(self._graphs[kind]))
        return made[1].count(as_of, targets)

    def parent(self, org_id: str, as_of: date) -> str | None:
        succ = self._graphs[LinkKind.SUBORDINATE_TO]._succ.get(org_id)
        if not succ:
            return None
        for target, keyed in succ.items():
            for data in keyed.values():
                if _valid(data["versions"], as_of) is not None:
                    return str(target)
        return None

    def children(self, org_id: str, as_of: date) -> list[str]:
        pred = self._graphs[LinkKind.SUBORDINATE_TO]._pred.get(org_id)
        if not pred:
            return []
        return sorted(
            str(source)
            for source, keyed in pred.items()
            if any(_valid(d["versions"], as_of) is not None for d in keyed.values())
        )

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

    def facts(
        self, node_ids: Collection[str], year: int, names: Collection[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for node_id in node_ids:
            values = self._facts.get((node_id, year))
            if values:
                out[node_id] = (
                    dict(values)
                    if names is None
                    else {k: v for k, v in values.items() if k in names}
                )
        return out

    # -- history ---------------------------------------------------------------------
    def node_versions(self, ids: Collection[str]) -> dict[str, list[Node]]:
        return {i: list(self._nodes[i]) for i in ids if i in self._nodes}

    def link_versions(self, ids: Collection[str]) -> dict[str, list[Link]]:
        return {i: list(self._links[i]) for i in ids if i in self._links}

    def links_touching(self, node_ids: Collection[str]) -> list[Link]:
        out: list[Link] = []
        for graph in self._graphs.values():
            for node_id in node_ids:
                if node_id not in graph:
                    continue
                for _, _, versions in graph.out_edges(node_id, data="versions"):
                    out.extend(versions)
                for _, _, versions in graph.in_edges(node_id, data="versions"):
                    out.extend(versions)
        return out

    def outgoing_versions(self, kind: LinkKind, sources: Collection[str]) -> list[Link]:
        graph = self._graphs[kind]
        return [
            v
            for s in sources
            if s in graph
            for _, _, versions in graph.out_edges(s, data="versions")
            for v in versions
        ]

    def all_nodes(self) -> Iterator[Node]:
        for node_id in sorted(self._nodes, key=lambda i: (self._nodes[i][0].kind.value, i)):
            yield from self._nodes[node_id]

    def all_links(self) -> Iterator[Link]:
        for key in sorted(self._links):
            yield from self._links[key]

    def all_facts(self) -> Iterator[Fact]:
        for (node_id, year), values in sorted(self._facts.items()):
            for name in sorted(values):
                yield Fact(node_id=node_id, year=year, name=name, value=values[name])

    def change_dates(self) -> list[date]:
        dates: set[date] = set()
        for versions in self._nodes.values():
            for v in versions:
                dates.add(v.valid_from)
                if v.valid_to:
                    dates.add(v.valid_to)
        for link_versions in self._links.values():
            for link in link_versions:
                dates.add(link.valid_from)
                if link.valid_to:
                    dates.add(link.valid_to)
        return sorted(dates)

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
                        dumps(_audit_detail(changes)),
                    ),
                )
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
        for node in changes.add_nodes:
            self._index_node(node)
        for node_id, start, end in changes.close_nodes:
            versions = self._nodes[node_id]
            for i, v in enumerate(versions):
                if v.valid_from == start:
                    versions[i] = _with_end(v, end)
        for link in changes.add_links:
            self._index_link(link)
        for key, start, end in changes.close_links:
            link_versions = self._links[key]
            for i, lv in enumerate(link_versions):
                if lv.valid_from == start:
                    link_versions[i] = _with_end(lv, end)
        if changes.add_links or changes.close_links:
            self._link_writes += 1
        for fact in changes.facts:
            self._facts[(fact.node_id, fact.year)][fact.name] = fact.value

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

    def close(self) -> None:
        with self._db_lock:
            self._db.close()


# -- reading the tables into the index ---------------------------------------------------
# These loops run once per row (10^5 to 10^6): they index dicts directly (``__missing__``
# fills the gaps) rather than calling helpers per row, and read the cursor as it goes.
_NODES_SQL = "SELECT id, kind, name, valid_from, valid_to, attrs FROM nodes ORDER BY id, valid_from"
_LINKS_SQL = (
    "SELECT id, kind, source, target, valid_from, valid_to, attrs FROM links "
    "ORDER BY id, valid_from"
)


def _decoded(values: dict[str, Any], dated: Collection[str], day: _Days) -> dict[str, Any]:
    """``values`` read from JSON, with the kind's date attributes made dates again."""
    for key in dated:
        value = values.get(key)
        if value.__class__ is str:
            values[key] = day[value]
    return values


def _read_nodes(
    rows: Iterable[Any], day: _Days
) -> tuple[dict[str, list[Node]], dict[NodeKind, list[str]]]:
    """Node versions by id (oldest first: the rows come ordered), and ids by kind."""
    nodes: dict[str, list[Node]] = {}
    by_kind: dict[NodeKind, list[str]] = defaultdict(list)
    loads = orjson.loads
    kinds = {k.value: (k, DATE_FIELDS.get(k, ())) for k in NodeKind}
    for node_id, kind_text, name, start, end, attrs in rows:
        kind, dated = kinds[kind_text]
        node = Node(
            id=node_id,
            kind=kind,
            name=name,
            valid_from=day[start],
            valid_to=day[end] if end else None,
            attrs=_decoded(loads(attrs), dated, day),
        )
        versions = nodes.get(node_id)
        if versions is None:
            nodes[node_id] = [node]
            by_kind[kind].append(node_id)
        else:
            versions.append(node)
    return nodes, by_kind


def _read_links(
    rows: Iterable[Any], nodes: dict[str, list[Node]], day: _Days
) -> tuple[dict[LinkKind, Any], dict[str, list[Link]]]:
    """A ``MultiDiGraph`` per link kind, each edge keyed by link id with its ``versions``
    (oldest first), filled as ``add_edge`` would fill it; and the versions by link id."""
    graphs: dict[LinkKind, Any] = {kind: nx.MultiDiGraph() for kind in LinkKind}
    links: dict[str, list[Link]] = {}
    loads = orjson.loads
    adjacency = {
        k.value: (k, DATE_FIELDS.get(k, ()), g._succ, g._pred, g._node) for k, g in graphs.items()
    }
    same = _Same((i, i) for i in nodes)  # one string per id, shared by nodes and links
    for key, kind_text, source, target, start, end, attrs in rows:
        lk, dated, succ, pred, ends = adjacency[kind_text]
        source = same[source]
        target = same[target]
        link = Link(
            kind=lk,
            source=source,
            target=target,
            valid_from=day[start],
            valid_to=day[end] if end else None,
            attrs=_decoded(loads(attrs), dated, day),
        )
        known = links.get(key)
        if known is not None:  # a later version of a link already indexed
            known.append(link)
            continue
        known = links[key] = [link]
        out = succ.get(source)
        if out is None:
            out = succ[source] = {}
            if source not in pred:
                pred[source] = {}
                ends[source] = {}
        inward = pred.get(target)
        if inward is None:
            inward = pred[target] = {}
            if target not in succ:
                succ[target] = {}
                ends[target] = {}
        keyed = out.get(target)
        if keyed is None:
            keyed = out[target] = inward[source] = {}
        keyed[key] = {"versions": known}
    return graphs, links


class _LinkColumns:
    """Every version of one link kind as columns: its target, and its start and end as day
    numbers. A count at a date is then one vectorised pass (some 10^5 versions in about a
    millisecond), not a walk through the graph's dicts."""

    __slots__ = ("end", "names", "start", "target")

    def __init__(self, graph: Any) -> None:
        names: dict[str, int] = {}
        target: list[int] = []
        start: list[int] = []
        end: list[int] = []
        never = date.max.toordinal() + 1
        for node, inward in graph._pred.items():
            code = None
            for keyed in inward.values():
                for data in keyed.values():
                    if code is None:
                        code = names[node] = len(names)
                    for version in data["versions"]:
                        target.append(code)
                        start.append(version.valid_from.toordinal())
                        ends = version.valid_to
                        end.append(never if ends is None else ends.toordinal())
        self.names = names
        self.target = np.asarray(target, dtype=np.int64)
        self.start = np.asarray(start, dtype=np.int64)
        self.end = np.asarray(end, dtype=np.int64)

    def count(self, as_of: date, targets: Collection[str]) -> dict[str, int]:
        day = as_of.toordinal()
        valid = (self.start <= day) & (day < self.end)
        counts = np.bincount(self.target[valid], minlength=len(self.names))
        names = self.names
        out: dict[str, int] = {}
        for node in targets:
            code = names.get(node)
            if code is not None and counts[code]:
                out[node] = int(counts[code])
        return out


class _Days(dict[str, date]):
    """ISO day texts to dates, each parsed the first time it is looked up."""

    def __missing__(self, text: str) -> date:
        found = self[text] = date.fromisoformat(text)
        return found


class _Same(dict[str, str]):
    """The one kept string for an id (``same[x]`` is ``x`` itself when not kept)."""

    def __missing__(self, text: str) -> str:
        return text


def _add_edge(graph: Any, source: str, target: str, key: str, versions: list[Link]) -> None:
    """``graph.add_edge(source, target, key=key, versions=versions)``, without its overhead.

    Building the index of a city (some 150,000 links) through ``add_edge`` is a third of
    the store's opening time; this writes the same adjacency dicts a ``MultiDiGraph``
    keeps (the reads above use ``_succ`` and ``_pred`` directly too).
    """
    succ, pred = graph._succ, graph._pred
    for node in (source, target):
        if node not in succ:
            succ[node] = {}
            pred[node] = {}
            graph._node[node] = {}
    keyed = succ[source].get(target)
    if keyed is None:
        keyed = succ[source][target] = {}
        pred[target][source] = keyed
    keyed[key] = {"versions": versions}


def _with_end(version: Any, end: date) -> Any:
    return replace(version, valid_to=end)


def _audit_detail(changes: Changes) -> dict[str, Any]:
    size = (
        len(changes.add_nodes)
        + len(changes.close_nodes)
        + len(changes.add_links)
        + len(changes.close_links)
        + len(changes.facts)
    )
    counts = {
        "nodes_added": len(changes.add_nodes),
        "nodes_closed": len(changes.close_nodes),
        "links_added": len(changes.add_links),
        "links_closed": len(changes.close_links),
        "facts": len(changes.facts),
    }
    if size > AUDIT_DETAIL_LIMIT:
        return {"counts": counts, "summary": True}
    return {
        "counts": counts,
        "nodes_added": [
            {
                "id": n.id,
                "valid_from": n.valid_from.isoformat(),
                "after": {"name": n.name, **attrs_to_json(n.attrs)},
            }
            for n in changes.add_nodes
        ],
        "nodes_closed": [
            {
                "id": i,
                "valid_from": s.isoformat(),
                "before": {"valid_to": None},
                "after": {"valid_to": e.isoformat()},
            }
            for i, s, e in changes.close_nodes
        ],
        "links_added": [
            {"id": x.id, "valid_from": x.valid_from.isoformat(), "after": attrs_to_json(x.attrs)}
            for x in changes.add_links
        ],
        "links_closed": [
            {
                "id": i,
                "valid_from": s.isoformat(),
                "before": {"valid_to": None},
                "after": {"valid_to": e.isoformat()},
            }
            for i, s, e in changes.close_links
        ],
        "facts": [{"node": f.node_id, "year": f.year, "name": f.name} for f in changes.facts],
    }
