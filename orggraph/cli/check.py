"""``orggraph check``: integrity of the store (exit 0 when sound)."""

from __future__ import annotations

import sys

import click

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.store.integrity import integrity_problems


@click.command(name="check")
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON")
@pass_app
def command(app: AppContext, as_json: bool) -> None:
    """Check the hierarchy is a forest at every date, references resolve, and the file is sound."""
    problems = integrity_problems(app.store())
    if as_json:
        import orjson

        click.echo(orjson.dumps({"ok": not problems, "problems": problems}).decode())
    elif problems:
        for problem in problems:
            click.echo(problem)
    else:
        click.echo("正常 ok: the store is sound")
    if problems:
        sys.exit(1)
