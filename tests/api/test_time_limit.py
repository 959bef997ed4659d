"""The per-request time limit: a query past ``request_seconds`` stops with ``TIMEOUT``."""

from __future__ import annotations

import time
from typing import Any

import pytest

from orggraph.api import execution
from orggraph.api.context import LOCAL_ADMIN, make_context
from orggraph.api.schema import build_schema
from orggraph.api.types import analysis
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from tests.api.conftest import WHEN
from tests.api.graphs import small_city

#: How long the slowed analysis takes, and the limit: the second of three calls starts
#: before the limit and ends past it, so the third never starts.
SLOW = 0.5
LIMIT = 0.75
THREE = "{ " + " ".join(f"g{i}: coverageGaps {{ kind }}" for i in range(3)) + " }"


def slowed(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """``coverage_gaps`` made slow (``SLOW`` seconds, no gaps); the times it was called at."""
    calls: list[float] = []

    def slow(*_args: Any, **_kwargs: Any) -> Any:
        calls.append(time.monotonic())
        time.sleep(SLOW)
        return []

    monkeypatch.setattr(analysis, "coverage_gaps", slow)
    return calls


def run(store: GraphStore, query: str, seconds: float) -> tuple[Any, float]:
    settings = Settings(request_seconds=seconds)
    context = make_context(store, settings, LOCAL_ADMIN, today=WHEN)
    schema = build_schema(settings)
    start = time.monotonic()
    result = schema.execute_sync(query, context_value=context)
    return result, time.monotonic() - start


@pytest.fixture
def city(store: GraphStore) -> GraphStore:
    store.write(small_city())
    return store


def test_a_slow_query_stops_at_its_time_limit(
    city: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = slowed(monkeypatch)
    result, _took = run(city, THREE, LIMIT)
    assert result.data is None
    (error,) = result.errors
    assert error.extensions == {"code": "TIMEOUT"}
    assert "time limit of 0.75 s" in error.message and "request_seconds" in error.message
    assert len(calls) == 2  # the third analysis never started
    assert calls[1] - calls[0] >= SLOW


def test_the_fallback_run_keeps_the_time_limit(
    city: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The plan gives up at once: graphql-core runs the query, looking at the clock before
    # each field.
    calls = slowed(monkeypatch)

    def unplanned(_ex: Any) -> Any:
        raise execution.Unplanned("a test's refusal")

    monkeypatch.setattr(execution, "_plan", unplanned)
    before = execution.PlannedExecutor.fallbacks
    result, _took = run(city, THREE, LIMIT)
    assert execution.PlannedExecutor.fallbacks == before + 1
    assert [e.extensions for e in result.errors] == [{"code": "TIMEOUT"}]
    assert result.data is None
    assert len(calls) == 2


def test_a_query_within_its_limit_is_answered(
    city: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = slowed(monkeypatch)
    result, _took = run(city, THREE, 3 * SLOW + 5)
    assert result.errors is None
    assert len(calls) == 3


def test_a_long_list_is_checked_as_it_is_completed(
    city: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The clock is looked at every CHECK_EVERY items: a list passing its deadline while
    # being completed stops there.
    monkeypatch.setattr(execution, "CHECK_EVERY", 2)
    ticks = iter(range(1000))
    monkeypatch.setattr(execution, "_now", lambda: float(next(ticks)))
    result, _took = run(city, "{ organizations(first: 100) { nodes { id } } }", 3.5)
    assert [e.extensions for e in result.errors] == [{"code": "TIMEOUT"}]


def test_mutations_have_no_deadline(city: GraphStore) -> None:
    # A write that committed must be answered: its transaction is the unit, not the clock.
    result, _took = run(
        city,
        'mutation { openCase(organization: "b2", on: "2019-07-01") { errors { message } } }',
        0.0,
    )
    assert result.errors is None, result.errors
