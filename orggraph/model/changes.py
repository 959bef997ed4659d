"""Write batches, and how an upsert turns into row changes without overwriting history.

A ``WriteBatch`` says what the graph should hold; ``plan`` compares it with the stored
versions and returns the ``Changes`` that get there: versions to add and open versions to
close. A stored version is never edited except to set its ``valid_to``.

Upsert rules for one incoming version ``N`` of an id whose latest stored version is ``C``:

- no ``C``: add ``N``;
- same content (name and attributes): nothing, unless ``N`` ends it (``valid_to``);
- other content: close ``C`` at the change date and add ``N`` from there. The change date
  is ``N.valid_from`` when it is later than ``C.valid_from``, else the batch's
  ``effective`` date (an import of an updated file says "as of today").

A row of past history (``N`` starts when an earlier version ``P`` does, a file holding a
node's every version) changes nothing when it says what ``P`` says, and is refused
(``history-append-only``, naming ``P``'s own dates) when it says otherwise. A row that
ends before the first version starts is added: it rewrites nothing. So importing the
same file twice writes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from orggraph.errors import Problem, ValidationFailed
from orggraph.model.kinds import LinkKind
from orggraph.model.records import Fact, Link, Node

__all__ = ["Changes", "HistoryReader", "WriteBatch", "plan"]


class HistoryReader(Protocol):
    """What planning and validation read from a store: all versions, any date."""

    def node_versions(self, ids: Collection[str]) -> dict[str, list[Node]]: ...

    def link_versions(self, ids: Collection[str]) -> dict[str, list[Link]]: ...

    def links_touching(self, node_ids: Collection[str]) -> list[Link]:
        """Every version of every link with an end among ``node_ids``."""
        ...

    def outgoing_versions(self, kind: LinkKind, sources: Collection[str]) -> list[Link]: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class WriteBatch:
    """What a caller wants written, all or nothing."""

    nodes: tuple[Node, ...] = ()
    links: tuple[Link, ...] = ()
    facts: tuple[Fact, ...] = ()
    end_nodes: tuple[tuple[str, date], ...] = ()  # (id, date): close it and its open links
    end_links: tuple[tuple[str, date], ...] = ()  # (link id, date)
    effective: date | None = None  # change date for re-imported rows; default today

    def __len__(self) -> int:
        return (
            len(self.nodes)
            + len(self.links)
            + len(self.facts)
            + len(self.end_nodes)
            + len(self.end_links)
        )


@dataclass(kw_only=True, slots=True)
class Changes:
    """Row-level changes a store applies in one transaction."""

    add_nodes: list[Node] = field(default_factory=list)
    close_nodes: list[tuple[str, date, date]] = field(default_factory=list)  # id, from, to
    add_links: list[Link] = field(default_factory=list)
    close_links: list[tuple[str, date, date]] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.add_nodes or self.close_nodes or self.add_links or self.close_links or self.facts
        )


def plan(reader: HistoryReader, batch: WriteBatch, today: date | None = None) -> Changes:
    """The row changes that make the store hold ``batch``; raises ``ValidationFailed``."""
    effective = batch.effective or today or date.today()
    problems: list[Problem] = []
    node_ids = {n.id for n in batch.nodes} | {i for i, _ in batch.end_nodes}
    nodes = _Timelines(reader.node_versions(node_ids), "node", problems)
    link_ids = {link.id for link in batch.links} | {i for i, _ in batch.end_links}
    links = _Timelines(reader.link_versions(link_ids), "link", problems)

    for node in batch.nodes:
        nodes.upsert(node.id, node, effective)
    for link in batch.links:
        links.upsert(link.id, link, effective)
    for node_id, when in batch.end_nodes:
        nodes.end(node_id, when)
    if batch.end_nodes:
        ended = dict(batch.end_nodes)
        touching = reader.links_touching(list(ended))
        links.extend_history({link.id: [] for link in touching})
        for link in touching:
            links.seed(link)
        for versions in list(links.items()):
            for version in versions:
                ends = [ended[e] for e in (version.source, version.target) if e in ended]
                if not ends:
                    continue
                end = min(ends)
                # Only what is still open then: a version that ended earlier keeps its end
                # (closing it again "at" the later date would lengthen it, rewriting history).
                if version.valid_from < end and (
                    version.valid_to is None or version.valid_to > end
                ):
                    links.close(version.id, version, end)
    for lid, when in batch.end_links:
        links.end(lid, when)

    if problems:
        raise ValidationFailed(problems)
    return Changes(
        add_nodes=nodes.added(),
        close_nodes=nodes.closed(),
        add_links=links.added(),
        close_links=links.closed(),
        facts=list(batch.facts),
    )


def _content(item: Node | Link) -> tuple[object, ...]:
    attrs = tuple(
        sorted(
            (k, tuple(v) if isinstance(v, list) else v)
            for k, v in item.attrs.items()
            if v is not None
        )
    )
    if isinstance(item, Node):
        return (item.kind, item.name, attrs)
    return (item.kind, item.source, item.target, attrs)


class _Timelines:
    """The versions of some ids, stored and planned, with the closes and adds made so far."""

    def __init__(self, stored: dict[str, list[Any]], what: str, problems: list[Problem]) -> None:
        self._versions: dict[str, list[Any]] = {k: sorted(v, key=_start) for k, v in stored.items()}
        self._stored = {(k, v.valid_from) for k, vs in stored.items() for v in vs}
        self._closed: dict[tuple[str, date], tuple[date, date]] = {}
        self._what = what
        self._problems = problems

    def extend_history(self, more: dict[str, list[Any]]) -> None:
        for key, versions in more.items():
            self._versions.setdefault(key, []).extend(versions)

    def seed(self, version: Any) -> None:
        key = version.id
        if (key, version.valid_from) not in self._stored:
            self._stored.add((key, version.valid_from))
            self._versions.setdefault(key, []).append(version)
            self._versions[key].sort(key=_start)

    def items(self) -> list[list[Any]]:
        return list(self._versions.values())

    def upsert(self, key: str, new: Any, effective: date) -> None:
        versions = self._versions.setdefault(key, [])
        if not versions:
            versions.append(new)
            return
        latest = versions[-1]
        if _covers([v for v in versions if _content(v) == _content(new)], new):
            return  # what the row says is kept already, over all its dates
        same = next((v for v in versions if v.valid_from == new.valid_from), None)
        if same is not None and same is not latest:
            # A row of past history, naming a version that is there already (a file with a
            # node's every version, imported again): the same again changes nothing.
            if _content(same) == _content(new) and new.valid_to in (None, same.valid_to):
                return
            self._refuse(
                key,
                new.valid_from,
                f"{self._what} {key!r} has a {self._kind(same)} version {_span(same)}, "
                f"followed by {_span(latest)}; this row ({_span(new)}) would rewrite it, "
                "and history is not rewritten: change the latest version instead",
            )
            return
        if same is None and new.valid_to is not None and new.valid_to <= versions[0].valid_from:
            # History before everything kept: it rewrites nothing.
            versions.insert(0, new)
            return
        if _content(latest) == _content(new) and new.valid_from >= latest.valid_from:
            # The same again after a gap is a new period, whether or not it has an end
            # (closing the old version at the new end instead would erase the gap).
            if latest.valid_to is not None and new.valid_from >= latest.valid_to:
                versions.append(new)
            elif new.valid_to is not None and latest.valid_to != new.valid_to:
                self.close(key, latest, new.valid_to)
            return
        if new.valid_from > latest.valid_from:
            when = new.valid_from
        elif effective > latest.valid_from:
            when = effective
            new = replace(new, valid_from=effective)
        else:
            self._refuse(
                key,
                new.valid_from,
                f"{self._what} {key!r} has a {self._kind(latest)} version {_span(latest)}; "
                f"a change must start after {latest.valid_from}, but this row starts "
                f"{new.valid_from} and the effective date is {effective} "
                "(set 起始日期 or --effective after it)",
            )
            return
        if latest.valid_to is None or latest.valid_to > when:
            self.close(key, latest, when)
        versions.append(new)

    def _kind(self, version: Any) -> str:
        """Whether ``version`` is stored or planned by this batch (an earlier row of it)."""
        return "stored" if (version.id, version.valid_from) in self._stored else "planned"

    def _refuse(self, key: str, start: date, message: str) -> None:
        """A refusal of the row of ``key`` starting ``start`` (its value, to find the row)."""
        self._problems.append(
            Problem(rule="history-append-only", value=str(start), record=key, message=message)
        )

    def end(self, key: str, when: date) -> None:
        versions = self._versions.get(key) or []
        open_ = [v for v in versions if v.valid_to is None or v.valid_to > when]
        if not open_ or open_[-1].valid_from >= when:
            self._problems.append(
                Problem(
                    rule="end-open-version",
                    value=key,
                    record=key,
                    message=f"{self._what} {key!r} has no version open on {when} to end",
                )
            )
            return
        self.close(key, open_[-1], when)

    def close(self, key: str, version: Any, when: date) -> None:
        versions = self._versions[key]
        index = next(i for i, v in enumerate(versions) if v.valid_from == version.valid_from)
        versions[index] = replace(version, valid_to=when)
        if (key, version.valid_from) in self._stored:
            self._closed[(key, version.valid_from)] = (version.valid_from, when)

    def added(self) -> list[Any]:
        return [
            v
            for key, vs in self._versions.items()
            for v in vs
            if (key, v.valid_from) not in self._stored
        ]

    def closed(self) -> list[tuple[str, date, date]]:
        return [(key, start, end) for (key, _), (start, end) in self._closed.items()]


def _start(version: Node | Link) -> date:
    return version.valid_from


def _covers(versions: list[Any], new: Node | Link) -> bool:
    """Whether ``versions`` (sorted) hold every day of ``new`` (all of them from its
    start on, when it is open)."""
    cursor = new.valid_from
    for version in versions:
        if version.valid_from > cursor:
            return False
        if version.valid_to is None:
            return True
        if version.valid_to > cursor:
            cursor = version.valid_to
        if new.valid_to is not None and cursor >= new.valid_to:
            return True
    return False


def _span(version: Node | Link) -> str:
    """A version's own dates: ``2016-01-01..2019-06-30``, or ``2016-01-01..`` while open."""
    return f"{version.valid_from}..{version.valid_to or ''}"
