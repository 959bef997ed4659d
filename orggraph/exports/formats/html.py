"""A print-ready HTML page: open it in a browser and print to PDF (A4 landscape).

One self-contained file: the styles are inline, there is no script, no image, no font or
link to load (government intranets are often cut off from the internet), and a content
security policy that forbids loading anything. Each table's header row repeats on every
printed page (``thead`` as a table-header group); rows are not split across pages.
"""

from __future__ import annotations

from html import escape
from typing import ClassVar

from orggraph.exports.sanitize import clean_control
from orggraph.exports.table import Book, Table, as_text

__all__ = ["HtmlFormat"]

_CSS = """\
@page { size: A4 landscape; margin: 12mm 10mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
  "SimSun", sans-serif; font-size: 10pt; color: #000; margin: 0; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 4pt; }
h2 { font-size: 13pt; text-align: center; margin: 0 0 4pt; }
p.subtitle { text-align: center; margin: 0 0 8pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #555; padding: 2pt 4pt; vertical-align: top;
  white-space: pre-line; overflow-wrap: anywhere; }
thead { display: table-header-group; }
th { background: #d9e1f2; font-weight: bold; text-align: center; }
td.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; page-break-inside: avoid; }
ul.notes { font-size: 9pt; padding-left: 1.2em; }
section + section { break-before: page; page-break-before: always; }
@media print { th { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'"


def _e(text: str) -> str:
    return escape(clean_control(text), quote=True)


class HtmlFormat:
    """A self-contained HTML page, one section per table."""

    key: ClassVar[str] = "html"
    extension: ClassVar[str] = "html"
    media_type: ClassVar[str] = "text/html; charset=utf-8"

    def render(self, book: Book, lang: str = "zh") -> bytes:
        html_lang = "en" if lang == "en" else "zh-CN"
        parts = [
            "<!DOCTYPE html>",
            f'<html lang="{html_lang}">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="referrer" content="no-referrer">',
            f"<title>{_e(book.title.text(lang))}</title>",
            f"<style>\n{_CSS}</style>",
            "</head>",
            "<body>",
        ]
        several = len(book.tables) > 1
        if several:
            parts.append(f"<h1>{_e(book.title.text(lang))}</h1>")
        for table in book.tables:
            parts.extend(self._section(table, lang, "h2" if several else "h1"))
        parts.extend(["</body>", "</html>", ""])
        return "\n".join(parts).encode("utf-8")

    @staticmethod
    def _section(table: Table, lang: str, heading: str) -> list[str]:
        out = ["<section>", f"<{heading}>{_e(table.title.text(lang))}</{heading}>"]
        if table.subtitle is not None:
            out.append(f'<p class="subtitle">{_e(table.subtitle.text(lang))}</p>')
        out.append("<table>")
        head = "".join(f'<th scope="col">{_e(c.header(lang))}</th>' for c in table.columns)
        out.append(f"<thead><tr>{head}</tr></thead>")
        out.append("<tbody>")
        numeric = [c.kind in ("int", "number", "percent") for c in table.columns]
        kinds = [c.kind for c in table.columns]
        for row in table.rows:
            cells = []
            for value, kind, is_num in zip(row, kinds, numeric, strict=True):
                text = _e(as_text(value, kind, lang))
                cells.append(f'<td class="num">{text}</td>' if is_num else f"<td>{text}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody>")
        out.append("</table>")
        if table.notes:
            items = "".join(f"<li>{_e(n.text(lang))}</li>" for n in table.notes)
            out.append(f'<ul class="notes">{items}</ul>')
        out.append("</section>")
        return out
