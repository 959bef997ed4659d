"""``coverageRates(groupBy: CITY / PROVINCE)`` on the small province with its placed units
(``tests.province_graph``: figures read off its diagram), over both stores."""

from __future__ import annotations

import pytest

from orggraph.store.base import GraphStore
from tests.api.conftest import Api
from tests.province_graph import placed_units, tiny_province


@pytest.fixture
def province_api(store: GraphStore) -> Api:
    store.write(tiny_province())
    store.write(placed_units())
    return Api(store)


def test_coverage_rates_by_city_and_province(province_api: Api) -> None:
    query = """{ coverageRates(groupBy: %s, asOf: "2019-06-30", withTotal: true) {
                   group name units organized } }"""
    by_city = province_api.data(query % "CITY")["coverageRates"]
    assert [(r["group"], r["name"], r["units"], r["organized"]) for r in by_city] == [
        ("", "(未注明)", 1, 1),
        ("630100", "西宁市委", 3, 1),
        ("632200", "海北州委", 2, 1),
        ("", "合计", 6, 3),
    ]
    by_province = province_api.data(query % "PROVINCE")["coverageRates"]
    assert [(r["group"], r["units"], r["organized"]) for r in by_province] == [
        ("", 1, 1),
        ("630000", 5, 2),
        ("", 6, 3),
    ]
