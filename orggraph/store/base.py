"""The ``GraphStore`` contract: graph primitives at a date, and transactional batches.

Two implementations honour it: ``EmbeddedStore`` (SQLite as the durable truth, networkx in
memory as the index) and ``Neo4jStore``. Every read takes the date it is asked at; a
version is valid on ``[valid_from, valid_to)``. Business rules do not live here: they are
in ``orggraph.analysis``. Writes go through ``write``, which plans the row changes (history
is appended, never overwritten), validates them, and only then hands them to the
implementation's ``_apply``, which commits them in one transaction.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import orjson

from orggraph.errors import ConfigError
from orggraph.model import (
    LINK_ENDS,
    Changes,
    Fact,
    Link,
    LinkKind,
    Node,
    NodeKind,
    WriteBatch,
    plan,
)
from orggraph.model.codec import attrs_to_json, link_to_row, node_to_row
from orggraph.model.rules import check_changes
from orggraph.store.window_counts import WindowCounts, counted

if TYPE_CHECKING:
    from orggraph.store.accounts import AccountStore

#: A version's name with its dates: ``(valid_from, valid_to, name)`` (``node_names``).
NameSpan = tuple[date, date | None, str]

T = TypeVar("T")

__all__ = [
    "AUDIT_DETAIL_LIMIT",
    "DataReach",
    "GraphStore",
    "Hierarchy",
    "NameSpan",
    "VersionWindow",
    "WriteResult",
    "age_new",
    "audit_detail",
    "fact_years",
    "freeze_long_lived",
    "gc_paused",
    "thaw_long_lived",
    "written_nothing",
]

#: Above this many row changes, an audit record keeps counts and ids, not whole rows.
AUDIT_DETAIL_LIMIT = 1000


class _Pauses:
    """The ``gc_paused`` blocks open in the process, across threads, and whether the
    collector ran before the first of them opened."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0
        self.resume = False

    def enter(self) -> None:
        with self.lock:
            if self.open == 0:
                self.resume = gc.isenabled()
                gc.disable()
            self.open += 1

    def leave(self) -> None:
        with self.lock:
            self.open -= 1
            if self.open == 0 and self.resume:
                gc.enable()


_PAUSES = _Pauses()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects at once.

    Writing or loading a city makes some 10^6 dicts, lists and records, none in a cycle;
    the collector would walk the growing heap again and again (a third of the time).
    Reference counting still frees everything; the collector resumes afterwards.

    Blocks nest and overlap across threads (a bulk load's two writers, API operations):
    the collector resumes when the last one closes, if it ran before the first opened.
    """
    _PAUSES.enter()
    try:
        yield
    finally:
        _PAUSES.leave()


class _Frozen:
    """Whether this process keeps its long-lived objects frozen (``freeze_long_lived``).

    Kept here rather than asked of ``gc.get_freeze_count``, which counts the permanent
    generation one object at a time: 55 ms for 3 million, at every new index and every
    wide answer kept, and most of each analysis's time in a server's heavy child.
    """

    on = False


def freeze_long_lived() -> None:
    """Collect once, then move every object alive to the generation the cyclic collector
    never visits (``gc.freeze``), and remember that this process does so: ``age_new``
    then freezes each new index and kept answer with them.

    For the server's processes, once their store is open: the embedded store's index is
    10^6 long-lived objects with no cycle among them, which every full collection would
    otherwise walk again. Reference counting still frees them.
    """
    gc.collect()
    gc.freeze()
    _Frozen.on = True


def thaw_long_lived() -> None:
    """Undo ``freeze_long_lived``: the collector sees every object again."""
    gc.unfreeze()
    _Frozen.on = False


def age_new() -> None:
    """Move every object the collector tracks, without a walk, to where the long-lived
    ones are: the permanent generation where this process freezes them
    (``freeze_long_lived``), the oldest one otherwise.

    For what was just built with the collector paused (a new index, a wide answer kept):
    left in the youngest generation, the next two collections would each walk all of it
    for nothing. ``gc.freeze`` and ``gc.unfreeze`` move whole generations at once.
    """
    gc.freeze()
    if not _Frozen.on:
        gc.unfreeze()


def written_nothing(part: str) -> None:
    """What a bulk load that defers nothing does when a part of the copy is written."""


@dataclass(frozen=True, kw_only=True, slots=True)
class WriteResult:
    """What one committed batch changed."""

    nodes_added: int
    nodes_closed: int
    links_added: int
    links_closed: int
    facts: int


@dataclass(frozen=True, kw_only=True, slots=True)
class VersionWindow:
    """Every version that begins or ends inside ``(since, until]``, and the keys of the
    yearly facts of the years that do (``fact_years``): what changed in a window (变化),
    read at once.

    A version counts when its ``valid_from`` or its ``valid_to`` falls inside, both when
    both do (an organization founded and dissolved in the window). A fact of year ``Y``
    holds from ``Y-01-01`` to ``(Y+1)-01-01``: it counts when either day falls inside.
    """

    since: date
    until: date
    nodes: list[Node]
    links: list[Link]
    facts: list[tuple[str, int, str]]  # (node id, year, name): which facts, not their values

    def inside(self, day: date | None) -> bool:
        """Whether ``day`` falls inside the window."""
        return day is not None and self.since < day <= self.until


def fact_years(since: date, until: date) -> range:
    """The years whose facts begin or end inside ``(since, until]`` (``VersionWindow``).

    >>> list(fact_years(date(2017, 12, 31), date(2019, 6, 30)))
    [2017, 2018, 2019]
    >>> list(fact_years(date(2018, 1, 1), date(2018, 12, 31)))
    []
    """
    first, last = since.year + 1, until.year  # the 1 Januaries inside the window
    return range(first - 1, last + 1) if first <= last else range(first, first)


@dataclass(frozen=True, kw_only=True, slots=True)
class DataReach:
    """How far a store's data reaches (数据截至): what reads default to when today is past it.

    ``latest`` is the latest ``valid_from`` or ``valid_to`` of any node or link version (a
    remediation case's steps are its versions); ``fact_years`` the years that have yearly
    facts, ascending. A year's facts describe the whole year, so they reach its last day.

    >>> DataReach(latest=date(2019, 6, 30), fact_years=(2017, 2018)).data_date
    datetime.date(2019, 6, 30)
    >>> DataReach(latest=None, fact_years=(2018,)).data_date
    datetime.date(2018, 12, 31)
    """

    latest: date | None
    fact_years: tuple[int, ...] = ()

    @property
    def data_date(self) -> date | None:
        """The latest date the data reaches; ``None`` for an empty store."""
        ends = [self.latest] if self.latest is not None else []
        if self.fact_years:
            ends.append(date(self.fact_years[-1], 12, 31))
        return max(ends, default=None)

    def reached_by(self, changes: Changes) -> DataReach:
        """This reach after a committed write of ``changes`` (dates only ever move on)."""
        added: list[Node | Link] = [*changes.add_nodes, *changes.add_links]
        days = [v.valid_from for v in added] + [v.valid_to for v in added if v.valid_to]
        days += [end for _, _, end in (*changes.close_nodes, *changes.close_links)]
        latest = max(days, default=None)
        if self.latest is not None:
            latest = max(latest or self.latest, self.latest)
        years = set(self.fact_years) | {f.year for f in changes.facts}
        return DataReach(latest=latest, fact_years=tuple(sorted(years)))


@dataclass(frozen=True, kw_only=True, slots=True)
class Hierarchy:
    """Some organizations and every one above them at a date, with links around them.

    ``parents`` maps each organization read (those asked, and all their ancestors) to its
    parent, ``None`` at the top. ``links`` holds, by kind, the links valid at the date that
    reach one of those organizations or, for a kind whose target is not an organization
    (``LINK_ENDS``), one of the nodes such a link comes from; each kind's list in the
    order of ``links(kind, as_of, targets=sorted targets)``. ``nodes`` holds the versions
    valid at the date of the organizations and of the nodes the links come from (of the
    kind their link kind names).
    """

    parents: dict[str, str | None]
    nodes: dict[str, Node]
    links: dict[LinkKind, list[Link]]


class GraphStore(ABC):
    """Graph primitives at a date over a durable store."""

    url: str
    #: The file the store lives in, for a store kept in one (the embedded store).
    path: Path | None = None
    #: Batches a bulk load (``bulk_load``) may write at once, each its own transaction.
    bulk_writers: int = 1
    #: Whether ``count_links_from`` counts where the data lives (one query) instead of
    #: reading the links and their sources; a caller that needs counts only up to a bound
    #: reads fewer sources itself when it does not.
    counts_links_natively: bool = False

    def __init__(self) -> None:
        # Plan, validate and commit one batch at a time, so that two batches that are each
        # sound (two moves) cannot together make a cycle.
        self._write_lock = threading.RLock()

    # -- reads at a date -------------------------------------------------------------
    @abstractmethod
    def node(self, node_id: str, as_of: date) -> Node | None:
        """The version of ``node_id`` valid at ``as_of``, or ``None``."""

    @abstractmethod
    def nodes(
        self, kind: NodeKind, as_of: date, *, ids: Collection[str] | None = None
    ) -> list[Node]:
        """Versions valid at ``as_of`` of every node of ``kind`` (or of those ``ids``)."""

    @abstractmethod
    def links(
        self,
        kind: LinkKind,
        as_of: date,
        *,
        sources: Collection[str] | None = None,
        targets: Collection[str] | None = None,
    ) -> list[Link]:
        """Links of ``kind`` valid at ``as_of``, from ``sources`` and/or to ``targets``."""

    @abstractmethod
    def parent(self, org_id: str, as_of: date) -> str | None:
        """The organization ``org_id`` is subordinate to at ``as_of``."""

    @abstractmethod
    def children(self, org_id: str, as_of: date) -> list[str]:
        """The organizations directly subordinate to ``org_id`` at ``as_of``, sorted."""

    def ancestors(self, org_id: str, as_of: date) -> list[str]:
        """Parents of ``org_id`` at ``as_of``, nearest first, up to a root."""
        out: list[str] = []
        current = self.parent(org_id, as_of)
        while current is not None and current not in out:
            out.append(current)
            current = self.parent(current, as_of)
        return out

    @abstractmethod
    def subtree(self, org_id: str, as_of: date) -> list[str]:
        """``org_id`` and every organization below it at ``as_of``, parents before children."""

    def nodes_where(self, kind: NodeKind, as_of: date, where: Mapping[str, object]) -> list[Node]:
        """``nodes(kind, as_of)``, in its order, keeping only those whose version has each
        attribute of ``where`` (``{"is_leader": True}``: a city's leaders among its
        members). A store may pick them where the data lives; this default reads all."""
        wanted = list(where.items())
        return [n for n in self.nodes(kind, as_of) if all(n.attrs.get(k) == v for k, v in wanted)]

    def count_nodes(self, kind: NodeKind, as_of: date, group_by: str) -> dict[str, int]:
        """How many nodes of ``kind`` are valid at ``as_of``, by the value of an attribute."""
        return dict(Counter(str(node.attrs.get(group_by)) for node in self.nodes(kind, as_of)))

    def count_links(
        self, kind: LinkKind, as_of: date, *, targets: Collection[str]
    ) -> dict[str, int]:
        """How many ``kind`` links valid at ``as_of`` reach each of ``targets`` (none: absent)."""
        return dict(Counter(link.target for link in self.links(kind, as_of, targets=targets)))

    def count_links_from(
        self,
        kind: LinkKind,
        as_of: date,
        *,
        targets: Collection[str],
        where: Mapping[str, object],
    ) -> dict[str, int]:
        """As ``count_links``, counting only links from a node whose version at ``as_of`` has
        each attribute of ``where`` (``{"status": "full"}``: full members). The rule that
        says what to count stays with the caller; a store may count where the data lives
        (Neo4j: one query when ``where`` names facets). This default reads links and nodes.
        """
        links = self.links(kind, as_of, targets=targets)
        sources = self.nodes(LINK_ENDS[kind][0], as_of, ids=list({x.source for x in links}))
        kept = {n.id for n in sources if all(n.attrs.get(k) == v for k, v in where.items())}
        return dict(Counter(x.target for x in links if x.source in kept))

    @abstractmethod
    def search(
        self, text: str, as_of: date, kinds: Collection[NodeKind] | None = None, limit: int = 20
    ) -> list[Node]:
        """Nodes whose name or id or code contains ``text``, exact and prefix matches first."""

    @abstractmethod
    def facts(
        self, node_ids: Collection[str], year: int, names: Collection[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Yearly facts of ``node_ids`` for ``year``: ``{node id: {fact name: value}}``."""

    def hierarchy(
        self, org_ids: Collection[str], as_of: date, link_kinds: Collection[LinkKind] = ()
    ) -> Hierarchy:
        """``org_ids``, everything above them and the links of ``link_kinds`` around them.

        What a responsibility chain reads, in one call (see ``Hierarchy``). This default
        reads it with the primitives above, a level of the hierarchy at a time; a store
        that can answer it in one query (Neo4j: one round trip) overrides it. Where an
        organization has more than one parent link at the date (bad data), the last by
        link id wins.
        """
        parents: dict[str, str | None] = {}
        # The ids asked in their order, then each level above sorted: ``sorted(parents)``
        # is then a pass over a caller's sorted ids, not a sort of them (at ×10, a sort of
        # 28,000 ids in no order missed the caches at each comparison).
        frontier = list(dict.fromkeys(org_ids))
        while frontier:
            parents.update(dict.fromkeys(frontier))
            for link in self.links(LinkKind.SUBORDINATE_TO, as_of, sources=frontier):
                parents[link.source] = link.target
            ups = {parents[o] for o in frontier}
            frontier = sorted(p for p in ups if p is not None and p not in parents)
        orgs = sorted(parents)
        nodes = {n.id: n for n in self.nodes(NodeKind.ORGANIZATION, as_of, ids=orgs)}
        links: dict[LinkKind, list[Link]] = {}
        first = [k for k in link_kinds if LINK_ENDS[k][1] is NodeKind.ORGANIZATION]
        for kind in first:
            links[kind] = self.links(kind, as_of, targets=orgs)
        for kind in (k for k in link_kinds if k not in links):
            targets = {
                x.source for k in first if LINK_ENDS[k][0] is LINK_ENDS[kind][1] for x in links[k]
            }
            links[kind] = self.links(kind, as_of, targets=sorted(targets)) if targets else []
        sources: dict[NodeKind, set[str]] = {}
        for kind, found in links.items():
            if found:
                sources.setdefault(LINK_ENDS[kind][0], set()).update(x.source for x in found)
        for node_kind, ids in sources.items():
            # Read in no order: ``nodes`` is looked up by id (a sort of the 30,000 people
            # of a province's posts and contacts missed the caches at each comparison).
            for node in self.nodes(node_kind, as_of, ids=ids):
                nodes[node.id] = node
        return Hierarchy(parents=parents, nodes=nodes, links=links)

    # -- history (any date) ----------------------------------------------------------
    @abstractmethod
    def node_versions(self, ids: Collection[str]) -> dict[str, list[Node]]:
        """Every version of each of ``ids``, oldest first (absent ids are left out)."""

    @abstractmethod
    def link_versions(self, ids: Collection[str]) -> dict[str, list[Link]]:
        """Every version of each link id, oldest first."""

    def node_names(self, ids: Collection[str]) -> dict[str, list[NameSpan]]:
        """The name of every version of each of ``ids`` with its dates, ``(valid_from,
        valid_to, name)``, oldest first (absent ids are left out): ``node_versions``
        without the attributes, for a report that names many people (a change report's
        posts, 10^4 people at ×10). This default reads the versions; the embedded store
        reads its columns' names alone."""
        return {
            i: [(v.valid_from, v.valid_to, v.name) for v in versions]
            for i, versions in self.node_versions(ids).items()
        }

    @abstractmethod
    def links_touching(self, node_ids: Collection[str]) -> list[Link]:
        """Every version of every link with an end among ``node_ids``."""

    @abstractmethod
    def outgoing_versions(self, kind: LinkKind, sources: Collection[str]) -> list[Link]:
        """Every version of every ``kind`` link leaving ``sources``."""

    def incoming_versions(self, kind: LinkKind, targets: Collection[str]) -> list[Link]:
        """Every version of every ``kind`` link reaching ``targets`` (a branch's secretaries
        past and present). This default reads every link touching them."""
        wanted = set(targets)
        return [x for x in self.links_touching(wanted) if x.kind is kind and x.target in wanted]

    @abstractmethod
    def all_nodes(self) -> Iterator[Node]:
        """Every version of every node, in a stable order (kind, id, valid_from)."""

    @abstractmethod
    def all_links(self) -> Iterator[Link]:
        """Every version of every link, in a stable order (id, valid_from)."""

    @abstractmethod
    def all_facts(self) -> Iterator[Fact]:
        """Every fact, in a stable order (node id, year, name)."""

    @abstractmethod
    def change_dates(self) -> list[date]:
        """Every distinct ``valid_from`` and ``valid_to`` in the store, sorted."""

    # -- how far the data reaches (数据截至) ---------------------------------------------
    def versions_between(self, since: date, until: date) -> VersionWindow:
        """Every node and link version that begins or ends inside ``(since, until]``, and
        the facts of the years that do (``VersionWindow``), in one read.

        This default reads the whole history; the embedded store scans its index, Neo4j
        answers it with one query over the version dates.
        """
        window = VersionWindow(since=since, until=until, nodes=[], links=[], facts=[])
        window.nodes.extend(
            v for v in self.all_nodes() if window.inside(v.valid_from) or window.inside(v.valid_to)
        )
        window.links.extend(
            v for v in self.all_links() if window.inside(v.valid_from) or window.inside(v.valid_to)
        )
        years = fact_years(since, until)
        window.facts.extend(
            (f.node_id, f.year, f.name) for f in self.all_facts() if f.year in years
        )
        return window

    def window_counts(
        self, since: date, until: date, *, links: Collection[LinkKind] = ()
    ) -> WindowCounts:
        """How many versions of each kind of node, and of each kind of link in ``links``,
        begin, change and end inside ``(since, until]``, and how many facts of each name
        the years that begin or end inside hold (``WindowCounts``): the versions of
        ``versions_between``, counted as ``orggraph.store.window_counts`` says.

        This default counts that window's records; the embedded store counts its columns.
        """
        window = self.versions_between(since, until)
        return counted(window.nodes, window.links, window.facts, since, until, links)

    def data_reach(self) -> DataReach:
        """The latest date of any version and the years with facts (``DataReach``).

        Cheap on both stores, asked by every read that leaves its date out: the embedded
        store keeps it current on write, Neo4j works it out once per state of the graph.
        This default reads every date and fact (a read-only view over a store delegates).
        """
        dates = self.change_dates()
        years = sorted({fact.year for fact in self.all_facts()})
        return DataReach(latest=dates[-1] if dates else None, fact_years=tuple(years))

    def data_date(self) -> date | None:
        """The latest date the data reaches (``DataReach.data_date``); ``None`` when empty."""
        return self.data_reach().data_date

    def fact_years(self) -> tuple[int, ...]:
        """The years that have yearly facts (考核等次, 组织生活…), ascending."""
        return self.data_reach().fact_years

    # -- writes ----------------------------------------------------------------------
    def write(
        self, batch: WriteBatch, *, actor: str = "system", validate: bool = True
    ) -> WriteResult:
        """Write ``batch`` all or nothing; return only after it is committed.

        Raises ``ValidationFailed`` (nothing written) when the batch breaks a rule.
        """
        with self._write_lock, gc_paused():
            changes = plan(self, batch)
            if validate:
                check_changes(self, changes)
            if changes:
                self._apply(changes, actor)
        return WriteResult(
            nodes_added=len(changes.add_nodes),
            nodes_closed=len(changes.close_nodes),
            links_added=len(changes.add_links),
            links_closed=len(changes.close_links),
            facts=len(changes.facts),
        )

    @abstractmethod
    def _apply(self, changes: Changes, actor: str) -> None:
        """Commit ``changes`` in one transaction, with an audit record; then update indexes."""

    @contextlib.contextmanager
    def bulk_load(self, actor: str = "system") -> Iterator[Callable[[str], None]]:
        """Writes that fill an empty store (``orggraph sync``): a store may defer work.

        The block is given a function to call with each part of the copy
        (``sync.PARTS``) once that part is written: a store may build what indexes the
        part then. Every write in the block is still one audited transaction, and the
        store is whole (every index built) when the block ends. This default defers
        nothing; Neo4j builds its keys and read-only indexes once per part
        (``Neo4jStore.bulk_load``).
        """
        yield written_nothing

    def unfinished_bulk_load(self) -> dict[str, str] | None:
        """The marker of a bulk load that did not finish (``started``, ``actor``), or
        ``None``: a store that defers nothing in ``bulk_load`` never leaves one."""
        return None

    # -- the audit trail -------------------------------------------------------------
    @abstractmethod
    def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        """The most recent audit records, newest first."""

    def record_audit(self, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Append one audit record outside a write (a sensitive read, a sign-in, a
        refused write). ``detail`` holds ids and counts, never personal values.

        Both stores keep a trail; a store without one (a read-only what-if overlay)
        refuses loudly rather than let an audited action go unrecorded.
        """
        raise ConfigError(f"the store {self.url!r} keeps no audit trail")

    # -- upkeep ----------------------------------------------------------------------
    def refresh(self) -> bool:
        """Catch up with commits made by another process (true when it did); a store
        whose every read goes to the server (Neo4j) has nothing to catch up with."""
        return False

    def current(self) -> bool:
        """Whether a look that never waits finds nothing to catch up with (``refresh``
        would do nothing); false when another process committed, or when it cannot tell
        without waiting: then ``refresh`` says, on a thread that may wait."""
        return True

    def at_once(self, look: Callable[[], T]) -> T | None:
        """``look()`` (reads of this store's own tables: the accounts), if it can run
        now without waiting for a lock or a server; ``None`` if it would wait (then it
        is to be made on a thread that may wait). This default: a store whose reads are
        round trips to a server (Neo4j) never answers at once."""
        return None

    def integrity_problems(self) -> list[str]:
        """What the storage engine's own integrity check reports (empty when sound)."""
        return []

    def read_state(self) -> Hashable | None:
        """A token of what this store's reads answer now, for a caller that keeps what it
        works out from them (``orggraph.analysis.coverage``): while it is the same (and not
        ``None``), every read answers as it did; a write, or catching up with another
        process's, makes a new one. ``None`` when the store cannot promise that: this
        default, and a store whose reads go to a server other processes write to (Neo4j).
        """
        return None

    def clear(self, *, keep_audit: bool = True) -> None:
        """Delete every version, link and fact in place (the audit trail stays with
        ``keep_audit``). A store kept in a file (``path``) is emptied by removing it."""
        raise ConfigError(f"the store {self.url!r} cannot be cleared in place")

    # -- capabilities kept in the store itself -----------------------------------------
    # Declared here, typed, and implemented by each store over its own connection: the
    # modules that need them (accounts, backup) never reach into a store's private parts,
    # and a store without one refuses loudly.
    def account_store(self) -> AccountStore:
        """The accounts, credentials and audit reads kept in this store (docs/SECURITY.md)."""
        raise ConfigError(f"the store {self.url!r} cannot keep accounts")

    def backup_to(self, target: str | Path) -> None:
        """A consistent copy of every version, link, fact and audit record at ``target``,
        as an embedded store's SQLite file (``orggraph.store.backup``)."""
        raise ConfigError(f"the store {self.url!r} cannot be backed up")

    def restore_records(
        self,
        changes: Changes,
        trail: list[dict[str, Any]],
        detail: dict[str, Any],
        *,
        actor: str,
        replace: bool,
    ) -> int:
        """Write a backup's records in one go (after emptying the store, with ``replace``;
        the audit trail is never emptied), its audit ``trail`` when the store has none, and
        a ``restore`` audit record with ``detail``; return how many records of ``trail``
        were copied. The caller holds ``writes_held``."""
        raise ConfigError(f"the store {self.url!r} cannot be restored into")

    @contextlib.contextmanager
    def writes_held(self) -> Iterator[None]:
        """No batch of this process is planned or committed meanwhile (a restore checks
        the store is empty and fills it under it)."""
        with self._write_lock:
            yield

    def digest(self) -> str:
        """A content digest over every version and fact, equal across stores for equal data."""
        sha = hashlib.sha256()
        for node in self.all_nodes():
            sha.update(orjson.dumps(node_to_row(node), option=orjson.OPT_SORT_KEYS) + b"\n")
        for link in self.all_links():
            sha.update(orjson.dumps(link_to_row(link), option=orjson.OPT_SORT_KEYS) + b"\n")
        for fact in self.all_facts():
            row = [fact.node_id, fact.year, fact.name, fact.value]
            sha.update(orjson.dumps(row) + b"\n")
        return sha.hexdigest()

    def counts(self) -> dict[str, int]:
        """Versions stored, by record type: the cheap half of a sync check."""
        return {
            "node_versions": sum(1 for _ in self.all_nodes()),
            "link_versions": sum(1 for _ in self.all_links()),
            "facts": sum(1 for _ in self.all_facts()),
        }

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _closed(closings: list[tuple[str, date, date]]) -> list[dict[str, Any]]:
    """The audit rows of versions closed: (id, valid_from, valid_to) each."""
    return [
        {
            "id": i,
            "valid_from": start.isoformat(),
            "before": {"valid_to": None},
            "after": {"valid_to": end.isoformat()},
        }
        for i, start, end in closings
    ]


def audit_detail(changes: Changes) -> dict[str, Any]:
    """What the audit trail records of a write: its counts, and its rows up to
    ``AUDIT_DETAIL_LIMIT`` changes (both stores write the same)."""
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
        "nodes_closed": _closed(changes.close_nodes),
        "links_added": [
            {"id": x.id, "valid_from": x.valid_from.isoformat(), "after": attrs_to_json(x.attrs)}
            for x in changes.add_links
        ],
        "links_closed": _closed(changes.close_links),
        "facts": [{"node": f.node_id, "year": f.year, "name": f.name} for f in changes.facts],
    }
