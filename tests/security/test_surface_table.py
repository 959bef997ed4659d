"""docs/SECURITY.md's table of every surface × role is the one the policy makes (#18 point 6).

The table is generated (``orggraph.store.surfaces``); these tests fail when the document
drifts from it, when a surface the table names no longer exists (a saved query, a web
payload, a GraphQL field), and when a surface does not do what its row says for the
refusals (the viewer's refused analyses and exports), on both stores.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from graphql import OperationDefinitionNode, build_schema, parse

from orggraph.api import downloads
from orggraph.exports.formats import format_keys
from orggraph.store import surfaces
from orggraph.store.surfaces import (
    CLI_TABLES,
    END,
    EXPORT_CLASSIFICATION,
    EXPORT_FORMATS,
    ROLES,
    SAVED_QUERIES,
    START,
    SURFACES,
    WEB_FILTERS,
    WEB_PAYLOADS,
    replace_table,
    surface_cell,
    surface_table,
)
from tests.security.conftest import Secured

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "SECURITY.md"


def _root_fields(text: str) -> tuple[str, ...]:
    (operation,) = [d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
    return tuple(s.name.value for s in operation.selection_set.selections)  # type: ignore[attr-defined]


def test_the_document_holds_the_generated_table() -> None:
    text = DOC.read_text("utf-8")
    assert START in text and END in text
    assert replace_table(text) == text, (
        "docs/SECURITY.md's surface table is stale: "
        "python -m orggraph.store.surfaces --write docs/SECURITY.md"
    )


def test_the_generator_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert surfaces.main([]) == 0
    assert capsys.readouterr().out == surface_table()


def test_every_saved_query_is_a_row_with_its_root_fields() -> None:
    files = {
        p.stem: _root_fields(p.read_text("utf-8")) for p in (ROOT / "queries").glob("*.graphql")
    }
    assert files == SAVED_QUERIES


def test_every_web_payload_is_a_row_with_its_root_fields() -> None:
    script = (ROOT / "orggraph" / "web" / "static" / "api.js").read_text("utf-8")
    block = script[script.index("export const QUERIES") :]
    block = block[: block.index("\n};")]
    found = {
        name: _root_fields(text)
        for name, text in re.findall(r"^  (\w+): `(.*?)`,$", block, re.M | re.S)
    }
    assert found == WEB_PAYLOADS


def test_every_filter_of_a_web_payload_is_declared() -> None:
    script = (ROOT / "orggraph" / "web" / "static" / "api.js").read_text("utf-8")
    block = script[script.index("export const QUERIES") :]
    block = block[: block.index("\n};")]
    found = {}
    for name, text in re.findall(r"^  (\w+): `(.*?)`,$", block, re.M | re.S):
        attrs = re.findall(r"filter: \{(\w+):", text)
        if attrs:
            snake = [re.sub(r"(?<!^)([A-Z])", r"_\1", a).lower() for a in attrs]
            found[name] = tuple(snake)
    assert found == {k: tuple(a for _, a in v) for k, v in WEB_FILTERS.items()}


def test_every_graphql_field_the_table_names_exists() -> None:
    schema = build_schema((ROOT / "schema" / "schema.graphql").read_text("utf-8"))
    query = schema.query_type
    assert query is not None
    named = {
        name
        for s in SURFACES
        if s.group.startswith("GraphQL") and "links" not in s.name
        for name in re.findall(r"`(\w+)`", s.name)
    }
    types = {name for name in named if name[0].isupper()}
    assert named - types <= set(query.fields)
    assert types <= set(schema.type_map)
    via = {f for s in SURFACES for f in s.via}
    assert via <= set(query.fields)


def test_every_cli_table_is_a_command() -> None:
    from orggraph.cli import cli

    commands = set(cli.list_commands(click.Context(cli)))  # type: ignore[attr-defined]
    assert set(CLI_TABLES) <= commands


def test_the_api_gates_exports_with_the_store_layers_classification() -> None:
    assert downloads.EXPORT_CLASSIFICATION is EXPORT_CLASSIFICATION


def test_every_role_has_a_column_and_every_cell_says_something() -> None:
    table = surface_table().splitlines()
    assert table[0] == "| surface | " + " | ".join(ROLES) + " |"
    for surface in SURFACES:
        for role in ROLES:
            assert surface_cell(surface, role)


# -- what the rows say, against what the surfaces do --------------------------------------
ANALYSES = {
    "coverageRates": "{ coverageRates { group } }",
    "coverageChange": '{ coverageChange(since: "2015-01-01") { group } }',
    "remediationCases": "{ remediationCases { id } }",
    "weakBranches": "{ weakBranches { caseState } }",
}


def _row(name: str) -> surfaces.Surface:
    (found,) = [s for s in SURFACES if s.name == name]
    return found


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_refused_analyses_are_the_rows_that_say_refused(secured: Secured, role: str) -> None:
    for field, query in ANALYSES.items():
        body = secured.gql(query, as_=role)
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or ()}
        refused = surface_cell(_row(f"`{field}`"), role).startswith("refused")
        assert ("PERMISSION_DENIED" in codes) == refused, (field, role, body)


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_refused_exports_are_the_rows_that_say_refused(secured: Secured, role: str) -> None:
    for kind in ("responsibility-list", "ledger", "coverage"):
        refused = surface_cell(_row(f"`/exports/{kind}` (every format: {EXPORT_FORMATS})"), role)
        if not refused.startswith("refused"):
            response = secured.request("GET", f"/exports/{kind}?format=csv", as_=role)
            assert response.status_code == 200, (kind, role, response.text[:200])
            continue
        for fmt in format_keys():  # the gate is the kind's: every format alike
            response = secured.request("GET", f"/exports/{kind}?format={fmt}", as_=role)
            assert response.status_code == 403, (kind, fmt, role, response.text[:200])
