"""A print-ready HTML page: open it in a browser and print to PDF (A4 landscape).

One self-contained file: the styles are inline, there is no script, no image, no font or
link to load (government intranets are often cut off from the internet), and a content
security policy that forbids loading anything. Each table's header row repeats on every
printed page (``thead`` as a table-header group); rows are not split across pages.

Printed as a document, like the PDF: the title block (``Form``) under the title; a table
with groups prints one section per outer group (a secretary, a district) under a heading,
kept on one page where it fits (``break-inside: avoid``), inner groups (a township) with
their own heading and subtotal, and the signature lines after each section; names, ids and
dates (``Column.nowrap``) never wrap; the hand-fill columns (``Column.hand``) take 27% of
the width and rows tall enough to write in; 第 N 页 共 M 页 at the foot of each page (in
browsers that print page-margin boxes, Chromium among them).
"""

from __future__ import annotations

from html import escape
from typing import ClassVar

from orggraph.exports.formats.widths import HAND_SHARE
from orggraph.exports.sanitize import clean_control
from orggraph.exports.table import Book, Cell, Column, Group, Label, Table, as_text

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
@page { @bottom-center { content: PAGE_NUMBER; font-size: 9pt; } }
td.nowrap, th.nowrap, .field { white-space: nowrap; }
col.hand { width: HAND_WIDTH; }
td.hand { height: 11mm; }
div.group { break-inside: avoid; page-break-inside: avoid; margin: 0 0 6pt; }
div.heading { border: 0.5pt solid #555; border-bottom: none; background: #f2f2f2;
  padding: 2pt 4pt; font-size: 11pt; }
div.heading.inner { font-size: 10pt; }
div.heading .field + .field { margin-left: 2em; }
p.subtotal { margin: 0; border: 0.5pt solid #555; border-top: none; padding: 2pt 4pt; }
p.form { margin: 0 0 6pt; }
p.sign { margin: 14pt 0 6pt; }
span.blank { display: inline-block; width: 45mm; border-bottom: 0.5pt solid #000;
  margin-right: 2em; }
p.sign span.blank { width: 90mm; }
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
            f"<style>\n{_css(book, lang)}</style>",
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
        if table.form is not None and table.form.fields:
            out.append(f'<p class="form">{_blanks(table.form.fields, lang)}</p>')
        if table.notes:
            items = "".join(f"<li>{_e(n.text(lang))}</li>" for n in table.notes)
            out.append(f'<ul class="notes">{items}</ul>')
        grouped = bool(table.groups)
        columns = [c for c in table.columns if not (grouped and c.grouped)]
        keep = [table.columns.index(c) for c in columns]
        signatures = table.form.signatures if table.form is not None else ()
        for event, group, start, stop in table.outline():
            if event == "open" and group is not None:
                if group.level == 0:
                    out.append('<div class="group">')
                inner = "" if group.level == 0 else " inner"
                out.append(f'<div class="heading{inner}">{_heading(group, lang)}</div>')
            elif event == "rows":
                out.extend(_table(table, columns, keep, start, stop, lang))
            elif group is not None:
                if group.subtotal is not None:
                    out.append(f'<p class="subtotal">{_e(group.subtotal.text(lang))}</p>')
                if group.level == 0:
                    if signatures:
                        out.append(f'<p class="sign">{_blanks(signatures, lang)}</p>')
                    out.append("</div>")
        if signatures and not grouped:
            out.append(f'<p class="sign">{_blanks(signatures, lang)}</p>')
        out.append("</section>")
        return out


def _css(book: Book, lang: str) -> str:
    hands = max((sum(c.hand for c in t.columns) for t in book.tables), default=0)
    width = f"{HAND_SHARE * 100 / hands:.2f}%" if hands else "auto"
    number = (
        '"Page " counter(page) " of " counter(pages)'
        if lang == "en"
        else '"第 " counter(page) " 页 共 " counter(pages) " 页"'
    )
    return _CSS.replace("HAND_WIDTH", width).replace("PAGE_NUMBER", number)


def _blanks(labels: tuple[Label, ...], lang: str) -> str:
    """Labels each followed by a line to write on: 填报单位：＿＿＿."""
    colon = "：" if lang == "zh" else ": "
    return "".join(
        f'<span class="field">{_e(label.text(lang))}{colon}</span><span class="blank"></span>'
        for label in labels
    )


def _heading(group: Group, lang: str) -> str:
    if not group.fields:
        return _e(group.heading.text(lang))
    colon = "：" if lang == "zh" else ": "
    parts = []
    for label, value in group.fields:
        shown = as_text(value, "text", lang)
        if shown:
            parts.append(f'<span class="field">{_e(label.text(lang))}{colon}{_e(shown)}</span>')
    return "".join(parts)


def _cell(value: Cell, column: Column, lang: str) -> str:
    text = _e(as_text(value, column.kind, lang))
    classes = []
    if column.kind in ("int", "number", "percent"):
        classes.append("num")
    if column.nowrap:
        classes.append("nowrap")
    if column.hand:
        classes.append("hand")
    attr = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attr}>{text}</td>"


def _table(
    table: Table, columns: list[Column], keep: list[int], start: int, stop: int, lang: str
) -> list[str]:
    out = []
    if any(c.hand for c in columns):
        cols = "".join('<col class="hand">' if c.hand else "<col>" for c in columns)
        out.append(f"<table><colgroup>{cols}</colgroup>")
    else:
        out.append("<table>")
    head = "".join(
        f'<th scope="col" class="nowrap">{_e(c.header(lang))}</th>'
        if c.nowrap
        else f'<th scope="col">{_e(c.header(lang))}</th>'
        for c in columns
    )
    out.append(f"<thead><tr>{head}</tr></thead>")
    out.append("<tbody>")
    for row in table.rows[start:stop]:
        cells = "".join(_cell(row[i], c, lang) for i, c in zip(keep, columns, strict=True))
        out.append("<tr>" + cells + "</tr>")
    out.append("</tbody>")
    out.append("</table>")
    return out
