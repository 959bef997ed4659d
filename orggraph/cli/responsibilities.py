"""``orggraph responsibilities PERSON``: everything a person answers for (责任清单)."""

from __future__ import annotations

from datetime import date

import click

from orggraph.analysis.chain import Responsibilities, responsibilities
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import analysis_options, echo_json, make_scope
from orggraph.cli.chain import render_table
from orggraph.model import CaseState, Role, label, parse_enum

__all__ = ["command", "print_responsibilities"]


def print_responsibilities(result: Responsibilities) -> None:
    """The responsibilities as readable Chinese sections."""
    click.echo(f"责任清单：{result.name}({result.person})，截至 {result.as_of.isoformat()}")
    posts = [*result.secretary_of, *result.other_posts]
    click.echo("\n任职：" + ("无" if not posts else ""))
    if posts:
        rows = [
            [
                f"{p.name}({p.organization})",
                label(parse_enum(Role, p.role)),
                p.since.isoformat(),
                p.subtree_size,
            ]
            for p in posts
        ]
        click.echo(render_table(["党组织", "职务", "任职起", "所辖党组织数"], rows))
    sections = [
        ("联点党组织", [f"{o.name}({o.id})" for o in result.contacts]),
        (
            "牵头全域党建工作组",
            [
                f"{g.name}({g.id})：包联 " + "、".join(f"{a.name}({a.id})" for a in g.areas)
                for g in result.working_groups
            ],
        ),
        ("联系服务专家", [f"{e.name}({e.id})" for e in result.experts]),
        ("党建指导两新组织", [f"{u.name}({u.id})" for u in result.units]),
    ]
    for title, lines in sections:
        click.echo(f"\n{title}：" + ("无" if not lines else ""))
        for text in lines:
            click.echo(f"  {text}")
    click.echo("\n负责的整顿转化案例：" + ("无" if not result.cases else ""))
    if result.cases:
        rows = [
            [
                c.id,
                c.organization,
                label(parse_enum(CaseState, c.state)),
                c.deadline.isoformat() if c.deadline else "",
                c.partner or "",
            ]
            for c in result.cases
        ]
        click.echo(render_table(["案例", "整顿对象", "状态", "整顿期限", "结对党组织"], rows))


@click.command(name="responsibilities")
@store_option
@click.argument("person_id")
@analysis_options
@pass_app
def command(
    app: AppContext,
    person_id: str,
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """Everything PERSON_ID answers for: posts, contact links, groups, experts, cases (责任清单)."""
    scope = make_scope(scope_roots, sectors)
    result = responsibilities(app.store(), person_id, as_of or date.today(), scope)
    if as_json:
        echo_json(result)
    else:
        print_responsibilities(result)
