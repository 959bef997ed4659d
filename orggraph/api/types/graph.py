"""``subgraph``: the nodes and edges around an organization, flat, for drawing.

The organizations under ``scope`` down to ``depth`` levels, then the nodes of the asked
``kinds`` linked to them (members, working groups, leaders' experts, units, cases), each
level loaded with one store call per link kind. Everything passes the actor's scope.
"""

# strawberry's field decorators are typed as returning Any when given keyword arguments.
# mypy: disallow-untyped-decorators=False

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import strawberry

from orggraph.api.loaders import Loaders
from orggraph.model import LINK_ENDS, Link, LinkKind, Node, NodeKind, Role, label
from orggraph.store.masking import name_allowed, node_attr_allowed

__all__ = ["GraphEdge", "GraphNode", "Subgraph", "build_subgraph"]

MAX_SUBGRAPH_NODES = 5000


@strawberry.type(description="图节点 A node to draw")
class GraphNode:
    id: strawberry.ID
    kind: NodeKind
    name: str | None = strawberry.field(description="名称 (null: a name your role may not read)")
    label: str = strawberry.field(description="类别(中文) The kind's Chinese label")
    level: str | None = strawberry.field(description="层级 (organizations)")
    sector: str | None = strawberry.field(description="领域 (organizations)")
    depth: int = strawberry.field(description="Levels below the scope's root (others: -1)")


@strawberry.type(description="图边 An edge to draw")
class GraphEdge:
    id: strawberry.ID
    kind: LinkKind | None = strawberry.field(description="null: a case's organization")
    source: strawberry.ID
    target: strawberry.ID
    label: str
    role: str | None = strawberry.field(description="职务 (posts)")


@strawberry.type(description="子图 Nodes and edges around an organization")
class Subgraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool = strawberry.field(description=f"More than {MAX_SUBGRAPH_NODES} nodes: cut")


@dataclass(kw_only=True)
class _Builder:
    loaders: Loaders
    as_of: date
    limit: int
    nodes: dict[str, GraphNode] = field(default_factory=dict)
    edges: dict[str, GraphEdge] = field(default_factory=dict)
    truncated: bool = False

    def add_nodes(self, nodes: list[Node], depth: int = -1) -> None:
        for node in self.loaders.visible(nodes, self.as_of):
            if node.id in self.nodes:
                continue
            if len(self.nodes) >= self.limit:
                self.truncated = True
                return
            self.nodes[node.id] = GraphNode(
                id=strawberry.ID(node.id),
                kind=node.kind,
                name=node.name if name_allowed(node.kind, self.loaders.clearance) else None,
                label=label(node.kind),
                level=node.attrs.get("level"),
                sector=node.attrs.get("sector"),
                depth=depth,
            )

    def add_links(self, links: list[Link]) -> None:
        for link in links:
            if link.source in self.nodes and link.target in self.nodes:
                role = link.attrs.get("role")
                self.edges[link.id] = GraphEdge(
                    id=strawberry.ID(link.id),
                    kind=link.kind,
                    source=strawberry.ID(link.source),
                    target=strawberry.ID(link.target),
                    label=label(Role(role)) if role else label(link.kind),
                    role=role,
                )

    def ids(self, kind: NodeKind) -> list[str]:
        return [i for i, n in self.nodes.items() if n.kind is kind]

    def expand(self, kind: LinkKind, from_kind: NodeKind, kinds: set[NodeKind]) -> None:
        """Add ``kind`` links touching the nodes of ``from_kind``, and their far ends."""
        source_kind, target_kind = LINK_ENDS[kind]
        store = self.loaders.store
        near = self.ids(from_kind)
        if not near:
            return
        outward = source_kind is from_kind
        far_kind = target_kind if outward else source_kind
        if far_kind not in kinds:
            return
        if outward:
            links = store.links(kind, self.as_of, sources=near)
        else:
            links = store.links(kind, self.as_of, targets=near)
        far_ids = sorted({x.target if outward else x.source for x in links} - set(self.nodes))
        if far_ids:
            self.add_nodes(store.nodes(far_kind, self.as_of, ids=far_ids))
        self.add_links(links)


def build_subgraph(
    loaders: Loaders,
    root: str,
    depth: int,
    kinds: set[NodeKind],
    as_of: date,
    limit: int = MAX_SUBGRAPH_NODES,
) -> Subgraph:
    """The subgraph under ``root`` (``depth`` levels), with linked nodes of ``kinds``."""
    store = loaders.store
    builder = _Builder(loaders=loaders, as_of=as_of, limit=limit)
    top = loaders.node(root, as_of)
    if top is None or top.kind is not NodeKind.ORGANIZATION:
        return Subgraph(nodes=[], edges=[], truncated=False)
    builder.add_nodes([top], 0)
    level = [root]
    for d in range(1, depth + 1):
        if not level or builder.truncated:
            break
        links = store.links(LinkKind.SUBORDINATE_TO, as_of, targets=level)
        children = sorted({x.source for x in links})
        builder.add_nodes(store.nodes(NodeKind.ORGANIZATION, as_of, ids=children), d)
        builder.add_links(links)
        level = [c for c in children if c in builder.nodes]
    org = NodeKind.ORGANIZATION
    for kind in (
        LinkKind.HOLDS_POST,
        LinkKind.MEMBER_OF,
        LinkKind.CONTACTS,
        LinkKind.COVERS,
        LinkKind.ESTABLISHED_IN,
    ):
        builder.expand(kind, org, kinds)
    builder.add_links(store.links(LinkKind.PAIRED_WITH, as_of, targets=builder.ids(org)))
    member = NodeKind.MEMBER
    for kind in (LinkKind.LEADS, LinkKind.SERVES, LinkKind.INSTRUCTS):
        builder.expand(kind, member, kinds)
    # A case's organization is internal: a role that may not read it draws no cases.
    if NodeKind.CASE in kinds and node_attr_allowed(
        NodeKind.CASE, "organization", loaders.clearance
    ):
        orgs = set(builder.ids(org))
        cases = [
            c for c in store.nodes(NodeKind.CASE, as_of) if c.attrs.get("organization") in orgs
        ]
        builder.add_nodes(cases)
        for case in cases:
            if case.id in builder.nodes:
                target = str(case.attrs["organization"])
                builder.edges[f"case:{case.id}>{target}"] = GraphEdge(
                    id=strawberry.ID(f"case:{case.id}>{target}"),
                    kind=None,
                    source=strawberry.ID(case.id),
                    target=strawberry.ID(target),
                    label="整顿对象",
                    role=None,
                )
    return Subgraph(
        nodes=list(builder.nodes.values()),
        edges=list(builder.edges.values()),
        truncated=builder.truncated,
    )
