"""``orggraph export``: the lists people print and hand on: XLSX, CSV, HTML, PDF, DOCX.

::

    orggraph export responsibility-list --scope 630102 --year 2019 -o 责任清单.xlsx
    orggraph export ledger --year 2019 --format csv -o ledger.csv
    orggraph export coverage --as-of 2019-06-30 --since 2014-12-31 --format html -o cov.html
    orggraph export query orgs-without-secretary --var scope=630102 -o q.csv
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import click

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import DATE, make_scope
from orggraph.cli.progress import progress_bar
from orggraph.errors import Problem, ValidationFailed
from orggraph.exports.formats import format_keys
from orggraph.exports.query import DEFAULT_FOLDER, Executor, find_query
from orggraph.exports.render import LANGS, render_export
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

#: The exports' defaults: the data's date stands for today when today is past it.
_YEAR = "Year (default: this one, or the data's when today is past the data)"
_AS_OF = "Date to ask at (default: today in --year, else its last day; not past the data)"


@dataclass(frozen=True, kw_only=True, slots=True)
class Options:
    """The options every export shares (``_common`` gathers them)."""

    output: Path | None
    fmt: str | None
    lang: str
    since: date | None
    as_of: date | None
    year: int | None
    sectors: tuple[str, ...]
    scope_roots: tuple[str, ...]

    def params(self, **more: Any) -> dict[str, Any]:
        """The export's parameters: the dates, and ``more`` where given."""
        params: dict[str, Any] = {"year": self.year, "as_of": self.as_of, "since": self.since}
        params.update({k: v for k, v in more.items() if v is not None})
        return params


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options every export shares, handed to ``func`` as one ``Options`` after the app."""
    names = Options.__dataclass_fields__

    @functools.wraps(func)
    def run(app: AppContext, **values: Any) -> Any:
        options = Options(**{name: values.pop(name) for name in names})
        return func(app, options, **values)

    decorators: list[Callable[[Any], Any]] = [
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            default=None,
            help="File to write ('-' for standard output; default: a name that says what it is)",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(format_keys()),
            default=None,
            help="xlsx, csv, html, pdf or docx (default: from the output's extension, else xlsx)",
        ),
        click.option(
            "--lang",
            type=click.Choice(LANGS),
            default="zh",
            show_default=True,
            help="Language of titles, headers and labels",
        ),
        click.option("--since", type=DATE, default=None, help="Date to compare against"),
        click.option("--as-of", "as_of", type=DATE, default=None, help=_AS_OF),
        click.option("--year", type=int, default=None, help=_YEAR),
        click.option(
            "--sector",
            "sectors",
            multiple=True,
            help="Limit to a sector (code or 中文); repeatable",
        ),
        click.option(
            "--scope",
            "scope_roots",
            multiple=True,
            help="Limit to the subtree of an organization id (e.g. 630102); repeatable",
        ),
        store_option,
        pass_app,
    ]
    wrapped: Callable[..., Any] = run
    for decorator in decorators:
        wrapped = decorator(wrapped)
    return wrapped


def _write(
    app: AppContext, kind: str, options: Options, params: Mapping[str, Any], **extra: Any
) -> None:
    fmt, output = options.fmt, options.output
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        fmt = suffix if suffix in format_keys() else "xlsx"
    scope = make_scope(options.scope_roots, options.sectors)
    with progress_bar() as progress:
        content, _, name = render_export(
            kind, app.store(), params, scope, fmt, options.lang, progress=progress, **extra
        )
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    target = output or Path(name)
    _write_whole(target, content)
    click.echo(f"已写入 written: {target} ({len(content):,} 字节 bytes)", err=True)


def _write_whole(target: Path, content: bytes) -> None:
    """Write ``content`` beside ``target`` and rename it there: Ctrl-C leaves no half file."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        partial.write_bytes(content)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


@click.group(name="export")
def command() -> None:
    """Export lists to print and hand on: 责任清单、整顿台账、覆盖情况、saved queries."""


@command.command(name="responsibility-list")
@click.option("--person", default=None, help="One secretary's list (a member id)")
@click.option(
    "--duties",
    "duties_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Duties entered by hand: CSV/XLSX with columns 书记 (person id), 职责, 时限",
)
@_common
def responsibility_list(
    app: AppContext, options: Options, person: str | None, duties_file: Path | None
) -> None:
    """The yearly responsibility list (年度抓党建责任清单), grouped by secretary."""
    from orggraph.exports.duties import read_duties

    duties = read_duties(duties_file) if duties_file is not None else []
    _write(app, "responsibility-list", options, options.params(person=person), duties=duties)


@command.command(name="ledger")
@_common
def ledger(app: AppContext, options: Options) -> None:
    """The remediation ledger (整顿台账): every weak branch and case in scope."""
    _write(app, "ledger", options, options.params())


@command.command(name="ranking")
@_common
def ranking(app: AppContext, options: Options) -> None:
    """The year-end ranking (评议排名): the year's graded lists, best first."""
    _write(app, "ranking", options, options.params())


@command.command(name="coverage")
@_common
def coverage(app: AppContext, options: Options) -> None:
    """The coverage report (覆盖情况): rates by district and sector, the uncovered units."""
    _write(app, "coverage", options, options.params())


@command.command(name="query")
@click.argument("name")
@click.option(
    "--var", "pairs", multiple=True, help="A variable, KEY=VALUE (typed by the query); repeatable"
)
@click.option("--variables", default=None, help="The variables as a JSON object")
@click.option(
    "--queries",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of saved queries (default: queries/)",
)
@_common
def query(
    app: AppContext,
    options: Options,
    name: str,
    pairs: tuple[str, ...],
    variables: str | None,
    folder: Path | None,
) -> None:
    """A saved query (queries/NAME.graphql, or a .graphql file), flattened to a table."""
    from orggraph.api.local import parse_variables

    path = Path(name)
    if path.suffix == ".graphql":
        folder, name = path.parent, path.stem
    folder = folder or DEFAULT_FOLDER
    values = _json_object(variables)
    values.update(parse_variables(find_query(folder, name).text, pairs))
    params = options.params(query=name, variables=values)
    _write(app, "query", options, params, queries=folder, executor=api_executor(app))


def _json_object(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        loaded = json.loads(raw)
    except ValueError:
        loaded = None
    if not isinstance(loaded, dict):
        problem = Problem(
            rule="variables", message="not a JSON object", column="--variables", value=raw
        )
        raise ValidationFailed([problem])
    return loaded


def api_executor(app: AppContext) -> Executor:
    """The API's in-process runner as the executor a query export needs.

    The CLI is the composition root: it may hand the API to the exports.
    """
    from orggraph.api.context import Actor
    from orggraph.api.local import run_document

    def execute(
        text: str,
        variables: Mapping[str, Any],
        *,
        store: GraphStore,
        scope: Scope,
        as_of: date,
        actor: Any = None,
    ) -> Mapping[str, Any]:
        who = actor if actor is not None else Actor(name="local-admin", role="admin", scope=scope)
        return run_document(store, app.settings, text, variables, actor=who, today=as_of)

    return execute
