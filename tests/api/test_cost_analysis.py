"""The analysis budget: what a request's analyses would read, refused before they run.

On the demo city (4,600 organizations, 91,000 members, 2,497 units at 2019-06-30) one
city-wide analysis costs 98,097; a viewer's budget (300,000 by default) holds three.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from orggraph.api import budget
from orggraph.api.context import Actor, make_context
from orggraph.api.schema import build_schema
from orggraph.api.types import analysis
from orggraph.errors import ConfigError
from orggraph.model import LinkKind, NodeKind
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.api.conftest import WHEN
from tests.api.graphs import small_city

VIEWER = Actor(name="viewer", role="viewer")
ADMIN = Actor(name="admin", role="admin")
ANALYST = Actor(name="analyst", role="analyst")
DEMO_DAY = date(2019, 6, 30)
THIRTY_GAPS = (
    "{ " + " ".join(f'g{i}: coverageGaps(asOf: "2019-06-30") {{ kind }}' for i in range(30)) + " }"
)


def counted(monkeypatch: pytest.MonkeyPatch, name: str) -> list[Any]:
    """Calls of the analysis ``name`` as the resolvers call it (patched where they look)."""
    calls: list[Any] = []
    real: Callable[..., Any] = getattr(analysis, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1:3])
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis, name, counting)
    return calls


def ask(
    store: GraphStore, query: str, actor: Actor, settings: Settings | None = None
) -> dict[str, Any]:
    settings = settings or Settings()
    context = make_context(store, settings, actor, today=WHEN)
    result = build_schema(settings).execute_sync(query, context_value=context)
    return {
        "data": result.data,
        "errors": [{"message": e.message, **(e.extensions or {})} for e in result.errors or ()],
    }


def test_thirty_city_wide_gaps_are_refused_to_a_viewer_before_any_resolver(
    demo_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counted(monkeypatch, "coverage_gaps")
    settings = Settings()
    schema = build_schema(settings)

    def refuse() -> tuple[float, Any]:
        context = make_context(demo_store, settings, VIEWER, today=DEMO_DAY)
        start = time.perf_counter()
        result = schema.execute_sync(THIRTY_GAPS, context_value=context)
        return time.perf_counter() - start, result

    refuse()  # the first look warms the store's index (0.2 s on the demo, once a process)
    tries = [refuse() for _ in range(5)]
    for _seconds, result in tries:
        assert result.data is None
        (error,) = result.errors
        assert error.extensions["code"] == "QUERY_TOO_COMPLEX"
        assert error.extensions["cost"] == 30 * 98_097
        assert error.extensions["limit"] == 300_000
        assert "coverageGaps ×30" in error.message
        assert "scope argument" in error.message and "fewer aliases" in error.message
    assert calls == []  # no analysis ran
    assert statistics.median(s for s, _ in tries) < 0.050


def test_a_narrowed_request_fits_the_same_budget(
    demo_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counted(monkeypatch, "unit_coverage")
    # 630102's subtree: 554 organizations, their 9,186 members and their units: 9,740.
    query = (
        '{ a: unitCoverage(scope: ["630102"]) { status }'
        ' b: unitCoverage(scope: "630102") { status } }'
    )
    settings = Settings(max_analysis_cost="viewer=19480")
    context = make_context(demo_store, settings, VIEWER, today=DEMO_DAY)
    result = build_schema(settings).execute_sync(query, context_value=context)
    assert result.errors is None
    assert len(calls) == 2
    tighter = Settings(max_analysis_cost="viewer=19479")
    context = make_context(demo_store, tighter, VIEWER, today=DEMO_DAY)
    result = build_schema(tighter).execute_sync(query, context_value=context)
    assert result.errors is not None
    assert result.errors[0].extensions == {
        "code": "QUERY_TOO_COMPLEX",
        "cost": 19_480,
        "limit": 19_479,
    }
    assert len(calls) == 2


def test_a_scope_s_size_is_its_organizations_members_and_units(store: GraphStore) -> None:
    store.write(small_city())
    for own, roots in [
        (Scope(), frozenset[str]()),
        (Scope(), frozenset({"630102"})),
        (Scope(roots=frozenset({"630102001"})), frozenset({"630102"})),
    ]:
        sizes = budget.ScopeSizes(store=store, own=own)
        # By brute force: the scope's view, the members of its organizations, its units.
        narrowed = Scope(roots=roots or own.roots)
        orgs = narrowed.view(store, WHEN).organizations
        if orgs is None:
            orgs = frozenset(n.id for n in store.nodes(NodeKind.ORGANIZATION, WHEN))
        if own.roots:
            mine = own.view(store, WHEN).organizations
            assert mine is not None
            orgs = orgs & mine
        members = store.links(LinkKind.MEMBER_OF, WHEN, targets=sorted(orgs)) if orgs else []
        units = store.links(LinkKind.LOCATED_IN, WHEN, targets=sorted(orgs))
        assert sizes.size(roots, frozenset(), WHEN) == len(orgs) + len(members) + len(units)
        assert len(orgs) > 0


def test_aliases_fragments_and_dates_each_count(store: GraphStore) -> None:
    store.write(small_city())
    city = budget.ScopeSizes(store=store, own=Scope()).size(frozenset(), frozenset(), WHEN)
    query = """query Q($d: Date) {
      a: coverageGaps { kind } ...More
      c: coverageChange(since: "2018-01-01", asOf: $d) { group }
      m: mapState { asOf } }
    fragment More on Query { b: weakBranches { district } }"""
    earlier = budget.ScopeSizes(store=store, own=Scope()).size(
        frozenset(), frozenset(), date(2018, 1, 1)
    )
    one = f"analyst={city * 6 + earlier}"  # gaps, weak, change at both dates, map ×3
    settings = Settings(max_analysis_cost=one)
    context = make_context(store, settings, ANALYST, today=WHEN)
    schema = build_schema(settings)
    result = schema.execute_sync(query, variable_values={"d": "2019-06-30"}, context_value=context)
    assert result.errors is None, result.errors
    less = Settings(max_analysis_cost=f"analyst={city * 6 + earlier - 1},admin=10000000")
    result = build_schema(less).execute_sync(
        query,
        variable_values={"d": "2019-06-30"},
        context_value=make_context(store, less, ANALYST, today=WHEN),
    )
    assert result.errors is not None and result.errors[0].extensions["code"] == "QUERY_TOO_COMPLEX"
    # Another role has its own budget; mutations and other fields are not analyses.
    result = build_schema(less).execute_sync(
        query,
        variable_values={"d": "2019-06-30"},
        context_value=make_context(store, less, ADMIN, today=WHEN),
    )
    assert result.errors is None


def test_a_role_not_listed_gets_the_smallest_budget(store: GraphStore) -> None:
    store.write(small_city())
    settings = Settings(max_analysis_cost="viewer=1,admin=100000000")
    stranger = Actor(name="x", role="auditor")
    answer = ask(store, "{ coverageGaps { kind } }", stranger, settings)
    assert answer["errors"][0]["code"] == "QUERY_TOO_COMPLEX"
    assert answer["errors"][0]["limit"] == 1


@pytest.mark.parametrize("text", ["viewer", "viewer=many", "=5", "", "viewer=-1"])
def test_a_bad_budget_setting_names_itself(text: str) -> None:
    with pytest.raises(ConfigError, match="max_analysis_cost"):
        budget.parse_budgets(text)
    with pytest.raises(ConfigError, match="ORGGRAPH_MAX_ANALYSIS_COST"):
        build_schema(Settings(max_analysis_cost=text))
