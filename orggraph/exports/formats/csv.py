"""CSV as Excel opens it: UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting.

The BOM is what makes Excel read the file as UTF-8 (without it Chinese turns to mojibake);
fields holding a comma, a quote or a line break are quoted and quotes doubled (RFC 4180).
A one-table book is the header row and the data rows, nothing else, so a program can read
it back. A book of several tables writes each as a section: its title on a line of its
own, the header, the rows, and a blank line between sections.
"""

from __future__ import annotations

import csv
import io
from typing import Any, ClassVar

from orggraph.exports.sanitize import neutralise
from orggraph.exports.table import Book, Table, as_text

__all__ = ["CsvFormat"]


class CsvFormat:
    """UTF-8 (BOM) CSV with CRLF line ends."""

    key: ClassVar[str] = "csv"
    extension: ClassVar[str] = "csv"
    media_type: ClassVar[str] = "text/csv; charset=utf-8"

    def render(self, book: Book, lang: str = "zh") -> bytes:
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        sections = len(book.tables) > 1
        for index, table in enumerate(book.tables):
            if sections:
                if index:
                    writer.writerow([])
                writer.writerow([neutralise(table.title.text(lang))])
            self._write_table(writer, table, lang)
        return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")

    @staticmethod
    def _write_table(writer: Any, table: Table, lang: str) -> None:
        writer.writerow([neutralise(c.header(lang)) for c in table.columns])
        kinds = [c.kind for c in table.columns]
        for row in table.rows:
            cells = []
            for value, kind in zip(row, kinds, strict=True):
                text = as_text(value, kind, lang)
                # Numbers and dates are ours; only text can carry a formula.
                cells.append(text if isinstance(value, int | float) else neutralise(text))
            writer.writerow(cells)
