"""A schema's caches are its own and bounded; ``run_document`` reuses one schema."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest
from graphql import parse

from orggraph.api import local
from orggraph.api.caches import KEPT_ENTRIES, Kept, caches_of, source_chars
from orggraph.api.context import make_context
from orggraph.api.schema import OrgGraphSchema, build_schema
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from tests.api.conftest import WHEN
from tests.api.graphs import small_city


@pytest.fixture
def city(store: GraphStore) -> GraphStore:
    store.write(small_city())
    return store


def test_fifty_runs_leave_one_schema(city: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[weakref.ref[OrgGraphSchema]] = []

    def counting(settings: Settings | None = None) -> OrgGraphSchema:
        schema = build_schema(settings)
        built.append(weakref.ref(schema))
        return schema

    monkeypatch.setattr(local, "build_schema", counting)
    local.schema_for.cache_clear()
    settings = Settings()
    for i in range(50):
        data = local.run_document(
            city, settings, f'query Q{i} {{ organization(id: "b1") {{ name }} }}', {}, today=WHEN
        )
        assert data == {"organization": {"name": "夏都花园社区党支部"}}
    gc.collect()
    assert len([ref for ref in built if ref() is not None]) == 1
    (schema,) = [ref() for ref in built]
    assert schema is not None
    assert caches_of(schema._schema).sizes() == {
        "plans": 50,
        "switches": 50,
        "validated": 50,
        "costs": 50,
    }
    del schema
    # Other settings, another schema; a few kept, the oldest let go.
    for port in range(1, 10):
        local.run_document(city, Settings(port=port), "{ me { name } }", {}, today=WHEN)
    gc.collect()
    assert len([ref for ref in built if ref() is not None]) == local.SCHEMAS_KEPT
    local.schema_for.cache_clear()


def test_schemas_dropped_take_their_caches_with_them(city: GraphStore) -> None:
    settings = Settings()
    kept: list[weakref.ref[Any]] = []
    for i in range(20):
        schema = build_schema(settings)
        context = make_context(city, settings, today=WHEN)
        result = schema.execute_sync(
            f'query D{i} {{ organization(id: "b1") {{ name }} }}', context_value=context
        )
        assert result.errors is None
        assert caches_of(schema._schema).sizes()["plans"] == 1
        kept.append(weakref.ref(schema))
        del schema, context, result
    gc.collect()
    assert [ref for ref in kept if ref() is not None] == []


def test_a_cache_is_bounded_in_entries_and_in_characters() -> None:
    small = parse("{ a }")
    kept: Kept[int, tuple[Any, ...]] = Kept(lambda value: source_chars(value[0]))
    for i in range(KEPT_ENTRIES + 100):
        kept.keep(i, (small,))
    assert len(kept) == KEPT_ENTRIES
    assert next(iter(kept)) == 100  # the least recently used went first
    assert kept.found(100) == (small,)
    assert next(reversed(kept)) == 100
    big = parse("{ a }" + " " * 400_000)
    for i in range(5):
        kept.keep(-i, (big,))
    total = sum(source_chars(value[0]) for value in kept.values())
    assert total <= kept.weight
    assert [key for key in kept if key <= 0] == [-3, -4]  # two of 400 KB fit in 1 MB
