"""The organization tree at a date, read whole in two store calls, walked in Python.

The analyses that compare organizations with each other (rankings within a district,
distances between a weak branch and its candidates) need the shape of the whole tree;
about 5k organizations for a city, so two batched reads (every organization, every
``subordinate_to`` link at the date) beat one walk per organization on either store.
"""

from __future__ import annotations

__all__ = ["OrgTree", "ancestor_at"]

from collections.abc import Callable, Sequence
from datetime import date

from orggraph.model import Level, LinkKind, Node, NodeKind
from orggraph.store.base import GraphStore


def ancestor_at(
    path: Sequence[str], level_of: Callable[[str], object], level: Level | str
) -> str | None:
    """The organization of ``level`` that ``path[0]`` is in: the topmost one on ``path``.

    ``path`` is an organization and its ancestors, nearest first; ``level_of`` gives an
    organization's level (``None`` when unknown). Found by level, never by position, so a
    tree of any depth answers alike; the *topmost* one at the level wins, so a committee
    between a territory's committee and its organizations (a 市直机关工委 at level city, a
    县直机关工委 at level county) rolls up to the territory's own committee.

    >>> levels = {"b": "grassroots", "w": "city", "c": "city", "p": "province"}
    >>> ancestor_at(["b", "w", "c", "p"], levels.get, Level.CITY)
    'c'
    >>> ancestor_at(["b", "w", "c", "p"], levels.get, Level.COUNTY) is None
    True
    """
    wanted = str(level)
    found = None
    for org_id in path:
        if level_of(org_id) == wanted:
            found = org_id
    return found


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
            self._districts[org_id] = self.area(org_id, Level.COUNTY)
        return self._districts[org_id]

    def area(self, org_id: str, level: Level) -> str | None:
        """The organization of ``level`` (province, city, county, township) ``org_id`` is
        in, itself when at that level (``ancestor_at``)."""
        return ancestor_at(self.path(org_id), self.level_of, level)

    def level_of(self, org_id: str) -> str | None:
        """The level of ``org_id`` at the date (``None``: not an organization read)."""
        node = self.orgs.get(org_id)
        level = node.get("level") if node is not None else None
        return None if level is None else str(level)

    def distance(self, a: str, b: str) -> int | None:
        """Edges between ``a`` and ``b`` through their lowest common ancestor (None: apart)."""
        up = {org: i for i, org in enumerate(self.path(a))}
        for j, org in enumerate(self.path(b)):
            if org in up:
                return up[org] + j
        return None
