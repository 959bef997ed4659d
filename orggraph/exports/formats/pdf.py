"""PDF documents made here, offline, with fpdf2: A4 landscape, a Chinese font embedded.

The lists are printed, filled in by hand, signed and filed, so the layout is a document's,
not a spreadsheet's:

- a title, the date and scope, the title block (``Form.fields``: 填报单位, 填报日期,
  审核人) and the notes (how to read and fill it in) on the first page; 第 N 页 共 M 页
  at the foot of every page;
- each outer ``Group`` (a secretary, a district) is a section under its heading, kept on
  one page whenever it fits on one, its signature lines (``Form.signatures``) after it; a
  section that runs over repeats its heading (续) and the header row on the next page;
- inner groups (a township) have their own heading and subtotal;
- names, ids and dates (``Column.nowrap``) are never broken: their columns are as wide as
  their widest value; hand-fill columns (``Column.hand``) share at least a quarter of the
  width and their rows are tall enough to write in; other text wraps;
- nothing smaller than 9 pt.

Text is measured and wrapped here (the widths of each character read once from the font)
and drawn with fpdf2's low-level ``text`` and ``rect``: a city's lists are tens of
thousands of rows. The font is a subset of a TrueType Chinese font (``fonts.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from fpdf import FPDF

from orggraph.exports._common import written
from orggraph.exports.formats.fonts import find_cjk_font
from orggraph.exports.formats.widths import HAND_SHARE, HIDDEN, PT, plan_widths
from orggraph.exports.sanitize import clean_control
from orggraph.exports.table import Book, Column, Group, Label, Table, as_text

__all__ = ["HAND_SHARE", "MIN_PT", "PdfFormat", "column_widths"]

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
LEFT, TOP, BOTTOM = 12.0, 12.0, 194.0  # text area: LEFT..PAGE_W-LEFT, TOP..BOTTOM
WIDTH = PAGE_W - 2 * LEFT
BODY_PT, MIN_PT, HEADING_PT, TITLE_PT = 10.0, 9.0, 11.0, 16.0
PAD = 1.3  # mm inside each cell
HAND_ROW = 11.0  # mm: the least height of a row with hand-fill columns
SIGN_ROW = 13.0  # mm: a signature line and room to sign above it
GREY, LIGHT = (217, 225, 242), (242, 242, 242)

# Words, ids and dates, a name with its id in full-width brackets (王三（m3）): unbroken.
# The hidden shape ((outside scope)) is one token too: a reader sees it whole.
_TOKEN = re.compile(rf"{HIDDEN}|\w?（[A-Za-z0-9_.:/@+-]+）|[A-Za-z0-9_.:/@+-]+|\s+|.", re.DOTALL)


def _line_height(pt: float) -> float:
    return pt * PT * 1.3


class _Measure:
    """Text widths in mm at a size, from each character's width read once."""

    def __init__(self, pdf: FPDF) -> None:
        self._pdf = pdf
        self._per_pt: dict[str, float] = {}

    def width(self, text: str, pt: float) -> float:
        known = self._per_pt
        total = 0.0
        for ch in text:
            w = known.get(ch)
            if w is None:
                w = known[ch] = self._pdf.get_string_width(ch) / self._pdf.font_size_pt
            total += w
        return total * pt

    def wrap(self, text: str, width: float, pt: float) -> list[str]:
        """``text`` broken into lines no wider than ``width``: at line breaks, between
        Chinese characters, and between words (a word too long is broken too)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for token in _TOKEN.findall(paragraph):
                w = self.width(token, pt)
                if used + w <= width or not line:
                    if w <= width or len(token) == 1:
                        line, used = line + token, used + w
                        continue
                    for ch in token:  # a word wider than the line
                        cw = self.width(ch, pt)
                        if used + cw > width and line:
                            lines.append(line)
                            line, used = "", 0.0
                        line, used = line + ch, used + cw
                    continue
                lines.append(line.rstrip())
                token = token.lstrip()
                line, used = token, self.width(token, pt)
            lines.append(line.rstrip())
        return lines or [""]

    def wrap_parts(self, parts: Sequence[str], width: float, pt: float, gap: str) -> list[str]:
        """``parts`` (a heading's fields) joined by ``gap``, a line broken only between
        parts; a part wider than a line is wrapped on its own."""
        lines: list[str] = []
        line = ""
        for part in parts:
            joined = f"{line}{gap}{part}" if line else part
            if self.width(joined, pt) <= width:
                line = joined
                continue
            if line:
                lines.append(line)
            wrapped = self.wrap(part, width, pt)
            lines += wrapped[:-1]
            line = wrapped[-1]
        lines.append(line)
        return lines


@dataclass(slots=True)
class _Row:
    lines: list[list[str]]
    height: float


class _Pdf(FPDF):
    """fpdf2 with automatic page breaks off: the layout decides where pages end."""

    def __init__(self, font: tuple[Path, int]) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(LEFT, TOP, LEFT)
        path, index = font
        self.add_font("cjk", fname=str(path), collection_font_number=index)
        self.set_font("cjk", size=BODY_PT)
        self.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))  # same book, same bytes
        self.set_creator("orggraph")
        self.set_line_width(0.2)


class _Writer:
    """Lays out one book on the pages of one PDF."""

    def __init__(self, book: Book, lang: str, font: tuple[Path, int]) -> None:
        self.book, self.lang = book, lang
        self.pdf = _Pdf(font)
        self.pdf.set_title(book.title.text(lang))
        self.measure = _Measure(self.pdf)
        self.y = TOP
        self.pt = BODY_PT  # the current table's text size: 9 pt when 10 pt does not fit

    # -- primitives ---------------------------------------------------------------------
    def t(self, label: Label) -> str:
        return clean_control(label.text(self.lang))

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = TOP

    def room(self) -> float:
        return BOTTOM - self.y

    def text(self, x: float, y: float, text: str, pt: float) -> None:
        """``text`` with its top at ``y`` (fpdf2's ``text`` takes the baseline)."""
        if self.pdf.font_size_pt != pt:
            self.pdf.set_font_size(pt)
        self.pdf.text(x, y + pt * PT * 0.95, text)

    def line_of_text(self, text: str, pt: float, *, center: bool = False) -> None:
        for line in self.measure.wrap(text, WIDTH, pt):
            x = LEFT + (WIDTH - self.measure.width(line, pt)) / 2 if center else LEFT
            self.text(x, self.y, line, pt)
            self.y += _line_height(pt)

    # -- the document -------------------------------------------------------------------
    def write(self) -> bytes:
        several = len(self.book.tables) > 1
        self.new_page()
        if several:
            self.line_of_text(self.t(self.book.title), TITLE_PT, center=True)
            self.y += 2
        for index, table in enumerate(self.book.tables):
            if index:
                self.new_page()
            self.table(table, HEADING_PT + 2 if several else TITLE_PT)
        self.footers()
        try:
            return bytes(self.pdf.output())
        finally:
            self.close()

    def close(self) -> None:
        """Close the font files fpdf2 keeps open (fontTools reads tables lazily)."""
        for font in self.pdf.fonts.values():
            close = getattr(font, "close", None)
            if close is not None:
                close()

    def footers(self) -> None:
        pdf, total = self.pdf, self.pdf.pages_count
        for number in range(1, total + 1):
            pdf.page = number
            text = (
                f"Page {number} of {total}"
                if self.lang == "en"
                else f"第 {number} 页 共 {total} 页"
            )
            x = LEFT + (WIDTH - self.measure.width(text, MIN_PT)) / 2
            self.text(x, PAGE_H - 11, text, MIN_PT)
        pdf.page = total

    def title_block(self, table: Table) -> None:
        if table.form is None or not table.form.fields:
            return
        pt, x = BODY_PT, LEFT
        blank = 45.0
        self.y += 2
        for field in table.form.fields:
            label = self.t(field) + ("：" if self.lang == "zh" else ": ")
            self.text(x, self.y, label, pt)
            x += self.measure.width(label, pt)
            self.pdf.line(x, self.y + _line_height(pt), x + blank, self.y + _line_height(pt))
            x += blank + 8
        self.y += _line_height(pt) + 3

    def fit(self, table: Table) -> tuple[list[Column], list[int], list[float]]:
        """The columns printed (a group's columns are in its heading), their indexes in
        the table, their widths; the text size set to 10 pt, or 9 pt when 10 does not fit."""
        columns = [c for c in table.columns if not (table.groups and c.grouped)]
        keep = [table.columns.index(c) for c in columns]
        for self.pt in (BODY_PT, MIN_PT):
            widths = self.widths(table, columns, keep)
            if sum(widths) <= WIDTH + 0.01:
                break
        else:  # still too wide at 9 pt: every column gives way (nowrap text then wraps)
            widths = [w * WIDTH / sum(widths) for w in widths]
        return columns, keep, widths

    def table(self, table: Table, title_pt: float) -> None:
        self.line_of_text(self.t(table.title), title_pt, center=True)
        if table.subtitle is not None:
            self.line_of_text(self.t(table.subtitle), BODY_PT, center=True)
        self.title_block(table)
        self.notes(table)  # how to read and fill in the table, above it (填表说明)
        self.y += 1
        columns, keep, widths = self.fit(table)
        header = self.layout([c.header(self.lang) for c in columns], widths, columns, head=True)
        rows = [
            self.layout(
                [as_text(row[i], c.kind, self.lang) for i, c in zip(keep, columns, strict=True)],
                widths,
                columns,
            )
            for row in written(table.rows)  # progress, when an export is watched
        ]
        sign = bool(table.form and table.form.signatures)
        layout = _Layout(self, table, columns, widths, header, rows)
        if not table.groups:
            layout.rows(0, len(rows), None)
        else:
            layout.groups(sign)
        if sign and not table.groups:
            layout.signatures()

    def notes(self, table: Table) -> None:
        for note in table.notes:
            lines = self.measure.wrap(self.t(note), WIDTH, MIN_PT)
            if self.room() < len(lines) * _line_height(MIN_PT) + 2:
                self.new_page()
            self.y += 1
            for line in lines:
                self.text(LEFT, self.y, line, MIN_PT)
                self.y += _line_height(MIN_PT)

    # -- columns and rows -----------------------------------------------------------------
    def widths(self, table: Table, columns: Sequence[Column], keep: Sequence[int]) -> list[float]:
        """Each column's width at the current text size (``widths.plan_widths``)."""
        pt, measure = self.pt, self.measure
        return plan_widths(
            table, columns, keep, self.lang, lambda text: measure.width(text, pt), WIDTH, PAD
        )

    def layout(
        self,
        texts: Sequence[str],
        widths: Sequence[float],
        columns: Sequence[Column],
        *,
        head: bool = False,
    ) -> _Row:
        pt = self.pt
        lines = []
        for text, width, column in zip(texts, widths, columns, strict=True):
            clean = clean_control(text)
            if column.nowrap and not head and self.measure.width(clean, pt) <= width - 2 * PAD:
                lines.append(clean.split("\n"))
            else:
                lines.append(self.measure.wrap(clean, width - 2 * PAD, pt))
        height = max(len(x) for x in lines) * _line_height(pt) + 2 * PAD
        if not head and any(c.hand for c in columns):
            height = max(height, HAND_ROW)
        return _Row(lines=lines, height=height)

    def draw(
        self,
        row: _Row,
        widths: Sequence[float],
        columns: Sequence[Column],
        *,
        fill: tuple[int, int, int] | None = None,
    ) -> None:
        pdf, x = self.pdf, LEFT
        if fill is not None:
            pdf.set_fill_color(*fill)
        for lines, width, column in zip(row.lines, widths, columns, strict=True):
            pdf.rect(x, self.y, width, row.height, style="DF" if fill else "D")
            right = fill is None and column.kind in ("int", "number", "percent")
            for n, line in enumerate(lines):
                top = self.y + PAD + n * _line_height(self.pt)
                if fill is not None:
                    tx = x + (width - self.measure.width(line, self.pt)) / 2
                elif right:
                    tx = x + width - PAD - self.measure.width(line, self.pt)
                else:
                    tx = x + PAD
                self.text(tx, top, line, self.pt)
            x += width
        self.y += row.height

    def band(self, parts: Sequence[str], pt: float, fill: tuple[int, int, int] | None) -> float:
        """Full-width shaded lines of text (a heading, a subtotal); returns the height."""
        lines = self.measure.wrap_parts(parts, WIDTH - 2 * PAD, pt, "    ")
        height = len(lines) * _line_height(pt) + 2 * PAD
        if fill is not None:
            self.pdf.set_fill_color(*fill)
        self.pdf.rect(LEFT, self.y, WIDTH, height, style="DF" if fill else "D")
        for n, line in enumerate(lines):
            self.text(LEFT + PAD, self.y + PAD + n * _line_height(pt), line, pt)
        self.y += height
        return height

    def band_height(self, parts: Sequence[str], pt: float) -> float:
        lines = self.measure.wrap_parts(parts, WIDTH - 2 * PAD, pt, "    ")
        return len(lines) * _line_height(pt) + 2 * PAD


class _Layout:
    """The rows of one table, in sections: page breaks, headings, subtotals, signatures."""

    def __init__(
        self,
        writer: _Writer,
        table: Table,
        columns: Sequence[Column],
        widths: Sequence[float],
        header: _Row,
        rows: Sequence[_Row],
    ) -> None:
        self.w, self.table, self.columns, self.widths = writer, table, columns, widths
        self.header, self.rows_ = header, rows
        self.form = table.form
        # Each outer group's inner groups (the table lists an outer group before them).
        self.inner: dict[int, list[Group]] = {}
        outer: Group | None = None
        for group in table.groups:
            if group.level == 0:
                outer = group
            elif outer is not None:
                self.inner.setdefault(id(outer), []).append(group)

    def heading_text(self, group: Group) -> list[str]:
        w = self.w
        if not group.fields:
            return [w.t(group.heading)]
        sep = "：" if w.lang == "zh" else ": "
        parts = []
        for label, value in group.fields:
            shown = clean_control(as_text(value, "text", w.lang))
            if shown:
                parts.append(f"{w.t(label)}{sep}{shown}")
        return parts

    def heading_pt(self, group: Group) -> float:
        return HEADING_PT if group.level == 0 else BODY_PT

    def put_header(self) -> None:
        self.w.draw(self.header, self.widths, self.columns, fill=GREY)

    def rows(self, start: int, stop: int, group: Group | None) -> None:
        w = self.w
        if start == stop:
            return
        if w.room() < self.header.height + self.rows_[start].height:
            self.continued(group)
        else:
            self.put_header()
        for index in range(start, stop):
            row = self.rows_[index]
            if w.room() < row.height:
                self.continued(group)
            w.draw(row, self.widths, self.columns)

    def continued(self, group: Group | None) -> None:
        w = self.w
        w.new_page()
        if group is not None:
            more = "（续）" if w.lang == "zh" else " (continued)"
            w.band([*self.heading_text(group), more.strip()], self.heading_pt(group), LIGHT)
        self.put_header()

    def section_height(self, group: Group, sign: bool) -> float:
        inner = self.inner.get(id(group), [])
        height = self.w.band_height(self.heading_text(group), self.heading_pt(group))
        height += self.header.height * (1 + len(inner)) + sum(
            r.height for r in self.rows_[group.start : group.stop]
        )
        height += sum(self.w.band_height(self.heading_text(g), BODY_PT) for g in inner)
        if sign:
            height += SIGN_ROW
        return height + 3

    def groups(self, sign: bool) -> None:
        w, usable = self.w, BOTTOM - TOP
        for event, group, start, stop in self.table.outline():
            assert group is not None
            if event == "close":
                self.close(group, sign)
            elif event == "rows":
                self.rows(start, stop, group)
            elif group.level == 0:
                height = self.section_height(group, sign)
                if height > w.room() and (height <= usable or w.room() < usable / 4):
                    w.new_page()
                w.y += 1.5
                w.band(self.heading_text(group), self.heading_pt(group), LIGHT)
            else:
                if w.room() < 4 * self.header.height:
                    w.new_page()
                w.band(self.heading_text(group), self.heading_pt(group), LIGHT)

    def close(self, group: Group, sign: bool) -> None:
        w = self.w
        if group.subtotal is not None:
            text = [w.t(group.subtotal)]
            if w.room() < w.band_height(text, BODY_PT):
                w.new_page()
            w.band(text, BODY_PT, None)
        if sign and group.level == 0:
            self.signatures()

    def signatures(self) -> None:
        w = self.w
        if self.form is None:
            return
        if w.room() < SIGN_ROW:
            w.new_page()
        pt, x = BODY_PT, LEFT
        base = w.y + SIGN_ROW - 4
        blank = (WIDTH - 10 * len(self.form.signatures)) / max(1, len(self.form.signatures))
        for label in self.form.signatures:
            text = w.t(label) + ("：" if w.lang == "zh" else ": ")
            width = w.measure.width(text, pt)
            w.text(x, base - pt * PT, text, pt)
            w.pdf.line(x + width, base + 1, x + blank - 2, base + 1)
            x += blank + 10
        w.y += SIGN_ROW


class PdfFormat:
    """A PDF document, A4 landscape, with a subset of a Chinese font embedded."""

    key: ClassVar[str] = "pdf"
    extension: ClassVar[str] = "pdf"
    media_type: ClassVar[str] = "application/pdf"

    def __init__(self, font: tuple[Path, int] | None = None) -> None:
        self._font = font

    def render(self, book: Book, lang: str = "zh") -> bytes:
        return _Writer(book, lang, self._font or find_cjk_font()).write()


def column_widths(
    table: Table, lang: str = "zh", font: tuple[Path, int] | None = None
) -> tuple[list[tuple[Column, float]], float]:
    """The columns the PDF prints for ``table`` with their widths in mm, and the text size
    in points: what a test checks (the hand-fill columns' share, the text size)."""
    writer = _Writer(Book.of(table), lang, font or find_cjk_font())
    try:
        columns, _, widths = writer.fit(table)
    finally:
        writer.close()
    return list(zip(columns, widths, strict=True)), writer.pt
