"""Change over time (变化): everything that happened in a scope between two dates.

The seed reports everything as a change since a date ("since 2014…"). ``changes_between``
reads every version that begins or ends inside ``(since, until]`` from the history, in one
store read (``GraphStore.versions_between``), including those that do both: an
organization founded and dissolved inside the window is founded and dissolved in the
report, a post held 2018-02-04 → 2019-03-04 is filled and vacated. It reports:

- organizations founded, dissolved (runs of back-to-back versions: a renamed organization
  is the same organization) and moved to another parent;
- posts filled and vacated (a tenure's first and last day);
- links made and ended, by kind, listed for the kinds in ``LISTED`` (membership links are
  counted, not listed: they are the bulk of the graph);
- nodes of each kind begun, changed (a new version on the day the last ended) and ended;
- yearly facts whose year begins or ends in the window, counted by name and year.

With ``net=True`` it compares the graph at the two dates instead
(``orggraph.analysis.changes_net``), as a report on the two dates would.

Each event is judged on the day it held: a beginning on its first day, an end on its last
(the day before ``valid_to``). An organization counts when the scope saw it that day; a
link when the scope saw one of its ends; a listed end outside the scope is ``None``.

>>> import pathlib, tempfile
>>> from orggraph.store.embedded import EmbeddedStore
>>> from orggraph.model import Node, NodeKind, WriteBatch
>>> store = EmbeddedStore(pathlib.Path(tempfile.mkdtemp()) / "g.db")
>>> attrs = {"org_kind": "branch", "level": "grassroots"}
>>> short = Node(id="b9", kind=NodeKind.ORGANIZATION, name="临时党支部", attrs=attrs,
...              valid_from=date(2018, 2, 16), valid_to=date(2018, 11, 13))
>>> _ = store.write(WriteBatch(nodes=(short,)))
>>> report = changes_between(store, date(2017, 12, 31), date(2019, 6, 30), Scope())
>>> [(e.organization, str(e.date)) for e in (*report.founded, *report.dissolved)]
[('b9', '2018-02-16'), ('b9', '2018-11-13')]
>>> changes_between(store, date(2017, 12, 31), date(2019, 6, 30), Scope(), net=True).founded
()
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from datetime import date, timedelta
from typing import TypeVar, cast

from orggraph.analysis.chainindex import Person
from orggraph.analysis.change_report import (
    ChangeReport,
    FactCount,
    LinkCount,
    LinkEvent,
    NodeCount,
    OrgEvent,
    OrgMove,
    PostEvent,
)
from orggraph.analysis.changes_net import LISTED, net_changes, org_events
from orggraph.errors import Problem, ValidationFailed
from orggraph.model import LINK_ENDS, Link, LinkKind, Node, NodeKind
from orggraph.store.base import GraphStore, NameSpan, VersionWindow, gc_paused
from orggraph.store.scope import Scope, ScopeView
from orggraph.store.window_counts import WindowCounts

__all__ = [
    "LISTED",
    "ChangeReport",
    "FactCount",
    "LinkCount",
    "LinkEvent",
    "NodeCount",
    "OrgEvent",
    "OrgMove",
    "PostEvent",
    "boundaries",
    "changes_between",
]

_DAY = timedelta(days=1)
#: What ``_bounds`` keys versions by: an id, or what it is made of.
_Key = TypeVar("_Key", bound=Hashable)
#: Links that reach the scope through their organization end (the others: a member's).
_ORG_END = {
    kind: [i for i, end in enumerate(ends) if end is NodeKind.ORGANIZATION]
    for kind, ends in LINK_ENDS.items()
}
#: Links counted, not listed (the bulk of the graph), nor reported as moves and posts.
_COUNTED = tuple(
    k
    for k in LinkKind
    if k not in LISTED and k not in (LinkKind.SUBORDINATE_TO, LinkKind.HOLDS_POST)
)


def changes_between(
    store: GraphStore, since: date, until: date, scope: Scope, *, net: bool = False
) -> ChangeReport:
    """What changed in ``scope`` after ``since``, up to and including ``until``.

    Parameters
    ----------
    store : GraphStore
    since, until : date
        The window ``(since, until]``; ``until`` must not be before ``since``.
    scope : Scope
        What the caller sees; each event is judged on the day it held.
    net : bool
        Compare the graph at the two dates instead (what a report on each date shows).

    Returns
    -------
    ChangeReport
    """
    if until < since:
        raise ValidationFailed(
            [
                Problem(
                    rule="dates-ordered",
                    value=f"{since}..{until}",
                    message=f"until {until} must not be before since {since}",
                )
            ]
        )
    # The collector is paused meanwhile (``gc_paused``): the events and counts made here
    # hold no cycle, and its collections walk what the store made since it was frozen
    # (at ×10, with the index frozen as a server keeps it: 1,016 collections and 0.7 s
    # of the 1.8 s a whole-graph report took with the collector on, 1.15 s paused).
    with gc_paused():
        if net:
            return net_changes(store, since, until, scope)
        return _between(store, since, until, scope)


def _between(store: GraphStore, since: date, until: date, scope: Scope) -> ChangeReport:
    window = store.versions_between(since, until)
    seen = _Seen(store, scope, window)
    # The whole graph's counts need no judging: the store counts them (its columns, at
    # ×10 some 10^6 member versions and memberships that as records took a second).
    counts = store.window_counts(since, until, links=_COUNTED) if seen.whole else None
    nodes = _node_counts(window, seen) if counts is None else _nodes_counted(counts)
    by_kind: dict[LinkKind, list[Link]] = defaultdict(list)
    for link in window.links:
        by_kind[link.kind].append(link)
    org_ids = sorted(
        {v.id for v in window.nodes if v.kind is NodeKind.ORGANIZATION}
        | {x.source for x in by_kind.get(LinkKind.SUBORDINATE_TO, ())}
    )
    # Their names and dates alone (``node_names``): no attributes are read here.
    history = store.node_names(org_ids)
    founded, dissolved, moved = org_events(store, org_ids, history, since, until, seen.org)
    filled, vacated = _posts(store, window, by_kind.get(LinkKind.HOLDS_POST, []), seen, history)
    links, made, ended = _links(window, by_kind, seen, counts)
    return ChangeReport(
        since=since,
        until=until,
        founded=tuple(sorted(founded, key=lambda e: (e.date, e.organization))),
        dissolved=tuple(sorted(dissolved, key=lambda e: (e.date, e.organization))),
        moved=tuple(sorted(moved, key=lambda e: (e.date, e.organization))),
        posts_filled=filled,
        posts_vacated=vacated,
        links=links,
        links_made=made,
        links_ended=ended,
        nodes=nodes,
        facts=_fact_counts(window, seen) if counts is None else _facts_counted(counts),
    )


def boundaries(
    versions: Iterable[Node | Link], window: VersionWindow
) -> list[tuple[str, date, str]]:
    """Each run boundary of ``versions`` inside the window: ``(id, day, what)`` with
    ``what`` one of ``began``, ``changed``, ``ended``.

    A version starting the day another version of its id ends is a change, not a
    beginning and an end: both versions are in the window then (they share the day).
    """
    return _bounds([(v.id, v.valid_from, v.valid_to) for v in versions], window)


def _bounds(
    items: list[tuple[_Key, date, date | None]], window: VersionWindow
) -> list[tuple[_Key, date, str]]:
    # Only a key with two versions in the window can change on a day (one version ends
    # the day the next begins): the pairs of dates are made for those alone, most keys
    # (a membership, a member) having one version here.
    keys = [key for key, _, _ in items]
    repeated: set[_Key] = set()
    if len(set(keys)) < len(keys):
        repeated = {key for key, n in Counter(keys).items() if n > 1}
    twice = [item for item in items if item[0] in repeated] if repeated else []
    starts = {(key, start) for key, start, _ in twice}
    ends = {(key, end) for key, _, end in twice if end is not None}
    since, until = window.since, window.until
    out: list[tuple[_Key, date, str]] = []
    for key, start, end in items:
        more = key in repeated
        if since < start <= until:
            out.append((key, start, "changed" if more and (key, start) in ends else "began"))
        if end is not None and since < end <= until and not (more and (key, end) in starts):
            out.append((key, end, "ended"))
    return out


class _Seen:
    """Whom the scope saw on a day inside the window.

    The scope (subtrees and sectors, as ``Scope.view`` lists them) is followed through the
    history of the hierarchy, read at once: the versions and parent links of every
    organization there at ``since`` or changing inside the window. At ``since`` each is
    judged by climbing its parent links; after that an organization can come or go only
    on a day it, or one above it, begins or ends a version or a parent link, and then it
    and those below it are judged again. So each organization gets the stretches of days
    the scope saw it. Members are judged by their membership and post links into those
    organizations on the day (one read for all of them); units, working groups, experts
    and cases by a ``ScopeView`` of that day over those stretches.
    """

    def __init__(self, store: GraphStore, scope: Scope, window: VersionWindow) -> None:
        self.store, self.scope, self.window = store, scope, window
        self.whole = scope.unrestricted
        self.joined: dict[str, list[Link]] = {}
        self.stretches: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
        self.versions: dict[str, list[Node]] = {}
        self.ups: dict[str, list[Link]] = defaultdict(list)
        self.downs: dict[str, list[Link]] = defaultdict(list)
        self.views: dict[date, ScopeView] = {}
        if not self.whole:
            self._follow()

    def _follow(self) -> None:
        window, store = self.window, self.store
        changed: dict[date, set[str]] = defaultdict(set)
        for version in window.nodes:
            if version.kind is NodeKind.ORGANIZATION:
                for d in (version.valid_from, version.valid_to):
                    if d is not None and window.inside(d):
                        changed[d].add(version.id)
        for link in window.links:
            if link.kind is LinkKind.SUBORDINATE_TO:
                for d in (link.valid_from, link.valid_to):
                    if d is not None and window.inside(d):
                        changed[d].add(link.source)
        there = {n.id for n in store.nodes(NodeKind.ORGANIZATION, window.since)}
        ids = sorted(there | {o for day in changed.values() for o in day})
        self.versions = store.node_versions(ids)
        for link in store.outgoing_versions(LinkKind.SUBORDINATE_TO, ids):
            self.ups[link.source].append(link)
            self.downs[link.target].append(link)
        entered = {o: window.since for o in ids if self.inside(o, window.since)}
        for day in sorted(changed):
            for org_id in sorted(changed[day]):
                for each in (org_id, *self._below(org_id, day)):
                    inside = self.inside(each, day)
                    if each in entered and not inside:
                        self.stretches[each].append((entered.pop(each), day))
                    elif inside and each not in entered:
                        entered[each] = day
        for org_id, start in entered.items():
            self.stretches[org_id].append((start, None))
        # A member is seen through a membership or a post in one of these organizations:
        # their links are every such link (one read), whoever else is never seen.
        for link in store.links_touching(sorted(self.stretches)):
            if link.kind in (LinkKind.MEMBER_OF, LinkKind.HOLDS_POST):
                self.joined.setdefault(link.source, []).append(link)

    def _exists(self, org_id: str, day: date) -> Node | None:
        return next((v for v in self.versions.get(org_id, ()) if v.valid_at(day)), None)

    def inside(self, org_id: str, day: date, *, sectors: bool = True) -> bool:
        """Whether the scope's subtrees hold ``org_id`` on ``day`` (and, with ``sectors``,
        whether its sector is one of the scope's), from the history read."""
        version = self._exists(org_id, day)
        if version is None:
            return False
        if sectors and self.scope.sectors and version.get("sector") not in self.scope.sectors:
            return False
        if not self.scope.roots:
            return True
        current: str | None = org_id
        passed: set[str] = set()
        while current is not None and current not in passed:
            if current in self.scope.roots:
                return self._exists(current, day) is not None
            passed.add(current)
            current = next((x.target for x in self.ups.get(current, ()) if x.valid_at(day)), None)
        return False

    def _below(self, org_id: str, day: date) -> list[str]:
        out: list[str] = []
        frontier = [org_id]
        while frontier:
            found = [x.source for o in frontier for x in self.downs.get(o, ()) if x.valid_at(day)]
            frontier = [o for o in found if o not in out and o != org_id]
            out += frontier
        return out

    def view(self, day: date) -> ScopeView:
        """A ``ScopeView`` of ``day`` whose organizations are the stretches above."""
        found = self.views.get(day)
        if found is None:
            sectors = self.scope.sectors
            orgs = cast("frozenset[str]", _On(self, day, sectors=True))
            areas = cast("frozenset[str]", _On(self, day, sectors=False)) if sectors else None
            kinds = frozenset(str(s) for s in sectors) if sectors else None
            found = self.views[day] = ScopeView(
                store=self.store, as_of=day, organizations=orgs, unit_areas=areas, unit_kinds=kinds
            )
        return found

    def org(self, org_id: str | None, day: date) -> bool:
        if org_id is None:
            return False
        if self.whole:
            return True
        return any(s <= day and (e is None or day < e) for s, e in self.stretches.get(org_id, ()))

    def member(self, member_id: str, day: date) -> bool:
        if self.whole:
            return True
        links = self.joined.get(member_id, [])
        return any(x.valid_at(day) and self.org(x.target, day) for x in links)

    def node(self, node_id: str, kind: NodeKind, day: date, version: Node | None = None) -> bool:
        """Whether the scope saw ``node_id`` (of ``kind``; ``version``: its version that
        day, when in hand) on ``day``."""
        if self.whole:
            return True
        if kind is NodeKind.ORGANIZATION:
            return self.org(node_id, day)
        if kind is NodeKind.MEMBER:
            return self.member(node_id, day)
        if version is not None:
            return self.view(day).sees(version)
        return self.view(day).lookup(node_id) is not None


class _On:
    """The organizations a ``_Seen`` saw on one day, as a ``ScopeView`` asks: ``in`` only."""

    def __init__(self, seen: _Seen, day: date, *, sectors: bool) -> None:
        self.seen, self.day, self.sectors = seen, day, sectors

    def __contains__(self, org_id: object) -> bool:
        if not isinstance(org_id, str):
            return False
        if self.sectors:
            return self.seen.org(org_id, self.day)
        return self.seen.inside(org_id, self.day, sectors=False)


def _held(day: date, what: str) -> date:
    """The day an event held: a beginning's first day, an end's last."""
    return day - _DAY if what == "ended" else day


def _nodes_counted(counts: WindowCounts) -> tuple[NodeCount, ...]:
    return tuple(
        NodeCount(kind=k, began=c.began, changed=c.changed, ended=c.ended)
        for k in NodeKind
        if (c := counts.nodes.get(k))
    )


def _facts_counted(counts: WindowCounts) -> tuple[FactCount, ...]:
    return tuple(
        FactCount(fact=name, year=year, count=n) for (name, year), n in sorted(counts.facts.items())
    )


def _node_counts(window: VersionWindow, seen: _Seen) -> tuple[NodeCount, ...]:
    by_kind: dict[NodeKind, list[Node]] = defaultdict(list)
    for v in window.nodes:
        by_kind[v.kind].append(v)
    counts: dict[NodeKind, Counter[str]] = {}
    for kind, kept in by_kind.items():
        events = boundaries(kept, window)
        if seen.whole:  # every event counts: no version to look up
            counts[kind] = Counter(what for _, _, what in events)
            continue
        versions: dict[str, list[Node]] = defaultdict(list)
        for v in kept:
            versions[v.id].append(v)
        found = counts[kind] = Counter()
        for node_id, day, what in events:
            held = _held(day, what)
            version = next((v for v in versions[node_id] if v.valid_at(held)), None)
            if seen.node(node_id, kind, held, version):
                found[what] += 1
    return tuple(
        NodeCount(kind=k, began=c["began"], changed=c["changed"], ended=c["ended"])
        for k in NodeKind
        if (c := counts.get(k))
    )


def _posts(
    store: GraphStore,
    window: VersionWindow,
    posts: list[Link],
    seen: _Seen,
    history: dict[str, list[NameSpan]],
) -> tuple[tuple[PostEvent, ...], tuple[PostEvent, ...]]:
    """Tenures begun and ended in the window, in organizations the scope saw then.

    ``history``: the names of the organizations already read (those changing in the
    window), not read again."""
    # Keyed as their ids are made (ends and role), without making each id's text.
    items = [((x.source, x.target, x.get("role")), x.valid_from, x.valid_to) for x in posts]
    by_id = {key: x for (key, _, _), x in zip(items, posts, strict=True)}
    events = [
        (by_id[i], day, what)
        for i, day, what in _bounds(items, window)
        if what != "changed" and seen.org(by_id[i].target, _held(day, what))
    ]
    ids = {x.source for x, _, _ in events} | {x.target for x, _, _ in events}
    # Names alone (``node_names``): the people's versions as records, their attributes
    # decoded, only to be named took a third of the posts' time at ×10.
    names = store.node_names(sorted(ids - history.keys()))
    names.update((i, history[i]) for i in ids & history.keys())

    def name_of(node_id: str, day: date) -> str | None:
        found = names.get(node_id)
        if not found:
            return None
        for start, end, name in found:
            if start <= day and (end is None or day < end):
                return name
        return found[-1][2]

    filled: list[PostEvent] = []
    vacated: list[PostEvent] = []
    for link, day, what in events:
        held = _held(day, what)
        event = PostEvent(
            organization=link.target,
            name=name_of(link.target, held) or link.target,
            role=str(link.get("role")),
            person=Person(id=link.source, name=name_of(link.source, held)),
            date=day,
        )
        (filled if what == "began" else vacated).append(event)
    filled.sort(key=lambda e: (e.date, e.organization, e.role))
    vacated.sort(key=lambda e: (e.date, e.organization, e.role))
    return tuple(filled), tuple(vacated)


def _links(
    window: VersionWindow,
    by_kind: dict[LinkKind, list[Link]],
    seen: _Seen,
    counted: WindowCounts | None,
) -> tuple[tuple[LinkCount, ...], tuple[LinkEvent, ...], tuple[LinkEvent, ...]]:
    """Links made and ended by kind (moves and posts are reported on their own); those
    ``counted`` by the store already (the whole graph's) taken from there."""
    counts: list[LinkCount] = []
    made: list[LinkEvent] = []
    ended: list[LinkEvent] = []
    for kind in LinkKind:
        if kind in (LinkKind.SUBORDINATE_TO, LinkKind.HOLDS_POST):
            continue
        links = by_kind.get(kind, [])
        listed = kind in LISTED
        if counted is not None and kind in counted.links:
            found = counted.links[kind]
            counts.append(LinkCount(kind=kind, made=found.began, ended=found.ended))
            continue
        # Keyed by their ends: unique within a kind (its links' ids are made of them: no
        # role), cheaper than the id, and in the ids' order (a listed kind's events come
        # in (day, link id) order).
        items = [(x.source + ">" + x.target, x.valid_from, x.valid_to) for x in links]
        events = _bounds(items, window)
        by_id = {key: x for (key, _, _), x in zip(items, links, strict=True)}
        kept = Counter[str]()
        if listed:
            events.sort(key=lambda e: (e[1], e[0]))
        if seen.whole:  # a listed kind (the others are counted): every event, both ends
            before = len(made), len(ended)
            for link_id, day, what in events:
                if what != "changed":
                    x = by_id[link_id]
                    event = LinkEvent(kind=kind, source=x.source, target=x.target, date=day)
                    (made if what == "began" else ended).append(event)
            counts.append(
                LinkCount(kind=kind, made=len(made) - before[0], ended=len(ended) - before[1])
            )
            continue
        for link_id, day, what in events:
            if what == "changed":
                continue  # the same link, other attributes: neither made nor ended
            link, held = by_id[link_id], _held(day, what)
            ends = (link.source, link.target)
            if _ORG_END[kind] and not any(seen.org(ends[i], held) for i in _ORG_END[kind]):
                continue  # not about an organization the scope saw then
            if kind not in LISTED and _ORG_END[kind]:
                kept[what] += 1  # counted, not listed: its organization end decides
                continue
            shown = [
                end if seen.node(end, end_kind, held) else None
                for end, end_kind in zip(ends, LINK_ENDS[kind], strict=True)
            ]
            if shown == [None, None]:
                continue
            kept[what] += 1
            if kind in LISTED:
                event = LinkEvent(kind=kind, source=shown[0], target=shown[1], date=day)
                (made if what == "began" else ended).append(event)
        counts.append(LinkCount(kind=kind, made=kept["began"], ended=kept["ended"]))
    return tuple(counts), tuple(made), tuple(ended)


def _fact_counts(window: VersionWindow, seen: _Seen) -> tuple[FactCount, ...]:
    """Facts counted by name and year, of nodes the scope saw in that year."""
    if seen.whole:
        counts = Counter((name, year) for _, year, name in window.facts)
    else:
        counts = Counter()
        known = seen.stretches.keys() | seen.joined.keys()  # whom the scope ever saw
        for node_id, year, name in window.facts:
            if node_id not in known:
                continue
            day = min(window.until, max(date(year, 12, 31), window.since + _DAY))
            if seen.org(node_id, day) or seen.member(node_id, day):
                counts[(name, year)] += 1
    return tuple(
        FactCount(fact=name, year=year, count=n) for (name, year), n in sorted(counts.items())
    )
