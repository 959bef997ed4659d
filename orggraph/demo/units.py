"""Two-new units (非公企业, 社会组织) and their party organizations, calibrated on coverage.

The counts below are the generator's calibration (never the analysis's): they are chosen
so that the official coverage rate, (own + joint) ÷ operating units, computed from the
graph gives the seed's figures: non-public enterprises 63/1000 = 6.3% at 2014-12-31 and
1581/1797 = 87.98% at 2019-06-30; social organizations 21/250 = 8.4% and 600/700 = 85.7%.
``scale`` multiplies every count, so the rates hold at any scale.

Each unit gets a coverage start date: an own organization (单独组建) founded in it then,
or its joining a joint organization (联合组建) of 2–5 units of the same township. Units
that close take their own organization with them. Some uncovered units are reached by a
party-building instructor (党建指导员, ``instructs``) from 2016: work coverage only.
"""

from __future__ import annotations

__all__ = [
    "COVERAGE_TARGETS",
    "CoverageTarget",
    "UnitPlan",
    "append_unit",
    "plan_units",
    "unit_records",
]

from dataclasses import dataclass, field
from datetime import date

from orggraph.demo.divisions import Township
from orggraph.demo.members import Membership, full_members_at
from orggraph.demo.names import enterprise_name, society_name
from orggraph.demo.world import REFERENCE_DATE, OrgPlan, World, days
from orggraph.model import Establishment, Level, LinkKind, Node, NodeKind, OrgKind, Sector, UnitKind

BASELINE = date(2014, 12, 31)


@dataclass(frozen=True, kw_only=True, slots=True)
class CoverageTarget:
    """Unit counts for one kind, at scale 1."""

    kind: UnitKind
    operating_2014: int  # operating at 2014-12-31
    covered_2014: int  # of those, with an own or joint organization then
    closed: int  # of those, closed before 2019-06-30
    operating_2019: int
    covered_2019: int
    work_2019: int  # uncovered but with an instructor at 2019-06-30
    own_share: float  # of the covered, share with their own organization
    closed_early: int  # closed before 2014 (history only)


COVERAGE_TARGETS = (
    CoverageTarget(
        kind=UnitKind.NON_PUBLIC_ENTERPRISE,
        operating_2014=1000,
        covered_2014=63,
        closed=180,
        operating_2019=1797,
        covered_2019=1581,
        work_2019=150,
        own_share=0.68,
        closed_early=40,
    ),
    CoverageTarget(
        kind=UnitKind.SOCIAL_ORGANIZATION,
        operating_2014=250,
        covered_2014=21,
        closed=30,
        operating_2019=700,
        covered_2019=600,
        work_2019=60,
        own_share=0.55,
        closed_early=10,
    ),
)


@dataclass(kw_only=True, slots=True)
class UnitPlan:
    """A unit to be written; ``full_members`` is settled once members are placed."""

    id: str
    name: str
    kind: UnitKind
    industry: str
    district: str
    township: str
    start: date
    end: date | None
    employees: int
    covered_from: date | None = None
    own: bool = False
    org: str | None = None  # its own or joint organization
    instructed_from: date | None = None
    full_members: int = 0
    extra: dict[str, object] = field(default_factory=dict)


def _township_weights(world: World, kind: UnitKind) -> list[tuple[Township, str, float]]:
    """Where units are: streets and parks weigh most, rural townships least."""
    out = []
    for district in world.divisions.districts:
        for township in district.townships:
            if township.is_park:
                weight = 6.0 if kind is UnitKind.NON_PUBLIC_ENTERPRISE else 0.5
            elif township.is_street:
                weight = 4.0
            elif township.name.endswith("镇"):
                weight = 1.5
            else:
                weight = 0.4
            out.append((township, district.code, weight))
    return out


def plan_units(world: World) -> list[UnitPlan]:
    """Every unit of both kinds, with coverage dates and their organizations planned."""
    units: list[UnitPlan] = []
    for target in COVERAGE_TARGETS:
        units += _plan_kind(world, target)
    return units


def _plan_kind(world: World, target: CoverageTarget) -> list[UnitPlan]:
    rng = world.rng
    s = world.scale
    places = _township_weights(world, target.kind)
    weights = [w for _, _, w in places]
    used: set[str] = set()
    districts = {d.code: d for d in world.divisions.districts}

    def make(start_lo: date, start_hi: date) -> UnitPlan:
        township, district, _ = rng.choices(places, weights)[0]
        area = world.orgs[township.code]
        start = world.day(max(start_lo, area.start + days(365)), start_hi)
        place = districts[district].short
        if target.kind is UnitKind.NON_PUBLIC_ENTERPRISE:
            name, industry = enterprise_name(rng, place, used)
            employees = max(3, int(rng.lognormvariate(3.3, 1.0)))
        else:
            name, industry = society_name(rng, place, used)
            employees = max(3, int(rng.lognormvariate(2.3, 0.7)))
        return UnitPlan(
            id=world.new_id("u", 6),
            name=name,
            kind=target.kind,
            industry=industry,
            district=district,
            township=township.code,
            start=start,
            end=None,
            employees=employees,
        )

    old = [make(date(1993, 1, 1), date(2014, 11, 30)) for _ in range(target.operating_2014 * s)]
    rng.shuffle(old)
    closed = old[: target.closed * s]
    for unit in closed:
        unit.end = world.day(max(unit.start + days(180), date(2015, 2, 1)), date(2019, 5, 31))
    survivors = old[target.closed * s :]
    new = [
        make(date(2015, 1, 15), date(2019, 3, 31))
        for _ in range(target.operating_2019 * s - len(survivors))
    ]
    early = [make(date(1995, 1, 1), date(2008, 12, 31)) for _ in range(target.closed_early * s)]
    for unit in early:
        unit.end = world.day(unit.start + days(365), date(2014, 11, 30))

    # Covered at 2014-12-31: exactly covered_2014 of the units operating then (founded early
    # enough for an organization to follow within the year).
    order = [u for u in old if u.start <= date(2014, 10, 1)]
    rng.shuffle(order)
    for unit in order[: target.covered_2014 * s]:
        unit.covered_from = world.day(max(unit.start + days(60), date(2008, 1, 1)), BASELINE)
    # Covered at 2019-06-30: exactly covered_2019 of the units operating then.
    operating = [*survivors, *new]
    already = sum(1 for u in operating if u.covered_from is not None)
    candidates = [u for u in operating if u.covered_from is None]
    rng.shuffle(candidates)
    for unit in candidates[: target.covered_2019 * s - already]:
        unit.covered_from = world.day(
            max(unit.start + days(60), date(2015, 1, 1)), REFERENCE_DATE - days(20)
        )
    # Some units that closed meanwhile had been covered for a while (history only).
    for unit in closed:
        assert unit.end is not None
        if unit.covered_from is None and rng.random() < 0.3:
            lo = max(unit.start + days(60), date(2015, 1, 1))
            if lo < unit.end - days(60):
                unit.covered_from = world.day(lo, unit.end - days(60))
    # Own or joint: units covered by 2014 mostly had their own organization.
    everyone = [*old, *new]
    for unit in everyone:
        if unit.covered_from is not None:
            share = 0.8 if unit.covered_from <= BASELINE else target.own_share
            unit.own = unit.end is not None or rng.random() < share
    # Work coverage: an instructor for work_2019 of the uncovered operating units, and for
    # a tenth of the covered ones.
    uncovered = [u for u in operating if u.covered_from is None]
    rng.shuffle(uncovered)
    for unit in uncovered[: target.work_2019 * s]:
        unit.instructed_from = world.day(
            max(unit.start + days(30), date(2016, 1, 1)), REFERENCE_DATE - days(10)
        )
    for unit in operating:
        if unit.covered_from is not None and rng.random() < 0.1:
            unit.instructed_from = world.day(
                max(unit.start + days(30), date(2016, 1, 1)), REFERENCE_DATE - days(10)
            )
    _plan_organizations(world, target, everyone)
    return [*early, *everyone]


def _plan_organizations(world: World, target: CoverageTarget, units: list[UnitPlan]) -> None:
    rng = world.rng
    sector = (
        Sector.NON_PUBLIC_ENTERPRISE
        if target.kind is UnitKind.NON_PUBLIC_ENTERPRISE
        else Sector.SOCIAL_ORGANIZATION
    )
    tag = "npe" if sector is Sector.NON_PUBLIC_ENTERPRISE else "social"
    for unit in units:
        if unit.covered_from is None or not unit.own:
            continue
        area = world.orgs[unit.township]
        size = 2 if rng.random() < 0.02 else min(80, 3 + int(rng.expovariate(1 / 5)))
        kind = OrgKind.BRANCH if size < 50 else OrgKind.GENERAL_BRANCH
        plan = world.add_org(
            OrgPlan(
                id=world.new_id("o", 6),
                name=unit.name + ("党支部" if kind is OrgKind.BRANCH else "党总支"),
                org_kind=kind,
                level=Level.GRASSROOTS,
                sector=sector,
                start=unit.covered_from,
                end=unit.end,
                parent=area.id,
                district=area.district,
                township=area.township,
                tag=tag,
                size=size if unit.end is None else rng.randint(3, 6),
            )
        )
        unit.org = plan.id
    # Joint organizations: 2–5 units of one township, in order of coverage.
    joint = [u for u in units if u.covered_from is not None and not u.own]
    joint.sort(key=lambda u: (u.township, u.covered_from, u.id))
    index = 0
    number = 0
    while index < len(joint):
        township = joint[index].township
        size = rng.randint(2, 5)
        group = [u for u in joint[index : index + size] if u.township == township]
        index += len(group)
        number += 1
        area = world.orgs[township]
        start = min(u.covered_from for u in group if u.covered_from is not None)
        ends = [u.end for u in group]
        end = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
        industry = group[0].industry if sector is Sector.NON_PUBLIC_ENTERPRISE else "社会组织"
        plan = world.add_org(
            OrgPlan(
                id=world.new_id("o", 6),
                name=f"{area.name.removesuffix('党委').removesuffix('党工委')}"
                f"{industry.split('、')[0]}联合党支部({number})",
                org_kind=OrgKind.BRANCH,
                level=Level.GRASSROOTS,
                sector=sector,
                start=start,
                end=end,
                parent=area.id,
                district=area.district,
                township=area.township,
                tag=tag,
                size=0,  # settled below from its units' members
            )
        )
        for unit in group:
            unit.org = plan.id
            unit.full_members = rng.choice((0, 1, 1, 2))
        plan.size = max(3, sum(u.full_members for u in group) + rng.randint(0, 1))
        if end is not None:
            plan.size = rng.randint(3, 5)


def unit_records(world: World, units: list[UnitPlan], membership: Membership) -> None:
    """Settle each unit's full members, then append units, their ``located_in`` links (the
    township each sits in) and their ``established_in`` links."""
    rng = world.rng
    for unit in units:
        if unit.org is not None and unit.own:
            org = world.orgs[unit.org]
            if org.end is None:
                unit.full_members = len(full_members_at(membership, org.id, REFERENCE_DATE))
            else:
                unit.full_members = org.size or 3
        elif unit.org is None:
            # A few uncovered units have enough members to set up their own: a gap.
            unit.full_members = rng.randint(3, 5) if rng.random() < 0.08 else rng.choice((0, 1, 2))
        append_unit(world, unit)


def append_unit(world: World, unit: UnitPlan) -> None:
    """Append ``unit``, its place (the township it sits in, for its whole life: its
    district follows the hierarchy) and its organization's ``established_in`` link."""
    world.nodes.append(
        Node(
            id=unit.id,
            kind=NodeKind.UNIT,
            name=unit.name,
            valid_from=unit.start,
            valid_to=unit.end,
            attrs={
                "unit_kind": unit.kind.value,
                "full_members": unit.full_members,
                "employees": unit.employees,
                "industry": unit.industry,
            },
        )
    )
    world.link(LinkKind.LOCATED_IN, unit.id, unit.township, unit.start, unit.end)
    if unit.org is not None and unit.covered_from is not None:
        mode = Establishment.OWN if unit.own else Establishment.JOINT
        world.link(
            LinkKind.ESTABLISHED_IN,
            unit.org,
            unit.id,
            unit.covered_from,
            unit.end,
            mode=mode.value,
        )
