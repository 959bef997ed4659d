"""Coverage rates on a hand-built graph, worked out by hand at two dates.

The graph (every node from 2015-01-01 unless noted)::

    630100 西宁市委
    ├── 630102 城东区委 ── 630102001 东关大街街道党工委
    │       u1 非公企业   own organization o1 from 2016-01-01
    │       u2 非公企业   joint organization j1 from 2017-01-01 ┐ one joint organization
    │       u3 社会组织   joint organization j1 from 2017-01-01 ┘ covering two units
    │       u4 非公企业   instructor m1 only, from 2016-06-01
    └── 630103 城中区委 ── 630103001 人民街街道党工委
            u5 社会组织   nothing (placed in the village branch v1 under 630103001)
            u6 非公企业   own organization o2 from 2015-06-01; closed 2018-01-01
            u7 非公企业   founded 2020-01-01 (after both dates)

Each unit is placed (``located_in``) in its township (u5 in v1), for its whole life.
At 2016-12-31 the operating units are u1..u6 (u2, u3 not yet joined j1):
    own u1, u6; work u4; none u2, u3, u5.
At 2019-06-30 they are u1..u5 (u6 closed, u7 not founded):
    own u1; joint u2, u3; work u4; none u5.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from orggraph.analysis.coverage import (
    coverage_change,
    coverage_rates,
    coverage_total,
    unit_coverage,
)
from orggraph.model import Link, LinkKind, Node, NodeKind, Sector, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, member, org

D1 = date(2016, 12, 31)
D2 = date(2019, 6, 30)
START = date(2015, 1, 1)
SUB = LinkKind.SUBORDINATE_TO
IN = LinkKind.ESTABLISHED_IN
AT = LinkKind.LOCATED_IN


def unit(uid: str, kind: str, **dates: Any) -> Node:
    return Node(
        id=uid,
        kind=NodeKind.UNIT,
        name=f"单位{uid}",
        valid_from=dates.get("start", START),
        valid_to=dates.get("end"),
        attrs={"unit_kind": kind, "full_members": 3},
    )


def placed(uid: str, place: str, **dates: Any) -> Link:
    """The unit's place for its whole life (the dates of ``unit``)."""
    return link(AT, uid, place, start=dates.get("start", START), end=dates.get("end"))


def coverage_city() -> WriteBatch:
    npe, soc = "non_public_enterprise", "social_organization"
    t1, t2 = "630102001", "630103001"
    nodes = (
        org("630100", "西宁市委", "city"),
        org("630102", "城东区委", "county"),
        org("630103", "城中区委", "county"),
        org(t1, "东关大街街道党工委", "township", "working_committee"),
        org(t2, "人民街街道党工委", "township", "working_committee"),
        org("o1", "u1党支部", "grassroots", "branch", sector=npe, start=date(2016, 1, 1)),
        org("j1", "联合党支部", "grassroots", "branch", sector=npe, start=date(2017, 1, 1)),
        org(
            "o2",
            "u6党支部",
            "grassroots",
            "branch",
            sector=npe,
            start=date(2015, 6, 1),
            end=date(2018, 1, 1),
        ),
        org("v1", "某村党支部", "grassroots", "branch", sector="rural"),
        member("m1", "指导员", start=START),
        unit("u1", npe),
        unit("u2", npe),
        unit("u3", soc),
        unit("u4", npe),
        unit("u5", soc),
        unit("u6", npe, end=date(2018, 1, 1)),
        unit("u7", npe, start=date(2020, 1, 1)),
    )
    links = (
        link(SUB, "630102", "630100"),
        link(SUB, "630103", "630100"),
        link(SUB, t1, "630102"),
        link(SUB, t2, "630103"),
        link(SUB, "v1", t2),
        link(SUB, "o1", t1, start=date(2016, 1, 1)),
        link(SUB, "j1", t1, start=date(2017, 1, 1)),
        link(SUB, "o2", t2, start=date(2015, 6, 1), end=date(2018, 1, 1)),
        link(IN, "o1", "u1", start=date(2016, 1, 1), mode="own"),
        link(IN, "j1", "u2", start=date(2017, 1, 1), mode="joint"),
        link(IN, "j1", "u3", start=date(2017, 1, 1), mode="joint"),
        link(IN, "o2", "u6", start=date(2015, 6, 1), end=date(2018, 1, 1), mode="own"),
        link(LinkKind.INSTRUCTS, "m1", "u4", start=date(2016, 6, 1)),
        *(placed(u, t1) for u in ("u1", "u2", "u3", "u4")),
        placed("u5", "v1"),
        placed("u6", t2, end=date(2018, 1, 1)),
        placed("u7", t2, start=date(2020, 1, 1)),
    )
    return WriteBatch(nodes=nodes, links=links)


@pytest.fixture
def city(store: GraphStore) -> GraphStore:
    store.write(coverage_city())
    return store


def counts(rates: list[Any]) -> dict[str, tuple[int, int, int, int, int]]:
    """group → (units, own, joint, work, none)."""
    return {r.group: (r.units, r.own, r.joint, r.work, r.none) for r in rates}


def test_rates_by_district_at_two_dates(city: GraphStore) -> None:
    # 2019: 630102 has u1 own, u2 u3 joint, u4 work → 3 of 4; 630103 has u5 none → 0 of 1.
    now = coverage_rates(city, D2, Scope(), "district")
    assert counts(now) == {"630102": (4, 1, 2, 1, 0), "630103": (1, 0, 0, 0, 1)}
    assert [(r.name, r.organized, r.rate) for r in now] == [
        ("城东区委", 3, 75.0),
        ("城中区委", 0, 0.0),
    ]
    # 2016: 630102 has u1 own, u4 work, u2 u3 none → 1 of 4; 630103 u6 own, u5 none → 1 of 2.
    then = coverage_rates(city, D1, Scope(), "district")
    assert counts(then) == {"630102": (4, 1, 0, 1, 2), "630103": (2, 1, 0, 0, 1)}
    assert [r.rate for r in then] == [25.0, 50.0]


def test_rates_by_sector_at_two_dates(city: GraphStore) -> None:
    # 2019: 非公企业 u1 own, u2 joint, u4 work → 2 of 3; 社会组织 u3 joint, u5 none → 1 of 2.
    now = coverage_rates(city, D2, Scope(), "sector")
    assert counts(now) == {
        "non_public_enterprise": (3, 1, 1, 1, 0),
        "social_organization": (2, 0, 1, 0, 1),
    }
    assert [r.name for r in now] == ["非公企业", "社会组织"]
    assert now[0].rate == pytest.approx(200 / 3)
    assert now[1].rate == 50.0
    # 2016: 非公企业 u1 u6 own, u4 work, u2 none → 2 of 4; 社会组织 u3 u5 none → 0 of 2.
    then = coverage_rates(city, D1, Scope(), "sector")
    assert counts(then) == {
        "non_public_enterprise": (4, 2, 0, 1, 1),
        "social_organization": (2, 0, 0, 0, 2),
    }
    assert [r.rate for r in then] == [50.0, 0.0]


def test_total_township_and_change(city: GraphStore) -> None:
    # All of 2019: 5 units, 1 own + 2 joint = 3 → 60%.
    (total,) = coverage_rates(city, D2, Scope(), None)
    assert (total.units, total.organized, total.rate) == (5, 3, 60.0)
    by_district = coverage_rates(city, D2, Scope(), "district")
    assert coverage_total(by_district) == total
    townships = coverage_rates(city, D2, Scope(), "township")
    assert [(r.name, r.rate) for r in townships] == [
        ("东关大街街道党工委", 75.0),
        ("人民街街道党工委", 0.0),
    ]
    # 城东区委 25% → 75% (+50 points); 城中区委 50% → 0% (−50).
    changes = coverage_change(city, D1, D2, Scope(), "district")
    assert [(c.group, c.before.rate, c.after.rate, c.change) for c in changes] == [
        ("630102", 25.0, 75.0, 50.0),
        ("630103", 50.0, 0.0, -50.0),
    ]


def test_scope_by_area_and_by_sector(city: GraphStore) -> None:
    # 城中区委's subtree in 2019: u5 only (u6 closed, u7 not founded).
    (row,) = coverage_rates(city, D2, Scope(roots=frozenset({"630103"})), None)
    assert (row.units, row.none) == (1, 1)
    # A 社会组织-sector scope sees u3 (joint) and u5 (no organization at all): 1 of 2.
    social = Scope(sectors=frozenset({Sector.SOCIAL_ORGANIZATION}))
    (row,) = coverage_rates(city, D2, social, None)
    assert (row.units, row.joint, row.none, row.rate) == (2, 1, 1, 50.0)


def test_bad_grouping_is_refused(city: GraphStore) -> None:
    with pytest.raises(ValueError, match="group_by"):
        coverage_rates(city, D2, Scope(), "village")


MOVED = date(2018, 1, 1)


def test_a_township_moved_to_another_county_carries_its_units(city: GraphStore) -> None:
    # 东关大街街道 (u1..u4) moves from 城东区委 to 城中区委 on 2018-01-01. At 2019-06-30
    # 630103 holds u1 own, u2 u3 joint, u4 work (its township's) and u5 none: 3 of 5;
    # 630102 has no unit left: no row. At 2016-12-31 nothing has moved (as above).
    old = link(SUB, "630102001", "630102")
    city.write(
        WriteBatch(
            links=(link(SUB, "630102001", "630103", start=MOVED),),
            end_links=((old.id, MOVED),),
        )
    )
    now = coverage_rates(city, D2, Scope(), "district")
    assert counts(now) == {"630103": (5, 1, 2, 1, 1)}
    then = coverage_rates(city, D1, Scope(), "district")
    assert counts(then) == {"630102": (4, 1, 0, 1, 2), "630103": (2, 1, 0, 0, 1)}
    # Townships keep their units; the county's scope now sees the moved township's.
    townships = coverage_rates(city, D2, Scope(), "township")
    assert counts(townships) == {"630102001": (4, 1, 2, 1, 0), "630103001": (1, 0, 0, 0, 1)}
    (row,) = coverage_rates(city, D2, Scope(roots=frozenset({"630103"})), "district")
    assert (row.group, row.units, row.organized) == ("630103", 5, 3)
    assert coverage_rates(city, D2, Scope(roots=frozenset({"630102"})), "district") == []


def test_a_unit_without_a_place_is_counted_unnamed(city: GraphStore) -> None:
    # u8 (2015, no located_in link): a row of its own, (未注明), by district and township.
    city.write(WriteBatch(nodes=(unit("u8", "non_public_enterprise"),)))
    rows = coverage_rates(city, D2, Scope(), "district")
    first = rows[0]
    assert (first.group, first.name, first.units, first.none) == ("", "(未注明)", 1, 1)


def test_the_unorganized_units_alone(city: GraphStore) -> None:
    # From the docstring: at 2016-12-31 u4 has an instructor only, u2, u3, u5 nothing (u2
    # and u3 join j1 in 2017); at 2019-06-30 u4 and u5 are left. u5 sits in v1, the
    # others in 东关大街街道党工委.
    t1 = "630102001"
    none: tuple[str, ...] = ()
    cases = {
        D1: {
            "u2": ("none", none, t1),
            "u3": ("none", none, t1),
            "u4": ("work", ("m1",), t1),
            "u5": ("none", none, "v1"),
        },
        D2: {"u4": ("work", ("m1",), t1), "u5": ("none", none, "v1")},
    }
    for day, expected in cases.items():
        found = unit_coverage(city, day, Scope(), unorganized=True)
        assert {u: (c.status, c.instructors, c.place) for u, c in found.items()} == expected
        every = unit_coverage(city, day, Scope())
        assert {u: every[u] for u in found} == found  # the same records as the full read
