"""The organization tree at a date, read whole in two store calls, walked in Python.

The analyses that compare organizations with each other (rankings within a district,
distances between a weak branch and its candidates) need the shape of the whole tree;
about 5k organizations for a city, so two batched reads (every organization, every
``subordinate_to`` link at the date) beat one walk per organization on either store.
"""

from __future__ import annotations

__all__ = ["OrgTree"]

from datetime import date

from orggraph.model import Level, LinkKind, Node, NodeKind
from orggraph.store.base import GraphStore


class OrgTree:
    """Every organization and parent at a date, read in two calls; walks done in Python."""

    def __init__(self, store: GraphStore, as_of: date) -> None:
        self.orgs: dict[str, Node] = {n.id: n for n in store.nodes(NodeKind.ORGANIZATION, as_of)}
        self.parent: dict[str, str] = {
            link.source: link.target
            for link in store.links(LinkKind.SUBORDINATE_TO, as_of)
            if link.source in self.orgs and link.target in self.orgs
        }
        self._paths: dict[str, tuple[str, ...]] = {}
        self._districts: dict[str, str | None] = {}

    def path(self, org_id: str) -> tuple[str, ...]:
        """``org_id`` and its ancestors, nearest first."""
        found = self._paths.get(org_id)
        if found is None:
            up = self.parent.get(org_id)
            found = (org_id,) if up is None or up == org_id else (org_id, *self.path(up))
            self._paths[org_id] = found
        return found

    def district(self, org_id: str) -> str | None:
        """The county-level organization ``org_id`` is in (itself when county level)."""
        if org_id not in self._districts:
            self._districts[org_id] = next(
                (
                    o
                    for o in self.path(org_id)
                    if o in self.orgs and self.orgs[o].get("level") == Level.COUNTY
                ),
                None,
            )
        return self._districts[org_id]

    def distance(self, a: str, b: str) -> int | None:
        """Edges between ``a`` and ``b`` through their lowest common ancestor (None: apart)."""
        up = {org: i for i, org in enumerate(self.path(a))}
        for j, org in enumerate(self.path(b)):
            if org in up:
                return up[org] + j
        return None
