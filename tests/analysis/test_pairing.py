"""Pairing suggestions on a small graph whose optimum is worked out by hand.

::

    630100 西宁市委
    ├── 630102 城东区委
    │   ├── T1 东关街道 ── W1 (weak), A (excellent), D (excellent, community),
    │   │                  E (excellent but weak), G (general branch) ── W2 (weak)
    │   └── T2 清真巷街道 ── B (good), C (excellent), X
    └── 630103 城中区委 ── T3 ── F (excellent)

Everything rural but D; W1, W2 and E are weak (W1, W2 graded poor; E has 2 full
members, and already a partner: X → E). A already pairs with X (A → X), so with the
default capacity 2 it has one free slot. Asked on 2019-06-30 (grades of 2018).

Partner costs (distance × 1 + grade position × 1 + load × 0.5; excellent 0, good 1;
distance = edges via the lowest common ancestor; at most 4):

======  ============================  ============================  =========
        A (excellent, holds 1)        C (excellent)                 B (good)
======  ============================  ============================  =========
W1      W1-T1-A: 2 + 0 + 0.5 = 2.5    W1-T1-东-T2-C: 4 + 0 = 4.0    4 + 1 = 5
W2      W2-G-T1-A: 3 + 0 + 0.5 = 3.5  5 edges: not allowed          not allowed
======  ============================  ============================  =========

D is another sector, E is weak, F is 6 edges away: none is a candidate. W2 can only have
A, so the optimum gives A to W2 (3.5) and C to W1 (4.0): total 7.5. (The greedy choice,
A to W1 at 2.5, would leave W2 without a partner.) Had A two free slots, W1-A 2.5 and
W2-A 3 + 0 + 1.0 = 4.0 would total 6.5: the capacity limit is what moves W1 to C.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from orggraph.analysis.config import load_rules
from orggraph.analysis.pairing import (
    PairingPlan,
    apply_suggestion,
    apply_suggestions,
    pairing_problems,
    pairing_suggestions,
)
from orggraph.errors import ConfigError, NotFound, ValidationFailed
from orggraph.model import LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import fact, link, member, org, staffed_branch

AS_OF = date(2019, 6, 30)
ALL = Scope()
SUB = LinkKind.SUBORDINATE_TO
PAIRED = LinkKind.PAIRED_WITH
CONTACTS = LinkKind.CONTACTS


def city_batches() -> list[WriteBatch]:
    skeleton = WriteBatch(
        nodes=(
            org("630100", "西宁市委", "city"),
            org("630102", "城东区委", "county"),
            org("630103", "城中区委", "county"),
            org("T1", "东关街道党工委", "township", "working_committee"),
            org("T2", "清真巷街道党工委", "township", "working_committee"),
            org("T3", "人民街道党工委", "township", "working_committee"),
        ),
        links=(
            link(SUB, "630102", "630100"),
            link(SUB, "630103", "630100"),
            link(SUB, "T1", "630102"),
            link(SUB, "T2", "630102"),
            link(SUB, "T3", "630103"),
        ),
    )
    branches = [
        staffed_branch("W1", "T1"),
        staffed_branch("A", "T1"),
        staffed_branch("D", "T1", sector="community"),
        staffed_branch("E", "T1", full=2),
        staffed_branch("G", "T1", org_kind="general_branch"),
        staffed_branch("W2", "G"),
        staffed_branch("B", "T2"),
        staffed_branch("C", "T2"),
        staffed_branch("X", "T2"),
        staffed_branch("F", "T3"),
    ]
    grades = {"W1": "poor", "W2": "poor", "A": "excellent", "B": "good", "C": "excellent"}
    grades |= {"D": "excellent", "E": "excellent", "F": "excellent"}
    facts = WriteBatch(facts=tuple(fact(o, 2018, "assessment_grade", g) for o, g in grades.items()))
    existing = WriteBatch(
        links=(
            link(PAIRED, "A", "X", start=date(2019, 1, 1)),
            link(PAIRED, "X", "E", start=date(2019, 1, 1)),
        )
    )
    return [skeleton, *branches, facts, existing]


def leaders_batch() -> WriteBatch:
    """Two leaders: L1 of A (T1), already the contact of E; L2 of B (T2), who leads the
    working group wg01 covering G.

    Contact costs (area × 2 + distance × 0.5 + load × 0.5; area 0 when the leader's group
    covers the branch's area, 1 when only the district is shared):

    - W1-L1: 2.0 + (A-T1-W1 = 2) 1.0 + (load 1) 0.5 = 3.5
    - W1-L2: 2.0 + (B-T2-东-T1-W1 = 4) 2.0 = 4.0
    - W2-L1: 2.0 + (A-T1-G-W2 = 3) 1.5 + 0.5 = 4.0
    - W2-L2: 0 + (B-T2-东-T1-G-W2 = 5) 2.5 = 2.5

    W1-L1 + W2-L2 = 6.0 beats W1-L2 + W2-L1 = 8.0.
    """
    from orggraph.model import Node, NodeKind

    return WriteBatch(
        nodes=(
            member("L1", "李一", leader=True),
            member("L2", "王二", leader=True),
            Node(
                id="wg01",
                kind=NodeKind.WORKING_GROUP,
                name="第一工作组",
                valid_from=date(2010, 1, 1),
            ),
        ),
        links=(
            link(LinkKind.MEMBER_OF, "L1", "A"),
            link(LinkKind.MEMBER_OF, "L2", "B"),
            link(LinkKind.LEADS, "L2", "wg01"),
            link(LinkKind.COVERS, "wg01", "G"),
            link(CONTACTS, "L1", "E", start=date(2019, 1, 1)),
        ),
    )


def build(store: GraphStore, batches: list[WriteBatch]) -> None:
    for batch in batches:
        store.write(batch)


def pairs(plan: PairingPlan, kind: LinkKind) -> dict[str, tuple[str, float]]:
    return {s.weak: (s.candidate, s.cost) for s in plan.suggestions if s.kind is kind}


def test_partners_are_the_hand_computed_optimum(store: GraphStore) -> None:
    build(store, city_batches())
    plan = pairing_suggestions(store, AS_OF, ALL, kinds=[PAIRED])
    assert pairs(plan, PAIRED) == {"W1": ("C", 4.0), "W2": ("A", 3.5)}
    assert plan.total_cost == 7.5
    assert plan.unmatched == ()
    w2 = next(s for s in plan.suggestions if s.weak == "W2")
    assert [(t.name, t.value, t.cost) for t in w2.terms] == [
        ("distance", 3, 3.0),
        ("grade", 0, 0.0),
        ("load", 1, 0.5),  # A holds the pairing with X already
    ]
    assert w2.candidate_name == "A党支部"


def test_the_capacity_limit_is_what_moves_w1(store: GraphStore, tmp_path: Path) -> None:
    build(store, city_batches())
    path = tmp_path / "capacity3.toml"
    path.write_text("[pairing.partner]\ncapacity = 3\n", "utf-8")
    plan = pairing_suggestions(store, AS_OF, ALL, rules=load_rules(str(path)), kinds=[PAIRED])
    # Two free slots on A: W1-A 2.5 (load 1) and W2-A 4.0 (load 2) = 6.5 < 7.5.
    assert pairs(plan, PAIRED) == {"W1": ("A", 2.5), "W2": ("A", 4.0)}
    # And with no free slot anywhere, nobody is paired, each told why.
    path = tmp_path / "capacity0.toml"
    path.write_text("[pairing.partner]\ncapacity = 0\n", "utf-8")
    plan = pairing_suggestions(store, AS_OF, ALL, rules=load_rules(str(path)), kinds=[PAIRED])
    assert plan.suggestions == ()
    assert [(u.weak, u.reason) for u in plan.unmatched] == [
        ("W1", "capacity_full"),
        ("W2", "capacity_full"),
    ]


def test_contact_leaders_are_the_hand_computed_optimum(store: GraphStore) -> None:
    build(store, [*city_batches(), leaders_batch()])
    plan = pairing_suggestions(store, AS_OF, ALL, kinds=[CONTACTS])
    assert pairs(plan, CONTACTS) == {"W1": ("L1", 3.5), "W2": ("L2", 2.5)}
    w2 = next(s for s in plan.suggestions if s.weak == "W2")
    assert [(t.name, t.value) for t in w2.terms] == [("area", 0), ("distance", 5), ("load", 0)]


def test_suggestions_are_deterministic(store: GraphStore, tmp_path: Path) -> None:
    build(store, [*city_batches(), leaders_batch()])
    first = pairing_suggestions(store, AS_OF, ALL)
    assert pairing_suggestions(store, AS_OF, ALL) == first
    # The same graph written in another order gives the same plan.
    from orggraph.store.embedded import EmbeddedStore

    other = EmbeddedStore(tmp_path / "other.db")
    try:
        skeleton, *branches, facts, existing = city_batches()
        g = branches.pop(4)  # G before W2, its child; the rest reversed
        build(other, [skeleton, g, *reversed(branches), existing, facts, leaders_batch()])
        assert pairing_suggestions(other, AS_OF, ALL) == first
    finally:
        other.close()


def test_equal_costs_go_to_the_earlier_branch_first(store: GraphStore, tmp_path: Path) -> None:
    # Two weak siblings V1, V2 under T2, seen from T2: candidates C (excellent) and B
    # (good), one slot each (capacity 1; X has no grade). V1-C = V2-C = 2 + 0 = 2 and
    # V1-B = V2-B = 2 + 1 = 3: both assignments cost 5. Ties go to the earlier branch
    # taking the earlier candidate: V1 (before V2) takes B (before C).
    batches = city_batches()
    extra = [staffed_branch("V1", "T2"), staffed_branch("V2", "T2")]
    grades = WriteBatch(
        facts=(
            fact("V1", 2018, "assessment_grade", "poor"),
            fact("V2", 2018, "assessment_grade", "poor"),
        )
    )
    build(store, [*batches, *extra, grades])
    scope = Scope(roots=frozenset({"T2"}))
    path = tmp_path / "capacity1.toml"
    path.write_text("[pairing.partner]\ncapacity = 1\n", "utf-8")
    plan = pairing_suggestions(store, AS_OF, scope, rules=load_rules(str(path)), kinds=[PAIRED])
    assert pairs(plan, PAIRED) == {"V1": ("B", 3.0), "V2": ("C", 2.0)}


def test_scope_limits_branches_and_candidates(store: GraphStore) -> None:
    build(store, city_batches())
    # Under T1 only, C and B are out of sight: W1 and W2 both have only A, with one free
    # slot; one of them can be paired, and W1-A (2.5) is cheaper than W2-A (3.5).
    plan = pairing_suggestions(store, AS_OF, Scope(roots=frozenset({"T1"})), kinds=[PAIRED])
    assert pairs(plan, PAIRED) == {"W1": ("A", 2.5)}
    assert [(u.weak, u.reason) for u in plan.unmatched] == [("W2", "outmatched")]
    ids = {s.candidate for s in plan.suggestions} | {s.weak for s in plan.suggestions}
    assert ids <= {"T1", "W1", "W2", "A", "D", "E", "G"}


def test_a_partner_comes_from_outside_the_weak_branchs_own_line(
    store: GraphStore, tmp_path: Path
) -> None:
    # G, the general branch W2 is under, graded excellent: one edge from W2, but above it.
    # W2 may still take only A (3.5); W1 takes G, its sibling's general branch (W1-T1-G:
    # 2 + 0 = 2.0), before C (4.0). Total 5.5.
    build(
        store,
        [*city_batches(), WriteBatch(facts=(fact("G", 2018, "assessment_grade", "excellent"),))],
    )
    plan = pairing_suggestions(store, AS_OF, ALL, kinds=[PAIRED])
    assert pairs(plan, PAIRED) == {"W1": ("G", 2.0), "W2": ("A", 3.5)}
    assert plan.total_cost == 5.5
    # With own_line, W2-G costs 1 + 0 (+ 0.5 in G's second slot): G for W2, then either
    # G (2.0) or A (2.5 with A's held pairing, and W2-G 1.0 alone) for W1, 3.5 either way.
    path = tmp_path / "own-line.toml"
    path.write_text("[pairing.partner]\nown_line = true\n", "utf-8")
    plan = pairing_suggestions(store, AS_OF, ALL, rules=load_rules(str(path)), kinds=[PAIRED])
    assert pairs(plan, PAIRED)["W2"][0] == "G"
    assert plan.total_cost == 3.5


def test_problems_offer_each_branch_its_nearest_pairs(store: GraphStore) -> None:
    build(store, city_batches())
    (problem,) = pairing_problems(store, AS_OF, ALL, kinds=[PAIRED])
    assert problem.rows == ("W1", "W2")
    assert problem.candidates == ("A", "B", "C")
    assert problem.terms == ("distance", "grade")
    # W1 may take A (2 edges, excellent, one pairing held: 2 + 0 + 0.5 = 2.5), B (4, good:
    # 5) and C (4, excellent: 4); W2 only A (3, excellent). Two branches in the part: each
    # is offered its two nearest, so W1 not B. B still counts W1 among those who may take it.
    assert problem.pairs.tolist() == [[0, 0], [0, 2], [1, 0]]
    assert problem.values.tolist() == [[2, 0], [4, 0], [3, 0]]
    assert (problem.held, problem.free, problem.degree) == ((1, 0, 0), (1, 2, 2), (2, 1, 1))


def test_apply_writes_the_link_and_checks_it_still_holds(store: GraphStore) -> None:
    build(store, [*city_batches(), leaders_batch()])
    plan = pairing_suggestions(store, AS_OF, ALL)
    on = date(2019, 7, 1)
    w2_partner = next(s for s in plan.suggestions if s.weak == "W2" and s.kind is PAIRED)
    result = apply_suggestion(store, w2_partner, on, "组织部张三")
    assert result.links_added == 1
    (written,) = store.links(PAIRED, on, targets=["W2"])
    assert (written.source, written.valid_from) == ("A", on)
    assert store.links(PAIRED, AS_OF, targets=["W2"]) == []
    assert store.audit_log(1)[0]["actor"] == "组织部张三"
    # The next plan no longer asks a partner for W2.
    later = pairing_suggestions(store, on, ALL, kinds=[PAIRED])
    assert pairs(later, PAIRED) == {"W1": ("C", 4.0)}
    # Applying it again: W2 has a partner now. A for W1: A is full (X and W2).
    with pytest.raises(ValidationFailed, match="pairing-exists"):
        apply_suggestion(store, w2_partner, on, "组织部张三")
    with pytest.raises(ValidationFailed, match="pairing-capacity"):
        apply_suggestion(store, replace(w2_partner, weak="W1"), on, "组织部张三")
    # A contact must be a leader, and both ends must exist.
    contact = next(s for s in plan.suggestions if s.kind is CONTACTS)
    with pytest.raises(ValidationFailed, match="pairing-leader"):
        apply_suggestion(store, replace(contact, candidate="A-m1"), on, "x")
    with pytest.raises(NotFound):
        apply_suggestion(store, replace(contact, candidate="nobody"), on, "x")
    before = store.digest()
    with pytest.raises(NotFound):
        apply_suggestion(store, contact, on, "x", scope=Scope(roots=frozenset({"T2"})))
    assert store.digest() == before
    apply_suggestion(store, contact, on, "x")
    assert [x.source for x in store.links(CONTACTS, on, targets=[contact.weak])] == [
        contact.candidate
    ]


def test_applying_several_is_all_or_nothing(store: GraphStore) -> None:
    build(store, city_batches())
    plan = pairing_suggestions(store, AS_OF, ALL, kinds=[PAIRED])
    w2 = next(s for s in plan.suggestions if s.weak == "W2")  # A → W2: A's last free slot
    before = store.digest()
    with pytest.raises(ValidationFailed, match="pairing-capacity"):
        apply_suggestions(store, [w2, replace(w2, weak="W1")], AS_OF, "x")
    assert store.digest() == before
    result = apply_suggestions(store, plan.suggestions, date(2019, 7, 1), "x")
    assert result.links_added == 2
    assert sorted((x.source, x.target) for x in store.links(PAIRED, date(2019, 7, 1))) == [
        ("A", "W2"),
        ("A", "X"),
        ("C", "W1"),
        ("X", "E"),
    ]


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("[pairing.partner]\ncapacity = -1\n", "capacity", "-1"),
        ("[pairing.partner]\ngrades = ['best']\n", "grades", "['best']"),
        ("[pairing.leader]\nweight_area = -2.0\n", "weight_area", "-2.0"),
        ("[leaders]\nmax_contacts = 'many'\n", "max_contacts", "'many'"),
        ("[pairing.partner]\nown_line = 'no'\n", "own_line", "'no'"),
    ],
)
def test_a_bad_pairing_value_is_a_config_error_naming_key_and_value(
    store: GraphStore, tmp_path: Path, text: str, key: str, value: str
) -> None:
    path = tmp_path / f"bad-{key}.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        pairing_suggestions(store, AS_OF, ALL, rules=load_rules(str(path)))
    assert key in str(caught.value)
    assert value in str(caught.value)
