"""Counting members, checked against plain Python on random small graphs (hypothesis).

``coverage_gaps`` counts full members up to ``min_full_members`` only (exact below it,
``weak.full_members_below``, as the weak branches do), and the seed report counts members
by trait over the whole store or a scope; each example here builds a fresh store, and the
oracle counts the generated records one by one: a branch's memberships valid at the date
whose member is full, and the members valid at the date with each trait.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orggraph.analysis.gaps import GapKind, coverage_gaps
from orggraph.analysis.report import admissions, member_structure
from orggraph.model import LinkKind, WriteBatch
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope
from tests.graphs import link, member, org

D0 = date(2010, 1, 1)
ASK = date(2016, 6, 30)
SINCE = date(2014, 1, 1)
EDUCATION = ["postgraduate", "bachelor", "college", "secondary", "primary"]
ETHNICITY = ["汉族", "回族", "藏族", "土族"]
GENDER = ["female", "male"]
_ids = itertools.count()


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


@dataclass(frozen=True)
class Person:
    status: str
    start: int  # days from D0
    end: int | None
    education: str
    ethnicity: str
    gender: str
    joined: int  # days from D0


@dataclass(frozen=True)
class City:
    branches: int
    people: list[Person]
    memberships: list[tuple[int, int, int, int | None]]  # (person, branch, start, end)
    other_root: bool  # members under a second city too (outside the asked scope)

    def alive(self, start: int, end: int | None, when: date) -> bool:
        return day(start) <= when and (end is None or when < day(end))


@st.composite
def cities(draw: st.DrawFn) -> City:
    people = draw(
        st.lists(
            st.builds(
                Person,
                status=st.sampled_from(["full", "probationary"]),
                start=st.integers(0, 3000),
                end=st.none() | st.integers(3001, 4000),
                education=st.sampled_from(EDUCATION),
                ethnicity=st.sampled_from(ETHNICITY),
                gender=st.sampled_from(GENDER),
                joined=st.integers(0, 4000),
            ),
            min_size=0,
            max_size=14,
        )
    )
    branches = draw(st.integers(1, 4))
    memberships = []
    for p, person in enumerate(people):
        for b in draw(st.sets(st.integers(0, branches - 1), max_size=2)):
            # Within the member's own life, as the store requires.
            start = draw(st.integers(person.start, min(person.start + 1500, 3000)))
            if person.end is None:
                end = draw(st.none() | st.integers(start + 1, start + 2500))
            else:
                end = draw(st.none() | st.integers(start + 1, person.end))
                end = person.end if end is None else end
            memberships.append((p, b, start, end))
    return City(
        branches=branches,
        people=people,
        memberships=memberships,
        other_root=draw(st.booleans()),
    )


def _write(city: City, store: EmbeddedStore) -> None:
    nodes = [org("c", "市委", "city")]
    links = []
    for b in range(city.branches):
        nodes.append(org(f"b{b}", f"支部{b}", "grassroots", "branch", sector="community"))
        links.append(link(LinkKind.SUBORDINATE_TO, f"b{b}", "c"))
    if city.other_root:  # another city's branch, whose members the scope must not count
        nodes += [org("x", "他市委", "city"), org("xb", "他支部", "grassroots", "branch")]
        links.append(link(LinkKind.SUBORDINATE_TO, "xb", "x"))
    for p, person in enumerate(city.people):
        nodes.append(
            member(
                f"m{p}",
                f"党员{p}",
                status=person.status,
                start=day(person.start),
                end=None if person.end is None else day(person.end),
                education=person.education,
                ethnicity=person.ethnicity,
                gender=person.gender,
                join_date=day(person.joined),
            )
        )
    for p, b, start, end in city.memberships:
        links.append(
            link(
                LinkKind.MEMBER_OF,
                f"m{p}",
                f"b{b}",
                start=day(start),
                end=None if end is None else day(end),
            )
        )
    if city.other_root:
        links += [
            link(
                LinkKind.MEMBER_OF,
                f"m{p}",
                "xb",
                start=day(person.start),
                end=None if person.end is None else day(person.end),
            )
            for p, person in enumerate(city.people)
            if p % 2 == 0
        ]
    store.write(WriteBatch(nodes=tuple(nodes), links=tuple(links)))


def _open(city: City, run: int) -> tuple[EmbeddedStore, tempfile.TemporaryDirectory[str]]:
    folder = tempfile.TemporaryDirectory()
    store = EmbeddedStore(Path(folder.name) / f"counting{run}.db")
    _write(city, store)
    return store, folder


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cities())
def test_too_few_members_counts_full_members_at_the_date(city: City) -> None:
    store, folder = _open(city, next(_ids))
    try:
        found = {
            g.subject: g.count
            for g in coverage_gaps(
                store, ASK, Scope(roots=frozenset({"c"})), kinds=[GapKind.TOO_FEW_MEMBERS]
            )
        }
    finally:
        store.close()
        folder.cleanup()
    expected = {}
    for b in range(city.branches):
        full = sum(
            1
            for p, at, start, end in city.memberships
            if at == b
            and city.alive(start, end, ASK)
            and city.alive(city.people[p].start, city.people[p].end, ASK)
            and city.people[p].status == "full"
        )
        if full < 3:  # the shipped min_full_members
            expected[f"b{b}"] = full
    assert found == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cities(), st.booleans())
def test_member_structure_and_admissions_count_each_member_once(city: City, scoped: bool) -> None:
    store, folder = _open(city, next(_ids))
    scope = Scope(roots=frozenset({"c"})) if scoped else Scope()
    try:
        structure = member_structure(store, ASK, scope)
        admitted = admissions(store, SINCE, ASK, scope)
    finally:
        store.close()
        folder.cleanup()
    alive = [
        (p, person)
        for p, person in enumerate(city.people)
        if city.alive(person.start, person.end, ASK)
    ]
    if scoped:  # members with a membership in the city's branches at the date
        inside = {p for p, _, s, e in city.memberships if city.alive(s, e, ASK)}
        alive = [(p, person) for p, person in alive if p in inside]
    people = [person for _, person in alive]
    assert structure.members == len(people)
    assert structure.college_or_above == sum(
        1 for p in people if p.education in ("postgraduate", "bachelor", "college")
    )
    assert structure.minority == sum(1 for p in people if p.ethnicity != "汉族")
    assert structure.women == sum(1 for p in people if p.gender == "female")
    assert admitted == sum(1 for p in people if SINCE <= day(p.joined) <= ASK)
