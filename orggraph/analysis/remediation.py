"""Remediation cases (整顿转化): the case that turns a weak branch around, step by step.

A case is a ``case`` node; each step is a new version of it (the old version is closed
at the step's date, so the versions are the case's history). The states::

    identified ──> rectifying ──> under_review ──> converted (struck off the list)
    已认定          整顿中    ^     验收中      │
                              │                └──> extended ──> rectifying | under_review
                              └──────────────────── 延期整顿

No step may skip the review (rectifying → converted), and nothing leaves ``converted``:
``InvalidTransition`` says which moves the current state allows. A step also needs what
it stands on: ``rectifying`` a responsible leader and a deadline; ``under_review`` the
evidence (佐证材料) of this step; ``extended`` a deadline later than the current one.
Steps are dated, one a day at most, each after the last.

A case is **overdue** at a date when its deadline is before that date and it is not
converted; **stalled** when not converted and no step was taken for more than
``[remediation] stalled_days`` days.
"""

from __future__ import annotations

__all__ = [
    "TRANSITIONS",
    "Case",
    "CaseStep",
    "open_case",
    "overdue_cases",
    "remediation_cases",
    "stalled_cases",
    "transition",
]

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from orggraph.analysis.config import RulesConfig, load_rules
from orggraph.analysis.weak import evaluate_branch
from orggraph.errors import ConfigError, InvalidTransition, Problem, ValidationFailed
from orggraph.model import CaseState, Node, NodeKind, WriteBatch, label, parse_enum
from orggraph.store.base import GraphStore
from orggraph.store.masking import CASE_RESULT, CASE_STEP_RESULT, declare
from orggraph.store.policy import check_write, denied, unseen, visible_node
from orggraph.store.scope import Scope

#: The states each state may move to.
TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    CaseState.IDENTIFIED: frozenset({CaseState.RECTIFYING}),
    CaseState.RECTIFYING: frozenset({CaseState.UNDER_REVIEW}),
    CaseState.UNDER_REVIEW: frozenset({CaseState.CONVERTED, CaseState.EXTENDED}),
    CaseState.EXTENDED: frozenset({CaseState.RECTIFYING, CaseState.UNDER_REVIEW}),
    CaseState.CONVERTED: frozenset(),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class CaseStep:
    """One dated step of a case: the state it moved to and what stood then."""

    state: CaseState
    on: date
    responsible: str | None  # member id of the responsible leader
    partner: str | None  # organization id of the paired partner
    deadline: date | None
    evidence: str | None  # the evidence given at this step


@dataclass(frozen=True, kw_only=True, slots=True)
class Case:
    """A remediation case as it stands at a date, with its steps up to that date."""

    id: str
    organization: str
    organization_name: str | None
    state: CaseState
    reasons: tuple[str, ...]
    responsible: str | None
    partner: str | None
    deadline: date | None
    opened: date
    last_step: date
    steps: tuple[CaseStep, ...]
    days_since_step: int
    days_overdue: int  # days past the deadline, 0 when not overdue (or converted)


# What a case and its steps expose: the case node's own fields, with their classifications.
declare(Case, CASE_RESULT)
declare(CaseStep, CASE_STEP_RESULT)


def remediation_cases(
    store: GraphStore,
    as_of: date,
    scope: Scope,
    state: CaseState | str | None = None,
) -> list[Case]:
    """Every case in ``scope`` at ``as_of`` (of ``state`` when given), with its steps.

    Sorted by organization id, then case id.
    """
    wanted = None if state is None else _state(state)
    view = scope.view(store, as_of)
    nodes = [n for n in store.nodes(NodeKind.CASE, as_of) if view.sees(n)]
    if wanted is not None:
        nodes = [n for n in nodes if _state(n.get("state")) is wanted]
    return _cases(store, as_of, nodes)


def overdue_cases(store: GraphStore, as_of: date, scope: Scope) -> list[Case]:
    """Cases whose deadline is before ``as_of`` and that are not converted; most late first."""
    late = [c for c in remediation_cases(store, as_of, scope) if c.days_overdue > 0]
    return sorted(late, key=lambda c: (-c.days_overdue, c.organization, c.id))


def stalled_cases(
    store: GraphStore,
    as_of: date,
    scope: Scope,
    *,
    days: int | None = None,
    rules: RulesConfig | None = None,
) -> list[Case]:
    """Cases not converted with no step for more than ``days`` days (default
    ``[remediation] stalled_days``); longest idle first."""
    if days is None:
        config = rules or load_rules()
        days = config.get("remediation", "stalled_days")
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ConfigError(
                f"rules ({config.source}): [remediation] stalled_days = {days!r}; "
                "expected a whole number ≥ 0"
            )
    idle = [
        c
        for c in remediation_cases(store, as_of, scope)
        if c.state is not CaseState.CONVERTED and c.days_since_step > days
    ]
    return sorted(idle, key=lambda c: (-c.days_since_step, c.organization, c.id))


def open_case(
    store: GraphStore,
    organization: str,
    on: date,
    *,
    actor: str,
    reasons: Sequence[str] | None = None,
    responsible: str | None = None,
    partner: str | None = None,
    deadline: date | None = None,
    scope: Scope | None = None,
    rules: RulesConfig | None = None,
) -> Case:
    """Open a case for a weak organization on ``on`` (state ``identified``).

    ``reasons`` default to the weak-branch rules the organization fails on ``on``. An
    organization has at most one case not yet converted; a second is refused with
    ``ValidationFailed``. ``NotFound`` when the organization, the responsible leader or the
    partner does not exist on ``on`` or is outside ``scope`` (the same answer for both,
    audited: ``orggraph.store.policy``).
    """
    scope = scope or Scope()
    action = "openCase"
    org = visible_node(
        store, scope, organization, NodeKind.ORGANIZATION, on, actor=actor, action=action
    )
    refs = {"responsible": responsible, "partner": partner, "organization": organization}
    probe = Node(
        id=_new_id(store, organization, on),
        kind=NodeKind.CASE,
        name=f"{org.name}整顿转化",
        valid_from=on,
        attrs={k: v for k, v in refs.items() if v is not None},
    )
    check_write(store, WriteBatch(nodes=(probe,), effective=on), scope, actor=actor, action=action)
    problems = _check_refs(store, on, responsible, partner)
    if deadline is not None and deadline <= on:
        problems.append(_problem("case-deadline", "deadline", deadline, f"must be after {on}"))
    for node in store.nodes(NodeKind.CASE, on):
        if node.get("organization") == organization and (
            _state(node.get("state")) is not CaseState.CONVERTED
        ):
            problems.append(
                _problem(
                    "one-open-case",
                    "organization",
                    organization,
                    f"already has the open case {node.id!r} "
                    f"({label(_state(node.get('state')))}); convert it first",
                )
            )
    if problems:
        raise ValidationFailed(problems)
    if reasons is None:
        reasons = [f.rule for f in evaluate_branch(store, organization, on, Scope(), rules=rules)]
    case_id = probe.id
    attrs: dict[str, Any] = {
        "organization": organization,
        "state": CaseState.IDENTIFIED.value,
        "reasons": list(reasons),
        "responsible": responsible,
        "partner": partner,
        "deadline": deadline,
    }
    node = Node(
        id=case_id,
        kind=NodeKind.CASE,
        name=probe.name,
        valid_from=on,
        attrs={k: v for k, v in attrs.items() if v is not None},
    )
    store.write(WriteBatch(nodes=(node,), effective=on), actor=actor)
    return _cases(store, on, [node])[0]


def transition(
    store: GraphStore,
    case_id: str,
    to_state: CaseState | str,
    on: date,
    *,
    actor: str,
    responsible: str | None = None,
    partner: str | None = None,
    deadline: date | None = None,
    evidence: str | None = None,
    scope: Scope | None = None,
) -> Case:
    """Move a case to ``to_state`` on ``on``: close its current version, open a new one.

    ``responsible``, ``partner`` and ``deadline`` carry over from the last step unless
    given; ``evidence`` belongs to this step only. Raises ``InvalidTransition`` for a move
    the current state does not allow, ``ValidationFailed`` for a step missing what it
    needs or dated on or before the last step, ``NotFound`` for an unknown case, leader or
    partner (or one outside ``scope``: the same answer, audited: ``orggraph.store.policy``).
    """
    target = _state(to_state)
    scope = scope or Scope()
    action = "transitionCase"
    view = None if scope.unrestricted else scope.view(store, on)
    history = store.node_versions([case_id]).get(case_id, [])
    history = [v for v in history if v.kind is NodeKind.CASE]
    current = max(history, key=lambda v: v.valid_from) if history else None
    if current is None or (view is not None and not view.sees(current)):
        error = unseen(case_id, NodeKind.CASE, on)
        if view is None:
            raise error
        raise denied(store, error, actor=actor, action=action, reason="not-visible", ids=[case_id])
    if current.valid_to is not None:
        raise InvalidTransition(f"case {case_id!r} was closed on {current.valid_to}")
    state = _state(current.get("state"))
    if target not in TRANSITIONS[state]:
        allowed = ", ".join(f"{s.value} ({label(s)})" for s in _ordered(TRANSITIONS[state]))
        raise InvalidTransition(
            f"case {case_id!r} is {state.value} ({label(state)}); it cannot move to "
            f"{target.value} ({label(target)}); allowed: {allowed or 'none (final state)'}"
        )
    problems = []
    if on <= current.valid_from:
        problems.append(
            _problem(
                "case-step-order",
                "on",
                on,
                f"case {case_id!r} took its last step on {current.valid_from}; "
                "a new step must be dated after it",
            )
        )
    refs = {"responsible": responsible, "partner": partner}
    probe = Node(
        id=case_id,
        kind=NodeKind.CASE,
        name=current.name,
        valid_from=on,
        attrs={**current.attrs, **{k: v for k, v in refs.items() if v is not None}},
    )
    check_write(store, WriteBatch(nodes=(probe,), effective=on), scope, actor=actor, action=action)
    problems += _check_refs(store, on, responsible, partner)
    old_deadline = current.get("deadline")
    if deadline is not None and deadline <= on:
        problems.append(_problem("case-deadline", "deadline", deadline, f"must be after {on}"))
    new = dict(current.attrs)
    new["state"] = target.value
    new.pop("evidence", None)
    for key, value in (("responsible", responsible), ("partner", partner), ("deadline", deadline)):
        if value is not None:
            new[key] = value
    if evidence is not None:
        new["evidence"] = evidence
    if target is CaseState.RECTIFYING:
        for key, what in (("responsible", "a responsible leader"), ("deadline", "a deadline")):
            if new.get(key) is None:
                problems.append(_problem("case-step-needs", key, None, f"rectifying needs {what}"))
    if target is CaseState.UNDER_REVIEW and not evidence:
        problems.append(
            _problem("case-step-needs", "evidence", None, "under_review needs the evidence")
        )
    if target is CaseState.EXTENDED and (
        deadline is None or (isinstance(old_deadline, date) and deadline <= old_deadline)
    ):
        problems.append(
            _problem(
                "case-step-needs",
                "deadline",
                deadline,
                f"extended needs a deadline later than the current {old_deadline}",
            )
        )
    if problems:
        raise ValidationFailed(problems)
    node = Node(id=case_id, kind=NodeKind.CASE, name=current.name, valid_from=on, attrs=new)
    store.write(WriteBatch(nodes=(node,), effective=on), actor=actor)
    return _cases(store, on, [node])[0]


# -- reading cases ------------------------------------------------------------------------


def _state(raw: object) -> CaseState:
    if isinstance(raw, CaseState):
        return raw
    try:
        return parse_enum(CaseState, str(raw))
    except ValueError as exc:
        raise InvalidTransition(str(exc)) from exc


def _ordered(states: Iterable[CaseState]) -> list[CaseState]:
    order = list(CaseState)
    return sorted(states, key=order.index)


def _cases(store: GraphStore, as_of: date, nodes: list[Node]) -> list[Case]:
    ids = [n.id for n in nodes]
    histories = store.node_versions(ids)
    org_ids = {str(n.get("organization")) for n in nodes}
    names = {o.id: o.name for o in store.nodes(NodeKind.ORGANIZATION, as_of, ids=org_ids)}
    out = [
        _case(node, histories.get(node.id, [node]), as_of, names.get(str(node.get("organization"))))
        for node in nodes
    ]
    out.sort(key=lambda c: (c.organization, c.id))
    return out


def _case(node: Node, history: Sequence[Node], as_of: date, org_name: str | None) -> Case:
    versions = sorted((v for v in history if v.valid_from <= as_of), key=lambda v: v.valid_from)
    steps = tuple(
        CaseStep(
            state=_state(v.get("state")),
            on=v.valid_from,
            responsible=v.get("responsible"),
            partner=v.get("partner"),
            deadline=_date(v.get("deadline")),
            evidence=v.get("evidence"),
        )
        for v in versions
    )
    state = _state(node.get("state"))
    deadline = _date(node.get("deadline"))
    late = (
        (as_of - deadline).days
        if deadline is not None and deadline < as_of and state is not CaseState.CONVERTED
        else 0
    )
    return Case(
        id=node.id,
        organization=str(node.get("organization")),
        organization_name=org_name,
        state=state,
        reasons=tuple(str(r) for r in node.get("reasons") or ()),
        responsible=node.get("responsible"),
        partner=node.get("partner"),
        deadline=deadline,
        opened=steps[0].on if steps else node.valid_from,
        last_step=node.valid_from,
        steps=steps,
        days_since_step=(as_of - node.valid_from).days,
        days_overdue=late,
    )


def _date(raw: object) -> date | None:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    return None


# -- writing cases ------------------------------------------------------------------------


def _problem(rule: str, column: str, value: object, message: str) -> Problem:
    return Problem(
        rule=rule,
        column=column,
        value=None if value is None else str(value),
        message=f"{column}: {message}",
    )


def _check_refs(
    store: GraphStore, on: date, responsible: str | None, partner: str | None
) -> list[Problem]:
    problems: list[Problem] = []
    refs: Mapping[str, tuple[str | None, NodeKind]] = {
        "responsible": (responsible, NodeKind.MEMBER),
        "partner": (partner, NodeKind.ORGANIZATION),
    }
    for column, (ref, kind) in refs.items():
        if ref is None:
            continue
        node = store.node(ref, on)
        if node is None or node.kind is not kind:
            problems.append(
                _problem("case-reference", column, ref, f"{ref!r} is not a {kind.value} on {on}")
            )
    return problems


def _new_id(store: GraphStore, organization: str, on: date) -> str:
    """``case-<organization>-<yyyymmdd>``, with ``-2``, ``-3``… when a case that day exists."""
    base = f"case-{organization}-{on:%Y%m%d}"
    names = [base, *(f"{base}-{i}" for i in range(2, 100))]
    taken = store.node_versions(names)
    return next(name for name in names if name not in taken)
