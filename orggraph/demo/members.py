"""Party members, calibrated on the seed's structure figures, and where they belong.

Members fall in five groups (counts at scale 1, times ``scale``):

- stayers (61,000): members on 2012-11-08 (the 18th Congress) still members on 2019-06-30;
- leavers (17,000): members on 2012-11-08 who died or moved away before 2019-06-30;
- admitted 2012-11-09..2013-12-31 (1,400) and admitted 2014-01-01..2019-06-30 (6,899: the
  seed's "发展党员6899名");
- transferred in (21,701): joined the party elsewhere before 2014, arrived after 2012-11-08.

So 78,000 members at the 18th Congress and 91,000 at the reference date. The traits are
dealt by exact quotas, so that among members valid at each date the shares are: college
education or above 30.0% → 52.7% (some stayers' education rises: a new version), ethnic
minorities 25.0% → 33.7%, women 20.0% → 31.2%: +22.7, +8.7 and +11.2 points.

A member's node starts at the join date (or the arrival) and ends on leaving. Members
admitted since 2011 carry their probationary year as a version of its own; for earlier
ones the graph keeps a single version (the first year is not recorded). Each member
belongs to one organization at a time (``member_of``); before their organization existed,
or while it was closed, they are recorded in their township's (or district's) agency
branch, as transferred records are.
"""

from __future__ import annotations

__all__ = ["MemberPlan", "Membership", "full_members_at", "member_records", "plan_members"]

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from orggraph.demo.names import ethnicity_for, person_name
from orggraph.demo.world import REFERENCE_DATE, OrgPlan, World, add_years, days
from orggraph.model import Education, LinkKind, MemberStatus, Node, NodeKind

CONGRESS_18 = date(2012, 11, 8)
SINCE_2014 = date(2014, 1, 1)
TRACKED_PROBATION = date(2011, 1, 1)

STAYERS = 61_000
LEAVERS = 17_000
ADMITTED_2012_13 = 1_400
ADMITTED_SINCE_2014 = 6_899
TRANSFERS_IN = 21_701
#: Per-mille shares among members valid on 2012-11-08 and on 2019-06-30.
SHARES = {"college": (300, 527), "minority": (250, 337), "women": (200, 312)}
#: Per-mille shares among leavers, and college among newcomers.
LEAVER_SHARES = {"college": 100, "minority": 100, "women": 80}
NEWCOMER_COLLEGE = 750
LEADERS_BASE = 300
LEADERS_PER_SCALE = 400

_COLLEGE = (Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE)
_BELOW = (Education.SECONDARY, Education.PRIMARY)
_EDU_WEIGHTS = {
    "stay": ((5, 45, 50), (55, 45)),
    "leave": ((2, 30, 68), (35, 65)),
    "new": ((15, 60, 25), (70, 30)),
}


@dataclass(kw_only=True, slots=True)
class MemberPlan:
    """One member: dates, traits, organization and its history."""

    id: str
    group: str  # stay | leave | new
    start: date
    end: date | None
    join_date: date
    female: bool
    minority: bool
    education: Education
    birth_year: int
    upgrade: tuple[date, Education] | None = None
    leader: bool = False
    position: str | None = None
    name: str = ""
    ethnicity: str = "汉族"
    org: str = ""  # primary organization
    segments: list[tuple[str, date, date | None]] = field(default_factory=list)


@dataclass(kw_only=True, slots=True)
class Membership:
    """The members planned, and who belonged where when."""

    members: list[MemberPlan]
    by_org: dict[str, list[tuple[str, date, date | None]]]  # org → (member, from, to)
    leaders: list[MemberPlan]
    by_id: dict[str, MemberPlan]


def _quota(total: int, count: int, world: World) -> list[bool]:
    """``count`` Trues among ``total``, shuffled."""
    if not 0 <= count <= total:
        raise ValueError(f"cannot deal {count} of {total}")
    flags = [True] * count + [False] * (total - count)
    world.rng.shuffle(flags)
    return flags


def _join_date(world: World, eras: tuple[tuple[date, date, float], ...]) -> date:
    lo, hi, _ = world.rng.choices(eras, [w for _, _, w in eras])[0]
    return world.day(lo, hi)


def _birth_year(world: World, join: date, youngest: int = 18, oldest: int = 45) -> int:
    age = min(oldest, youngest + int(world.rng.expovariate(1 / 7)))
    return max(1926, join.year - age)


def _people(world: World) -> list[MemberPlan]:
    s = world.scale
    rng = world.rng
    a, lv = STAYERS * s, LEAVERS * s
    j1, j2, j3 = ADMITTED_2012_13 * s, ADMITTED_SINCE_2014 * s, TRANSFERS_IN * s
    j = j1 + j2 + j3
    m12, m19 = a + lv, a + j
    flags: dict[str, dict[str, list[bool]]] = {"stay": {}, "leave": {}, "new": {}}
    upgrades = 0
    for trait, (p12, p19) in SHARES.items():
        total12, total19 = m12 * p12 // 1000, m19 * p19 // 1000
        leave = lv * LEAVER_SHARES[trait] // 1000
        stay12 = total12 - leave
        if trait == "college":
            new = j * NEWCOMER_COLLEGE // 1000
            upgrades = total19 - new - stay12
        else:
            new = total19 - stay12
        flags["leave"][trait] = _quota(lv, leave, world)
        flags["stay"][trait] = _quota(a, stay12, world)
        flags["new"][trait] = _quota(j, new, world)
    people: list[MemberPlan] = []

    def add(group: str, i: int, start: date, end: date | None, join: date, born: int) -> None:
        f = flags[group]
        college_w, below_w = _EDU_WEIGHTS[group]
        if f["college"][i]:
            education = rng.choices(_COLLEGE, college_w)[0]
        else:
            education = rng.choices(_BELOW, below_w)[0]
        people.append(
            MemberPlan(
                id="",
                group=group,
                start=start,
                end=end,
                join_date=join,
                female=f["women"][i],
                minority=f["minority"][i],
                education=education,
                birth_year=born,
            )
        )

    stay_eras = (
        (date(1952, 1, 1), date(1969, 12, 31), 0.04),
        (date(1970, 1, 1), date(1989, 12, 31), 0.24),
        (date(1990, 1, 1), CONGRESS_18, 0.72),
    )
    for i in range(a):
        join = _join_date(world, stay_eras)
        add("stay", i, join, None, join, _birth_year(world, join))
    leave_eras = (
        (date(1952, 1, 1), date(1969, 12, 31), 0.30),
        (date(1970, 1, 1), date(1989, 12, 31), 0.45),
        (date(1990, 1, 1), CONGRESS_18, 0.25),
    )
    for i in range(lv):
        join = _join_date(world, leave_eras)
        end = world.day(CONGRESS_18 + days(1), REFERENCE_DATE - days(1))
        add("leave", i, join, end, join, _birth_year(world, join, 18, 40))
    for i in range(j):
        if i < j1:
            join = world.day(CONGRESS_18 + days(1), date(2013, 12, 31))
            start = join
        elif i < j1 + j2:
            join = world.day(SINCE_2014, REFERENCE_DATE)
            start = join
        else:
            start = world.day(CONGRESS_18 + days(1), REFERENCE_DATE - days(1))
            join = world.day(date(1985, 1, 1), min(start, SINCE_2014) - days(1))
        add("new", i, start, None, join, _birth_year(world, join, 18, 35))
    # Stayers whose education rose to college or above between the two dates.
    candidates = [
        p for p in people if p.group == "stay" and p.education in _BELOW and p.birth_year >= 1960
    ]
    rng.shuffle(candidates)
    if upgrades > len(candidates):
        raise ValueError(f"{upgrades} education upgrades wanted, {len(candidates)} possible")
    for person in candidates[:upgrades]:
        when = world.day(max(person.start, date(2013, 1, 1)), REFERENCE_DATE - days(1))
        person.upgrade = (when, Education.COLLEGE if rng.random() < 0.7 else Education.BACHELOR)
    rng.shuffle(people)
    for person in people:
        person.id = world.new_id("m", 7)
    return people


def _allocate(world: World, plans: list[OrgPlan], total: int) -> list[str]:
    """``total`` organization ids, each as often as its weight's share (largest remainder)."""
    weight = sum(p.weight for p in plans)
    exact = [(p.weight * total / weight, p.id) for p in plans]
    counts = {oid: int(x) for x, oid in exact}
    short = total - sum(counts.values())
    by_remainder = sorted(exact, key=lambda e: (int(e[0]) - e[0], e[1]))
    for _, oid in by_remainder[:short]:
        counts[oid] += 1
    slots = [oid for _, oid in exact for _ in range(counts[oid])]
    world.rng.shuffle(slots)
    return slots


def plan_members(world: World) -> Membership:
    """Plan every member, pick the leaders, and place everyone in an organization."""
    rng = world.rng
    people = _people(world)
    by_id = {p.id: p for p in people}
    # Leaders (领导干部): stayers of college education, in the city's and districts' agencies.
    pool = [
        p
        for p in people
        if p.group == "stay"
        and p.education in _COLLEGE
        and p.join_date < date(2010, 1, 1)
        and 1961 <= p.birth_year <= 1984
    ]
    leaders = pool[: LEADERS_BASE + LEADERS_PER_SCALE * world.scale]
    agencies = [p for p in world.orgs.values() if p.tag == "agency" and p.weight > 0]
    city_agencies = [p for p in agencies if p.district is None]
    district_agencies = [p for p in agencies if p.district is not None and p.township is None]
    for person in leaders:
        person.leader = True
        home = rng.choice(city_agencies if rng.random() < 0.35 else district_agencies)
        person.org = home.id
        person.position = _position(world, home)
    # The two-new organizations have fixed sizes; the rest share by weight.
    present = [p for p in people if p.end is None and not p.leader]
    fixed = [p for p in world.member_orgs(REFERENCE_DATE) if p.size]
    slots = [p.id for p in fixed for _ in range(p.size or 0)]
    weighted = [p for p in world.member_orgs(REFERENCE_DATE) if p.weight > 0]
    slots += _allocate(world, weighted, len(present) - len(slots))
    rng.shuffle(slots)
    for person, oid in zip(present, slots, strict=True):
        person.org = oid
    # Leavers belonged to the long-standing organizations (not the two-new ones).
    old = [p for p in weighted if p.tag not in ("npe", "social")]
    cumulative = list(itertools.accumulate(p.weight for p in old))
    for person in people:
        if person.end is not None:
            person.org = rng.choices(old, cum_weights=cumulative)[0].id
    secondary = _closed_organizations(world, people)
    by_org: dict[str, list[tuple[str, date, date | None]]] = defaultdict(list)
    for person in people:
        person.segments = _segments(world, person, secondary.get(person.id))
        for oid, start, end in person.segments:
            by_org[oid].append((person.id, start, end))
        district = _district_of(world, person.org)
        person.ethnicity = ethnicity_for(rng, district, person.minority)
        person.name = person_name(rng, person.female, person.ethnicity)
    return Membership(members=people, by_org=dict(by_org), leaders=leaders, by_id=by_id)


def _district_of(world: World, oid: str) -> str:
    code = world.orgs[oid].district
    for district in world.divisions.districts:
        if district.code == code:
            return district.name
    return world.divisions.city_name


def _position(world: World, home: OrgPlan) -> str:
    dept = home.name.removeprefix("西宁").split("机关")[0]
    head = (
        "主任"
        if dept.endswith(("办公室", "委员会", "中心", "常委会"))
        else "部长"
        if dept.endswith("部")
        else "局长"
        if dept.endswith("局")
        else "负责人"
    )
    return f"{dept}{'副' if world.rng.random() < 0.6 and head != '负责人' else ''}{head}"


def _closed_organizations(
    world: World, people: list[MemberPlan]
) -> dict[str, tuple[str, date, date]]:
    """Members of the two-new organizations that closed before the reference date.

    They were stayers of the same township (or district) for the organization's life,
    and went back to their own organization afterwards.
    """
    rng = world.rng
    by_area: dict[str, list[MemberPlan]] = defaultdict(list)
    for person in people:
        if person.group == "stay" and not person.leader:
            org = world.orgs[person.org]
            if org.tag not in ("npe", "social"):
                by_area[org.township or ""].append(person)
                by_area[org.district or ""].append(person)
    out: dict[str, tuple[str, date, date]] = {}
    for plan in world.orgs.values():
        if plan.end is None or not plan.size:
            continue
        pool = by_area.get(plan.township or "") or by_area.get(plan.district or "") or []
        chosen: list[MemberPlan] = []
        for _ in range(plan.size * 4 if pool else 0):
            if len(chosen) == plan.size:
                break
            person = rng.choice(pool)
            if person.id not in out and person.start < plan.end - days(30):
                chosen.append(person)
                out[person.id] = (plan.id, max(person.start, plan.start), plan.end)
    return out


def _fallback(world: World, plan: OrgPlan, day: date) -> str:
    """The agency branch that keeps the record of a member whose organization is not there."""
    for area in (plan.township, plan.district, world.divisions.city_code):
        if area is None:
            continue
        oid = world.fallback.get(area)
        if oid is not None and oid != plan.id and world.orgs[oid].start <= day:
            return oid
    raise AssertionError(f"no organization can keep a member of {plan.id} on {day}")


def _segments(
    world: World, person: MemberPlan, secondary: tuple[str, date, date] | None
) -> list[tuple[str, date, date | None]]:
    """The member's organizations over time: (organization, from, to)."""
    primary = world.orgs[person.org]
    points = {person.start}
    for when in (primary.start, primary.end, *(secondary[1:] if secondary else ())):
        if when is not None and person.start < when and (person.end is None or when < person.end):
            points.add(when)
    bounds = sorted(points)
    pieces: list[tuple[str, date, date | None]] = []
    for i, start in enumerate(bounds):
        end = bounds[i + 1] if i + 1 < len(bounds) else person.end
        if secondary and secondary[1] <= start < secondary[2]:
            oid = secondary[0]
        elif primary.alive(start):
            oid = primary.id
        else:
            oid = _fallback(world, primary, start)
        if pieces and pieces[-1][0] == oid:
            pieces[-1] = (oid, pieces[-1][1], end)
        else:
            pieces.append((oid, start, end))
    return pieces


def member_records(world: World, membership: Membership) -> None:
    """Append every member's versions and ``member_of`` links to the world's records."""
    for person in membership.members:
        world.nodes += _versions(person)
        for oid, start, end in person.segments:
            world.link(LinkKind.MEMBER_OF, person.id, oid, start, end)


def _versions(person: MemberPlan) -> list[Node]:
    full_from = add_years(person.join_date, 1)
    changes: list[tuple[date, dict[str, Any]]] = []
    tracked = person.join_date >= TRACKED_PROBATION
    status = (
        MemberStatus.PROBATIONARY if tracked and person.start < full_from else MemberStatus.FULL
    )
    attrs: dict[str, Any] = {
        "gender": "female" if person.female else "male",
        "ethnicity": person.ethnicity,
        "education": person.education.value,
        "birth_year": person.birth_year,
        "join_date": person.join_date,
        "status": status.value,
        "is_leader": person.leader,
    }
    if person.position:
        attrs["position"] = person.position
    limit = person.end or REFERENCE_DATE + days(1)
    if status is MemberStatus.PROBATIONARY and full_from < limit:
        changes.append((full_from, {"status": MemberStatus.FULL.value}))
    if person.upgrade and person.upgrade[0] < limit:
        changes.append((person.upgrade[0], {"education": person.upgrade[1].value}))
    changes.sort(key=lambda c: c[0])
    out: list[Node] = []
    start = person.start
    for when, update in [*changes, (None, {})]:
        if when == start:
            attrs = {**attrs, **update}
            continue
        out.append(
            Node(
                id=person.id,
                kind=NodeKind.MEMBER,
                name=person.name,
                valid_from=start,
                valid_to=when if when is not None else person.end,
                attrs=attrs,
            )
        )
        if when is not None:
            start, attrs = when, {**attrs, **update}
    return out


def full_members_at(membership: Membership, oid: str, day: date) -> list[MemberPlan]:
    """Members of ``oid`` valid at ``day`` who are full members then."""
    out = []
    for mid, start, end in membership.by_org.get(oid, ()):
        if start <= day and (end is None or day < end):
            person = membership.by_id[mid]
            if not (person.join_date >= TRACKED_PROBATION and day < add_years(person.join_date, 1)):
                out.append(person)
    return out
