"""Two-new units and yearly facts for the province demo's cities outside Xining.

Nothing here is calibrated on a document: the shape follows Xining's (``units.py``).
``plan_city_units(world)`` plans each township's non-public enterprises and social
organizations (more in streets and parks, few in rural townships), placed (``located_in``)
in their township for their whole life: about 7% of those operating at 2014-12-31 covered
then, about 88% of those operating at the reference date covered by then (own 单独组建
or joint 联合组建, 2–4 units of one township), most of the rest reached by an instructor
(工作覆盖). Their own and joint organizations are planned with a size, so that
``staff_city`` gives them members and a secretary; units that close never had one.
``unit_records`` then writes the units and their links, ``yearly_facts`` every grassroots
organization's assessment (考核) for 2013–2018, about 3% of them weak each year. Every
draw comes from ``world.rng``: the same seed gives the same units and facts.
"""

from __future__ import annotations

__all__ = ["plan_city_units", "unit_records", "yearly_facts"]

from datetime import date

from orggraph.demo.facts import FACT_YEARS
from orggraph.demo.names import enterprise_name, society_name
from orggraph.demo.units import UnitPlan, append_unit
from orggraph.demo.world import REFERENCE_DATE, OrgPlan, World, days
from orggraph.model import (
    Level,
    LinkKind,
    OrgKind,
    Role,
    Sector,
    UnitKind,
)

_BASELINE = date(2014, 12, 31)
_FIRST, _LAST = date(1995, 1, 1), date(2019, 3, 31)  # when units are founded
_COVERED_2014, _COVERED_NOW, _WORK = 0.07, 0.88, 0.6  # shares, as Xining's
_CLOSED = 0.15  # of the units founded before 2015, closed since
_WEAK = 0.03  # of grassroots organizations, each year
#: Per kind: its sector, organization tag, units per township weight, own share.
_KINDS = (
    (UnitKind.NON_PUBLIC_ENTERPRISE, Sector.NON_PUBLIC_ENTERPRISE, "npe", 2.5, 0.68),
    (UnitKind.SOCIAL_ORGANIZATION, Sector.SOCIAL_ORGANIZATION, "social", 1.0, 0.55),
)


def _weight(name: str, kind: UnitKind) -> float:
    """Streets and parks weigh most, rural townships least (as Xining's units)."""
    if name.endswith("园"):
        return 6.0 if kind is UnitKind.NON_PUBLIC_ENTERPRISE else 0.5
    if name.endswith("街道"):
        return 4.0
    return 1.5 if name.endswith("镇") else 0.4


def plan_city_units(world: World) -> list[UnitPlan]:
    """Every unit of ``world``'s city, its coverage dates and organizations planned."""
    rng = world.rng
    div = world.divisions
    city_short = div.city_name[:2]
    used: set[str] = set()
    units: list[UnitPlan] = []
    for kind, sector, tag, per_weight, own_share in _KINDS:
        planned: list[UnitPlan] = []
        for district in div.districts:
            for township in district.townships:
                area = world.orgs[township.code]
                lo = max(_FIRST, area.start + days(365))
                if lo >= _LAST:
                    continue
                count = int(_weight(township.name, kind) * per_weight + rng.random())
                for _ in range(count):
                    if kind is UnitKind.NON_PUBLIC_ENTERPRISE:
                        name, industry = enterprise_name(rng, district.short, used)
                        employees = max(3, int(rng.lognormvariate(3.0, 1.0)))
                    else:
                        name, industry = society_name(rng, district.short, used)
                        employees = max(3, int(rng.lognormvariate(2.2, 0.7)))
                    if name.startswith("西宁") or name.startswith("青海"):
                        name = city_short + name[2:]  # a firm of its own city
                    planned.append(
                        _cover(
                            world,
                            UnitPlan(
                                id=world.new_id("u", 6),
                                name=name,
                                kind=kind,
                                industry=industry,
                                district=district.code,
                                township=township.code,
                                start=world.day(lo, _LAST),
                                end=None,
                                employees=employees,
                            ),
                            own_share,
                        )
                    )
        _plan_organizations(world, planned, sector, tag)
        units += planned
    return units


def _cover(world: World, unit: UnitPlan, own_share: float) -> UnitPlan:
    """Draw the unit's closing, coverage and instructor dates."""
    rng = world.rng
    if unit.start < _BASELINE and rng.random() < _CLOSED:
        unit.end = world.day(max(unit.start + days(180), date(2015, 2, 1)), date(2019, 5, 31))
        return unit  # a unit that closed had no organization
    if unit.start <= date(2014, 10, 1) and rng.random() < _COVERED_2014:
        unit.covered_from = world.day(max(unit.start + days(60), date(2008, 1, 1)), _BASELINE)
        unit.own = rng.random() < 0.8
    elif rng.random() < _COVERED_NOW:
        lo = max(unit.start + days(60), date(2015, 1, 1))
        unit.covered_from = world.day(lo, REFERENCE_DATE - days(20))
        unit.own = rng.random() < own_share
    if unit.covered_from is None and rng.random() < _WORK:
        lo = max(unit.start + days(30), date(2016, 1, 1))
        unit.instructed_from = world.day(lo, REFERENCE_DATE - days(10))
    return unit


def _plan_organizations(world: World, units: list[UnitPlan], sector: Sector, tag: str) -> None:
    """Own organizations, then joint ones of 2–4 units of a township in order of coverage;
    ``weight`` 3 × size, so that ``staff_city`` gives each ``size`` members."""
    rng = world.rng

    def add(name: str, township: str, start: date, size: int) -> str:
        area = world.orgs[township]
        plan = world.add_org(
            OrgPlan(
                id=world.new_id("o", 6),
                name=name,
                org_kind=OrgKind.BRANCH,
                level=Level.GRASSROOTS,
                sector=sector,
                start=start,
                parent=area.id,
                district=area.district,
                township=area.township,
                tag=tag,
                weight=3.0 * size,
            )
        )
        return plan.id

    for unit in units:
        if unit.covered_from is not None and unit.own:
            size = min(30, 3 + int(rng.expovariate(1 / 3)))
            unit.org = add(unit.name + "党支部", unit.township, unit.covered_from, size)
            unit.full_members = size
    joint = [u for u in units if u.covered_from is not None and not u.own]
    joint.sort(key=lambda u: (u.township, u.covered_from, u.id))
    index = number = 0
    while index < len(joint):
        township = joint[index].township
        group = [u for u in joint[index : index + rng.randint(2, 4)] if u.township == township]
        index += len(group)
        number += 1
        start = min(u.covered_from for u in group if u.covered_from is not None)
        area = world.orgs[township].name.removesuffix("党委").removesuffix("党工委")
        label = group[0].industry.split("、")[0] if tag == "npe" else "社会组织"
        for unit in group:
            unit.full_members = rng.choice((0, 1, 1, 2))
        size = max(3, sum(u.full_members for u in group))
        org = add(f"{area}{label}联合党支部({number})", township, start, size)
        for unit in group:
            unit.org = org


def unit_records(world: World, units: list[UnitPlan]) -> None:
    """Append the units, their place (their township, for their whole life), their
    organizations' ``established_in`` links and their instructors (the township
    committee's secretary: ``staff_city`` must have run)."""
    rng = world.rng
    secretaries = {
        x.target: x.source
        for x in world.links
        if x.kind is LinkKind.HOLDS_POST
        and x.valid_to is None
        and x.attrs.get("role") == Role.SECRETARY.value
    }
    for unit in units:
        if unit.org is None:
            # A few uncovered units have enough members to set up their own: a gap.
            unit.full_members = rng.randint(3, 5) if rng.random() < 0.08 else rng.choice((0, 1, 2))
        append_unit(world, unit)
        instructor = secretaries.get(unit.township)
        if unit.instructed_from is not None and instructor is not None:
            world.link(LinkKind.INSTRUCTS, instructor, unit.id, unit.instructed_from)


def yearly_facts(world: World) -> None:
    """Each grassroots organization's assessment score and grade and its meetings held,
    for every year it was there at the year's end; about 3% weak (score under 65)."""
    rng = world.rng
    grassroots = [p for p in world.orgs.values() if p.grassroots]
    for year in FACT_YEARS:
        end = date(year, 12, 31)
        for plan in grassroots:
            if not plan.alive(end):
                continue
            if rng.random() >= _WEAK:
                score = round(min(99.5, max(62.0, rng.gauss(86, 6))), 1)
                meetings = rng.randint(12, 30)
            else:
                score = round(rng.uniform(45, 64), 1)
                meetings = rng.randint(2, 10) if rng.random() < 0.5 else rng.randint(12, 16)
            world.fact(plan.id, year, "assessment_score", score)
            world.fact(plan.id, year, "assessment_grade", _grade(score))
            world.fact(plan.id, year, "meetings_held", meetings)


def _grade(score: float) -> str:
    """考核等次 from the score: 90 excellent, 80 good, 65 fair, below poor."""
    for floor, grade in ((90, "excellent"), (80, "good"), (65, "fair")):
        if score >= floor:
            return grade
    return "poor"
