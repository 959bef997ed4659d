"""Responsibility chains (书记抓、抓书记): who answers for a node at each level up to the city.

A chain starts from the organizations a node belongs to — an organization itself, the
branches a member belongs to or holds posts in, the organizations established in a unit
(or its area committee), the organizations of the leaders serving an expert — and climbs
the hierarchy to the city committee. At each level it names the secretary at the date (or
the vacancy and since when), the working group covering it (a working group ``covers`` an
area and with it the area's whole subtree; the nearest covering area wins) with its leader,
the contact leaders (联点领导) and the strong partners paired with it (结对共建). Every break
is a ``ChainBreak``.

Levels above the caller's scope show the position (organization and post) but not the
person: such a level's people are ``Person(id=None, name=None, hidden=True)``.
``ChainIndex`` holds the maps many chains share at one date, read in a few batched calls;
``coverage_gaps`` and ``what_if`` use it too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from orggraph.errors import NotFound
from orggraph.model import CaseState, Level, Link, LinkKind, Node, NodeKind, Role
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope, ScopeView

__all__ = [
    "BREAK_LABELS_ZH",
    "BreakKind",
    "CaseRef",
    "Chain",
    "ChainBreak",
    "ChainIndex",
    "ChainLevel",
    "ChainPath",
    "GroupCover",
    "GroupLed",
    "NodeRef",
    "OrgRef",
    "Owner",
    "Person",
    "Post",
    "Responsibilities",
    "not_found",
    "responsibilities",
    "responsibility_chain",
]

#: Organization levels a working group covers as areas (县区委、乡镇街道党(工)委).
AREA_LEVELS = frozenset({Level.COUNTY.value, Level.TOWNSHIP.value})


class BreakKind(StrEnum):
    """Where a responsibility chain is broken."""

    VACANT_SECRETARY = "vacant_secretary"  # 书记空缺
    NO_CONTACT_LEADER = "no_contact_leader"  # 无联点领导 (grassroots organizations)
    NO_WORKING_GROUP = "no_working_group"  # 无全域党建工作组包联
    NO_ORGANIZATION = "no_organization"  # a unit or member with no organization
    NO_SERVING_LEADER = "no_serving_leader"  # an expert no leader serves
    DETACHED = "detached"  # the hierarchy stops short of the city committee


BREAK_LABELS_ZH: dict[BreakKind, str] = {
    BreakKind.VACANT_SECRETARY: "书记空缺",
    BreakKind.NO_CONTACT_LEADER: "无联点领导",
    BreakKind.NO_WORKING_GROUP: "无工作组包联",
    BreakKind.NO_ORGANIZATION: "未建党组织",
    BreakKind.NO_SERVING_LEADER: "无领导联系服务",
    BreakKind.DETACHED: "未接续到市委",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Person:
    """A person in a result; ``hidden`` (id and name ``None``) outside the caller's scope."""

    id: str | None
    name: str | None
    hidden: bool = False


HIDDEN = Person(id=None, name=None, hidden=True)


@dataclass(frozen=True, kw_only=True, slots=True)
class OrgRef:
    """An organization in a result; ``hidden`` (id and name ``None``) outside the scope."""

    id: str | None
    name: str | None
    hidden: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class NodeRef:
    """Any other node in a result (a working group, an expert, a unit)."""

    id: str
    name: str


@dataclass(frozen=True, kw_only=True, slots=True)
class GroupCover:
    """A working group covering a level, through the nearest covered area ``area``."""

    id: str
    name: str
    area: str
    leaders: tuple[Person, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class ChainBreak:
    """One break: ``organization`` is where it is (``subject`` the unit/member/expert)."""

    kind: BreakKind
    organization: str | None
    since: date | None = None
    subject: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ChainLevel:
    """One level of a chain: an organization and who answers for it at the date."""

    organization: str
    name: str
    level: str | None
    hidden: bool  # above the caller's scope: position shown, people hidden
    secretary: Person | None  # None: vacant
    vacant_since: date | None
    working_groups: tuple[GroupCover, ...]
    contacts: tuple[Person, ...]
    partners: tuple[OrgRef, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class ChainPath:
    """The levels from one starting organization up to a root, nearest first."""

    start: str
    via: str  # organization | member_of | holds_post | established_in | area | serves | covers
    levels: tuple[ChainLevel, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Chain:
    """The responsibility chain of one node at a date."""

    subject: str
    kind: NodeKind
    name: str
    as_of: date
    paths: tuple[ChainPath, ...]
    instructors: tuple[Person, ...] = ()  # a unit's party-building instructors
    leaders: tuple[Person, ...] = ()  # an expert's serving leaders, a group's leaders
    breaks: tuple[ChainBreak, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Owner:
    """One secretary up the hierarchy who answers for closing a gap."""

    organization: str
    name: str
    secretary: Person | None  # None: the post is vacant
    hidden: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class Post:
    """A post a person holds; ``subtree_size`` counts the organizations they answer for."""

    organization: str
    name: str
    role: str
    since: date
    subtree_size: int


@dataclass(frozen=True, kw_only=True, slots=True)
class GroupLed:
    """A working group a person leads, with the areas (in scope) it covers."""

    id: str
    name: str
    areas: tuple[OrgRef, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class CaseRef:
    """An open remediation case (整顿转化) a person is responsible for."""

    id: str
    organization: str
    state: str
    reasons: tuple[str, ...]
    partner: str | None
    deadline: date | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Responsibilities:
    """Everything a person answers for at a date (责任清单)."""

    person: str
    name: str
    as_of: date
    secretary_of: tuple[Post, ...]
    other_posts: tuple[Post, ...]
    contacts: tuple[OrgRef, ...]
    working_groups: tuple[GroupLed, ...]
    experts: tuple[NodeRef, ...]
    units: tuple[NodeRef, ...]  # units instructed (党建指导)
    cases: tuple[CaseRef, ...]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class ChainIndex:
    """The maps many chains share at one date, filled by a few batched store reads.

    ``load(ids)`` reads the given organizations and all their ancestors: parents, nodes,
    secretaries, contact leaders, partners, covering working groups and their leaders, and
    the people among them, in one call per kind of read and level of the hierarchy.
    """

    def __init__(self, store: GraphStore, as_of: date, view: ScopeView) -> None:
        self.store = store
        self.as_of = as_of
        self.view = view
        self.orgs: dict[str, Node] = {}
        self.parent: dict[str, str | None] = {}
        self.secretaries: dict[str, list[str]] = {}
        self.contacts: dict[str, list[str]] = {}
        self.partners: dict[str, list[str]] = {}
        self.covers: dict[str, list[Link]] = {}
        self.groups: dict[str, Node] = {}
        self.group_leaders: dict[str, list[str]] = {}
        self.people: dict[str, Node] = {}
        self.visible: set[str] = set()
        self._since: dict[str, date | None] = {}
        self._breaks: dict[str, list[ChainBreak]] = {}

    # -- loading -----------------------------------------------------------------
    def load(self, org_ids: Iterable[str]) -> None:
        """Read ``org_ids`` and their ancestors (those not read yet)."""
        store, when = self.store, self.as_of
        frontier = {o for o in org_ids if o not in self.parent}
        new: set[str] = set()
        while frontier:
            new |= frontier
            for org_id in frontier:
                self.parent[org_id] = None
            for link in store.links(LinkKind.SUBORDINATE_TO, when, sources=sorted(frontier)):
                self.parent[link.source] = link.target
            ups = {self.parent[o] for o in frontier}
            frontier = {p for p in ups if p is not None and p not in self.parent}
        if not new:
            return
        ids = sorted(new)
        for node in store.nodes(NodeKind.ORGANIZATION, when, ids=ids):
            self.orgs[node.id] = node
        for org_id in ids:
            self.secretaries[org_id] = []
            self.contacts[org_id] = []
            self.partners[org_id] = []
            self.covers[org_id] = []
        for link in store.links(LinkKind.HOLDS_POST, when, targets=ids):
            if link.get("role") == Role.SECRETARY:
                self.secretaries[link.target].append(link.source)
        for link in store.links(LinkKind.CONTACTS, when, targets=ids):
            self.contacts[link.target].append(link.source)
        for link in store.links(LinkKind.PAIRED_WITH, when, targets=ids):
            self.partners[link.target].append(link.source)
        for link in store.links(LinkKind.COVERS, when, targets=ids):
            self.covers[link.target].append(link)
        for org_id in ids:
            for table in (self.secretaries, self.contacts, self.partners):
                table[org_id].sort()
        partners = sorted({p for o in ids for p in self.partners[o]} - set(self.orgs))
        if partners:  # names only: a partner's own chain is not read
            for node in store.nodes(NodeKind.ORGANIZATION, when, ids=partners):
                self.orgs[node.id] = node
        group_ids = sorted({c.source for o in ids for c in self.covers[o]} - set(self.groups))
        people = {p for o in ids for p in (*self.secretaries[o], *self.contacts[o])}
        if group_ids:
            for node in store.nodes(NodeKind.WORKING_GROUP, when, ids=group_ids):
                self.groups[node.id] = node
            for group_id in group_ids:
                self.group_leaders[group_id] = []
            for link in store.links(LinkKind.LEADS, when, targets=group_ids):
                self.group_leaders[link.target].append(link.source)
                people.add(link.source)
        self.load_people(people)

    def load_people(self, ids: Iterable[str]) -> None:
        """Read members (names) and whether the caller's scope sees each of them."""
        wanted = sorted(set(ids) - set(self.people))
        if not wanted:
            return
        for node in self.store.nodes(NodeKind.MEMBER, self.as_of, ids=wanted):
            self.people[node.id] = node
        organizations = self.view.organizations
        if organizations is None:
            self.visible.update(wanted)
            return
        for kind in (LinkKind.MEMBER_OF, LinkKind.HOLDS_POST):
            for link in self.store.links(kind, self.as_of, sources=wanted):
                if link.target in organizations:
                    self.visible.add(link.source)

    # -- reading -----------------------------------------------------------------
    def path(self, org_id: str) -> list[str]:
        """``org_id`` and its ancestors, nearest first (loaded on demand)."""
        if org_id not in self.parent:
            self.load([org_id])
        out = [org_id]
        current = self.parent.get(org_id)
        while current is not None and current not in out:
            out.append(current)
            current = self.parent.get(current)
        return out

    def person(self, person_id: str, *, in_scope: bool = True) -> Person:
        """``person_id`` as the caller may see them."""
        node = self.people.get(person_id)
        if not in_scope or person_id not in self.visible or node is None:
            return HIDDEN
        return Person(id=person_id, name=node.name)

    def org_name(self, org_id: str) -> str:
        node = self.orgs.get(org_id)
        return node.name if node is not None else org_id

    def covering(self, path: list[str]) -> tuple[str | None, list[Link]]:
        """The nearest area on ``path`` covered for ``path[0]``'s sector, and its links."""
        start = self.orgs.get(path[0])
        sector = _text(start.get("sector")) if start is not None else None
        for org_id in path:
            links = [
                c
                for c in self.covers.get(org_id, [])
                if c.get("sector") is None or _text(c.get("sector")) == sector
            ]
            if links:
                return org_id, links
        return None, []

    def vacancy_since(self, org_ids: Iterable[str]) -> dict[str, date | None]:
        """Since when each vacant organization has had no secretary (one history read).

        The end of the last secretary's tenure, or the organization's founding (the start
        of its current run of versions) when it never had one.
        """
        org_ids = list(org_ids)
        wanted = sorted({o for o in org_ids if o not in self._since})
        if wanted:
            ends: dict[str, date] = {}
            posts: dict[str, list[Link]] = defaultdict(list)
            wanted_set = set(wanted)
            for link in self.store.links_touching(wanted):
                if (
                    link.kind is LinkKind.HOLDS_POST
                    and link.target in wanted_set
                    and link.get("role") == Role.SECRETARY
                ):
                    posts[link.id].append(link)
            for versions in posts.values():
                for end in _run_ends(versions):
                    if end <= self.as_of:
                        target = versions[0].target
                        ends[target] = max(end, ends.get(target, end))
            founded = {
                key: _run_start(versions, self.as_of)
                for key, versions in self.store.node_versions(wanted).items()
            }
            for org_id in wanted:
                starts = [d for d in (ends.get(org_id), founded.get(org_id)) if d is not None]
                self._since[org_id] = max(starts) if starts else None
        return {o: self._since[o] for o in org_ids}

    def level(self, org_id: str, path: list[str], since: date | None) -> ChainLevel:
        """One chain level; ``path`` is ``org_id`` and its ancestors."""
        in_scope = self.view.sees_org(org_id)
        node = self.orgs.get(org_id)
        secretaries = self.secretaries.get(org_id, [])
        area, links = self.covering(path)
        groups = tuple(
            GroupCover(
                id=c.source,
                name=self.groups[c.source].name if c.source in self.groups else c.source,
                area=area or "",
                leaders=tuple(
                    self.person(p, in_scope=in_scope) for p in self.group_leaders.get(c.source, [])
                ),
            )
            for c in sorted(links, key=lambda c: c.source)
        )
        partners = tuple(
            OrgRef(id=p, name=self.org_name(p))
            if self.view.sees_org(p) and p in self.orgs
            else OrgRef(id=None, name=None, hidden=True)
            for p in self.partners.get(org_id, [])
        )
        return ChainLevel(
            organization=org_id,
            name=self.org_name(org_id),
            level=_text(node.get("level")) if node is not None else None,
            hidden=not in_scope,
            secretary=self.person(secretaries[0], in_scope=in_scope) if secretaries else None,
            vacant_since=None if secretaries else since,
            working_groups=groups,
            contacts=tuple(
                self.person(p, in_scope=in_scope) for p in self.contacts.get(org_id, [])
            ),
            partners=partners,
        )

    def chain_path(self, start: str, via: str) -> ChainPath:
        path = self.path(start)
        vacant = self.vacancy_since(o for o in path if not self.secretaries.get(o))
        levels = tuple(self.level(o, path[i:], vacant.get(o)) for i, o in enumerate(path))
        return ChainPath(start=start, via=via, levels=levels)

    def breaks(self, start: str) -> list[ChainBreak]:
        """The breaks on the chain from ``start`` up to its root."""
        if start in self._breaks:
            return list(self._breaks[start])
        path = self.path(start)
        vacant = [o for o in path if not self.secretaries.get(o)]
        since = self.vacancy_since(vacant)
        out = [
            ChainBreak(kind=BreakKind.VACANT_SECRETARY, organization=o, since=since[o])
            for o in vacant
        ]
        for org_id in path:
            node = self.orgs.get(org_id)
            grassroots = node is not None and node.get("level") == Level.GRASSROOTS
            if grassroots and not self.contacts.get(org_id):
                out.append(ChainBreak(kind=BreakKind.NO_CONTACT_LEADER, organization=org_id))
        areas = [o for o in path if o in self.orgs and self.orgs[o].get("level") in AREA_LEVELS]
        if areas and self.covering(path)[0] is None:
            out.append(ChainBreak(kind=BreakKind.NO_WORKING_GROUP, organization=areas[-1]))
        top = self.orgs.get(path[-1])
        if top is None or top.get("level") != Level.CITY:
            out.append(ChainBreak(kind=BreakKind.DETACHED, organization=path[-1]))
        self._breaks[start] = out
        return list(out)

    def subject_breaks(self, node: Node) -> tuple[ChainBreak, ...]:
        """The breaks on every chain of ``node`` (any kind ``responsibility_chain`` takes)."""
        found = _starts(self.store, node, self.as_of)
        breaks = list(found.breaks)
        for start, _ in found.starts:
            if self.view.sees_org(start):
                breaks += self.breaks(start)
        return _dedupe(breaks)

    def owners(self, org_id: str) -> tuple[Owner, ...]:
        """The secretaries from ``org_id`` up to its root, as the caller may see them."""
        out = []
        for level_id in self.path(org_id):
            in_scope = self.view.sees_org(level_id)
            secretaries = self.secretaries.get(level_id, [])
            out.append(
                Owner(
                    organization=level_id,
                    name=self.org_name(level_id),
                    secretary=self.person(secretaries[0], in_scope=in_scope)
                    if secretaries
                    else None,
                    hidden=not in_scope,
                )
            )
        return tuple(out)


def _shown_org(view: ScopeView, org_id: str | None) -> str | None:
    return org_id if org_id is not None and view.sees_org(org_id) else None


def _run_ends(versions: list[Link]) -> list[date]:
    """Where runs of back-to-back versions of one link end (a re-version is no end)."""
    ordered = sorted(versions, key=lambda v: v.valid_from)
    starts = {v.valid_from for v in ordered}
    return [v.valid_to for v in ordered if v.valid_to is not None and v.valid_to not in starts]


def _run_start(versions: Sequence[Node | Link], as_of: date) -> date | None:
    """The start of the run of back-to-back versions that holds (or last held) ``as_of``."""
    ordered = [v for v in sorted(versions, key=lambda v: v.valid_from) if v.valid_from <= as_of]
    if not ordered:
        return None
    start = ordered[-1].valid_from
    for earlier in reversed(ordered[:-1]):
        if earlier.valid_to != start:
            break
        start = earlier.valid_from
    return start


def not_found(node_id: str, as_of: date) -> NotFound:
    """The error for an id unknown at ``as_of`` or outside the scope: one message for both,
    so the caller learns nothing about what lies outside their scope."""
    return NotFound(f"no node {node_id!r} at {as_of.isoformat()} (or not in your scope)")


def _dedupe(breaks: Iterable[ChainBreak]) -> tuple[ChainBreak, ...]:
    seen: dict[tuple[object, ...], ChainBreak] = {}
    for brk in breaks:
        seen.setdefault((brk.kind, brk.organization, brk.subject), brk)
    return tuple(seen.values())


def _find(store: GraphStore, node_id: str, as_of: date, view: ScopeView) -> Node:
    node = store.node(node_id, as_of)
    if node is None or not view.sees(node):
        raise not_found(node_id, as_of)
    return node


def responsibility_chain(store: GraphStore, node_id: str, as_of: date, scope: Scope) -> Chain:
    """The responsibility chain (书记抓、抓书记) of a node at ``as_of``.

    Parameters
    ----------
    store : GraphStore
    node_id : str
        An organization, member, unit, expert, working group or remediation case.
    as_of : date
    scope : Scope
        The caller's scope; levels above it show the post but hide the person.

    Returns
    -------
    Chain
        One ``ChainPath`` per starting organization, the unit's instructors or the expert's
        serving leaders, and every ``ChainBreak`` on the way.

    Raises
    ------
    NotFound
        For an unknown id and for one outside the scope alike (the same message).
    """
    view = scope.view(store, as_of)
    node = _find(store, node_id, as_of, view)
    found = _starts(store, node, as_of)
    # Only chains that start inside the scope: levels above it are positions, not data.
    kept: dict[str, str] = {}
    for start, via in found.starts:
        if view.sees_org(start):
            kept.setdefault(start, via)
    index = ChainIndex(store, as_of, view)
    index.load(kept)
    index.load_people([*found.instructors, *found.leaders])
    breaks = list(found.breaks)
    for start in kept:
        breaks += index.breaks(start)
    return Chain(
        subject=node.id,
        kind=node.kind,
        name=node.name,
        as_of=as_of,
        paths=tuple(index.chain_path(start, via) for start, via in kept.items()),
        instructors=tuple(index.person(p) for p in found.instructors),
        leaders=tuple(index.person(p) for p in found.leaders),
        breaks=_dedupe(breaks),
    )


@dataclass(kw_only=True, slots=True)
class _Starts:
    starts: list[tuple[str, str]]  # (organization, why)
    breaks: list[ChainBreak]
    instructors: list[str]
    leaders: list[str]


def _ends(store: GraphStore, kind: LinkKind, as_of: date, node_id: str, *, out: bool) -> list[str]:
    """The other ends of ``kind`` links leaving (``out``) or reaching ``node_id``, sorted."""
    if out:
        return sorted(x.target for x in store.links(kind, as_of, sources=[node_id]))
    return sorted(x.source for x in store.links(kind, as_of, targets=[node_id]))


def _starts(store: GraphStore, node: Node, as_of: date) -> _Starts:
    """Where the chains of ``node`` start, and the breaks found before climbing."""
    found = _Starts(starts=[], breaks=[], instructors=[], leaders=[])
    kind, here = node.kind, node.id
    if kind is NodeKind.ORGANIZATION:
        found.starts.append((here, "organization"))
    elif kind is NodeKind.CASE:
        organization = _text(node.get("organization"))
        if organization is not None:
            found.starts.append((organization, "organization"))
    elif kind is NodeKind.MEMBER:
        for link_kind in (LinkKind.MEMBER_OF, LinkKind.HOLDS_POST):
            found.starts += [
                (o, link_kind.value) for o in _ends(store, link_kind, as_of, here, out=True)
            ]
        if not found.starts:
            found.breaks.append(
                ChainBreak(kind=BreakKind.NO_ORGANIZATION, organization=None, subject=here)
            )
    elif kind is NodeKind.UNIT:
        hosts = _ends(store, LinkKind.ESTABLISHED_IN, as_of, here, out=False)
        found.starts += [(o, "established_in") for o in hosts]
        found.instructors = _ends(store, LinkKind.INSTRUCTS, as_of, here, out=False)
        if not hosts:
            area = _text(node.get("township")) or _text(node.get("district"))
            if area is not None and store.node(area, as_of) is None:
                area = None
            if area is not None:
                found.starts.append((area, "area"))
            found.breaks.append(
                ChainBreak(kind=BreakKind.NO_ORGANIZATION, organization=area, subject=here)
            )
    elif kind is NodeKind.EXPERT:
        found.leaders = _ends(store, LinkKind.SERVES, as_of, here, out=False)
        for link_kind in (LinkKind.HOLDS_POST, LinkKind.MEMBER_OF):
            links = store.links(link_kind, as_of, sources=found.leaders)
            found.starts += [(o, "serves") for o in sorted(x.target for x in links)]
        if not found.leaders:
            found.breaks.append(
                ChainBreak(kind=BreakKind.NO_SERVING_LEADER, organization=None, subject=here)
            )
    elif kind is NodeKind.WORKING_GROUP:
        found.leaders = _ends(store, LinkKind.LEADS, as_of, here, out=False)
        found.starts += [
            (o, "covers") for o in _ends(store, LinkKind.COVERS, as_of, here, out=True)
        ]
    return found


def responsibilities(
    store: GraphStore, person_id: str, as_of: date, scope: Scope
) -> Responsibilities:
    """Everything a person answers for at ``as_of`` (the reverse of the chain).

    Parameters
    ----------
    store : GraphStore
    person_id : str
        A member id.
    as_of : date
    scope : Scope

    Returns
    -------
    Responsibilities
        Organizations as secretary (with the size of the subtree they answer for), other
        posts, contact links, working groups led, experts served, units instructed and open
        remediation cases, each inside the scope.

    Raises
    ------
    NotFound
        For an unknown id, one that is not a member, or one outside the scope (same message).
    """
    view = scope.view(store, as_of)
    node = store.node(person_id, as_of)
    if node is None or node.kind is not NodeKind.MEMBER or not view.sees(node):
        raise not_found(person_id, as_of)
    posts = [
        link
        for link in store.links(LinkKind.HOLDS_POST, as_of, sources=[person_id])
        if view.sees_org(link.target)
    ]
    contacts = [
        link.target
        for link in store.links(LinkKind.CONTACTS, as_of, sources=[person_id])
        if view.sees_org(link.target)
    ]
    leads = sorted(link.target for link in store.links(LinkKind.LEADS, as_of, sources=[person_id]))
    served = sorted(
        link.target for link in store.links(LinkKind.SERVES, as_of, sources=[person_id])
    )
    units = sorted(
        link.target for link in store.links(LinkKind.INSTRUCTS, as_of, sources=[person_id])
    )
    covers: dict[str, list[str]] = defaultdict(list)
    for link in store.links(LinkKind.COVERS, as_of, sources=leads):
        if view.sees_org(link.target):
            covers[link.source].append(link.target)
    org_ids = sorted(
        {p.target for p in posts} | set(contacts) | {a for v in covers.values() for a in v}
    )
    names = {n.id: n.name for n in store.nodes(NodeKind.ORGANIZATION, as_of, ids=org_ids)}
    # A post's "since" is the start of its tenure, not of its latest version.
    history = store.link_versions([p.id for p in posts])
    made: list[Post] = []
    for post in posts:
        target = post.target
        size = sum(1 for o in store.subtree(target, as_of) if view.sees_org(o))
        made.append(
            Post(
                organization=target,
                name=names.get(target, target),
                role=str(post.get("role")),
                since=_run_start(history.get(post.id, [post]), as_of) or post.valid_from,
                subtree_size=size,
            )
        )
    made.sort(key=lambda p: (p.organization, p.role))
    groups = {n.id: n for n in store.nodes(NodeKind.WORKING_GROUP, as_of, ids=leads)}
    experts = {n.id: n for n in store.nodes(NodeKind.EXPERT, as_of, ids=served)}
    unit_nodes = [n for n in store.nodes(NodeKind.UNIT, as_of, ids=units) if view.sees(n)]
    cases = [
        c
        for c in store.nodes(NodeKind.CASE, as_of)
        if c.get("responsible") == person_id
        and c.get("state") != CaseState.CONVERTED
        and view.sees_org(str(c.get("organization")))
    ]
    return Responsibilities(
        person=person_id,
        name=node.name,
        as_of=as_of,
        secretary_of=tuple(p for p in made if p.role == Role.SECRETARY),
        other_posts=tuple(p for p in made if p.role != Role.SECRETARY),
        contacts=tuple(OrgRef(id=o, name=names.get(o, o)) for o in sorted(contacts)),
        working_groups=tuple(
            GroupLed(
                id=g,
                name=groups[g].name,
                areas=tuple(OrgRef(id=a, name=names.get(a, a)) for a in sorted(covers[g])),
            )
            for g in leads
            if g in groups and (view.organizations is None or covers[g])
        ),
        experts=tuple(NodeRef(id=e, name=experts[e].name) for e in served if e in experts),
        units=tuple(NodeRef(id=u.id, name=u.name) for u in sorted(unit_nodes, key=lambda u: u.id)),
        cases=tuple(
            CaseRef(
                id=c.id,
                organization=str(c.get("organization")),
                state=str(c.get("state")),
                reasons=tuple(str(r) for r in c.get("reasons") or ()),
                partner=_shown_org(view, _text(c.get("partner"))),
                deadline=c.get("deadline"),
            )
            for c in sorted(cases, key=lambda c: c.id)
        ),
    )
