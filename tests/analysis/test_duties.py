"""Who answers for what (``analysis.duties``) on the small city of tests/exports/graphs.py.

Worked out by hand from that module's diagram, at 2019-06-30, for the year 2019:

- gaps: u1 has no organization (in 630102001); b2 has no secretary, no contact leader, 0
  full members and its term ended 2019-03-31 (rural: overdue). b2's own post is vacant, so
  the nearest serving secretary of all five is m3 (东关街道党工委); m2 and m1 above oversee
  one of each kind.
- terms due from the date to 2019-12-31: b1 (2019-10-31): m4, its own secretary, holds the
  election; m3, m2 and m1 oversee it.
- scoped to 630102001, the secretaries above it (m2, m1) are hidden: they answer for
  nothing in that caller's list, and m3 and m4 keep theirs.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from orggraph.analysis.chain import responsibilities
from orggraph.analysis.chainindex import HIDDEN, Owner, Person
from orggraph.analysis.duties import (
    TERM_DUE,
    DutyItem,
    assign_duties,
    duty_items,
    nearest_secretary,
    person_scope,
    terms_due,
)
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.exports.graphs import AS_OF, list_city

GAP_KINDS = [
    "unit_without_organization",
    "vacant_secretary",
    "no_contact_leader",
    "too_few_members",
    "term_overdue",
]


@pytest.fixture
def city(store: GraphStore) -> GraphStore:
    store.write(list_city())
    return store


def test_items_are_the_gaps_then_the_terms_due(city: GraphStore) -> None:
    items = duty_items(city, AS_OF, 2019, Scope())
    assert [(i.kind, i.subject) for i in items] == [
        ("unit_without_organization", "u1"),
        ("vacant_secretary", "b2"),
        ("no_contact_leader", "b2"),
        ("too_few_members", "b2"),
        ("term_overdue", "b2"),
        (TERM_DUE, "b1"),
    ]
    assert items[-1].deadline == date(2019, 10, 31) and items[-1].gap is None
    assert all(i.gap is not None for i in items[:-1])


def test_terms_due_stop_at_the_year_end(city: GraphStore) -> None:
    assert [o.id for o in terms_due(city, AS_OF, 2019, Scope())] == ["b1"]
    # b2's term ended before the date: overdue (a gap), not due.
    assert terms_due(city, date(2019, 11, 1), 2019, Scope()) == []


def test_the_nearest_serving_secretary_answers_and_the_others_oversee(city: GraphStore) -> None:
    assigned = assign_duties(duty_items(city, AS_OF, 2019, Scope()))
    assert {p: [(i.kind, i.subject) for i in items] for p, items in assigned.direct.items()} == {
        "m3": [(k, "u1" if k == "unit_without_organization" else "b2") for k in GAP_KINDS],
        "m4": [(TERM_DUE, "b1")],
    }
    every_kind = Counter({k: 1 for k in [*GAP_KINDS, TERM_DUE]})
    assert assigned.oversight == {
        "m3": Counter({TERM_DUE: 1}),
        "m2": every_kind,
        "m1": every_kind,
    }
    # Oversight counts keep the order the items come in (gaps by kind, then terms).
    assert list(assigned.oversight["m1"]) == [*GAP_KINDS, TERM_DUE]


def test_secretaries_above_the_scope_answer_for_nothing(city: GraphStore) -> None:
    scope = Scope(roots=frozenset({"630102001"}))
    assigned = assign_duties(duty_items(city, AS_OF, 2019, scope))
    assert set(assigned.direct) == {"m3", "m4"}
    assert set(assigned.oversight) == {"m3"}


def test_one_persons_items_are_over_their_subtrees(city: GraphStore) -> None:
    resp = responsibilities(city, "m4", AS_OF, Scope())
    assert person_scope(resp, Scope()) == Scope(roots=frozenset({"b1"}))
    items = duty_items(city, AS_OF, 2019, Scope(roots=frozenset({"b1"})))
    assert [(i.kind, i.subject) for i in items] == [(TERM_DUE, "b1")]
    nobody = responsibilities(city, "m6", AS_OF, Scope())
    assert person_scope(nobody, Scope()) is None


def owner(org: str, secretary: Person | None, hidden: bool = False) -> Owner:
    return Owner(organization=org, name=org, secretary=secretary, hidden=hidden)


def test_nearest_secretary_skips_vacant_and_hidden_posts() -> None:
    m3, m2 = Person(id="m3", name="王三"), Person(id="m2", name="李二")
    assert nearest_secretary([owner("b2", None), owner("t", m3), owner("c", m2)]) == owner("t", m3)
    assert nearest_secretary([owner("b2", None), owner("c", HIDDEN, hidden=True)]) is None
    assert nearest_secretary([]) is None


def test_a_secretary_at_two_levels_does_not_oversee_their_own_item() -> None:
    m3 = Person(id="m3", name="王三")
    item = DutyItem(
        kind="too_few_members", subject="b2", name="b2", owners=(owner("b", m3), owner("t", m3))
    )
    assigned = assign_duties([item])
    assert list(assigned.direct) == ["m3"] and assigned.oversight == {}
    # No one visible: nobody's.
    lone = DutyItem(kind="too_few_members", subject="b9", name="b9", owners=(owner("b9", None),))
    assert assign_duties([lone]) == assign_duties([])
