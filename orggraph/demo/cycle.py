"""The demo's yearly cycles (年初话、年中看、年末评): 2018 completed, 2019 under way.

Both years are opened for the whole city by ``orggraph.analysis.cycle_open.open_year``
(on January 10), so the lists hold what the graph assigned each secretary that day, and
2019's hold 2018's duties not done. The steps after that are written as the versions the
step functions would write, one batch per stage (a step function per duty would make
30,000 transactions of the demo):

- **2018**, completed: every duty committed (January 15 – March 25), observed (June –
  September), the lists reported (December 5–20) and graded (December 21 – January 8,
  before 2019 opens, so that its undone duties are carried) with the organization's
  2018 考核等次 fact: 好 for excellent, 较好 for good, 一般 for fair, 差 for poor
  (``GRADE_FACT``), the score its assessment score. A committee's list (the committees
  have no 考核等次 fact in the demo) gets a score drawn as the branches' are and the
  grade it earns; its facts are written, as grading writes them. A grassroots
  organization without a 2018 fact (19 of them, gone during the year) is reported, not
  graded: no fact is made up where the weak-branch rules would read it. A duty is done
  when its last observation saw 100 %; the better the grade, the likelier.
- **2019**, at 2019-06-30: about 85 % of the duties committed by March 31; about half of
  those observed in June (observations under way); nothing reported yet; each list whose
  secretary changed since January handed to the successor on the day their post began.

Everything is drawn from one ``random.Random`` seeded by the demo's seed: the same seed,
the same cycles.
"""

from __future__ import annotations

__all__ = ["CYCLE_STAGE", "build_cycles"]

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from orggraph.analysis.cycle import GRADE_FACT, CycleActor
from orggraph.analysis.cycle_open import handovers_due, open_year
from orggraph.model import (
    AssessmentGrade,
    DutyState,
    Fact,
    Level,
    LinkKind,
    ListStage,
    Node,
    NodeKind,
    ReviewGrade,
    Role,
    WriteBatch,
)
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

#: What ``build_cycles`` reports to its ``progress`` callback (steps of both years).
CYCLE_STAGE = "责任清单年度流程"

_CITY = "630100"
_MID = date(2019, 6, 30)
_ACTOR = CycleActor(name="demo", role="admin")
_REVIEW = {v: k for k, v in GRADE_FACT.items()}
# How likely a duty is done, by the list's grade.
_DONE = {
    ReviewGrade.GOOD: 0.95,
    ReviewGrade.FAIRLY_GOOD: 0.8,
    ReviewGrade.AVERAGE: 0.55,
    ReviewGrade.POOR: 0.25,
}
_COMMITMENTS = {
    "contact": ("每季度到联系点指导一次", "全年4次"),
    "pairing": ("与结对党组织联合开展主题党日", "全年6次"),
    "weak_branch": ("推动整顿对象年内完成转化", "验收通过"),
    "vacant_secretary": ("选优配强书记", "3个月内到任"),
    "no_contact_leader": ("落实领导干部联点", "年内落实1名"),
    "too_few_members": ("发展党员、调入党员", "正式党员不少于3名"),
    "term_due": ("按期完成两委换届", "按时完成"),
    "unit_without_organization": ("推动单位单独或联合组建党组织", "年内实现组织覆盖"),
    "area_uncovered": ("落实全域党建工作组包联", "年内落实"),
    "duty_undone": ("补上上年未完成的事项", "年内完成"),
    "manual": ("按清单抓好落实", "年内完成"),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class CycleSummary:
    """What the demo's cycles wrote."""

    lists: dict[int, int]
    duties: dict[int, int]


def build_cycles(
    store: GraphStore, *, seed: int = 2019, progress: Progress = silent
) -> CycleSummary:
    """Open and run the 2018 and 2019 cycles of the demo in ``store`` (see the module)."""
    rng = random.Random(seed * 31 + 2018)
    steps = 6
    progress(CYCLE_STAGE, 0, steps)
    open_year(store, 2018, _CITY, date(2018, 1, 10), actor=_ACTOR)
    progress(CYCLE_STAGE, 1, steps)
    lists18, duties18 = _year(store, 2018, date(2018, 1, 10))
    grades = _grades(store, lists18, rng)
    committed18 = _commit(store, duties18, 2018, rng, share=1.0)
    progress(CYCLE_STAGE, 2, steps)
    _observe(store, committed18, lists18, grades, rng, final=True)
    _close(store, lists18, grades, rng)
    progress(CYCLE_STAGE, 3, steps)
    open_year(store, 2019, _CITY, date(2019, 1, 10), actor=_ACTOR)
    progress(CYCLE_STAGE, 4, steps)
    lists19, duties19 = _year(store, 2019, date(2019, 1, 10))
    committed = _commit(store, duties19, 2019, rng, share=0.85)
    progress(CYCLE_STAGE, 5, steps)
    _observe(store, committed, lists19, {}, rng, final=False)
    _handovers(store)
    progress(CYCLE_STAGE, steps, steps)
    return CycleSummary(
        lists={2018: len(lists18), 2019: len(lists19)},
        duties={2018: len(duties18), 2019: len(duties19)},
    )


def _handovers(store: GraphStore) -> None:
    """2019's lists handed to the secretaries who took post after they were opened, each on
    the day the successor's post began (the lists of a post still vacant stay as they are)."""
    due = handovers_due(store, 2019, _CITY, _MID, Scope())
    orgs = [str(node.get("organization")) for node, _ in due]
    began = {
        (x.target, x.source): x.valid_from
        for x in store.links(LinkKind.HOLDS_POST, _MID, targets=orgs)
        if x.get("role") == Role.SECRETARY.value
    }
    out = []
    for node, successor in due:
        start = began.get((str(node.get("organization")), successor), _MID)
        on = max(start, node.valid_from + timedelta(days=1))
        out.append(_again(node, on, holder=successor, handed_from=node.get("holder")))
    _write(store, out)


def _year(store: GraphStore, year: int, on: date) -> tuple[list[Node], list[Node]]:
    lists = sorted(
        (n for n in store.nodes(NodeKind.DUTY_LIST, on) if n.get("year") == year),
        key=lambda n: n.id,
    )
    duties = sorted(
        (n for n in store.nodes(NodeKind.DUTY, on) if n.get("year") == year), key=lambda n: n.id
    )
    return lists, duties


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _again(node: Node, on: date, **attrs: Any) -> Node:
    merged = {k: v for k, v in {**node.attrs, **attrs, "by": "demo"}.items() if v is not None}
    return Node(id=node.id, kind=node.kind, name=node.name, valid_from=on, attrs=merged)


def _write(store: GraphStore, nodes: list[Node], facts: Sequence[Fact] = ()) -> None:
    if nodes or facts:
        store.write(WriteBatch(nodes=tuple(nodes), facts=tuple(facts)), actor="demo")


def _grades(
    store: GraphStore, lists: list[Node], rng: random.Random
) -> dict[str, tuple[ReviewGrade, float]]:
    """Each 2018 list's grade and score: the organization's 考核等次 fact, or earned."""
    orgs = [str(n.get("organization")) for n in lists]
    facts = store.facts(orgs, 2018, ["assessment_grade", "assessment_score"])
    levels = {
        o.id: o.get("level")
        for o in store.nodes(NodeKind.ORGANIZATION, date(2018, 1, 10), ids=orgs)
    }
    out: dict[str, tuple[ReviewGrade, float]] = {}
    for node in lists:
        org = str(node.get("organization"))
        found = facts.get(org, {})
        grade, score = found.get("assessment_grade"), found.get("assessment_score")
        if grade is None and levels.get(org) == Level.GRASSROOTS.value:
            continue  # reported, not graded (see the module)
        if grade is None or not isinstance(score, int | float):
            score = round(min(99.5, max(62.0, rng.gauss(86, 6))), 1)
            grade = _earned(score)
        out[node.id] = (_REVIEW[AssessmentGrade(grade)], float(score))
    return out


def _earned(score: float) -> str:
    """The demo's own thresholds (``orggraph.demo.facts``): 90, 80, 65."""
    for floor, grade in ((90, "excellent"), (80, "good"), (65, "fair")):
        if score >= floor:
            return grade
    return "poor"


def _commit(
    store: GraphStore, duties: list[Node], year: int, rng: random.Random, *, share: float
) -> list[Node]:
    out: list[Node] = []
    for duty in duties:
        if rng.random() >= share:
            continue
        what, target = _COMMITMENTS.get(str(duty.get("duty_kind")), ("按清单抓好落实", "年内完成"))
        on = _day(rng, date(year, 1, 15), date(year, 3, 25))
        due = _day(rng, date(year, 6, 30), date(year, 12, 15))
        out.append(
            _again(
                duty, on, state=DutyState.COMMITTED.value, commitment=what, target=target, due=due
            )
        )
    _write(store, out)
    return out


def _observe(
    store: GraphStore,
    duties: list[Node],
    lists: list[Node],
    grades: dict[str, tuple[ReviewGrade, float]],
    rng: random.Random,
    *,
    final: bool,
) -> None:
    """2018: every duty seen once, June to September, done or not by the list's grade;
    2019: about half seen in June (the observations under way at the reference date)."""
    year = int(lists[0].attrs["year"]) if lists else 0
    out: list[Node] = []
    for duty in duties:
        if final:
            grade = grades.get(str(duty.get("list")), (ReviewGrade.FAIRLY_GOOD, 85.0))[0]
            done = rng.random() < _DONE[grade]
            progress = 100 if done else rng.choice((30, 50, 70, 80))
            on = _day(rng, date(year, 6, 1), date(year, 9, 30))
        elif rng.random() < 0.5:
            progress = rng.choice((20, 30, 40, 50, 60))
            on = _day(rng, date(year, 6, 1), date(year, 6, 30))
        else:
            continue
        evidence = "现场观摩，查阅台账" if progress < 100 else "现场观摩，已完成，台账齐全"
        out.append(
            _again(duty, on, state=DutyState.OBSERVED.value, progress=progress, evidence=evidence)
        )
    _write(store, out)


def _close(
    store: GraphStore,
    lists: list[Node],
    grades: dict[str, tuple[ReviewGrade, float]],
    rng: random.Random,
) -> None:
    """2018's reports, then the grades with one question each, the duties closed and the
    facts written."""
    reports: list[Node] = []
    graded: list[Node] = []
    facts: list[Fact] = []
    on_of: dict[str, date] = {}
    for node in lists:
        reported = _day(rng, date(2018, 12, 5), date(2018, 12, 20))
        reports.append(
            _again(
                node, reported, stage=ListStage.REPORTED.value, report="2018年度抓党建工作述职报告"
            )
        )
        if node.id not in grades:
            continue
        grade, score = grades[node.id]
        on = _day(rng, date(2018, 12, 21), date(2019, 1, 8))
        on_of[node.id] = on
        question = {
            "question": "清单中未完成事项的原因和下一步打算？",
            "answer": "已分析原因，列入下年清单",
        }
        graded.append(
            _again(
                reports[-1],
                on,
                stage=ListStage.GRADED.value,
                grade=grade.value,
                score=score,
                questions=[question],
            )
        )
        organization = str(node.get("organization"))
        facts.append(
            Fact(
                node_id=organization,
                year=2018,
                name="assessment_grade",
                value=GRADE_FACT[grade].value,
            )
        )
        facts.append(Fact(node_id=organization, year=2018, name="assessment_score", value=score))
    _write(store, reports)
    closing: list[Node] = []
    for duty in store.nodes(NodeKind.DUTY, date(2018, 12, 20)):
        when = on_of.get(str(duty.get("list")))
        if when is None or duty.get("year") != 2018:
            continue
        done = (duty.get("progress") or 0) >= 100
        state = DutyState.DONE if done else DutyState.NOT_DONE
        closing.append(_again(duty, when, state=state.value))
    _write(store, graded + closing, facts)
