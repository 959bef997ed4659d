"""``orggraph cases``: remediation cases (整顿转化), listed, opened and moved on.

::

    orggraph cases --state rectifying --scope 630102      # the list (整顿中)
    orggraph cases --overdue                               # deadline passed, not converted
    orggraph cases --stalled --days 90                     # no step for more than 90 days
    orggraph cases --history                               # with every step
    orggraph cases open 630102001001 --on 2019-03-01 --responsible m0000123 --deadline 2019-09-30
    orggraph cases transition case-630102001001-20190301 rectifying --on 2019-03-10
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import click

from orggraph.analysis.remediation import (
    Case,
    CaseStep,
    open_case,
    overdue_cases,
    remediation_cases,
    stalled_cases,
    transition,
)
from orggraph.analysis.weak import RULES
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import DATE, analysis_options, as_of_for, echo_json, make_scope
from orggraph.cli.tables import Heading, count_line, echo_line, render_table
from orggraph.cli.weak import rules_of, rules_option
from orggraph.model import CaseState, NodeKind, label, parse_enum
from orggraph.store.base import GraphStore
from orggraph.store.masking import hidden_text, hide_unseen

__all__ = ["case_names", "command", "print_cases"]

_CASE_HEADERS: list[Heading] = [
    ("案例", "case"),
    ("整顿对象", "organization"),
    ("状态", "state"),
    ("原因", "reasons"),
    ("责任领导", "responsible"),
    ("结对党组织", "partner"),
    ("期限", "deadline"),
    ("最近一步", "last step"),
    ("逾期", "overdue"),
]
_STEP_HEADERS: list[Heading] = [
    ("日期", "date"),
    ("状态", "state"),
    ("责任领导", "responsible"),
    ("结对党组织", "partner"),
    ("期限", "deadline"),
    ("佐证材料", "evidence"),
]


def _state_text(state: CaseState) -> str:
    return f"{label(state)}({state.value})"


def case_names(store: GraphStore, cases: Iterable[Case], as_of: date) -> dict[str, str]:
    """The names of the leaders and partners ``cases`` refer to (in any of their steps),
    by id, at ``as_of`` (a name that ended before then: its latest version's)."""
    people: set[str] = set()
    partners: set[str] = set()
    for case in cases:
        items: list[Case | CaseStep] = [case, *case.steps]
        for item in items:
            if item.responsible:
                people.add(item.responsible)
            if item.partner:
                partners.add(item.partner)
    names: dict[str, str] = {}
    for kind, ids in ((NodeKind.MEMBER, people), (NodeKind.ORGANIZATION, partners)):
        if not ids:
            continue
        names.update({n.id: n.name for n in store.nodes(kind, as_of, ids=ids)})
        for node_id, versions in store.node_versions(ids - names.keys()).items():
            if versions:
                names[node_id] = versions[-1].name
    return names


def _ref(given: str | None, shown: str | None, names: dict[str, str]) -> str:
    """A case's responsible leader or partner: ``name(id)``, or the hidden shape outside
    the scope (``shown`` is ``None`` where ``hide_unseen`` hid it)."""
    if given is None:
        return ""
    if shown is None:
        return hidden_text()
    name = names.get(shown)
    return f"{name}({shown})" if name else shown


def print_cases(
    cases: list[Case],
    title: str,
    *,
    history: bool = False,
    shown: list[Case] | None = None,
    names: dict[str, str] | None = None,
) -> None:
    """Cases as a readable Chinese table (and their steps when ``history``); ``shown`` the
    same cases with references outside the scope hidden (``hide_unseen``), ``names`` the
    names of the people and partners they refer to (``case_names``)."""
    echo_line(f"{title}：{count_line(len(cases), '', 'cases', unit='件')}")
    if not cases:
        return
    names = names or {}
    visible = {c.id: c for c in (shown if shown is not None else cases)}
    rows = [
        [
            c.id,
            f"{c.organization_name or ''}({c.organization})",
            _state_text(c.state),
            "、".join(RULES[r][0] if r in RULES else r for r in c.reasons),
            _ref(c.responsible, visible[c.id].responsible, names),
            _ref(c.partner, visible[c.id].partner, names),
            c.deadline.isoformat() if c.deadline else "",
            c.last_step.isoformat(),
            f"逾期{c.days_overdue}天" if c.days_overdue else "",
        ]
        for c in cases
    ]
    click.echo(render_table(_CASE_HEADERS, rows))
    if history:
        for c in cases:
            click.echo(f"\n{c.id} 的历程 (steps)：")
            steps = [
                [
                    s.on.isoformat(),
                    _state_text(s.state),
                    _ref(s.responsible, v.responsible, names),
                    _ref(s.partner, v.partner, names),
                    s.deadline.isoformat() if s.deadline else "",
                    s.evidence or "",
                ]
                for s, v in zip(c.steps, visible[c.id].steps, strict=True)
            ]
            click.echo(render_table(_STEP_HEADERS, steps))


def _parse_state(ctx: click.Context, param: click.Parameter, value: str | None) -> CaseState | None:
    if value is None:
        return None
    try:
        return parse_enum(CaseState, value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc


_ACTOR = click.option(
    "--actor", default="cli", show_default=True, help="Who does this (kept in the audit trail)"
)


@click.group(name="cases", invoke_without_command=True)
@store_option
@click.option(
    "--state",
    default=None,
    callback=_parse_state,
    help="Only cases in this state (code or Chinese label): "
    + ", ".join(f"{s.value}/{label(s)}" for s in CaseState),
)
@click.option("--overdue", is_flag=True, help="Only cases past their deadline, not converted")
@click.option("--stalled", is_flag=True, help="Only cases with no step for too long")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="With --stalled: idle days allowed (default [remediation] stalled_days)",
)
@click.option("--history", is_flag=True, help="Show every step of each case")
@rules_option
@analysis_options
@pass_app
@click.pass_context
def command(
    ctx: click.Context,
    app: AppContext,
    state: CaseState | None,
    overdue: bool,
    stalled: bool,
    days: int | None,
    history: bool,
    rules_path: str | None,
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """Remediation cases (整顿转化): list them, or `open` / `transition` one."""
    if ctx.invoked_subcommand is not None:
        return
    when = as_of_for(app.store(), as_of)
    scope = make_scope(scope_roots, sectors)
    store = app.store()
    if stalled:
        cases = stalled_cases(store, when, scope, days=days, rules=rules_of(app, rules_path))
        title = "停滞的整顿转化案例 stalled remediation cases"
    elif overdue:
        cases = overdue_cases(store, when, scope)
        title = "逾期的整顿转化案例 overdue remediation cases"
    else:
        cases = remediation_cases(store, when, scope)
        title = "整顿转化案例 remediation cases"
    if overdue and stalled:
        late = {c.id for c in overdue_cases(store, when, scope)}
        cases = [c for c in cases if c.id in late]
        title = "逾期且停滞的整顿转化案例 overdue and stalled remediation cases"
    if state is not None:
        cases = [c for c in cases if c.state is state]
        title += f"（{label(state)} {state.value}）"
    shown = hide_unseen(cases, scope.view(store, when))
    if as_json:
        echo_json(shown)  # as GraphQL gives them: a reference outside the scope is null
    else:
        print_cases(
            cases,
            f"{title}，截至 {when.isoformat()}",
            history=history,
            shown=shown,
            names=case_names(store, shown, when),
        )


@command.command(name="open")
@store_option
@click.argument("organization")
@click.option("--on", "on", type=DATE, required=True, help="Date the case is opened")
@click.option(
    "--reason",
    "reasons",
    multiple=True,
    help="A reason (default: the weak-branch rules it fails on that date); repeatable",
)
@click.option("--responsible", default=None, help="Member id of the responsible leader")
@click.option("--partner", default=None, help="Organization id of the paired partner")
@click.option("--deadline", type=DATE, default=None, help="Deadline of the remediation")
@_ACTOR
@rules_option
@click.option("--json", "as_json", is_flag=True, help="Print the case as JSON")
@pass_app
def open_command(
    app: AppContext,
    organization: str,
    on: date,
    reasons: tuple[str, ...],
    responsible: str | None,
    partner: str | None,
    deadline: date | None,
    actor: str,
    rules_path: str | None,
    as_json: bool,
) -> None:
    """Open a remediation case for ORGANIZATION (state identified / 已认定)."""
    case = open_case(
        app.store(),
        organization,
        on,
        actor=actor,
        reasons=list(reasons) or None,
        responsible=responsible,
        partner=partner,
        deadline=deadline,
        rules=rules_of(app, rules_path),
    )
    if as_json:
        echo_json(case)
    else:
        names = case_names(app.store(), [case], on)
        print_cases([case], f"已立案 case opened，{on.isoformat()}", names=names)


@command.command(name="transition")
@store_option
@click.argument("case_id", metavar="CASE")
@click.argument("to_state", metavar="STATE", callback=_parse_state)
@click.option("--on", "on", type=DATE, required=True, help="Date of the step")
@click.option("--responsible", default=None, help="Member id of the responsible leader")
@click.option("--partner", default=None, help="Organization id of the paired partner")
@click.option("--deadline", type=DATE, default=None, help="New deadline")
@click.option("--evidence", default=None, help="Evidence of this step (佐证材料)")
@_ACTOR
@click.option("--json", "as_json", is_flag=True, help="Print the case as JSON")
@pass_app
def transition_command(
    app: AppContext,
    case_id: str,
    to_state: CaseState,
    on: date,
    responsible: str | None,
    partner: str | None,
    deadline: date | None,
    evidence: str | None,
    actor: str,
    as_json: bool,
) -> None:
    """Move CASE to STATE on a date: rectifying, under_review, converted, extended."""
    case = transition(
        app.store(),
        case_id,
        to_state,
        on,
        actor=actor,
        responsible=responsible,
        partner=partner,
        deadline=deadline,
        evidence=evidence,
    )
    if as_json:
        echo_json(case)
    else:
        names = case_names(app.store(), [case], on)
        print_cases(
            [case],
            f"已转入“{label(case.state)}” moved to {case.state.value}，{on.isoformat()}",
            history=True,
            names=names,
        )
