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

from datetime import date

import click

from orggraph.analysis.remediation import (
    Case,
    open_case,
    overdue_cases,
    remediation_cases,
    stalled_cases,
    transition,
)
from orggraph.analysis.weak import RULES
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import DATE, analysis_options, echo_json, make_scope
from orggraph.cli.chain import render_table
from orggraph.cli.weak import rules_of, rules_option
from orggraph.model import CaseState, label, parse_enum
from orggraph.store.masking import hidden_text, hide_unseen

__all__ = ["command", "print_cases"]


def _state_text(state: CaseState) -> str:
    return f"{label(state)}({state.value})"


def _ref(given: str | None, shown: str | None) -> str:
    """A case's responsible leader or partner: its id, or the hidden shape outside the scope."""
    if given is None:
        return ""
    return hidden_text() if shown is None else shown


def print_cases(
    cases: list[Case], title: str, *, history: bool = False, shown: list[Case] | None = None
) -> None:
    """Cases as a readable Chinese table (and their steps when ``history``); ``shown`` the
    same cases with references outside the scope hidden (``hide_unseen``)."""
    click.echo(f"{title}：共 {len(cases)} 件")
    if not cases:
        return
    visible = {c.id: c for c in (shown if shown is not None else cases)}
    rows = [
        [
            c.id,
            f"{c.organization_name or ''}({c.organization})",
            _state_text(c.state),
            "、".join(RULES[r][0] if r in RULES else r for r in c.reasons),
            _ref(c.responsible, visible[c.id].responsible),
            _ref(c.partner, visible[c.id].partner),
            c.deadline.isoformat() if c.deadline else "",
            c.last_step.isoformat(),
            f"逾期{c.days_overdue}天" if c.days_overdue else "",
        ]
        for c in cases
    ]
    headers = ["案例", "整顿对象", "状态", "原因", "责任领导", "结对党组织", "期限", "最近一步"]
    click.echo(render_table([*headers, "逾期"], rows))
    if history:
        for c in cases:
            click.echo(f"\n{c.id} 的历程：")
            steps = [
                [
                    s.on.isoformat(),
                    _state_text(s.state),
                    _ref(s.responsible, v.responsible),
                    _ref(s.partner, v.partner),
                    s.deadline.isoformat() if s.deadline else "",
                    s.evidence or "",
                ]
                for s, v in zip(c.steps, visible[c.id].steps, strict=True)
            ]
            click.echo(
                render_table(["日期", "状态", "责任领导", "结对党组织", "期限", "佐证材料"], steps)
            )


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
    when = as_of or date.today()
    scope = make_scope(scope_roots, sectors)
    store = app.store()
    if stalled:
        cases = stalled_cases(store, when, scope, days=days, rules=rules_of(app, rules_path))
        title = "停滞的整顿转化案例"
    elif overdue:
        cases = overdue_cases(store, when, scope)
        title = "逾期的整顿转化案例"
    else:
        cases = remediation_cases(store, when, scope)
        title = "整顿转化案例"
    if overdue and stalled:
        late = {c.id for c in overdue_cases(store, when, scope)}
        cases = [c for c in cases if c.id in late]
        title = "逾期且停滞的整顿转化案例"
    if state is not None:
        cases = [c for c in cases if c.state is state]
        title += f"（{label(state)}）"
    shown = hide_unseen(cases, scope.view(store, when))
    if as_json:
        echo_json(shown)  # as GraphQL gives them: a reference outside the scope is null
    else:
        print_cases(cases, f"{title}，截至 {when.isoformat()}", history=history, shown=shown)


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
        print_cases([case], f"已立案，{on.isoformat()}")


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
        print_cases([case], f"已转入“{label(case.state)}”，{on.isoformat()}", history=True)
