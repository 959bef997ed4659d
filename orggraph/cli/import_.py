"""``orggraph import PATH...``: validated imports from CSV, XLSX and JSON (数据导入).

All or nothing: any error in any file, sheet or row writes nothing and exits 2, listing
every problem with its file, sheet, row, column, value and rule. Warnings are printed
grouped by rule, with their count and the first few (``--json`` lists them all).
"""

from __future__ import annotations

import dataclasses
import getpass
import sys
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import click
import orjson

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import DATE
from orggraph.cli.progress import progress_bar
from orggraph.errors import Problem, ValidationFailed
from orggraph.imports import ImportReport, find_table, import_files


def _problem_json(problem: Problem) -> dict[str, object]:
    return {f.name: getattr(problem, f.name) for f in dataclasses.fields(problem)}


def _actor() -> str:
    """Who the audit trail records: the user running the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in this environment
        return "cli"


def _label(table: str) -> str:
    spec = find_table(table)
    return spec.title if spec else table


#: Warnings shown per rule in the terminal; ``--json`` keeps every one.
EXAMPLES = 5


def grouped_warnings(warnings: Sequence[Problem], examples: int = EXAMPLES) -> list[str]:
    """Warnings as lines: a total, then per rule its count and its first ``examples``."""
    if not warnings:
        return []
    by_rule: dict[str, list[Problem]] = defaultdict(list)
    for warning in warnings:
        by_rule[warning.rule].append(warning)
    counts = ", ".join(f"{rule} {len(found)}" for rule, found in by_rule.items())
    lines = [f"警告 warnings: {len(warnings)} ({counts})"]
    for rule, found in by_rule.items():
        lines.append(f"  {rule}: {len(found)}")
        lines += [f"    {w}" for w in found[:examples]]
        if len(found) > examples:
            more = len(found) - examples
            lines.append(f"    … 另有 {more} 条 and {more} more (--json lists all)")
    return lines


def _print(report: ImportReport) -> None:
    click.echo(
        f"导入 import: {len(report.files)} 个文件 file(s), "
        f"生效日期 effective {report.effective.isoformat()}"
    )
    for table, rows in report.rows.items():
        if rows or not report.rows_read:  # the template's empty sheets say nothing
            click.echo(f"  {_label(table)}: {rows} 行 rows")
    click.echo(
        f"新增版本 versions added: {report.versions_added} "
        f"(节点 nodes {report.nodes_added}, 关系 links {report.links_added}); "
        f"关闭版本 versions closed: {report.versions_closed} "
        f"(节点 nodes {report.nodes_closed}, 关系 links {report.links_closed}); "
        f"年度指标 facts: {report.facts}"
    )
    if report.rows_read and not report.changed:
        click.echo(f"无变化 / nothing changed: {report.rows_read} rows already stored")
    for line in grouped_warnings(report.warnings):
        click.echo(line)
    if report.dry_run:
        click.echo("试运行，未写入 (dry run: nothing was written)")


@click.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@click.option(
    "--effective",
    type=DATE,
    default=None,
    help="Date changes take effect, and the start of rows with no 起始日期 (default today)",
)
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing")
@click.option(
    "--clip-links",
    is_flag=True,
    help="Trim links to the dates both their ends exist (a warning each) instead of refusing",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary (or problems) as JSON")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=None,
    help="Largest file accepted, in bytes (default ORGGRAPH_MAX_IMPORT_BYTES, 100000000)",
)
@pass_app
def command(
    app: AppContext,
    paths: tuple[Path, ...],
    effective: date | None,
    dry_run: bool,
    clip_links: bool,
    as_json: bool,
    max_bytes: int | None,
) -> None:
    """Import tables from CSV, XLSX or JSON files (or folders of them), all or nothing.

    Tables are named by the sheet, the CSV file's name or the JSON key: 党组织/organizations,
    党员/members, 隶属关系/hierarchy, ... (see docs/IMPORT.md, or `orggraph template`).
    """
    from orggraph.analysis.config import load_rules

    minimum = load_rules(app.settings.rules).get("organization", "min_full_members")
    try:
        with progress_bar() as progress:
            report = import_files(
                app.store(),
                list(paths),
                effective=effective,
                dry_run=dry_run,
                max_bytes=max_bytes or app.settings.max_import_bytes,
                actor=_actor(),
                min_full_members=int(minimum),
                progress=progress,
                clip_links=clip_links,
            )
    except ValidationFailed as exc:
        if not as_json:
            raise
        errors = [p for p in exc.problems if p.severity == "error"]
        payload = {
            "ok": False,
            "errors": len(errors),
            "problems": [_problem_json(p) for p in exc.problems],
        }
        click.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        sys.exit(exc.exit_code)
    if as_json:
        payload = {
            "ok": True,
            "changed": report.changed,
            "dry_run": report.dry_run,
            "effective": report.effective.isoformat(),
            "files": list(report.files),
            "rows": dict(report.rows),
            "nodes_added": report.nodes_added,
            "nodes_closed": report.nodes_closed,
            "links_added": report.links_added,
            "links_closed": report.links_closed,
            "facts": report.facts,
            "warnings": [_problem_json(p) for p in report.warnings],
        }
        click.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    _print(report)
