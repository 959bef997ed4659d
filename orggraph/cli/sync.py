"""``orggraph sync``: copy a whole graph with its history between two stores."""

from __future__ import annotations

import sys

import click
import orjson

from orggraph.cli import AppContext, pass_app
from orggraph.cli.progress import progress_bar
from orggraph.store.sync import SYNC_BATCH, SyncReport, sync_urls


@click.command(name="sync")
@click.option("--from", "from_url", required=True, help="Source store URL")
@click.option("--to", "to_url", required=True, help="Target store URL (must be empty)")
@click.option("--replace", is_flag=True, help="Overwrite a target that is not empty")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=SYNC_BATCH,
    show_default=True,
    help="Versions written per transaction",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
@pass_app
def command(
    app: AppContext, from_url: str, to_url: str, replace: bool, batch_size: int, as_json: bool
) -> None:
    """Copy every version, link and fact from one store to another, then compare (同步).

    An embedded target is written to a new file that replaces it only once the copy
    checks out, so Ctrl-C leaves it as it was. Exit 1 when the counts or digests of the
    two stores differ after the copy.
    """
    with progress_bar() as progress:
        report = sync_urls(
            from_url,
            to_url,
            app.settings,
            replace=replace,
            batch_size=batch_size,
            progress=progress,
        )
    if as_json:
        click.echo(orjson.dumps(_as_dict(report), option=orjson.OPT_INDENT_2).decode())
    else:
        _print(report)
    if not report.ok:
        sys.exit(1)


def _as_dict(report: SyncReport) -> dict[str, object]:
    return {
        "ok": report.ok,
        "seconds": round(report.seconds, 3),
        "part_seconds": {part: round(s, 3) for part, s in report.part_seconds.items()},
        "source": {
            "url": report.source,
            "counts": report.source_counts,
            "digest": report.source_digest,
        },
        "target": {
            "url": report.target,
            "counts": report.target_counts,
            "digest": report.target_digest,
        },
    }


def _print(report: SyncReport) -> None:
    rows = [("源 (from)", report.source, report.source_counts, report.source_digest)]
    rows.append(("目标 (to)", report.target, report.target_counts, report.target_digest))
    for title, url, counts, digest in rows:
        click.echo(f"{title}: {url}")
        click.echo(
            f"  节点版本 node_versions={counts['node_versions']}  "
            f"关系版本 link_versions={counts['link_versions']}  事实 facts={counts['facts']}"
        )
        click.echo(f"  摘要 digest={digest}")
    parts = report.part_seconds
    click.echo(
        f"写入 writing: 节点版本 node_versions {parts['node_versions']:.1f} s, "
        f"关系版本 link_versions {parts['link_versions']:.1f} s, "
        f"事实 facts {parts['facts']:.1f} s, 索引 indexes {parts['indexes']:.1f} s"
    )
    verdict = "一致 (identical)" if report.ok else "不一致 (DIFFERENT)"
    click.echo(f"{verdict}, {report.seconds:.1f} s")
