"""``orggraph gaps``: coverage gaps in a scope, with who should close each (覆盖空白)."""

from __future__ import annotations

from datetime import date

import click

from orggraph.analysis.gaps import GAP_LABELS_ZH, Gap, GapKind, coverage_gaps, parse_gap_kind
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import analysis_options, as_of_for, echo_json, make_scope
from orggraph.cli.chain import person_text
from orggraph.cli.tables import count_line, echo_line, render_table
from orggraph.store.masking import hidden_text

__all__ = ["command", "owners_text", "print_gaps"]


def owners_text(gap: Gap) -> str:
    """The secretaries up the hierarchy, nearest first: ``钱支(m04) → 赵街(m03) → …``."""
    return " → ".join(
        f"{o.name}:" + (hidden_text() if o.hidden and o.secretary else person_text(o.secretary))
        for o in gap.owners
    )


def print_gaps(gaps: list[Gap], as_of: date) -> None:
    """The gaps: a summary line with the count of each kind, then one table per kind."""
    by_kind = {kind: [g for g in gaps if g.kind is kind] for kind in GapKind}
    echo_line(
        f"覆盖空白 coverage gaps，截至 {as_of.isoformat()}：{count_line(len(gaps), '', 'gaps')}"
    )
    if gaps:
        echo_line(
            "  " + "，".join(f"{GAP_LABELS_ZH[k]} {len(v):,}" for k, v in by_kind.items() if v)
        )
    for kind, rows in by_kind.items():
        if not rows:
            continue
        click.echo(f"\n{GAP_LABELS_ZH[kind]}（{kind.value}）：{len(rows):,} 项")
        table = [
            [
                f"{g.name}({g.subject})",
                g.since.isoformat() if g.since else "",
                "!" if g.flagged else "",
                g.detail,
                owners_text(g),
            ]
            for g in rows
        ]
        headers = [
            ("对象", "subject"),
            ("起始", "since"),
            ("标记", "flag"),
            ("说明", "detail"),
            ("责任书记(由近及远)", "secretaries, nearest first"),
        ]
        click.echo(render_table(headers, table))


def _kind(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[GapKind, ...]:
    try:
        return tuple(parse_gap_kind(v) for v in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc


@click.command(name="gaps")
@store_option
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    callback=_kind,
    help="Only this kind of gap (code or Chinese label, e.g. vacant_secretary / 书记空缺); "
    "repeatable. Kinds: " + ", ".join(k.value for k in GapKind),
)
@analysis_options
@pass_app
def command(
    app: AppContext,
    kinds: tuple[GapKind, ...],
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """Coverage gaps in the scope, each with the secretaries who should close it (覆盖空白)."""
    when = as_of_for(app.store(), as_of)
    scope = make_scope(scope_roots, sectors)
    gaps = coverage_gaps(app.store(), when, scope, kinds or None)
    if as_json:
        echo_json(gaps)
    else:
        print_gaps(gaps, when)
