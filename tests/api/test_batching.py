"""No N+1: the store calls of a listing do not grow with the length of the list."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from orggraph.store.base import GraphStore
from tests.api.conftest import Api
from tests.api.graphs import many_branches


class CountingStore:
    """Delegates everything to ``store`` and counts the calls of each method."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr) or name.startswith("_"):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return counted


LISTING = """query($n: Int) {
  organizations(filter: {territory: "630102001", text: "第"}, first: $n, asOf: "2019-06-30") {
    totalCount
    nodes {
      id
      name
      secretary { name posts { role } }
      memberCount
      contactLeaders { name }
      ancestors { id secretary { name } }
      members(first: 5) { nodes { name memberships { organization { id } } } }
    }
  }
}"""


@pytest.fixture
def counted(store: GraphStore) -> tuple[Api, CountingStore]:
    store.write(many_branches(1000))
    proxy = CountingStore(store)
    return Api(proxy), proxy  # type: ignore[arg-type]


def test_store_calls_do_not_grow_with_the_page(counted: tuple[Api, CountingStore]) -> None:
    api, proxy = counted
    figures = {}
    for size in (10, 100, 1000):
        proxy.calls.clear()
        data = api.data(LISTING, {"n": size})["organizations"]
        nodes = data["nodes"]
        assert len(nodes) == size
        # The x-branches (named 第…党支部, not b1, b2): each has its secretary (its first
        # member), two members and one contact leader.
        assert nodes[-1]["secretary"]["name"] == nodes[-1]["members"]["nodes"][0]["name"]
        assert all(n["memberCount"] == 2 for n in nodes)
        assert all(n["contactLeaders"] == [{"name": "联点领导"}] for n in nodes)
        figures[size] = sum(proxy.calls.values())
    assert figures[10] == figures[100] == figures[1000], figures
    # A handful of batched reads per relation asked, not one per branch.
    assert figures[1000] < 40, proxy.calls


def test_an_operation_s_objects_are_freed_without_the_cyclic_collector(store: GraphStore) -> None:
    # A group keeps its objects and each object its group. Once the operation is over
    # the groups let go, so reference counting alone frees every object made: with the
    # cyclic collector off, none of them is still alive afterwards.
    import gc
    import weakref

    from orggraph.api.context import make_context
    from orggraph.api.schema import build_schema
    from orggraph.settings import Settings

    store.write(many_branches(20))
    context = make_context(store, Settings())
    made: list[weakref.ref[Any]] = []
    wrap = context.loaders._wrap

    def watched(node: Any, group: Any) -> Any:
        obj = wrap(node, group)
        made.append(weakref.ref(obj))
        return obj

    context.loaders._wrap = watched
    query = """{ organizations(first: 20, asOf: "2019-06-30") {
      nodes { id parent { id } secretary { name } children { id } } } }"""
    gc.collect()
    gc.disable()
    try:
        result = build_schema(Settings()).execute_sync(query, context_value=context)
        assert result.errors is None
        assert len(result.data["organizations"]["nodes"]) == 20  # type: ignore[index]
        assert len(made) > 20  # the branches, their parents and secretaries at least
        assert [ref for ref in made if ref() is not None] == []
    finally:
        gc.enable()
