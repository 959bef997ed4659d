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
