"""``render_export``: the one entry point the CLI and the HTTP API share.

``render_export(kind, store, params, scope, fmt, lang)`` builds the document ``kind``
(``responsibility-list``, ``ledger``, ``coverage``, ``ranking``, ``query``) for the
caller's ``scope`` and writes it as ``fmt`` (a key of ``format_keys()``), returning
``(bytes, media type, file name)``. ``params`` is a mapping of strings (a query string will do):

==============  ==========================================================================
``year``        the year of a list, ledger or ranking (default: the year of ``as_of``)
``as_of``       the date asked at (default: today within ``year``, else its last day)
``since``       coverage: the date compared against; ledger: hide cases struck off before
``person``      responsibility list: one person's list
``root``        narrow the caller's scope to this organization's subtree
``query``       query export: the saved query's name (a file stem in ``queries/``)
``variables``   query export: its variables, as JSON
==============  ==========================================================================

When today is past the data, the data's date stands for today in these defaults, and a
document asked past the data says so in its notes (``orggraph.exports.dated``).

Hand-entered duties and the saved-query folder are keyword arguments, never parameters:
a request must not name files on the server. Bad parameters raise ``ValidationFailed``
(every problem at once, before any work: ``check_export``); an id outside the scope raises
``NotFound``.

Long exports report as they go (``progress``, ``orggraph.progress``): the builder's stages
(per secretary, organization or batch of rows), then the writer's rows as ``写入 XLSX``
(``WRITING``). A callback that raises ``Cancelled`` stops the export; nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from orggraph.errors import NotFound, Problem, ValidationFailed
from orggraph.exports._common import default_as_of, writing
from orggraph.exports.dated import export_notices, export_today, noted
from orggraph.exports.duties import HandDuty
from orggraph.exports.formats import format_keys, get_format
from orggraph.exports.query import Executor
from orggraph.exports.table import Book, Label
from orggraph.model.codec import read_json
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

__all__ = [
    "KINDS",
    "LANGS",
    "WRITING",
    "ExportParams",
    "build_book",
    "check_export",
    "content_disposition",
    "parse_params",
    "progress_plan",
    "render_export",
]

LANGS = ("zh", "en")

#: kind → (Chinese file stem, English file stem)
KINDS: dict[str, Label] = {
    "responsibility-list": Label("责任清单", "responsibility-list"),
    "ledger": Label("整顿台账", "remediation-ledger"),
    "coverage": Label("覆盖情况", "coverage-report"),
    "ranking": Label("评议排名", "year-end-ranking"),
    "query": Label("查询", "query"),
}

#: The stage a format writer's rows are reported as: ``写入 XLSX``, ``写入 PDF``.
WRITING = "写入"

#: Seconds each builder stage takes on the demo city (2019, ``orggraph demo``): what a
#: job's overall percent is weighed by (``progress_plan``). A stage's time runs to the
#: next report, so the writers' first passes (widths, heights) count to the last stage.
STAGE_SECONDS: dict[str, float] = {
    "汇总书记职责": 0.7,
    "核查覆盖缺口与换届": 1.0,
    "排列责任清单": 0.5,
    "核查整顿案例与软弱涣散": 0.8,
    "排列整顿台账": 0.1,
    "统计两新组织覆盖": 0.35,
    "汇总各县区覆盖率": 0.01,
    "列出未覆盖单位": 0.1,
    "汇总年末评议": 0.4,
    "排列评议排名": 0.05,
    "执行查询": 1.0,
    "整理查询结果": 0.1,
}
#: Seconds the writers take over the city's responsibility list (8,990 rows), and the
#: rows of each kind beside it (a ledger or coverage report is a few hundred rows).
WRITER_SECONDS = {"xlsx": 2.5, "pdf": 5.0, "docx": 0.7, "csv": 0.1, "html": 0.5}
ROWS_SHARE = {
    "responsibility-list": 1.0,
    "ledger": 0.05,
    "coverage": 0.05,
    "ranking": 0.5,
    "query": 0.2,
}

_NAME = re.compile(r"[\w-]{1,100}")
_UNSAFE_FILE = re.compile(r'[\\/:*?"<>|\s]+')


@dataclass(frozen=True, kw_only=True, slots=True)
class ExportParams:
    """The checked parameters of one export."""

    year: int
    as_of: date
    since: date | None = None
    person: str | None = None
    root: str | None = None
    query: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)


def _get(params: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = params.get(name)
        if value is not None and value != "":
            return value
    return None


def parse_params(params: Mapping[str, Any], *, today: date | None = None) -> ExportParams:
    """Check and convert ``params`` (strings or values); every problem reported at once."""
    problems: list[Problem] = []

    def bad(name: str, value: Any, message: str) -> None:
        problems.append(
            Problem(rule="export-param", message=message, column=name, value=str(value))
        )

    def as_date(name: str, *aliases: str) -> date | None:
        raw = _get(params, name, *aliases)
        if raw is None or isinstance(raw, date):
            return raw
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            bad(name, raw, "not a date; expected YYYY-MM-DD")
            return None

    as_of = as_date("as_of", "asOf", "as-of")
    since = as_date("since")
    raw_year = _get(params, "year")
    year: int | None = None
    if raw_year is not None:
        try:
            year = int(raw_year)
            if not 1900 <= year <= 2999:
                raise ValueError
        except (TypeError, ValueError):
            bad("year", raw_year, "not a year; expected four digits like 2019")
    raw_vars = _get(params, "variables")
    variables: Mapping[str, Any] = {}
    if isinstance(raw_vars, Mapping):
        variables = raw_vars
    elif raw_vars is not None:
        try:
            variables = read_json(str(raw_vars))
            if not isinstance(variables, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            bad("variables", str(raw_vars)[:200], str(exc))
            variables = {}
    query = _get(params, "query", "name")
    if query is not None and not _NAME.fullmatch(str(query)):
        bad("query", query, "not a saved query name (letters, digits, _ and -)")
    if problems:
        raise ValidationFailed(problems)
    if year is None:
        year = as_of.year if as_of is not None else (today or date.today()).year
    if as_of is None:
        as_of = default_as_of(year, today)
    person, root = _get(params, "person"), _get(params, "root", "org")
    return ExportParams(
        year=year,
        as_of=as_of,
        since=since,
        person=None if person is None else str(person),
        root=None if root is None else str(root),
        query=None if query is None else str(query),
        variables=variables,
    )


def narrow(store: GraphStore, scope: Scope, root: str | None, as_of: date) -> Scope:
    """``scope`` narrowed to the subtree of ``root`` (which the scope must see)."""
    if root is None:
        return scope
    node = store.node(root, as_of)
    if node is None or not scope.view(store, as_of).sees(node):
        raise NotFound(f"no organization {root!r} at {as_of.isoformat()} (or not in your scope)")
    return Scope(roots=frozenset({root}), sectors=scope.sectors)


def build_book(
    kind: str,
    store: GraphStore,
    params: ExportParams,
    scope: Scope,
    *,
    duties: Sequence[HandDuty] = (),
    queries: Path | None = None,
    executor: Executor | None = None,
    actor: Any = None,
    progress: Progress = silent,
) -> Book:
    """The document ``kind`` as a neutral book (``progress`` hears its builder's stages)."""
    scope = narrow(store, scope, params.root, params.as_of)
    if kind == "responsibility-list":
        from orggraph.exports.lists import responsibility_list

        return responsibility_list(
            store,
            year=params.year,
            as_of=params.as_of,
            scope=scope,
            person=params.person,
            duties=duties,
            progress=progress,
        )
    if kind == "ledger":
        from orggraph.exports.ledger import remediation_ledger

        return remediation_ledger(
            store,
            year=params.year,
            as_of=params.as_of,
            scope=scope,
            since=params.since,
            progress=progress,
        )
    if kind == "coverage":
        from orggraph.exports.coverage_report import coverage_report

        return coverage_report(
            store, as_of=params.as_of, scope=scope, since=params.since, progress=progress
        )
    if kind == "ranking":
        from orggraph.exports.ranking import year_end_ranking

        return year_end_ranking(
            store, year=params.year, as_of=params.as_of, scope=scope, progress=progress
        )
    if kind == "query":
        from orggraph.exports.query import query_book

        if params.query is None:
            raise ValidationFailed(
                [Problem(rule="export-param", message="name the saved query", column="query")]
            )
        return query_book(
            store,
            params.query,
            as_of=params.as_of,
            scope=scope,
            variables=params.variables,
            folder=queries,
            executor=executor,
            actor=actor,
            progress=progress,
        )
    raise ValidationFailed(
        [
            Problem(
                rule="export-kind",
                message=f"unknown export; expected one of {', '.join(KINDS)}",
                value=kind,
            )
        ]
    )


def file_name(kind: str, params: ExportParams, scope: Scope, extension: str, lang: str) -> str:
    """A file name that says what the export is: ``责任清单-2019-630102.xlsx``."""
    parts = [KINDS[kind].text(lang) if kind in KINDS else kind]
    if kind == "query" and params.query:
        parts.append(params.query)
    if kind == "coverage":
        parts.append(params.as_of.isoformat())
    else:
        parts.append(str(params.year))
    who = params.person or params.root or "+".join(sorted(scope.roots))
    if who:
        parts.append(who[:60])
    return _UNSAFE_FILE.sub("_", "-".join(parts)) + "." + extension


def check_export(
    kind: str, params: Mapping[str, Any], fmt: str, lang: str, *, today: date | None = None
) -> ExportParams:
    """The checks ``render_export`` makes before any work: the kind, format and language
    known and the parameters well formed (``ValidationFailed`` naming every problem)."""
    problems = []
    if kind not in KINDS:
        problems.append(
            Problem(
                rule="export-kind",
                message=f"unknown export; expected one of {', '.join(KINDS)}",
                column="kind",
                value=kind,
            )
        )
    if fmt not in format_keys():
        problems.append(
            Problem(
                rule="export-format",
                message=f"unknown format; expected one of {', '.join(format_keys())}",
                column="format",
                value=fmt,
            )
        )
    if lang not in LANGS:
        problems.append(
            Problem(
                rule="export-lang",
                message=f"unknown language; expected one of {', '.join(LANGS)}",
                column="lang",
                value=lang,
            )
        )
    if problems:
        raise ValidationFailed(problems)
    return parse_params(params, today=today)


def progress_plan(kind: str, fmt: str) -> tuple[tuple[str, float], ...]:
    """The stages an export of ``kind`` as ``fmt`` reports, in order, each with its share
    of the whole (the shares add up to 1): how a watcher turns ``progress`` calls into one
    percent that only moves forward."""
    from orggraph.exports import coverage_report, ledger, lists, query, ranking

    builders = {
        "responsibility-list": lists.STAGES,
        "ledger": ledger.STAGES,
        "coverage": coverage_report.STAGES,
        "ranking": ranking.STAGES,
        "query": query.STAGES,
    }
    stages = [(s, STAGE_SECONDS[s]) for s in builders.get(kind, ())]
    writer = WRITER_SECONDS.get(fmt, 1.0) * ROWS_SHARE.get(kind, 1.0)
    stages.append((f"{WRITING} {fmt.upper()}", writer))
    whole = sum(seconds for _, seconds in stages)
    return tuple((stage, seconds / whole) for stage, seconds in stages)


def render_export(
    kind: str,
    store: GraphStore,
    params: Mapping[str, Any],
    scope: Scope,
    fmt: str,
    lang: str = "zh",
    *,
    duties: Sequence[HandDuty] = (),
    queries: Path | None = None,
    executor: Executor | None = None,
    actor: Any = None,
    today: date | None = None,
    progress: Progress = silent,
) -> tuple[bytes, str, str]:
    """Build and write one export: ``(content, media type, file name)``.

    ``kind`` is one of ``KINDS``; ``fmt`` one of ``format_keys()``; ``lang`` ``zh`` or ``en``.
    ``duties`` are hand-entered duties (responsibility list); ``queries`` the saved-query
    folder (default ``queries/`` beside the package); ``executor`` the API's in-process
    GraphQL executor (query exports need it) and ``actor`` whom a saved query runs for.
    ``progress`` hears the builder's stages, then the writer's rows (``WRITING``).
    Raises ``ValidationFailed`` for a bad kind, format, language or parameter, ``NotFound``
    for an id outside ``scope``, and whatever ``progress`` raises (``Cancelled``).
    """
    checked = check_export(kind, params, fmt, lang, today=export_today(store, today))
    book = build_book(
        kind,
        store,
        checked,
        scope,
        duties=duties,
        queries=queries,
        executor=executor,
        actor=actor,
        progress=progress,
    )
    book = noted(book, export_notices(store, kind, checked.as_of))
    writer = get_format(fmt)
    stage = f"{WRITING} {fmt.upper()}"
    with writing(progress, stage):
        content = writer.render(book, lang)
    rows = sum(len(table.rows) for table in book.tables)
    progress(stage, rows, rows)  # every writer's end, watched or not: the rows written
    return content, writer.media_type, file_name(kind, checked, scope, writer.extension, lang)


def content_disposition(filename: str) -> str:
    """A ``Content-Disposition`` value for ``filename`` (RFC 6266 with an ASCII fallback).

    >>> content_disposition("清单-2019.csv")
    'attachment; filename="2019.csv"; filename*=UTF-8\\'\\'%E6%B8%85%E5%8D%95-2019.csv'
    """
    fallback = re.sub(r"[^\x20-\x7e]|[\"\\]", "", filename).strip("-_ ") or "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
