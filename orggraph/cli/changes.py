"""``orggraph changes --since DATE``: every change in a scope since a date (变化).

From the history: whatever began or ended after --since, up to --as-of, even when it did
both in between. ``--net`` compares the two dates instead (净变化).
"""

from __future__ import annotations

from datetime import date

import click

from orggraph.analysis.changes import ChangeReport, LinkEvent, changes_between
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import DATE, analysis_options, as_of_for, echo_json, make_scope
from orggraph.cli.chain import person_text, render_table
from orggraph.model import FACTS, Role, label, parse_enum
from orggraph.store.masking import hidden_text

__all__ = ["command", "print_changes"]


def _shown(node_id: str | None) -> str:
    return hidden_text() if node_id is None else node_id


def _link_rows(events: tuple[LinkEvent, ...]) -> list[list[str]]:
    return [[label(e.kind), _shown(e.source), _shown(e.target), e.date.isoformat()] for e in events]


def print_changes(report: ChangeReport) -> None:
    """The report as readable Chinese sections."""
    what = "净变化（两日比较）net" if report.net else "变化 changes"
    click.echo(f"{what}：{report.since.isoformat()} 之后至 {report.until.isoformat()}")
    sections: list[tuple[str, list[str], list[list[str]]]] = [
        (
            "新建党组织",
            ["党组织", "日期", "上级"],
            [
                [f"{e.name}({e.organization})", e.date.isoformat(), _shown(e.parent)]
                for e in report.founded
            ],
        ),
        (
            "撤销党组织",
            ["党组织", "日期", "原上级"],
            [
                [f"{e.name}({e.organization})", e.date.isoformat(), _shown(e.parent)]
                for e in report.dissolved
            ],
        ),
        (
            "隶属调整",
            ["党组织", "日期", "原上级", "新上级"],
            [
                [
                    f"{m.name}({m.organization})",
                    m.date.isoformat(),
                    _shown(m.old_parent),
                    _shown(m.new_parent),
                ]
                for m in report.moved
            ],
        ),
    ]
    for title, events in (("任职", report.posts_filled), ("离任", report.posts_vacated)):
        sections.append(
            (
                title,
                ["党组织", "职务", "人员", "日期"],
                [
                    [
                        f"{e.name}({e.organization})",
                        label(parse_enum(Role, e.role)),
                        person_text(e.person),
                        e.date.isoformat(),
                    ]
                    for e in events
                ],
            )
        )
    sections.append(("建立的关系", ["关系", "起点", "终点", "日期"], _link_rows(report.links_made)))
    sections.append(
        ("终止的关系", ["关系", "起点", "终点", "日期"], _link_rows(report.links_ended))
    )
    for title, headers, rows in sections:
        click.echo(f"\n{title}：{len(rows)}")
        if rows:
            click.echo(render_table(headers, rows))
    click.echo("\n关系增减（按类别）：")
    rows = [[label(c.kind), str(c.made), str(c.ended)] for c in report.links if c.made or c.ended]
    click.echo(render_table(["关系", "新建", "终止"], rows) if rows else "无")
    if report.net:
        return
    click.echo("\n节点增减（按类别）：")
    rows = [[label(c.kind), str(c.began), str(c.changed), str(c.ended)] for c in report.nodes]
    click.echo(render_table(["节点", "新建", "变更", "终止"], rows) if rows else "无")
    click.echo("\n年度指标（按年度）：")
    rows = [[_fact_label(c.fact), str(c.year), str(c.count)] for c in report.facts]
    click.echo(render_table(["指标", "年度", "条数"], rows) if rows else "无")


def _fact_label(name: str) -> str:
    spec = FACTS.get(name)
    return f"{spec.label_zh} ({name})" if spec is not None else name


@click.command(name="changes")
@store_option
@click.option(
    "--since",
    type=DATE,
    required=True,
    help="Every change after this day (up to --as-of), whatever began or ended in between",
)
@click.option(
    "--net",
    is_flag=True,
    help="Compare the graph at the two dates only (净变化), not every change between them",
)
@analysis_options
@pass_app
def command(
    app: AppContext,
    since: date,
    net: bool,
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """What changed in the scope after --since, up to --as-of (变化).

    --as-of defaults to today, or to the data's date when today is past it.
    """
    scope = make_scope(scope_roots, sectors)
    until = as_of_for(app.store(), as_of)
    if as_of is None:  # the data's date, or --since itself when the data ends before it
        until = max(until, since)
    report = changes_between(app.store(), since, until, scope, net=net)
    if as_json:
        echo_json(report)
    else:
        print_changes(report)
