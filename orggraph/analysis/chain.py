"""Responsibility chains (书记抓、抓书记): who answers for a node at each level up to the top.

A chain starts from the organizations a node belongs to — an organization itself, the
branches a member belongs to or holds posts in, the organizations established in a unit
(or its area committee), the organizations of the leaders serving an expert — and climbs
the hierarchy, any number of levels (党支部 → 党总支 → 党委 → 乡镇 → 县 → 市 → 省), to its
top: the city committee, or the province's in a province's graph. At each level it names
the secretary at the date (or the vacancy and since when), the working group covering it
(a working group ``covers`` an area and with it the area's whole subtree; the nearest
covering area wins) with its leader, the contact leaders (联点领导) and the strong partners
paired with it (结对共建). Every break is a ``ChainBreak``. ``responsibilities`` is the
reverse: everything one person answers for.

Levels above the caller's scope show the position (organization and post) but not the
person: such a level's people are ``Person(id=None, name=None, hidden=True)``. The
machinery (``ChainIndex``) and the shared result types live in ``chainindex``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from orggraph.analysis.chainindex import (
    BREAK_LABELS_ZH,
    BreakKind,
    ChainBreak,
    ChainIndex,
    ChainLevel,
    ChainPath,
    GroupCover,
    NodeRef,
    OrgRef,
    Owner,
    Person,
    chain_starts,
    chain_view,
    dedupe_breaks,
    not_found,
    run_start,
)
from orggraph.model import CaseState, LinkKind, Node, NodeKind, Role
from orggraph.store.base import GraphStore
from orggraph.store.masking import CASE_REF_RESULT, declare
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


def _text(value: object) -> str | None:
    return None if value is None else str(value)


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


declare(CaseRef, CASE_REF_RESULT)  # an open case's fields, classified as the case node's


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


def _shown_org(view: ScopeView, org_id: str | None) -> str | None:
    return org_id if org_id is not None and view.sees_org(org_id) else None


def _scoped_size(store: GraphStore, scope: Scope, as_of: date, subtree: list[str]) -> int:
    """How many of an in-scope organization's subtree the scope sees (one read at most):
    all of it below a scope root, or those of the scope's sectors."""
    if not scope.sectors:
        return len(subtree)
    nodes = store.nodes(NodeKind.ORGANIZATION, as_of, ids=subtree)
    return sum(1 for n in nodes if n.get("sector") in scope.sectors)


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
    view = chain_view(store, as_of, scope)
    node = _find(store, node_id, as_of, view)
    found = chain_starts(store, node, as_of)
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
        breaks=dedupe_breaks(breaks),
    )


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
    view = chain_view(store, as_of, scope)
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
        size = _scoped_size(store, scope, as_of, store.subtree(target, as_of))
        made.append(
            Post(
                organization=target,
                name=names.get(target, target),
                role=str(post.get("role")),
                since=run_start(history.get(post.id, [post]), as_of) or post.valid_from,
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
