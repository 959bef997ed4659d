"""Coverage rolled up by city and province on ``tests.province_graph`` (tiny_province with
``placed_units``), every expected value read off the module's diagrams; both stores."""

from __future__ import annotations

from datetime import date

import pytest

from orggraph.analysis.coverage import coverage_change, coverage_rates
from orggraph.analysis.places import UnitAreas, unit_areas
from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.province_graph import UNITS_FROM, placed_units, tiny_province

ASK = date(2019, 6, 30)
BEFORE = date(2018, 6, 30)
MOVED = date(2019, 1, 1)
ALL = Scope()


def _rows(store: GraphStore, when: date, group_by: str) -> list[tuple[str, str, int, int]]:
    return [
        (r.group, r.name, r.units, r.organized) for r in coverage_rates(store, when, ALL, group_by)
    ]


@pytest.fixture
def province(store: GraphStore) -> GraphStore:
    store.write(tiny_province())
    store.write(placed_units())
    return store


@pytest.fixture
def moved(store: GraphStore) -> GraphStore:
    store.write(tiny_province(county_moved=MOVED))
    store.write(placed_units())
    return store


def test_each_unit_has_the_areas_of_every_level_above_its_place(province: GraphStore) -> None:
    areas = unit_areas(province, ASK)
    assert areas["u2"] == UnitAreas(
        place="v1", township="630102001", district="630102", city="630100", province="630000"
    )
    # placed straight in a county: no township
    assert areas["u3"] == UnitAreas(
        place="630102", township=None, district="630102", city="630100", province="630000"
    )
    assert areas["u4"] == UnitAreas(
        place="v2", township="632221100", district="632221", city="632200", province="630000"
    )
    # a county with nothing above it: no city, no province
    assert areas["u6"] == UnitAreas(
        place="x0", township=None, district="x0", city=None, province=None
    )
    assert "u7" not in areas  # closed before the date: no place then


def test_a_unit_under_a_city_working_committee_counts_in_the_city_committee(
    province: GraphStore,
) -> None:
    # u8 sits at a1, under 西宁市直机关工委 (level city) under 西宁市委: the city is the
    # topmost city-level organization above it, as for every roll-up (orgtree.ancestor_at).
    unit = Node(
        id="u8",
        kind=NodeKind.UNIT,
        name="单位u8",
        valid_from=UNITS_FROM,
        attrs={"unit_kind": "social_organization", "full_members": 0},
    )
    place = Link(kind=LinkKind.LOCATED_IN, source="u8", target="a1", valid_from=UNITS_FROM)
    province.write(WriteBatch(nodes=(unit,), links=(place,)))
    assert unit_areas(province, ASK, ["u8"])["u8"] == UnitAreas(
        place="a1", township=None, district=None, city="630100", province="630000"
    )


def test_coverage_by_city(province: GraphStore) -> None:
    assert _rows(province, ASK, "city") == [
        ("", "(未注明)", 1, 1),
        ("630100", "西宁市委", 3, 1),
        ("632200", "海北州委", 2, 1),
    ]
    (xining,) = [r for r in coverage_rates(province, ASK, ALL, "city") if r.group == "630100"]
    assert (xining.own, xining.joint, xining.work, xining.none) == (1, 0, 1, 1)
    assert xining.rate == pytest.approx(100 / 3)


def test_coverage_by_province(province: GraphStore) -> None:
    assert _rows(province, ASK, "province") == [
        ("", "(未注明)", 1, 1),
        ("630000", "青海省委", 5, 2),
    ]


def test_a_scope_narrows_the_city_rows(province: GraphStore) -> None:
    rows = coverage_rates(province, ASK, Scope(roots=frozenset({"632200"})), "city")
    assert [(r.group, r.units, r.organized, r.rate) for r in rows] == [("632200", 2, 1, 50.0)]


def test_a_county_moved_to_another_city_carries_its_units_from_the_day(
    moved: GraphStore,
) -> None:
    # before the move (u7 closed 2018-01-01): 门源县's u4, u5 count under 海北州
    assert _rows(moved, BEFORE, "city") == [
        ("", "(未注明)", 1, 1),
        ("630100", "西宁市委", 3, 1),
        ("632200", "海北州委", 2, 1),
    ]
    # after it: under 西宁市, and 海北州 has no unit left (no row)
    assert _rows(moved, ASK, "city") == [("", "(未注明)", 1, 1), ("630100", "西宁市委", 5, 2)]
    changes = {c.group: c for c in coverage_change(moved, BEFORE, ASK, ALL, "city")}
    assert changes["632200"].after.units == 0
    assert changes["632200"].change is None
    assert changes["630100"].change == pytest.approx(40 - 100 / 3)
    # the province does not see the move
    assert _rows(moved, BEFORE, "province") == _rows(moved, ASK, "province")
