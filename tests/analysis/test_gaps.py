"""Coverage gaps on ``responsibility_city``: each kind, its date, flag and owners.

Expected values are read off the diagram in ``tests.graphs.responsibility_city``; the
thresholds are the shipped defaults (min_full_members 3, vacancy_flag_months 3,
max_contacts 5, term sectors rural and community).
"""

from __future__ import annotations

from datetime import date

import pytest

from orggraph.analysis.chain import Person
from orggraph.analysis.gaps import Gap, GapKind, add_months, coverage_gaps, parse_gap_kind
from orggraph.model import LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, org, responsibility_city

ASK = date(2019, 6, 30)
ALL = Scope()


@pytest.fixture
def city(store: GraphStore) -> GraphStore:
    store.write(responsibility_city())
    return store


def by_kind(gaps: list[Gap], kind: GapKind) -> list[Gap]:
    return [g for g in gaps if g.kind is kind]


def test_every_gap_of_the_city(city: GraphStore) -> None:
    gaps = coverage_gaps(city, ASK, ALL)
    assert [(g.kind.value, g.subject) for g in gaps] == [
        ("unit_without_organization", "u1"),
        ("unit_without_organization", "u2"),
        ("vacant_secretary", "630102"),
        ("vacant_secretary", "b2"),
        ("no_contact_leader", "b2"),  # b1 has m14, s1 has m01
        ("too_few_members", "b1"),  # m04, m05 full; m06 probationary
        ("area_uncovered", "630103"),
        ("expert_unserved", "e2"),
        ("term_overdue", "b2"),  # term ended 2018-12-31; b1's runs to 2021
    ]


def test_units_without_an_organization_say_how_to_close_the_gap(city: GraphStore) -> None:
    u1, u2 = by_kind(coverage_gaps(city, ASK, ALL), GapKind.UNIT_WITHOUT_ORGANIZATION)
    # u1: 4 full members (≥ 3) → its own organization; an instructor gives work coverage.
    assert (u1.count, u1.remedy, u1.related, u1.organization) == (4, "own", ("m03",), "630102001")
    assert "工作覆盖" in u1.detail
    # u2: 1 full member → a joint organization; nothing covers it yet.
    assert (u2.count, u2.remedy, u2.related, u2.organization) == (1, "joint", (), "630103")


def test_vacancies_have_a_date_a_flag_and_owners(city: GraphStore) -> None:
    district, b2 = by_kind(coverage_gaps(city, ASK, ALL), GapKind.VACANT_SECRETARY)
    # 2019-03-01 + 3 months = 2019-06-01, before 2019-06-30: flagged.
    assert (district.since, district.flagged) == (date(2019, 3, 1), True)
    assert (b2.since, b2.flagged) == (date(2012, 1, 1), True)
    assert [(o.organization, o.secretary) for o in b2.owners] == [
        ("b2", None),
        ("630102001", Person(id="m03", name="赵街")),
        ("630102", None),
        ("630100", Person(id="m01", name="王市")),
    ]
    # Asked on 2019-05-15 the district's vacancy is 2.5 months old: not flagged yet.
    early = by_kind(coverage_gaps(city, date(2019, 5, 15), ALL), GapKind.VACANT_SECRETARY)
    assert [(g.subject, g.flagged) for g in early] == [("630102", False), ("b2", True)]


def test_gaps_in_a_district_scope_hide_people_above_it(city: GraphStore) -> None:
    scope = Scope(roots=frozenset({"630102"}))
    gaps = coverage_gaps(city, ASK, scope)
    # u2 (630103), 630103 itself and s1 are outside; experts are listed city-wide only.
    assert [(g.kind.value, g.subject) for g in gaps] == [
        ("unit_without_organization", "u1"),
        ("vacant_secretary", "630102"),
        ("vacant_secretary", "b2"),
        ("no_contact_leader", "b2"),
        ("too_few_members", "b1"),
        ("term_overdue", "b2"),
    ]
    district = gaps[1]
    assert [(o.organization, o.secretary, o.hidden) for o in district.owners] == [
        ("630102", None, False),
        ("630100", Person(id=None, name=None, hidden=True), True),
    ]


def test_kinds_filter(city: GraphStore) -> None:
    gaps = coverage_gaps(city, ASK, ALL, kinds=["term_overdue", "书记空缺"])
    assert {g.kind for g in gaps} == {GapKind.TERM_OVERDUE, GapKind.VACANT_SECRETARY}
    with pytest.raises(ValueError, match="not a gap kind"):
        parse_gap_kind("nope")


def test_areas_covered_by_several_groups_and_leaders_over_capacity(city: GraphStore) -> None:
    # Two more groups both cover 630103; m14 contacts six new branches under 630103 plus b1:
    # seven contact links, over the limit of five.
    extra_orgs = tuple(
        org(f"x{i}", f"新支部{i}", "grassroots", "branch", sector="community") for i in range(6)
    )
    groups = tuple(
        Node(id=g, kind=NodeKind.WORKING_GROUP, name=name, valid_from=date(2010, 1, 1))
        for g, name in (("wg03", "第三工作组"), ("wg04", "第四工作组"))
    )
    links = (
        *(link(LinkKind.SUBORDINATE_TO, o.id, "630103") for o in extra_orgs),
        *(link(LinkKind.CONTACTS, "m14", o.id, start=date(2019, 1, 1)) for o in extra_orgs),
        link(LinkKind.COVERS, "wg03", "630103"),
        link(LinkKind.COVERS, "wg04", "630103"),
    )
    city.write(WriteBatch(nodes=(*extra_orgs, *groups), links=links))
    gaps = coverage_gaps(city, ASK, ALL)
    (twice,) = by_kind(gaps, GapKind.AREA_MULTIPLY_COVERED)
    assert (twice.subject, twice.count, twice.related) == ("630103", 2, ("wg03", "wg04"))
    assert by_kind(gaps, GapKind.AREA_UNCOVERED) == []
    (over,) = by_kind(gaps, GapKind.LEADER_OVER_CAPACITY)
    # m14 belongs to 630102: that is the chain that answers for the overload.
    assert (over.subject, over.name, over.count, over.organization) == ("m14", "郑联", 7, "630102")
    # Before 2019 m14 held only b1.
    assert by_kind(coverage_gaps(city, date(2018, 6, 30), ALL), GapKind.LEADER_OVER_CAPACITY) == []


def test_a_district_uncovered_is_reported_once_for_its_townships(store: GraphStore) -> None:
    # 630105 and both its townships have no working group: one gap, at the district,
    # counting the three areas; 630104's township is covered through its district.
    store.write(
        WriteBatch(
            nodes=(
                org("630100", "西宁市委", "city"),
                org("630104", "城西区委", "county"),
                org("630104001", "西关街道", "township", "working_committee"),
                org("630105", "城北区委", "county"),
                org("630105001", "朝阳街道", "township", "working_committee"),
                org("630105002", "小桥街道", "township", "working_committee"),
                Node(
                    id="wg01", kind=NodeKind.WORKING_GROUP, name="一组", valid_from=date(2010, 1, 1)
                ),
            ),
            links=(
                link(LinkKind.SUBORDINATE_TO, "630104", "630100"),
                link(LinkKind.SUBORDINATE_TO, "630105", "630100"),
                link(LinkKind.SUBORDINATE_TO, "630104001", "630104"),
                link(LinkKind.SUBORDINATE_TO, "630105001", "630105"),
                link(LinkKind.SUBORDINATE_TO, "630105002", "630105"),
                link(LinkKind.COVERS, "wg01", "630104"),
            ),
        )
    )
    (gap,) = coverage_gaps(store, ASK, ALL, kinds=[GapKind.AREA_UNCOVERED])
    assert (gap.subject, gap.count) == ("630105", 3)
    # A caller scoped to one township sees that township as the uncovered area.
    (gap,) = coverage_gaps(
        store, ASK, Scope(roots=frozenset({"630105001"})), kinds=[GapKind.AREA_UNCOVERED]
    )
    assert (gap.subject, gap.count) == ("630105001", 1)


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2019, 1, 31), 1) == date(2019, 2, 28)
    assert add_months(date(2019, 11, 30), 3) == date(2020, 2, 29)
    assert add_months(date(2019, 3, 1), 3) == date(2019, 6, 1)
