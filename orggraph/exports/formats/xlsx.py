"""XLSX via openpyxl, laid out for printing: one sheet per table.

Each sheet: the title (merged across the columns), the subtitle when there is one, the
title block of a form (``Form.fields``: 填报单位, 填报日期, 审核人, each with a line to
write on), the header row (frozen, AutoFilter on it, and repeated on every printed page as
the print titles), the rows, then the notes and the signature lines (``Form.signatures``).
Columns are as wide as their longest line, counting East Asian wide characters as two, up
to a cap past which text wraps; each row is as tall as its most wrapped cell (Excel and
LibreOffice do not grow a row written with a height of its own, and a streamed sheet has
none), and a row with hand-fill columns (``Column.hand``) is tall enough to write in, and
the hand-fill columns are at least ``HAND_SHARE`` of the width. A4 landscape, fitted to the
page width (as many pages down as it takes), 第 N 页 共 M 页 in the footer. Text is always
written as a string cell (never a
formula) and neutralised as in CSV; numbers stay numbers and dates are dates.

A book whose tables have hand-fill columns is a form: its sheets are protected (no
password: it guards against slips, 审阅 → 撤销工作表保护 lifts it) except the hand-fill
cells, sorting, filtering and resizing stay allowed, and a 说明 sheet at the end says what
the document is, how to fill it in and what each column holds.

The workbook is written in openpyxl's write-only mode, which streams rows: a city's
responsibility lists are tens of thousands of rows.
"""

from __future__ import annotations

import io
import re
import unicodedata
from copy import copy
from datetime import date, datetime
from typing import Any, ClassVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.worksheet import Worksheet

from orggraph.exports._common import written
from orggraph.exports.formats.widths import HAND_SHARE
from orggraph.exports.sanitize import clean_control, neutralise
from orggraph.exports.table import Book, Column, Label, Table, as_text, plain

__all__ = ["HAND_SHARE", "XlsxFormat", "display_width"]

MIN_WIDTH = 6
MAX_WIDTH = 48
LINE_PT = 13.5  # one line of 10 pt text, in points of row height
PAGE_WIDTH = 138.0  # characters across A4 landscape at 100% (277 mm at ~1.96 mm each, and
# each column's padding): Arial 10's digits in LibreOffice (Liberation Sans), a little wider
# than in Excel
MIN_TEXT = 10.0  # the narrowest a wrapping text column is made to fit the page
HAND_ROW_PT = 32.0  # ~11 mm: room to write in
# Arial: Latin text (ids, dates, numbers) as wide as the column widths' unit assumes, on
# every machine (LibreOffice draws it with the metric-compatible Liberation Sans); Chinese
# text falls back to the system's Chinese font (宋体 or 等线 in Excel, WenQuanYi here).
FONT = "Arial"

_NUMBER_FORMATS = {"int": "0", "number": "0.####", "percent": "0.00%", "date": "yyyy-mm-dd"}
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def display_width(text: str) -> int:
    """How many columns ``text``'s longest line takes: East Asian wide characters count 2.

    >>> display_width("西宁市委"), display_width("abc"), display_width("一\\nabcdef")
    (8, 3, 6)
    """
    if text.isascii():
        return max(len(line) for line in text.split("\n"))
    widest = 0
    for line in text.split("\n"):
        width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        widest = max(widest, width)
    return widest


def _styles() -> list[NamedStyle]:
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    styles = [
        NamedStyle(
            name="og_title",
            font=Font(name=FONT, size=14, bold=True),
            alignment=Alignment(horizontal="center", vertical="center"),
        ),
        NamedStyle(
            name="og_subtitle",
            font=Font(name=FONT, size=10),
            alignment=Alignment(horizontal="center", vertical="center"),
        ),
        NamedStyle(
            name="og_header",
            font=Font(name=FONT, size=10, bold=True),
            fill=PatternFill("solid", fgColor="D9E1F2"),
            border=box,
            alignment=Alignment(wrap_text=True, horizontal="center", vertical="center"),
        ),
        NamedStyle(
            name="og_form",
            font=Font(name=FONT, size=10),
            alignment=Alignment(horizontal="left", vertical="bottom"),
        ),
        NamedStyle(
            name="og_note",
            font=Font(name=FONT, size=9),
            alignment=Alignment(wrap_text=True, vertical="top"),
        ),
        NamedStyle(name="og_text", font=Font(name=FONT, size=10), border=box, alignment=wrap_top),
        NamedStyle(
            name="og_hand",
            font=Font(name=FONT, size=10),
            border=box,
            alignment=wrap_top,
            protection=Protection(locked=False),
        ),
    ]
    for kind, number_format in _NUMBER_FORMATS.items():
        styles.append(
            NamedStyle(
                name=f"og_{kind}",
                font=Font(name=FONT, size=10),
                border=box,
                alignment=Alignment(vertical="top", horizontal="right"),
                number_format=number_format,
            )
        )
    return styles


def _default_font(wb: Workbook) -> None:
    """Arial 10 as the workbook's default font (the Normal style), not openpyxl's Calibri 11.

    The default font is the unit of column widths (the width of its digits). Calibri is
    missing where LibreOffice runs without Microsoft's fonts, and its stand-in (DejaVu Sans)
    has wider digits: every column widens and the page is shrunk to fit below 9 pt. Arial
    is on every Windows machine and LibreOffice maps it to the metric-compatible Liberation
    Sans; at 10 pt its digits are as wide as Calibri's at 11 in Excel.
    """
    font = Font(name=FONT, size=10)
    wb._fonts = IndexedList([font])
    wb._named_styles["Normal"].font = font


def _sheet_name(label: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub("_", label).strip("'") or "Sheet"
    name = base[:31]
    counter = 2
    while name.lower() in taken:
        suffix = f" ({counter})"
        name = base[: 31 - len(suffix)] + suffix
        counter += 1
    taken.add(name.lower())
    return name


class _Styles:
    """Each named style's style array, looked up once per sheet and copied onto cells.

    Assigning ``cell.style = name`` searches the workbook's named styles on every call;
    a city's lists are a few hundred thousand cells.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._arrays: dict[str, Any] = {}

    def apply(self, cell: WriteOnlyCell, name: str) -> WriteOnlyCell:
        array = self._arrays.get(name)
        if array is None:
            cell.style = name
            self._arrays[name] = copy(cell._style)
        else:
            cell._style = copy(array)
        return cell

    def text(self, text: str, name: str) -> WriteOnlyCell:
        # A cell's line break is LF; a lone CR is not one in Excel, and whether it survives
        # the file depends on openpyxl's XML writer (lxml keeps it, the standard one not).
        value = neutralise(clean_control(text)).replace("\r\n", "\n").replace("\r", "\n")
        cell = WriteOnlyCell(self.ws, value=value)
        cell.data_type = "s"  # explicit: a string cell is never read as a formula
        return self.apply(cell, name)


class XlsxFormat:
    """An XLSX workbook, one print-ready sheet per table."""

    key: ClassVar[str] = "xlsx"
    extension: ClassVar[str] = "xlsx"
    media_type: ClassVar[str] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def render(self, book: Book, lang: str = "zh") -> bytes:
        wb = Workbook(write_only=True)
        _default_font(wb)
        for style in _styles():
            wb.add_named_style(style)
        wb.properties.title = book.title.text(lang)
        wb.properties.creator = "orggraph"
        # A fixed stamp: the same book renders to the same bytes.
        wb.properties.created = wb.properties.modified = datetime(2000, 1, 1)
        taken: set[str] = set()
        form = any(c.hand for t in book.tables for c in t.columns)
        for table in book.tables:
            name = _sheet_name((table.sheet or table.title).text(lang), taken)
            self._write_sheet(wb.create_sheet(name), table, lang, protect=form)
        if form:
            _write_guide(wb.create_sheet(_sheet_name(GUIDE.text(lang), taken)), book, lang)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    def _write_sheet(self, ws: Any, table: Table, lang: str, *, protect: bool = False) -> None:
        styles = _Styles(ws)
        columns = table.columns
        ncols = len(columns)
        widths = self._widths(table, lang)
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        last = get_column_letter(ncols)
        total_width = sum(widths)

        # Sheet-level settings first: write-only mode writes them before the first row.
        form = table.form
        header_row = 3 if table.subtitle is not None else 2
        if form is not None and form.fields:
            header_row += 1
        ws.freeze_panes = f"A{header_row + 1}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as it takes
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        _page_numbers(ws, lang)
        last_row = header_row + len(table.rows)
        ws.auto_filter.ref = f"A{header_row}:{last}{last_row}"
        if protect:
            ws.protection.sheet = True
            # Locked cells stay readable and the list usable: sort, filter, resize.
            for allowed in ("autoFilter", "sort", "formatColumns", "formatRows"):
                setattr(ws.protection, allowed, False)
        heights = _heights(table, widths, lang)
        ws.row_dimensions[header_row].height = heights[0]
        for offset, height in enumerate(heights[1:], start=1):
            if height is not None:
                ws.row_dimensions[header_row + offset].height = height

        row = 1
        ws.row_dimensions[row].height = 24
        ws.append([styles.text(table.title.text(lang), "og_title")])
        ws.merged_cells.add(f"A{row}:{last}{row}")
        if table.subtitle is not None:
            row += 1
            ws.append([styles.text(table.subtitle.text(lang), "og_subtitle")])
            ws.merged_cells.add(f"A{row}:{last}{row}")
        if form is not None and form.fields:
            row += 1
            ws.row_dimensions[row].height = 24
            ws.append([styles.text(_blanks(form.fields, lang), "og_form")])
            ws.merged_cells.add(f"A{row}:{last}{row}")
        row += 1
        ws.append([styles.text(c.header(lang), "og_header") for c in columns])
        for values in written(table.rows):  # progress, when an export is watched
            ws.append(
                [self._cell(styles, v, c, lang) for v, c in zip(values, columns, strict=True)]
            )
            row += 1
        if table.notes:
            ws.append([])
            row += 1
        for note in table.notes:
            row += 1
            text = note.text(lang)
            # A merged cell does not grow to fit its text: give it the lines it needs.
            lines = sum(
                max(1, -(-display_width(p) // max(total_width, 1))) for p in text.split("\n")
            )
            ws.row_dimensions[row].height = 14 * lines
            ws.append([styles.text(text, "og_note")])
            ws.merged_cells.add(f"A{row}:{last}{row}")
        if form is not None and form.signatures:
            ws.append([])
            row += 2
            ws.row_dimensions[row].height = 30
            ws.append([styles.text(_blanks(form.signatures, lang), "og_form")])
            ws.merged_cells.add(f"A{row}:{last}{row}")

    @staticmethod
    def _cell(styles: _Styles, value: Any, column: Column, lang: str) -> WriteOnlyCell:
        value = plain(value, lang)
        if isinstance(value, str):
            return styles.text(value, "og_hand" if column.hand else "og_text")
        cell = WriteOnlyCell(styles.ws, value=value)
        if value is None:
            # A blank with borders: room to write in (unlocked in a hand-fill column).
            name = "og_hand" if column.hand else "og_text"
        elif isinstance(value, date):
            name = "og_date"
        elif column.kind in ("int", "number", "percent"):
            name = f"og_{column.kind}"
        else:
            name = "og_int" if isinstance(value, int) else "og_number"
        return styles.apply(cell, name)

    @staticmethod
    def _widths(table: Table, lang: str) -> list[float]:
        widths = []
        for index, column in enumerate(table.columns):
            if column.width is not None:
                widths.append(float(column.width))
                continue
            header = display_width(column.header(lang))
            if column.kind != "text" and not column.hand:
                # A number's or a date's header wraps to two lines (the header row grows)
                # rather than widen a column of short values.
                header = -(-header // 2)
            widest = header
            for row in table.rows:
                widest = max(widest, display_width(as_text(row[index], column.kind, lang)))
                if widest + 2 >= MAX_WIDTH:
                    break  # capped: the rest cannot widen it
            # +2 for the cell's padding; wide text wraps past the cap.
            widths.append(float(min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)))
        return _hand_share(table, _fit_page(table, widths))


GUIDE = Label("说明", "Guide")


def _blanks(labels: tuple[Label, ...], lang: str) -> str:
    """``填报单位：＿＿＿＿    填报日期：＿＿＿＿``: each label and a line to write on."""
    colon = "：" if lang == "zh" else ": "
    return "\u3000\u3000".join(f"{label.text(lang)}{colon}{'＿' * 10}" for label in labels)


def _fit_page(table: Table, widths: list[float]) -> list[float]:
    """Widths that print at about full size on A4 landscape: fitted to the page width, a
    sheet wider than ``PAGE_WIDTH`` would be shrunk to an unreadable size. The columns of
    free text give way (they wrap, and their rows grow), those declared wide (long text: a
    duty, the findings) down to twice as wide as the others when the page allows; names,
    ids, dates, numbers and the hand-fill columns keep their width."""
    total = sum(widths)
    if total <= PAGE_WIDTH:
        return widths
    text = [
        i for i, c in enumerate(table.columns) if c.kind == "text" and not c.nowrap and not c.hand
    ]
    for wide in (2 * MIN_TEXT, MIN_TEXT):
        floor = {i: wide if (table.columns[i].width or 0) >= 2 * wide else MIN_TEXT for i in text}
        give = [i for i in text if widths[i] > floor[i]]
        spare = sum(widths[i] - floor[i] for i in give)
        if spare >= total - PAGE_WIDTH:
            break
    if not spare:
        return widths
    cut = min(1.0, (total - PAGE_WIDTH) / spare)
    return [
        widths[i] - (widths[i] - floor[i]) * cut if i in give else w for i, w in enumerate(widths)
    ]


def _page_numbers(ws: Any, lang: str) -> None:
    """第 N 页 共 M 页 in the footer, in the bottom margin clear of the rows."""
    ws.page_margins.footer = ws.page_margins.header = 0.25
    ws.oddFooter.center.text = "Page &P of &N" if lang == "en" else "第 &P 页 共 &N 页"
    ws.oddFooter.center.size = 9


def _hand_share(table: Table, widths: list[float]) -> list[float]:
    """Widths whose hand-fill columns take at least ``HAND_SHARE`` of the whole together:
    room to write in, however wide the rest."""
    hands = [i for i, c in enumerate(table.columns) if c.hand]
    if not hands:
        return widths
    others = sum(w for i, w in enumerate(widths) if i not in hands)
    need = HAND_SHARE / (1 - HAND_SHARE) * others
    if sum(widths[i] for i in hands) >= need:
        return widths
    return [need / len(hands) if i in hands else w for i, w in enumerate(widths)]


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` takes in a column ``width`` characters wide, wrapped."""
    room = max(1.0, width - 1)
    return sum(max(1, -(-display_width(part) // int(room))) for part in text.split("\n"))


def _heights(table: Table, widths: list[float], lang: str) -> list[float | None]:
    """The header row's height, then each data row's: fitted to its most wrapped cell, at
    least ``HAND_ROW_PT`` with hand-fill columns; ``None`` for a one-line row."""
    header = max(_lines(c.header(lang), w) for c, w in zip(table.columns, widths, strict=True))
    out: list[float | None] = [header * LINE_PT + 3]
    hand = any(c.hand for c in table.columns)
    kinds = [(i, c.kind, w) for i, (c, w) in enumerate(zip(table.columns, widths, strict=True))]
    for row in table.rows:
        lines = 1
        for i, kind, width in kinds:
            value = row[i]
            if value is None or (kind != "text" and not isinstance(value, str | Label)):
                continue
            text = as_text(value, kind, lang)
            if display_width(text) > width - 1 or "\n" in text:
                lines = max(lines, _lines(text, width))
        height = lines * LINE_PT + 3 if lines > 1 else None
        if hand:
            height = max(height or 0.0, HAND_ROW_PT)
        out.append(height)
    return out


def _write_guide(ws: Any, book: Book, lang: str) -> None:
    """The 说明 sheet: what the document is, how to fill it in, what each column holds."""
    zh = lang != "en"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 90
    styles = _Styles(ws)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    _page_numbers(ws, lang)
    ws.append([styles.text(book.title.text(lang), "og_title")])
    row = 1
    rows: list[tuple[str, str]] = []
    for table in book.tables:
        if table.subtitle is not None:
            rows.append(("统计范围" if zh else "Scope", table.subtitle.text(lang)))
        hands = [c.header(lang) for c in table.columns if c.hand]
        if hands:
            rows.append(
                (
                    "如何填写" if zh else "How to fill in",
                    (
                        f"在{'、'.join(hands)}列填写；其余单元格受保护（无密码，"
                        "审阅 → 撤销工作表保护可解除），可筛选、排序、调整行高列宽。"
                    )
                    if zh
                    else (
                        f"Write in the columns {', '.join(hands)}; the other cells are "
                        "protected (no password: Review → Unprotect Sheet lifts it); "
                        "filtering, sorting and resizing stay allowed."
                    ),
                )
            )
        if table.form is not None:
            for label in (*table.form.fields, *table.form.signatures):
                rows.append(
                    (
                        label.text(lang),
                        "打印后手工填写或签字。" if zh else "Filled in or signed on paper.",
                    )
                )
        for note in table.notes:
            rows.append(("注" if zh else "Note", note.text(lang)))
        for column in table.columns:
            rows.append((column.header(lang), _column_help(column, zh)))
    for key, text in rows:
        row += 1
        ws.row_dimensions[row].height = max(_lines(text, 90), _lines(key, 18)) * LINE_PT + 3
        ws.append([styles.text(key, "og_header"), styles.text(text, "og_text")])


def _column_help(column: Column, zh: bool) -> str:
    kinds = {
        "text": ("文字", "text"),
        "int": ("整数", "whole number"),
        "number": ("数值", "number"),
        "percent": ("百分比", "percentage"),
        "date": ("日期（年-月-日）", "date (year-month-day)"),
    }
    kind = kinds[column.kind][0 if zh else 1]
    if column.hand:
        return f"{kind}；手工填写" if zh else f"{kind}; filled in by hand"
    return f"{kind}；由图谱生成" if zh else f"{kind}; from the graph"
