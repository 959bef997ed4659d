"""Constraints and indexes: one source in the code, a file for people, applied idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import neo4j
import pytest
from click.testing import CliRunner

from orggraph.cli import cli
from orggraph.model import LinkKind, NodeKind
from orggraph.store import neo4j_cypher as q
from orggraph.store.neo4j import Neo4jStore
from tests.neo4j_server import ServerInfo

pytestmark = pytest.mark.neo4j

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "neo4j" / "schema.cypher"


def test_the_schema_file_is_what_the_code_applies() -> None:
    # Regenerate with: orggraph db init --print > schema/neo4j/schema.cypher
    assert SCHEMA_FILE.read_text() == q.schema_text()


def test_every_link_kind_has_its_key() -> None:
    # 6 node-side constraints + 11 link keys (one per link kind); 2 indexes (search, facts).
    names = [q.schema_name(s) for s in q.SCHEMA]
    assert len(names) == len(set(names)) == 6 + 11 + 2
    assert "link_subordinate_to_key" in names and "link_located_in_key" in names
    assert not set(names) & set(q.OBSOLETE_INDEXES)


def test_indexes_of_earlier_versions_are_dropped(neo4j_store: Neo4jStore) -> None:
    neo4j_store._write(
        _run, "CREATE INDEX node_version_id IF NOT EXISTS FOR (v:NodeVersion) ON (v.id)"
    )
    neo4j_store._write(
        _run, "CREATE INDEX link_serves_id IF NOT EXISTS FOR ()-[r:SERVES]-() ON (r.id)"
    )
    assert {"node_version_id", "link_serves_id"} <= neo4j_store.schema_names()
    assert neo4j_store.apply_schema() == []  # nothing to create; the two are dropped
    assert not {"node_version_id", "link_serves_id"} & neo4j_store.schema_names()


def test_lookups_by_id_seek_the_version_keys(neo4j_store: Neo4jStore) -> None:
    """Without id indexes of their own, reads by id must still seek an index, not scan."""
    reads = [
        q.NODE,
        q.NODES_BY_ID[NodeKind.MEMBER],
        q.NODE_VERSIONS,
        q.ALL_NODES_PAGE[NodeKind.MEMBER],
        q.LINK_VERSIONS[LinkKind.MEMBER_OF],
        q.ALL_LINKS_PAGE[LinkKind.MEMBER_OF],
        q.CLOSE_NODES,
        q.CLOSE_LINKS[LinkKind.MEMBER_OF],
        q.LINK_COUNTS_FROM_WHERE[LinkKind.MEMBER_OF],
    ]
    for statement in reads:  # the store applied the schema when it opened
        plan = neo4j_store._driver.execute_query("EXPLAIN " + statement).summary.plan
        operators = _operators(plan)
        assert any("UniqueIndexSeek" in o for o in operators), (statement, operators)
        assert not any("Scan" in o for o in operators), (statement, operators)


def test_applying_the_schema_twice_changes_nothing(neo4j_store: Neo4jStore) -> None:
    wanted = {q.schema_name(s) for s in q.SCHEMA}
    assert wanted <= neo4j_store.schema_names()  # applied when the store opened
    before = neo4j_store.schema_names()
    assert neo4j_store.apply_schema() == []
    assert neo4j_store.apply_schema() == []
    assert neo4j_store.schema_names() == before


def test_a_missing_index_is_created_again(neo4j_store: Neo4jStore) -> None:
    neo4j_store._write(_run, "DROP INDEX fact_node")
    assert "fact_node" not in neo4j_store.schema_names()
    assert neo4j_store.apply_schema() == ["fact_node"]
    assert neo4j_store.apply_schema() == []


def test_db_init_reports_what_it_created(neo4j_store: Neo4jStore, neo4j_server: ServerInfo) -> None:
    neo4j_store._write(_run, "DROP CONSTRAINT fact_key")
    args = ["--store", neo4j_server.uri, "db", "init"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "created 1" in first.output and "+ fact_key" in first.output
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and "created 0" in again.output


def test_no_statement_uses_a_deprecated_feature(neo4j_server: ServerInfo) -> None:
    """EXPLAIN every statement the store runs; Neo4j flags deprecations in its notifications."""
    statements = [s for s in _statements() if not s.startswith(("CREATE ", "SHOW ", "CALL db."))]
    assert len(statements) > 60
    auth = (neo4j_server.user, neo4j_server.password) if neo4j_server.password else None
    with neo4j.GraphDatabase.driver(neo4j_server.uri, auth=auth) as driver:
        for statement in statements:
            summary = driver.execute_query("EXPLAIN " + statement).summary
            deprecated = [
                n.status_description
                for n in summary.gql_status_objects
                if n.classification is neo4j.NotificationClassification.DEPRECATION
            ]
            assert deprecated == [], statement


def _statements() -> list[Any]:
    out: list[Any] = []
    for name, value in vars(q).items():
        if not name.isupper() or name.startswith("_") or name == "SCHEMA":
            continue
        values = value.values() if isinstance(value, dict) else [value]
        out += [v for v in values if isinstance(v, str) and " " in v]
    return out


def _run(tx: neo4j.ManagedTransaction, statement: Any) -> None:
    tx.run(statement).consume()


def _operators(plan: dict[str, Any]) -> list[str]:
    """The operator names of an EXPLAIN plan, depth first."""
    out = [str(plan["operatorType"]).split("@")[0]]
    for child in plan.get("children", []):
        out += _operators(child)
    return out
