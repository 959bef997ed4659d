"""The neutral table every export is built as, and every format writer reads.

A ``Table`` is a title, columns with a Chinese and an English header, rows of plain values
and notes; a ``Book`` is one or more tables (sheets in XLSX, sections in HTML and CSV).
Text that people read in either language is a ``Label``; writers pick the language, so one
table renders in Chinese (the default) or English.

>>> t = Table(
...     title=Label("名单", "List"),
...     columns=(
...         Column(key="name", zh="姓名", en="Name"),
...         Column(key="n", zh="人数", en="Count", kind="int"),
...     ),
...     rows=(("张三", 3),),
... )
>>> [c.header("en") for c in t.columns], t.title.text("zh")
(['Name', 'Count'], '名单')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from orggraph.model import LABELS_ZH

__all__ = [
    "COLUMN_KINDS",
    "Book",
    "Cell",
    "Column",
    "Form",
    "Group",
    "Label",
    "Table",
    "as_text",
    "enum_label",
    "plain",
]

COLUMN_KINDS = ("text", "int", "number", "percent", "date")


@dataclass(frozen=True, slots=True)
class Label:
    """A piece of text in Chinese and English."""

    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    @classmethod
    def same(cls, text: str) -> Label:
        """Text that reads the same in both languages (a name, an id)."""
        return cls(text, text)


# A cell: plain data, or a Label resolved by the writer's language.
Cell = str | int | float | date | bool | Label | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Column:
    """One column: a stable key, its headers, and how its values are written.

    ``kind`` is ``text``, ``int``, ``number`` (any float), ``percent`` (a ratio 0–1, shown as
    87.98%) or ``date``. ``width`` fixes the width in characters (default: fitted).

    How a printed document lays it out: ``nowrap`` text is never broken across lines (names,
    ids, dates); ``hand`` columns are left blank to be filled in by hand (wide, tall rows,
    unlocked in XLSX); ``grouped`` columns say what a row's group is, and document writers
    (PDF, HTML) show them once in the group's heading instead of on every row.
    """

    key: str
    zh: str
    en: str
    kind: str = "text"
    width: int | None = None
    nowrap: bool = False
    hand: bool = False
    grouped: bool = False

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"column {self.key!r} has kind {self.kind!r}; expected {COLUMN_KINDS}")

    def header(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True, kw_only=True, slots=True)
class Group:
    """A run of rows ``rows[start:stop]`` printed as one section under a heading.

    ``level`` 0 is the outer grouping (a secretary, a district), 1 a group inside it (a
    township); an outer group's rows are its inner groups'. ``fields`` are the heading's
    labelled values (姓名: 邵福祥); ``subtotal`` is printed where the group ends.
    """

    heading: Label
    start: int
    stop: int
    level: int = 0
    fields: tuple[tuple[Label, Cell], ...] = ()
    subtotal: Label | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Form:
    """What makes a table a filed document: a title block (填报单位, 填报日期, 审核人) on the
    first page, and signature lines (书记签字, 上级党组织意见) after each outer group (or
    after the table when it has none)."""

    fields: tuple[Label, ...] = ()
    signatures: tuple[Label, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Table:
    """A titled table of rows, each with one value per column."""

    title: Label
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    subtitle: Label | None = None
    notes: tuple[Label, ...] = ()
    sheet: Label | None = None  # the XLSX sheet name; default the title
    groups: tuple[Group, ...] = ()  # document order: an outer group before its inner ones
    form: Form | None = None

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"table {self.title.en!r} repeats a column key: {keys}")
        width = len(self.columns)
        for index, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(
                    f"table {self.title.en!r} row {index} has {len(row)} values; "
                    f"expected {width} (one per column {keys})"
                )
        for group in self.groups:
            if not 0 <= group.start <= group.stop <= len(self.rows):
                raise ValueError(
                    f"table {self.title.en!r} group {group.heading.en!r} spans rows "
                    f"{group.start}:{group.stop}; expected within 0:{len(self.rows)}"
                )

    @classmethod
    def from_records(
        cls,
        *,
        title: Label,
        columns: Sequence[Column],
        records: Iterable[dict[str, Cell]],
        subtitle: Label | None = None,
        notes: Sequence[Label] = (),
        sheet: Label | None = None,
        groups: Sequence[Group] = (),
        form: Form | None = None,
    ) -> Table:
        """A table from dicts keyed by column key (missing keys are blank cells)."""
        cols = tuple(columns)
        rows = tuple(tuple(record.get(c.key) for c in cols) for record in records)
        return cls(
            title=title,
            columns=cols,
            rows=rows,
            subtitle=subtitle,
            notes=tuple(notes),
            sheet=sheet,
            groups=tuple(groups),
            form=form,
        )

    def outline(self) -> Iterator[tuple[str, Group | None, int, int]]:
        """The table in document order, for writers that print sections: ``("open", group,
        …)`` where a group starts, ``("rows", innermost group or None, start, stop)`` for
        each run of rows, ``("close", group, …)`` where a group ends (its subtotal goes
        there). A table without groups is one run of rows."""
        if not self.groups:
            yield ("rows", None, 0, len(self.rows))
            return
        stack: list[Group] = []
        for n, group in enumerate(self.groups):
            while stack and stack[-1].level >= group.level:
                closed = stack.pop()
                yield ("close", closed, closed.start, closed.stop)
            yield ("open", group, group.start, group.stop)
            following = self.groups[n + 1] if n + 1 < len(self.groups) else None
            if following is None or following.level <= group.level:
                yield ("rows", group, group.start, group.stop)
            stack.append(group)
        while stack:
            closed = stack.pop()
            yield ("close", closed, closed.start, closed.stop)

    def column(self, key: str) -> list[Cell]:
        """The values of one column, top to bottom."""
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]

    def records(self) -> list[dict[str, Cell]]:
        """The rows as dicts keyed by column key."""
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


@dataclass(frozen=True, kw_only=True, slots=True)
class Book:
    """One document: one or more tables under a title."""

    title: Label
    tables: tuple[Table, ...]

    def __post_init__(self) -> None:
        if not self.tables:
            raise ValueError(f"book {self.title.en!r} has no table")

    @classmethod
    def of(cls, table: Table) -> Book:
        return cls(title=table.title, tables=(table,))


def enum_label(value: StrEnum | str | None) -> Label | None:
    """An enum value as a ``Label``: its Chinese label and its English code."""
    if value is None:
        return None
    if isinstance(value, StrEnum):
        return Label(LABELS_ZH.get(value, value.value), value.value.replace("_", " "))
    return Label.same(value)


def plain(value: Cell, lang: str) -> str | int | float | date | None:
    """A cell's value with labels and booleans resolved in ``lang``."""
    if isinstance(value, Label):
        return value.text(lang)
    if isinstance(value, bool):
        return ("yes" if value else "no") if lang == "en" else ("是" if value else "否")
    return value


def as_text(value: Cell, kind: str, lang: str) -> str:
    """A cell as the text CSV and HTML show: ISO dates, ratios as ``87.98%``, blanks empty."""
    value = plain(value, lang)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value * 100:.2f}%" if kind == "percent" else str(value)
    if isinstance(value, float):
        if kind == "percent":
            return f"{value * 100:.2f}%"
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return value
