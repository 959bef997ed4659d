"""The year of a responsibility list (年初话、年中看、年末评): reading the lists kept.

Each secretary's yearly list (年度抓党建责任清单) is kept in the graph as it was agreed,
not derived again: opening a year (``cycle_open.open_year``) freezes, for each
organization in a scope, a ``duty_list`` node and one ``duty`` node per duty. Every step
after that is a new version of one of those nodes, dated and attributed (``by``: the
account), the old version closed on the step's date, exactly as a remediation case moves
(``orggraph.analysis.remediation``)::

    list:  opened ──(述职 report, by the secretary)──> reported ──(质询评议 grade)──> graded
           └─ handed over (holder changes, dated; the stage stays)
    duty:  listed ──(年初话 commit)──> committed ──(年中看 observe)──> observed
                                                      └─ graded: done (progress 100) | not_done

The windows of a year are stored on its lists when opened (``Windows``): commitments up
to ``commit_by``; observations from ``observe_from`` to ``observe_to`` and again in the
review window (the year-end check); the report and the grade from ``review_from`` to
``review_by``. One step a day per list and per duty (a version a day, as for cases).

The grade (好 / 较好 / 一般 / 差) becomes the organization's 考核等次 of the year
(``GRADE_FACT``: the ``assessment_grade`` fact, which the weak-branch rules read) and its
score ``assessment_score``. A duty not done is carried into next year's list.

This module reads (``duty_list``, ``duty_lists``, ``cycle_dashboard``); the steps are
in ``cycle_open`` and ``cycle_steps``.
"""

from __future__ import annotations

__all__ = [
    "GRADE_FACT",
    "GRADE_ORDER",
    "CycleActor",
    "CycleProgress",
    "Duty",
    "DutyList",
    "DutyStep",
    "ListStep",
    "Question",
    "Ranked",
    "Windows",
    "cycle_columns",
    "cycle_dashboard",
    "duty_list",
    "duty_lists",
    "list_id",
    "stage_texts",
    "year_ranking",
]

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from orggraph.analysis.config import CYCLE_WINDOWS, RulesConfig, load_rules, month_day
from orggraph.errors import NotFound
from orggraph.model import (
    LABELS_ZH,
    AssessmentGrade,
    DutyState,
    Level,
    ListStage,
    Node,
    NodeKind,
    ReviewGrade,
)
from orggraph.store.base import GraphStore
from orggraph.store.masking import classify
from orggraph.store.scope import Scope

#: The reviewers' grade as the organization's 考核等次 of the year (the four tiers).
GRADE_FACT: dict[ReviewGrade, AssessmentGrade] = {
    ReviewGrade.GOOD: AssessmentGrade.EXCELLENT,
    ReviewGrade.FAIRLY_GOOD: AssessmentGrade.GOOD,
    ReviewGrade.AVERAGE: AssessmentGrade.FAIR,
    ReviewGrade.POOR: AssessmentGrade.POOR,
}


@dataclass(frozen=True, kw_only=True, slots=True)
class CycleActor:
    """Who takes a step: the account's name, role and scope, and the member it is linked
    to (``AccountStore.member_of``), which makes a secretary the holder of their list."""

    name: str
    role: str = "admin"
    member: str | None = None
    scope: Scope = field(default_factory=Scope)


@dataclass(frozen=True, kw_only=True, slots=True)
class Windows:
    """The dates of a year's three stages (stored on each list when it is opened), read
    from the rules' ``[cycle]`` section (``orggraph/analysis/rules.toml``)."""

    open_from: date
    commit_by: date
    observe_from: date
    observe_to: date
    review_from: date
    review_by: date

    @classmethod
    def default(cls, year: int, rules: RulesConfig | None = None) -> Windows:
        """The windows of ``year`` by the rules (the shipped ones: lists open from December
        1 before, 年初话 by March 31, 年中看 June to September, 年末评 December to January 31).

        >>> w = Windows.default(2019)
        >>> w.open_from, w.observe_to, w.review_by
        (datetime.date(2018, 12, 1), datetime.date(2019, 9, 30), datetime.date(2020, 1, 31))
        """
        days = {k: month_day((rules or load_rules()).get("cycle", k)) for k in CYCLE_WINDOWS}
        on = {k: date(year, *d) for k, d in days.items() if d is not None}
        if on["open_from"] > on["commit_by"]:
            on["open_from"] = on["open_from"].replace(year=year - 1)
        if on["review_by"] < on["review_from"]:
            on["review_by"] = on["review_by"].replace(year=year + 1)
        return cls(**on)

    @classmethod
    def kept(cls, attrs: Mapping[str, Any], year: int) -> Windows:
        """The windows stored on a list's ``attrs`` (the rules' for any not stored)."""
        default = cls.default(year)
        return cls(
            **{k: _date(attrs.get(k)) or getattr(default, k) for k in CYCLE_WINDOWS},
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class DutyStep:
    """One dated step of a duty: the state it moved to, who took it, what stood then."""

    state: DutyState
    on: date
    by: str | None
    commitment: str | None
    target: str | None
    due: date | None
    progress: int | None
    evidence: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Duty:
    """One duty of a list as it stands at a date (``steps``: its history to then)."""

    id: str
    list_id: str
    organization: str
    year: int
    state: DutyState
    source: str  # derived, manual or carried
    kind: str  # the gap kind, term_due, contact, pairing, weak_branch, manual
    subject: str | None
    text: str
    commitment: str | None
    target: str | None
    due: date | None
    progress: int | None
    evidence: str | None
    carried_from: str | None
    overdue: bool  # committed, due before the date, not done, the year not closed
    steps: tuple[DutyStep, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Question:
    """One question of the year-end questioning (质询) and its answer."""

    question: str
    answer: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ListStep:
    """One dated step of a list: its stage, its holder then, who took it."""

    stage: ListStage
    on: date
    by: str | None
    holder: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class DutyList:
    """A secretary's list of a year as it stands at a date."""

    id: str
    organization: str
    organization_name: str | None
    year: int
    stage: ListStage
    holder: str | None
    handed_from: str | None
    opened: date
    windows: Windows
    report: str | None
    questions: tuple[Question, ...]
    grade: ReviewGrade | None
    score: float | None
    duties: tuple[Duty, ...]
    steps: tuple[ListStep, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class CycleProgress:
    """One area's progress through a year (a row of the dashboard): how many lists and
    duties, how far each stage has come, the grades given."""

    organization: str
    name: str
    lists: int
    duties: int
    committed: int  # duties with a commitment (年初话)
    observed: int  # duties observed at least once (年中看)
    done: int
    overdue: int
    reported: int  # lists reported (述职)
    graded: int  # lists graded (评议)
    grades: dict[str, int]  # grade code → lists


@dataclass(frozen=True, kw_only=True, slots=True)
class Ranked:
    """One graded list of the year-end ranking (年末评议排名)."""

    rank: int  # 1 is best; lists equal in score and grade share a rank (1, 2, 2, 4)
    list: DutyList
    done: int  # duties done
    not_done: int  # duties not done


_REFS = {"organization": NodeKind.ORGANIZATION}
classify(Duty, result="internal", refs=_REFS)
classify(DutyStep, result="internal")
classify(Question, result="internal")
classify(ListStep, result="internal", refs={"holder": NodeKind.MEMBER})
classify(
    DutyList,
    result="internal",
    refs={**_REFS, "holder": NodeKind.MEMBER, "handed_from": NodeKind.MEMBER},
)
classify(CycleProgress, result="internal", refs=_REFS)
classify(Ranked, result="internal")


def list_id(year: int, organization: str) -> str:
    """The id of an organization's list of ``year``.

    >>> list_id(2019, "630102001")
    'dl-2019-630102001'
    """
    return f"dl-{year}-{organization}"


# -- reading ----------------------------------------------------------------------------


def cycle_columns(
    store: GraphStore, year: int, as_of: date, scope: Scope
) -> dict[tuple[str, str, str | None], tuple[str, str, str]]:
    """The printed list's three columns (年初话、年中看、年末评) from the kept lists at
    ``as_of``: for each duty, keyed by (the list's secretary, the duty's kind, its subject),
    the commitment, the latest observation and the year-end result; empty text where the
    stage has not come. A list with no secretary is left out (the printed list is by
    secretary).
    """
    out: dict[tuple[str, str, str | None], tuple[str, str, str]] = {}
    for kept in duty_lists(store, year, as_of, scope):
        if kept.holder is None:
            continue
        for duty in kept.duties:
            out[(kept.holder, duty.kind, duty.subject)] = stage_texts(kept, duty)
    return out


def stage_texts(kept: DutyList, duty: Duty) -> tuple[str, str, str]:
    """A duty's three printed columns (年初话、年中看、年末评): the commitment, the latest
    observation and the year-end result; empty text where the stage has not come."""
    graded = "" if kept.grade is None else f"评定{LABELS_ZH[kept.grade]}"
    start = f"{duty.commitment}；目标{duty.target}；{duty.due}前" if duty.commitment else ""
    mid = "" if duty.progress is None else f"进度{duty.progress}%：{duty.evidence or ''}"
    end = ""
    if duty.state in (DutyState.DONE, DutyState.NOT_DONE):
        end = f"{LABELS_ZH[duty.state]}；{graded}"
    return start, mid, end


def duty_list(
    store: GraphStore, list_ref: str, as_of: date, scope: Scope, *, history: bool = True
) -> DutyList:
    """The list ``list_ref`` at ``as_of`` with its duties (and, with ``history``, every
    step up to then). ``NotFound`` when there is none then, or the scope does not see it
    (the same answer for both)."""
    node = store.node(list_ref, as_of)
    if (
        node is None
        or node.kind is not NodeKind.DUTY_LIST
        or not scope.view(store, as_of).sees(node)
    ):
        raise NotFound(f"no responsibility list {list_ref!r} on {as_of}")
    return _lists(store, as_of, [node], history=history)[0]


def duty_lists(
    store: GraphStore,
    year: int,
    as_of: date,
    scope: Scope,
    *,
    holder: str | None = None,
    organizations: Iterable[str] | None = None,
    history: bool = False,
) -> list[DutyList]:
    """Every list of ``year`` the scope sees at ``as_of`` (of ``holder``, or of
    ``organizations``, when given), by organization id."""
    view = scope.view(store, as_of)
    ids = None
    if organizations is not None:
        ids = sorted(list_id(year, o) for o in organizations)
    nodes = [
        n
        for n in store.nodes(NodeKind.DUTY_LIST, as_of, ids=ids)
        if n.get("year") == year and (holder is None or n.get("holder") == holder)
    ]
    return _lists(store, as_of, view.filter(nodes), history=history)


#: The grades best first: the ranking's second key after the score.
GRADE_ORDER = (ReviewGrade.GOOD, ReviewGrade.FAIRLY_GOOD, ReviewGrade.AVERAGE, ReviewGrade.POOR)


def year_ranking(store: GraphStore, year: int, as_of: date, scope: Scope) -> list[Ranked]:
    """The year's graded lists the scope sees at ``as_of``, best first: by score (higher
    first; a list graded without a score comes after those with one), then by grade, then
    by organization id. Lists equal in score and grade share a rank, and the next rank
    skips as many (1, 2, 2, 4). Lists not graded yet are left out."""
    graded = [k for k in duty_lists(store, year, as_of, scope) if k.grade is not None]

    def key(k: DutyList) -> tuple[bool, float, int]:
        assert k.grade is not None
        return (k.score is None, -(k.score or 0.0), GRADE_ORDER.index(k.grade))

    out: list[Ranked] = []
    for place, kept in enumerate(sorted(graded, key=lambda k: (*key(k), k.organization)), 1):
        rank = out[-1].rank if out and key(out[-1].list) == key(kept) else place
        states = [d.state for d in kept.duties]
        out.append(
            Ranked(
                rank=rank,
                list=kept,
                done=states.count(DutyState.DONE),
                not_done=states.count(DutyState.NOT_DONE),
            )
        )
    return out


def cycle_dashboard(
    store: GraphStore, year: int, as_of: date, scope: Scope, *, level: Level = Level.COUNTY
) -> list[CycleProgress]:
    """Each area's progress through ``year`` at ``as_of``: one row per organization of
    ``level`` in scope (districts by default; ``Level.TOWNSHIP`` for townships), counting
    the lists of its subtree, then one row for the whole scope (id ``""``, 合计)."""
    view = scope.view(store, as_of)
    lists = [
        n for n in view.filter(store.nodes(NodeKind.DUTY_LIST, as_of)) if n.get("year") == year
    ]
    duties = [n for n in view.filter(store.nodes(NodeKind.DUTY, as_of)) if n.get("year") == year]
    orgs = {n.id: n for n in store.nodes(NodeKind.ORGANIZATION, as_of, ids=view.organizations)}
    areas = sorted(o for o, n in orgs.items() if n.get("level") == level.value)
    area_of: dict[str, str] = {}
    for area in areas:
        for org in store.subtree(area, as_of):
            area_of.setdefault(org, area)
    rows: dict[str, _Tally] = {a: _Tally() for a in areas}
    total = _Tally()
    for node in lists:
        org = str(node.get("organization"))
        for tally in (rows.get(area_of.get(org, "")), total):
            if tally is not None:
                tally.add_list(node)
    for node in duties:
        org = str(node.get("organization"))
        for tally in (rows.get(area_of.get(org, "")), total):
            if tally is not None:
                tally.add_duty(node, as_of)
    out = [rows[a].row(a, orgs[a].name) for a in areas]
    out.append(total.row("", "合计"))
    return out


@dataclass(kw_only=True, slots=True)
class _Tally:
    lists: int = 0
    duties: int = 0
    committed: int = 0
    observed: int = 0
    done: int = 0
    overdue: int = 0
    reported: int = 0
    graded: int = 0
    grades: dict[str, int] = field(default_factory=dict)

    def add_list(self, node: Node) -> None:
        self.lists += 1
        stage = node.get("stage")
        self.reported += stage in (ListStage.REPORTED, ListStage.GRADED)
        if stage == ListStage.GRADED:
            self.graded += 1
            grade = str(node.get("grade"))
            self.grades[grade] = self.grades.get(grade, 0) + 1

    def add_duty(self, node: Node, as_of: date) -> None:
        self.duties += 1
        state = node.get("state")
        self.committed += node.get("commitment") is not None
        self.observed += node.get("progress") is not None
        self.done += state == DutyState.DONE
        self.overdue += _overdue(node, as_of)

    def row(self, organization: str, name: str) -> CycleProgress:
        order = {g.value: i for i, g in enumerate(ReviewGrade)}
        return CycleProgress(
            organization=organization,
            name=name,
            lists=self.lists,
            duties=self.duties,
            committed=self.committed,
            observed=self.observed,
            done=self.done,
            overdue=self.overdue,
            reported=self.reported,
            graded=self.graded,
            grades=dict(sorted(self.grades.items(), key=lambda kv: order.get(kv[0], 9))),
        )


def _overdue(node: Node, as_of: date) -> bool:
    due = _date(node.get("due"))
    state = node.get("state")
    return (
        due is not None
        and due < as_of
        and state in (DutyState.COMMITTED, DutyState.OBSERVED)
        and (node.get("progress") or 0) < 100
    )


def _lists(
    store: GraphStore, as_of: date, nodes: Sequence[Node], *, history: bool
) -> list[DutyList]:
    if not nodes:
        return []
    keys = {n.id for n in nodes}
    duties: dict[str, list[Node]] = {k: [] for k in keys}
    orgs = sorted({str(n.get("organization")) for n in nodes})
    for duty in store.nodes(NodeKind.DUTY, as_of):
        bucket = duties.get(str(duty.get("list")))
        if bucket is not None:
            bucket.append(duty)
    names = {o.id: o.name for o in store.nodes(NodeKind.ORGANIZATION, as_of, ids=orgs)}
    # The lists' own versions always (the day each was opened: a few ms for a city); the
    # duties' only with the history.
    versions = store.node_versions(
        [*keys, *(d.id for ds in duties.values() for d in ds)] if history else keys
    )
    out = [
        _list(
            node,
            sorted(duties[node.id], key=lambda d: d.id),
            as_of,
            names.get(str(node.get("organization"))),
            versions,
            history=history,
        )
        for node in nodes
    ]
    return sorted(out, key=lambda x: (x.organization, x.id))


def _list(
    node: Node,
    duties: list[Node],
    as_of: date,
    org_name: str | None,
    versions: dict[str, list[Node]],
    *,
    history: bool,
) -> DutyList:
    attrs = node.attrs
    year = int(attrs["year"])
    windows = Windows.kept(attrs, year)
    past = _upto(versions.get(node.id, [node]), as_of)
    steps = tuple(
        ListStep(
            stage=ListStage(v.get("stage")), on=v.valid_from, by=v.get("by"), holder=v.get("holder")
        )
        for v in past
    )
    if not history:
        steps = ()
    grade = attrs.get("grade")
    score = attrs.get("score")
    return DutyList(
        id=node.id,
        organization=str(attrs["organization"]),
        organization_name=org_name,
        year=year,
        stage=ListStage(attrs["stage"]),
        holder=attrs.get("holder"),
        handed_from=attrs.get("handed_from"),
        opened=past[0].valid_from if past else node.valid_from,
        windows=windows,
        report=attrs.get("report"),
        questions=tuple(
            Question(question=str(q.get("question", "")), answer=str(q.get("answer", "")))
            for q in attrs.get("questions") or ()
            if isinstance(q, dict)
        ),
        grade=None if grade is None else ReviewGrade(grade),
        score=None if score is None else float(score),
        duties=tuple(duty_of(d, as_of, versions.get(d.id, []) if history else ()) for d in duties),
        steps=steps,
    )


def duty_of(node: Node, as_of: date, history: Sequence[Node] = ()) -> Duty:
    """The ``Duty`` a ``duty`` node's version stands for at ``as_of``."""
    attrs: dict[str, Any] = dict(node.attrs)
    steps = tuple(
        DutyStep(
            state=DutyState(v.get("state")),
            on=v.valid_from,
            by=v.get("by"),
            commitment=v.get("commitment"),
            target=v.get("target"),
            due=_date(v.get("due")),
            progress=v.get("progress"),
            evidence=v.get("evidence"),
        )
        for v in _upto(history, as_of)
    )
    return Duty(
        id=node.id,
        list_id=str(attrs["list"]),
        organization=str(attrs["organization"]),
        year=int(attrs["year"]),
        state=DutyState(attrs["state"]),
        source=str(attrs.get("source") or "derived"),
        kind=str(attrs.get("duty_kind") or "manual"),
        subject=attrs.get("subject"),
        text=str(attrs.get("text") or node.name),
        commitment=attrs.get("commitment"),
        target=attrs.get("target"),
        due=_date(attrs.get("due")),
        progress=attrs.get("progress"),
        evidence=attrs.get("evidence"),
        carried_from=attrs.get("carried_from"),
        overdue=_overdue(node, as_of),
        steps=steps,
    )


def _upto(versions: Iterable[Node], as_of: date) -> list[Node]:
    return sorted((v for v in versions if v.valid_from <= as_of), key=lambda v: v.valid_from)


def _date(raw: object) -> date | None:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    return None
