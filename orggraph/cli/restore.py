"""``orggraph restore FILE``: put a backup back into a store, checked by digest (恢复).

The store must be empty, or ``--replace`` empties it first. Nothing is written unless the
file passes its checks (SQLite's integrity check, the digest it recorded); afterwards the
store's digest must equal the backup's. What ``orggraph check`` would find in the data is
restored as it was, and listed as warnings.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
import orjson

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli.backup import actor, echo_info
from orggraph.cli.progress import progress_bar
from orggraph.store.backup import read_backup, restore


@click.command(name="restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@store_option
@click.option(
    "--replace", is_flag=True, help="Replace what the store holds (default: it must be empty)"
)
@click.option(
    "--info", "info_only", is_flag=True, help="Only show what the backup holds; write nothing"
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON")
@pass_app
def command(app: AppContext, file: Path, replace: bool, info_only: bool, as_json: bool) -> None:
    """Restore a backup written by `orggraph backup` into the store (恢复)."""
    if info_only:
        info = read_backup(file)
        if as_json:
            click.echo(orjson.dumps(dataclasses.asdict(info), option=orjson.OPT_INDENT_2).decode())
        else:
            echo_info(info, "备份 backup")
        return
    with progress_bar() as progress:
        report = restore(app.store(), file, replace=replace, actor=actor(), progress=progress)
    if as_json:
        click.echo(orjson.dumps(dataclasses.asdict(report), option=orjson.OPT_INDENT_2).decode())
        return
    echo_info(report.backup, "已恢复 restored from")
    click.echo(f"  目标 into: {report.store}" + (" (已替换 replaced)" if report.replaced else ""))
    if report.audit_copied:
        click.echo(f"  审计记录已复制 audit records copied: {report.audit_copied}")
    click.echo(f"  校验通过 digest verified: {report.digest}")
    if report.warnings:
        click.echo(
            f"警告 warnings: orggraph check finds {len(report.warnings)} problem(s) in the data:"
        )
        for line in report.warnings:
            click.echo(f"  {line}")
