"""Coverage (覆盖): which two-new units have a party organization, and the rates.

A unit's status at a date: ``own`` (an organization established in it alone, 单独组建),
``joint`` (covered by a joint organization, 联合组建), ``work`` (only a party-building
instructor, 工作覆盖), or ``none``. The official rate counts ``own`` and ``joint``:
(units with their own + with a joint organization) ÷ operating units.
"""

from __future__ import annotations

__all__ = ["UnitCoverage", "unit_coverage"]

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from orggraph.model import Establishment, LinkKind, Node, NodeKind
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

STATUSES = ("own", "joint", "work", "none")


@dataclass(frozen=True, kw_only=True, slots=True)
class UnitCoverage:
    """How one two-new unit is covered at a date."""

    unit: Node
    status: str  # own | joint | work | none
    organizations: tuple[str, ...]  # organizations established in it
    instructors: tuple[str, ...]  # members instructing it

    @property
    def organized(self) -> bool:
        """Counts toward the official coverage rate (组织覆盖)."""
        return self.status in ("own", "joint")


def unit_coverage(store: GraphStore, as_of: date, scope: Scope) -> dict[str, UnitCoverage]:
    """The coverage status of every operating unit in ``scope`` at ``as_of``, by unit id."""
    view = scope.view(store, as_of)
    units = [u for u in store.nodes(NodeKind.UNIT, as_of) if view.sees(u)]
    ids = [u.id for u in units]
    hosts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for link in store.links(LinkKind.ESTABLISHED_IN, as_of, targets=ids):
        hosts[link.target].append((link.source, str(link.attrs.get("mode"))))
    instructors: dict[str, list[str]] = defaultdict(list)
    for link in store.links(LinkKind.INSTRUCTS, as_of, targets=ids):
        instructors[link.target].append(link.source)
    out: dict[str, UnitCoverage] = {}
    for unit in units:
        modes = {mode for _, mode in hosts[unit.id]}
        if Establishment.OWN.value in modes:
            status = "own"
        elif Establishment.JOINT.value in modes:
            status = "joint"
        elif instructors[unit.id]:
            status = "work"
        else:
            status = "none"
        out[unit.id] = UnitCoverage(
            unit=unit,
            status=status,
            organizations=tuple(sorted(org for org, _ in hosts[unit.id])),
            instructors=tuple(sorted(instructors[unit.id])),
        )
    return out
