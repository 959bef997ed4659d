"""``orggraph report``: the seed document's figures, computed from the graph (主要数据)."""

from __future__ import annotations

from datetime import date

import click

from orggraph.analysis.places import WHOLE, whole_area
from orggraph.analysis.report import Figure, seed_report
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import DATE, analysis_options, as_of_for, echo_json, make_scope
from orggraph.cli.tables import echo_line, render_table
from orggraph.model import Level, NodeKind
from orggraph.store.base import GraphStore

__all__ = ["command"]


def _area_title(store: GraphStore, when: date, roots: tuple[str, ...]) -> str:
    """What the report covers, as its title names it: 全省 / 全市 for the whole graph or a
    province's or city's committee (its territory), else the scope's names (城东区委)."""
    if not roots:
        return whole_area(store, when)[0]
    found = {n.id: n for n in store.nodes(NodeKind.ORGANIZATION, when, ids=sorted(set(roots)))}
    if len(found) == 1:
        (node,) = found.values()
        level = node.attrs.get("level")
        if node.attrs.get("org_kind") == "committee" and level in {"province", "city"}:
            return WHOLE[Level(str(level))][0]
    return "、".join(found[r].name if r in found else r for r in sorted(set(roots)))


def _baseline(figure: Figure) -> str:
    if figure.baseline is None or figure.since is None:
        return ""
    unit = "%" if figure.unit != "%" and figure.key.endswith("_change") else figure.unit
    return f"{figure.since.isoformat()}: {figure.baseline:g}{unit}"


@click.command(name="report")
@store_option
@click.option(
    "--since",
    type=DATE,
    default=None,
    help="One baseline for every change figure (default: each figure's own, 2012-11-08 "
    "for the members' structure, 2014 for coverage and admissions)",
)
@analysis_options
@pass_app
def command(
    app: AppContext,
    since: date | None,
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """The seed's figures (working groups, coverage, admissions, structure, experts, venues).

    Every figure is computed from the graph at ``--as-of`` (default: today, or the data's date
    if earlier); figures the graph does not hold are shown as not tracked (未纳入图谱).
    On the demo, ask at 2019-06-30 (the seed's values) or 2014-12-31.
    """
    when = as_of_for(app.store(), as_of)
    report = seed_report(app.store(), when, make_scope(scope_roots, sectors), since)
    if as_json:
        echo_json(report)
        return
    echo_line(
        f"{_area_title(app.store(), when, scope_roots)}组织工作主要数据 key figures，"
        f"截至 {when.isoformat()}"
        "（由图谱计算 computed from the graph）"
    )
    rows = [[f.label, f.display, _baseline(f), f.how] for f in report.figures]
    click.echo(
        render_table(
            [("指标", "figure"), ("数值", "value"), ("基期", "baseline"), ("计算方法", "how")], rows
        )
    )
