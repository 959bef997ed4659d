"""Coverage rates asked, then the graph written, then asked again (both stores).

``coverage_rates`` keeps what it worked out at a date for the store's state
(``GraphStore.read_state``): each write below must show in the next answer, worked out by
hand from ``tests.analysis.test_coverage``'s graph. At 2019-06-30 (``D2``), by district:
630102 has u1 own, u2 u3 joint, u4 work; 630103 has u5 none. By sector: 非公企业 u1 own,
u2 joint, u4 work; 社会组织 u3 joint, u5 none. At 2016-12-31 (``D1``): 630102 u1 own, u4
work, u2 u3 none; 630103 u6 own, u5 none.

The writes, in order, each after asking at both dates:

1. a new unit u8 (非公企业) placed in 人民街街道 (630103001) from 2015: 630103 gains a unit
   with nothing at both dates;
2. an instructor m1 for u8 from 2019-01-01: u8 is work at D2, still none at D1;
3. u5 gets its own organization o1 (a second unit for o1) from 2019-01-01: own at D2;
4. u8 closes on 2019-03-01: gone at D2, still there at D1;
5. 东关大街街道 (630102001, u1..u4) moves to 城中区委 (630103) on 2018-01-01: at D2
   630103 holds all of them, at D1 nothing moved.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from orggraph.analysis.coverage import coverage_change, coverage_rates
from orggraph.model import Link, LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope
from tests.analysis.test_coverage import D1, D2, SUB, city, counts, coverage_city, placed, unit
from tests.graphs import link

__all__ = ["city"]  # the fixture, used by name

Rows = dict[str, tuple[int, int, int, int, int]]
T2 = "630103001"
LATE = date(2019, 1, 1)


def _ask(store: GraphStore) -> tuple[Rows, Rows, Rows, Rows]:
    """By district at D2 and D1, by sector at D2, and 城中区委's scope by township at D2."""
    return (
        counts(coverage_rates(store, D2, Scope(), "district")),
        counts(coverage_rates(store, D1, Scope(), "district")),
        counts(coverage_rates(store, D2, Scope(), "sector")),
        counts(coverage_rates(store, D2, Scope(roots=frozenset({"630103"})), "township")),
    )


def test_each_write_shows_in_the_next_answer(city: GraphStore) -> None:
    npe, soc = "non_public_enterprise", "social_organization"
    steps: list[tuple[WriteBatch | None, tuple[Rows, Rows, Rows, Rows]]] = [
        (
            None,
            (
                {"630102": (4, 1, 2, 1, 0), "630103": (1, 0, 0, 0, 1)},
                {"630102": (4, 1, 0, 1, 2), "630103": (2, 1, 0, 0, 1)},
                {npe: (3, 1, 1, 1, 0), soc: (2, 0, 1, 0, 1)},
                {T2: (1, 0, 0, 0, 1)},
            ),
        ),
        (  # 1. u8, placed in 人民街街道, nothing else
            WriteBatch(nodes=(unit("u8", npe),), links=(placed("u8", T2),)),
            (
                {"630102": (4, 1, 2, 1, 0), "630103": (2, 0, 0, 0, 2)},
                {"630102": (4, 1, 0, 1, 2), "630103": (3, 1, 0, 0, 2)},
                {npe: (4, 1, 1, 1, 1), soc: (2, 0, 1, 0, 1)},
                {T2: (2, 0, 0, 0, 2)},
            ),
        ),
        (  # 2. an instructor for u8 from 2019
            WriteBatch(links=(link(LinkKind.INSTRUCTS, "m1", "u8", start=LATE),)),
            (
                {"630102": (4, 1, 2, 1, 0), "630103": (2, 0, 0, 1, 1)},
                {"630102": (4, 1, 0, 1, 2), "630103": (3, 1, 0, 0, 2)},
                {npe: (4, 1, 1, 2, 0), soc: (2, 0, 1, 0, 1)},
                {T2: (2, 0, 0, 1, 1)},
            ),
        ),
        (  # 3. u5 its own organization from 2019
            WriteBatch(links=(link(LinkKind.ESTABLISHED_IN, "o1", "u5", start=LATE, mode="own"),)),
            (
                {"630102": (4, 1, 2, 1, 0), "630103": (2, 1, 0, 1, 0)},
                {"630102": (4, 1, 0, 1, 2), "630103": (3, 1, 0, 0, 2)},
                {npe: (4, 1, 1, 2, 0), soc: (2, 1, 1, 0, 0)},
                {T2: (2, 1, 0, 1, 0)},
            ),
        ),
        (  # 4. u8 closes on 2019-03-01
            WriteBatch(end_nodes=(("u8", date(2019, 3, 1)),)),
            (
                {"630102": (4, 1, 2, 1, 0), "630103": (1, 1, 0, 0, 0)},
                {"630102": (4, 1, 0, 1, 2), "630103": (3, 1, 0, 0, 2)},
                {npe: (3, 1, 1, 1, 0), soc: (2, 1, 1, 0, 0)},
                {T2: (1, 1, 0, 0, 0)},
            ),
        ),
        (  # 5. 东关大街街道 moves to 城中区委 on 2018-01-01
            WriteBatch(
                links=(link(SUB, "630102001", "630103", start=date(2018, 1, 1)),),
                end_links=((link(SUB, "630102001", "630102").id, date(2018, 1, 1)),),
            ),
            (
                {"630103": (5, 2, 2, 1, 0)},
                {"630102": (4, 1, 0, 1, 2), "630103": (3, 1, 0, 0, 2)},
                {npe: (3, 1, 1, 1, 0), soc: (2, 1, 1, 0, 0)},
                {"630102001": (4, 1, 2, 1, 0), T2: (1, 1, 0, 0, 0)},
            ),
        ),
    ]
    for batch, expected in steps:
        if batch is not None:
            city.write(batch)
        assert _ask(city) == expected
        assert _ask(city) == expected  # asked again, with nothing written between
    # The change from D1 to D2 by district after all of it: 城东区委 has no unit at D2.
    changes = coverage_change(city, D1, D2, Scope(), "district")
    assert [(c.group, c.before.units, c.after.units) for c in changes] == [
        ("630102", 4, 0),
        ("630103", 3, 5),
    ]


def test_a_second_store_sees_a_write_once_it_catches_up(tmp_path: Path) -> None:
    # One process's write, another's kept rates: the same until the second catches up.
    path = tmp_path / "two.db"
    with EmbeddedStore(path) as one, EmbeddedStore(path) as two:
        one.write(coverage_city())
        two.refresh()
        before = {"630102": (4, 1, 2, 1, 0), "630103": (1, 0, 0, 0, 1)}
        assert counts(coverage_rates(two, D2, Scope(), "district")) == before
        one.write(WriteBatch(nodes=(unit("u8", "social_organization"),), links=(placed("u8", T2),)))
        assert counts(coverage_rates(two, D2, Scope(), "district")) == before
        assert two.refresh()
        after = {"630102": (4, 1, 2, 1, 0), "630103": (2, 0, 0, 0, 2)}
        assert counts(coverage_rates(two, D2, Scope(), "district")) == after


def test_a_rate_asked_again_reads_no_links(
    city: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the first rate worked out is kept for the store's state: the second, by
    # another grouping too, reads no link (the store's own reads, counted, not replaced).
    # A store that promises no state (Neo4j) keeps nothing: each rate reads them again.
    coverage_rates(city, D2, Scope(), "district")
    coverage_rates(city, D2, Scope(), "sector")
    reads: list[LinkKind] = []
    links = city.links

    def counted(kind: LinkKind, as_of: date, **kwargs: Any) -> list[Link]:
        reads.append(kind)
        return links(kind, as_of, **kwargs)

    monkeypatch.setattr(city, "links", counted)
    for by in ("district", "township", "sector", None):
        coverage_rates(city, D2, Scope(), by)
    if city.read_state() is None:
        assert reads.count(LinkKind.ESTABLISHED_IN) == 4
    else:
        assert reads == []
