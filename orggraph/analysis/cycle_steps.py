"""The three stages of a list's year, each a dated, attributed step (年初话、年中看、年末评).

- ``commit`` (年初话, the secretary): per duty, what they will do, a measurable target
  and a due date within the year; until ``commit_by``, revisable until then;
- ``observe`` (年中看, the superior committee): per committed duty, the progress seen
  (0–100 %) and the evidence; in the observation window, and again in the review window
  (the year-end check);
- ``report`` (述职, the secretary): the year's report, in the review window;
- ``grade`` (质询评议, the superior committee): the questions asked and the answers given,
  the grade (好 / 较好 / 一般 / 差) and the score, after the report. It closes the year's
  duties (``done`` when the last observation saw 100 %, else ``not_done``: carried into
  next year's list) and writes the organization's 考核等次 of the year (``GRADE_FACT``)
  and its score as yearly facts.

Who may take each step is ``orggraph.store.policy.check_cycle_step``'s rule. Each step is
a new version of the list or duty node dated ``on``, after its last step; bad input gets
``ValidationFailed`` naming every problem, and nothing is written.
"""

from __future__ import annotations

__all__ = ["commit", "grade", "observe", "report"]

from collections.abc import Sequence
from datetime import date
from typing import Any

from orggraph.analysis.cycle import (
    GRADE_FACT,
    CycleActor,
    Duty,
    DutyList,
    Windows,
    duty_list,
    duty_of,
)
from orggraph.analysis.cycle_open import allow, clean, latest, one_step_a_day, problem
from orggraph.errors import NotFound, Problem, ValidationFailed
from orggraph.model import (
    DutyState,
    Fact,
    ListStage,
    Node,
    NodeKind,
    ReviewGrade,
    WriteBatch,
    label,
    parse_enum,
)
from orggraph.store.base import GraphStore
from orggraph.store.policy import CYCLE_STEPS, check_write, denied
from orggraph.store.scope import Scope


def commit(
    store: GraphStore,
    duty_ref: str,
    on: date,
    *,
    actor: CycleActor,
    commitment: str,
    target: str,
    due: date,
) -> Duty:
    """年初话: the secretary's commitment to one duty (see the module)."""
    node, lst = _duty_and_list(store, duty_ref, on, actor, "commit")
    wins = _windows(lst)
    year = int(lst.attrs["year"])
    problems = _texts(commitment=commitment, target=target)
    if not on <= wins.commit_by:
        problems.append(problem("cycle-window", "on", on, f"commitments close on {wins.commit_by}"))
    if not on <= due <= date(year, 12, 31):
        problems.append(problem("cycle-due", "due", due, f"must fall from {on} to {year}-12-31"))
    state = DutyState(node.attrs["state"])
    if state not in (DutyState.LISTED, DutyState.COMMITTED):
        problems.append(_state_problem(node, state, "commit to"))
    _stage(lst, ListStage.OPENED, problems)
    attrs = dict(
        node.attrs,
        state=DutyState.COMMITTED.value,
        commitment=commitment.strip(),
        target=target.strip(),
        due=due,
        by=actor.name,
    )
    return _write_duty(store, node, attrs, on, actor, problems, "commit")


def observe(
    store: GraphStore,
    duty_ref: str,
    on: date,
    *,
    actor: CycleActor,
    progress: int,
    evidence: str,
) -> Duty:
    """年中看: what the superior committee saw of one committed duty (see the module)."""
    node, lst = _duty_and_list(store, duty_ref, on, actor, "observe")
    wins = _windows(lst)
    problems = _texts(evidence=evidence)
    if not (wins.observe_from <= on <= wins.observe_to or wins.review_from <= on <= wins.review_by):
        problems.append(
            problem(
                "cycle-window",
                "on",
                on,
                f"observations are made from {wins.observe_from} to {wins.observe_to}, "
                f"and from {wins.review_from} to {wins.review_by}",
            )
        )
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        problems.append(problem("cycle-progress", "progress", progress, "a whole percent 0-100"))
    state = DutyState(node.attrs["state"])
    if state not in (DutyState.COMMITTED, DutyState.OBSERVED):
        problems.append(_state_problem(node, state, "observe"))
    if lst.attrs.get("stage") == ListStage.GRADED.value:
        problems.append(problem("cycle-stage", "list", lst.id, "the list is graded already"))
    attrs = dict(
        node.attrs,
        state=DutyState.OBSERVED.value,
        progress=progress,
        evidence=evidence.strip(),
        by=actor.name,
    )
    return _write_duty(store, node, attrs, on, actor, problems, "observe")


def report(store: GraphStore, list_ref: str, on: date, *, actor: CycleActor, text: str) -> DutyList:
    """述职: the secretary's year-end report (see the module)."""
    lst = _list(store, list_ref, on, actor, "report")
    problems = _texts(report=text)
    _review_window(lst, on, problems)
    _stage(lst, ListStage.OPENED, problems)
    one = _ordered(lst, on)
    if one is not None:
        problems.append(one)
    if problems:
        raise ValidationFailed(problems)
    attrs = dict(lst.attrs, stage=ListStage.REPORTED.value, report=text.strip(), by=actor.name)
    store.write(WriteBatch(nodes=(_again(lst, attrs, on),), effective=on), actor=actor.name)
    return duty_list(store, list_ref, on, _reader(actor, lst))


def grade(
    store: GraphStore,
    list_ref: str,
    on: date,
    *,
    actor: CycleActor,
    grade: ReviewGrade | str,
    score: float,
    questions: Sequence[tuple[str, str]] = (),
) -> DutyList:
    """质询评议: the questions and answers, the grade and the score; closes the duties and
    writes the 考核等次 fact (see the module)."""
    lst = _list(store, list_ref, on, actor, "grade")
    problems: list[Problem] = []
    parsed: ReviewGrade | None = None
    try:
        parsed = grade if isinstance(grade, ReviewGrade) else parse_enum(ReviewGrade, grade)
    except ValueError as exc:
        problems.append(problem("cycle-grade", "grade", grade, str(exc)))
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
        problems.append(problem("cycle-score", "score", score, "a score from 0 to 100"))
    for i, (question, answer) in enumerate(questions, start=1):
        if not question.strip() or not answer.strip():
            problems.append(
                problem(
                    "cycle-question",
                    f"questions[{i}]",
                    question,
                    "a question and its answer, both written",
                )
            )
    _review_window(lst, on, problems)
    _stage(lst, ListStage.REPORTED, problems)
    one = _ordered(lst, on)
    if one is not None:
        problems.append(one)
    year = int(lst.attrs["year"])
    organization = str(lst.attrs["organization"])
    duties = [
        d for d in store.nodes(NodeKind.DUTY, on) if d.get("list") == lst.id and d.valid_from < on
    ]
    same_day = [
        d.id
        for d in store.nodes(NodeKind.DUTY, on)
        if d.get("list") == lst.id and d.valid_from >= on
    ]
    if same_day:
        problems.append(
            problem(
                "cycle-step-order",
                "on",
                on,
                f"duties {', '.join(same_day)} took a step on {on}; grade the list the day after",
            )
        )
    if problems or parsed is None:
        raise ValidationFailed(problems)
    attrs = dict(
        lst.attrs,
        stage=ListStage.GRADED.value,
        grade=parsed.value,
        score=float(score),
        questions=[{"question": q.strip(), "answer": a.strip()} for q, a in questions],
        by=actor.name,
    )
    nodes = [_again(lst, attrs, on)]
    for duty in duties:
        done = (duty.get("progress") or 0) >= 100
        state = DutyState.DONE if done else DutyState.NOT_DONE
        nodes.append(_again(duty, dict(duty.attrs, state=state.value, by=actor.name), on))
    facts = (
        Fact(
            node_id=organization, year=year, name="assessment_grade", value=GRADE_FACT[parsed].value
        ),
        Fact(node_id=organization, year=year, name="assessment_score", value=float(score)),
    )
    batch = WriteBatch(nodes=tuple(nodes), facts=facts, effective=on)
    check_write(store, batch, actor.scope, actor=actor.name, action="gradeList")
    store.write(batch, actor=actor.name)
    return duty_list(store, list_ref, on, actor.scope)


# -- shared steps -------------------------------------------------------------------------


def _visible_or_own(
    store: GraphStore,
    node: Node | None,
    on: date,
    actor: CycleActor,
    step: str,
    ref: str,
    holder: str | None,
) -> None:
    """Unknown, hidden and not the actor's own: the same ``NotFound`` (audited when hidden)."""
    own = actor.member is not None and actor.member == holder and CYCLE_STEPS[step] == "holder"
    if node is not None and (own or actor.scope.view(store, on).sees(node)):
        return
    error = NotFound(f"no list or duty {ref!r} on {on}")
    if actor.scope.unrestricted:
        raise error
    raise denied(
        store, error, actor=actor.name, action=f"cycle:{step}", reason="not-visible", ids=[ref]
    )


def _list(store: GraphStore, ref: str, on: date, actor: CycleActor, step: str) -> Node:
    try:
        node: Node | None = latest(store, ref)
    except NotFound:
        node = None
    if node is not None and (node.kind is not NodeKind.DUTY_LIST or node.valid_from > on):
        node = None
    holder = None if node is None else node.get("holder")
    _visible_or_own(store, node, on, actor, step, ref, holder)
    assert node is not None
    allow(store, actor, str(node.attrs["organization"]), holder, step, on)
    return node


def _duty_and_list(
    store: GraphStore, ref: str, on: date, actor: CycleActor, step: str
) -> tuple[Node, Node]:
    try:
        node: Node | None = latest(store, ref)
    except NotFound:
        node = None
    if node is not None and (node.kind is not NodeKind.DUTY or node.valid_from > on):
        node = None
    lst = None if node is None else latest(store, str(node.attrs["list"]))
    holder = None if lst is None else lst.get("holder")
    _visible_or_own(store, node, on, actor, step, ref, holder)
    assert node is not None and lst is not None
    allow(store, actor, str(node.attrs["organization"]), holder, step, on)
    return node, lst


def _write_duty(
    store: GraphStore,
    node: Node,
    attrs: dict[str, Any],
    on: date,
    actor: CycleActor,
    problems: list[Problem],
    step: str,
) -> Duty:
    one = _ordered(node, on)
    if one is not None:
        problems.append(one)
    if problems:
        raise ValidationFailed(problems)
    new = _again(node, attrs, on)
    batch = WriteBatch(nodes=(new,), effective=on)
    if CYCLE_STEPS[step] == "superior":  # a secretary's own list: the policy let them
        check_write(store, batch, actor.scope, actor=actor.name, action="cycleStep")
    store.write(batch, actor=actor.name)
    history = store.node_versions([node.id]).get(node.id, [])
    return duty_of(new, on, history)


def _again(node: Node, attrs: dict[str, Any], on: date) -> Node:
    return Node(id=node.id, kind=node.kind, name=node.name, valid_from=on, attrs=clean(**attrs))


def _ordered(node: Node, on: date) -> Problem | None:
    try:
        one_step_a_day(node, on)
    except ValidationFailed as exc:
        return exc.problems[0]
    return None


def _windows(lst: Node) -> Windows:
    return Windows.kept(lst.attrs, int(lst.attrs["year"]))


def _review_window(lst: Node, on: date, problems: list[Problem]) -> None:
    wins = _windows(lst)
    if not wins.review_from <= on <= wins.review_by:
        problems.append(
            problem(
                "cycle-window",
                "on",
                on,
                f"reports and grades are made from {wins.review_from} to {wins.review_by}",
            )
        )


def _stage(lst: Node, wanted: ListStage, problems: list[Problem]) -> None:
    stage = ListStage(lst.attrs["stage"])
    if stage is not wanted:
        problems.append(
            problem(
                "cycle-stage",
                "list",
                lst.id,
                f"the list is {stage.value} ({label(stage)}); this step needs "
                f"it {wanted.value} ({label(wanted)})",
            )
        )


def _state_problem(node: Node, state: DutyState, what: str) -> Problem:
    return problem(
        "cycle-state",
        "duty",
        node.id,
        f"the duty is {state.value} ({label(state)}); one cannot {what} it now",
    )


def _texts(**texts: str) -> list[Problem]:
    return [
        problem("cycle-text", name, value, "must be written (not empty)")
        for name, value in texts.items()
        if not isinstance(value, str) or not value.strip()
    ]


def _reader(actor: CycleActor, lst: Node) -> Scope:
    """The scope a step's answer is read in: the actor's, or the list's own organization
    for its secretary (who may write it from outside their scope)."""
    if actor.member is not None and actor.member == lst.get("holder"):
        return Scope(roots=frozenset({str(lst.attrs["organization"])}))
    return actor.scope
