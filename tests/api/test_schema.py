"""One source for each artefact: the committed SDL, the fields table, the saved queries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import GraphQLEnumType, GraphQLObjectType, get_named_type, parse, validate

from orggraph.api.saved import load_saved_queries, parse_saved_query
from orggraph.api.schema import build_schema, sdl
from orggraph.api.types.nodes import NODE_TYPES
from orggraph.model import NODE_FIELDS
from orggraph.store.base import GraphStore
from tests.api.conftest import Api
from tests.api.graphs import small_city

ROOT = Path(__file__).resolve().parents[2]
SDL_FILE = ROOT / "schema" / "schema.graphql"
QUERIES = ROOT / "queries"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def test_the_committed_schema_is_current() -> None:
    assert SDL_FILE.read_text("utf-8") == sdl(), (
        "schema/schema.graphql is stale: run `orggraph schema export`"
    )


def test_every_attribute_in_the_fields_table_is_a_typed_graphql_field() -> None:
    schema = build_schema()._schema
    for kind, specs in NODE_FIELDS.items():
        type_name = NODE_TYPES[kind].__strawberry_definition__.name  # type: ignore[attr-defined]
        gql = schema.get_type(type_name)
        assert isinstance(gql, GraphQLObjectType), type_name
        for spec in specs:
            name = _camel(spec.name)
            if kind.value == "case" and spec.name in ("organization", "responsible", "partner"):
                name = {"organization": "organizationId"}.get(spec.name, spec.name)
            assert name in gql.fields, f"{type_name}.{name} ({spec.label_zh}) is missing"
            field = gql.fields[name]
            assert spec.label_zh in (field.description or ""), f"{type_name}.{name}"
            if spec.enum is not None:
                named = get_named_type(field.type)
                assert isinstance(named, GraphQLEnumType), f"{type_name}.{name}"
                assert named.name == spec.enum.__name__


def test_every_saved_query_has_a_bilingual_header_and_validates() -> None:
    schema = build_schema()._schema
    saved = load_saved_queries(QUERIES)
    names = {q.name for q in saved}
    # One per analyst question in DOMAIN.md, and the explorer's tree and search.
    assert {
        "responsibility_chain",
        "responsibilities",
        "coverage_gaps",
        "coverage_rates",
        "weak_branches",
        "remediation_cases",
        "pairing_suggestions",
        "changes",
        "what_if",
        "report",
        "org_tree",
        "search",
    } <= names
    for query in saved:
        assert CJK.search(query.title_zh), f"{query.name}: the first line must be Chinese"
        assert not CJK.search(query.title_en), f"{query.name}: the second line must be English"
        assert any(line.startswith("Variables:") for line in query.header), query.name
        errors = validate(schema, parse(query.query))
        assert not errors, f"{query.name}: {errors}"


@pytest.mark.parametrize("name", sorted(p.stem for p in QUERIES.glob("*.graphql")))
def test_saved_query_example_variables_are_accepted(store: GraphStore, name: str) -> None:
    # The examples name ids of the demo city; on the small city they may be unknown
    # (NOT_FOUND), but the variables themselves must be of the right types.
    store.write(small_city())
    query = parse_saved_query(QUERIES / f"{name}.graphql")
    body = Api(store).post(query.query, query.variables)
    codes = {e["extensions"]["code"] for e in body.get("errors", [])}
    assert codes <= {"NOT_FOUND"}, body["errors"]
