"""Root reads over the graph: nodes by id, long lists as connections, search, subgraph.

Every field takes ``asOf`` (default today, or the data's date when today is past it:
``dataDate``, ``orggraph.analysis.dating``) and reads through the request's loaders, so
the actor's scope applies and a page's relations are loaded once for the page.
"""

# strawberry's field decorators are typed as returning Any when given keyword arguments.
# mypy: disallow-untyped-decorators=False

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from operator import attrgetter
from typing import Any

import strawberry

from orggraph.api.context import Context, Info
from orggraph.api.types.connection import Connection, paginate
from orggraph.api.types.graph import MAX_SUBGRAPH_NODES, Subgraph, build_subgraph
from orggraph.api.types.nodes import (
    Expert,
    Member,
    NodeInterface,
    Organization,
    Unit,
    WorkingGroup,
)
from orggraph.errors import PermissionDenied
from orggraph.model import (
    Level,
    LinkKind,
    MemberStatus,
    Node,
    NodeKind,
    OrgKind,
    Sector,
    UnitKind,
)
from orggraph.store.masking import CLEARANCE, Clearance, name_allowed, node_attr_allowed
from orggraph.store.scope import Scope

__all__ = ["GraphQuery"]

AS_OF = "截至日期 The date to ask at (default: today, or the data's date when today is past it)"


@strawberry.input(description="党组织筛选 Filters for organizations (all must hold)")
class OrganizationFilter:
    kind: OrgKind | None = strawberry.UNSET
    level: Level | None = strawberry.UNSET
    sector: Sector | None = strawberry.UNSET
    territory: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Only this organization's subtree (an id)"
    )
    text: str | None = strawberry.field(
        default=strawberry.UNSET, description="Name contains, or id/code starts with"
    )
    top: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="True: only organizations with no parent at the date (the top of the "
        "hierarchy: a province's or a city's committee); false: only those with one",
    )


@strawberry.input(description="党员筛选 Filters for members (all must hold)")
class MemberFilter:
    organization: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Members of this organization only"
    )
    territory: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Members of any organization in this subtree"
    )
    status: MemberStatus | None = strawberry.UNSET
    is_leader: bool | None = strawberry.UNSET
    text: str | None = strawberry.field(
        default=strawberry.UNSET, description="Name contains, or id starts with"
    )


@strawberry.input(description='"两新"组织筛选 Filters for two-new units')
class UnitFilter:
    unit_kind: UnitKind | None = strawberry.UNSET
    territory: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Units in this organization's area"
    )
    text: str | None = strawberry.UNSET


def _matches(node: Node, text: str | None, clearance: Clearance = CLEARANCE["admin"]) -> bool:
    """Name contains ``text``, or id/code starts with it; a name the caller may not read
    is not searched (a match would reveal it)."""
    if not text:
        return True
    needle = text.strip().lower()
    code = str(node.attrs.get("code") or "")
    by_name = name_allowed(node.kind, clearance) and needle in node.name.lower()
    return by_name or node.id.lower().startswith(needle) or code.startswith(needle)


def _may_filter(ctx: Context, kind: NodeKind, attr: str) -> None:
    """Filtering on an attribute the caller may not read would reveal it: refused."""
    if not node_attr_allowed(kind, attr, ctx.actor.clearance):
        raise PermissionDenied(f"your role may not read {kind.value}.{attr}, nor filter on it")


_BY_ID = attrgetter("id")


def _given(value: Any) -> bool:
    return value is not None and value is not strawberry.UNSET


def _page(
    ctx: Context,
    nodes: Sequence[Node],
    as_of: date,
    args: dict[str, Any],
) -> Connection[Any]:
    ordered = sorted(nodes, key=_BY_ID)
    make: Callable[[list[Node]], list[Any]] = lambda page: ctx.loaders.objects(page, as_of)  # noqa: E731
    return paginate(ordered, key=_BY_ID, make=make, **args)


def _one(ctx: Context, node_id: str, as_of: date | None) -> NodeInterface | None:
    when = ctx.as_of(as_of)
    node = ctx.loaders.node(node_id, when)
    if node is None:
        return None
    found: NodeInterface = ctx.loaders.objects([node], when)[0]
    return found


def _paging(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> dict[str, Any]:
    return {"first": first, "after": after, "last": last, "before": before}


@strawberry.type
class GraphQuery:
    """The graph's root reads (merged into ``Query`` with the analyses)."""

    @strawberry.field(
        description="数据截至 The latest date the data reaches (null: no data yet); a field "
        "that leaves asOf out is asked at it when today is past it, and the response's "
        "extensions say so (dataDate, warnings)"
    )
    def data_date(self, info: Info) -> date | None:
        return info.context.dating.data_date

    @strawberry.field(description="节点 Any node by id (null: absent then, or not visible)")
    def node(
        self, info: Info, id: strawberry.ID, as_of: date | None = None
    ) -> NodeInterface | None:
        return _one(info.context, str(id), as_of)

    @strawberry.field(description="多个节点 Nodes by id, in order (null where not found)")
    def nodes(
        self, info: Info, ids: list[strawberry.ID], as_of: date | None = None
    ) -> list[NodeInterface | None]:
        ctx = info.context
        when = ctx.as_of(as_of)
        found: dict[str, Node] = {}
        wanted = [str(i) for i in ids]
        for kind in NodeKind:
            for node in ctx.loaders.visible(ctx.store.nodes(kind, when, ids=wanted), when):
                found[node.id] = node
        group = ctx.loaders.group(found.values(), when)
        return [group.obj(i) if i in found else None for i in wanted]

    @strawberry.field(description="党组织 One organization by id")
    def organization(
        self, info: Info, id: strawberry.ID, as_of: date | None = None
    ) -> Organization | None:
        node = _one(info.context, str(id), as_of)
        return node if isinstance(node, Organization) else None

    @strawberry.field(description="党员 One member by id")
    def member(self, info: Info, id: strawberry.ID, as_of: date | None = None) -> Member | None:
        node = _one(info.context, str(id), as_of)
        return node if isinstance(node, Member) else None

    @strawberry.field(description="党组织列表 Organizations, by id, one page at a time")
    def organizations(
        self,
        info: Info,
        filter: OrganizationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        as_of: date | None = None,
    ) -> Connection[Organization]:
        ctx = info.context
        when = ctx.as_of(as_of)
        store = ctx.store
        f = filter or OrganizationFilter()
        if _given(f.territory):
            ids = store.subtree(str(f.territory), when)
            nodes = store.nodes(NodeKind.ORGANIZATION, when, ids=ids)
        else:
            nodes = store.nodes(NodeKind.ORGANIZATION, when)
        kind = f.kind if _given(f.kind) else None
        level = f.level if _given(f.level) else None
        sector = f.sector if _given(f.sector) else None
        text = f.text if _given(f.text) else None
        chosen = [
            n
            for n in nodes
            if (kind is None or n.attrs.get("org_kind") == kind)
            and (level is None or n.attrs.get("level") == level)
            and (sector is None or n.attrs.get("sector") == sector)
            and (text is None or _matches(n, text))
        ]
        if _given(f.top) and f.top is not None:
            parented = {
                x.source
                for x in store.links(LinkKind.SUBORDINATE_TO, when, sources=[n.id for n in chosen])
            }
            chosen = [n for n in chosen if (n.id not in parented) is f.top]
        visible = ctx.loaders.visible(chosen, when)
        return _page(ctx, visible, when, _paging(first, after, last, before))

    @strawberry.field(description="党员列表 Members, by id, one page at a time")
    def members(
        self,
        info: Info,
        filter: MemberFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        as_of: date | None = None,
    ) -> Connection[Member]:
        ctx = info.context
        when = ctx.as_of(as_of)
        store = ctx.store
        f = filter or MemberFilter()
        orgs: list[str] | None = None
        if _given(f.organization):
            orgs = [str(f.organization)]
        if _given(f.territory):
            subtree = store.subtree(str(f.territory), when)
            orgs = subtree if orgs is None else [o for o in orgs if o in set(subtree)]
        if orgs is None:
            nodes = store.nodes(NodeKind.MEMBER, when)
        else:
            links = store.links(LinkKind.MEMBER_OF, when, targets=orgs) if orgs else []
            ids = sorted({link.source for link in links})
            nodes = store.nodes(NodeKind.MEMBER, when, ids=ids)
        status = f.status if _given(f.status) else None
        leader = f.is_leader if _given(f.is_leader) else None
        text = f.text if _given(f.text) else None
        if status is not None:
            _may_filter(ctx, NodeKind.MEMBER, "status")
        if leader is not None:
            _may_filter(ctx, NodeKind.MEMBER, "is_leader")
        clearance = ctx.actor.clearance
        chosen = [
            n
            for n in nodes
            if (status is None or n.attrs.get("status") == status)
            and (leader is None or bool(n.attrs.get("is_leader")) is leader)
            and _matches(n, text, clearance)
        ]
        visible = ctx.loaders.visible(chosen, when)
        return _page(ctx, visible, when, _paging(first, after, last, before))

    @strawberry.field(description='"两新"组织列表 Two-new units, by id, one page at a time')
    def units(
        self,
        info: Info,
        filter: UnitFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        as_of: date | None = None,
    ) -> Connection[Unit]:
        ctx = info.context
        when = ctx.as_of(as_of)
        f = filter or UnitFilter()
        nodes = ctx.store.nodes(NodeKind.UNIT, when)
        unit_kind = f.unit_kind if _given(f.unit_kind) else None
        text = f.text if _given(f.text) else None
        chosen = [
            n
            for n in nodes
            if (unit_kind is None or n.attrs.get("unit_kind") == unit_kind) and _matches(n, text)
        ]
        if _given(f.territory):
            # "In the area" means what a scope rooted there would see: one rule, in store/.
            area = Scope(roots=frozenset({str(f.territory)})).view(ctx.store, when)
            chosen = [n for n in chosen if area.sees(n)]
        visible = ctx.loaders.visible(chosen, when)
        return _page(ctx, visible, when, _paging(first, after, last, before))

    @strawberry.field(description="专家人才列表 Experts, by id, one page at a time")
    def experts(
        self,
        info: Info,
        text: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        as_of: date | None = None,
    ) -> Connection[Expert]:
        ctx = info.context
        when = ctx.as_of(as_of)
        clearance = ctx.actor.clearance
        nodes = [n for n in ctx.store.nodes(NodeKind.EXPERT, when) if _matches(n, text, clearance)]
        visible = ctx.loaders.visible(nodes, when)
        return _page(ctx, visible, when, _paging(first, after, last, before))

    @strawberry.field(description="全域党建工作组 The working groups, by number")
    def working_groups(self, info: Info, as_of: date | None = None) -> list[WorkingGroup]:
        ctx = info.context
        when = ctx.as_of(as_of)
        nodes = ctx.loaders.visible(ctx.store.nodes(NodeKind.WORKING_GROUP, when), when)
        nodes.sort(key=lambda n: (n.attrs.get("number") or 0, n.id))
        found: list[WorkingGroup] = ctx.loaders.objects(nodes, when)
        return found

    @strawberry.field(description="搜索 Nodes whose Chinese name, id or code matches the text")
    def search(
        self,
        info: Info,
        text: str,
        kinds: list[NodeKind] | None = None,
        first: int = 20,
        as_of: date | None = None,
    ) -> list[NodeInterface]:
        ctx = info.context
        when = ctx.as_of(as_of)
        first = max(0, min(first, 200))
        # Ask for more when a scope will drop some, so a page stays full when it can.
        ask = first if ctx.actor.scope.unrestricted else first * 10
        found = ctx.store.search(text, when, kinds=kinds or None, limit=ask)
        # A person whose name the caller may not read is found by id or code only.
        clearance = ctx.actor.clearance
        found = [
            n for n in found if name_allowed(n.kind, clearance) or _matches(n, text, clearance)
        ]
        visible = ctx.loaders.visible(found, when)[:first]
        objects: list[NodeInterface] = ctx.loaders.objects(visible, when)
        return objects

    @strawberry.field(description="子图 Nodes and edges under an organization, for drawing")
    def subgraph(
        self,
        info: Info,
        scope: strawberry.ID,
        depth: int = 2,
        kinds: list[NodeKind] | None = None,
        as_of: date | None = None,
    ) -> Subgraph:
        ctx = info.context
        wanted = set(kinds) if kinds else {NodeKind.ORGANIZATION}
        wanted.add(NodeKind.ORGANIZATION)
        depth = max(0, min(depth, 6))
        return build_subgraph(
            ctx.loaders, str(scope), depth, wanted, ctx.as_of(as_of), MAX_SUBGRAPH_NODES
        )
