"""Any depth, province to branch: chains, roll-ups, gaps and weak branches on
``tests.province_graph.tiny_province`` (every expected value read off its diagram)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orggraph.analysis.chain import BreakKind, ChainBreak, Person, responsibility_chain
from orggraph.analysis.config import load_rules
from orggraph.analysis.gaps import GapKind, coverage_gaps
from orggraph.analysis.orgtree import OrgTree
from orggraph.analysis.weak import weak_branches
from orggraph.exports._common import area_of
from orggraph.model import Fact, Level, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.province_graph import SECRETARY_LEFT, tiny_province

ASK = date(2019, 6, 30)
ALL = Scope()
HIDDEN = Person(id=None, name=None, hidden=True)


@pytest.fixture
def province(store: GraphStore) -> GraphStore:
    store.write(tiny_province())
    return store


def test_a_branch_six_links_below_the_province_has_seven_levels(province: GraphStore) -> None:
    chain = responsibility_chain(province, "e11", ASK, ALL)
    (path,) = chain.paths
    assert [lv.organization for lv in path.levels] == [
        "e11",
        "e1",
        "e0",
        "630102001",
        "630102",
        "630100",
        "630000",
    ]
    assert [lv.level for lv in path.levels] == [
        "grassroots",
        "grassroots",
        "grassroots",
        "township",
        "county",
        "city",
        "province",
    ]
    e11, e1, e0, township, county, city, top = path.levels
    assert e11.secretary is None
    assert e11.vacant_since == SECRETARY_LEFT
    assert e11.contacts == (Person(id="p04", name="东书记"),)
    assert e1.secretary == Person(id="p07", name="总支书记")
    assert e0.secretary == Person(id="p06", name="公司书记")
    assert township.secretary == Person(id="p05", name="街书记")
    assert county.secretary == Person(id="p04", name="东书记")
    assert city.secretary == Person(id="p02", name="宁书记")
    assert top.secretary == Person(id="p01", name="省书记")
    # wg1 covers the county: every level from the branch up to the county is covered
    # through it; the city and the province are above every covered area.
    for level in (e11, e1, e0, township, county):
        assert [(g.id, g.area) for g in level.working_groups] == [("wg1", "630102")]
    assert city.working_groups == () and top.working_groups == ()
    # The vacancy, and the two grassroots committees above the branch without a contact
    # leader; the chain reaches the province committee, so it is not detached.
    assert chain.breaks == (
        ChainBreak(kind=BreakKind.VACANT_SECRETARY, organization="e11", since=SECRETARY_LEFT),
        ChainBreak(kind=BreakKind.NO_CONTACT_LEADER, organization="e1"),
        ChainBreak(kind=BreakKind.NO_CONTACT_LEADER, organization="e0"),
    )


def test_an_agency_under_the_city_working_committee(province: GraphStore) -> None:
    chain = responsibility_chain(province, "a1", ASK, ALL)
    (path,) = chain.paths
    assert [lv.organization for lv in path.levels] == ["a1", "630100JG", "630100", "630000"]
    assert path.levels[1].secretary == Person(id="p03", name="工委书记")
    # No county or township on its way up: no working-group break, only the contact one.
    assert chain.breaks == (ChainBreak(kind=BreakKind.NO_CONTACT_LEADER, organization="a1"),)


def test_a_prefecture_village_and_its_vacant_county(province: GraphStore) -> None:
    chain = responsibility_chain(province, "v2", ASK, ALL)
    (path,) = chain.paths
    assert [lv.organization for lv in path.levels] == [
        "v2",
        "632221100",
        "632221",
        "632200",
        "630000",
    ]
    assert chain.breaks == (
        ChainBreak(kind=BreakKind.VACANT_SECRETARY, organization="632221", since=date(2010, 1, 1)),
        ChainBreak(kind=BreakKind.NO_CONTACT_LEADER, organization="v2"),
        # Neither the township nor the county is covered: the break is at the topmost area.
        ChainBreak(kind=BreakKind.NO_WORKING_GROUP, organization="632221"),
    )


def test_a_county_with_no_parent_is_detached(province: GraphStore) -> None:
    chain = responsibility_chain(province, "x0", ASK, ALL)
    assert [lv.organization for lv in chain.paths[0].levels] == ["x0"]
    assert chain.breaks == (
        ChainBreak(kind=BreakKind.NO_WORKING_GROUP, organization="x0"),
        ChainBreak(kind=BreakKind.DETACHED, organization="x0"),
    )


#: (organization, level) → the organization of that level it rolls up to.
AREAS = {
    ("e11", Level.PROVINCE): "630000",
    ("e11", Level.CITY): "630100",
    ("e11", Level.COUNTY): "630102",
    ("e11", Level.TOWNSHIP): "630102001",
    ("e11", Level.GRASSROOTS): "e0",  # the topmost grassroots organization: the 党委
    # The 市直机关工委 is at level city too; its agencies roll up to the city committee.
    ("a1", Level.CITY): "630100",
    ("a1", Level.COUNTY): None,
    ("630100JG", Level.CITY): "630100",
    ("v2", Level.CITY): "632200",
    ("v2", Level.COUNTY): "632221",
    ("v2", Level.PROVINCE): "630000",
    ("632200", Level.CITY): "632200",
    ("x0", Level.COUNTY): "x0",
    ("x0", Level.PROVINCE): None,
}


def test_roll_ups_find_the_ancestor_by_level_at_any_depth(province: GraphStore) -> None:
    tree = OrgTree(province, ASK)
    assert {key: tree.area(*key) for key in AREAS} == AREAS
    assert tree.district("e12") == "630102"
    assert tree.district("a1") is None
    # The exports' store-side walk gives the same answers.
    for level in (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.GRASSROOTS):
        wanted = {org: up for (org, lv), up in AREAS.items() if lv is level}
        assert area_of(province, sorted(wanted), ASK, level) == wanted


def test_gaps_of_one_county_name_owners_up_to_the_province(province: GraphStore) -> None:
    county = Scope(roots=frozenset({"630102"}))
    gaps = coverage_gaps(province, ASK, county, kinds=[GapKind.TOO_FEW_MEMBERS])
    (gap,) = gaps
    assert (gap.subject, gap.count) == ("e12", 2)
    assert [(o.organization, o.secretary, o.hidden) for o in gap.owners] == [
        ("e12", Person(id="e12-m1", name="e12党员1"), False),
        ("e1", Person(id="p07", name="总支书记"), False),
        ("e0", Person(id="p06", name="公司书记"), False),
        ("630102001", Person(id="p05", name="街书记"), False),
        ("630102", Person(id="p04", name="东书记"), False),
        # Above the county: the posts, not the people.
        ("630100", HIDDEN, True),
        ("630000", HIDDEN, True),
    ]
    contact = coverage_gaps(province, ASK, county, kinds=[GapKind.NO_CONTACT_LEADER])
    # Grassroots at every depth: the 党委, the 党总支, the second branch and the community;
    # e11 has its contact leader.
    assert sorted(g.subject for g in contact) == ["e0", "e1", "e12", "v1"]


def test_gaps_of_the_whole_province(province: GraphStore) -> None:
    gaps = coverage_gaps(
        province, ASK, ALL, kinds=[GapKind.VACANT_SECRETARY, GapKind.AREA_UNCOVERED]
    )
    assert sorted((g.kind.value, g.subject, g.since, g.count) for g in gaps) == [
        ("area_uncovered", "632221", None, 2),  # the county and its township
        ("area_uncovered", "x0", None, 1),
        ("vacant_secretary", "632221", date(2010, 1, 1), None),
        ("vacant_secretary", "e11", SECRETARY_LEFT, None),
    ]


def test_a_weak_branch_three_levels_below_its_township_is_in_its_county(
    province: GraphStore,
) -> None:
    weak = weak_branches(province, ASK, ALL)
    # e12 has two full members; e11's vacancy (4 months) is under the 6 months rule.
    assert [(w.organization.id, w.district, w.rules) for w in weak] == [
        ("e12", "630102", ("few_members",))
    ]


def test_a_province_ranks_each_citys_organizations_apart(
    province: GraphStore, tmp_path: Path
) -> None:
    # 2018 scores (the facts year at 2019-06-30): Xining v1 90, e12 80, a1 70; 海北 v2 50.
    scores = {"v1": 90.0, "e12": 80.0, "a1": 70.0, "v2": 50.0}
    province.write(
        WriteBatch(
            facts=tuple(
                Fact(node_id=o, year=2018, name="assessment_score", value=v)
                for o, v in scores.items()
            )
        )
    )

    def failing(within: str) -> dict[str, list[str]]:
        path = tmp_path / f"rules-{within or 'none'}.toml"
        path.write_text(
            f"[weak.bottom_ranking]\nshare = 0.5\nmin_ranked = 2\nwithin = [{within}]\n", "utf-8"
        )
        found = weak_branches(province, ASK, ALL, rules=load_rules(str(path)))
        details.update({w.organization.id: w.failures[-1].detail or "" for w in found})
        return {w.organization.id: sorted(w.rules) for w in found}

    details: dict[str, str] = {}

    # By city: Xining's 3 scored, ceil(0.5 × 3) = 2 → the cut is 80: a1 and e12; 海北's one
    # scored branch is under min_ranked and is not ranked. (e12 has two full members.)
    assert failing("'city'") == {
        "a1": ["bottom_ranking"],
        "e12": ["bottom_ranking", "few_members"],
    }
    assert "在西宁市委3个组织中倒数第1位" in details["a1"]
    # The whole province as one group: 4 scored, 2 taken → the cut is 70: v2 and a1.
    assert failing("") == {
        "a1": ["bottom_ranking"],
        "e12": ["few_members"],
        "v2": ["bottom_ranking"],
    }
