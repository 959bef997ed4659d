"""Yearly facts, weak branches, and their remediation cases with strong partners.

Every grassroots organization has, for each year 2013–2018 it existed through, an
assessment score (0–100) and grade and the organizational-life meetings it held; villages
their collective income (万元): nearly half at zero in 2013, fewer each year as villages
broke zero (破零). 357 village/community service centres were upgraded (venue_upgraded,
2016–2018); 2,950 organizations set up a "new-era lecture hall" (lecture_hall, 2018).
Members valid at the end of 2018 have a vanguard index (先锋指数).

Each year from 2014 about 3% of grassroots organizations are made weak in the previous
year's facts (few meetings, a poor grade, the lowest scores, zero income) and a
remediation case (整顿转化) is opened in March: identified → rectifying (a responsible
leader, a strong partner paired with it, a deadline) → under review → converted, or
extended and round again. At the reference date the 2019 cases are under way: some stalled
since identification, some extended past their deadline (overdue).
"""

from __future__ import annotations

__all__ = ["LECTURE_HALLS", "VENUES_UPGRADED", "plan_facts"]

from collections import defaultdict
from datetime import date
from typing import Any

from orggraph.demo.members import TRACKED_PROBATION, Membership
from orggraph.demo.world import REFERENCE_DATE, OrgPlan, World, add_years, days
from orggraph.model import CaseState, LinkKind, Node, NodeKind, Sector

FACT_YEARS = range(2013, 2019)
VENUES_UPGRADED = 357
LECTURE_HALLS = 2950
WEAK_SHARE = 0.03
#: Villages at zero collective income, per mille, by year.
ZERO_INCOME = {2013: 450, 2014: 400, 2015: 330, 2016: 250, 2017: 150, 2018: 80}


def _grade(score: float) -> str:
    if score >= 90:
        return "excellent"
    if score >= 80:
        return "good"
    if score >= 65:
        return "fair"
    return "poor"


def plan_facts(world: World, membership: Membership) -> None:
    """Facts, weak organizations, cases and pairings."""
    rng = world.rng
    grassroots = [p for p in world.orgs.values() if p.grassroots]
    weak = _weak_by_year(world, grassroots)
    villages = [p for p in grassroots if p.tag == "village"]
    scores: dict[tuple[str, int], float] = {}
    for year in FACT_YEARS:
        end = date(year, 12, 31)
        for plan in grassroots:
            if not plan.alive(end):
                continue
            reasons = weak[year].get(plan.id)
            if reasons is None:
                score = round(min(99.5, max(62.0, rng.gauss(86, 6))), 1)
                meetings = rng.randint(12, 30)
            else:
                score = round(rng.uniform(45, 64), 1)
                meetings = rng.randint(2, 10) if "few_meetings" in reasons else rng.randint(12, 16)
            scores[(plan.id, year)] = score
            world.fact(plan.id, year, "assessment_score", score)
            world.fact(plan.id, year, "assessment_grade", _grade(score))
            world.fact(plan.id, year, "meetings_held", meetings)
    _income(world, villages, weak)
    # Still there at the reference date, so that the figures count every one of them.
    alive_2018 = [p for p in grassroots if p.alive(date(2018, 12, 31)) and p.end is None]
    sites = [p for p in alive_2018 if p.tag in ("village", "community")]
    for plan in rng.sample(sites, VENUES_UPGRADED):
        world.fact(plan.id, rng.choice((2016, 2017, 2018)), "venue_upgraded", True)
    halls = rng.sample(alive_2018, min(len(alive_2018), LECTURE_HALLS * world.scale))
    for plan in halls:
        world.fact(plan.id, 2018, "lecture_hall", True)
    end_2018 = date(2018, 12, 31)
    for person in membership.members:
        if person.start <= end_2018 and (person.end is None or end_2018 < person.end):
            probationary = person.join_date >= TRACKED_PROBATION and end_2018 < add_years(
                person.join_date, 1
            )
            if not probationary:
                index = round(min(100.0, max(55.0, rng.gauss(86, 7))), 1)
                world.fact(person.id, 2018, "vanguard_index", index)
    _cases(world, membership, weak, scores)


def _weak_by_year(world: World, grassroots: list[OrgPlan]) -> dict[int, dict[str, list[str]]]:
    """Per fact year: the organizations made weak, with the reasons planted."""
    rng = world.rng
    out: dict[int, dict[str, list[str]]] = {}
    for year in FACT_YEARS:
        end = date(year, 12, 31)
        # Only organizations that never closed: a case and its links outlive the year.
        alive = [p for p in grassroots if p.alive(end) and p.end is None]
        chosen = rng.sample(alive, round(len(alive) * WEAK_SHARE))
        out[year] = {}
        for plan in chosen:
            reasons = ["bottom_ranking", "poor_assessment"]
            if rng.random() < 0.6:
                reasons.append("few_meetings")
            if plan.tag == "village" and rng.random() < 0.5:
                reasons.append("zero_income")
            out[year][plan.id] = reasons
    return out


def _income(world: World, villages: list[OrgPlan], weak: dict[int, dict[str, list[str]]]) -> None:
    """Collective income: villages break zero one by one and mostly stay above it."""
    rng = world.rng
    order = list(villages)
    rng.shuffle(order)  # the position in this order is when a village broke zero
    base = {p.id: rng.lognormvariate(2.3, 0.8) for p in villages}
    for year in FACT_YEARS:
        zero = set(p.id for p in order[: len(order) * ZERO_INCOME[year] // 1000])
        for plan in villages:
            if not plan.alive(date(year, 12, 31)):
                continue
            reasons = weak[year].get(plan.id, [])
            if plan.id in zero or "zero_income" in reasons:
                income = 0.0
            else:
                income = round(base[plan.id] * (1 + 0.12 * (year - 2013)), 1)
            world.fact(plan.id, year, "collective_income", income)


def _cases(
    world: World,
    membership: Membership,
    weak: dict[int, dict[str, list[str]]],
    scores: dict[tuple[str, int], float],
) -> None:
    rng = world.rng
    contacts: dict[str, list[str]] = defaultdict(list)
    for link in world.links:
        if link.kind is LinkKind.CONTACTS and link.valid_to is None:
            contacts[link.target].append(link.source)
    leaders_by_district: dict[str | None, list[str]] = defaultdict(list)
    for link in world.links:
        if link.kind is LinkKind.CONTACTS:
            leaders_by_district[world.orgs[link.target].district].append(link.source)
    open_until: dict[str, date] = {}  # organization → the day its last case converted
    for year in FACT_YEARS:
        opened = year + 1
        number = 0
        strong = _strong(world, year, weak[year], scores)
        for oid, reasons in sorted(weak[year].items()):
            if open_until.get(oid, date.min) >= date(opened, 3, 1):
                continue
            number += 1
            plan = world.orgs[oid]
            pool = (
                contacts.get(oid)
                or leaders_by_district.get(plan.district)
                or [membership.leaders[0].id]
            )
            responsible = rng.choice(pool)
            partners = strong.get((plan.sector, plan.district)) or strong.get((plan.sector, None))
            partner = rng.choice(partners) if partners else None
            steps = _steps(world, opened, responsible, partner)
            case_id = f"{world.prefix}case-{opened}-{number:03d}"
            base: dict[str, Any] = {"organization": oid, "reasons": reasons}
            for i, (when, update) in enumerate(steps):
                base = {**base, **update}
                nxt = steps[i + 1][0] if i + 1 < len(steps) else None
                world.nodes.append(
                    Node(
                        id=case_id,
                        kind=NodeKind.CASE,
                        name=f"{plan.name}整顿转化({opened}年)",
                        valid_from=when,
                        valid_to=nxt,
                        attrs={k: v for k, v in base.items() if v is not None},
                    )
                )
            started = steps[1][0] if len(steps) > 1 else None
            converted = steps[-1][0] if steps[-1][1].get("state") == "converted" else None
            open_until[oid] = converted or date.max
            if oid not in contacts:
                world.link(LinkKind.CONTACTS, responsible, oid, steps[0][0], converted)
            if started is not None and partner is not None:
                world.link(LinkKind.PAIRED_WITH, partner, oid, started, converted)


def _steps(
    world: World, year: int, responsible: str, partner: str | None
) -> list[tuple[date, dict[str, Any]]]:
    """A case's dated versions, up to the reference date."""
    rng = world.rng
    identified = world.day(date(year, 3, 1), date(year, 3, 31))
    steps: list[tuple[date, dict[str, Any]]] = [(identified, {"state": "identified"})]
    stalled = year == REFERENCE_DATE.year and rng.random() < 0.25
    if stalled:
        return steps
    deadline = world.day(date(year, 11, 15), date(year, 12, 20))
    rectifying = identified + days(rng.randint(10, 40))
    steps.append(
        (
            rectifying,
            {
                "state": "rectifying",
                "responsible": responsible,
                "partner": partner,
                "deadline": deadline,
            },
        )
    )
    review = deadline - days(rng.randint(0, 30))
    evidence = f"整改报告、会议记录和群众测评({year}年)"
    extended = rng.random() < 0.2
    while True:
        if review > REFERENCE_DATE:
            return [s for s in steps if s[0] <= REFERENCE_DATE]
        steps.append((review, {"state": "under_review", "evidence": evidence}))
        decided = review + days(rng.randint(10, 30))
        if decided > REFERENCE_DATE:
            return steps
        if not extended:
            steps.append((decided, {"state": CaseState.CONVERTED.value}))
            return steps
        extended = False
        # Extended by three to six months: rectify again, then a second review.
        deadline = add_years(deadline, 0) + days(rng.randint(90, 180))
        steps.append((decided, {"state": "extended", "deadline": deadline}))
        again = decided + days(rng.randint(3, 10))
        if again > REFERENCE_DATE:
            return steps
        steps.append((again, {"state": "rectifying"}))
        review = deadline - days(rng.randint(0, 20))
        if review <= again:
            review = again + days(5)
        evidence = f"延期整改报告({deadline.year}年)"


def _strong(
    world: World, year: int, weak: dict[str, list[str]], scores: dict[tuple[str, int], float]
) -> dict[tuple[Sector | None, str | None], list[str]]:
    """Strong partners for a year's cases: graded excellent that year, by sector and area."""
    out: dict[tuple[Sector | None, str | None], list[str]] = defaultdict(list)
    for plan in world.orgs.values():
        if (
            plan.grassroots
            and plan.tag != "sub"
            and plan.end is None
            and plan.id not in weak
            and scores.get((plan.id, year), 0.0) >= 90
        ):
            out[(plan.sector, plan.district)].append(plan.id)
            out[(plan.sector, None)].append(plan.id)
    return out
