"""The year of a responsibility list (年初话、年中看、年末评) on a small graph, by hand.

The graph (from 2010)::

    630100 西宁市委 (secretary C)
    └── 630102 城东区委 (secretary D)
        └── T1 东关街道党工委 (secretary T until 2019-07-01, then T2; T is contact leader of OK)
            ├── W  某村党支部 (2 full members, secretary W-m1; a remediation case since 2018-12-01)
            └── OK OK党支部 (3 full members, secretary OK-m1; paired with W: OK → W)
    630103 城中区委 (another district, secretary E)

Opening 2019 for 630102 on 2019-01-10 gives four lists, worked out from the rules:

- 630102 (D): no working group covers 城东区委, the topmost uncovered area (area_uncovered);
- T1 (T): contact leader of OK; W's case is its township's to turn around; one duty by hand;
- W (W-m1): W has no contact leader, and 2 full members < 3 (gaps, in GapKind order);
- OK (OK-m1): paired with W.
"""

from __future__ import annotations

from datetime import date

import pytest

from orggraph.analysis.cycle import (
    CycleActor,
    cycle_columns,
    cycle_dashboard,
    duty_list,
    duty_lists,
)
from orggraph.analysis.cycle_open import (
    HandDuty,
    hand_over,
    hand_over_all,
    handovers_due,
    open_year,
)
from orggraph.analysis.cycle_steps import commit, grade, observe, report
from orggraph.analysis.remediation import open_case
from orggraph.analysis.weak import evaluate_branch
from orggraph.errors import NotFound, PermissionDenied, ValidationFailed
from orggraph.model import DutyState, Level, LinkKind, ListStage, ReviewGrade, WriteBatch
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, member, org, staffed_branch

SUB, POST = LinkKind.SUBORDINATE_TO, LinkKind.HOLDS_POST
ADMIN = CycleActor(name="组织部", role="admin")
# The district's office: an editor whose scope is 城东区委 (T1's superior, and W's, OK's).
DISTRICT = CycleActor(name="d-ed", role="editor", scope=Scope(roots=frozenset({"630102"})))
T = CycleActor(name="t", role="analyst", member="T", scope=Scope(roots=frozenset({"T1"})))
T2 = CycleActor(name="t2", role="analyst", member="T2", scope=Scope(roots=frozenset({"T1"})))
OKS = CycleActor(name="ok", role="analyst", member="OK-m1", scope=Scope(roots=frozenset({"OK"})))
OPEN = date(2019, 1, 10)


def build(store: GraphStore) -> None:
    store.write(
        WriteBatch(
            nodes=(
                org("630100", "西宁市委", "city"),
                org("630102", "城东区委", "county"),
                org("630103", "城中区委", "county"),
                org("T1", "东关街道党工委", "township", "working_committee"),
                member("C", "市委书记"),
                member("D", "区委书记"),
                member("E", "城中书记"),
                member("T", "街道书记", leader=True),
                member("T2", "新街道书记", leader=True),
            ),
            links=(
                link(SUB, "630102", "630100"),
                link(SUB, "630103", "630100"),
                link(SUB, "T1", "630102"),
                link(LinkKind.MEMBER_OF, "C", "630100"),
                link(LinkKind.MEMBER_OF, "D", "630102"),
                link(LinkKind.MEMBER_OF, "E", "630103"),
                link(LinkKind.MEMBER_OF, "T", "T1"),
                link(LinkKind.MEMBER_OF, "T2", "T1"),
                link(POST, "C", "630100", role="secretary"),
                link(POST, "D", "630102", role="secretary"),
                link(POST, "E", "630103", role="secretary"),
                link(POST, "T", "T1", role="secretary", end=date(2019, 7, 1)),
                link(POST, "T2", "T1", role="secretary", start=date(2019, 7, 1)),
            ),
        )
    )
    store.write(staffed_branch("W", "T1", full=2, name="某村党支部"))
    store.write(staffed_branch("OK", "T1", name="OK党支部"))
    store.write(
        WriteBatch(
            links=(
                link(LinkKind.CONTACTS, "T", "OK", start=date(2015, 1, 1)),
                link(LinkKind.PAIRED_WITH, "OK", "W", start=date(2018, 12, 1)),
            )
        )
    )
    open_case(store, "W", date(2018, 12, 1), actor="组织部")


def opened(store: GraphStore) -> None:
    build(store)
    result = open_year(
        store,
        2019,
        "630102",
        OPEN,
        actor=ADMIN,
        hand=[HandDuty(organization="T1", text="办好新时代讲习所")],
    )
    assert (result.lists, result.duties, result.skipped) == (4, 7, 0)


def kinds(store: GraphStore, list_ref: str, on: date = OPEN) -> list[tuple[str, str, str]]:
    return [(d.id, d.kind, d.source) for d in duty_list(store, list_ref, on, Scope()).duties]


def test_opening_freezes_each_secretarys_duties(store: GraphStore) -> None:
    opened(store)
    lists = duty_lists(store, 2019, OPEN, Scope())
    assert [(x.id, x.holder, x.stage) for x in lists] == [
        ("dl-2019-630102", "D", ListStage.OPENED),
        ("dl-2019-OK", "OK-m1", ListStage.OPENED),
        ("dl-2019-T1", "T", ListStage.OPENED),
        ("dl-2019-W", "W-m1", ListStage.OPENED),
    ]
    assert kinds(store, "dl-2019-630102") == [("du-2019-630102-001", "area_uncovered", "derived")]
    assert kinds(store, "dl-2019-T1") == [
        ("du-2019-T1-001", "contact", "derived"),
        ("du-2019-T1-002", "weak_branch", "derived"),
        ("du-2019-T1-003", "manual", "manual"),
    ]
    assert kinds(store, "dl-2019-W") == [
        ("du-2019-W-001", "no_contact_leader", "derived"),
        ("du-2019-W-002", "too_few_members", "derived"),
    ]
    assert kinds(store, "dl-2019-OK") == [("du-2019-OK-001", "pairing", "derived")]
    # Later changes in the graph do not rewrite what was agreed: W gets a third member
    # and a contact leader in March; its list still holds both duties.
    store.write(
        WriteBatch(
            nodes=(member("W-m3", "新党员", start=date(2019, 3, 1)),),
            links=(
                link(LinkKind.MEMBER_OF, "W-m3", "W", start=date(2019, 3, 1)),
                link(LinkKind.CONTACTS, "D", "W", start=date(2019, 3, 1)),
            ),
        )
    )
    assert len(duty_list(store, "dl-2019-W", date(2019, 4, 1), Scope()).duties) == 2
    # Opening again: every list is open already; nothing written.
    with pytest.raises(ValidationFailed, match="open already"):
        open_year(store, 2019, "630102", date(2019, 1, 11), actor=ADMIN)
    # The city opens later: only its own list is new (630103 and 630100).
    again = open_year(store, 2019, "630100", date(2019, 1, 12), actor=ADMIN)
    assert (again.lists, again.skipped) == (2, 4)


def test_a_whole_year_with_a_handover(store: GraphStore) -> None:
    opened(store)
    links = account_store(store)
    links.add("t", "analyst", roots=frozenset({"T1"}))
    links.link_member("t", "T")
    assert links.member_of("t") == "T"
    # 年初话: T commits to two of the three duties.
    one = commit(
        store,
        "du-2019-T1-001",
        date(2019, 2, 15),
        actor=T,
        commitment="每季度到OK党支部指导一次",
        target="4次",
        due=date(2019, 12, 15),
    )
    assert (one.state, one.target, one.due) == (DutyState.COMMITTED, "4次", date(2019, 12, 15))
    commit(
        store,
        "du-2019-T1-002",
        date(2019, 2, 15),
        actor=T,
        commitment="推动某村党支部年内转化",
        target="验收通过",
        due=date(2019, 11, 30),
    )
    # 年中看: the district's editor looks at the first one.
    seen = observe(
        store,
        "du-2019-T1-001",
        date(2019, 6, 20),
        actor=DISTRICT,
        progress=50,
        evidence="已指导2次，有记录",
    )
    assert (seen.state, seen.progress) == (DutyState.OBSERVED, 50)
    # T leaves on 2019-07-01; the list is handed to T2, the new secretary, the next day.
    handed = hand_over(store, "dl-2019-T1", date(2019, 7, 2), actor=DISTRICT)
    assert (handed.holder, handed.handed_from, handed.stage) == ("T2", "T", ListStage.OPENED)
    with pytest.raises(PermissionDenied):
        report(store, "dl-2019-T1", date(2019, 12, 10), actor=T, text="述职")
    with pytest.raises(ValidationFailed, match="already holds"):
        hand_over(store, "dl-2019-T1", date(2019, 7, 3), actor=DISTRICT)
    with pytest.raises(ValidationFailed, match="no member"):
        hand_over(store, "dl-2019-T1", date(2019, 7, 3), actor=DISTRICT, to="nobody")
    with pytest.raises(NotFound):
        commit(
            store,
            "du-2019-T1-999",
            date(2019, 2, 1),
            actor=ADMIN,
            commitment="a",
            target="b",
            due=date(2019, 5, 1),
        )
    observe(
        store,
        "du-2019-T1-001",
        date(2019, 9, 10),
        actor=DISTRICT,
        progress=100,
        evidence="全年指导4次",
    )
    observe(
        store,
        "du-2019-T1-002",
        date(2019, 9, 10),
        actor=DISTRICT,
        progress=60,
        evidence="整顿中，未验收",
    )
    # 年末评: T2 reports, the district questions and grades 较好, 85.
    report(store, "dl-2019-T1", date(2019, 12, 10), actor=T2, text="2019年抓党建工作述职")
    graded = grade(
        store,
        "dl-2019-T1",
        date(2019, 12, 20),
        actor=DISTRICT,
        grade="较好",
        score=85,
        questions=[("讲习所为何未办", "场地未落实，明年办")],
    )
    assert (graded.stage, graded.grade, graded.score) == (
        ListStage.GRADED,
        ReviewGrade.FAIRLY_GOOD,
        85.0,
    )
    assert [(d.id, d.state) for d in graded.duties] == [
        ("du-2019-T1-001", DutyState.DONE),
        ("du-2019-T1-002", DutyState.NOT_DONE),
        ("du-2019-T1-003", DutyState.NOT_DONE),
    ]
    assert [(q.question, q.answer) for q in graded.questions] == [
        ("讲习所为何未办", "场地未落实，明年办")
    ]
    # The whole history, dated and attributed: nothing overwritten.
    assert [(s.stage, s.on, s.by, s.holder) for s in graded.steps] == [
        (ListStage.OPENED, OPEN, "组织部", "T"),
        (ListStage.OPENED, date(2019, 7, 2), "d-ed", "T2"),
        (ListStage.REPORTED, date(2019, 12, 10), "t2", "T2"),
        (ListStage.GRADED, date(2019, 12, 20), "d-ed", "T2"),
    ]
    first = graded.duties[0]
    assert [(s.state, s.on, s.by, s.progress) for s in first.steps] == [
        (DutyState.LISTED, OPEN, "组织部", None),
        (DutyState.COMMITTED, date(2019, 2, 15), "t", None),
        (DutyState.OBSERVED, date(2019, 6, 20), "d-ed", 50),
        (DutyState.OBSERVED, date(2019, 9, 10), "d-ed", 100),
        (DutyState.DONE, date(2019, 12, 20), "d-ed", 100),
    ]
    # As of mid-year the list reads as it stood then.
    mid = duty_list(store, "dl-2019-T1", date(2019, 6, 30), Scope())
    assert (mid.holder, [d.state for d in mid.duties]) == (
        "T",
        [DutyState.OBSERVED, DutyState.COMMITTED, DutyState.LISTED],
    )
    # The grade is T1's 考核等次 of 2019 (较好 is the second tier: good).
    assert store.facts(["T1"], 2019) == {
        "T1": {"assessment_grade": "good", "assessment_score": 85.0}
    }
    # The printed list's three columns, from what was kept (by secretary, kind, subject).
    columns = cycle_columns(store, 2019, date(2019, 12, 31), Scope())
    assert columns[("T2", "contact", "OK")] == (
        "每季度到OK党支部指导一次；目标4次；2019-12-15前",
        "进度100%：全年指导4次",
        "已完成；评定较好",
    )
    assert columns[("T2", "manual", None)] == ("", "", "未完成；评定较好")
    # 2020: the two duties not done come back, carried, after the derived ones.
    open_year(store, 2020, "630102", date(2020, 1, 10), actor=ADMIN)
    carried = [
        (d.text, d.carried_from)
        for d in duty_list(store, "dl-2020-T1", date(2020, 1, 10), Scope()).duties
        if d.source == "carried"
    ]
    assert carried == [
        ("（上年未完成）抓好软弱涣散的某村党支部整顿转化", "du-2019-T1-002"),
        ("（上年未完成）办好新时代讲习所", "du-2019-T1-003"),
    ]


def test_the_grade_changes_the_weak_branch_answer(store: GraphStore) -> None:
    opened(store)
    later = date(2020, 3, 1)  # 2019's facts count
    assert evaluate_branch(store, "OK", later, Scope()) == ()
    commit(
        store,
        "du-2019-OK-001",
        date(2019, 3, 1),
        actor=OKS,
        commitment="帮扶某村党支部",
        target="每月一次",
        due=date(2019, 12, 1),
    )
    observe(
        store,
        "du-2019-OK-001",
        date(2019, 7, 1),
        actor=DISTRICT,
        progress=10,
        evidence="只去过一次",
    )
    report(store, "dl-2019-OK", date(2019, 12, 5), actor=OKS, text="述职")
    grade(store, "dl-2019-OK", date(2019, 12, 28), actor=DISTRICT, grade=ReviewGrade.POOR, score=55)
    assert [f.rule for f in evaluate_branch(store, "OK", later, Scope())] == ["poor_assessment"]


def test_windows_states_and_order_are_enforced(store: GraphStore) -> None:
    opened(store)
    with pytest.raises(ValidationFailed) as late:
        commit(
            store,
            "du-2019-W-001",
            date(2019, 4, 1),
            actor=ADMIN,
            commitment="",
            target="x",
            due=date(2020, 1, 5),
        )
    rules = sorted(p.rule for p in late.value.problems)
    assert rules == ["cycle-due", "cycle-text", "cycle-window"]
    with pytest.raises(ValidationFailed, match="listed"):
        observe(
            store,
            "du-2019-W-001",
            date(2019, 6, 10),
            actor=DISTRICT,
            progress=10,
            evidence="未承诺",
        )
    with pytest.raises(ValidationFailed, match="needs it reported"):
        grade(store, "dl-2019-W", date(2019, 12, 10), actor=DISTRICT, grade="好", score=90)
    with pytest.raises(ValidationFailed, match="from 2019-12-01"):
        report(store, "dl-2019-W", date(2019, 11, 1), actor=ADMIN, text="早")
    commit(
        store,
        "du-2019-W-001",
        date(2019, 2, 1),
        actor=ADMIN,
        commitment="a",
        target="b",
        due=date(2019, 5, 1),
    )
    with pytest.raises(ValidationFailed, match="after it"):
        commit(
            store,
            "du-2019-W-001",
            date(2019, 2, 1),
            actor=ADMIN,
            commitment="c",
            target="d",
            due=date(2019, 5, 1),
        )
    with pytest.raises(ValidationFailed, match="is not a valid ReviewGrade"):
        report(store, "dl-2019-W", date(2019, 12, 2), actor=ADMIN, text="述职")
        grade(store, "dl-2019-W", date(2019, 12, 3), actor=DISTRICT, grade="优良", score=90)
    # Overdue: committed, due 2019-05-01, not done by June.
    rows = cycle_dashboard(store, 2019, date(2019, 6, 1), Scope(), level=Level.TOWNSHIP)
    assert [(r.organization, r.lists, r.duties, r.committed, r.overdue) for r in rows] == [
        ("T1", 3, 6, 1, 1),
        ("", 4, 7, 1, 1),
    ]


def test_permissions_per_role_and_scope(store: GraphStore) -> None:
    opened(store)
    on = date(2019, 2, 1)
    args = {"commitment": "a", "target": "b", "due": date(2019, 6, 1)}
    # Another secretary, a viewer linked to T, an editor who is not T: not T's commitments.
    for who in (
        OKS,
        CycleActor(name="v", role="viewer", member="T", scope=T.scope),
        CycleActor(name="x", role="editor", scope=DISTRICT.scope),
    ):
        with pytest.raises((PermissionDenied, NotFound)):
            commit(store, "du-2019-T1-001", on, actor=who, **args)
    # An editor of T1 itself may observe W (T1 is W's superior), not T1's own duties.
    township = CycleActor(name="t-ed", role="editor", scope=Scope(roots=frozenset({"T1"})))
    commit(
        store,
        "du-2019-W-001",
        on,
        actor=CycleActor(name="w", role="analyst", member="W-m1"),
        **args,
    )
    observe(store, "du-2019-W-001", date(2019, 6, 2), actor=township, progress=20, evidence="e")
    commit(store, "du-2019-T1-001", on, actor=T, **args)
    with pytest.raises(PermissionDenied, match="superior"):
        observe(
            store, "du-2019-T1-001", date(2019, 6, 2), actor=township, progress=20, evidence="e"
        )
    # The other district's editor does not see T1's duty at all: not found, audited.
    other = CycleActor(name="e-ed", role="editor", scope=Scope(roots=frozenset({"630103"})))
    with pytest.raises(NotFound):
        observe(store, "du-2019-T1-001", date(2019, 6, 2), actor=other, progress=20, evidence="e")
    assert store.audit_log(1)[0]["action"] == "write-denied"
    # A secretary does not grade their own list, even as an editor.
    self_grader = CycleActor(name="t-self", role="editor", member="T", scope=DISTRICT.scope)
    report(store, "dl-2019-T1", date(2019, 12, 2), actor=T, text="述职")
    with pytest.raises(PermissionDenied):
        grade(store, "dl-2019-T1", date(2019, 12, 3), actor=self_grader, grade="好", score=90)
    # An analyst opens nothing; the district opens what lies below it, not its own list.
    with pytest.raises(PermissionDenied):
        open_year(store, 2020, "T1", date(2020, 1, 2), actor=T)
    with pytest.raises(PermissionDenied, match="superior"):
        open_year(store, 2020, "630102", date(2020, 1, 2), actor=DISTRICT)
    below = open_year(store, 2020, "T1", date(2020, 1, 2), actor=DISTRICT)
    assert (below.lists, below.skipped) == (3, 0)  # T1, W and OK
    assert [x.id for x in duty_lists(store, 2019, date(2019, 6, 30), T.scope)] == [
        "dl-2019-OK",
        "dl-2019-T1",
        "dl-2019-W",
    ]
    with pytest.raises(NotFound):
        duty_list(store, "dl-2019-630102", date(2019, 6, 30), T.scope)


def test_every_list_whose_secretary_changed_is_handed_over_at_once(store: GraphStore) -> None:
    opened(store)
    # Before July T still holds T1's post: nothing is due.
    assert handovers_due(store, 2019, "630102", date(2019, 6, 30), Scope()) == []
    due = handovers_due(store, 2019, "630102", date(2019, 7, 2), Scope())
    assert [(n.id, n.get("holder"), successor) for n, successor in due] == [
        ("dl-2019-T1", "T", "T2")
    ]
    assert hand_over_all(store, 2019, "630102", date(2019, 7, 2), actor=DISTRICT) == 1
    handed = duty_list(store, "dl-2019-T1", date(2019, 7, 2), Scope())
    assert (handed.holder, handed.handed_from) == ("T2", "T")
    assert hand_over_all(store, 2019, "630102", date(2019, 7, 3), actor=DISTRICT) == 0
