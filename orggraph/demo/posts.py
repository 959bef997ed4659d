"""Posts (``holds_post``): secretaries and deputies of every organization, since 2011.

City, district and township committees are led by leaders (领导干部), each holding one
committee secretaryship at most, changing every two to five years. Grassroots
organizations elect a secretary among their members for each term: villages and
communities at the two committees' elections (换届), others every three (branches) or five
years. Secretaries are often re-elected; now and then one leaves mid-term and the post
stays vacant for one to ten months before a successor comes; a few organizations are
vacant at the reference date. Large organizations also have a deputy secretary.
"""

from __future__ import annotations

__all__ = ["plan_posts"]

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from orggraph.demo.members import MemberPlan, Membership
from orggraph.demo.world import REFERENCE_DATE, OrgPlan, World, add_years, days
from orggraph.model import LinkKind, OrgKind, Role

TRACKED_FROM = date(2011, 1, 1)
_END = REFERENCE_DATE + days(1)  # "still open" for spans


def plan_posts(world: World, membership: Membership) -> list[MemberPlan]:
    """Add every post; return the leaders not holding a committee post (free for other work)."""
    leaders = list(membership.leaders)
    world.rng.shuffle(leaders)
    queue = iter(leaders)
    committees = [p for p in world.orgs.values() if p.tag in ("city", "district", "township")]
    townships = [p.id for p in committees if p.tag == "township"]
    vacant = set(world.rng.sample(townships, 2))  # membership tests only
    for plan in committees:
        _committee_posts(world, plan, queue, plan.id in vacant)
    free = list(queue)
    children: dict[str, list[str]] = defaultdict(list)
    for plan in world.orgs.values():
        if plan.tag == "sub" and plan.parent:
            children[plan.parent].append(plan.id)
    for plan in world.orgs.values():
        if plan.grassroots and plan.start < REFERENCE_DATE:
            pool = list(membership.by_org.get(plan.id, ()))
            for child in children.get(plan.id, ()):
                pool += membership.by_org.get(child, ())
            _grassroots_posts(world, plan, pool)
    return free


def _post(
    world: World,
    member: str,
    org: str,
    role: Role,
    start: date,
    end: date | None,
    term_ends: date,
) -> None:
    world.link(
        LinkKind.HOLDS_POST,
        member,
        org,
        start,
        end if end is not None and end <= REFERENCE_DATE else None,
        role=role.value,
        term_ends=term_ends,
    )


def _committee_posts(
    world: World, plan: OrgPlan, leaders: Iterator[MemberPlan], vacant_now: bool
) -> None:
    rng = world.rng
    start = max(plan.start, TRACKED_FROM)
    # One township term in twenty ends in a vacancy of one to five months (over before the
    # reference date); two township committees are vacant at the reference date.
    while start <= REFERENCE_DATE:
        length = rng.randint(2, 5)
        end = min(add_years(start, length) - days(rng.randint(0, 120)), _END)
        holder = next(leaders)
        gap_end = end
        if plan.tag == "township" and rng.random() < 0.05 and end + days(150) <= REFERENCE_DATE:
            gap_end = end + days(rng.randint(30, 150))
        if vacant_now and end == _END:
            end = max(start + days(30), REFERENCE_DATE - days(rng.randint(40, 100)))
            _post(world, holder.id, plan.id, Role.SECRETARY, start, end, add_years(start, 5))
            break
        _post(world, holder.id, plan.id, Role.SECRETARY, start, end, add_years(start, 5))
        start = gap_end
    deputy = next(leaders)
    since = world.day(max(plan.start, date(2016, 1, 1)), date(2018, 12, 31))
    _post(world, deputy.id, plan.id, Role.DEPUTY_SECRETARY, since, None, add_years(since, 5))


def _terms(world: World, plan: OrgPlan) -> list[tuple[date, date]]:
    """The organization's terms since 2011 (or its founding): (start, planned end)."""
    first = max(plan.start, TRACKED_FROM)
    stop = min(plan.end or _END, _END)
    terms: list[tuple[date, date]] = []
    if plan.terms:
        elections = [(e, end) for e, end in plan.terms if e > first]
        term_ends = plan.extra.get("term_ends")
        first_end = elections[0][0] if elections else term_ends
        assert isinstance(first_end, date)
        terms.append((first, first_end))
        terms += elections
    else:
        length = 5 if plan.org_kind is not OrgKind.BRANCH else 3
        if plan.start >= TRACKED_FROM:
            end = add_years(first, length)
        else:
            end = world.day(first + days(90), add_years(first, length))
        terms.append((first, end))
        while end < stop:
            terms.append((end, add_years(end, length)))
            end = add_years(end, length)
    return [(a, b) for a, b in terms if a < stop]


def _covering(pool: list[tuple[str, date, date | None]], start: date, end: date) -> list[str]:
    return [mid for mid, s, e in pool if s <= start and (e is None or e >= end)]


def _grassroots_posts(
    world: World, plan: OrgPlan, pool: list[tuple[str, date, date | None]]
) -> None:
    rng = world.rng
    stop = min(plan.end or _END, _END)
    holder: str | None = None
    terms = _terms(world, plan)
    for index, (start, planned) in enumerate(terms):
        span_end = min(terms[index + 1][0] if index + 1 < len(terms) else stop, stop)
        begin = start
        while begin < span_end:
            keep = (
                holder is not None
                and rng.random() < 0.6
                and holder in _covering(pool, begin, span_end)
            )
            if not keep:
                candidates = _covering(pool, begin, span_end)
                holder = rng.choice(candidates) if candidates else None
            if holder is None:
                break
            end = span_end
            current = span_end == stop and stop == _END
            # Mid-term departures: 6% of terms; 3% of organizations are vacant now.
            leave = rng.random() < (0.03 if current else 0.06)
            if leave and span_end - begin > days(120):
                end = world.day(begin + days(60), min(span_end, _END) - days(21))
            _post(world, holder, plan.id, Role.SECRETARY, begin, end, planned)
            if end == span_end:
                break
            holder = None
            begin = end + days(rng.randint(30, 300))
        if plan.org_kind is not OrgKind.BRANCH and span_end == stop and stop == _END:
            candidates = [m for m in _covering(pool, start, span_end) if m != holder]
            if candidates:
                _post(
                    world, rng.choice(candidates), plan.id, Role.DEPUTY_SECRETARY, start, None,
                    planned,
                )  # fmt: skip
