"""The explorer's page, made for whoever opens it: tabs prefilled for their scope and the
data's date, the start tab first, links that open it filled in, the documents menu.

Through HTTP (httpx against the ASGI app, every backend); the browser side is
tests/browser/test_explorer.py and tests/browser/test_first_hour.py.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from orggraph.api.context import LOCAL_ADMIN, Actor
from orggraph.api.saved import SavedQuery, load_saved_queries
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.api.conftest import Api
from tests.api.graphs import small_city

ANALYST = Actor(name="li", role="analyst", scope=Scope(roots=frozenset({"630102"})))
VIEWER = Actor(name="wang", role="viewer", scope=Scope(roots=frozenset({"630102"})))
PAGE = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class _Scripts(HTMLParser):
    """The page's scripts: their attributes, and the types of those with inline text."""

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


def embedded(page: str) -> dict[str, Any]:
    """The data block the explorer's page carries."""
    block = re.search(
        r'<script type="application/json" id="orggraph-explorer">(.*?)</script>', page, re.S
    )
    assert block is not None, page[:500]
    data: dict[str, Any] = json.loads(block.group(1))
    return data


def open_explorer(api: Api, url: str = "/explorer") -> dict[str, Any]:
    response = api.request("GET", url, headers=PAGE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return embedded(response.text)


def tab(data: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [q for q in data["queries"] if q["name"] == name]
    assert len(found) == 1, name
    return found[0]


def variables(data: dict[str, Any], name: str) -> dict[str, Any]:
    text: str = tab(data, name)["variables"]
    found: dict[str, Any] = json.loads(text) if text else {}
    return found


# -- the page --------------------------------------------------------------------------------
def test_the_page_has_no_inline_script_and_escapes_what_it_embeds(store: GraphStore) -> None:
    store.write(small_city())
    saved = SavedQuery(
        name="demo",
        title_zh="示例</script>：说明",
        title_en="Example: what it is",
        header=("示例</script>：说明", "Example: what it is"),
        query='query Demo { search(text: "城东") { id } }',
        variables={"a": 1},
    )
    api = Api(store, queries=[saved])
    response = api.request("GET", "/explorer", headers=PAGE)
    page = response.text
    parser = _Scripts()
    parser.feed(page)
    # Code only from files; data only in a JSON block (never executed by a browser).
    assert [s.get("src") for s in parser.scripts] == [None, "static/graphiql/explorer.js"]
    assert parser.inline == ["application/json"]
    (only,) = embedded(page)["queries"]
    # A file without an "Explorer variables" line keeps its example variables; the title
    # shown on the tab is the Chinese title up to its colon.
    assert only == {
        "name": "demo",
        "operation": "Demo",
        "title": "示例</script> · Example",
        "titleZh": "示例</script>",
        "titleEn": "Example",
        "description": "示例</script>：说明",
        "query": 'query Demo { search(text: "城东") { id } }',
        "variables": '{\n  "a": 1\n}',
        "columns": {},
    }
    assert "</script>：" not in page.split('id="orggraph-explorer">')[1].split("</script>")[0]
    # No CDN anywhere: strawberry's own GraphiQL page is never served.
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert response.headers["cache-control"] == "no-store"  # it is made for one actor


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        # By hand from tests/api/graphs.py: the latest date anything in the small city
        # began or ended is 2015-01-01 (m2 became deputy secretary of b1). An admin's
        # root is the city committee 630100 (secretary w1); the first grassroots
        # organization under it, by id, is b1 (b1 < b2).
        (
            LOCAL_ADMIN,
            {
                "$asOf": "2015-01-01",
                "$yearStart": "2015-01-01",
                "$roots": ["630100"],
                "$root": "630100",
                "$rootName": "西宁市委",
                "$secretary": "w1",
                "$leaf": "b1",
            },
        ),
        # The 城东区 analyst: their scope's root 630102, its secretary d1, b1 under it.
        (
            ANALYST,
            {
                "$asOf": "2015-01-01",
                "$yearStart": "2015-01-01",
                "$roots": ["630102"],
                "$root": "630102",
                "$rootName": "城东区委",
                "$secretary": "d1",
                "$leaf": "b1",
            },
        ),
        # 城中区 has no secretary and no grassroots organization: no value for either,
        # and the variables that need them are left out rather than filled wrongly.
        (
            Actor(name="zhao", role="analyst", scope=Scope(roots=frozenset({"630103"}))),
            {
                "$asOf": "2015-01-01",
                "$yearStart": "2015-01-01",
                "$roots": ["630103"],
                "$root": "630103",
                "$rootName": "城中区委",
            },
        ),
    ],
    ids=["admin", "analyst-630102", "analyst-630103"],
)
def test_the_placeholders_are_the_actors(
    store: GraphStore, actor: Actor, expected: dict[str, Any]
) -> None:
    from orggraph.api.explorer import explorer_values
    from orggraph.settings import Settings

    store.write(small_city())
    assert explorer_values(store, Settings(), actor) == expected


def test_the_start_tab_comes_first_filled_in_for_the_scope(store: GraphStore) -> None:
    store.write(small_city())
    data = open_explorer(Api(store, actor=ANALYST, queries=load_saved_queries()))
    assert data["start"] == "coverage_gaps"
    assert data["queries"][0]["name"] == "coverage_gaps"
    assert data["queries"][0]["titleZh"] == "覆盖缺口"
    assert variables(data, "coverage_gaps") == {"scope": ["630102"], "asOf": "2015-01-01"}
    assert variables(data, "responsibility_chain") == {"id": "b1", "asOf": "2015-01-01"}
    assert variables(data, "responsibilities") == {"person": "d1", "asOf": "2015-01-01"}
    assert variables(data, "org_tree") == {"scope": "630102", "depth": 2, "asOf": "2015-01-01"}
    assert variables(data, "search") == {"text": "城东区委", "asOf": "2015-01-01"}
    assert variables(data, "changes") == {
        "since": "2015-01-01",
        "until": "2015-01-01",
        "scope": ["630102"],
    }
    # Every saved query's tab has a Chinese title; none is the operation's English name.
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert all(cjk.search(q["titleZh"]) for q in data["queries"])
    assert data["scopeName"] == "城东区委" and data["asOf"] == "2015-01-01"
    assert data["actor"] == {"name": "li", "role": "analyst", "scope": ["630102"]}


@pytest.mark.parametrize("actor", [LOCAL_ADMIN, ANALYST], ids=["admin", "analyst-630102"])
def test_every_tab_runs_as_embedded_without_errors(store: GraphStore, actor: Actor) -> None:
    # The whole point of the prefilled tabs: ▶ on any of them, unedited, answers.
    store.write(small_city())
    api = Api(store, actor=actor, queries=load_saved_queries())
    data = open_explorer(api)
    assert len(data["queries"]) == len(load_saved_queries())
    for query in data["queries"]:
        text = query["variables"]
        body = api.post(query["query"], json.loads(text) if text else None)
        assert "errors" not in body, (query["name"], text, body["errors"])
        assert body["data"], query["name"]


# -- links that open the explorer filled in ----------------------------------------------------
CHAIN = "query ResponsibilityChain($id: ID!) { responsibilityChain(id: $id) { name } }"


@pytest.mark.parametrize("path", ["/explorer", "/graphql"])
def test_a_link_opens_the_explorer_with_its_query_and_variables(
    store: GraphStore, path: str
) -> None:
    store.write(small_city())
    api = Api(store, actor=ANALYST, queries=load_saved_queries())
    response = api.request(
        "GET",
        path,
        params={"query": CHAIN, "variables": '{"id":"b1"}', "operationName": "ResponsibilityChain"},
        headers=PAGE,
    )
    # A browser's link shows the explorer, never raw JSON (and runs nothing yet).
    assert response.headers["content-type"].startswith("text/html")
    data = embedded(response.text)
    assert data["prefill"] == {
        "query": CHAIN,
        "variables": '{\n  "id": "b1"\n}',
        "operationName": "ResponsibilityChain",
    }
    # The saved tabs are still there, after it.
    assert data["queries"][0]["name"] == "coverage_gaps"


def test_graphql_over_get_still_answers_json_to_clients(store: GraphStore) -> None:
    store.write(small_city())
    api = Api(store, actor=ANALYST)
    for accept in ("application/json", "application/graphql-response+json", "*/*"):
        response = api.request(
            "GET",
            "/graphql",
            params={"query": CHAIN, "variables": '{"id":"b1"}'},
            headers={"accept": accept},
        )
        assert response.status_code == 200, accept
        assert response.json()["data"] == {"responsibilityChain": {"name": "夏都花园社区党支部"}}


def test_variables_that_are_not_json_are_shown_as_sent(store: GraphStore) -> None:
    store.write(small_city())
    api = Api(store, actor=ANALYST)
    data = open_explorer(api, "/explorer?query=%7B%20a%20%7D&variables=%7Bnot%20json")
    assert data["prefill"] == {"query": "{ a }", "variables": "{not json", "operationName": None}


# -- the documents menu --------------------------------------------------------------------
def test_the_documents_are_the_scopes_through_the_exports(store: GraphStore) -> None:
    store.write(small_city())
    data = open_explorer(Api(store, actor=ANALYST, queries=load_saved_queries()))
    kinds = [d["kind"] for d in data["documents"]]
    assert kinds == ["responsibility-list", "ledger", "coverage"]
    for doc in data["documents"]:
        assert doc["allowed"] is True  # an analyst may read people and internal data
        assert sorted(doc["formats"]) == ["docx", "pdf", "xlsx"]
        url = urlsplit(doc["formats"]["pdf"])
        assert url.path == f"/exports/{doc['kind']}"
        assert parse_qs(url.query) == {
            "root": ["630102"],
            "year": ["2015"],
            "as_of": ["2015-01-01"],
            "lang": ["zh"],
            "format": ["pdf"],
        }


def test_a_viewer_is_shown_which_documents_are_not_theirs(store: GraphStore) -> None:
    store.write(small_city())
    data = open_explorer(Api(store, actor=VIEWER, queries=load_saved_queries()))
    # A viewer reads public data only: lists naming people and the coverage report
    # (internal) are refused by /exports, and the menu says so before a click.
    assert {d["kind"]: d["allowed"] for d in data["documents"]} == {
        "responsibility-list": False,
        "ledger": False,
        "coverage": False,
    }


# -- on the demo ----------------------------------------------------------------------------
@pytest.mark.parametrize("actor", [LOCAL_ADMIN, ANALYST], ids=["admin", "analyst-630102"])
def test_every_tab_answers_on_the_demo(demo_store: GraphStore, actor: Actor) -> None:
    # The demo's data reaches 2019-06-30 (orggraph demo: "valid at 2019-06-30"), years
    # before today: every tab asks at that date, in the actor's scope, and answers.
    api = Api(demo_store, actor=actor, queries=load_saved_queries())
    data = open_explorer(api)
    root = "630102" if actor is ANALYST else "630100"
    assert variables(data, "coverage_gaps") == {"scope": [root], "asOf": "2019-06-30"}
    for query in data["queries"]:
        text = query["variables"]
        assert "$" not in text, (query["name"], text)  # every placeholder was filled
        body = api.post(query["query"], json.loads(text) if text else None)
        assert "errors" not in body, (query["name"], text, body["errors"])
