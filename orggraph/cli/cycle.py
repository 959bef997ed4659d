"""``orggraph cycle``: the year of the responsibility lists (年初话、年中看、年末评).

::

    orggraph cycle open 2019 --scope 630100 --on 2019-01-10           # freeze the lists
    orggraph cycle show 2019 --scope 630102 --as-of 2019-06-30        # the dashboard
    orggraph cycle show 2019 --list dl-2019-630102001                 # one list, with history
    orggraph cycle commit du-2019-630102001-001 --on 2019-02-15 \\
        --what "每季度指导一次" --target "4次" --due 2019-12-15 --as t-secretary
    orggraph cycle observe du-2019-630102001-001 --on 2019-06-20 --progress 50 --evidence "…"
    orggraph cycle add dl-2019-630102001 --on 2019-02-01 --text "办好新时代讲习所"
    orggraph cycle handover dl-2019-630102001 --on 2019-07-02
    orggraph cycle handovers 2019 --scope 630102 --on 2019-07-02      # every list that changed
    orggraph cycle report dl-2019-630102001 --on 2019-12-10 --text "述职报告…"
    orggraph cycle grade dl-2019-630102001 --on 2019-12-20 --grade 较好 --score 85 \\
        --question "问…" --answer "答…"
    orggraph cycle link t-secretary m000123                            # account → member

Every step runs as an account (``--as NAME``: its role, scope and linked member decide
what it may do) or, without one, as a local administrator named by ``--actor``.
"""

from __future__ import annotations

from datetime import date

import click

from orggraph.analysis.config import load_rules
from orggraph.analysis.cycle import (
    CycleActor,
    DutyList,
    cycle_dashboard,
    duty_list,
)
from orggraph.analysis.cycle_open import add_duty, hand_over, hand_over_all, open_year
from orggraph.analysis.cycle_steps import commit, grade, observe, report
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import DATE, analysis_options, as_of_for, echo_json, make_scope
from orggraph.cli.progress import progress_bar
from orggraph.cli.tables import Heading, render_table
from orggraph.cli.user import check_member
from orggraph.model import Level, NodeKind, ReviewGrade, label
from orggraph.store.accounts import account_store

__all__ = ["command"]

_BOARD: list[Heading] = [
    ("地区", "area"),
    ("清单", "lists"),
    ("事项", "duties"),
    ("已承诺", "committed"),
    ("已观摩", "observed"),
    ("已完成", "done"),
    ("逾期", "overdue"),
    ("已述职", "reported"),
    ("已评定", "graded"),
    ("等次", "grades"),
]
_DUTIES: list[Heading] = [
    ("事项", "duty"),
    ("内容", "text"),
    ("状态", "state"),
    ("年初话", "commitment"),
    ("年中看", "observed"),
    ("时限", "due"),
]

_ACTOR = click.option(
    "--actor", default="cli", show_default=True, help="Who does this (kept in the audit trail)"
)
_AS = click.option(
    "--as",
    "account",
    default=None,
    help="Act as this account: its role, scope and linked member decide what it may do",
)


def _actor(app: AppContext, actor: str, account: str | None) -> CycleActor:
    if account is None:
        return CycleActor(name=actor, role="admin")
    accounts = account_store(app.store())
    found = accounts.require(account)
    return CycleActor(
        name=found.name, role=found.role, member=accounts.member_of(found.name), scope=found.scope
    )


@click.group(name="cycle")
def command() -> None:
    """年初话、年中看、年末评: open a year's lists, commit, observe, report, grade."""


@command.command(name="open")
@store_option
@click.argument("year", type=int)
@click.option("--scope", "root", required=True, help="The organization whose subtree opens")
@click.option("--on", "on", type=DATE, required=True, help="Date the lists are opened")
@_ACTOR
@_AS
@pass_app
def open_command(
    app: AppContext, year: int, root: str, on: date, actor: str, account: str | None
) -> None:
    """Open YEAR for a subtree: each organization's list, its duties frozen."""
    with progress_bar(quiet=app.quiet) as progress:
        result = open_year(
            app.store(),
            year,
            root,
            on,
            actor=_actor(app, actor, account),
            rules=load_rules(app.settings.rules),
            progress=progress,
        )
    click.echo(
        f"{year}年度责任清单已建立 lists opened: {result.lists} 份清单 lists, "
        f"{result.duties} 项事项 duties; {result.skipped} 份已建立 already open"
    )


@command.command(name="show")
@store_option
@click.argument("year", type=int)
@click.option("--list", "list_ref", default=None, help="One list by id, with its duties")
@click.option(
    "--township", is_flag=True, help="One row per township/street instead of per district"
)
@analysis_options
@pass_app
def show_command(
    app: AppContext,
    year: int,
    list_ref: str | None,
    township: bool,
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """The dashboard of YEAR (each area's progress through the three stages), or one list."""
    store = app.store()
    when = as_of_for(store, as_of)
    scope = make_scope(scope_roots, sectors)
    if list_ref is not None:
        found = duty_list(store, list_ref, when, scope)
        if as_json:
            echo_json(found)
        else:
            people = [p for p in (found.holder, found.handed_from) if p]
            names = {n.id: n.name for n in store.nodes(NodeKind.MEMBER, when, ids=people)}
            _print_list(found, when, names)
        return
    level = Level.TOWNSHIP if township else Level.COUNTY
    rows = cycle_dashboard(store, year, when, scope, level=level)
    if as_json:
        echo_json(rows)
        return
    click.echo(f"{year}年度责任清单进度 cycle progress，截至 {when.isoformat()}")
    table = [
        [
            f"{r.name}({r.organization})" if r.organization else r.name,
            str(r.lists),
            str(r.duties),
            str(r.committed),
            str(r.observed),
            str(r.done),
            str(r.overdue),
            str(r.reported),
            str(r.graded),
            "、".join(f"{_grade_label(g)}{n}" for g, n in r.grades.items()),
        ]
        for r in rows
    ]
    click.echo(render_table(_BOARD, table))


def _grade_label(code: str) -> str:
    try:
        return label(ReviewGrade(code))
    except ValueError:
        return code


def _print_list(found: DutyList, when: date, names: dict[str, str]) -> None:
    def who(member: str | None) -> str:
        return f"{names.get(member, '')}({member})" if member else "空缺"

    grade_text = "" if found.grade is None else f"；评定 {label(found.grade)} {found.score:g}分"
    click.echo(
        f"{found.organization_name or found.organization} {found.year}年度抓党建责任清单 "
        f"({found.id})：{label(found.stage)}；书记 {who(found.holder)}"
        + (f"（前任 {who(found.handed_from)}）" if found.handed_from else "")
        + grade_text
        + f"，截至 {when.isoformat()}"
    )
    rows = [
        [
            d.id,
            d.text,
            label(d.state) + ("（逾期）" if d.overdue else ""),
            f"{d.commitment}；目标 {d.target}" if d.commitment else "",
            "" if d.progress is None else f"{d.progress}%：{d.evidence or ''}",
            d.due.isoformat() if d.due else "",
        ]
        for d in found.duties
    ]
    click.echo(render_table(_DUTIES, rows))
    if found.report:
        click.echo(f"述职 report：{found.report}")
    for q in found.questions:
        click.echo(f"质询 Q：{q.question}\n  答 A：{q.answer}")
    click.echo("历程 steps：")
    for s in found.steps:
        click.echo(f"  {s.on.isoformat()} {label(s.stage)} 书记 {s.holder or '空缺'} 经办 {s.by}")


@command.command(name="commit")
@store_option
@click.argument("duty")
@click.option("--on", "on", type=DATE, required=True, help="Date of the commitment")
@click.option("--what", required=True, help="What the secretary will do (承诺事项)")
@click.option("--target", required=True, help="A measurable target (量化目标)")
@click.option("--due", type=DATE, required=True, help="Due date, within the year")
@_ACTOR
@_AS
@pass_app
def commit_command(
    app: AppContext,
    duty: str,
    on: date,
    what: str,
    target: str,
    due: date,
    actor: str,
    account: str | None,
) -> None:
    """年初话: commit to DUTY (the list's secretary)."""
    done = commit(
        app.store(),
        duty,
        on,
        actor=_actor(app, actor, account),
        commitment=what,
        target=target,
        due=due,
    )
    click.echo(
        f"{done.id}：{label(done.state)}，{done.commitment}；目标 {done.target}；时限 {done.due}"
    )


@command.command(name="observe")
@store_option
@click.argument("duty")
@click.option("--on", "on", type=DATE, required=True, help="Date of the visit")
@click.option("--progress", "pct", type=click.IntRange(0, 100), required=True, help="Progress, %")
@click.option("--evidence", required=True, help="What was seen (观摩所见)")
@_ACTOR
@_AS
@pass_app
def observe_command(
    app: AppContext, duty: str, on: date, pct: int, evidence: str, actor: str, account: str | None
) -> None:
    """年中看: record what the superior committee saw of DUTY."""
    done = observe(
        app.store(), duty, on, actor=_actor(app, actor, account), progress=pct, evidence=evidence
    )
    click.echo(f"{done.id}：{label(done.state)}，进度 {done.progress}%")


@command.command(name="add")
@store_option
@click.argument("list_ref", metavar="LIST")
@click.option("--on", "on", type=DATE, required=True, help="Date the duty is added")
@click.option("--text", required=True, help="The duty (责任事项)")
@click.option("--due", type=DATE, default=None, help="Due date, if any")
@_ACTOR
@_AS
@pass_app
def add_command(
    app: AppContext,
    list_ref: str,
    on: date,
    text: str,
    due: date | None,
    actor: str,
    account: str | None,
) -> None:
    """Add a duty by hand to LIST (the superior committee)."""
    done = add_duty(app.store(), list_ref, text, on, actor=_actor(app, actor, account), due=due)
    added = done.duties[-1]
    click.echo(f"{added.id}：{added.text}（{done.id}）")


@command.command(name="handover")
@store_option
@click.argument("list_ref", metavar="LIST")
@click.option("--on", "on", type=DATE, required=True, help="Date of the handover")
@click.option("--to", "to", default=None, help="The successor (default: the secretary then)")
@_ACTOR
@_AS
@pass_app
def handover_command(
    app: AppContext, list_ref: str, on: date, to: str | None, actor: str, account: str | None
) -> None:
    """Hand LIST to the successor secretary, dated."""
    done = hand_over(app.store(), list_ref, on, actor=_actor(app, actor, account), to=to)
    click.echo(f"{done.id}：书记 {done.handed_from} → {done.holder}，{on.isoformat()}")


@command.command(name="handovers")
@store_option
@click.argument("year", type=int)
@click.option("--scope", "root", required=True, help="The organization whose subtree is checked")
@click.option("--on", "on", type=DATE, required=True, help="Date of the handovers")
@_ACTOR
@_AS
@pass_app
def handovers_command(
    app: AppContext, year: int, root: str, on: date, actor: str, account: str | None
) -> None:
    """Hand every open list of YEAR whose secretary changed to the one in post on --on."""
    count = hand_over_all(app.store(), year, root, on, actor=_actor(app, actor, account))
    click.echo(f"{count} 份清单已交接 lists handed over，{on.isoformat()}")


@command.command(name="report")
@store_option
@click.argument("list_ref", metavar="LIST")
@click.option("--on", "on", type=DATE, required=True, help="Date of the report")
@click.option("--text", required=True, help="The report (述职报告)")
@_ACTOR
@_AS
@pass_app
def report_command(
    app: AppContext, list_ref: str, on: date, text: str, actor: str, account: str | None
) -> None:
    """年末评: the secretary's report on LIST."""
    done = report(app.store(), list_ref, on, actor=_actor(app, actor, account), text=text)
    click.echo(f"{done.id}：{label(done.stage)}，{on.isoformat()}")


@command.command(name="grade")
@store_option
@click.argument("list_ref", metavar="LIST")
@click.option("--on", "on", type=DATE, required=True, help="Date of the review")
@click.option("--grade", "grade_text", required=True, help="好 / 较好 / 一般 / 差")
@click.option("--score", type=click.FloatRange(0, 100), required=True, help="Score, 0-100")
@click.option("--question", "questions", multiple=True, help="A question asked (质询); repeatable")
@click.option("--answer", "answers", multiple=True, help="Its answer, in the same order")
@_ACTOR
@_AS
@pass_app
def grade_command(
    app: AppContext,
    list_ref: str,
    on: date,
    grade_text: str,
    score: float,
    questions: tuple[str, ...],
    answers: tuple[str, ...],
    actor: str,
    account: str | None,
) -> None:
    """年末评: the questions, answers, grade and score of LIST (the superior committee)."""
    if len(questions) != len(answers):
        raise click.UsageError("give one --answer for each --question, in the same order")
    done = grade(
        app.store(),
        list_ref,
        on,
        actor=_actor(app, actor, account),
        grade=grade_text,
        score=score,
        questions=list(zip(questions, answers, strict=True)),
    )
    assert done.grade is not None
    click.echo(
        f"{done.id}：{label(done.stage)} {label(done.grade)} {done.score:g}分；"
        f"{sum(d.state.value == 'done' for d in done.duties)}/{len(done.duties)} 项完成 done"
    )


@command.command(name="link")
@store_option
@click.argument("account")
@click.argument("member", required=False)
@pass_app
def link_command(app: AppContext, account: str, member: str | None) -> None:
    """Link ACCOUNT to MEMBER (none: unlink): that secretary edits their own list with it
    (the same as ``orggraph user member``)."""
    store = app.store()
    if member is not None:
        check_member(store, member, "MEMBER")
    account_store(store).link_member(account, member)
    click.echo(f"{account} → {member or '(none)'}")
