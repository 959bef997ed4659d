"""``orggraph pairings``: partners and contact leaders of weak branches (结对共建、支部联点).

::

    orggraph pairings                          # who pairs with / contacts each weak branch
    orggraph pairings --suggest                # the optimal suggestions, each with its cost
    orggraph pairings --suggest --apply --actor 组织部张三   # and write them
"""

from __future__ import annotations

from datetime import date

import click

from orggraph.analysis.config import RulesConfig
from orggraph.analysis.pairing import (
    PairingPlan,
    Suggestion,
    apply_suggestions,
    pairing_suggestions,
)
from orggraph.analysis.weak import weak_branches
from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import analysis_options, as_of_for, echo_json, make_scope
from orggraph.cli.tables import echo_line, render_table
from orggraph.cli.weak import district_names, rules_of, rules_option
from orggraph.model import LinkKind, label
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

__all__ = ["command", "print_plan"]

_KINDS = {"partner": LinkKind.PAIRED_WITH, "leader": LinkKind.CONTACTS}


def _terms(suggestion: Suggestion) -> str:
    return " + ".join(f"{t.label}{t.value:g}×{t.weight:g}" for t in suggestion.terms)


def print_plan(plan: PairingPlan, districts: dict[str, str]) -> None:
    """The suggestions (and the branches left without one) as readable Chinese tables."""
    echo_line(
        f"结对与联点建议 pairing suggestions，截至 {plan.as_of.isoformat()}："
        f"{len(plan.suggestions):,} 条，总代价 total cost {plan.total_cost:g}"
    )
    for kind in (LinkKind.PAIRED_WITH, LinkKind.CONTACTS):
        rows = [
            [
                districts.get(s.district or "", "市直"),
                f"{s.weak_name}({s.weak})",
                f"{s.candidate_name}({s.candidate})",
                f"{s.cost:g}",
                _terms(s),
            ]
            for s in plan.suggestions
            if s.kind is kind
        ]
        if rows:
            who = (
                ("结对党组织", "partner")
                if kind is LinkKind.PAIRED_WITH
                else ("联点领导", "contact leader")
            )
            click.echo(f"\n{label(kind)}（{kind.value}）：{len(rows):,}")
            headers = [
                ("区县", "district"),
                ("软弱涣散党组织", "weak branch"),
                who,
                ("代价", "cost"),
                ("代价构成", "cost terms"),
            ]
            click.echo(render_table(headers, rows))
    if plan.unmatched:
        click.echo(f"\n未能给出建议 no suggestion：{len(plan.unmatched):,}")
        rows = [
            [
                label(u.kind),
                districts.get(u.district or "", "市直"),
                f"{u.weak_name}({u.weak})",
                u.detail,
            ]
            for u in plan.unmatched
        ]
        click.echo(
            render_table(
                [
                    ("类别", "kind"),
                    ("区县", "district"),
                    ("软弱涣散党组织", "weak branch"),
                    ("原因", "why"),
                ],
                rows,
            )
        )


@click.command(name="pairings")
@store_option
@click.option("--suggest", is_flag=True, help="Suggest partners and contact leaders")
@click.option("--apply", "apply_", is_flag=True, help="With --suggest: write every suggestion")
@click.option(
    "--kind",
    "kind",
    type=click.Choice(sorted(_KINDS)),
    default=None,
    help="Only partners (paired_with) or only contact leaders (contacts)",
)
@click.option("--actor", default="cli", show_default=True, help="Who applies (audit trail)")
@rules_option
@analysis_options
@pass_app
def command(
    app: AppContext,
    suggest: bool,
    apply_: bool,
    kind: str | None,
    actor: str,
    rules_path: str | None,
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """Partners and contact leaders of weak branches; --suggest the optimal pairing.

    Suggestions minimise documented cost terms (docs/RULES.md) under capacities; --apply
    writes them all (links from the --as-of date) in one transaction, checked again first.
    """
    if apply_ and not suggest:
        raise click.UsageError("--apply needs --suggest")
    when = as_of_for(app.store(), as_of)
    scope = make_scope(scope_roots, sectors)
    store = app.store()
    rules = rules_of(app, rules_path)
    kinds = [_KINDS[kind]] if kind else None
    if not suggest:
        _print_current(store, when, scope, rules, as_json)
        return
    plan = pairing_suggestions(store, when, scope, rules=rules, kinds=kinds)
    if apply_ and plan.suggestions:
        apply_suggestions(store, plan.suggestions, when, actor, scope=scope, rules=rules)
    if as_json:
        echo_json({"plan": plan, "applied": apply_})
        return
    districts = district_names(
        store, when, {s.district for s in plan.suggestions} | {u.district for u in plan.unmatched}
    )
    print_plan(plan, districts)
    if apply_:
        click.echo(f"\n已写入 {len(plan.suggestions)} 条关系（自 {when.isoformat()} 起，{actor}）")


def _print_current(
    store: GraphStore, when: date, scope: Scope, rules: RulesConfig, as_json: bool
) -> None:
    weak = weak_branches(store, when, scope, rules=rules)
    ids = [w.organization.id for w in weak]
    partners: dict[str, list[str]] = {i: [] for i in ids}
    contacts: dict[str, list[str]] = {i: [] for i in ids}
    for link in store.links(LinkKind.PAIRED_WITH, when, targets=ids):
        partners[link.target].append(link.source)
    for link in store.links(LinkKind.CONTACTS, when, targets=ids):
        contacts[link.target].append(link.source)
    if as_json:
        echo_json(
            [
                {
                    "organization": i,
                    "partners": sorted(partners[i]),
                    "contacts": sorted(contacts[i]),
                }
                for i in ids
            ]
        )
        return
    districts = district_names(store, when, {w.district for w in weak})
    echo_line(
        f"软弱涣散党组织的结对与联点 pairings of weak branches，截至 {when.isoformat()}："
        f"共 {len(weak):,} 个 ({len(weak):,} branches)"
    )
    rows = [
        [
            districts.get(w.district or "", "市直"),
            f"{w.organization.name}({w.organization.id})",
            "、".join(sorted(partners[w.organization.id])) or "无",
            "、".join(sorted(contacts[w.organization.id])) or "无",
        ]
        for w in weak
    ]
    if rows:
        click.echo(
            render_table(
                [
                    ("区县", "district"),
                    ("软弱涣散党组织", "weak branch"),
                    ("结对党组织", "partners"),
                    ("联点领导", "contact leaders"),
                ],
                rows,
            )
        )
    missing = sum(1 for r in rows if "无" in (r[2], r[3]))
    if missing:
        click.echo(f"\n{missing} 个缺结对或联点：orggraph pairings --suggest 给出建议")
