"""Options every analysis command shares: ``--as-of``, ``--scope``, ``--sector``, ``--json``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click
import orjson

from orggraph.analysis import jsonable
from orggraph.model import Sector, parse_enum
from orggraph.store.scope import Scope

__all__ = ["DATE", "analysis_options", "echo_json", "make_scope"]


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
    func = click.option(
        "--as-of", "as_of", type=DATE, default=None, help="Date to ask at (default today)"
    )(func)
    return func


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
