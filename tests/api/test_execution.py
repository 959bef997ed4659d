"""The planned executor answers exactly as graphql-core does, and plans every query we ship.

Each query is asked twice over the same store: through the app as it runs (the planned
executor) and with planning switched off (graphql-core's own execution, strawberry's
default). The two JSON answers must be equal, and a query graphql-core answers without
error must not have fallen back to it: the plan covered it.
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
from graphql import get_introspection_query
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document

from orggraph.api import execution
from orggraph.api import schema as schema_module
from orggraph.api.context import Actor
from orggraph.api.execution import PlannedExecutor
from orggraph.api.saved import load_saved_queries
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.api.conftest import Api
from tests.api.graphs import small_city
from tests.api.test_schema import QUERIES


def both(
    api: Api, monkeypatch: pytest.MonkeyPatch, query: str, variables: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The planned answer, graphql-core's answer, and how many times planning gave up."""
    before = PlannedExecutor.fallbacks
    planned = api.post(query, variables)
    gave_up = PlannedExecutor.fallbacks - before
    with monkeypatch.context() as patch:
        patch.setattr(
            PlannedExecutor,
            "execute_operation",
            StrawberryGraphQLCoreExecutionContext.execute_operation,
        )
        reference = api.post(query, variables)
    return planned, reference, gave_up


def same(api: Api, monkeypatch: pytest.MonkeyPatch, query: str, **variables: Any) -> Any:
    planned, reference, gave_up = both(api, monkeypatch, query, variables or None)
    assert planned == reference
    assert "errors" not in reference, reference["errors"]
    assert gave_up == 0, "a query graphql-core answers without error must be planned"
    return planned["data"]


SHAPES = {
    "an organization with every kind of field": """{
        organization(id: "b1", asOf: "2019-06-30") {
          id name orgKind orgKindLabel level levelLabel sector sectorLabel kindLabel
          code termEnds validFrom validTo masked
          parent { id name parent { id } } ancestors { id } children { id }
          secretary { id name gender birthYear } posts { role roleLabel member { id } }
          memberCount fullCount: memberCount(status: FULL)
          members(first: 2) { totalCount edges { cursor node { id } } pageInfo { hasNextPage } }
          contactLeaders { id name } contacts { kind kindLabel validFrom leader { id } }
          coveredBy { workingGroup { id } sector } units { unit { id name } modeLabel }
          facts { year masked meetingsHeld }
        } }""",
    "interfaces, inline fragments and __typename": """{
        a: node(id: "b1") { __typename id ... on Organization { level parent { name } } }
        b: node(id: "m1") { __typename id name ... on Member { gender status } }
        c: node(id: "nobody") { id }
        __typename }""",
    "named fragments, aliases and directives": """
        query Q($yes: Boolean!, $no: Boolean!) {
          organization(id: "b1") {
            ...Ids
            a: name
            b: name @include(if: $yes)
            c: code @skip(if: $yes)
            d: level @include(if: $no)
            children { ...Ids }
          }
        }
        fragment Ids on Organization { id __typename parent { id } }""",
    "aliases that are Python's keywords": """{
        class: organization(id: "b1") { def: id return: name lambda: parent { None: id }
          _: level __x: code } }""",
    "pages of a list": """{
        first: organizations(first: 2) {
          totalCount nodes { id name secretary { name } memberCount }
          pageInfo { hasNextPage endCursor } }
        grassroots: organizations(filter: {level: GRASSROOTS}) { nodes { id } } }""",
    "the drawing's subgraph": """{
        subgraph(scope: "630102", depth: 3) {
          nodes { id kind name label depth } edges { id source target kind role }
          truncated } }""",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_shape_is_answered_as_graphql_core_answers_it(
    api: Api, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    same(api, monkeypatch, SHAPES[shape], yes=True, no=False)


def test_the_directives_were_applied(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # b is included ($yes), c skipped ($yes), d left out ($no is false): by hand.
    data = same(
        api, monkeypatch, SHAPES["named fragments, aliases and directives"], yes=True, no=False
    )
    org = data["organization"]
    assert set(org) == {"id", "__typename", "parent", "a", "b", "children"}
    assert org["b"] == org["a"] == "夏都花园社区党支部"
    assert org["children"] == []


def test_introspection_is_answered_as_graphql_core_answers_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = same(api, monkeypatch, get_introspection_query(descriptions=True))
    assert data["__schema"]["queryType"]["name"] == "Query"


@pytest.mark.parametrize("name", sorted(p.stem for p in QUERIES.glob("*.graphql")))
def test_every_saved_query_is_answered_as_graphql_core_answers_it(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    store.write(small_city())
    api = Api(store)
    (query,) = [q for q in load_saved_queries(QUERIES) if q.name == name]
    # The examples name the demo's ids: ask about the small city's district instead.
    variables = {
        k: ("630102" if isinstance(v, str) and v.isdigit() else v)
        for k, v in query.variables.items()
    }
    planned, reference, gave_up = both(api, monkeypatch, query.query, variables)
    assert planned == reference
    assert gave_up == (1 if "errors" in reference else 0)


def test_errors_fall_back_to_graphql_cores_partial_answer(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unknown id is an error at responsibilityChain; the organization beside it is
    # still answered, and the error carries its path: graphql-core's answer, verbatim.
    query = """{ org: organization(id: "b1") { id }
                 chain: responsibilityChain(id: "nobody") { subject name } }"""
    planned, reference, gave_up = both(api, monkeypatch, query)
    assert planned == reference
    assert gave_up == 1
    assert planned["data"] is None or planned["data"]["org"] == {"id": "b1"}
    assert [e["path"] for e in planned["errors"]] == [["chain"]]


def test_a_refused_filter_falls_back_with_the_same_error(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A viewer may not read members' status, nor filter on it: memberCount(status:) is
    # refused for each branch, and the rest of the answer stands.
    store.write(small_city())
    viewer = Actor(name="v", role="viewer", scope=Scope())
    api = Api(store, actor=viewer)
    query = """{ organizations(filter: {level: GRASSROOTS}) {
                 nodes { id full: memberCount(status: FULL) } } }"""
    planned, reference, gave_up = both(api, monkeypatch, query)
    assert planned == reference
    assert gave_up == 1
    assert {e["extensions"]["code"] for e in planned["errors"]} == {"PERMISSION_DENIED"}


def test_a_kept_plan_reads_each_requests_variables(api: Api) -> None:
    # One text, asked three times: the plan is made once per value of the switch
    # (@include(if: $more)), and each answer follows its own argument ($id).
    query = """query KeptPlanProbe($id: ID!, $more: Boolean!) {
                 organization(id: $id) { name parent @include(if: $more) { id } } }"""
    b1 = api.data(query, {"id": "b1", "more": True})["organization"]
    plans = execution.last_plans()  # this app's schema's own, made for this test
    b2 = api.data(query, {"id": "b2", "more": True})["organization"]
    bare = api.data(query, {"id": "b1", "more": False})["organization"]
    # By graphs.py: b1 and b2 both sit under 630102001.
    assert b1 == {"name": "夏都花园社区党支部", "parent": {"id": "630102001"}}
    assert b2 == {"name": "某村党支部", "parent": {"id": "630102001"}}
    assert bare == {"name": "夏都花园社区党支部"}
    # Two plans: one per value of the switch, none per value of the id.
    made = [key for key in plans if key[1] == "KeptPlanProbe"]
    assert sorted((key[1], key[2]) for key in made) == [
        ("KeptPlanProbe", (False,)),
        ("KeptPlanProbe", (True,)),
    ]


def test_a_document_is_validated_once(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = validate_document

    def counted(*args: Any) -> Any:
        calls.append("validated")
        return real(*args)

    monkeypatch.setattr(schema_module, "validate_document", counted)
    for node in ("b1", "b2", "b1"):
        api.data("query V($id: ID!) { organization(id: $id) { id } }", {"id": node})
    assert len(calls) == 1
    bad = api.post("{ organization(id: 1) { nothing } }")
    assert bad["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    again = api.post("{ organization(id: 1) { nothing } }")
    assert again == bad
    assert len(calls) == 2


def test_the_collector_is_paused_for_an_operation_and_resumes_after(api: Api) -> None:
    # The store is read from within the operation: what the collector's state is there.
    seen: list[bool] = []
    read = api.store.nodes

    def nodes(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return read(*args, **kwargs)

    def broken(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        raise RuntimeError("the store broke")

    assert gc.isenabled()
    api.store.nodes = nodes  # type: ignore[method-assign]
    assert api.data("{ organizations { totalCount } }")["organizations"]["totalCount"] > 0
    assert seen == [False] and gc.isenabled()
    # An operation that fails resumes it too.
    api.store.nodes = broken  # type: ignore[method-assign]
    failed = api.post("{ organizations { totalCount } }")
    assert failed["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert len(seen) > 1 and not any(seen) and gc.isenabled()
