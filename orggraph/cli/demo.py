"""``orggraph demo``: write the Xining demo (西宁示例数据) into the store."""

from __future__ import annotations

import time
from pathlib import Path

import click

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import echo_json
from orggraph.model import label
from orggraph.model.kinds import Level

__all__ = ["command"]


def _clear(app: AppContext) -> None:
    """Empty the store: delete an embedded store's files, or ``clear()`` a Neo4j one."""
    store = app.store()
    path = store.path
    if path is None:
        store.clear()  # ConfigError when the store cannot be emptied in place
        return
    app.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


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
@click.option("--force", is_flag=True, help="Empty a store that already holds data first")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON")
@pass_app
def command(app: AppContext, seed: int, scale: int, force: bool, as_json: bool) -> None:
    """Build the Xining demo: the real administrative tree with synthetic people.

    7 district/county committees, 80 township/street committees and 1,100 villages and
    communities with their real names and codes; agencies, enterprises, 91,000 members
    valid at 2019-06-30, working groups, experts, facts and remediation cases, calibrated
    so that ``orggraph report --as-of 2019-06-30`` gives the seed document's figures.
    """
    from orggraph.demo import build_demo

    store = app.store()
    if next(iter(store.all_nodes()), None) is not None:
        if not force:
            raise click.UsageError(
                f"the store at {store.url} already holds data; "
                "use --force to empty it and build the demo"
            )
        _clear(app)
        store = app.store()
    started = time.perf_counter()
    summary = build_demo(store, seed=seed, scale=scale)
    seconds = time.perf_counter() - started
    if as_json:
        echo_json(summary)
        return
    levels = ", ".join(f"{label(Level(k))} {v}" for k, v in summary.territorial_by_level.items())
    click.echo(f"演示数据已写入 {store.url}（种子 {seed}，规模 ×{scale}，{seconds:.1f} 秒）")
    click.echo(f"  截至 {summary.reference_date}：党组织 {summary.organizations:,} 个（{levels}）")
    click.echo(
        f"  党员 {summary.members:,} 名，两新组织 {summary.units:,} 个，"
        f"专家人才 {summary.experts:,} 名，全域党建工作组 {summary.working_groups} 个"
    )
    click.echo(
        f"  共写入节点版本 {summary.node_versions:,}、关系版本 {summary.link_versions:,}、"
        f"年度数据 {summary.facts:,} 条"
    )
