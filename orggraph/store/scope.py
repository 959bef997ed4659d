"""What a caller may see: subtrees of the organization graph and sectors.

The scope is applied where data is read (the store and analysis layers), never in an
adapter, so no entry point can reach around it. ``Scope()`` sees everything.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from orggraph.model import LinkKind, Node, NodeKind, Sector

if TYPE_CHECKING:
    from orggraph.store.base import GraphStore

__all__ = ["Scope", "ScopeView"]

#: Kinds seen through the organization they are about (their ``organization`` attribute).
_BY_ORGANIZATION = frozenset({NodeKind.CASE, NodeKind.DUTY_LIST, NodeKind.DUTY})


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
            # Two-new units are seen by their place and kind, not only through an
            # organization established in them: a sector-scoped analyst must see the
            # uncovered ones too.
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
    """A scope resolved at one date: answers "may the caller see this id?".

    The people, units, working groups and experts a restricted scope sees are worked out
    once per kind, with one batched store call each (the links into the scope's
    organizations), the first time a node of that kind is asked about; after that every
    answer is a set lookup. ``filter`` decides a whole list that way.

    A two-new unit is seen when its place at the date (its ``located_in`` link: a village,
    community or township organization) is in the scope, or an organization of the scope
    is established in it; with sectors, only a unit of those kinds.
    """

    store: GraphStore
    as_of: date
    organizations: frozenset[str] | None  # None: every organization
    # With a sector scope: the areas (organizations of the roots) and the sectors a unit
    # must be in, as unit kinds (non_public_enterprise, social_organization).
    unit_areas: frozenset[str] | None = None
    unit_kinds: frozenset[str] | None = None
    _seen: dict[NodeKind, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    _placed: list[frozenset[str]] = field(default_factory=list, compare=False, repr=False)

    def sees_org(self, org_id: str) -> bool:
        return self.organizations is None or org_id in self.organizations

    def _reached(self, kind: NodeKind) -> frozenset[str]:
        """Ids of ``kind`` reached through links into the scope (batched, kept)."""
        found = self._seen.get(kind)
        if found is not None:
            return found
        orgs = sorted(self.organizations or ())
        links = self.store.links
        when = self.as_of
        if kind is NodeKind.MEMBER:
            found = frozenset(
                link.source
                for lk in (LinkKind.MEMBER_OF, LinkKind.HOLDS_POST)
                for link in (links(lk, when, targets=orgs) if orgs else [])
            )
        elif kind is NodeKind.UNIT:
            hosted = links(LinkKind.ESTABLISHED_IN, when, sources=orgs) if orgs else []
            found = frozenset(link.target for link in hosted)
        elif kind is NodeKind.WORKING_GROUP:
            covers = links(LinkKind.COVERS, when, targets=orgs) if orgs else []
            found = frozenset(link.source for link in covers)
        elif kind is NodeKind.EXPERT:
            members = sorted(self._reached(NodeKind.MEMBER))
            served = links(LinkKind.SERVES, when, sources=members) if members else []
            found = frozenset(link.target for link in served)
        else:
            found = frozenset()
        self._seen[kind] = found
        return found

    def sees(self, node: Node) -> bool:
        """Whether ``node`` falls inside the scope at the view's date."""
        organizations = self.organizations
        if organizations is None:
            return True
        kind = node.kind
        if kind is NodeKind.ORGANIZATION:
            return node.id in organizations
        if kind is NodeKind.UNIT:
            batched = isinstance(organizations, frozenset | set)
            by_area = self._unit_by_area(node, batched=batched)
            if by_area is not None:
                return by_area
        elif kind in _BY_ORGANIZATION:
            return node.attrs.get("organization") in organizations
        elif kind not in (NodeKind.MEMBER, NodeKind.WORKING_GROUP, NodeKind.EXPERT):
            return False
        if isinstance(organizations, frozenset | set):
            return node.id in self._reached(kind)
        return self._links_in(node)  # a membership-only scope (one chain's): ask per node

    def _areas(self) -> Collection[str] | None:
        return self.organizations if self.unit_areas is None else self.unit_areas

    def _placed_in_areas(self) -> frozenset[str]:
        """Ids of the units whose place at the date is in the scope (one batched call)."""
        if not self._placed:
            areas = sorted(self._areas() or ())
            links = (
                self.store.links(LinkKind.LOCATED_IN, self.as_of, targets=areas) if areas else []
            )
            self._placed.append(frozenset(link.source for link in links))
        return self._placed[0]

    def _unit_by_area(self, node: Node, *, batched: bool) -> bool | None:
        """A unit decided by its kind and place alone (``None``: ask its organizations).

        ``batched``: from the units placed in the scope, read once for all; otherwise from
        the unit's own ``located_in`` link (what one lookup costs, whatever the scope).
        """
        if self.unit_kinds is not None and node.attrs.get("unit_kind") not in self.unit_kinds:
            return False
        if batched:
            return True if node.id in self._placed_in_areas() else None
        areas = self._areas()
        places = self.store.links(LinkKind.LOCATED_IN, self.as_of, sources=[node.id])
        return True if areas is not None and any(x.target in areas for x in places) else None

    def _links_in(self, node: Node) -> bool:
        """Whether ``node``'s own links reach the scope (a few store calls for one node)."""
        orgs = self.organizations
        assert orgs is not None
        links, when, own = self.store.links, self.as_of, [node.id]
        if node.kind is NodeKind.MEMBER:
            return any(
                link.target in orgs
                for lk in (LinkKind.MEMBER_OF, LinkKind.HOLDS_POST)
                for link in links(lk, when, sources=own)
            )
        if node.kind is NodeKind.UNIT:
            hosts = links(LinkKind.ESTABLISHED_IN, when, targets=own)
            return any(link.source in orgs for link in hosts)
        if node.kind is NodeKind.WORKING_GROUP:
            return any(link.target in orgs for link in links(LinkKind.COVERS, when, sources=own))
        servers = links(LinkKind.SERVES, when, targets=own)
        return any(self.sees_id(link.source) for link in servers)

    def filter(self, nodes: Iterable[Node]) -> list[Node]:
        """The nodes among ``nodes`` the scope sees (a few store calls for any number)."""
        if self.organizations is None:
            return list(nodes)
        return [node for node in nodes if self.sees(node)]

    def sees_id(self, node_id: str) -> bool:
        """Whether ``node_id`` is a node the scope sees (``lookup``)."""
        return self.lookup(node_id) is not None

    def lookup(self, node_id: str) -> Node | None:
        """The node ``node_id`` when the scope sees it at the view's date, else ``None``.

        A hidden node and an absent one cost the same: the same store calls are made for
        both (the node read, and its own membership links: what an out-of-scope member
        needs), so the time of the answer says nothing about whether the id exists. The
        node is judged by its own links, never by the scope's whole member set (a
        district's: milliseconds to gather, for one id).
        """
        node = self.store.node(node_id, self.as_of)
        if self.organizations is None:
            return node
        own = [node_id]
        joined = [
            link.target
            for lk in (LinkKind.MEMBER_OF, LinkKind.HOLDS_POST)
            for link in self.store.links(lk, self.as_of, sources=own)
        ]
        if node is None:
            return None
        if node.kind is NodeKind.MEMBER:
            return node if any(org in self.organizations for org in joined) else None
        return node if self._sees_alone(node) else None

    def _sees_alone(self, node: Node) -> bool:
        """``sees`` for one node of another kind than members, by its own links."""
        orgs = self.organizations
        assert orgs is not None
        kind, links, when, own = node.kind, self.store.links, self.as_of, [node.id]
        if kind is NodeKind.ORGANIZATION or kind in _BY_ORGANIZATION:
            return self.sees(node)  # set lookups only
        if kind is NodeKind.UNIT:
            by_area = self._unit_by_area(node, batched=False)
            return by_area if by_area is not None else self._links_in(node)
        if kind is NodeKind.WORKING_GROUP:
            return self._links_in(node)
        if kind is NodeKind.EXPERT:
            servers = sorted({link.source for link in links(LinkKind.SERVES, when, targets=own)})
            return bool(servers) and any(
                link.target in orgs
                for lk in (LinkKind.MEMBER_OF, LinkKind.HOLDS_POST)
                for link in links(lk, when, sources=servers)
            )
        return False
