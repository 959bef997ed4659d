"""Saved queries (``queries/*.graphql``) as tables: an analyst adds an export by writing one.

The query runs in-process against the GraphQL schema with the caller's scope; its result is
flattened to tables:

- every list reached through objects only (a connection's ``nodes``, each list field of a
  single object) is a table, one row per item; a result with one such list (the usual
  case) is one table, several are one table (sheet) each, and none is one row;
- nested objects become dotted columns (``parent.name``); a list inside an item becomes one
  cell, its values joined with ``；``;
- scalars outside the lists (a ``totalCount``, the date asked at) are repeated on every
  row, so a CSV loses nothing.

The table's title is the file's header (the ``#`` lines that open it, as for the
explorer): its first line in Chinese, its second in English, each up to its first colon
(the whole lines become a note). Header lines of the form
``Column: PATH = 中文 | English`` name a column in both languages (PATH as the column
shows it: relative to the list for an item's fields; else the dotted path is
the header)::

    # 无书记的党组织
    # Organizations without a secretary
    # Column: name = 党组织 | Organization

The query runs through an ``Executor`` the caller hands in (the API's; exports do not
import the API).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from orggraph.errors import ConfigError, NotFound
from orggraph.exports._common import each, scope_caption
from orggraph.exports.table import Book, Cell, Column, Label, Table
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

__all__ = [
    "DEFAULT_FOLDER",
    "STAGES",
    "Executor",
    "SavedQuery",
    "Section",
    "find_query",
    "flatten",
    "load_query",
    "query_book",
    "query_tables",
    "saved_queries",
]

JOIN = "；"
#: What ``query_book`` reports, in order: the query run, then each of its lists laid out.
STAGES = ("执行查询", "整理查询结果")
_COLUMN = re.compile(r"column\s*:\s*([\w.]+)\s*=\s*(.+?)\s*", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True, slots=True)
class SavedQuery:
    """A ``.graphql`` file: its name (the file stem), text, and the labels it declares."""

    name: str
    text: str
    title: Label
    columns: Mapping[str, Label] = field(default_factory=dict)
    notes: tuple[Label, ...] = ()


def _label(raw: str) -> Label:
    zh, _, en = raw.partition("|")
    zh, en = zh.strip(), en.strip()
    return Label(zh, en or zh)


def load_query(path: str | Path) -> SavedQuery:
    """The saved query in the file at ``path``."""
    file = Path(path)
    text = file.read_text("utf-8")
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line.lstrip("#").strip())
    columns = {}
    for line in header:
        match = _COLUMN.fullmatch(line)
        if match:
            columns[match.group(1)] = _label(match.group(2))
    titles = [line for line in header[:2] if line and not _COLUMN.fullmatch(line)]
    zh = titles[0] if titles else file.stem
    en = titles[1] if len(titles) > 1 else zh
    # "变化：两个日期之间……" titles the table 变化; the whole line becomes a note.
    short = Label(zh.split("：", 1)[0].strip(), en.split(": ", 1)[0].strip())
    notes = (Label(zh, en),) if short != Label(zh, en) else ()
    return SavedQuery(name=file.stem, text=text, title=short, columns=columns, notes=notes)


def saved_queries(folder: str | Path) -> dict[str, Path]:
    """The saved queries in ``folder``, by name (file stem), sorted."""
    return {p.stem: p for p in sorted(Path(folder).glob("*.graphql"))}


def find_query(folder: str | Path, name: str) -> SavedQuery:
    """The saved query called ``name`` (a file stem) in ``folder``; ``NotFound`` lists the known."""
    known = saved_queries(folder)
    if name not in known:
        raise NotFound(
            f"saved query {name!r} is not in {str(folder)!r}; known: {', '.join(known) or '(none)'}"
        )
    return load_query(known[name])


@dataclass(frozen=True, kw_only=True, slots=True)
class Section:
    """One table of a flattened result: the list it comes from, its columns and rows."""

    path: str  # the list's dotted path; "" for a result without a list
    columns: list[str]
    rows: list[dict[str, Any]]


def _walk(value: Any, prefix: str, context: dict[str, Any], lists: list[tuple[str, Any]]) -> None:
    """Through objects only: scalar leaves into ``context``, lists into ``lists``."""
    if isinstance(value, Mapping):
        for key, child in value.items():
            _walk(child, f"{prefix}.{key}" if prefix else str(key), context, lists)
    elif isinstance(value, list):
        lists.append((prefix, value))
    else:
        context[prefix] = value


def _leaves(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _leaves(child, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        # A list inside a row: each leaf path gathers its values across the items.
        gathered: dict[str, list[Any]] = {}
        for item in value:
            inner: dict[str, Any] = {}
            _leaves(item, prefix, inner)
            for key, leaf in inner.items():
                gathered.setdefault(key, []).append(leaf)
        for key, leaves in gathered.items():
            out[key] = JOIN.join("" if v is None else _scalar_text(v) for v in leaves)
        if not value:
            out.setdefault(prefix, None)
    else:
        out[prefix] = value


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _section(path: str, rows: list[dict[str, Any]], context: dict[str, Any]) -> Section:
    columns: dict[str, None] = dict.fromkeys(context)
    for row in rows:
        columns.update(dict.fromkeys(row))
    # An object that is null on some rows shows up as its own column: drop it when its
    # fields have columns of their own and it is null everywhere.
    names = list(columns)
    for name in names:
        if any(other.startswith(name + ".") for other in names) and all(
            row.get(name) is None for row in rows
        ):
            del columns[name]
            for row in rows:
                row.pop(name, None)
    return Section(path=path, columns=list(columns), rows=rows)


def flatten(data: Mapping[str, Any]) -> list[Section]:
    """A GraphQL result's ``data`` as tables; see the module docstring.

    >>> [(s.path, s.columns, s.rows) for s in flatten(
    ...     {"orgs": {"total": 2, "nodes": [{"id": "b1", "parent": {"id": "t"}},
    ...                                     {"id": "b2", "parent": None}]}})]
    [('orgs.nodes', ['orgs.total', 'id', 'parent.id'], [{'orgs.total': 2, 'id': 'b1', \
'parent.id': 't'}, {'orgs.total': 2, 'id': 'b2'}])]
    """
    context: dict[str, Any] = {}
    lists: list[tuple[str, Any]] = []
    _walk(data, "", context, lists)
    if not lists:
        return [_section("", [context], {})]
    sections = []
    for path, items in lists:
        rows = []
        for item in items:
            row = dict(context)
            if isinstance(item, Mapping):
                _leaves(item, "", row)
            else:  # a list of scalars: the list's own name is the column
                row[path.rsplit(".", 1)[-1]] = item
            rows.append(row)
        sections.append(_section(path, rows, context))
    return sections


def _kind(values: Sequence[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "number"
    return "text"


def query_tables(
    query: SavedQuery,
    data: Mapping[str, Any],
    *,
    subtitle: Label | None = None,
    progress: Progress = silent,
) -> tuple[Table, ...]:
    """The flattened result ``data`` of ``query`` as tables, with its declared labels
    (``progress`` hears ``STAGES[1]``, per list)."""
    sections = flatten(data)
    several = len(sections) > 1
    tables = []
    for section in each(sections, progress, STAGES[1], every=1):
        columns = []
        for path in section.columns:
            label = query.columns.get(path, Label.same(path))
            values = [r.get(path) for r in section.rows]
            columns.append(Column(key=path, zh=label.zh, en=label.en, kind=_kind(values)))
        records: list[dict[str, Cell]] = [
            {k: _cell(v) for k, v in row.items()} for row in section.rows
        ]
        title = query.title
        if several:
            title = Label(f"{title.zh}·{section.path}", f"{title.en} · {section.path}")
        tables.append(
            Table.from_records(
                title=title,
                columns=columns,
                records=records,
                subtitle=subtitle,
                notes=query.notes,
                sheet=Label.same(section.path.rsplit(".", 1)[-1]) if several else None,
            )
        )
    return tuple(tables)


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


#: Where the saved queries live: ``queries/`` at the top of the source tree.
DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "queries"


class Executor(Protocol):
    """Runs a GraphQL document in-process; returns the result's ``data``.

    The API provides it (exports do not import the API): it runs ``text`` against the
    schema for ``actor`` (or, when ``None``, a local administrator limited to ``scope``),
    reading at ``as_of`` by default, and raises ``ValidationFailed`` on query errors.
    """

    def __call__(
        self,
        text: str,
        variables: Mapping[str, Any],
        *,
        store: GraphStore,
        scope: Scope,
        as_of: date,
        actor: Any = None,
    ) -> Mapping[str, Any]: ...


def query_book(
    store: GraphStore,
    name: str,
    *,
    as_of: date,
    scope: Scope,
    executor: Executor | None,
    variables: Mapping[str, Any] | None = None,
    folder: Path | None = None,
    actor: Any = None,
    progress: Progress = silent,
) -> Book:
    """The saved query ``name`` run at ``as_of`` for ``scope``, flattened to a table.
    ``progress`` hears ``STAGES``."""
    query = find_query(folder or DEFAULT_FOLDER, name)
    if executor is None:
        raise ConfigError(
            "query exports need the API's GraphQL executor; pass executor= to render_export"
        )
    progress(STAGES[0], 0, 1)
    data = executor(query.text, variables or {}, store=store, scope=scope, as_of=as_of, actor=actor)
    progress(STAGES[0], 1, 1)
    subtitle = scope_caption(store, scope, as_of)
    tables = query_tables(query, data, subtitle=subtitle, progress=progress)
    return Book(title=query.title, tables=tables)
