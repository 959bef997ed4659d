"""``orggraph bulk-import``: the first load of a large graph through Neo4j's offline importer."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import click
import orjson

from orggraph.cli import AppContext, pass_app
from orggraph.cli.progress import progress_bar
from orggraph.errors import ConfigError
from orggraph.store import open_store
from orggraph.store.neo4j_import import admin_command, bulk_import, finish_import


@click.command(name="bulk-import")
@click.option("--from", "from_url", required=True, help="Source store URL")
@click.option(
    "--neo4j-home",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The Neo4j installation whose database is replaced (its bin/neo4j-admin runs)",
)
@click.option(
    "--neo4j-admin",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The neo4j-admin command, if not NEO4J_HOME/bin/neo4j-admin",
)
@click.option("--database", default="neo4j", show_default=True, help="Database to import into")
@click.option(
    "--csv-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where the CSV files are written (new or empty; default: a temporary folder)",
)
@click.option("--keep-csv", is_flag=True, help="Keep the CSV files after the import")
@click.option("--overwrite", is_flag=True, help="Replace a database that holds data")
@click.option(
    "--finish",
    "finish_url",
    default=None,
    metavar="URL",
    help="After the import, with the server started: build the schema and compare",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
@pass_app
def command(
    app: AppContext,
    from_url: str,
    neo4j_home: Path | None,
    neo4j_admin: Path | None,
    database: str,
    csv_dir: Path | None,
    keep_csv: bool,
    overwrite: bool,
    finish_url: str | None,
    as_json: bool,
) -> None:
    """Load a whole graph into a stopped Neo4j with neo4j-admin (批量导入).

    Two steps. First, with the Neo4j server stopped: the source's node versions, link
    versions and facts are streamed into CSV files and `neo4j-admin database import full`
    builds the database from them (`--overwrite` replaces one that holds data). Then
    start the server and run the same command with `--finish neo4j://HOST:7687`: the
    constraints and indexes are built, the load is audited, and both stores' counts and
    digests are compared (exit 1 if they differ).
    """
    if finish_url is not None:
        _finish(app, from_url, finish_url, as_json)
        return
    command_line = admin_command(neo4j_home, neo4j_admin)
    began = time.monotonic()
    with (
        open_store(from_url, app.settings) as source,
        tempfile.TemporaryDirectory(prefix="orggraph-bulk-") as scratch,
        progress_bar() as progress,
    ):
        files, run = bulk_import(
            source,
            csv_dir or Path(scratch) / "csv",
            command_line,
            database=database,
            overwrite=overwrite,
            keep_csv=keep_csv,
            progress=progress,
        )
    seconds = time.monotonic() - began
    if as_json:
        report = {
            "counts": files.counts,
            "csv_seconds": {k: round(v, 3) for k, v in files.seconds.items()},
            "import_seconds": round(run.seconds, 3),
            "seconds": round(seconds, 3),
            "importer": run.summary,
        }
        click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
        return
    counts = files.counts
    click.echo(f"源 (from): {source.url}")
    click.echo(
        f"  节点版本 node_versions={counts['node_versions']}  "
        f"关系版本 link_versions={counts['link_versions']}  事实 facts={counts['facts']}  "
        f"锚点 anchors={counts['entities']}"
    )
    csv_seconds = sum(files.seconds.values())
    click.echo(
        f"CSV {csv_seconds:.1f} s, neo4j-admin {run.seconds:.1f} s ({' '.join(run.summary)})"
    )
    click.echo(
        f"已导入数据库 {database!r} (imported), {seconds:.1f} s. 下一步 next: start Neo4j, then\n"
        f"  orggraph bulk-import --from {from_url} --finish neo4j://HOST:7687"
    )


def _finish(app: AppContext, from_url: str, to_url: str, as_json: bool) -> None:
    if not to_url.startswith(("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://")):
        raise ConfigError(f"--finish names a Neo4j store (neo4j://HOST:7687), not {to_url!r}")
    began = time.monotonic()
    with open_store(from_url, app.settings) as source, open_store(to_url, app.settings) as target:
        source_counts = source.counts()
        with progress_bar() as progress:
            # Opening the store has created what was missing; this awaits it and audits.
            finish_import(target, source_counts, progress=progress)
        schema = sorted(getattr(target, "schema_names", set)())
        source_digest, target_digest = source.digest(), target.digest()
        target_counts = target.counts()
        urls = (source.url, target.url)
    ok = source_counts == target_counts and source_digest == target_digest
    seconds = time.monotonic() - began
    if as_json:
        report = {
            "ok": ok,
            "seconds": round(seconds, 3),
            "schema": schema,
            "source": {"url": urls[0], "counts": source_counts, "digest": source_digest},
            "target": {"url": urls[1], "counts": target_counts, "digest": target_digest},
        }
        click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
    else:
        for title, url, counts, digest in (
            ("源 (from)", urls[0], source_counts, source_digest),
            ("目标 (to)", urls[1], target_counts, target_digest),
        ):
            click.echo(f"{title}: {url}")
            click.echo(
                f"  节点版本 node_versions={counts['node_versions']}  "
                f"关系版本 link_versions={counts['link_versions']}  事实 facts={counts['facts']}"
            )
            click.echo(f"  摘要 digest={digest}")
        click.echo(f"约束与索引 constraints and indexes online: {len(schema)}")
        verdict = "一致 (identical)" if ok else "不一致 (DIFFERENT)"
        click.echo(f"{verdict}, {seconds:.1f} s")
    if not ok:
        sys.exit(1)
