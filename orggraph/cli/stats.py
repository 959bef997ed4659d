"""``orggraph stats``: counts by node kind, organization level and sector, and link kind."""

from __future__ import annotations

from datetime import date

import click
import orjson

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import AS_OF_HELP, as_of_for
from orggraph.cli.tables import echo_line
from orggraph.model import Level, LinkKind, NodeKind, label
from orggraph.store.base import GraphStore


def _top_first(counts: dict[str, int]) -> dict[str, int]:
    """Level counts top first (``Level.rank``: province before city…), unknown ones last."""
    ranks = {lv.value: lv.rank for lv in Level}
    return dict(sorted(counts.items(), key=lambda kv: (ranks.get(kv[0], len(ranks)), kv[0])))


def graph_stats(store: GraphStore, as_of: date) -> dict[str, object]:
    """Counts of what is valid at ``as_of``."""
    by_kind = {kind.value: len(store.nodes(kind, as_of)) for kind in NodeKind}
    orgs = store.nodes(NodeKind.ORGANIZATION, as_of)
    levels: dict[str, int] = {}
    sectors: dict[str, int] = {}
    org_kinds: dict[str, int] = {}
    territorial: dict[str, int] = {}  # organizations carrying an administrative code
    for org in orgs:
        for table, key in ((levels, "level"), (sectors, "sector"), (org_kinds, "org_kind")):
            value = str(org.attrs.get(key) or "none")
            table[value] = table.get(value, 0) + 1
        if org.attrs.get("code"):
            level = str(org.attrs.get("level") or "none")
            territorial[level] = territorial.get(level, 0) + 1
    links = {kind.value: len(store.links(kind, as_of)) for kind in LinkKind}
    return {
        "as_of": as_of.isoformat(),
        "nodes": by_kind,
        "organizations_by_level": _top_first(levels),
        "organizations_by_sector": dict(sorted(sectors.items())),
        "organizations_by_kind": dict(sorted(org_kinds.items())),
        "territorial_by_level": _top_first(territorial),
        "links": links,
    }


@click.command(name="stats")
@store_option
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help=AS_OF_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON")
@pass_app
def command(app: AppContext, as_of: object, as_json: bool) -> None:
    """Counts by node kind, organization level and sector, and link kind (统计)."""
    day = as_of.date() if as_of is not None else None  # type: ignore[attr-defined]
    when = as_of_for(app.store(), day)
    stats = graph_stats(app.store(), when)
    if as_json:
        click.echo(orjson.dumps(stats, option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(f"截至 {stats['as_of']}")
    for title, key, enum in (("节点", "nodes", NodeKind), ("关系", "links", LinkKind)):
        click.echo(f"{title}:")
        for code, n in stats[key].items():  # type: ignore[attr-defined]
            click.echo(f"  {label(enum(code))} ({code}): {n}")
    for title, key in (
        ("层级", "organizations_by_level"),
        ("领域", "organizations_by_sector"),
        ("行政区划党组织", "territorial_by_level"),
    ):
        echo_line(f"{title}: " + ", ".join(f"{k}={v}" for k, v in stats[key].items()))  # type: ignore[attr-defined]
