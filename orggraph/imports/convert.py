"""Rows → records: one row of a table becomes a node version, a link version or facts.

Every problem found in a row names the place (``Where``: file, sheet, row) and the column
as the file wrote it. A row with any error yields no record; its id is remembered, so a
reference to it elsewhere is not reported a second time as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Generic, TypeVar

from orggraph.errors import Problem
from orggraph.imports.tables import (
    IGNORED_COLUMNS,
    TABLES,
    Column,
    TableSpec,
    find_table,
    normalize,
)
from orggraph.imports.values import BadCell, is_blank, parse_value
from orggraph.model import FACTS, Fact, Link, Node
from orggraph.model.records import FactValue
from orggraph.model.synonyms import TEXT_SYNONYMS, not_allowed, text_synonym

__all__ = [
    "Placed",
    "RowRecords",
    "Where",
    "convert_objects",
    "convert_rows",
    "records_from_rows",
    "resolve_headers",
    "unknown_table",
]

R = TypeVar("R", Node, Link, Fact)

#: Characters an id may not hold: link ids are built as ``kind:source>target#role``.
_BAD_ID = re.compile(r"[\s:>#]")


@dataclass(frozen=True, kw_only=True, slots=True)
class Where:
    """A row of an input: the file (or API source), the sheet, the row number."""

    file: str
    sheet: str | None
    row: int
    headers: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def problem(
        self,
        rule: str,
        message: str,
        *,
        column: str | None = None,
        value: Any = None,
        severity: str = "error",
    ) -> Problem:
        """A problem at this row, with ``column`` shown as the header the file used."""
        return Problem(
            rule=rule,
            message=message,
            file=self.file,
            sheet=self.sheet,
            row=self.row,
            column=self.headers.get(column, column) if column else None,
            value=None if value is None else str(value),
            severity=severity,
        )

    def __str__(self) -> str:
        sheet = f"[{self.sheet}]" if self.sheet else ""
        return f"{self.file}{sheet} row {self.row}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Placed(Generic[R]):
    """A record and the row it came from (``column``: the column that made a link)."""

    record: R
    where: Where
    column: str | None = None


@dataclass(kw_only=True, slots=True)
class RowRecords:
    """What some rows became: records with their places, problems, and counts."""

    nodes: list[Placed[Node]] = field(default_factory=list)
    links: list[Placed[Link]] = field(default_factory=list)
    facts: list[Placed[Fact]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # table name → rows read
    failed_ids: set[str] = field(default_factory=set)  # ids of node rows that had errors

    def extend(self, other: RowRecords) -> None:
        self.nodes += other.nodes
        self.links += other.links
        self.facts += other.facts
        self.problems += other.problems
        for name, count in other.rows.items():
            self.rows[name] = self.rows.get(name, 0) + count
        self.failed_ids |= other.failed_ids


def resolve_headers(
    table: TableSpec, headers: Sequence[Any], where: Where
) -> tuple[list[Column | None], list[Problem]]:
    """The column each header names (``None``: ignored), and header problems.

    Unknown and repeated headers are errors; so is a required column that is missing.
    Columns headed ``备注``/``notes`` or starting with ``#`` are notes, ignored.
    """
    problems: list[Problem] = []
    out: list[Column | None] = []
    seen: dict[str, str] = {}
    for header in headers:
        text = "" if header is None else str(header).strip()
        if not text or text.startswith("#") or normalize(text) in IGNORED_COLUMNS:
            out.append(None)
            continue
        column = table.column(text)
        if column is None:
            known = ", ".join(f"{c.label_zh}/{c.name}" for c in table.columns)
            problems.append(
                where.problem(
                    "unknown-column",
                    f"table {table.name} ({table.label_zh}) has no column {text!r}; "
                    f"known columns: {known}",
                    column=text,
                    value=text,
                )
            )
            out.append(None)
            continue
        if column.replaced_by is not None and column.name not in seen:
            problems.append(_replaced(table, column, text, where))
        if column.name in seen:
            problems.append(
                where.problem(
                    "duplicate-column",
                    f"{text!r} names column {column.name} again (first as {seen[column.name]!r})",
                    column=text,
                    value=text,
                )
            )
            out.append(None)
            continue
        seen[column.name] = text
        out.append(column)
    for column in table.required():
        if column.name not in seen:
            problems.append(
                where.problem(
                    "missing-column",
                    f"table {table.name} ({table.label_zh}) needs a column "
                    f"{column.label_zh} ({column.name})",
                    column=column.name,
                )
            )
    return out, problems


def _replaced(table: TableSpec, column: Column, text: str, where: Where) -> Problem:
    """The warning for a column of an earlier format: read once into what replaced it."""
    new = next(c for c in table.columns if c.name == column.replaced_by)
    # Read only where no column before it in the order of preference has a value.
    before = [new, *table.legacy[: table.legacy.index(column)]]
    unless = " nor ".join(f"{c.label_zh} ({c.name})" for c in before)
    lead = f"{column.label_zh} ({column.name}) is no longer an attribute of the {table.name}"
    return where.problem(
        "replaced-column",
        f"{lead}: read once into {new.label_zh} ({new.name}), a {new.link_kind} link dated "
        f"as its row, on rows that give no {unless}; write {new.label_zh} ({new.name}) "
        "instead. A unit's district and township are read from the hierarchy at the date",
        column=text,
        value=text,
        severity="warning",
    )


def records_from_rows(
    table: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    source: str = "api",
    sheet: str | None = None,
    first_row: int = 1,
    effective: date | None = None,
) -> RowRecords:
    """Convert rows of ``table`` (dicts keyed by code name, Chinese label or both) to records.

    This is the conversion imports use, for callers with rows in hand (GraphQL mutations):
    rows are numbered from ``first_row`` and placed in ``source``. Checks that need the
    store (references, history) are ``orggraph.imports.validate``'s. Dates left empty take
    ``effective`` (default today).

    >>> out = records_from_rows("党员组织关系", [{"党员": "m1", "organization": "b1"}],
    ...                         effective=date(2024, 1, 1))
    >>> [(link.record.id, str(link.record.valid_from)) for link in out.links]
    [('member_of:m1>b1', '2024-01-01')]
    """
    out = RowRecords()
    spec = find_table(table)
    if spec is None:
        out.problems.append(unknown_table(table, source, sheet))
        return out
    numbered = ((first_row + index, row) for index, row in enumerate(rows))
    convert_objects(spec, numbered, source, sheet, effective or date.today(), out)
    return out


def convert_objects(
    table: TableSpec,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    source: str,
    sheet: str | None,
    effective: date,
    out: RowRecords,
) -> None:
    """Convert numbered dict rows of ``table`` into ``out`` (a JSON file, an API call)."""
    out.rows.setdefault(table.name, 0)
    cache: dict[tuple[str, ...], tuple[list[Column | None], dict[str, str]]] = {}
    reported: set[str] = set()
    for number, row in rows:
        keys = tuple(k for k in row if k != "table")
        if keys not in cache:
            where = Where(file=source, sheet=sheet, row=number)
            columns, problems = resolve_headers(table, keys, where)
            # A key missing from a dict row is an empty value: reported per row, not as a column.
            for problem in problems:
                if problem.rule != "missing-column" and problem.value not in reported:
                    reported.add(problem.value or "")
                    out.problems.append(problem)
            headers = {c.name: k for c, k in zip(columns, keys, strict=True) if c is not None}
            cache[keys] = (columns, headers)
        columns, headers = cache[keys]
        where = Where(file=source, sheet=sheet, row=number, headers=headers)
        convert_rows(table, columns, [(where, [row[k] for k in keys])], effective, out)


def convert_rows(
    table: TableSpec,
    columns: Sequence[Column | None],
    rows: Iterable[tuple[Where, Sequence[Any]]],
    effective: date,
    out: RowRecords,
    absent: frozenset[str] = frozenset(),
) -> None:
    """Convert value rows whose columns are ``columns`` into ``out``.

    ``absent``: required columns the header lacks (already reported once, not per row).
    Blank rows are skipped and not counted.
    """
    for where, values in rows:
        if len(values) > len(columns) and any(not is_blank(v) for v in values[len(columns) :]):
            extra = next(i for i in range(len(columns), len(values)) if not is_blank(values[i]))
            out.problems.append(
                where.problem(
                    "unknown-column",
                    f"column {extra + 1} holds a value but has no header",
                    column=f"#{extra + 1}",
                    value=values[extra],
                )
            )
        cells: dict[str, Any] = {}
        for column, value in zip(columns, values, strict=False):
            if column is not None and not is_blank(value):
                cells[column.name] = value
        if not cells and all(is_blank(v) for v in values):
            continue
        out.rows[table.name] = out.rows.get(table.name, 0) + 1
        _convert_row(table, cells, where, effective, out, absent)


@dataclass(frozen=True, slots=True)
class _Layout:
    """The columns of a table by what they do, worked out once per table."""

    by_name: dict[str, Column]
    required: tuple[Column, ...]
    ids: frozenset[str]
    attrs: tuple[str, ...]
    links: tuple[Column, ...]
    legacy: tuple[Column, ...]  # earlier formats' link columns, in order of preference
    facts: tuple[str, ...]
    source: str
    target: str


_LAYOUTS: dict[str, _Layout] = {}


def _layout(table: TableSpec) -> _Layout:
    layout = _LAYOUTS.get(table.name)
    if layout is None:
        roles = {c.role: c.name for c in table.columns}
        every = (*table.columns, *table.legacy)
        layout = _LAYOUTS[table.name] = _Layout(
            by_name={c.name: c for c in every},
            required=tuple(table.required()),
            ids=frozenset(c.name for c in every if c.role in ("id", "source", "target", "link")),
            attrs=tuple(c.name for c in table.columns if c.role == "attr"),
            links=tuple(c for c in table.columns if c.role == "link" and c.link_kind),
            legacy=tuple(c for c in table.legacy if c.link_kind),
            facts=tuple(c.name for c in table.columns if c.role == "fact" and c.name in FACTS),
            source=roles.get("source", ""),
            target=roles.get("target", ""),
        )
    return layout


def _convert_row(
    table: TableSpec,
    cells: dict[str, Any],
    where: Where,
    effective: date,
    out: RowRecords,
    absent: frozenset[str],
) -> None:
    layout = _layout(table)
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for column in layout.required:
        if column.name not in cells and column.name not in absent:
            problems.append(
                where.problem(
                    "required", f"{column.label_zh} ({column.name}) is required", column=column.name
                )
            )
    for name, raw in cells.items():
        column = layout.by_name[name]
        if isinstance(raw, BadCell):
            problems.append(where.problem(raw.kind, raw.describe(), column=name, value=raw.text))
            continue
        try:
            value = values[name] = parse_value(column.value_type, raw)
        except ValueError as exc:
            rule = "type"
            message = f"{column.label_zh} ({name}): {exc}"
            if isinstance(column.value_type, type) and issubclass(column.value_type, StrEnum):
                rule = "enum"
                message = not_allowed(column.value_type, raw, f"{column.label_zh} ({name})")
            elif column.value_type == "date":
                rule = "date"
            problems.append(where.problem(rule, message, column=name, value=raw))
            continue
        if isinstance(value, str) and name in TEXT_SYNONYMS:
            value = values[name] = text_synonym(name, value)
        if name in layout.ids and (not value or _BAD_ID.search(value)):
            problems.append(
                where.problem(
                    "id-format",
                    f"{column.label_zh} ({name}): {value!r} is not a usable id; "
                    "an id may not be empty or hold spaces, ':', '>' or '#'",
                    column=name,
                    value=value,
                )
            )
    start = values.get("valid_from", effective)
    end = values.get("valid_to")
    if end is not None and end <= start:
        problems.append(
            where.problem(
                "dates-ordered",
                f"终止日期 valid_to {end} must be after 起始日期 valid_from {start}",
                column="valid_to",
                value=end,
            )
        )
    year = values.get("year")
    if isinstance(year, int) and not 1900 <= year <= 2100:
        problems.append(
            where.problem("type", f"年度 (year): {year} is not a year", column="year", value=year)
        )
    if problems or absent:
        out.problems += problems
        if table.node_kind is not None and isinstance(values.get("id"), str):
            out.failed_ids.add(values["id"])
        return
    attrs = {name: values[name] for name in layout.attrs if name in values}
    if table.node_kind is not None:
        node = Node(
            id=values["id"],
            kind=table.node_kind,
            name=values["name"],
            valid_from=start,
            valid_to=end,
            attrs=attrs,
        )
        out.nodes.append(Placed(record=node, where=where))
        for column in layout.links:
            if column.name in values and column.link_kind is not None:
                link = Link(
                    kind=column.link_kind,
                    source=node.id,
                    target=values[column.name],
                    valid_from=start,
                    valid_to=end,
                )
                out.links.append(Placed(record=link, where=where, column=column.name))
        made = {column.link_kind for column in layout.links if column.name in values}
        for column in layout.legacy:
            kind = column.link_kind
            if kind is not None and column.name in values and kind not in made:
                made.add(kind)
                link = Link(
                    kind=kind,
                    source=node.id,
                    target=values[column.name],
                    valid_from=start,
                    valid_to=end,
                )
                out.links.append(Placed(record=link, where=where, column=column.name))
    elif table.link_kind is not None:
        link = Link(
            kind=table.link_kind,
            source=values[layout.source],
            target=values[layout.target],
            valid_from=start,
            valid_to=end,
            attrs=attrs,
        )
        out.links.append(Placed(record=link, where=where))
    else:
        for name in layout.facts:
            if name in values:
                fact_value: FactValue = values[name]
                fact = Fact(node_id=values["id"], year=values["year"], name=name, value=fact_value)
                out.facts.append(Placed(record=fact, where=where, column=name))


def unknown_table(name: str, file: str, sheet: str | None) -> Problem:
    """The error for a sheet, file or JSON key that names no table."""
    known = ", ".join(f"{t.label_zh}/{t.name}" for t in TABLES)
    return Problem(
        rule="unknown-table",
        message=f"{name!r} is not an import table; known tables: {known}",
        file=file,
        sheet=sheet,
        value=name,
    )
