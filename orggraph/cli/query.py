"""``orggraph query FILE``: run a saved query (``queries/*.graphql``) from a terminal.

It runs in-process against ``--store`` for a local administrator (limited by ``--scope``
and ``--sector``), and prints the result as a table (the first list in the result, one row
per item, nested fields as dotted columns) or, with ``--json``, as JSON.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
import orjson

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import DATE, as_of_for, make_scope
from orggraph.errors import ConfigError


def _find(name: str) -> Path:
    """A path as given, or the name of a saved query in ``queries/``."""
    path = Path(name)
    if path.exists():
        return path
    from orggraph.api.saved import default_queries_dir

    saved = default_queries_dir() / (name if name.endswith(".graphql") else f"{name}.graphql")
    if saved.exists():
        return saved
    raise click.BadParameter(f"{name!r} is neither a file nor a saved query", param_hint="FILE")


#: ``--as-of``: the date the query's fields leave out default to.
_AS_OF = "Default date (default today, or the data's date when today is past it)"


@click.command(name="query")
@store_option
@click.argument("file")
@click.option("--var", "pairs", multiple=True, metavar="KEY=VALUE", help="A variable; repeatable")
@click.option("--as-of", "as_of", type=DATE, default=None, help=_AS_OF)
@click.option(
    "--scope", "scope_roots", multiple=True, help="Limit to an organization's subtree; repeatable"
)
@click.option("--sector", "sectors", multiple=True, help="Limit to a sector; repeatable")
@click.option("--json", "as_json", is_flag=True, help="Print the result's data as JSON")
@pass_app
def command(
    app: AppContext,
    file: str,
    pairs: tuple[str, ...],
    as_of: date | None,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    as_json: bool,
) -> None:
    """Run a GraphQL query file (e.g. queries/coverage_gaps.graphql) and print its answer (查询)."""
    from orggraph.api.context import Actor
    from orggraph.api.local import parse_variables, run_document
    from orggraph.api.saved import parse_saved_query

    path = _find(file)
    text = path.read_text("utf-8")
    variables = parse_variables(text, pairs)
    actor = Actor(name="local-admin", role="admin", scope=make_scope(scope_roots, sectors))
    when = as_of_for(app.store(), as_of)
    data = run_document(app.store(), app.settings, text, variables, actor=actor, today=when)
    if as_json:
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    from orggraph.cli.tables import Heading, count_line, echo_line, render_table
    from orggraph.exports.query import flatten, load_query

    try:
        saved = parse_saved_query(path)
        echo_line(saved.title_zh)
        echo_line(saved.title_en)
    except ConfigError:  # a plain .graphql file has no header to show
        pass
    labels = load_query(path).columns  # "# Column: PATH = 中文 | English" header lines
    sections = flatten(data)
    for section in sections:
        if len(sections) > 1:
            click.echo(f"[{section.path}]")
        headers: list[Heading] = [
            (labels[c].zh, labels[c].en) if c in labels else c for c in section.columns
        ]
        rows = [[_cell(row.get(c)) for c in section.columns] for row in section.rows]
        click.echo(count_line(len(rows), "", "rows", unit="行"))
        click.echo(render_table(headers, rows))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
