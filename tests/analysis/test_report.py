"""The seed's figures: computed from a hand-built graph, and reproduced on the demo.

The small graph (answers by hand in each test)::

    630100 西宁市委 ── b1 branch (community)
    m1 女 回族 bachelor, joined 2010-07-01        member from 2010-07-01 on
    m2 男 汉族 secondary → college on 2016-03-01, joined 1990-07-01
    m3 男 汉族 primary, joined 1980-07-01, left 2015-01-01
    m4 女 土族 college, joined 2015-06-01
    m5 男 汉族 bachelor, joined 2005-07-01, a leader serving e1 and e2 from 2017-01-01
    e1, e2 experts from 2016-01-01; e3 expert from 2016-01-01, served by nobody
    b1: venue_upgraded in 2017, lecture_hall in 2018 (and lecture_hall false in 2016)
    wg01 from 2018-01-01
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from orggraph.analysis.report import (
    admissions,
    expert_service,
    member_structure,
    organizations_with_fact,
    seed_report,
    working_groups,
)
from orggraph.model import Fact, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, member, org

D0 = date(2010, 1, 1)
BEFORE = date(2012, 11, 8)
AFTER = date(2019, 6, 30)


def _expert(eid: str) -> Node:
    return Node(id=eid, kind=NodeKind.EXPERT, name=eid, valid_from=date(2016, 1, 1))


def _member(mid: str, gender: str, ethnicity: str, education: str, joined: date, **kw: Any) -> Node:
    return member(
        mid,
        mid,
        gender=gender,
        ethnicity=ethnicity,
        education=education,
        join_date=joined,
        start=kw.pop("start", joined),
        **kw,
    )


def small_city() -> WriteBatch:
    upgraded = _member("m2", "male", "汉族", "college", date(1990, 7, 1), start=date(2016, 3, 1))
    nodes = (
        org("630100", "西宁市委", "city", start=D0),
        org("b1", "某社区党支部", "grassroots", "branch", sector="community", start=D0),
        _member("m1", "female", "回族", "bachelor", date(2010, 7, 1)),
        _member("m2", "male", "汉族", "secondary", date(1990, 7, 1), end=date(2016, 3, 1)),
        upgraded,
        _member("m3", "male", "汉族", "primary", date(1980, 7, 1), end=date(2015, 1, 1)),
        _member("m4", "female", "土族", "college", date(2015, 6, 1)),
        _member("m5", "male", "汉族", "bachelor", date(2005, 7, 1), leader=True),
        _expert("e1"),
        _expert("e2"),
        _expert("e3"),
        Node(id="wg01", kind=NodeKind.WORKING_GROUP, name="一组", valid_from=date(2018, 1, 1)),
    )
    links = (
        link(LinkKind.SUBORDINATE_TO, "b1", "630100", start=D0),
        link(LinkKind.SERVES, "m5", "e1", start=date(2017, 1, 1)),
        link(LinkKind.SERVES, "m5", "e2", start=date(2017, 1, 1)),
    )
    facts = (
        Fact(node_id="b1", year=2017, name="venue_upgraded", value=True),
        Fact(node_id="b1", year=2016, name="lecture_hall", value=False),
        Fact(node_id="b1", year=2018, name="lecture_hall", value=True),
    )
    return WriteBatch(nodes=nodes, links=links, facts=facts)


@pytest.fixture
def city(store: GraphStore) -> GraphStore:
    store.write(small_city())
    return store


def test_member_structure_at_two_dates(city: GraphStore) -> None:
    # 2012-11-08: m1 m2 m3 m5 (m4 joins 2015). College or above: m1, m5 → 2 of 4 (50%);
    # minority: m1 → 25%; women: m1 → 25%.
    before = member_structure(city, BEFORE, Scope())
    assert (before.members, before.college_or_above, before.minority, before.women) == (4, 2, 1, 1)
    # 2019-06-30: m1 m2 m4 m5 (m3 left). College: m1, m2 (since 2016), m4, m5 → 100%;
    # minority m1, m4 → 50%; women m1, m4 → 50%.
    after = member_structure(city, AFTER, Scope())
    assert (after.members, after.college_or_above, after.minority, after.women) == (4, 4, 2, 2)
    assert (after.share("minority") or 0) - (before.share("minority") or 0) == 25.0


def test_admissions_working_groups_experts_and_facts(city: GraphStore) -> None:
    # Joined in 2014-01-01..2019-06-30 and still members: m4 only.
    assert admissions(city, date(2014, 1, 1), AFTER, Scope()) == 1
    assert working_groups(city, AFTER, Scope()) == 1
    assert working_groups(city, date(2017, 12, 31), Scope()) == 0
    # m5 serves e1 and e2; e3 is served by nobody.
    service = expert_service(city, AFTER, Scope())
    assert (service.leaders, service.experts, service.experts_total) == (1, 2, 3)
    assert expert_service(city, date(2016, 12, 31), Scope()).leaders == 0
    assert organizations_with_fact(city, "venue_upgraded", BEFORE, AFTER, Scope()) == 1
    assert organizations_with_fact(city, "lecture_hall", BEFORE, date(2017, 6, 1), Scope()) == 0
    assert organizations_with_fact(city, "lecture_hall", BEFORE, AFTER, Scope()) == 1


def test_report_on_the_small_city(city: GraphStore) -> None:
    report = seed_report(city, AFTER, Scope())
    college = report.get("college_share_change")
    assert (college.value, college.baseline, college.display) == (50.0, 50.0, "50个百分点")
    assert report.get("admitted_members").value == 1
    # No two-new units at all: no rate, not zero.
    assert report.get("coverage_non_public_enterprises").value is None
    untracked = [f.key for f in report.figures if not f.tracked]
    assert untracked == ["service_funds", "education_bases", "key_projects", "cadres_promoted"]


# -- the seed's figures on the demo (DOMAIN.md's table) -----------------------------------


def _values(report: Any) -> dict[str, Any]:
    return {f.key: f.value for f in report.figures}


def test_the_demo_gives_the_seed_figures_in_2019(demo_store: GraphStore) -> None:
    values = _values(seed_report(demo_store, AFTER, Scope()))
    assert values == {
        "working_groups": 10,
        "coverage_non_public_enterprises": 87.98,
        "coverage_social_organizations": 85.7,
        "admitted_members": 6899,
        "college_share_change": 22.7,
        "minority_share_change": 8.7,
        "women_share_change": 11.2,
        "serving_leaders": 394,
        "experts_served": 613,
        "venues_upgraded": 357,
        "lecture_halls": 2950,
        "service_funds": None,
        "education_bases": None,
        "key_projects": None,
        "cadres_promoted": None,
    }


def test_the_demo_gives_the_2014_coverage(demo_store: GraphStore) -> None:
    report = seed_report(demo_store, date(2014, 12, 31), Scope())
    assert report.get("coverage_non_public_enterprises").value == 6.3
    assert report.get("coverage_social_organizations").value == 8.4
    assert report.get("coverage_non_public_enterprises").display == "6.3%"
    now = seed_report(demo_store, AFTER, Scope()).get("coverage_non_public_enterprises")
    assert (now.baseline, now.display) == (6.3, "87.98%")
    assert report.get("working_groups").value == 0
