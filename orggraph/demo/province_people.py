"""Synthetic people for the province demo's organizations outside Xining.

``staff_city(world)`` gives every planned organization of ``world`` its people: an
organization that holds members (``weight`` > 0: a branch) gets ``max(3, weight / 3)``
full members, the first its secretary; a committee or general branch above others gets
one leader (领导干部) as member and secretary. About 3% of branches have had no secretary
since theirs left in 2018 or 2019 (the gaps list them). A city's world also gets one
working group (全域党建工作组) covering each of its counties from 2017, led by the city
committee's secretary. ``contact_leaders`` then gives about 90% of the grassroots
organizations a contact leader (联点领导): leaders of the township committee (else the
county's, else the city's) each contacting up to four of its organizations, from 2016 to
2019. Everything is drawn from ``world.rng``: the same seed gives the
same people.
"""

from __future__ import annotations

__all__ = ["contact_leaders", "staff_city"]

from datetime import date
from math import ceil

from orggraph.demo.names import ethnicity_for, person_name
from orggraph.demo.world import REFERENCE_DATE, OrgPlan, World, days
from orggraph.model import Education, LinkKind, MemberStatus, Node, NodeKind, Role

_EDUCATION = tuple(Education)
_EDUCATION_WEIGHTS = (4, 30, 30, 20, 16)
_GROUPS_FROM = date(2017, 1, 1)
_LAST_JOIN = date(2018, 6, 30)  # everyone is a full member at the reference date
_VACANT_FROM, _VACANT_TO = date(2018, 1, 1), date(2019, 5, 31)  # when vacant posts fell so


def staff_city(world: World) -> None:
    """Members, secretaries and the city's working group, appended to ``world``'s records."""
    secretaries: dict[str, tuple[str, date]] = {}
    for plan in list(world.orgs.values()):
        if plan.weight > 0:
            size = max(3, round(plan.weight / 3))
            people = [_member(world, plan, leader=False) for _ in range(size)]
            if world.rng.random() >= 0.03:
                secretaries[plan.id] = people[0]
            else:  # the secretary left lately and no one has followed yet
                member_id, since = people[0]
                left = world.day(_VACANT_FROM, _VACANT_TO)
                if since < left:
                    world.link(
                        LinkKind.HOLDS_POST,
                        member_id,
                        plan.id,
                        since,
                        left,
                        role=Role.SECRETARY.value,
                    )
        else:
            secretaries[plan.id] = _member(world, plan, leader=True)
    for org_id, (member_id, since) in secretaries.items():
        world.link(LinkKind.HOLDS_POST, member_id, org_id, since, role=Role.SECRETARY.value)
    city = next((p for p in world.orgs.values() if p.tag == "city"), None)
    if city is None:
        return
    group = world.new_id("wg", 2)
    world.nodes.append(
        Node(
            id=group,
            kind=NodeKind.WORKING_GROUP,
            name=f"{city.name.removesuffix('委')}全域党建工作组",
            valid_from=_GROUPS_FROM,
            attrs={"number": 1},
        )
    )
    leader, since = secretaries[city.id]
    world.link(LinkKind.LEADS, leader, group, max(since, _GROUPS_FROM))
    for plan in world.orgs.values():
        if plan.tag == "district":
            world.link(LinkKind.COVERS, group, plan.id, _GROUPS_FROM)


_CONTACTED = 0.9  # share of the grassroots organizations with a contact leader
_CONTACTS_EACH = 4  # organizations a contact leader answers for, at most (rules: 5)
_CONTACTS_FROM = date(2016, 3, 1)


def contact_leaders(world: World, top: str) -> None:
    """Contact leaders for about 90% of ``world``'s grassroots organizations operating at
    the reference date: new leaders (领导干部) of the township committee above each (else
    its county's, else ``top``: the city's or province's committee), four organizations
    each at most. Run after ``staff_city`` (it draws from the same ``world.rng``)."""
    rng = world.rng
    by_host: dict[str, list[OrgPlan]] = {}
    for plan in world.orgs.values():
        if plan.grassroots and plan.end is None and plan.start <= REFERENCE_DATE:
            host = plan.township or plan.district or top
            by_host.setdefault(host, []).append(plan)
    for host, plans in by_host.items():
        chosen = [p for p in plans if rng.random() < _CONTACTED]
        if not chosen:
            continue
        committee = world.orgs[host]
        leaders = [
            _member(world, committee, leader=True)
            for _ in range(ceil(len(chosen) / _CONTACTS_EACH))
        ]
        for index, plan in enumerate(chosen):
            leader, since = leaders[index % len(leaders)]
            first = max(plan.start, since, _CONTACTS_FROM)
            start = world.day(first, max(first, REFERENCE_DATE - days(30)))
            world.link(LinkKind.CONTACTS, leader, plan.id, start)


def _member(world: World, plan: OrgPlan, *, leader: bool) -> tuple[str, date]:
    """One full member of ``plan`` from its founding (or their joining, if later): the
    member's id and first day."""
    rng = world.rng
    female = rng.random() < 0.3
    ethnicity = ethnicity_for(rng, "", rng.random() < 0.45)
    birth_year = rng.randint(1955, 1993) if not leader else rng.randint(1960, 1980)
    joined = min(date(birth_year + rng.randint(20, 35), rng.randint(1, 12), 1), _LAST_JOIN)
    start = max(joined, plan.start)
    member_id = world.new_id("m", 6)
    world.nodes.append(
        Node(
            id=member_id,
            kind=NodeKind.MEMBER,
            name=person_name(rng, female, ethnicity),
            valid_from=start,
            attrs={
                "gender": "female" if female else "male",
                "ethnicity": ethnicity,
                "education": rng.choices(_EDUCATION, weights=_EDUCATION_WEIGHTS)[0].value,
                "birth_year": birth_year,
                "join_date": joined,
                "status": MemberStatus.FULL.value,
                "is_leader": leader,
            },
        )
    )
    world.link(LinkKind.MEMBER_OF, member_id, plan.id, start)
    return member_id, start
