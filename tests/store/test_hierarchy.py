"""``GraphStore.hierarchy``: the organizations above some, and the links around them, in
one call, on every backend; the same answer as the primitives it stands for.

Every expected value is read off the diagram in ``tests.graphs.responsibility_city``.
"""

from __future__ import annotations

from datetime import date

import pytest

from orggraph.model import Link, LinkKind
from orggraph.store.base import GraphStore
from tests.graphs import responsibility_city

ASK = date(2019, 6, 30)
AROUND = (
    LinkKind.HOLDS_POST,
    LinkKind.CONTACTS,
    LinkKind.PAIRED_WITH,
    LinkKind.COVERS,
    LinkKind.LEADS,
)


@pytest.fixture
def city(store: GraphStore) -> GraphStore:
    store.write(responsibility_city())
    return store


def _ends(got: dict[LinkKind, list[Link]]) -> dict[LinkKind, list[tuple[str, str]]]:
    return {k: [(x.source, x.target) for x in v] for k, v in got.items()}


def test_a_branch_with_everything_above_it(city: GraphStore) -> None:
    got = city.hierarchy(["b1"], ASK, AROUND)
    assert got.parents == {
        "b1": "630102001",
        "630102001": "630102",
        "630102": "630100",
        "630100": None,
    }
    # m02's post at 630102 ended on 2019-03-01; m01 -> s1 and m11 -> s1 reach no level.
    # Each kind ordered by target, then link id; LEADS reach the covering groups.
    assert _ends(got.links) == {
        LinkKind.HOLDS_POST: [("m01", "630100"), ("m03", "630102001"), ("m04", "b1")],
        LinkKind.CONTACTS: [("m14", "b1")],
        LinkKind.PAIRED_WITH: [("s1", "b1")],
        LinkKind.COVERS: [("wg01", "630102"), ("wg02", "630102001")],
        LinkKind.LEADS: [("m01", "wg01"), ("m10", "wg02")],
    }
    # The four levels, and every node a link comes from (s1 a partner organization).
    levels = {"630100", "630102", "630102001", "b1"}
    assert set(got.nodes) == levels | {"m01", "m03", "m04", "m14", "s1", "wg01", "wg02", "m10"}
    assert got.nodes["wg02"].name == "第二全域党建工作组"
    assert got.nodes["m04"].name == "钱支"


def test_at_an_earlier_date(city: GraphStore) -> None:
    # 2013: b2 exists (from 2012), m02 still holds 630102, m04 not yet b1's secretary.
    got = city.hierarchy(["b2"], date(2013, 1, 1), AROUND)
    assert got.parents == {
        "b2": "630102001",
        "630102001": "630102",
        "630102": "630100",
        "630100": None,
    }
    assert _ends(got.links)[LinkKind.HOLDS_POST] == [
        ("m01", "630100"),
        ("m02", "630102"),
        ("m03", "630102001"),
    ]
    assert got.links[LinkKind.CONTACTS] == [] and got.links[LinkKind.PAIRED_WITH] == []
    # Before b2 was founded it has no version and no parent link.
    early = city.hierarchy(["b2"], date(2011, 6, 1), AROUND)
    assert early.parents == {"b2": None} and early.nodes == {}
    assert all(found == [] for found in early.links.values())


def test_several_starts_unknown_ids_and_no_links(city: GraphStore) -> None:
    got = city.hierarchy(["s1", "b1", "nobody"], ASK)
    assert got.parents == {
        "s1": "630103",
        "630103": "630100",
        "b1": "630102001",
        "630102001": "630102",
        "630102": "630100",
        "630100": None,
        "nobody": None,
    }
    assert got.links == {}
    assert sorted(got.nodes) == ["630100", "630102", "630102001", "630103", "b1", "s1"]
    assert city.hierarchy([], ASK, AROUND).parents == {}


@pytest.mark.parametrize("when", [date(2011, 6, 1), date(2013, 1, 1), ASK])
def test_the_same_as_the_primitives_give(city: GraphStore, when: date) -> None:
    ids = ["b1", "b2", "s1", "630103", "nobody"]
    assert city.hierarchy(ids, when, AROUND) == GraphStore.hierarchy(city, ids, when, AROUND)
