"""Coverage by district follows the hierarchy at the date (hypothesis, both stores).

Each example draws a city with two or three counties, townships that start under one
county and are moved (re-linked, as a user would: the old link ended, a new one opened)
to other counties at random dates, villages under townships, and two-new units placed
(``located_in``) in a township or a village for their whole life, some with their own
organization (a branch under their township). The expected answers are worked out here
from the drawn records alone (where each township hangs at the date), never by asking
the code under test; each example writes under its own id prefix into the same store and
asks only within its own city (a scope rooted at it).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orggraph.analysis.coverage import coverage_rates
from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, org

D0 = date(2010, 1, 1)
SPAN = 3000  # days
SUB, AT, IN = LinkKind.SUBORDINATE_TO, LinkKind.LOCATED_IN, LinkKind.ESTABLISHED_IN
_prefixes = itertools.count()


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


@dataclass
class City:
    prefix: str
    counties: int
    township_county: list[int]  # each township's first county
    moves: list[tuple[int, int, int]]  # (day, township, new county), in date order
    village_township: list[int]  # each village's township
    units: list[tuple[int, int | None, str, int, int | None]]
    # (start, end, place kind "t"/"v", place index, own organization from day or None)
    asks: list[int]

    def cid(self) -> str:
        return f"{self.prefix}c"

    def kid(self, k: int) -> str:
        return f"{self.prefix}k{k}"

    def tid(self, t: int) -> str:
        return f"{self.prefix}t{t}"

    def vid(self, v: int) -> str:
        return f"{self.prefix}v{v}"

    def uid(self, n: int) -> str:
        return f"{self.prefix}u{n}"

    def county_at(self, t: int, when: int) -> int:
        """Where township ``t`` hangs on day ``when``: its last move on or before, else
        its first county."""
        county = self.township_county[t]
        for moved, township, to in self.moves:
            if township == t and moved <= when:
                county = to
        return county

    def township_of(self, n: int) -> int:
        _, _, kind, place, _ = self.units[n]
        return place if kind == "t" else self.village_township[place]

    def expected(self, when: int) -> tuple[Counter[str], Counter[str], Counter[str]]:
        """(units, organized) by county at ``when``, and units by township: by hand."""
        units: Counter[str] = Counter()
        organized: Counter[str] = Counter()
        townships: Counter[str] = Counter()
        for n, (start, end, _, _, own) in enumerate(self.units):
            if not (start <= when and (end is None or when < end)):
                continue
            township = self.township_of(n)
            county = self.kid(self.county_at(township, when))
            units[county] += 1
            organized[county] += own is not None and own <= when
            townships[self.tid(township)] += 1
        return units, +organized, townships


@st.composite
def cities(draw: st.DrawFn) -> City:
    counties = draw(st.integers(2, 3))
    townships = draw(st.integers(1, 4))
    first = [draw(st.integers(0, counties - 1)) for _ in range(townships)]
    moves: list[tuple[int, int, int]] = []
    for t in range(townships):
        days = sorted(set(draw(st.lists(st.integers(1, SPAN - 1), max_size=3))))
        county = first[t]
        for moved in days:
            to = draw(st.sampled_from([k for k in range(counties) if k != county]))
            moves.append((moved, t, to))
            county = to
    moves.sort()
    villages = [draw(st.integers(0, townships - 1)) for _ in range(draw(st.integers(0, 3)))]
    units = []
    for _ in range(draw(st.integers(1, 8))):
        start = draw(st.integers(0, SPAN - 2))
        end = draw(st.none() | st.integers(start + 1, SPAN))
        if villages and draw(st.booleans()):
            kind, place = "v", draw(st.integers(0, len(villages) - 1))
        else:
            kind, place = "t", draw(st.integers(0, townships - 1))
        own = None
        if draw(st.booleans()):
            own = draw(st.integers(start, (end or SPAN) - 1))
        units.append((start, end, kind, place, own))
    asks = draw(st.lists(st.integers(0, SPAN), min_size=1, max_size=4))
    return City(
        prefix=f"q{next(_prefixes)}",
        counties=counties,
        township_county=first,
        moves=moves,
        village_township=villages,
        units=units,
        asks=asks,
    )


def write(store: GraphStore, city: City) -> None:
    """The city as it was first written, then each move as its own write, in date order."""
    nodes: list[Node] = [org(city.cid(), "市委", "city")]
    links: list[Link] = []
    for k in range(city.counties):
        nodes.append(org(city.kid(k), f"县{k}", "county"))
        links.append(link(SUB, city.kid(k), city.cid()))
    for t, k in enumerate(city.township_county):
        nodes.append(org(city.tid(t), f"乡镇{t}", "township", "working_committee"))
        links.append(link(SUB, city.tid(t), city.kid(k)))
    for v, t in enumerate(city.village_township):
        nodes.append(org(city.vid(v), f"村{v}", "grassroots", "branch", sector="rural"))
        links.append(link(SUB, city.vid(v), city.tid(t)))
    for n, (start, end, kind, place, own) in enumerate(city.units):
        uid, begin, stop = city.uid(n), day(start), None if end is None else day(end)
        attrs = {"unit_kind": "non_public_enterprise", "full_members": 3}
        nodes.append(
            Node(id=uid, kind=NodeKind.UNIT, name=uid, valid_from=begin, valid_to=stop, attrs=attrs)
        )
        where = city.tid(place) if kind == "t" else city.vid(place)
        links.append(link(AT, uid, where, start=begin, end=stop))
        if own is not None:
            branch = f"{uid}b"
            nodes.append(org(branch, f"{uid}党支部", "grassroots", "branch", start=day(own)))
            links.append(link(SUB, branch, city.tid(city.township_of(n)), start=day(own)))
            links.append(link(IN, branch, uid, start=day(own), end=stop, mode="own"))
    store.write(WriteBatch(nodes=tuple(nodes), links=tuple(links)))
    current = {t: k for t, k in enumerate(city.township_county)}
    for moved, t, to in city.moves:
        old = link(SUB, city.tid(t), city.kid(current[t]))
        new = link(SUB, city.tid(t), city.kid(to), start=day(moved))
        store.write(WriteBatch(links=(new,), end_links=((old.id, day(moved)),)))
        current[t] = to


PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(city=cities())
def test_coverage_by_district_follows_township_moves(store: GraphStore, city: City) -> None:
    write(store, city)
    whole = Scope(roots=frozenset({city.cid()}))
    for ask in city.asks:
        when = day(ask)
        units, organized, townships = city.expected(ask)
        rows = coverage_rates(store, when, whole, "district")
        assert {r.group: r.units for r in rows} == dict(units), (ask, city.moves)
        assert {r.group: r.organized for r in rows if r.organized} == dict(organized)
        rows = coverage_rates(store, when, whole, "township")
        assert {r.group: r.units for r in rows} == dict(townships)
        # A county's analyst sees the units of the townships under it at the date.
        for k in range(city.counties):
            county = city.kid(k)
            mine = coverage_rates(store, when, Scope(roots=frozenset({county})), None)
            assert sum(r.units for r in mine) == units[county], (ask, county)
