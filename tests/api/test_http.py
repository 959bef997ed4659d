"""GraphQL over HTTP: GET for queries only, static assets, error shapes (the explorer's
page: tests/api/test_explorer.py)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from orggraph.store.base import GraphStore
from tests.api.conftest import Api
from tests.api.graphs import small_city

JSON = {"accept": "application/json"}


def test_get_runs_a_query(api: Api) -> None:
    response = api.request(
        "GET",
        "/graphql",
        params={"query": '{ organization(id: "b1", asOf: "2019-06-30") { name } }'},
        headers=JSON,
    )
    assert response.status_code == 200
    # The small graph's data ends before 2019-06-30: extensions say so (数据截至).
    assert response.json()["data"] == {"organization": {"name": "夏都花园社区党支部"}}


def test_get_refuses_a_mutation_and_writes_nothing(api: Api) -> None:
    before = api.store.digest()
    mutation = 'mutation { endOrganization(id: "b2", on: "2019-07-01") { errors { code } } }'
    response = api.request("GET", "/graphql", params={"query": mutation}, headers=JSON)
    assert response.status_code == 405
    assert api.store.digest() == before


def test_the_vendored_assets_are_served(api: Api) -> None:
    for name, media in (
        ("explorer.js", "javascript"),
        ("explorer.css", "text/css"),
        ("graphql.worker.js", "javascript"),
    ):
        response = api.request("GET", f"/static/graphiql/{name}")
        assert response.status_code == 200, name
        assert media in response.headers["content-type"], name


def test_a_plain_get_without_a_query_is_not_the_strawberry_ide(api: Api) -> None:
    response = api.request("GET", "/graphql", headers={"accept": "*/*"})
    assert response.status_code == 404


class _Failing:
    """A store whose search breaks the way a bug would."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name == "search":
            raise RuntimeError("secret internal detail")
        return getattr(self._store, name)


def test_an_unexpected_error_is_masked_and_logged(
    store: GraphStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.write(small_city())
    api = Api(_Failing(store))  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="orggraph.api"):
        body = api.post('{ search(text: "城东") { id } }')
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "secret" not in json.dumps(body)
    assert "secret internal detail" in caplog.text


def test_a_query_too_deep_is_refused(api: Api) -> None:
    deep = '{ organization(id: "b1") { ' + "parent { " * 14 + "id" + " }" * 14 + " } }"
    body = api.post(deep)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "depth" in body["errors"][0]["message"]


def test_a_syntax_error_has_a_code(api: Api) -> None:
    body = api.post("{ organizations { ")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_health(api: Api) -> None:
    body = api.request("GET", "/healthz").json()
    # The kind of store (its URL's scheme: sqlite, bolt, neo4j), never its address or path.
    scheme = api.store.url.split("://", 1)[0]
    assert scheme in ("sqlite", "bolt", "neo4j")
    assert body == {"ok": True, "store": scheme}
