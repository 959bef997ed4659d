"""Remediation cases (整顿转化): the lifecycle, refused moves, history, overdue and stalled.

The graph: 630100 西宁市委 → 630102 城东区委 → T1 东关街道 → W (weak: 2 full members) and
OK (healthy, whose member OK-m1 is the leader L); 630103 城中区委 → T3 → W3 (weak).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orggraph.analysis.config import load_rules
from orggraph.analysis.remediation import (
    open_case,
    overdue_cases,
    remediation_cases,
    stalled_cases,
    transition,
)
from orggraph.errors import InvalidTransition, NotFound, ValidationFailed
from orggraph.model import CaseState, LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, org, staffed_branch

ALL = Scope()
SUB = LinkKind.SUBORDINATE_TO
S = CaseState


def build(store: GraphStore) -> None:
    store.write(
        WriteBatch(
            nodes=(
                org("630100", "西宁市委", "city"),
                org("630102", "城东区委", "county"),
                org("630103", "城中区委", "county"),
                org("T1", "东关街道党工委", "township", "working_committee"),
                org("T3", "人民街道党工委", "township", "working_committee"),
            ),
            links=(
                link(SUB, "630102", "630100"),
                link(SUB, "630103", "630100"),
                link(SUB, "T1", "630102"),
                link(SUB, "T3", "630103"),
            ),
        )
    )
    store.write(staffed_branch("W", "T1", full=2, name="某村党支部"))
    store.write(staffed_branch("OK", "T1"))
    store.write(staffed_branch("W3", "T3", full=2))


def test_a_case_runs_its_course_and_keeps_its_history(store: GraphStore) -> None:
    build(store)
    case = open_case(store, "W", date(2019, 3, 1), actor="组织部")
    # Reasons default to the rules W fails then: 2 full members < 3.
    assert (case.id, case.state, case.reasons) == (
        "case-W-20190301",
        S.IDENTIFIED,
        ("few_members",),
    )
    assert case.organization_name == "某村党支部"

    with pytest.raises(ValidationFailed) as missing:  # rectifying needs a leader and a deadline
        transition(store, case.id, "rectifying", date(2019, 3, 10), actor="组织部")
    assert sorted(p.column for p in missing.value.problems) == ["deadline", "responsible"]

    steps = [
        (
            S.RECTIFYING,
            date(2019, 3, 10),
            {"responsible": "OK-m1", "partner": "OK", "deadline": date(2019, 8, 31)},
        ),
        (S.UNDER_REVIEW, date(2019, 9, 1), {"evidence": "整改报告"}),
        (S.EXTENDED, date(2019, 9, 20), {"deadline": date(2019, 12, 31)}),
        (S.RECTIFYING, date(2019, 9, 21), {}),
        (S.UNDER_REVIEW, date(2019, 12, 1), {"evidence": "复查材料"}),
        (S.CONVERTED, date(2019, 12, 20), {}),
    ]
    for state, on, extra in steps:
        case = transition(store, case.id, state, on, actor="组织部", **extra)  # type: ignore[arg-type]
        assert (case.state, case.last_step) == (state, on)

    assert [(s.state, s.on) for s in case.steps] == [
        (S.IDENTIFIED, date(2019, 3, 1)),
        *((state, on) for state, on, _ in steps),
    ]
    # The leader, partner and deadline carry over; evidence belongs to its own step.
    assert [s.responsible for s in case.steps] == [None, *["OK-m1"] * 6]
    assert [s.evidence for s in case.steps] == [
        None,
        None,
        "整改报告",
        None,
        None,
        "复查材料",
        None,
    ]
    assert [s.deadline for s in case.steps][-1] == date(2019, 12, 31)
    # Each step closed the previous version of the node at its own date.
    versions = store.node_versions([case.id])[case.id]
    assert [(v.valid_from, v.valid_to) for v in versions] == [
        (date(2019, 3, 1), date(2019, 3, 10)),
        (date(2019, 3, 10), date(2019, 9, 1)),
        (date(2019, 9, 1), date(2019, 9, 20)),
        (date(2019, 9, 20), date(2019, 9, 21)),
        (date(2019, 9, 21), date(2019, 12, 1)),
        (date(2019, 12, 1), date(2019, 12, 20)),
        (date(2019, 12, 20), None),
    ]
    # Asked in June, the case is rectifying with two steps so far.
    (june,) = remediation_cases(store, date(2019, 6, 30), ALL)
    assert (june.state, len(june.steps), june.deadline) == (S.RECTIFYING, 2, date(2019, 8, 31))
    assert remediation_cases(store, date(2019, 6, 30), ALL, state="converted") == []
    assert [c.id for c in remediation_cases(store, date(2020, 1, 1), ALL, state="已转化")] == [
        case.id
    ]
    # Nothing leaves converted.
    with pytest.raises(InvalidTransition, match="final state"):
        transition(store, case.id, S.RECTIFYING, date(2020, 1, 5), actor="组织部")


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ((), S.UNDER_REVIEW),  # identified cannot skip rectifying
        ((), S.CONVERTED),
        ((S.RECTIFYING,), S.CONVERTED),  # no converting without the review
        ((S.RECTIFYING,), S.EXTENDED),
        ((S.RECTIFYING, S.UNDER_REVIEW), S.RECTIFYING),
        ((S.RECTIFYING, S.UNDER_REVIEW, S.EXTENDED), S.CONVERTED),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(
    store: GraphStore, path: tuple[CaseState, ...], to: CaseState
) -> None:
    build(store)
    case = open_case(
        store, "W", date(2019, 1, 1), actor="a", responsible="OK-m1", deadline=date(2019, 6, 30)
    )
    extras = {
        S.RECTIFYING: {},
        S.UNDER_REVIEW: {"evidence": "材料"},
        S.EXTENDED: {"deadline": date(2019, 12, 31)},
    }
    for day, state in enumerate(path, start=2):
        transition(store, case.id, state, date(2019, 1, day), actor="a", **extras[state])  # type: ignore[arg-type]
    before = store.digest()
    with pytest.raises(InvalidTransition) as caught:
        transition(store, case.id, to, date(2019, 2, 1), actor="a", evidence="x")
    assert to.value in str(caught.value)
    assert store.digest() == before


def test_steps_are_dated_after_the_last_and_need_what_they_stand_on(store: GraphStore) -> None:
    build(store)
    case = open_case(
        store, "W", date(2019, 1, 1), actor="a", responsible="OK-m1", deadline=date(2019, 6, 30)
    )
    with pytest.raises(ValidationFailed, match="case-step-order"):  # same day as the last
        transition(store, case.id, S.RECTIFYING, date(2019, 1, 1), actor="a")
    transition(store, case.id, S.RECTIFYING, date(2019, 1, 2), actor="a")
    with pytest.raises(ValidationFailed, match="evidence"):
        transition(store, case.id, S.UNDER_REVIEW, date(2019, 5, 1), actor="a")
    transition(store, case.id, S.UNDER_REVIEW, date(2019, 5, 1), actor="a", evidence="材料")
    with pytest.raises(ValidationFailed, match="later than"):  # not later than 2019-06-30
        transition(
            store, case.id, S.EXTENDED, date(2019, 5, 2), actor="a", deadline=date(2019, 6, 30)
        )
    with pytest.raises(ValidationFailed, match="case-reference"):
        transition(
            store,
            case.id,
            S.EXTENDED,
            date(2019, 5, 2),
            actor="a",
            deadline=date(2019, 9, 30),
            responsible="nobody",
        )
    with pytest.raises(InvalidTransition, match=r"'finished' is not a valid 整顿状态 \(state\)"):
        transition(store, case.id, "finished", date(2019, 5, 2), actor="a")
    with pytest.raises(NotFound):
        transition(store, "case-none", S.RECTIFYING, date(2019, 5, 2), actor="a")
    with pytest.raises(NotFound):  # a district office cannot move another district's case
        transition(
            store,
            case.id,
            S.CONVERTED,
            date(2019, 5, 2),
            actor="a",
            scope=Scope(roots=frozenset({"630103"})),
        )


def test_one_open_case_per_organization(store: GraphStore) -> None:
    build(store)
    open_case(store, "W", date(2019, 1, 1), actor="a")
    with pytest.raises(ValidationFailed, match="one-open-case"):
        open_case(store, "W", date(2019, 2, 1), actor="a")
    with pytest.raises(NotFound):
        open_case(
            store, "W3", date(2019, 2, 1), actor="a", scope=Scope(roots=frozenset({"630102"}))
        )


def three_cases(store: GraphStore) -> tuple[str, str, str]:
    """A: deadline 2019-05-31, rectifying since 2019-03-10; B (W3): deadline 2019-07-31,
    rectifying since 2019-04-01; C (OK): deadline 2019-04-01, under review since 2019-03-20,
    converted on 2019-04-10."""
    build(store)
    a = open_case(
        store, "W", date(2019, 3, 1), actor="a", responsible="OK-m1", deadline=date(2019, 5, 31)
    ).id
    transition(store, a, S.RECTIFYING, date(2019, 3, 10), actor="a")
    b = open_case(
        store, "W3", date(2019, 3, 1), actor="a", responsible="OK-m1", deadline=date(2019, 7, 31)
    ).id
    transition(store, b, S.RECTIFYING, date(2019, 4, 1), actor="a")
    c = open_case(
        store,
        "OK",
        date(2019, 1, 1),
        actor="a",
        responsible="OK-m1",
        deadline=date(2019, 4, 1),
        reasons=["群众反映集中"],
    ).id
    transition(store, c, S.RECTIFYING, date(2019, 1, 2), actor="a")
    transition(store, c, S.UNDER_REVIEW, date(2019, 3, 20), actor="a", evidence="材料")
    transition(store, c, S.CONVERTED, date(2019, 4, 10), actor="a")
    return a, b, c


def test_overdue_cases(store: GraphStore) -> None:
    a, b, c = three_cases(store)
    # Under review is not converted: C is 4 days late on 2019-04-05 (deadline 04-01).
    assert [(x.id, x.days_overdue) for x in overdue_cases(store, date(2019, 4, 5), ALL)] == [(c, 4)]
    # On its deadline day a case is not yet overdue; the day after it is (C is converted).
    assert overdue_cases(store, date(2019, 5, 31), ALL) == []
    (late,) = overdue_cases(store, date(2019, 6, 30), ALL)
    assert (late.id, late.days_overdue) == (a, 30)  # 31 May → 30 June
    assert [c_.id for c_ in overdue_cases(store, date(2019, 8, 2), ALL)] == [a, b]  # 63, 2 days
    assert overdue_cases(store, date(2019, 8, 2), Scope(roots=frozenset({"630103"})))[0].id == b


def test_stalled_cases(store: GraphStore, tmp_path: Path) -> None:
    a, b, _ = three_cases(store)
    # Default 60 days: A's last step was 2019-03-10; 60 days on is 2019-05-09 (21 + 30 + 9).
    assert stalled_cases(store, date(2019, 5, 9), ALL) == []
    (idle,) = stalled_cases(store, date(2019, 5, 10), ALL)
    assert (idle.id, idle.days_since_step) == (a, 61)
    # B's last step 2019-04-01: 61 days on 2019-06-01. C is converted by then.
    assert [x.id for x in stalled_cases(store, date(2019, 6, 1), ALL)] == [a, b]
    # On 2019-04-01 with 20 days: A idle 22 days; B stepped that day; C 12 days in review.
    assert [x.id for x in stalled_cases(store, date(2019, 4, 1), ALL, days=20)] == [a]
    path = tmp_path / "stalled.toml"
    path.write_text("[remediation]\nstalled_days = 10\n", "utf-8")
    rules = load_rules(str(path))
    # On 2019-04-12 with 10 days: A 33, B 11; C converted on 04-10.
    assert [x.id for x in stalled_cases(store, date(2019, 4, 12), ALL, rules=rules)] == [a, b]
