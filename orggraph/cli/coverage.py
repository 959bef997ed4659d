"""``orggraph coverage``: party-organization coverage of two-new units, by group (覆盖率)."""

from __future__ import annotations

from datetime import date

import click

from orggraph.analysis.coverage import (
    GROUPINGS,
    CoverageRate,
    coverage_change,
    coverage_rates,
    coverage_total,
)
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import DATE, analysis_options, as_of_for, echo_json, make_scope
from orggraph.cli.tables import echo_line, render_table

__all__ = ["command"]

_GROUP_TITLES = {
    "province": ("省(区)", "province"),
    "city": ("市(州)", "city"),
    "district": ("县(区)", "district"),
    "township": ("乡镇(街道)", "township"),
    "sector": ("类别", "kind"),
}
_HEADERS = [
    ("在营单位", "units"),
    ("单独组建", "own"),
    ("联合组建", "joint"),
    ("组织覆盖", "organized"),
    ("覆盖率", "rate"),
    ("仅工作覆盖", "work only"),
    ("未覆盖", "none"),
]


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.2f}%"


def _cells(rate: CoverageRate) -> list[object]:
    return [
        rate.units,
        rate.own,
        rate.joint,
        rate.organized,
        _pct(rate.rate),
        rate.work,
        rate.none,
    ]


@click.command(name="coverage")
@store_option
@click.option(
    "--group-by",
    "group_by",
    type=click.Choice([*GROUPINGS, "none"]),
    default="district",
    show_default=True,
    help=(
        "Group by the unit's province, city, district or township (above its place at"
        " the date), or its kind (sector); none: one total row"
    ),
)
@click.option(
    "--since", type=DATE, default=None, help="Also show the rates at this date and the change"
)
@analysis_options
@pass_app
def command(
    app: AppContext,
    group_by: str,
    since: date | None,
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """Coverage rates of two-new units: (own + joint organizations) ÷ operating units.

    两新组织党组织覆盖率: by province, city, district, township or sector; --since adds
    the rate at an earlier date and the change in percentage points. --sector keeps one kind of unit
    (non_public_enterprise/非公企业, social_organization/社会组织).
    """
    when = as_of_for(app.store(), as_of)
    scope = make_scope(scope_roots, sectors)
    store = app.store()
    grouping = None if group_by == "none" else group_by
    if since is not None:
        changes = coverage_change(store, since, when, scope, grouping)
        if as_json:
            echo_json(changes)
            return
        echo_line(f"两新组织党组织覆盖率 coverage rates：{since.isoformat()} → {when.isoformat()}")
        headers = [
            _GROUP_TITLES.get(group_by, ("范围", "scope")),
            ("基期单位", "units then"),
            ("基期覆盖", "organized then"),
            ("基期覆盖率", "rate then"),
            *_HEADERS,
            ("变化(百分点)", "change (points)"),
        ]
        rows = [
            [
                c.name,
                c.before.units,
                c.before.organized,
                _pct(c.before.rate),
                *_cells(c.after),
                "—" if c.change is None else f"{c.change:+.2f}",
            ]
            for c in changes
        ]
        if len(changes) > 1:
            first = coverage_total([c.before for c in changes])
            last = coverage_total([c.after for c in changes])
            change = None if first.rate is None or last.rate is None else last.rate - first.rate
            total = [first.units, first.organized, _pct(first.rate), *_cells(last)]
            rows.append(["合计", *total, "—" if change is None else f"{change:+.2f}"])
        click.echo(render_table(headers, rows))
        return
    rates = coverage_rates(store, when, scope, grouping)
    if as_json:
        echo_json(rates)
        return
    echo_line(f"两新组织党组织覆盖率 coverage rates，截至 {when.isoformat()}")
    rows = [[r.name, *_cells(r)] for r in rates]
    if len(rates) > 1:
        rows.append(["合计", *_cells(coverage_total(rates))])
    click.echo(render_table([_GROUP_TITLES.get(group_by, ("范围", "scope")), *_HEADERS], rows))
