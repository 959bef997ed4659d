"""An error in one field does not compute the others again; the fallback is counted."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from orggraph.api import execution
from orggraph.api.execution import PlannedExecutor
from tests.api.conftest import Api
from tests.api.test_cost_analysis import counted

GAPS = 'gaps: coverageGaps(asOf: "2019-06-30") { kind subject }'
BAD = 'bad: responsibilityChain(id: "no-such-node", asOf: "2019-06-30") { subject }'


@pytest.mark.parametrize(
    ("query", "gaps_run"),
    [
        (f"{{ {GAPS} {BAD} }}", 1),  # the gaps first: computed by the planned run, kept
        (f"{{ {BAD} {GAPS} }}", 0),  # the bad id first: graphql-core stops there too
    ],
)
def test_one_bad_id_beside_the_gaps_computes_the_gaps_once(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    query: str,
    gaps_run: int,
) -> None:
    calls = counted(monkeypatch, "coverage_gaps")
    chains = counted(monkeypatch, "responsibility_chain")
    before = execution.fallback_counts()
    with caplog.at_level(logging.INFO, logger="orggraph.api"):
        answer = api.post(query)
    # The planned run gave up at the bad id; graphql-core answered, with what the planned
    # run had computed (the gaps, or the bad id's error) kept: each resolver ran at most
    # once, as often as in graphql-core's own run.
    assert (len(calls), len(chains)) == (gaps_run, 1)
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["NOT_FOUND"]
    assert answer["data"] is None  # a root field that may not be null failed
    after = execution.fallback_counts()
    assert after.get("NotFound raised", 0) == before.get("NotFound raised", 0) + 1
    assert any("answered by graphql-core (NotFound raised" in r.message for r in caplog.records)
    # The same answer as graphql-core's own, which runs every resolver itself.
    with monkeypatch.context() as patch:
        patch.setattr(
            PlannedExecutor,
            "execute_operation",
            StrawberryGraphQLCoreExecutionContext.execute_operation,
        )
        reference = api.post(query)
    assert reference == answer
    assert (len(calls), len(chains)) == (2 * gaps_run, 2)


def test_a_null_deep_in_a_kept_root_is_completed_from_the_kept_result(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The planned run fails while completing (not resolving) a root field: graphql-core
    # completes the kept result again, without calling the analysis.
    calls = counted(monkeypatch, "coverage_gaps")
    real = PlannedExecutor.execute_field
    seen: list[Any] = []

    def spy(self: PlannedExecutor, *args: Any) -> Any:
        seen.append(args[3].key)
        return real(self, *args)

    monkeypatch.setattr(PlannedExecutor, "execute_field", spy)
    original = execution._Planner._completion

    def failing(self: Any, return_type: Any, details: Any) -> Any:
        complete, needs_path = original(self, return_type, details)
        if str(return_type) == "[Gap!]!":

            def fail(value: Any, path: Any, ex: Any) -> Any:
                raise execution.Unplanned("a test's surprise")

            return fail, needs_path
        return complete, needs_path

    monkeypatch.setattr(execution._Planner, "_completion", failing)
    before = execution.fallback_counts().get("a test's surprise", 0)
    data = api.data('{ x: coverageGaps(asOf: "2019-06-30") { kind } }')
    assert data["x"]
    assert len(calls) == 1
    assert "x" in seen  # graphql-core ran the field, from the kept result
    assert execution.fallback_counts().get("a test's surprise") == before + 1
