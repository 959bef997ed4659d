"""The province around Xining on a real Neo4j: the same answers as the embedded store.

The rest of the province (``province_batches``: 7 cities, about 120,000 records and as
many facts) over a store holding only Xining's committee, written once into each store;
coverage by city and province, the contact-leader gaps of one county and a seven-level
chain must agree (the embedded store's answers are checked by hand-set bounds in
tests/demo/test_province.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orggraph.analysis.chain import responsibility_chain
from orggraph.analysis.coverage import coverage_rates
from orggraph.analysis.gaps import GapKind, coverage_gaps
from orggraph.demo import REFERENCE_DATE
from orggraph.demo.province import PROVINCE_FOUNDED, province_batches
from orggraph.model import NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope
from tests.graphs import org
from tests.neo4j_server import ServerInfo

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

COUNTY = Scope(roots=frozenset({"632221"}))  # 门源回族自治县


def _fill(store: GraphStore, batches: list[WriteBatch]) -> GraphStore:
    store.write(WriteBatch(nodes=(org("630100", "西宁市委", "city", start=PROVINCE_FOUNDED),)))
    for batch in batches:
        store.write(batch)
    return store


@pytest.fixture(scope="module")
def both(
    neo4j_server: ServerInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[GraphStore, GraphStore]]:
    from orggraph.store.neo4j import Neo4jStore

    batches = province_batches(2019)
    path: Path = tmp_path_factory.mktemp("province") / "province.db"
    embedded = _fill(EmbeddedStore(path), batches)
    neo4j = Neo4jStore(
        neo4j_server.uri,
        user=neo4j_server.user,
        password=neo4j_server.password,
        database=neo4j_server.database,
    )
    neo4j.clear(keep_audit=False)
    _fill(neo4j, batches)
    try:
        yield embedded, neo4j
    finally:
        neo4j.clear(keep_audit=False)
        neo4j.close()
        embedded.close()


def test_coverage_by_city_and_province_agree(both: tuple[GraphStore, GraphStore]) -> None:
    embedded, neo4j = both
    for group_by in ("city", "province", "district"):
        mine = coverage_rates(neo4j, REFERENCE_DATE, Scope(), group_by)
        assert mine == coverage_rates(embedded, REFERENCE_DATE, Scope(), group_by)
        assert mine
        if group_by != "district":  # a small county's rate may stray further
            assert all(r.rate is not None and r.rate > 80 for r in mine), group_by


def test_contact_gaps_and_a_deep_chain_agree(both: tuple[GraphStore, GraphStore]) -> None:
    embedded, neo4j = both
    kinds = [GapKind.NO_CONTACT_LEADER, GapKind.UNIT_WITHOUT_ORGANIZATION]
    on_neo4j = coverage_gaps(neo4j, REFERENCE_DATE, COUNTY, kinds=kinds)
    assert on_neo4j == coverage_gaps(embedded, REFERENCE_DATE, COUNTY, kinds=kinds)
    assert {g.kind for g in on_neo4j} == set(kinds)
    (branch,) = [
        n.id
        for n in embedded.nodes(NodeKind.ORGANIZATION, REFERENCE_DATE)
        if n.name == "海东市国有资本投资运营有限公司第1党总支第1党支部"
    ]
    chain = responsibility_chain(neo4j, branch, REFERENCE_DATE, Scope())
    assert chain == responsibility_chain(embedded, branch, REFERENCE_DATE, Scope())
    assert len(chain.paths[0].levels) == 6
