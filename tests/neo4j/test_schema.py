"""Constraints and indexes: one source in the code, a file for people, applied idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import neo4j
import pytest
from click.testing import CliRunner

from orggraph.cli import cli
from orggraph.store import neo4j_cypher as q
from orggraph.store.neo4j import Neo4jStore
from tests.neo4j_server import ServerInfo

pytestmark = pytest.mark.neo4j

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "neo4j" / "schema.cypher"


def test_the_schema_file_is_what_the_code_applies() -> None:
    # Regenerate with: orggraph db init --print > schema/neo4j/schema.cypher
    assert SCHEMA_FILE.read_text() == q.schema_text()


def test_every_link_kind_has_its_key_and_its_id_index() -> None:
    # 6 node-side constraints + 10 link keys; 3 node-side indexes + 10 link id indexes.
    names = [q.schema_name(s) for s in q.SCHEMA]
    assert len(names) == len(set(names)) == 6 + 10 + 3 + 10
    assert "link_subordinate_to_key" in names and "link_instructs_id" in names


def test_applying_the_schema_twice_changes_nothing(neo4j_store: Neo4jStore) -> None:
    wanted = {q.schema_name(s) for s in q.SCHEMA}
    assert wanted <= neo4j_store.schema_names()  # applied when the store opened
    before = neo4j_store.schema_names()
    assert neo4j_store.apply_schema() == []
    assert neo4j_store.apply_schema() == []
    assert neo4j_store.schema_names() == before


def test_a_missing_index_is_created_again(neo4j_store: Neo4jStore) -> None:
    neo4j_store._write(_run, "DROP INDEX link_serves_id")
    assert "link_serves_id" not in neo4j_store.schema_names()
    assert neo4j_store.apply_schema() == ["link_serves_id"]
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
