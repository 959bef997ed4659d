"""A restricted analyst is not slow: deciding a page's scope takes a few store calls,
however long the page (``ScopeView`` works out who it sees once per kind)."""

from __future__ import annotations

from orggraph.api import create_app
from orggraph.api.context import Actor
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.api.graphs import many_branches
from tests.security.conftest import CountingStore, call

PAGE = """query($n: Int) { members(first: $n, asOf: "2019-06-30") {
  totalCount nodes { id organization { id } } } }"""


def test_scope_checks_do_not_grow_with_the_page(store: GraphStore) -> None:
    store.write(many_branches(300))  # 300 branches under 630102001, two members each
    proxy = CountingStore(store)
    analyst = Actor(name="a", role="analyst", scope=Scope(roots=frozenset({"630102001"})))
    app = create_app(proxy, Settings(), actor=analyst, queries=[])  # type: ignore[arg-type]
    figures = {}
    for size in (10, 100, 600):
        proxy.calls.clear()
        response = call(app, "POST", "/graphql", json={"query": PAGE, "variables": {"n": size}})
        data = response.json()["data"]["members"]
        # 600 members in scope (two per branch); "lead" belongs to 630102, outside it.
        assert data["totalCount"] == 600
        assert len(data["nodes"]) == size
        figures[size] = sum(n for name, n in proxy.calls.items() if name != "refresh")
    assert figures[10] == figures[100] == figures[600], figures
    assert figures[600] < 15, proxy.calls
