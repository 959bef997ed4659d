"""Options every analysis command shares: ``--as-of``, ``--scope``, ``--sector``, ``--json``.

A command that leaves ``--as-of`` out is asked at today, or at the data's date when today
is past it (``orggraph.analysis.dating``); ``as_of_for`` resolves it and prints the
data's-date notice (数据截至 …) on stderr, so that ``--json`` output stays clean.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click
import orjson

from orggraph.analysis import jsonable
from orggraph.analysis.dating import Dating
from orggraph.cli.tables import fit_line, terminal_width, to_terminal
from orggraph.model import Sector, parse_enum
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

__all__ = [
    "AS_OF_HELP",
    "DATE",
    "analysis_options",
    "as_of_for",
    "echo_json",
    "make_scope",
    "tell",
]

#: What ``--as-of`` says it defaults to, everywhere.
AS_OF_HELP = "Date to ask at (default today, or the data's date when today is past it)"


class _DateType(click.ParamType[date]):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date; expected YYYY-MM-DD", param, ctx)


DATE = _DateType()


def analysis_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--as-of``, ``--scope`` (repeatable), ``--sector`` (repeatable) and ``--json``."""
    func = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table")(
        func
    )
    func = click.option(
        "--sector",
        "sectors",
        multiple=True,
        help="Limit to a sector (code or Chinese label, e.g. rural / 农村); repeatable",
    )(func)
    func = click.option(
        "--scope",
        "scope_roots",
        multiple=True,
        help="Limit to the subtree of an organization id (e.g. 630102); repeatable",
    )(func)
    func = click.option("--as-of", "as_of", type=DATE, default=None, help=AS_OF_HELP)(func)
    return func


def as_of_for(store: GraphStore, as_of: date | None) -> date:
    """The date a command asks at: ``--as-of``, or today, or the data's date when today is
    past it; a notice on stderr when the date is the data's or past it."""
    dating = Dating(store)
    when = dating.as_of(as_of)
    tell(dating)
    return when


def tell(dating: Dating) -> None:
    """Print ``dating``'s notices (数据截至 …) on stderr, Chinese first, English beside;
    folded to the terminal's width when stderr is one."""
    folded = to_terminal(click.get_text_stream("stderr"))
    for notice in dating.notices:
        for line in fit_line(notice.text, terminal_width()) if folded else [notice.text]:
            click.echo(line, err=True)


def make_scope(scope_roots: tuple[str, ...], sectors: tuple[str, ...]) -> Scope:
    """The scope named by ``--scope`` and ``--sector``; a bad sector is a usage error."""
    try:
        parsed = frozenset(parse_enum(Sector, s) for s in sectors)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--sector") from exc
    return Scope(roots=frozenset(scope_roots), sectors=parsed)


def echo_json(result: Any) -> None:
    """Print any analysis result as indented JSON (Chinese kept as is)."""
    click.echo(orjson.dumps(jsonable(result), option=orjson.OPT_INDENT_2).decode())
