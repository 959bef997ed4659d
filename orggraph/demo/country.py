"""The country-sized demo (全国规模示例数据): cities on Xining's model under one province root,
generated one city at a time so that no more than one city is ever in memory.

``country_parts(seed, scale, cities)`` yields the province committee first, then each
city's records (``CountryPart``: its node versions, link versions and facts) as
``demo_batches`` makes them for Xining at ``scale``, with:

- its own administrative codes: Xining's tree with the city's four digits ``6301``
  replaced by ``63`` and ``50 + number`` (甲 ``6350``, 乙 ``6351``, … 癸 ``6359``: no real
  city of Qinghai has these), and its name 西宁市 → 西宁甲市, 西宁乙市, …; territorial
  organizations take their code as id, as in Xining;
- its own id prefix (``c0-``, ``c1-``, …) before every other id (members, units, the
  organizations without a code, groups, experts, cases);
- its own seed (``seed * 1000 + number``);
- its city committee placed under the province committee (``630000``, 青海省委, level
  ``province``), by a ``subordinate_to`` link that comes with the city.

The province committee comes with its secretary (a leader, full member of it from the
city's founding, id ``p-m000001``), as each committee below has one: a chain that
climbs to it finds the post filled, as one that ends at Xining's city committee does.

So ten cities at ×10 are the ×100 graph (9.1 M members valid at the reference date) of
issue #24, streamed city by city into ``orggraph.store.neo4j_import.write_csv_parts``.
The cities carry no yearly cycles (``build_cycles`` needs a store; the records are the
batches'). The same seed gives the same graph.
"""

from __future__ import annotations

__all__ = [
    "CITY_STEMS",
    "PROVINCE_CODE",
    "PROVINCE_SECRETARY",
    "CountryPart",
    "city_divisions",
    "country_code",
    "country_parts",
    "province_part",
]

import gc
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from typing import NamedTuple

from orggraph.demo import demo_batches
from orggraph.demo.divisions import Divisions, load_divisions
from orggraph.demo.organizations import CITY_FOUNDED
from orggraph.model import (
    Education,
    Fact,
    Level,
    Link,
    LinkKind,
    MemberStatus,
    Node,
    NodeKind,
    OrgKind,
    Role,
)
from orggraph.progress import Progress, silent

#: The cities' stems, one per city (at most ten cities).
CITY_STEMS = "甲乙丙丁戊己庚辛壬癸"
#: The province committee every city is placed under.
PROVINCE_CODE = "630000"
PROVINCE_NAME = "青海省委"
#: The province committee's secretary (synthetic, as every person of the demo).
PROVINCE_SECRETARY = "p-m000001"
PROVINCE_SECRETARY_NAME = "王建国"
#: The stage ``progress`` hears of: one step per city.
GENERATING_COUNTRY = "生成全国规模示例数据 generating the country, city by city"

_XINING_PREFIX = "6301"


class CountryPart(NamedTuple):
    """One part of the country: the province committee, or one city (a triple, as
    ``write_csv_parts`` takes its parts)."""

    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    facts: tuple[Fact, ...]


def country_code(code: str, number: int) -> str:
    """A Xining division's code as city ``number``'s: ``630123`` → ``635023`` for 甲 (0)."""
    if not code.startswith(_XINING_PREFIX):
        raise ValueError(f"division code {code!r} is not Xining's ({_XINING_PREFIX}…)")
    return f"63{50 + number}{code[len(_XINING_PREFIX) :]}"


def city_divisions(number: int, base: Divisions | None = None) -> Divisions:
    """Xining's tree (or ``base``) as city ``number`` (0–9) of the country: codes
    ``6301…`` → ``63{50 + number}…``, 西宁市 → 西宁{stem}市."""
    if not 0 <= number < len(CITY_STEMS):
        raise ValueError(f"city number {number} is outside 0–{len(CITY_STEMS) - 1}")
    base = base if base is not None else load_divisions()
    name = base.city_name.removesuffix("市") + CITY_STEMS[number] + "市"
    districts = tuple(
        replace(
            d,
            code=country_code(d.code, number),
            townships=tuple(
                replace(
                    t,
                    code=country_code(t.code, number),
                    villages=tuple(
                        replace(v, code=country_code(v.code, number)) for v in t.villages
                    ),
                )
                for t in d.townships
            ),
        )
        for d in base.districts
    )
    return replace(
        base, city_code=country_code(base.city_code, number), city_name=name, districts=districts
    )


def province_part() -> CountryPart:
    """The province committee and its secretary (its cities' links to it come with each
    city)."""
    committee = Node(
        id=PROVINCE_CODE,
        kind=NodeKind.ORGANIZATION,
        name=PROVINCE_NAME,
        valid_from=CITY_FOUNDED,
        attrs={
            "org_kind": OrgKind.COMMITTEE.value,
            "level": Level.PROVINCE.value,
            "code": PROVINCE_CODE,
        },
    )
    secretary = Node(
        id=PROVINCE_SECRETARY,
        kind=NodeKind.MEMBER,
        name=PROVINCE_SECRETARY_NAME,
        valid_from=CITY_FOUNDED,
        attrs={
            "gender": "male",
            "ethnicity": "汉族",
            "education": Education.POSTGRADUATE.value,
            "birth_year": 1962,
            "join_date": date(1984, 7, 1),
            "status": MemberStatus.FULL.value,
            "is_leader": True,
        },
    )
    links = (
        Link(
            kind=LinkKind.MEMBER_OF,
            source=PROVINCE_SECRETARY,
            target=PROVINCE_CODE,
            valid_from=CITY_FOUNDED,
        ),
        Link(
            kind=LinkKind.HOLDS_POST,
            source=PROVINCE_SECRETARY,
            target=PROVINCE_CODE,
            valid_from=CITY_FOUNDED,
            attrs={"role": Role.SECRETARY.value},
        ),
    )
    return CountryPart(nodes=(committee, secretary), links=links, facts=())


def country_parts(
    seed: int = 2019,
    scale: int = 10,
    cities: int = 10,
    progress: Progress = silent,
    *,
    numbers: Sequence[int] | None = None,
    province: bool = True,
) -> Iterator[CountryPart]:
    """The province committee, then ``cities`` cities at ``scale``, one generated per step.

    Each city is made only when the one before has been taken: a consumer that lets go
    of a part before asking for the next (as ``write_csv_parts`` does) holds one city.
    ``numbers`` (some of ``range(cities)``) and ``province`` make a share of the country,
    for several processes to write in parallel: the shares together are the country.
    """
    if not 1 <= cities <= len(CITY_STEMS):
        raise ValueError(f"cities must be 1–{len(CITY_STEMS)}, not {cities}")
    chosen = list(range(cities)) if numbers is None else list(numbers)
    if not set(chosen) <= set(range(cities)):
        raise ValueError(f"city numbers {chosen} are not all in 0–{cities - 1}")
    progress(GENERATING_COUNTRY, 0, len(chosen))
    if province:
        yield province_part()
    for done, number in enumerate(chosen, start=1):
        divisions = city_divisions(number)
        batches = demo_batches(
            seed * 1000 + number, scale, divisions=divisions, prefix=f"c{number}-"
        )
        up = Link(
            kind=LinkKind.SUBORDINATE_TO,
            source=divisions.city_code,
            target=PROVINCE_CODE,
            valid_from=CITY_FOUNDED,
        )
        part = CountryPart(
            nodes=tuple(n for b in batches for n in b.nodes),
            links=(up, *(x for b in batches for x in b.links)),
            facts=tuple(f for b in batches for f in b.facts),
        )
        del batches
        yield part
        del part
        gc.collect()  # the city's cycles (if any) before the next one is made
        progress(GENERATING_COUNTRY, done, len(chosen))
