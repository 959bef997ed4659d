"""The demo's yearly cycles: 2018 completed and agreeing with the 考核等次 facts, 2019 under
way at 2019-06-30 (lists opened in January, most duties committed, observations begun)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from orggraph.analysis.cycle import GRADE_FACT, cycle_dashboard, duty_lists
from orggraph.analysis.cycle_open import handovers_due
from orggraph.demo.cycle import build_cycles
from orggraph.model import DutyState, ListStage, NodeKind
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope

ALL = Scope()
MID = date(2019, 6, 30)


@pytest.fixture(scope="module")
def cycle_store(
    demo_store: GraphStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GraphStore]:
    """A copy of the shared demo (built without its cycles) with ``build_demo`` 's cycles."""
    path = Path(tmp_path_factory.mktemp("cycle")) / "demo.db"
    demo_store.backup_to(path)
    store = EmbeddedStore(path)
    build_cycles(store, seed=2019)
    try:
        yield store
    finally:
        store.close()


def test_2019_lists_are_opened_in_january_for_every_organization(cycle_store: GraphStore) -> None:
    opened = date(2019, 1, 10)
    lists = duty_lists(cycle_store, 2019, MID, ALL)
    # One list per organization of the city's tree on the day it was opened.
    assert len(lists) == len(cycle_store.subtree("630100", opened))
    assert {x.opened for x in lists} == {opened}
    assert {x.stage for x in lists} == {ListStage.OPENED}


def test_2019_at_mid_year_most_duties_are_committed_and_observations_under_way(
    cycle_store: GraphStore,
) -> None:
    total = cycle_dashboard(cycle_store, 2019, MID, ALL)[-1]
    assert total.organization == ""
    assert 0.8 < total.committed / total.duties < 0.9  # about 85 %
    assert 0 < total.observed < total.committed  # about half of them, in June
    assert (total.reported, total.graded, total.done) == (0, 0, 0)
    # The mid-year observations are dated in June: none was seen on June 1 yet... all by 30.
    early = cycle_dashboard(cycle_store, 2019, date(2019, 5, 31), ALL)[-1]
    assert early.observed == 0


def test_2019_lists_follow_their_secretaries(cycle_store: GraphStore) -> None:
    assert handovers_due(cycle_store, 2019, "630100", MID, ALL) == []
    lists = duty_lists(cycle_store, 2019, MID, ALL, history=True)
    handed = [x for x in lists if x.handed_from is not None]
    assert len(handed) > 50  # the demo's secretaries change during the half year
    for x in handed:
        assert [s.holder for s in x.steps][-2:] == [x.handed_from, x.holder]
        assert date(2019, 1, 10) < x.steps[-1].on <= MID


def test_2018_grades_agree_with_the_assessment_facts(cycle_store: GraphStore) -> None:
    lists = duty_lists(cycle_store, 2018, date(2019, 3, 1), ALL)
    graded = [x for x in lists if x.stage is ListStage.GRADED]
    facts = cycle_store.facts([x.organization for x in graded], 2018)
    for x in graded:
        assert x.grade is not None
        fact = facts[x.organization]
        assert (GRADE_FACT[x.grade].value, x.score) == (
            fact["assessment_grade"],
            fact["assessment_score"],
        ), x.id
    # Only the grassroots organizations with no 2018 fact are reported, not graded.
    rest = [x for x in lists if x.stage is not ListStage.GRADED]
    levels = {
        n.id: n.get("level")
        for n in cycle_store.nodes(
            NodeKind.ORGANIZATION, date(2018, 1, 10), ids=[x.organization for x in rest]
        )
    }
    assert {x.stage for x in rest} <= {ListStage.REPORTED}
    assert set(levels.values()) <= {"grassroots"}
    assert len(graded) > 0.99 * len(lists)
    # Every 2018 duty was committed and observed; only the lists not graded (their year
    # not closed) can have duties overdue.
    total = cycle_dashboard(cycle_store, 2018, date(2019, 3, 1), ALL)[-1]
    assert total.committed == total.observed == total.duties
    assert total.overdue == sum(d.overdue for x in rest for d in x.duties)
    assert total.graded == len(graded) and total.reported == len(lists)


def test_2018_duties_not_done_come_back_in_2019(cycle_store: GraphStore) -> None:
    closed = duty_lists(cycle_store, 2018, date(2019, 3, 1), ALL)
    undone = {d.id for x in closed for d in x.duties if d.state is DutyState.NOT_DONE}
    carried = {
        d.carried_from
        for x in duty_lists(cycle_store, 2019, MID, ALL)
        for d in x.duties
        if d.source == "carried"
    }
    assert undone and carried <= undone
    # Each undone duty comes back unless its organization has no 2019 list.
    orgs19 = {x.organization for x in duty_lists(cycle_store, 2019, MID, ALL)}
    expected = {
        d.id for x in closed for d in x.duties if d.id in undone and x.organization in orgs19
    }
    assert carried == expected
