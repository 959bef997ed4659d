"""Change over time, two dates compared (``orggraph changes --net``, 净变化).

The graph at ``since`` against the graph at ``until``: organizations founded, dissolved or
moved (from their history: those seen at either date), posts filled and vacated, and links
made and ended by kind (the links valid at the two dates, diffed by link id). A link made
and ended between the two dates is not seen here, as a report on the two dates would not
see it either; ``orggraph.analysis.changes`` reads every change from the history.

Membership links (``member_of``) are counted, not listed: they are the bulk of the graph.
Ids outside the scope (the far end of a link, an old or new parent) are given as ``None``.
A listed link's ends are judged on the day the link held (a made link's first day, an
ended link's last): a person outside the scope that day is ``None``, and an event with
neither end in the scope then is neither listed nor counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from datetime import date, timedelta

from orggraph.analysis.chainindex import Person
from orggraph.analysis.change_report import (
    ChangeReport,
    LinkCount,
    LinkEvent,
    OrgEvent,
    OrgMove,
    PostEvent,
)
from orggraph.model import Link, LinkKind, NodeKind
from orggraph.store.base import GraphStore, NameSpan
from orggraph.store.scope import Scope, ScopeView

__all__ = ["LISTED", "net_changes", "org_events", "runs"]

#: Link kinds listed one by one (the others are counted, or reported as moves and posts).
LISTED = (
    LinkKind.COVERS,
    LinkKind.LEADS,
    LinkKind.CONTACTS,
    LinkKind.SERVES,
    LinkKind.PAIRED_WITH,
    LinkKind.ESTABLISHED_IN,
    LinkKind.INSTRUCTS,
)


def net_changes(store: GraphStore, since: date, until: date, scope: Scope) -> ChangeReport:
    """The graph at ``since`` compared with the graph at ``until`` (``changes --net``).

    Parameters
    ----------
    store : GraphStore
    since, until : date
        The two dates; ``until`` is not before ``since`` (``changes_between`` checks).
    scope : Scope
        An organization counts when the scope sees it at either date.

    Returns
    -------
    ChangeReport
        With ``net`` set, and no ``nodes`` or ``facts`` counts.
    """
    before, after = scope.view(store, since), scope.view(store, until)
    whole = before.organizations is None
    if whole:
        org_ids = {n.id for d in (since, until) for n in store.nodes(NodeKind.ORGANIZATION, d)}
    else:
        org_ids = set(before.organizations or ()) | set(after.organizations or ())
    orgs = sorted(org_ids)

    def seen(org_id: str | None) -> bool:
        return org_id is not None and (whole or org_id in org_ids)

    history = store.node_names(orgs)
    founded, dissolved, moved = org_events(
        store, orgs, history, since, until, lambda org_id, _day: seen(org_id)
    )
    reader = _Reader(store, since, until, None if whole else orgs)
    posts_filled, posts_vacated = _posts(store, reader, history, since, until)
    members: set[str] = set() if whole else reader.members()
    views: dict[date, ScopeView] = {since: before, until: after}

    def shown(node_id: str, day: date) -> str | None:
        """``node_id`` if the scope saw it on ``day`` (the event's), else ``None``."""
        if whole:
            return node_id
        view = views.get(day)
        if view is None:
            view = views[day] = scope.view(store, day)
        return node_id if view.lookup(node_id) is not None else None

    counts: list[LinkCount] = []
    made: list[LinkEvent] = []
    ended: list[LinkEvent] = []
    for kind in LinkKind:
        if kind in (LinkKind.SUBORDINATE_TO, LinkKind.HOLDS_POST):
            continue
        old, new = reader.at(kind, members)
        made_ids = sorted(set(new) - set(old))
        ended_ids = sorted(set(old) - set(new))
        if kind not in LISTED or not (made_ids or ended_ids):
            counts.append(LinkCount(kind=kind, made=len(made_ids), ended=len(ended_ids)))
            continue
        runs = store.link_versions([*made_ids, *ended_ids])
        changed = [*(new[i] for i in made_ids), *(old[i] for i in ended_ids)]
        kept = {True: 0, False: 0}
        for link in changed:
            is_new = link.id in new
            start, end = _run_of(runs.get(link.id, [link]), until if is_new else since)
            day = start if is_new else (end or until)
            # Seen on the day it held: made, its first day; ended, its last day.
            held = day if is_new else day - timedelta(days=1)
            source, target = shown(link.source, held), shown(link.target, held)
            if source is None and target is None:
                continue  # nobody the scope saw then: not the actor's to see
            kept[is_new] += 1
            event = LinkEvent(kind=kind, source=source, target=target, date=day)
            (made if is_new else ended).append(event)
        counts.append(LinkCount(kind=kind, made=kept[True], ended=kept[False]))
    return ChangeReport(
        since=since,
        until=until,
        founded=tuple(founded),
        dissolved=tuple(dissolved),
        moved=tuple(moved),
        posts_filled=posts_filled,
        posts_vacated=posts_vacated,
        links=tuple(counts),
        links_made=tuple(made),
        links_ended=tuple(ended),
        net=True,
    )


def org_events(
    store: GraphStore,
    orgs: list[str],
    history: dict[str, list[NameSpan]],
    since: date,
    until: date,
    seen: Callable[[str | None, date], bool],
) -> tuple[list[OrgEvent], list[OrgEvent], list[OrgMove]]:
    """Foundings, dissolutions and moves in ``(since, until]``, from the history of the
    organizations (``node_names``: the name of each version with its dates);
    ``seen(org, day)`` says whether the scope saw an organization on a day
    (an event is kept when its organization was seen on the day it held, a parent shown
    when it was seen then)."""
    parents: dict[str, list[Link]] = defaultdict(list)
    for link in store.outgoing_versions(LinkKind.SUBORDINATE_TO, orgs):
        parents[link.source].append(link)
    founded: list[OrgEvent] = []
    dissolved: list[OrgEvent] = []
    moved: list[OrgMove] = []
    for org_id in orgs:
        versions = history.get(org_id, [])
        ups = parents.get(org_id, [])
        name = versions[-1][2] if versions else org_id
        for start, end in runs(versions):
            if since < start <= until and seen(org_id, start):
                parent = _up(ups, start)
                founded.append(
                    OrgEvent(
                        organization=org_id,
                        name=name,
                        date=start,
                        parent=parent if seen(parent, start) else None,
                    )
                )
            last = None if end is None else end - timedelta(days=1)
            if end is not None and last is not None and since < end <= until and seen(org_id, last):
                parent = _up(ups, last)
                dissolved.append(
                    OrgEvent(
                        organization=org_id,
                        name=name,
                        date=end,
                        parent=parent if seen(parent, last) else None,
                    )
                )
        days = {d for v in ups for d in (v.valid_from, v.valid_to) if d is not None}
        for day in sorted(d for d in days if since < d <= until):
            before = day - timedelta(days=1)
            old, new = _up(ups, before), _up(ups, day)
            if old is None or new is None or old == new:
                continue
            if seen(org_id, before) or seen(org_id, day):
                moved.append(
                    OrgMove(
                        organization=org_id,
                        name=name,
                        date=day,
                        old_parent=old if seen(old, before) else None,
                        new_parent=new if seen(new, day) else None,
                    )
                )
    return founded, dissolved, moved


class _Reader:
    """Links of one kind at the two dates, limited to the scope (``orgs``; None: all)."""

    def __init__(self, store: GraphStore, since: date, until: date, orgs: list[str] | None):
        self.store = store
        self.dates = (since, until)
        self.orgs = orgs
        self._members: set[str] | None = None

    def at(
        self, kind: LinkKind, members: Collection[str]
    ) -> tuple[dict[str, Link], dict[str, Link]]:
        out: list[dict[str, Link]] = []
        for day in self.dates:
            found: dict[str, Link] = {}
            if self.orgs is None:
                links = self.store.links(kind, day)
            elif kind in (LinkKind.LEADS, LinkKind.SERVES, LinkKind.INSTRUCTS):
                links = self.store.links(kind, day, sources=sorted(members))
            elif kind is LinkKind.ESTABLISHED_IN:
                links = self.store.links(kind, day, sources=self.orgs)
            elif kind is LinkKind.PAIRED_WITH:
                links = [
                    *self.store.links(kind, day, sources=self.orgs),
                    *self.store.links(kind, day, targets=self.orgs),
                ]
            else:
                links = self.store.links(kind, day, targets=self.orgs)
            for link in links:
                found[link.id] = link
            out.append(found)
        return out[0], out[1]

    def members(self) -> set[str]:
        """Members seen at either date (through a membership or a post in the scope)."""
        if self._members is None:
            found: set[str] = set()
            for kind in (LinkKind.MEMBER_OF, LinkKind.HOLDS_POST):
                old, new = self.at(kind, ())
                found |= {x.source for x in (*old.values(), *new.values())}
            self._members = found
        return self._members


def _posts(
    store: GraphStore,
    reader: _Reader,
    history: dict[str, list[NameSpan]],
    since: date,
    until: date,
) -> tuple[tuple[PostEvent, ...], tuple[PostEvent, ...]]:
    old, new = reader.at(LinkKind.HOLDS_POST, ())
    filled_ids = sorted(set(new) - set(old))
    vacated_ids = sorted(set(old) - set(new))
    versions = store.link_versions([*filled_ids, *vacated_ids])
    people = {
        n.id: n.name
        for day, table in ((since, old), (until, new))
        for n in store.nodes(NodeKind.MEMBER, day, ids=sorted({x.source for x in table.values()}))
    }

    def event(link: Link, day: date) -> PostEvent:
        org_versions = history.get(link.target)
        return PostEvent(
            organization=link.target,
            name=org_versions[-1][2] if org_versions else link.target,
            role=str(link.get("role")),
            person=Person(id=link.source, name=people.get(link.source)),
            date=day,
        )

    filled = [event(new[i], _run_of(versions.get(i, [new[i]]), until)[0]) for i in filled_ids]
    vacated = [
        event(old[i], _run_of(versions.get(i, [old[i]]), since)[1] or until) for i in vacated_ids
    ]
    filled.sort(key=lambda e: (e.date, e.organization, e.role))
    vacated.sort(key=lambda e: (e.date, e.organization, e.role))
    return tuple(filled), tuple(vacated)


def runs(versions: Sequence[NameSpan]) -> list[tuple[date, date | None]]:
    """Runs of back-to-back versions (``(valid_from, valid_to, name)``): a renamed
    organization is the same organization."""
    runs: list[tuple[date, date | None]] = []
    for start, end, _ in sorted(versions, key=lambda v: v[0]):
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _run_of(versions: Sequence[Link], day: date) -> tuple[date, date | None]:
    """The run of back-to-back versions of one link that holds ``day``."""
    runs: list[tuple[date, date | None]] = []
    for version in sorted(versions, key=lambda v: v.valid_from):
        if runs and runs[-1][1] == version.valid_from:
            runs[-1] = (runs[-1][0], version.valid_to)
        else:
            runs.append((version.valid_from, version.valid_to))
    for start, end in runs:
        if start <= day and (end is None or day < end):
            return start, end
    return runs[-1] if runs else (day, None)


def _up(links: Sequence[Link], day: date) -> str | None:
    """The parent at ``day`` (``None`` for a root)."""
    for link in links:
        if link.valid_at(day):
            return link.target
    return None
