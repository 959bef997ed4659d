"""Where two-new units are (所在): each unit's place and the areas above it, at a date.

A unit's place is a dated ``located_in`` link to the territorial organization it sits in:
its village or community organization, else its township's (乡镇党委 / 街道党工委). Its
township, district, city and province are read from the hierarchy at the date, never
stored on the unit, so a township moved to another county carries its units with it from
the day of the move (and a county moved to another city, its townships' units).
"""

from __future__ import annotations

__all__ = ["WHOLE", "UnitAreas", "place_areas", "unit_areas", "unit_places", "whole_area"]

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from orggraph.analysis.orgtree import ancestor_at
from orggraph.model import Level, LinkKind, NodeKind
from orggraph.store.base import GraphStore

#: What a whole territory is called (全省 / whole province), by its level.
WHOLE = {
    Level.NATIONAL: ("全国", "whole country"),
    Level.PROVINCE: ("全省", "whole province"),
    Level.CITY: ("全市", "whole city"),
    Level.COUNTY: ("全县", "whole county"),
    Level.TOWNSHIP: ("全乡镇", "whole township"),
}


def whole_area(store: GraphStore, as_of: date) -> tuple[str, str]:
    """What the whole graph is called at ``as_of``, by its top level: 全省 / whole province
    for a province's hierarchy, 全市 / whole city for a city's (one counting query)."""
    present = store.count_nodes(NodeKind.ORGANIZATION, as_of, "level")
    top = next((lv for lv in Level if present.get(lv.value)), None)
    return WHOLE.get(top, ("全部", "everything")) if top is not None else ("全部", "everything")


@dataclass(frozen=True, kw_only=True, slots=True)
class UnitAreas:
    """A unit's place at a date and the township-, county-, city- and province-level
    organizations above it (the nearest of each level on the place's path up).

    Each is ``None`` where the hierarchy has no organization of that level on the place's
    path (a unit placed straight in a county has no township; a city's hierarchy without
    its province above has no province).
    """

    place: str
    township: str | None
    district: str | None
    city: str | None = None
    province: str | None = None


def unit_places(
    store: GraphStore, as_of: date, unit_ids: Collection[str] | None = None
) -> dict[str, str]:
    """The place of each unit (of ``unit_ids``, else of all) at ``as_of``, in one store call.

    A unit without a place at the date is left out; one with two (bad data: an import
    keeps one at a time) gets the last by link id, as ``GraphStore.hierarchy`` does.
    """
    if unit_ids is not None and not unit_ids:
        return {}
    sources = None if unit_ids is None else sorted(unit_ids)
    links = store.links(LinkKind.LOCATED_IN, as_of, sources=sources)
    places = {x.source: x.target for x in links}
    if len(places) < len(links):  # a unit placed twice: only then is each link's id made
        places = {x.source: x.target for x in sorted(links, key=lambda x: x.id)}
    return places


def unit_areas(
    store: GraphStore, as_of: date, unit_ids: Collection[str] | None = None
) -> dict[str, UnitAreas]:
    """Each placed unit's place, township, district, city and province at ``as_of``
    (``unit_places``, then ``place_areas``: two store calls). The units of one place
    share its record."""
    places = unit_places(store, as_of, unit_ids)
    if not places:
        return {}
    by_place = place_areas(store, as_of, places.values())
    return {unit: by_place[place] for unit, place in places.items()}


def place_areas(store: GraphStore, as_of: date, places: Collection[str]) -> dict[str, UnitAreas]:
    """The township, district, city and province of each of ``places`` at ``as_of``, in
    one store call.

    Each area is the organization of its level on the place's path up the hierarchy at
    the date (the place itself when it is one), as ``ancestor_at`` finds it for every
    roll-up: the topmost, so what sits under a city's working committee (市直机关工委,
    level city) counts in the city committee's.
    """
    distinct = sorted(set(places))
    tree = store.hierarchy(distinct, as_of)

    def level_of(org_id: str) -> object:
        node = tree.nodes.get(org_id)
        return node.get("level") if node is not None else None

    found: dict[str, UnitAreas] = {}
    for place in distinct:
        path: list[str] = []
        current: str | None = place
        while current is not None and current not in path:
            path.append(current)
            current = tree.parents.get(current)
        found[place] = UnitAreas(
            place=place,
            township=ancestor_at(path, level_of, Level.TOWNSHIP),
            district=ancestor_at(path, level_of, Level.COUNTY),
            city=ancestor_at(path, level_of, Level.CITY),
            province=ancestor_at(path, level_of, Level.PROVINCE),
        )
    return found
