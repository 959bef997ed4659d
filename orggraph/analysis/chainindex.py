"""The machinery of responsibility chains: result types, and ``ChainIndex``.

``ChainIndex`` holds the maps many chains share at one date — parents, secretaries,
contact leaders, partners, covering working groups and their leaders, the people among them
and whether the caller sees each — read with a few batched store reads (one per kind of
read and level of the hierarchy), so that ``responsibility_chain`` (one chain),
``coverage_gaps`` (thousands of owners) and ``what_if`` (chains before and after) share one
way of climbing the hierarchy.

Rules kept here, once:

- the secretary of an organization is whoever ``holds_post`` it with role ``secretary``;
  a vacancy dates from the end of the last secretary's tenure, or from the organization's
  founding when it never had one;
- a working group ``covers`` an area and with it the area's whole subtree; the nearest
  covered area on the way up wins; a covering link with a ``sector`` covers only
  organizations of that sector;
- a level above the caller's scope shows the position (organization and post), never the
  person: its people are ``Person(id=None, name=None, hidden=True)``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import cast

from orggraph.errors import NotFound
from orggraph.model import Level, Link, LinkKind, Node, NodeKind, Role
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope, ScopeView

__all__ = [
    "AREA_LEVELS",
    "BREAK_LABELS_ZH",
    "HIDDEN",
    "ROOT_LEVELS",
    "BreakKind",
    "ChainBreak",
    "ChainIndex",
    "ChainLevel",
    "ChainPath",
    "GroupCover",
    "NodeRef",
    "OrgRef",
    "Owner",
    "Person",
    "chain_starts",
    "chain_view",
    "dedupe_breaks",
    "not_found",
    "run_start",
]

#: Organization levels a working group covers as areas (县区委、乡镇街道党(工)委).
AREA_LEVELS = frozenset({Level.COUNTY.value, Level.TOWNSHIP.value})
#: Levels a hierarchy may end at (党中央、省委、市(州)委): a chain whose topmost organization
#: is at another level stops short, and is broken (``BreakKind.DETACHED``). A city's graph
#: ends at its city committee, a province's at the province committee.
ROOT_LEVELS = frozenset({Level.NATIONAL.value, Level.PROVINCE.value, Level.CITY.value})
#: The links a chain reads around each level: posts, contact leaders, partners, covering
#: working groups, and the groups' leaders.
_AROUND = (
    LinkKind.HOLDS_POST,
    LinkKind.CONTACTS,
    LinkKind.PAIRED_WITH,
    LinkKind.COVERS,
    LinkKind.LEADS,
)


class BreakKind(StrEnum):
    """Where a responsibility chain is broken."""

    VACANT_SECRETARY = "vacant_secretary"  # 书记空缺
    NO_CONTACT_LEADER = "no_contact_leader"  # 无联点领导 (grassroots organizations)
    NO_WORKING_GROUP = "no_working_group"  # 无全域党建工作组包联
    NO_ORGANIZATION = "no_organization"  # a unit or member with no organization
    NO_SERVING_LEADER = "no_serving_leader"  # an expert no leader serves
    DETACHED = "detached"  # the hierarchy stops short of a city (or higher) committee


BREAK_LABELS_ZH: dict[BreakKind, str] = {
    BreakKind.VACANT_SECRETARY: "书记空缺",
    BreakKind.NO_CONTACT_LEADER: "无联点领导",
    BreakKind.NO_WORKING_GROUP: "无工作组包联",
    BreakKind.NO_ORGANIZATION: "未建党组织",
    BreakKind.NO_SERVING_LEADER: "无领导联系服务",
    BreakKind.DETACHED: "未接续到市委或省委",
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
class Owner:
    """One secretary up the hierarchy who answers for closing a gap."""

    organization: str
    name: str
    secretary: Person | None  # None: the post is vacant
    hidden: bool


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
        self._owners: dict[str, tuple[Owner, ...]] = {}

    # -- loading -----------------------------------------------------------------
    def load(self, org_ids: Iterable[str]) -> None:
        """Read ``org_ids`` and their ancestors (those not read yet)."""
        frontier = sorted({o for o in org_ids if o not in self.parent})
        if not frontier:
            return
        # One store call (one query on Neo4j): the hierarchy above the frontier, the posts,
        # contacts, partners and covering groups reaching it, the groups' leaders, and the
        # nodes all those links come from.
        got = self.store.hierarchy(frontier, self.as_of, _AROUND)
        # Each organization and link is visited once, and the tables keep only the
        # organizations that have an entry (``.get`` reads them): at ×10 a pass over
        # 28,000 organizations, or an empty list made for each, misses the caches.
        parent, orgs, nodes = self.parent, self.orgs, got.nodes
        new: set[str] = set()
        for org_id, up in got.parents.items():
            if org_id not in parent:
                parent[org_id] = up
                new.add(org_id)
                node = nodes.get(org_id)
                if node is not None and node.kind is NodeKind.ORGANIZATION:
                    orgs[org_id] = node
        people: set[str] = set()
        several: list[list[str]] = []  # the lists to sort: those with more than one entry
        for table, kind in (
            (self.secretaries, LinkKind.HOLDS_POST),
            (self.contacts, LinkKind.CONTACTS),
            (self.partners, LinkKind.PAIRED_WITH),
        ):
            posts = kind is LinkKind.HOLDS_POST
            for link in got.links[kind]:
                if link.target in new and (not posts or link.get("role") == Role.SECRETARY):
                    found = table.get(link.target)
                    if found is None:
                        table[link.target] = [link.source]
                    else:
                        if len(found) == 1:
                            several.append(found)
                        found.append(link.source)
                    if kind is not LinkKind.PAIRED_WITH:
                        people.add(link.source)
                    elif link.source not in orgs:
                        # Names only for partners: a partner's own chain is not read.
                        node = nodes.get(link.source)
                        if node is not None and node.kind is NodeKind.ORGANIZATION:
                            orgs[link.source] = node
        for found in several:
            found.sort()
        group_ids: set[str] = set()
        for link in got.links[LinkKind.COVERS]:
            if link.target in new:
                self.covers.setdefault(link.target, []).append(link)
                if link.source not in self.groups:
                    group_ids.add(link.source)
        for group_id in sorted(group_ids):
            node = nodes.get(group_id)
            if node is not None and node.kind is NodeKind.WORKING_GROUP:
                self.groups[group_id] = node
            self.group_leaders[group_id] = []
        for link in got.links[LinkKind.LEADS]:
            if link.target in group_ids:
                self.group_leaders[link.target].append(link.source)
                people.add(link.source)
        self.load_people(people, read=nodes)

    def prime(self, org_ids: Iterable[str]) -> None:
        """``load`` the organizations, then date every vacancy among them and their
        ancestors in one history read (before asking for many chains' breaks)."""
        self.load(org_ids)
        self.vacancy_since(o for o in self.parent if not self.secretaries.get(o))

    def load_people(self, ids: Iterable[str], read: Mapping[str, Node] | None = None) -> None:
        """Read members (names) and whether the caller's scope sees each of them.

        ``read``: the nodes valid at the date of these ids, read already (an id missing
        from it has none).
        """
        people = self.people
        wanted = [i for i in set(ids) if i not in people]
        if not wanted:
            return
        organizations = self.view.organizations
        if read is None or organizations is not None:
            # Sorted for a store's reads only (a store may keep them by their ids): at ×10
            # sorting the 30,000 names the whole view's chains hold misses the caches.
            wanted.sort()
        if read is None:
            for node in self.store.nodes(NodeKind.MEMBER, self.as_of, ids=wanted):
                if node.kind is NodeKind.MEMBER:
                    people[node.id] = node
        else:
            for person in wanted:
                found = read.get(person)
                if found is not None and found.kind is NodeKind.MEMBER:
                    people[person] = found
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
            # The posts reaching them only: every link touching a branch (its members'
            # too) grew faster than the graph (members a branch: 1.5× at ×10).
            for link in self.store.incoming_versions(LinkKind.HOLDS_POST, wanted):
                if link.get("role") == Role.SECRETARY:
                    posts[link.id].append(link)
            for versions in posts.values():
                for end in _run_ends(versions):
                    if end <= self.as_of:
                        target = versions[0].target
                        ends[target] = max(end, ends.get(target, end))
            founded = {
                key: run_start(versions, self.as_of)
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
        if top is None or top.get("level") not in ROOT_LEVELS:
            out.append(ChainBreak(kind=BreakKind.DETACHED, organization=path[-1]))
        self._breaks[start] = out
        return list(out)

    def subject_breaks(self, node: Node) -> tuple[ChainBreak, ...]:
        """The breaks on every chain of ``node`` (any kind ``responsibility_chain`` takes)."""
        found = chain_starts(self.store, node, self.as_of)
        breaks = list(found.breaks)
        for start, _ in found.starts:
            if self.view.sees_org(start):
                breaks += self.breaks(start)
        return dedupe_breaks(breaks)

    def owners(self, org_id: str) -> tuple[Owner, ...]:
        """The secretaries from ``org_id`` up to its root, as the caller may see them."""
        known = self._owners.get(org_id)
        if known is not None:
            return known
        if org_id not in self.parent:
            self.load([org_id])
        # Up to the nearest organization whose owners are built (most often the parent:
        # a whole path a call cost a list and a lookup a level, 20,000 times at ×10),
        # then down again, building each one's on its parent's.
        trail: list[str] = []
        current: str | None = org_id
        while current is not None and current not in trail:
            known = self._owners.get(current)
            if known is not None:
                break
            trail.append(current)
            current = self.parent.get(current)
        tail: tuple[Owner, ...] = known or ()
        for level_id in reversed(trail):
            in_scope = self.view.sees_org(level_id)
            secretaries = self.secretaries.get(level_id)
            owner = Owner(
                organization=level_id,
                name=self.org_name(level_id),
                secretary=self.person(secretaries[0], in_scope=in_scope) if secretaries else None,
                hidden=not in_scope,
            )
            tail = self._owners[level_id] = (owner, *tail)
        return tail


def _run_ends(versions: list[Link]) -> list[date]:
    """Where runs of back-to-back versions of one link end (a re-version is no end)."""
    ordered = sorted(versions, key=lambda v: v.valid_from)
    starts = {v.valid_from for v in ordered}
    return [v.valid_to for v in ordered if v.valid_to is not None and v.valid_to not in starts]


def run_start(versions: Sequence[Node | Link], as_of: date) -> date | None:
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


def dedupe_breaks(breaks: Iterable[ChainBreak]) -> tuple[ChainBreak, ...]:
    seen: dict[tuple[object, ...], ChainBreak] = {}
    for brk in breaks:
        seen.setdefault((brk.kind, brk.organization, brk.subject), brk)
    return tuple(seen.values())


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


def chain_starts(store: GraphStore, node: Node, as_of: date) -> _Starts:
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
            places = _ends(store, LinkKind.LOCATED_IN, as_of, here, out=True)
            area = places[-1] if places else None
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


class _InScope:
    """Membership in a scope's organizations, answered one organization at a time.

    ``Scope.view`` lists every organization of the scope (a district's whole subtree); one
    chain needs a handful, so this answers ``org_id in …`` by climbing to a root of the
    scope, caching every organization passed on the way. Only membership tests work.
    """

    def __init__(self, store: GraphStore, as_of: date, scope: Scope) -> None:
        self.store = store
        self.as_of = as_of
        self.roots = scope.roots
        self.sectors = scope.sectors
        self._under: dict[str, bool] = {}
        self._seen: dict[str, bool] = {}

    def __contains__(self, org_id: object) -> bool:
        if not isinstance(org_id, str):
            return False
        hit = self._seen.get(org_id)
        if hit is None:
            node = self.store.node(org_id, self.as_of)
            hit = (
                node is not None
                and node.kind is NodeKind.ORGANIZATION
                and (not self.sectors or node.get("sector") in self.sectors)
                and self._below_a_root(org_id)
            )
            self._seen[org_id] = hit
        return hit

    def _below_a_root(self, org_id: str) -> bool:
        if not self.roots:
            return True
        trail: list[str] = []
        current: str | None = org_id
        found = False
        while current is not None and current not in trail:
            if current in self._under:
                found = self._under[current]
                break
            trail.append(current)
            if current in self.roots:
                found = True
                break
            current = self.store.parent(current, self.as_of)
        for passed in trail:
            self._under[passed] = found
        return found

    def __iter__(self) -> Iterator[str]:
        raise TypeError("a chain's scope answers membership only; use Scope.view to list it")

    def __len__(self) -> int:
        raise TypeError("a chain's scope answers membership only; use Scope.view to list it")


def chain_view(store: GraphStore, as_of: date, scope: Scope) -> ScopeView:
    """A ``ScopeView`` for a few chains: the same rules as ``scope.view``, without listing
    the scope's whole subtree first (membership is checked organization by organization).
    """
    if scope.unrestricted:
        return scope.view(store, as_of)
    lazy = cast("frozenset[str]", _InScope(store, as_of, scope))
    return ScopeView(store=store, as_of=as_of, organizations=lazy)
