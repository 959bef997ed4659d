"""Coverage (覆盖): which two-new units have a party organization, and the rates.

A unit's status at a date: ``own`` (an organization established in it alone, 单独组建),
``joint`` (covered by a joint organization, 联合组建), ``work`` (only a party-building
instructor, 工作覆盖), or ``none``. The official rate (党组织覆盖率) counts ``own`` and
``joint``: (units with their own + with a joint organization) ÷ operating units, where a
unit operates at a date when its node is valid then (founded on or before, not closed).

``coverage_rates`` groups the rate by the unit's province, city, district or township
(named after their committees), read from the hierarchy at the date above the unit's place
(its ``located_in`` link, ``orggraph.analysis.places``): a township moved to another
county carries its units' counts from the day of the move. Or by sector (the unit kind: 非公企业,
社会组织); ``coverage_change`` compares two dates (the seed: non-public enterprises
6.3% in 2014 → 87.98%). Rates are percentages, not rounded: rounding is the reader's.
"""

from __future__ import annotations

__all__ = [
    "AREA_GROUPINGS",
    "GROUPINGS",
    "CoverageChange",
    "CoverageRate",
    "coverage_change",
    "coverage_rates",
    "coverage_row",
    "coverage_total",
    "unit_coverage",
]

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from orggraph.analysis.kept import KeptByState
from orggraph.analysis.places import UnitAreas, place_areas, unit_places
from orggraph.model import Establishment, LinkKind, Node, NodeKind, UnitKind, label
from orggraph.store.base import GraphStore
from orggraph.store.masking import classify
from orggraph.store.scope import Scope, ScopeView

STATUSES = ("own", "joint", "work", "none")
_OWN, _JOINT = Establishment.OWN.value, Establishment.JOINT.value
#: Each status's code in the unit tables (``_UnitTable``): its place in ``STATUSES``.
_OWN_CODE, _JOINT_CODE, _WORK_CODE, _NONE_CODE = range(len(STATUSES))
#: What ``coverage_rates`` can group by: the area above the unit's place (its province,
#: city, district or township), or its kind (sector).
GROUPINGS = ("province", "city", "district", "township", "sector")
#: The groupings read from the hierarchy above the unit's place.
AREA_GROUPINGS = ("province", "city", "district", "township")


@dataclass(frozen=True, kw_only=True, slots=True)
class UnitCoverage:
    """How one two-new unit is covered at a date."""

    unit: Node
    status: str  # own | joint | work | none
    organizations: tuple[str, ...]  # organizations established in it
    instructors: tuple[str, ...]  # members instructing it
    place: str | None = None  # the organization it sits in (located_in), if any

    @property
    def organized(self) -> bool:
        """Counts toward the official coverage rate (组织覆盖)."""
        return self.status in ("own", "joint")


def unit_coverage(
    store: GraphStore, as_of: date, scope: Scope, *, unorganized: bool = False
) -> dict[str, UnitCoverage]:
    """The coverage status of every operating unit in ``scope`` at ``as_of``, by unit id.

    With ``unorganized``, of those without an organization (status ``work`` or ``none``,
    what the coverage gaps list) only: the others' places are not read, nor records made.
    """
    units = _operating_units(store, as_of, scope)
    ids = [u.id for u in units]
    hosts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for link in store.links(LinkKind.ESTABLISHED_IN, as_of, targets=ids):
        hosts[link.target].append((link.source, str(link.attrs.get("mode"))))
    instructors: dict[str, list[str]] = defaultdict(list)
    for link in store.links(LinkKind.INSTRUCTS, as_of, targets=ids):
        instructors[link.target].append(link.source)
    # ``.get``, not ``[]``: most units have no organization (or no instructor), and the
    # defaultdicts are not to grow an empty list for each of a province's units.
    statuses = [_status(hosts.get(u.id, ()), instructors.get(u.id, ())) for u in units]
    chosen = [
        (unit, status)
        for unit, status in zip(units, statuses, strict=True)
        if not unorganized or status in ("work", "none")
    ]
    places = unit_places(store, as_of, [u.id for u, _ in chosen])
    out: dict[str, UnitCoverage] = {}
    for unit, status in chosen:
        hosted = hosts.get(unit.id, ())
        taught = instructors.get(unit.id, ())
        out[unit.id] = UnitCoverage(
            unit=unit,
            status=status,
            organizations=tuple(sorted(org for org, _ in hosted)) if hosted else (),
            instructors=tuple(sorted(taught)) if taught else (),
            place=places.get(unit.id),
        )
    return out


def _status(hosted: Collection[tuple[str, str]], taught: Collection[str]) -> str:
    modes = {mode for _, mode in hosted}
    if _OWN in modes:
        return "own"
    if _JOINT in modes:
        return "joint"
    return "work" if taught else "none"


def _operating_units(store: GraphStore, as_of: date, scope: Scope) -> list[Node]:
    """The operating units ``scope`` sees at ``as_of``."""
    view = scope.view(store, as_of)
    units = store.nodes(NodeKind.UNIT, as_of)
    near = _near_units(store, as_of, view)
    if near is not None:  # a scope's units among the city's: a set lookup for the others
        return [u for u in units if u.id in near and view.sees(u)]
    if view.organizations is not None:
        return [u for u in units if view.sees(u)]
    return units


@dataclass(frozen=True, slots=True)
class _UnitTable:
    """The operating units of the whole graph at a date (``ids``, as ``store.nodes``
    lists them) as arrays by their place in that list: each one's status (a code of
    ``STATUSES``) and, for each grouping a rate asked for, its sorted keys and each unit's
    cell, ``key's place × 4 + status``: a rate is a count of cells (``np.bincount``).

    Walking the units and their links for each rate and counting over sets of ids cost
    some 18 times as much at x10 as at x1, for 10 times the units: the records and sets
    no longer fit the CPU's caches. The table is kept per state of the store (``_table``):
    a rate of the whole graph reads none of them again until a write, and a count of
    25,000 cells costs a tenth of a millisecond.
    """

    ids: list[str]
    status: np.ndarray
    groups: dict[str | None, tuple[list[str], np.ndarray]] = field(default_factory=dict)
    #: Each unit's place in ``ids``, made at the first call of a restricted scope (``at``).
    places: dict[str, int] = field(default_factory=dict)

    def at(self) -> dict[str, int]:
        """Each unit's place in ``ids``. (Made whole, then put in at once: a thread
        reading it meanwhile sees it empty or whole.)"""
        if len(self.places) != len(self.ids):
            self.places.update({unit: i for i, unit in enumerate(self.ids)})
        return self.places


def _unit_table(store: GraphStore, as_of: date, units: list[Node], whole: bool) -> _UnitTable:
    """The operating ``units`` at ``as_of`` and their statuses (``unit_coverage``'s), read
    with two batched store calls; no grouping yet (``_groups_of``). ``whole``: the units
    are every operating unit of the graph, whose links are read all at once (a store
    keeps that read: at x10 it costs a third of a read naming 25,000 units)."""
    ids = [u.id for u in units]
    hosted = store.links(LinkKind.ESTABLISHED_IN, as_of, targets=None if whole else ids)
    # One pass over the links, one over the units: at x10 each pass over 20,000 records
    # misses the caches. (A read of all holds the links of closed units too: never asked.)
    code: dict[str, int] = {}
    for link in hosted:
        mode = link.attrs.get("mode")
        if mode == _OWN:
            code[link.target] = _OWN_CODE
        elif mode == _JOINT and code.get(link.target) != _OWN_CODE:  # own wins
            code[link.target] = _JOINT_CODE
    of = code.get
    status = np.fromiter((of(unit, _NONE_CODE) for unit in ids), dtype=np.intp, count=len(ids))
    # An instructor decides only for a unit without an organization (most have one).
    unhosted = np.flatnonzero(status == _NONE_CODE).tolist()
    rest = [ids[i] for i in unhosted]
    if rest:
        taught = {x.target for x in store.links(LinkKind.INSTRUCTS, as_of, targets=rest)}
        status[[i for i, unit in zip(unhosted, rest, strict=True) if unit in taught]] = _WORK_CODE
    return _UnitTable(ids=ids, status=status)


def _cells(keys: list[str], status: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The distinct ``keys`` (one a unit) sorted, and each unit's cell among them."""
    names = sorted(set(keys))
    code = {k: i for i, k in enumerate(names)}
    places = np.fromiter(map(code.__getitem__, keys), dtype=np.intp, count=len(keys))
    return names, places * len(STATUSES) + status


def _groups_of(
    store: GraphStore,
    as_of: date,
    units: list[Node],
    status: np.ndarray,
    group_by: str | None,
    whole: bool,
) -> dict[str | None, tuple[list[str], np.ndarray]]:
    """``group_by``'s keys and each unit's cell (``_UnitTable``); for an area grouping,
    those of all four (one read of the places, ``unit_places``, and of their areas,
    ``place_areas``, answers them all; of every unit's, if the units are the graph's,
    ``whole``)."""
    if group_by in AREA_GROUPINGS:
        placed = unit_places(store, as_of, None if whole else [u.id for u in units])
        areas = place_areas(store, as_of, placed.values())
        # Each level's key is read once a place, and each unit takes its place's (a slot:
        # the place's, or that of no place).
        places: list[UnitAreas | None] = []
        slots: dict[str | None, int] = {}
        which = [0] * len(units)
        place_of = placed.get
        for i, unit in enumerate(units):
            place = place_of(unit.id)
            slot = slots.get(place)
            if slot is None:
                slot = slots[place] = len(places)
                places.append(None if place is None else areas[place])
            which[i] = slot
        of_place = np.array(which, dtype=np.intp)
        found: dict[str | None, tuple[list[str], np.ndarray]] = {}
        for level in AREA_GROUPINGS:
            keys = [(getattr(a, level) or "") if a else "" for a in places]
            names, cells = _cells(keys, np.zeros(len(keys), dtype=np.intp))
            found[level] = names, cells[of_place] + status
        return found
    if group_by == "sector":
        return {group_by: _cells([str(u.attrs.get("unit_kind") or "") for u in units], status)}
    return {group_by: ([""], status.copy())}


#: The unit tables kept, by store and date, for the store's state (``read_state``).
_TABLES: KeptByState[date, _UnitTable] = KeptByState(most=4)


def _table(store: GraphStore, as_of: date, group_by: str | None) -> _UnitTable:
    """The unit table at ``as_of`` with ``group_by``'s cells: the one kept for the store's
    state now, else made (and kept, if no write began or ended meanwhile)."""
    state = store.read_state()
    table = _TABLES.get(store, as_of, state)
    if table is not None:
        if group_by in table.groups:
            return table
        units = store.nodes(NodeKind.UNIT, as_of)
        groups = _groups_of(store, as_of, units, table.status, group_by, whole=True)
        if store.read_state() == state and len(units) == len(table.ids):
            table.groups.update(groups)
            return table
    units = store.nodes(NodeKind.UNIT, as_of)  # (again, after a write meanwhile)
    table = _unit_table(store, as_of, units, whole=True)
    table.groups.update(_groups_of(store, as_of, units, table.status, group_by, whole=True))
    _TABLES.put(store, as_of, state, table)
    return table


def _near_units(store: GraphStore, as_of: date, view: ScopeView) -> frozenset[str] | None:
    """The units a restricted scope can see, read with two batched store calls: those
    placed in its areas and those its organizations are established in (``ScopeView``'s
    rules; ``view.sees`` still decides each of them). ``None`` for the whole graph, and
    for a scope that answers membership only (one chain's)."""
    organizations = view.organizations
    if organizations is None or not isinstance(organizations, frozenset | set):
        return None
    areas = sorted(view.unit_areas if view.unit_areas is not None else organizations)
    orgs = sorted(organizations)
    placed = store.links(LinkKind.LOCATED_IN, as_of, targets=areas) if areas else []
    hosted = store.links(LinkKind.ESTABLISHED_IN, as_of, sources=orgs) if orgs else []
    return frozenset(x.source for x in placed) | frozenset(x.target for x in hosted)


@dataclass(frozen=True, kw_only=True, slots=True)
class CoverageRate:
    """The coverage of the two-new units of one group at a date (党组织覆盖率).

    ``group`` is the province, city, district or township code, or the unit kind, or ``""`` for all;
    ``name`` its Chinese name (the committee's: 城东区委; or 非公企业; or 合计).
    ``organized`` (组织覆盖) = ``own`` + ``joint`` is the numerator, ``units`` (operating)
    the denominator; ``rate`` their ratio in percent, ``None`` with no operating unit.
    """

    group: str
    name: str
    units: int
    own: int
    joint: int
    work: int  # reached only by an instructor (工作覆盖)
    none: int
    organized: int
    rate: float | None


def coverage_row(group: str, name: str, own: int, joint: int, work: int, none: int) -> CoverageRate:
    """A ``CoverageRate`` from its four counts (the sums and the rate follow)."""
    units = own + joint + work + none
    organized = own + joint
    return CoverageRate(
        group=group,
        name=name,
        units=units,
        own=own,
        joint=joint,
        work=work,
        none=none,
        organized=organized,
        rate=100.0 * organized / units if units else None,
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class CoverageChange:
    """One group's coverage at two dates; ``change`` in percentage points (or ``None``)."""

    group: str
    name: str
    before: CoverageRate
    after: CoverageRate
    change: float | None


# The coverage numbers of the two-new units are internal (as the coverage report export
# classifies them): a role that may not read internal data is refused them, on every
# surface (orggraph.store.masking.mask_result; docs/SECURITY.md).
classify(CoverageRate, result="internal")
classify(CoverageChange, result="internal")


def _group_names(
    store: GraphStore, keys: list[str], group_by: str | None, as_of: date
) -> dict[str, str]:
    if group_by is None:
        return {"": "合计"}
    if group_by == "sector":
        kinds = {k.value: k for k in UnitKind}
        return {k: label(kinds[k]) if k in kinds else k for k in keys}
    found = {n.id: n.name for n in store.nodes(NodeKind.ORGANIZATION, as_of, ids=keys)}
    return {k: found.get(k, k or "(未注明)") for k in keys}


def coverage_rates(
    store: GraphStore, as_of: date, scope: Scope, group_by: str | None = "district"
) -> list[CoverageRate]:
    """Coverage rates of the operating two-new units in ``scope`` at ``as_of``, by group.

    ``group_by`` is ``"province"``, ``"city"``, ``"district"``, ``"township"`` (the
    organization of that level above the unit's place at ``as_of``, named after its
    committee; ``""``, named (未注明), for a unit without one), ``"sector"`` (the unit
    kind) or ``None`` (one row for all). Groups come sorted by code; groups without an
    operating unit are left out (no rate to give). On the demo at 2019-06-30, by sector:
    非公企业 1,581 of 1,797 (87.98%), 社会组织 600 of 700.

    Each unit's status and groups at a date are worked out once and kept until the store
    changes (``GraphStore.read_state``; ``_table``); a store that promises no state
    (Neo4j) has them worked out at each call.
    """
    if group_by is not None and group_by not in GROUPINGS:
        raise ValueError(f"group_by={group_by!r}; expected one of {', '.join(GROUPINGS)} or None")
    table = _table(store, as_of, group_by)
    keys, cells = table.groups[group_by]
    if not scope.unrestricted:  # the scope's units' cells
        units = _operating_units(store, as_of, scope)
        at = table.at()
        if all(u.id in at for u in units):
            rows = np.fromiter((at[u.id] for u in units), dtype=np.intp, count=len(units))
            cells = cells[rows]
        else:  # a unit written since the table was made: a table of the scope's own
            status = _unit_table(store, as_of, units, whole=False).status
            keys, cells = _groups_of(store, as_of, units, status, group_by, whole=False)[group_by]
    width = len(STATUSES)
    counts = np.bincount(cells, minlength=len(keys) * width).reshape(len(keys), width)
    present = [(k, c) for k, c in zip(keys, counts.tolist(), strict=True) if any(c)]
    names = _group_names(store, [k for k, _ in present], group_by, as_of)
    return [coverage_row(k, names[k], *c) for k, c in present]


def coverage_total(rates: list[CoverageRate], name: str = "合计") -> CoverageRate:
    """The groups added up into one row (合计)."""
    return coverage_row(
        "",
        name,
        own=sum(r.own for r in rates),
        joint=sum(r.joint for r in rates),
        work=sum(r.work for r in rates),
        none=sum(r.none for r in rates),
    )


def coverage_change(
    store: GraphStore,
    since: date,
    as_of: date,
    scope: Scope,
    group_by: str | None = "district",
) -> list[CoverageChange]:
    """Coverage at ``since`` and at ``as_of`` side by side, by group, with the change.

    A group present at one date only (a township set up since) is compared with an empty
    row (no units, no rate) at the other.
    """
    before = {r.group: r for r in coverage_rates(store, since, scope, group_by)}
    after = {r.group: r for r in coverage_rates(store, as_of, scope, group_by)}
    out = []
    for key in sorted(before.keys() | after.keys()):
        a = after.get(key)
        b = before.get(key)
        name = a.name if a is not None else b.name if b is not None else key
        empty = coverage_row(key, name, 0, 0, 0, 0)
        first, last = b or empty, a or empty
        change = None
        if first.rate is not None and last.rate is not None:
            change = last.rate - first.rate
        out.append(CoverageChange(group=key, name=name, before=first, after=last, change=change))
    return out
