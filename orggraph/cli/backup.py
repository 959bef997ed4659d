"""``orggraph backup -o FILE``: a consistent online copy of the store (备份).

The copy is one SQLite file in the embedded store's format, whatever the store: SQLite's
backup API for the embedded store, one locked snapshot transaction for Neo4j
(``orggraph.store.backup``). Writes may go on while it runs. ``orggraph restore`` puts it
back into any store; the file is also a working embedded store by itself.
"""

from __future__ import annotations

import dataclasses
import getpass
from pathlib import Path

import click
import orjson

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli.progress import progress_bar
from orggraph.errors import ConfigError
from orggraph.store.backup import BackupInfo, backup


def actor() -> str:
    """Who the audit trail records: the user running the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in this environment
        return "cli"


def echo_info(info: BackupInfo, heading: str) -> None:
    """The lines a person reads: what the file holds, and how to check it."""
    click.echo(f"{heading}: {info.path} ({info.bytes:,} 字节 bytes)")
    click.echo(f"  来源 source: {info.source}; 时间 taken at: {info.taken_at or '-'}")
    click.echo(
        f"  节点版本 node versions {info.node_versions}, 关系版本 link versions "
        f"{info.link_versions}, 年度指标 facts {info.facts}, 审计记录 audit records "
        f"{info.audit_records}"
    )
    click.echo(f"  摘要 digest: {info.digest}")


@click.command(name="backup")
@store_option
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write the backup to (an SQLite file)",
)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON")
@pass_app
def command(app: AppContext, output: Path, force: bool, as_json: bool) -> None:
    """Write a consistent copy of the store to a file, while it keeps serving (备份)."""
    if output.exists() and not force:
        raise ConfigError(
            f"the backup file {str(output)!r} already exists; choose another name or pass --force"
        )
    with progress_bar() as progress:
        info = backup(app.store(), output, actor=actor(), progress=progress)
    if as_json:
        click.echo(orjson.dumps(dataclasses.asdict(info), option=orjson.OPT_INDENT_2).decode())
        return
    echo_info(info, "已备份 backup written")
