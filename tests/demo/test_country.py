"""The country demo's cities (``orggraph.demo.country``): apart, and loadable by neo4j-admin.

Two cities at ×1 (the ×100 run is ten at ×10) under the province committee, generated
once for the module. The fast test checks by hand that nothing of one city meets the
other (ids, codes, links), that each is Xining's calibrated city (91,000 members valid at
2019-06-30, 10 working groups, 2,497 operating two-new units: 1,797 non-public
enterprises and 700 social organizations), and that ``write_csv_parts`` writes both into
one set of importer files, one anchor per link end. The slow test loads those files
with ``neo4j-admin database import full`` into a Neo4j of its own and asks coverage by
city: a row per city, each Xining's 2,181 of 2,497.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from orggraph.demo import REFERENCE_DATE
from orggraph.demo.country import (
    PROVINCE_CODE,
    PROVINCE_SECRETARY,
    CountryPart,
    city_divisions,
    country_code,
    country_parts,
)
from orggraph.model import LinkKind, NodeKind
from orggraph.store.neo4j_import import ImportFiles, write_csv_parts

CITIES = 2


@pytest.fixture(scope="module")
def parts() -> list[CountryPart]:
    return list(country_parts(2019, 1, CITIES))


@pytest.fixture(scope="module")
def files(parts: list[CountryPart], tmp_path_factory: pytest.TempPathFactory) -> ImportFiles:
    return write_csv_parts(tmp_path_factory.mktemp("country") / "csv", iter(parts))


def test_codes_and_names_of_the_cities() -> None:
    assert country_code("630123", 0) == "635023"
    assert country_code("630102001001", 9) == "635902001001"
    with pytest.raises(ValueError, match="not Xining's"):
        country_code("632221", 0)
    first, second = city_divisions(0), city_divisions(1)
    assert (first.city_code, first.city_name) == ("635000", "西宁甲市")
    assert (second.city_code, second.city_name) == ("635100", "西宁乙市")
    assert [d.code for d in first.districts][:2] == ["635002", "635003"]  # 城东区, 城中区
    assert first.districts[0].name == "城东区"


def test_cities_do_not_meet_and_each_is_the_calibrated_city(
    parts: list[CountryPart], files: ImportFiles
) -> None:
    province, *cities = parts
    # The province committee and its secretary, a member of it (a chain climbing to it
    # finds the post filled).
    assert [(n.id, n.kind, n.name, n.attrs.get("level")) for n in province.nodes] == [
        (PROVINCE_CODE, NodeKind.ORGANIZATION, "青海省委", "province"),
        (PROVINCE_SECRETARY, NodeKind.MEMBER, "王建国", None),
    ]
    assert [(x.kind, x.source, x.target, x.attrs.get("role")) for x in province.links] == [
        (LinkKind.MEMBER_OF, PROVINCE_SECRETARY, PROVINCE_CODE, None),
        (LinkKind.HOLDS_POST, PROVINCE_SECRETARY, PROVINCE_CODE, "secretary"),
    ]
    assert province.facts == ()
    assert len(cities) == CITIES
    ids: list[set[str]] = []
    for number, city in enumerate(cities):
        own = {n.id for n in city.nodes}
        code, prefix = f"63{50 + number}", f"c{number}-"
        # Every id is the city's: a code of its own (6350…, 6351…) or its prefix.
        assert all(i.startswith(prefix) or i.startswith(code) for i in own)
        # Links join the city's records, and one climbs from the city to the province.
        assert all(x.source in own for x in city.links)
        assert all(x.target in own or x.target == PROVINCE_CODE for x in city.links)
        up = [x for x in city.links if x.target == PROVINCE_CODE]
        assert [(x.kind, x.source) for x in up] == [(LinkKind.SUBORDINATE_TO, f"{code}00")]
        assert all(f.node_id in own for f in city.facts)
        valid = Counter(
            n.kind
            for n in city.nodes
            if n.valid_from <= REFERENCE_DATE
            and (n.valid_to is None or n.valid_to > REFERENCE_DATE)
        )
        assert valid[NodeKind.MEMBER] == 91_000
        assert valid[NodeKind.WORKING_GROUP] == 10
        groups = sorted(n.id for n in city.nodes if n.kind is NodeKind.WORKING_GROUP)
        assert groups[0] == f"{prefix}wg01" and groups[-1] == f"{prefix}wg10"
        ids.append(own)
    assert not ids[0] & ids[1]
    assert not {PROVINCE_CODE, PROVINCE_SECRETARY} & (ids[0] | ids[1])

    # One set of files for both: every version once, one anchor per id a link joins.
    versions = sum(len(p.nodes) for p in parts)
    assert files.counts["node_versions"] == versions
    assert files.counts["link_versions"] == sum(len(p.links) for p in parts)
    assert files.counts["facts"] == sum(len(p.facts) for p in parts)
    ends = {e for p in parts for x in p.links for e in (x.source, x.target)}
    _, data = files.nodes["Entity"]
    with open(data, encoding="utf-8", newline="") as fh:
        anchors = [row[0] for row in csv.reader(fh)]
    assert len(anchors) == len(set(anchors)) == len(ends) == files.counts["entities"]
    assert set(anchors) == ends
    rows = 0
    for labels, (_, path) in files.nodes.items():
        if labels.startswith("NodeVersion:"):
            with open(path, "rb") as fh:
                rows += sum(1 for _ in fh)
    assert rows == versions


@pytest.mark.neo4j
@pytest.mark.slow
def test_the_files_load_and_coverage_has_a_row_per_city(files: ImportFiles, tmp_path: Path) -> None:
    from orggraph.analysis.chain import responsibility_chain
    from orggraph.analysis.coverage import coverage_rates
    from orggraph.store.neo4j import Neo4jStore
    from orggraph.store.neo4j_import import admin_command, finish_import, run_import
    from orggraph.store.scope import Scope
    from tests.neo4j_admin import admin_script
    from tests.neo4j_server import Neo4jServer

    server = Neo4jServer(data_dir=tmp_path / "server")
    try:
        run_import(admin_command(neo4j_admin=admin_script(server)), files)
        server.start()
        counts = {k: files.counts[k] for k in ("node_versions", "link_versions", "facts")}
        with Neo4jStore(server.uri) as store:
            finish_import(store, counts)  # the keys are built: two equal ids would fail here
            rates = coverage_rates(store, REFERENCE_DATE, Scope(), "city")
            chain = responsibility_chain(store, "635100", REFERENCE_DATE, Scope())
    finally:
        server.cleanup()
    # 西宁乙市委's chain: the city committee, then the province committee, whose secretary
    # the province's part brings (the city's secretary is the city's own leader).
    ((path,),) = [[p.levels] for p in chain.paths]
    assert [level.organization for level in path] == ["635100", PROVINCE_CODE]
    top = path[-1]
    assert (top.name, top.level, top.vacant_since) == ("青海省委", "province", None)
    assert top.secretary is not None
    assert (top.secretary.id, top.secretary.name) == (PROVINCE_SECRETARY, "王建国")
    assert [(r.group, r.name, r.units, r.own + r.joint) for r in rates] == [
        ("635000", "西宁甲市委", 2497, 2181),
        ("635100", "西宁乙市委", 2497, 2181),
    ]
