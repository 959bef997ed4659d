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

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from orggraph.analysis.places import unit_areas, unit_places
from orggraph.model import Establishment, LinkKind, Node, NodeKind, UnitKind, label
from orggraph.store.base import GraphStore
from orggraph.store.masking import classify
from orggraph.store.scope import Scope, ScopeView

STATUSES = ("own", "joint", "work", "none")
_OWN, _JOINT = Establishment.OWN.value, Establishment.JOINT.value
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


def _statuses(store: GraphStore, as_of: date, ids: list[str]) -> list[str]:
    """Each unit's status (``unit_coverage``'s), in the order of ``ids``, from three sets
    of ids: a rate needs no more than that of each unit (no record, no sorted tuple)."""
    own: set[str] = set()
    joint: set[str] = set()
    # One pass over the links: at x10 each pass over 20,000 links misses the caches.
    for link in store.links(LinkKind.ESTABLISHED_IN, as_of, targets=ids):
        mode = link.attrs.get("mode")
        if mode == _OWN:
            own.add(link.target)
        elif mode == _JOINT:
            joint.add(link.target)
    # An instructor decides only for a unit without an organization (most have one).
    rest = [i for i in ids if i not in own and i not in joint]
    taught = {x.target for x in store.links(LinkKind.INSTRUCTS, as_of, targets=rest)}
    return [
        "own" if i in own else "joint" if i in joint else "work" if i in taught else "none"
        for i in ids
    ]


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
    """
    if group_by is not None and group_by not in GROUPINGS:
        raise ValueError(f"group_by={group_by!r}; expected one of {', '.join(GROUPINGS)} or None")
    units = _operating_units(store, as_of, scope)
    ids = [u.id for u in units]
    statuses = _statuses(store, as_of, ids)
    if group_by in AREA_GROUPINGS:
        areas = unit_areas(store, as_of, ids)
        key_of = {unit: getattr(a, group_by) or "" for unit, a in areas.items()}
        tally = Counter((key_of.get(i, ""), s) for i, s in zip(ids, statuses, strict=True))
    elif group_by == "sector":
        kinds = (str(u.attrs.get("unit_kind") or "") for u in units)
        tally = Counter(zip(kinds, statuses, strict=True))
    else:
        tally = Counter(("", s) for s in statuses)
    counts: dict[str, dict[str, int]] = {}
    for (key, status), n in tally.items():
        row = counts.get(key)
        if row is None:
            row = counts[key] = dict.fromkeys(STATUSES, 0)
        row[status] = n
    keys = sorted(counts)
    names = _group_names(store, keys, group_by, as_of)
    return [coverage_row(k, names[k], **counts[k]) for k in keys]


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
