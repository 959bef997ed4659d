"""Where two-new units are (所在): each unit's place, and its township and district, at a date.

A unit's place is a dated ``located_in`` link to the territorial organization it sits in:
its village or community organization, else its township's (乡镇党委 / 街道党工委). Its
township and district are read from the hierarchy at the date, never stored on the unit,
so a township moved to another county carries its units with it from the day of the move.
"""

from __future__ import annotations

__all__ = ["UnitAreas", "unit_areas", "unit_places"]

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from orggraph.model import Level, LinkKind
from orggraph.store.base import GraphStore


@dataclass(frozen=True, kw_only=True, slots=True)
class UnitAreas:
    """A unit's place at a date and the township- and county-level organizations above it.

    ``township`` and ``district`` are ``None`` where the hierarchy has no organization of
    that level on the place's path (a unit placed straight in a county has no township).
    """

    place: str
    township: str | None
    district: str | None


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
    return {x.source: x.target for x in sorted(links, key=lambda x: x.id)}


def unit_areas(
    store: GraphStore, as_of: date, unit_ids: Collection[str] | None = None
) -> dict[str, UnitAreas]:
    """Each placed unit's place, township and district at ``as_of``: two store calls.

    The township is the nearest township-level organization on the place's path up the
    hierarchy at the date (the place itself when it is one), the district the nearest
    county-level one.
    """
    places = unit_places(store, as_of, unit_ids)
    if not places:
        return {}
    tree = store.hierarchy(sorted(set(places.values())), as_of)
    found: dict[str, UnitAreas] = {}
    by_place: dict[str, UnitAreas] = {}
    for unit, place in places.items():
        areas = by_place.get(place)
        if areas is None:
            township = district = None
            seen: set[str] = set()
            current: str | None = place
            while current is not None and current not in seen and district is None:
                seen.add(current)
                node = tree.nodes.get(current)
                level = node.get("level") if node is not None else None
                if level == Level.TOWNSHIP and township is None:
                    township = current
                elif level == Level.COUNTY:
                    district = current
                current = tree.parents.get(current)
            areas = by_place[place] = UnitAreas(place=place, township=township, district=district)
        found[unit] = areas
    return found
