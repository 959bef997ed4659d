"""``orggraph bulk-import``: neo4j-admin's offline import gives what ``sync`` gives.

A small graph written by hand (history, every kind of facet value, awkward text) goes
through the CLI's two steps into a throwaway Neo4j of its own (the importer needs the
database stopped; the session's server stays up), and through ``copy_graph`` into the
session's server. The imported store must read back exactly the records written, and hold
what the copy holds, element by element (labels, properties, relationship types and ends),
with the same constraints and indexes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from orggraph.cli import cli
from orggraph.errors import ConfigError
from orggraph.model import Changes, Fact, Link, LinkKind, Node, NodeKind
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.neo4j import Neo4jStore
from orggraph.store.neo4j_import import admin_command, run_import, write_csv
from orggraph.store.sync import copy_graph
from tests.neo4j_admin import admin_script
from tests.neo4j_server import Neo4jServer, ServerInfo

pytestmark = pytest.mark.neo4j

D = date
ORG, MEMBER, UNIT = NodeKind.ORGANIZATION, NodeKind.MEMBER, NodeKind.UNIT

# The records, in the contract's order (kind, id, valid_from): what every read must give.
NODES = [
    Node(
        id="m1",
        kind=MEMBER,
        name="张三",
        valid_from=D(2015, 3, 1),
        attrs={"gender": "male", "is_leader": True, "status": "full", "join_date": D(2001, 7, 1)},
    ),
    # An empty name, is_leader false, no other facet: absent, not empty, in Neo4j.
    Node(id="m2", kind=MEMBER, name="", valid_from=D(2016, 1, 1), attrs={"is_leader": False}),
    Node(
        id="o1",
        kind=ORG,
        name="西宁市委",
        valid_from=D(2010, 1, 1),
        valid_to=D(2019, 6, 30),
        attrs={"level": "city", "code": "X-1", "tags": ["a", "b"], "ratio": 1.0},
    ),
    Node(
        id="o1",
        kind=ORG,
        name='西宁市委 "新", 第二\\版',
        valid_from=D(2019, 6, 30),
        attrs={"level": "city", "code": "o1", "ratio": 1},
    ),
    # A line break in a name: the importer must be told the fields span lines.
    Node(id="o2", kind=ORG, name="城东区委\n(二行)", valid_from=D(2012, 1, 1), attrs={}),
    # No link joins it: no :Entity anchor.
    Node(id="u1", kind=UNIT, name="单位一", valid_from=D(2014, 1, 1), attrs={}),
]
LINKS = [
    Link(
        kind=LinkKind.HOLDS_POST,
        source="m1",
        target="o2",
        valid_from=D(2016, 1, 1),
        attrs={"role": "secretary"},
    ),
    Link(
        kind=LinkKind.MEMBER_OF,
        source="m1",
        target="o1",
        valid_from=D(2015, 3, 1),
        valid_to=D(2018, 1, 1),
    ),
    Link(kind=LinkKind.MEMBER_OF, source="m1", target="o2", valid_from=D(2018, 1, 1)),
    Link(
        kind=LinkKind.MEMBER_OF,
        source="m2",
        target="o2",
        valid_from=D(2016, 1, 1),
        attrs={"note": '新,"x"'},
    ),
    Link(kind=LinkKind.SUBORDINATE_TO, source="o2", target="o1", valid_from=D(2012, 1, 1)),
]
FACTS = [
    Fact(node_id="m1", year=2019, name="vanguard_index", value=92.0),
    Fact(node_id="o1", year=2019, name="flag", value=True),
    Fact(node_id="o1", year=2019, name="meetings_held", value=12),
    Fact(node_id="o1", year=2019, name="note", value='一,二"三"'),
    Fact(node_id="o1", year=2020, name="meetings_held", value=1.0),
]


def _key(link: Link) -> tuple[str, str, date]:
    return (link.kind.value, link.id, link.valid_from)


@pytest.fixture
def source(tmp_path: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "source.db")
    store._apply(Changes(add_nodes=NODES, add_links=LINKS, facts=FACTS), "test")
    try:
        yield store
    finally:
        store.close()


def _dumped(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)


def _elements(store: Neo4jStore) -> tuple[list[Any], list[Any]]:
    """Every node but the bookkeeping ones (the audit trail, counters, what each write
    touched, roll-ups due), and every relationship, as comparable rows."""
    nodes = store._rows(
        "MATCH (n) WHERE NOT n:Audit AND NOT n:Counter AND NOT n:Touch AND NOT n:RollupDue "
        "RETURN [l IN labels(n) | l] AS labels, properties(n) AS props"
    )
    rels = store._rows("MATCH (s)-[r]->(t) RETURN type(r), s.id, t.id, properties(r) AS props")
    return (
        sorted(_dumped([sorted(labels), props]) for labels, props in nodes),
        sorted(_dumped(row) for row in rels),
    )


def test_bulk_import_reads_back_as_written_and_as_sync(
    source: EmbeddedStore, tmp_path: Path, neo4j_server: ServerInfo
) -> None:
    # The online copy, into the session's server.
    synced = Neo4jStore(neo4j_server.uri, user=neo4j_server.user, password=neo4j_server.password)
    synced.clear(keep_audit=False)
    assert copy_graph(source, synced).ok

    server = Neo4jServer(data_dir=tmp_path / "bulk-neo4j")
    admin = admin_script(server)
    src = f"sqlite:///{tmp_path / 'source.db'}"
    runner = CliRunner()
    try:
        first = runner.invoke(
            cli,
            [
                "bulk-import",
                "--from",
                src,
                "--neo4j-admin",
                str(admin),
                "--json",
                "--csv-dir",
                str(tmp_path / "csv"),
                "--keep-csv",
            ],
        )
        assert first.exit_code == 0, first.output
        report = orjson.loads(first.output)
        # 6 node versions, 5 link versions, 5 facts; anchors m1, m2, o1, o2 (not u1).
        assert report["counts"] == {
            "node_versions": 6,
            "link_versions": 5,
            "facts": 5,
            "entities": 4,
        }
        server.start()
        done = runner.invoke(cli, ["bulk-import", "--from", src, "--finish", server.uri, "--json"])
        assert done.exit_code == 0, done.output
        finished = orjson.loads(done.output)
        assert finished["ok"] and finished["target"]["counts"] == {
            "node_versions": 6,
            "link_versions": 5,
            "facts": 5,
        }

        bulk = Neo4jStore(server.uri)
        try:
            assert list(bulk.all_nodes()) == NODES
            assert list(bulk.all_links()) == sorted(LINKS, key=_key)
            assert list(bulk.all_facts()) == FACTS
            assert bulk.digest() == synced.digest() == source.digest()
            assert _elements(bulk) == _elements(synced)
            # The shared server may also hold the accounts' schema (other tests' sign-ins).
            assert bulk.schema_names() <= synced.schema_names()
            # Reads that go through the indexes and anchors answer as the copy does.
            day = D(2020, 1, 1)
            assert bulk.search("城东", day) == synced.search("城东", day)
            assert bulk.ancestors("o2", D(2020, 1, 1)) == ["o1"]
            assert bulk.subtree("u1", D(2020, 1, 1)) == ["u1"]
            assert bulk.audit_log(1)[0]["action"] == "bulk_import"

            # The server runs: the importer refuses the database, and says why.
            files = write_csv(tmp_path / "csv2", NODES, LINKS, FACTS)
            with pytest.raises(ConfigError, match="is in use: stop the Neo4j server"):
                run_import(admin_command(neo4j_admin=admin), files, overwrite=True)
        finally:
            bulk.close()
        server.stop()
        # Stopped, holding data, and no --overwrite: refused, and the data stays.
        again = runner.invoke(cli, ["bulk-import", "--from", src, "--neo4j-admin", str(admin)])
        assert isinstance(again.exception, ConfigError)
        assert "already holds data: pass --overwrite" in str(again.exception)
        server.start()
        with Neo4jStore(server.uri) as kept:
            assert kept.digest() == source.digest()
    finally:
        server.cleanup()
        synced.close()


def test_missing_neo4j_admin_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"neo4j-admin not found at .*/bin/neo4j-admin"):
        admin_command(tmp_path / "no-neo4j")
    result = CliRunner().invoke(
        cli,
        [
            "bulk-import",
            "--from",
            f"sqlite:///{tmp_path / 'x.db'}",
            "--neo4j-home",
            str(tmp_path / "no-neo4j"),
        ],
    )
    assert isinstance(result.exception, ConfigError)
    assert "neo4j-admin not found" in str(result.exception)


def test_a_facet_of_another_type_is_refused_before_any_import(tmp_path: Path) -> None:
    odd = Node(id="o9", kind=ORG, name="x", valid_from=D(2020, 1, 1), attrs={"code": 17})
    from orggraph.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match=r"attribute 'code' of organization 'o9'"):
        write_csv(tmp_path / "csv", [odd], [], [])
