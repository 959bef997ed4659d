"""``orggraph whatif``: which chains break and which gaps open under proposed changes (推演).

Nothing is written: the proposals are applied to an in-memory overlay of the store.
"""

from __future__ import annotations

from datetime import date

import click

from orggraph.analysis.chain import BREAK_LABELS_ZH
from orggraph.analysis.gaps import GAP_LABELS_ZH, Gap
from orggraph.analysis.whatif import (
    DissolveOrganization,
    EndLinks,
    Impact,
    LeavePosts,
    MoveOrganization,
    Proposal,
    what_if,
)
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import analysis_options, as_of_for, echo_json, make_scope
from orggraph.cli.chain import break_text
from orggraph.cli.tables import echo_line, render_table

__all__ = ["command", "print_impact"]

_PROPOSAL_ZH = {"leave": "离任", "end_links": "终止联点", "move": "调整隶属", "dissolve": "撤销"}


def _proposal_text(p: Proposal) -> str:
    if isinstance(p, LeavePosts | EndLinks):
        return f"{_PROPOSAL_ZH[p.kind]} {p.person}"
    if isinstance(p, MoveOrganization):
        return f"{_PROPOSAL_ZH[p.kind]} {p.organization} → {p.new_parent}"
    return f"{_PROPOSAL_ZH[p.kind]} {p.organization}"


def _gap_rows(gaps: tuple[Gap, ...]) -> list[list[str]]:
    return [[GAP_LABELS_ZH[g.kind], f"{g.name}({g.subject})", g.detail] for g in gaps]


def print_impact(impact: Impact) -> None:
    """The impact as readable Chinese sections."""
    echo_line(f"推演（不写入）what-if (nothing written)，截至 {impact.as_of.isoformat()}：")
    for proposal in impact.proposals:
        click.echo(f"  {_proposal_text(proposal)}")
    click.echo(f"\n新增断点 new breaks：{len(impact.new_breaks):,}")
    if impact.new_breaks:
        rows = [
            [
                BREAK_LABELS_ZH[b.chain_break.kind],
                break_text(b.chain_break, with_kind=False),
                len(b.chains),
                "、".join(b.chains[:8]) + ("…" if len(b.chains) > 8 else ""),
            ]
            for b in impact.new_breaks
        ]
        click.echo(
            render_table(
                [
                    ("断点", "break"),
                    ("位置", "where"),
                    ("受影响责任链", "chains hit"),
                    ("示例", "examples"),
                ],
                rows,
            )
        )
    sections = (
        ("新增空白 gaps opened", impact.gaps_opened),
        ("消除空白 gaps closed", impact.gaps_closed),
    )
    for title, gaps in sections:
        click.echo(f"\n{title}：{len(gaps):,}")
        if gaps:
            headers = [("类型", "kind"), ("对象", "subject"), ("说明", "detail")]
            click.echo(render_table(headers, _gap_rows(gaps)))


def _moves(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[Proposal]:
    out: list[Proposal] = []
    for value in values:
        org, sep, parent = value.partition(":")
        if not sep or not org or not parent:
            raise click.BadParameter(
                f"{value!r} is not ORG:NEWPARENT (e.g. 630102001:630103)", ctx=ctx, param=param
            )
        out.append(MoveOrganization(organization=org, new_parent=parent))
    return out


@click.command(name="whatif")
@store_option
@click.option("--leave", multiple=True, metavar="PERSON", help="A person leaves all posts")
@click.option(
    "--move", "moves", multiple=True, callback=_moves, metavar="ORG:NEWPARENT", help="Move an org"
)
@click.option("--dissolve", multiple=True, metavar="ORG", help="Dissolve an organization")
@click.option(
    "--end-links", "end_links", multiple=True, metavar="PERSON", help="End a leader's contact links"
)
@analysis_options
@pass_app
def command(
    app: AppContext,
    leave: tuple[str, ...],
    moves: list[Proposal],
    dissolve: tuple[str, ...],
    end_links: tuple[str, ...],
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """Which chains would break and which gaps open if… (推演; nothing is written)."""
    proposals: list[Proposal] = [
        *(LeavePosts(person=p) for p in leave),
        *moves,
        *(DissolveOrganization(organization=o) for o in dissolve),
        *(EndLinks(person=p) for p in end_links),
    ]
    if not proposals:
        raise click.UsageError("name at least one of --leave, --move, --dissolve, --end-links")
    scope = make_scope(scope_roots, sectors)
    impact = what_if(app.store(), proposals, as_of_for(app.store(), as_of), scope)
    if as_json:
        echo_json(impact)
    else:
        print_impact(impact)
