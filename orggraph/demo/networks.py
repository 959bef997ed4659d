"""Contact-pairing links: working groups, leaders and experts, branch contacts, instructors.

- The 10 full-area working groups (全域党建工作组, ``wg01``…``wg10``, founded 2018-03-16)
  each ``covers`` areas: the four urban districts one each, 湟中区 and 大通县 split between
  two groups by township, 湟源县 whole, and the urban industrial parks (for the two-new
  sector). Two areas are covered by none (a gap to find); one township changed group on
  2019-01-01; one group changed leader on 2019-03-01.
- 613 experts (专家人才) at the reference date, served (``serves``) by 394 leaders since the
  2017 measures; some links were handed over from another leader in 2018, and some
  experts left before 2019.
- Leaders' branch contacts (支部联点, ``contacts``) since 2016, mostly within their district;
  a few leaders hold more than the five the rules allow.
- Party-building instructors (``instructs``): members of the township's agency branch.
"""

from __future__ import annotations

__all__ = ["EXPERTS", "SERVING_LEADERS", "plan_networks"]

from datetime import date

from orggraph.demo.members import MemberPlan, Membership
from orggraph.demo.names import person_name
from orggraph.demo.units import UnitPlan
from orggraph.demo.world import REFERENCE_DATE, World, days
from orggraph.model import LinkKind, Node, NodeKind

GROUPS_FOUNDED = date(2018, 3, 16)
SERVICE_MEASURES = date(2017, 6, 1)
EXPERTS = 613
SERVING_LEADERS = 394
EXPERTS_LEFT = 40
_ORDINALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
_FIELDS = (
    ("医疗卫生", "主任医师", "西宁市第一人民医院"),
    ("教育", "正高级教师", "西宁市第一中学"),
    ("工程技术", "正高级工程师", "青海大学"),
    ("农牧业", "研究员", "青海省农林科学院"),
    ("生态环保", "研究员", "中国科学院西北高原生物研究所"),
    ("金融", "高级经济师", "青海银行"),
    ("信息技术", "高级工程师", "西宁市大数据服务管理局"),
    ("文化艺术", "国家一级演员", "西宁市艺术剧院"),
    ("藏医药", "主任医师", "青海省藏医院"),
    ("新材料", "正高级工程师", "青海盐湖工业股份有限公司"),
)


def plan_networks(
    world: World, membership: Membership, free: list[MemberPlan], units: list[UnitPlan]
) -> None:
    """Working groups, experts, contacts and instructors."""
    _working_groups(world, free)
    _experts(world, membership)
    _contacts(world, membership)
    _instructors(world, membership, units)


def _working_groups(world: World, free: list[MemberPlan]) -> None:
    districts = world.divisions.districts
    urban = [d for d in districts if d.urban]
    areas: list[list[str]] = [[d.code] for d in urban]
    for district in districts:
        if district.urban:
            continue
        towns = [t.code for t in district.townships if not t.is_park]
        if len(towns) < 12:
            areas.append([district.code])
            continue
        half = len(towns) // 2
        # The last township is left to no group: a gap for the analyses to find.
        areas += [towns[:half], towns[half:-1]]
    areas.append([t.code for d in urban for t in d.townships if t.is_park])
    if len(areas) != 10:
        raise AssertionError(f"the working groups' plan makes {len(areas)} groups, not 10")
    # On 2019-01-01 the last township of the eighth group passed to the seventh.
    moved, handover = areas[7][-1], date(2019, 1, 1)
    leaders = [p for p in free if world.orgs[p.org].district is None] or free
    for number, covered in enumerate(areas, start=1):
        gid = f"{world.prefix}wg{number:02d}"
        world.nodes.append(
            Node(
                id=gid,
                kind=NodeKind.WORKING_GROUP,
                name=f"全域党建第{_ORDINALS[number - 1]}工作组",
                valid_from=GROUPS_FOUNDED,
                attrs={"number": number},
            )
        )
        extra = {"sector": "non_public_enterprise"} if number == 10 else {}
        for area in covered:
            end = handover if area == moved else None
            world.link(LinkKind.COVERS, gid, area, GROUPS_FOUNDED, end, **extra)
        if number == 7:
            world.link(LinkKind.COVERS, gid, moved, handover)
        if number == 3:  # a new leader from 2019-03-01
            change = date(2019, 3, 1)
            world.link(LinkKind.LEADS, leaders[number - 1].id, gid, GROUPS_FOUNDED, change)
            world.link(LinkKind.LEADS, leaders[10].id, gid, change)
        else:
            world.link(LinkKind.LEADS, leaders[number - 1].id, gid, GROUPS_FOUNDED)


def _experts(world: World, membership: Membership) -> None:
    rng = world.rng
    s = world.scale
    leaders = list(membership.leaders)
    rng.shuffle(leaders)
    serving = leaders[: SERVING_LEADERS * s]
    others = leaders[SERVING_LEADERS * s :] or serving
    total = EXPERTS * s
    for index in range(total + EXPERTS_LEFT * s):
        eid = world.new_id("e", 5)
        field, title, employer = rng.choice(_FIELDS)
        female = rng.random() < 0.3
        start = world.day(date(2014, 1, 1), date(2019, 4, 30))
        end = None if index < total else world.day(date(2018, 1, 1), REFERENCE_DATE - days(30))
        if end is not None:
            start = min(start, end - days(200))
        world.nodes.append(
            Node(
                id=eid,
                kind=NodeKind.EXPERT,
                name=person_name(rng, female, "汉族"),
                valid_from=start,
                valid_to=end,
                attrs={"field": field, "title": title, "employer": employer},
            )
        )
        since = max(start, SERVICE_MEASURES)
        if end is not None:
            world.link(LinkKind.SERVES, rng.choice(leaders).id, eid, since, end)
            continue
        # Each serving leader serves at least one expert; the rest are shared out.
        leader = serving[index] if index < len(serving) else rng.choice(serving)
        if since < date(2018, 1, 1) and rng.random() < 0.1:
            handover = world.day(date(2018, 1, 1), date(2018, 12, 31))
            world.link(LinkKind.SERVES, rng.choice(others).id, eid, since, handover)
            since = handover
        world.link(LinkKind.SERVES, leader.id, eid, since)
        if rng.random() < 0.08:
            second = rng.choice(serving)
            if second is not leader:
                world.link(LinkKind.SERVES, second.id, eid, since)


def _contacts(world: World, membership: Membership) -> None:
    rng = world.rng
    targets_by_district: dict[str | None, list[str]] = {}
    for plan in world.orgs.values():
        if plan.grassroots and plan.alive(REFERENCE_DATE) and plan.tag != "sub":
            targets_by_district.setdefault(plan.district, []).append(plan.id)
    everywhere = [oid for oids in targets_by_district.values() for oid in oids]
    leaders = list(membership.leaders)
    over = set(rng.sample(range(len(leaders)), 5))  # membership tests only
    taken: set[tuple[str, str]] = set()  # (leader, organization), membership tests only
    for index, leader in enumerate(leaders):
        if index in over:
            count = rng.choice((6, 7))
        else:
            count = rng.choices((1, 2, 3, 4, 5), (15, 30, 35, 15, 5))[0]
        district = world.orgs[leader.org].district
        pool = targets_by_district.get(district) if district else None
        chosen: list[str] = []
        for _ in range(count * 3):
            if len(chosen) == count:
                break
            oid = rng.choice(pool or everywhere)
            if oid not in chosen:
                chosen.append(oid)
        for oid in chosen:
            org = world.orgs[oid]
            start = world.day(max(org.start, date(2016, 3, 1)), REFERENCE_DATE - days(30))
            if (leader.id, oid) in taken:
                continue
            taken.add((leader.id, oid))
            first = max(org.start, date(2016, 3, 1))
            if start - days(200) > first and rng.random() < 0.15:
                before = rng.choice(leaders)
                if (before.id, oid) not in taken:
                    taken.add((before.id, oid))
                    world.link(LinkKind.CONTACTS, before.id, oid, first, start)
            world.link(LinkKind.CONTACTS, leader.id, oid, start)


def _instructors(world: World, membership: Membership, units: list[UnitPlan]) -> None:
    rng = world.rng
    for unit in units:
        if unit.instructed_from is None:
            continue
        branch = world.fallback[unit.township]
        until = unit.end or REFERENCE_DATE + days(1)
        pool = [
            mid
            for mid, s, e in membership.by_org.get(branch, ())
            if s <= unit.instructed_from and (e is None or e >= until)
        ]
        instructor = rng.choice(pool) if pool else rng.choice(membership.leaders).id
        world.link(LinkKind.INSTRUCTS, instructor, unit.id, unit.instructed_from, unit.end)
