"""``unit_places``: each unit's place at a date; a unit placed twice at once (bad data,
written past the rules) takes the place of its last link by id, whatever order the
store hands the two in."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orggraph.analysis.places import unit_areas, unit_places
from orggraph.model import LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import D0, link, tiny_city

AT = date(2019, 6, 30)


def _unit(uid: str) -> Node:
    return Node(id=uid, kind=NodeKind.UNIT, name=uid, valid_from=D0, attrs={"unit_kind": "ngo"})


def test_one_place_each_and_the_last_by_id_of_two(tmp_path: Path) -> None:
    placed = LinkKind.LOCATED_IN
    with EmbeddedStore(tmp_path / "s.db") as store:
        store.write(tiny_city())
        store.write(
            WriteBatch(
                nodes=(_unit("u1"), _unit("u2"), _unit("u3"), _unit("u4")),
                links=(
                    # u1: 630103 written first, 630102001 after; u2 the other way round.
                    # Their ids: located_in:u1>630102001 < located_in:u1>630103.
                    link(placed, "u1", "630103"),
                    link(placed, "u1", "630102001"),
                    link(placed, "u2", "630102001"),
                    link(placed, "u2", "630103"),
                    link(placed, "u3", "630102001"),
                    # u4: placed until 2015 only.
                    link(placed, "u4", "630102", end=date(2015, 1, 1)),
                ),
            ),
            validate=False,
        )
        assert unit_places(store, AT) == {"u1": "630103", "u2": "630103", "u3": "630102001"}
        assert unit_places(store, AT, ["u3", "u4"]) == {"u3": "630102001"}
        assert unit_places(store, AT, []) == {}
        assert unit_places(store, date(2014, 1, 1), ["u4"]) == {"u4": "630102"}
        # The areas above: 630102001 is a township of 城东区委; 630103 a county itself.
        areas = unit_areas(store, AT)
        assert {u: (a.township, a.district, a.city) for u, a in areas.items()} == {
            "u1": (None, "630103", "630100"),
            "u2": (None, "630103", "630100"),
            "u3": ("630102001", "630102", "630100"),
        }
