"""The exports' scope caption names the whole graph by its top level (全省 / 全市)."""

from __future__ import annotations

from datetime import date

from orggraph.exports._common import scope_caption
from orggraph.exports.table import Label
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import tiny_city
from tests.province_graph import tiny_province

ASK = date(2019, 6, 30)


def test_a_province_is_the_whole_province(store: GraphStore) -> None:
    store.write(tiny_province())
    assert scope_caption(store, Scope(), ASK) == Label(
        "截至 2019-06-30；范围：全省", "As of 2019-06-30; scope: whole province"
    )
    # a scope is named, as before
    assert scope_caption(store, Scope(roots=frozenset({"630100"})), ASK).zh.endswith("西宁市委")


def test_a_city_alone_is_the_whole_city(store: GraphStore) -> None:
    store.write(tiny_city())
    assert scope_caption(store, Scope(), ASK) == Label(
        "截至 2019-06-30；范围：全市", "As of 2019-06-30; scope: whole city"
    )
