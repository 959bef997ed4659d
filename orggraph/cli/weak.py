"""``orggraph weak``: the weak (and lax) grassroots organizations and why (软弱涣散基层党组织)."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from orggraph.analysis.config import RulesConfig, load_rules
from orggraph.analysis.dating import Dating
from orggraph.analysis.weak import RULES, WeakBranch, facts_year, weak_branches
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import analysis_options, echo_json, make_scope, tell
from orggraph.cli.tables import echo_line, render_table
from orggraph.model import NodeKind, Sector, label
from orggraph.store.base import GraphStore

__all__ = ["command", "district_names", "print_weak", "rules_of", "rules_option"]


def rules_option(func: Any) -> Any:
    """``--rules PATH``: a rules TOML file overriding the defaults (and ORGGRAPH_RULES)."""
    return click.option(
        "--rules",
        "rules_path",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="Rules TOML file overriding the shipped thresholds (default ORGGRAPH_RULES)",
    )(func)


def rules_of(app: AppContext, rules_path: str | None) -> RulesConfig:
    """The rules named by ``--rules``, else by the settings, else the defaults."""
    return load_rules(rules_path or app.settings.rules)


def district_names(store: GraphStore, as_of: date, ids: set[str | None]) -> dict[str, str]:
    """Names of the district organizations ``ids`` at ``as_of``."""
    wanted = {i for i in ids if i}
    return {n.id: n.name for n in store.nodes(NodeKind.ORGANIZATION, as_of, ids=wanted)}


def _sector(value: object) -> str:
    try:
        return label(Sector(str(value)))
    except ValueError:
        return ""


def print_weak(
    found: list[WeakBranch], as_of: date, districts: dict[str, str], year: int | None = None
) -> None:
    """The weak branches as a readable Chinese table (``year``: the facts read)."""
    year = year or (found[0].facts_year if found else facts_year(as_of))
    echo_line(
        f"软弱涣散基层党组织 weak branches，截至 {as_of.isoformat()}"
        f"（按 {year} 年度数据 facts of {year}）：共 {len(found):,} 个 ({len(found):,} branches)"
    )
    if not found:
        return
    rows = [
        [
            districts.get(w.district or "", "市直"),
            f"{w.organization.name}({w.organization.id})",
            _sector(w.organization.get("sector")),
            "；".join(f"{f.label}：{f.detail}" for f in w.failures),
            f"{label(w.case_state)}({w.case_id})" if w.case_state and w.case_id else "未立案",
        ]
        for w in found
    ]
    click.echo(
        render_table(
            [
                ("区县", "district"),
                ("党组织", "organization"),
                ("领域", "sector"),
                ("软弱涣散情形", "why weak"),
                ("整顿转化", "remediation"),
            ],
            rows,
        )
    )
    counts = {code: sum(code in w.rules for w in found) for code in RULES}
    echo_line(
        "按情形：" + "，".join(f"{RULES[c][0]} {n}" for c, n in counts.items() if n) + "（可兼有）"
    )


def _rule(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    by_label = {zh: code for code, (zh, _) in RULES.items()}
    out = []
    for value in values:
        code = value if value in RULES else by_label.get(value)
        if code is None:
            allowed = ", ".join(f"{c}/{zh}" for c, (zh, _) in RULES.items())
            raise click.BadParameter(f"{value!r} is not a rule; expected one of: {allowed}")
        out.append(code)
    return tuple(out)


@click.command(name="weak")
@store_option
@click.option(
    "--rule",
    "only",
    multiple=True,
    callback=_rule,
    help="Only branches failing this rule (code or Chinese label); repeatable. Rules: "
    + ", ".join(RULES),
)
@rules_option
@analysis_options
@pass_app
def command(
    app: AppContext,
    only: tuple[str, ...],
    rules_path: str | None,
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """Weak grassroots organizations and the rules each fails (软弱涣散基层党组织).

    Yearly facts of the last completed year count (or of the latest year before it
    that has them: said on stderr); thresholds come from rules.toml
    (docs/RULES.md).
    """
    scope = make_scope(scope_roots, sectors)
    store = app.store()
    dating = Dating(store)
    when = dating.as_of(as_of)
    year = dating.facts_year(facts_year(when))
    tell(dating)
    found = weak_branches(store, when, scope, rules=rules_of(app, rules_path))
    if only:
        found = [w for w in found if set(only) & set(w.rules)]
    if as_json:
        echo_json(found)
        return
    print_weak(found, when, district_names(store, when, {w.district for w in found}), year)
