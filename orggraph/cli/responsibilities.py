"""``orggraph responsibilities PERSON``: everything a person answers for (责任清单)."""

from __future__ import annotations

from datetime import date

import click

from orggraph.analysis.chain import Responsibilities, responsibilities
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import analysis_options, as_of_for, echo_json, make_scope
from orggraph.cli.tables import echo_line, render_table
from orggraph.model import CaseState, NodeKind, Role, label, parse_enum
from orggraph.store.masking import hidden_text, hide_unseen

__all__ = ["command", "print_responsibilities"]


def _named(node_id: str | None, names: dict[str, str]) -> str:
    """``name(id)``; the hidden shape for a reference ``hide_unseen`` removed."""
    if node_id is None:
        return hidden_text()
    name = names.get(node_id)
    return f"{name}({node_id})" if name else node_id


def print_responsibilities(
    result: Responsibilities,
    shown: Responsibilities | None = None,
    names: dict[str, str] | None = None,
) -> None:
    """The responsibilities as readable Chinese sections; ``shown`` is ``result`` with
    references outside the scope hidden, ``names`` the organizations' names by id."""
    shown = shown if shown is not None else result
    names = names or {}
    echo_line(
        f"责任清单 responsibilities：{result.name}({result.person})，"
        f"截至 {result.as_of.isoformat()}"
    )
    posts = [*result.secretary_of, *result.other_posts]
    click.echo("\n任职 posts：" + ("无 none" if not posts else ""))
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
        click.echo(
            render_table(
                [
                    ("党组织", "organization"),
                    ("职务", "post"),
                    ("任职起", "since"),
                    ("所辖党组织数", "organizations led"),
                ],
                rows,
            )
        )
    sections = [
        ("联点党组织 contact branches", [f"{o.name}({o.id})" for o in result.contacts]),
        (
            "牵头全域党建工作组 working groups led",
            [
                f"{g.name}({g.id})：包联 " + "、".join(f"{a.name}({a.id})" for a in g.areas)
                for g in result.working_groups
            ],
        ),
        ("联系服务专家 experts served", [f"{e.name}({e.id})" for e in result.experts]),
        ("党建指导两新组织 two-new units instructed", [f"{u.name}({u.id})" for u in result.units]),
    ]
    for title, lines in sections:
        click.echo(f"\n{title}：" + ("无 none" if not lines else ""))
        for text in lines:
            click.echo(f"  {text}")
    click.echo("\n负责的整顿转化案例 remediation cases：" + ("无 none" if not result.cases else ""))
    if result.cases:
        rows = [
            [
                c.id,
                _named(v.organization, names),
                label(parse_enum(CaseState, c.state)),
                c.deadline.isoformat() if c.deadline else "",
                "" if c.partner is None else _named(v.partner, names),
            ]
            for c, v in zip(result.cases, shown.cases, strict=True)
        ]
        click.echo(
            render_table(
                [
                    ("案例", "case"),
                    ("整顿对象", "organization"),
                    ("状态", "state"),
                    ("整顿期限", "deadline"),
                    ("结对党组织", "partner"),
                ],
                rows,
            )
        )


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
    when = as_of_for(app.store(), as_of)
    store = app.store()
    result = responsibilities(store, person_id, when, scope)
    if as_json:
        echo_json(result)
        return
    shown = hide_unseen(result, scope.view(store, when))
    wanted = {i for c in shown.cases for i in (c.organization, c.partner) if i is not None}
    names = {n.id: n.name for n in store.nodes(NodeKind.ORGANIZATION, when, ids=wanted)}
    print_responsibilities(result, shown, names)
