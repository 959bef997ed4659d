"""``orggraph demo``: write the Xining demo (西宁示例数据), or with ``--province`` the Qinghai
demo around it (青海省示例数据), into the store.

An embedded store is built in a new file beside the old one, which it replaces only once
every batch is written: Ctrl-C (or an error) leaves the old store as it was and no file
half made. A Neo4j store is written batch by batch, each all or nothing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import echo_json
from orggraph.cli.progress import progress_bar
from orggraph.model import Level, NodeKind, Sector, label

if TYPE_CHECKING:
    from orggraph.demo import DemoSummary
    from orggraph.progress import Progress
    from orggraph.store.base import GraphStore

__all__ = ["build_into_store", "command", "summary_lines"]

_LEVEL_TITLES = {
    Level.NATIONAL.value: "党中央",
    Level.PROVINCE.value: "省委",
    Level.CITY.value: "市(州)委",
    Level.COUNTY.value: "县(区)委",
    Level.TOWNSHIP.value: "乡镇党委、街道党工委",
    Level.GRASSROOTS.value: "村(社区)党组织",
}


def _files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _sum(parts: list[tuple[str, int]]) -> str:
    return " + ".join(f"{title} {n:,}" for title, n in parts)


def summary_lines(summary: DemoSummary) -> list[str]:
    """What the demo holds at its reference date, each line a total = its labelled parts."""
    levels = [(_LEVEL_TITLES.get(k, k), n) for k, n in summary.territorial_by_level.items()]
    others = summary.other_organizations_by_sector
    other_total = sum(others.values())
    sectors = [
        (label(Sector(k)) if k in set(Sector) else k or "未分类", n) for k, n in others.items()
    ]
    kinds = [
        (label(NodeKind(k)) if k in set(NodeKind) else k, n)
        for k, n in summary.nodes_by_kind.items()
    ]
    return [
        f"  截至 {summary.reference_date} 有效 valid at {summary.reference_date}：",
        f"  节点 nodes {summary.nodes:,} = {_sum(kinds)}",
        f"  党组织 organizations {summary.organizations:,} = "
        f"{_sum([*levels, ('其他基层党组织', other_total)])}",
        f"  其他基层党组织 other grassroots organizations {other_total:,} = {_sum(sectors)}",
        f"  共写入 written：节点版本 node versions {summary.node_versions:,}"
        f"（{summary.reference_date} 有效 {summary.nodes:,} + 已结束或以后生效 ended or later "
        f"{summary.node_versions - summary.nodes:,}），"
        f"关系版本 link versions {summary.link_versions:,}，年度数据 facts {summary.facts:,}",
    ]


def build_into_store(
    app: AppContext, seed: int, scale: int, progress: Progress, *, province: bool = False
) -> DemoSummary:
    """Build into the store; an embedded one through a new file swapped in at the end.

    ``province``: the Qinghai demo (``orggraph.demo.province``), Xining at scale 1 in it.
    """
    from orggraph.store import open_store

    def build(target: GraphStore) -> DemoSummary:
        if province:
            from orggraph.demo.province import build_province_demo

            return build_province_demo(target, seed=seed, progress=progress)
        from orggraph.demo import build_demo

        return build_demo(target, seed=seed, scale=scale, progress=progress)

    store = app.store()
    path = store.path
    if path is None:
        return build(store)
    app.close()
    fresh = path.with_name(path.name + ".demo-new")
    for leftover in _files(fresh):
        leftover.unlink(missing_ok=True)
    try:
        with open_store(f"sqlite:///{fresh}", app.settings) as target:
            summary = build(target)
    except BaseException:  # Ctrl-C included: the old store stays, nothing half made
        for leftover in _files(fresh):
            leftover.unlink(missing_ok=True)
        raise
    # The old file's WAL must not outlive it: SQLite would replay it onto the new file.
    for stale in _files(path)[1:]:
        stale.unlink(missing_ok=True)
    os.replace(fresh, path)
    return summary


@click.command(name="demo")
@store_option
@click.option("--seed", type=int, default=2019, show_default=True, help="Random seed")
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Multiply the synthetic part (units, members, experts…); about 10 for a province",
)
@click.option(
    "--province",
    is_flag=True,
    help="Build Qinghai (青海省): the province committee over its 8 cities and prefectures, "
    "Xining in it as the default demo",
)
@click.option("--force", is_flag=True, help="Empty a store that already holds data first")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON")
@pass_app
def command(
    app: AppContext, seed: int, scale: int, province: bool, force: bool, as_json: bool
) -> None:
    """Build the Xining demo: the real administrative tree with synthetic people.

    7 district/county committees, 80 township/street committees and 1,100 villages and
    communities with their real names and codes; agencies, enterprises, 91,000 members
    valid at 2019-06-30, working groups, experts, facts and remediation cases, calibrated
    so that ``orggraph report --as-of 2019-06-30`` gives the seed document's figures.

    With ``--province``: Qinghai, the province committee over its 8 cities and prefectures
    (real trees, 4,716 villages and communities), each with a 市直机关工委 and enterprises
    nesting 党委 → 党总支 → 党支部; Xining in it exactly as above
    (``report --scope 630100`` gives the same figures), synthetic people, two-new units,
    contact leaders and yearly assessments elsewhere.
    """
    if province and scale != 1:
        raise click.UsageError("--province builds Xining at scale 1: leave out --scale")
    store = app.store()
    if next(iter(store.all_nodes()), None) is not None:
        if not force:
            raise click.UsageError(
                f"the store at {store.url} already holds data; "
                "use --force to empty it and build the demo"
            )
        if store.path is None:
            store.clear()  # ConfigError when the store cannot be emptied in place
    url = store.url
    started = time.perf_counter()
    with progress_bar() as progress:
        summary = build_into_store(app, seed, scale, progress, province=province)
    seconds = time.perf_counter() - started
    if as_json:
        echo_json(summary)
        return
    what = "青海省演示数据已写入 Qinghai demo" if province else "演示数据已写入 demo"
    click.echo(
        f"{what} written to {url}（种子 seed {seed}，规模 scale ×{scale}，{seconds:.1f} 秒 s）"
    )
    for line in summary_lines(summary):
        click.echo(line)
