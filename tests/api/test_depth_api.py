"""The web tree's payload at depth 6 and a seven-level chain, on the small province
(``tests.province_graph``), over both stores."""

from __future__ import annotations

import pytest

from orggraph.store.base import GraphStore
from tests.api.conftest import Api
from tests.province_graph import tiny_province


@pytest.fixture
def province_api(store: GraphStore) -> Api:
    store.write(tiny_province())
    return Api(store)


def test_subgraph_at_depth_six_reaches_the_branches(province_api: Api) -> None:
    data = province_api.data(
        """{ subgraph(scope: "630000", depth: 6, kinds: [ORGANIZATION], asOf: "2019-06-30") {
              truncated nodes { id level depth } } }"""
    )
    graph = data["subgraph"]
    assert graph["truncated"] is False
    # Depth from the province: cities 1, counties and the 工委 2, townships and the agency
    # branch 3, the 党委 and the community 4, the 党总支 5, its branches 6; x0 has no parent.
    assert sorted((n["depth"], n["id"], n["level"]) for n in graph["nodes"]) == [
        (0, "630000", "province"),
        (1, "630100", "city"),
        (1, "632200", "city"),
        (2, "630100JG", "city"),
        (2, "630102", "county"),
        (2, "632221", "county"),
        (3, "630102001", "township"),
        (3, "632221100", "township"),
        (3, "a1", "grassroots"),
        (4, "e0", "grassroots"),
        (4, "v1", "grassroots"),
        (4, "v2", "grassroots"),
        (5, "e1", "grassroots"),
        (6, "e11", "grassroots"),
        (6, "e12", "grassroots"),
    ]


def test_levels_are_labelled_from_the_province_down(province_api: Api) -> None:
    data = province_api.data(
        """{ organization(id: "e11", asOf: "2019-06-30") {
              ancestors { id levelLabel } } }"""
    )
    assert [(a["id"], a["levelLabel"]) for a in data["organization"]["ancestors"]] == [
        ("e1", "基层"),
        ("e0", "基层"),
        ("630102001", "乡镇(街道)级"),
        ("630102", "县(区)级"),
        ("630100", "市级"),
        ("630000", "省级"),
    ]


def test_the_top_filter_finds_the_roots_of_the_hierarchy(province_api: Api) -> None:
    data = province_api.data(
        """{ top: organizations(filter: {top: true}, asOf: "2019-06-30") { nodes { id } }
             cities: organizations(filter: {top: false, level: CITY}, asOf: "2019-06-30") {
               nodes { id } } }"""
    )
    # The province committee, and x0 (a county with no parent); every city has a parent.
    assert [n["id"] for n in data["top"]["nodes"]] == ["630000", "x0"]
    assert [n["id"] for n in data["cities"]["nodes"]] == ["630100", "630100JG", "632200"]
