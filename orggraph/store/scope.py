"""What a caller may see: subtrees of the organization graph and sectors.

The scope is applied where data is read (the store and analysis layers), never in an
adapter, so no entry point can reach around it. ``Scope()`` sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from orggraph.model import LinkKind, Node, NodeKind, Sector

if TYPE_CHECKING:
    from orggraph.store.base import GraphStore

__all__ = ["Scope", "ScopeView"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Scope:
    """Subtree roots (organization ids) and sectors; empty means unrestricted."""

    roots: frozenset[str] = field(default_factory=frozenset)
    sectors: frozenset[Sector] = field(default_factory=frozenset)

    @property
    def unrestricted(self) -> bool:
        return not self.roots and not self.sectors

    def view(self, store: GraphStore, as_of: date) -> ScopeView:
        """The organizations (and so members, units…) this scope sees at ``as_of``."""
        if self.unrestricted:
            return ScopeView(store=store, as_of=as_of, organizations=None)
        if self.roots:
            orgs: set[str] = set()
            for root in sorted(self.roots):
                orgs.update(store.subtree(root, as_of))
        else:
            orgs = {n.id for n in store.nodes(NodeKind.ORGANIZATION, as_of)}
        if self.sectors:
            # Two-new units are seen by their area and kind, not only through an organization
            # established in them: a sector-scoped analyst must see the uncovered ones too.
            areas = frozenset(orgs)
            nodes = store.nodes(NodeKind.ORGANIZATION, as_of, ids=orgs)
            orgs = {n.id for n in nodes if n.attrs.get("sector") in self.sectors}
            return ScopeView(
                store=store,
                as_of=as_of,
                organizations=frozenset(orgs),
                unit_areas=areas,
                unit_kinds=frozenset(str(s) for s in self.sectors),
            )
        return ScopeView(store=store, as_of=as_of, organizations=frozenset(orgs))


@dataclass(frozen=True, kw_only=True, slots=True)
class ScopeView:
    """A scope resolved at one date: answers "may the caller see this id?"."""

    store: GraphStore
    as_of: date
    organizations: frozenset[str] | None  # None: every organization
    # With a sector scope: the areas (organizations of the roots) and the sectors a unit
    # must be in, as unit kinds (non_public_enterprise, social_organization).
    unit_areas: frozenset[str] | None = None
    unit_kinds: frozenset[str] | None = None

    def sees_org(self, org_id: str) -> bool:
        return self.organizations is None or org_id in self.organizations

    def sees(self, node: Node) -> bool:
        """Whether ``node`` falls inside the scope at the view's date."""
        if self.organizations is None:
            return True
        kind = node.kind
        if kind is NodeKind.ORGANIZATION:
            return node.id in self.organizations
        if kind is NodeKind.MEMBER:
            links = self.store.links(LinkKind.MEMBER_OF, self.as_of, sources=[node.id])
            posts = self.store.links(LinkKind.HOLDS_POST, self.as_of, sources=[node.id])
            return any(link.target in self.organizations for link in (*links, *posts))
        if kind is NodeKind.UNIT:
            if self.unit_kinds is not None and node.attrs.get("unit_kind") not in self.unit_kinds:
                return False
            area = node.attrs.get("township") or node.attrs.get("district")
            if area in (self.organizations if self.unit_areas is None else self.unit_areas):
                return True
            hosts = self.store.links(LinkKind.ESTABLISHED_IN, self.as_of, targets=[node.id])
            return any(link.source in self.organizations for link in hosts)
        if kind is NodeKind.CASE:
            return node.attrs.get("organization") in self.organizations
        if kind is NodeKind.WORKING_GROUP:
            covers = self.store.links(LinkKind.COVERS, self.as_of, sources=[node.id])
            return any(link.target in self.organizations for link in covers)
        if kind is NodeKind.EXPERT:
            servers = self.store.links(LinkKind.SERVES, self.as_of, targets=[node.id])
            return any(self.sees_id(link.source) for link in servers)
        return False

    def sees_id(self, node_id: str) -> bool:
        node = self.store.node(node_id, self.as_of)
        return node is not None and self.sees(node)
