"""GraphQL over HTTP: GET for queries only, the explorer page, static assets, error shapes."""

from __future__ import annotations

import json
import logging
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from orggraph.api.saved import SavedQuery
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
    assert response.json() == {"data": {"organization": {"name": "夏都花园社区党支部"}}}


def test_get_refuses_a_mutation_and_writes_nothing(api: Api) -> None:
    before = api.store.digest()
    mutation = 'mutation { endOrganization(id: "b2", on: "2019-07-01") { errors { code } } }'
    response = api.request("GET", "/graphql", params={"query": mutation}, headers=JSON)
    assert response.status_code == 405
    assert api.store.digest() == before


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline: list[str] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append(self._in_script)
        for name, _ in attrs:
            assert not name.startswith("on"), f"inline handler {name} on <{tag}>"

    def handle_data(self, data: str) -> None:
        if self._in_script is not None and data.strip():
            self.inline.append(self._in_script.get("type") or "text/javascript")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None


def test_the_explorer_page_has_no_inline_script_and_embeds_the_saved_queries(
    store: GraphStore,
) -> None:
    store.write(small_city())
    saved = SavedQuery(
        name="demo",
        title_zh="示例</script>",
        title_en="Example",
        header=("示例", "Example"),
        query='{ search(text: "城东") { id } }',
        variables={"a": 1},
    )
    api = Api(store, queries=[saved])
    response = api.request("GET", "/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    parser = _Scripts()
    parser.feed(page)
    # Code only from files; data only in a JSON block (never executed by a browser).
    assert [s.get("src") for s in parser.scripts] == [None, "static/graphiql/explorer.js"]
    assert parser.inline == ["application/json"]
    block = re.search(
        r'<script type="application/json" id="orggraph-saved-queries">(.*?)</script>', page, re.S
    )
    assert block is not None
    tabs = json.loads(block.group(1))
    assert tabs == [
        {
            "name": "demo",
            "title": "示例</script> · Example",
            "titleZh": "示例</script>",
            "titleEn": "Example",
            "query": '{ search(text: "城东") { id } }',
            "variables": '{\n  "a": 1\n}',
        }
    ]
    # No CDN anywhere: strawberry's own GraphiQL page is never served.
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    assert api.request("GET", "/queries.json").json() == tabs
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]


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
