"""Word documents (.docx), written with the standard library: the lists as they circulate.

The same document as the PDF, in a form people edit in Word or LibreOffice: A4 landscape;
the title, date and scope, the title block (``Form.fields``) and the notes; one heading
and table per group (a secretary; a district, a township), the heading and every row but
the last kept with the next (so a section that fits on one page is moved whole rather than
split), subtotals, the signature lines after each outer section; the header row repeated
on every page (``tblHeader``), rows never split (``cantSplit``); names, ids and dates
(``Column.nowrap``) in cells that do not wrap (``noWrap``); the hand-fill columns
(``Column.hand``) 27% of the width, rows at least 11 mm tall; 第 N 页 共 M 页 in the footer
(PAGE and NUMPAGES fields, which Word and LibreOffice fill in). Body text 宋体 10 pt.

A .docx is a zip of a few XML parts; writing them here keeps the export free of lxml,
which python-docx needs and whose presence changes how openpyxl reads and writes XLSX.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from functools import partial
from typing import ClassVar
from xml.sax.saxutils import escape

from orggraph.exports.formats.widths import HAND_SHARE, approximate_width, plan_widths
from orggraph.exports.sanitize import clean_control
from orggraph.exports.table import Book, Column, Group, Label, Table, as_text

__all__ = ["HAND_SHARE", "DocxFormat", "column_widths"]

TWIP = 56.7  # twips per mm
WIDTH_MM = 273.0  # A4 landscape less 12 mm margins
PAD_MM = 1.3  # inside each cell, left and right
_SLACK = PAD_MM + 0.5  # planned per side: the reader's font may run a little wider
BODY_PT, MIN_PT = 10.0, 9.0
HAND_ROW_MM = 11.0
# The most rows a section kept whole may have: about what a page holds (rows with hand-fill
# columns are 11 mm tall, others a line or two); a longer section flows across pages.
KEEP_HAND_ROWS, KEEP_ROWS = 14, 24
FONT = "宋体"
HEADER_FILL = "D9E1F2"

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml"

_CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="{_MAIN}.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="{_MAIN}.styles+xml"/>
<Override PartName="/word/footer1.xml" ContentType="{_MAIN}.footer+xml"/>
<Override PartName="/docProps/core.xml"
 ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""

_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{_PKG}">
<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2"
 Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
 Target="docProps/core.xml"/>
</Relationships>"""

_DOC_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{_PKG}">
<Relationship Id="rId1" Type="{_REL}/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="{_REL}/footer" Target="footer1.xml"/>
</Relationships>"""

_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {_W}>
<w:docDefaults><w:rPrDefault><w:rPr>
<w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="{FONT}" w:cs="Arial"/>
<w:sz w:val="20"/><w:szCs w:val="20"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/>
</w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="40" w:line="240" w:lineRule="auto"/></w:pPr>
</w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
</w:styles>"""

_PAD = round(PAD_MM * TWIP)
_BORDERS = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="555555"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV")
)


# A hyphen inside a word (a date, an id): Word and LibreOffice may break a line after it,
# so it is held to its neighbours by word joiners (U+2060, zero width, not extracted as
# text). Word's own non-breaking hyphen (U+2011) is no help: LibreOffice then breaks
# between the digits beside it.
_WORD_HYPHEN = re.compile(r"(?<=[A-Za-z0-9])-(?=[A-Za-z0-9])")
_NO_BREAK_HYPHEN = "\u2060-\u2060"


def _text(text: str, *, join: bool = True) -> str:
    """Runs' text: escaped, control characters dropped, line breaks as ``<w:br/>``, hyphens
    inside dates and ids joined to their neighbours with ``join`` (2019-06-30 stays on one
    line)."""
    lines = clean_control(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if join:
        lines = [_WORD_HYPHEN.sub(_NO_BREAK_HYPHEN, line) for line in lines]
    return "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)


def _run(
    text: str,
    *,
    bold: bool = False,
    size: float | None = None,
    line: bool = False,
    join: bool = True,
) -> str:
    props = ""
    if bold:
        props += "<w:b/>"
    if size is not None:
        props += f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>'
    if line:
        props += '<w:u w:val="single"/>'
    return f"<w:r>{f'<w:rPr>{props}</w:rPr>' if props else ''}{_text(text, join=join)}</w:r>"


def _paragraph(
    runs: str, *, align: str | None = None, keep_next: bool = False, before: int = 0
) -> str:
    props = "<w:keepNext/>" if keep_next else ""
    if before:
        props += f'<w:spacing w:before="{before}"/>'
    if align:
        props += f'<w:jc w:val="{align}"/>'
    return f"<w:p>{f'<w:pPr>{props}</w:pPr>' if props else ''}{runs}</w:p>"


def _field(code: str) -> str:
    return f'<w:fldSimple w:instr=" {code} "><w:r><w:t>1</w:t></w:r></w:fldSimple>'


def _footer(lang: str) -> str:
    size = '<w:rPr><w:sz w:val="18"/></w:rPr>'

    def text(t: str) -> str:
        return f'<w:r>{size}<w:t xml:space="preserve">{t}</w:t></w:r>'

    if lang == "en":
        body = text("Page ") + _field("PAGE") + text(" of ") + _field("NUMPAGES")
    else:
        body = text("第 ") + _field("PAGE") + text(" 页 共 ") + _field("NUMPAGES") + text(" 页")
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr {_W}>'
        f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{body}</w:p></w:ftr>'
    )


def _core(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(clean_control(title))}</dc:title><dc:creator>orggraph</dc:creator>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
        "</cp:coreProperties>"
    )


def column_widths(
    table: Table, columns: Sequence[Column], lang: str = "zh"
) -> tuple[list[float], float]:
    """The widths in mm of ``columns`` of ``table`` and the text size in points: the PDF's
    rule (``widths.plan_widths``) on estimated text widths, at 10 pt, or 9 pt when 10 does
    not fit; still too wide at 9 pt, every column gives way."""
    keep = [table.columns.index(c) for c in columns]
    for pt in (BODY_PT, MIN_PT):
        widths = plan_widths(
            table, columns, keep, lang, partial(approximate_width, pt=pt), WIDTH_MM, _SLACK
        )
        if sum(widths) <= WIDTH_MM + 0.01:
            return widths, pt
    return [w * WIDTH_MM / sum(widths) for w in widths], MIN_PT


class DocxFormat:
    """A Word document (.docx), A4 landscape."""

    key: ClassVar[str] = "docx"
    extension: ClassVar[str] = "docx"
    media_type: ClassVar[str] = f"{_MAIN}.document"

    def render(self, book: Book, lang: str = "zh") -> bytes:
        body: list[str] = []
        several = len(book.tables) > 1
        if several:
            body.append(_title(book.title, lang, 16))
        for index, table in enumerate(book.tables):
            if index:
                body.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
            body.extend(_Section(table, lang).parts(14 if several else 16))
        margin = round(12 * TWIP)
        sect = (
            '<w:sectPr><w:footerReference w:type="default" r:id="rId2"/>'
            '<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>'
            f'<w:pgMar w:top="{margin}" w:right="{margin}" w:bottom="{margin}" '
            f'w:left="{margin}" w:header="400" w:footer="400" w:gutter="0"/></w:sectPr>'
        )
        document = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {_W} {_R}>'
            f"<w:body>{''.join(body)}{sect}</w:body></w:document>"
        )
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, text in (
                ("[Content_Types].xml", _CONTENT_TYPES),
                ("_rels/.rels", _RELS),
                ("word/_rels/document.xml.rels", _DOC_RELS),
                ("word/styles.xml", _STYLES),
                ("word/footer1.xml", _footer(lang)),
                ("docProps/core.xml", _core(book.title.text(lang))),
                ("word/document.xml", document),
            ):
                # A fixed stamp: the same book renders to the same bytes.
                info = zipfile.ZipInfo(name, (2000, 1, 1, 0, 0, 0))
                zf.writestr(info, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        return out.getvalue()


def _title(label: Label, lang: str, size: float) -> str:
    return _paragraph(_run(label.text(lang), bold=True, size=size), align="center")


class _Section:
    """One table of the book as paragraphs and Word tables."""

    def __init__(self, table: Table, lang: str) -> None:
        self.table, self.lang = table, lang
        self.columns = [c for c in table.columns if not (table.groups and c.grouped)]
        self.keep = [table.columns.index(c) for c in self.columns]
        widths, self.pt = column_widths(table, self.columns, lang)
        self.widths = [round(w * TWIP) for w in widths]
        self.colon = "：" if lang == "zh" else ": "

    def parts(self, title_pt: float) -> list[str]:
        table, lang = self.table, self.lang
        out = [_title(table.title, lang, title_pt)]
        if table.subtitle is not None:
            out.append(_paragraph(_run(table.subtitle.text(lang)), align="center"))
        if table.form is not None and table.form.fields:
            out.append(self.blanks(table.form.fields, 10))
        out += [_paragraph(_run(n.text(lang), size=9)) for n in table.notes]
        signatures = table.form.signatures if table.form is not None else ()
        for event, group, start, stop in table.outline():
            if event == "open" and group is not None:
                out.append(self.heading(group))
            elif event == "rows":
                # What closes the group (a subtotal, the signatures) stays with its last row.
                closing = group is not None and (
                    group.subtotal is not None or (group.level == 0 and bool(signatures))
                )
                out.append(self.grid(start, stop, keep_last=closing or bool(signatures)))
            elif group is not None:
                if group.subtotal is not None:
                    out.append(_paragraph(_run(group.subtotal.text(lang))))
                if group.level == 0 and signatures:
                    out.append(self.blanks(signatures, 20))
        if signatures and not table.groups:
            out.append(self.blanks(signatures, 20))
        return out

    def blanks(self, labels: Sequence[Label], width: int) -> str:
        """Labels each followed by an underlined space to write on."""
        runs = "".join(
            _run(label.text(self.lang) + self.colon)
            + _run("\u3000" * width, line=True)
            + _run("\u3000\u3000")
            for label in labels
        )
        return _paragraph(runs, before=160)

    def heading(self, group: Group) -> str:
        lang = self.lang
        if group.fields:
            parts = [
                f"{label.text(lang)}{self.colon}{as_text(value, 'text', lang)}"
                for label, value in group.fields
                if as_text(value, "text", lang)
            ]
            text = "\u3000\u3000".join(parts)
        else:
            text = group.heading.text(lang)
        size = 11 if group.level == 0 else 10
        return _paragraph(_run(text, bold=True, size=size), keep_next=True, before=120)

    def grid(self, start: int, stop: int, *, keep_last: bool = False) -> str:
        lang, columns = self.lang, self.columns
        hand = any(c.hand for c in columns)
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in self.widths)
        rows = [self.row([c.header(lang) for c in columns], head=True, keep=True)]
        count = stop - start
        # A section that may fit on a page is kept whole (every row kept with the next); a
        # longer one only holds its first rows to its heading and its last to what follows.
        whole = count <= (KEEP_HAND_ROWS if hand else KEEP_ROWS)
        for n, values in enumerate(self.table.rows[start:stop]):
            texts = [
                as_text(values[i], c.kind, lang) for i, c in zip(self.keep, columns, strict=True)
            ]
            last = n == count - 1
            keep = (whole or n < 2 or n >= count - 2) and (keep_last or not last)
            rows.append(self.row(texts, tall=hand, keep=keep))
        return (
            f'<w:tbl><w:tblPr><w:tblW w:w="{sum(self.widths)}" w:type="dxa"/>'
            f'<w:tblLayout w:type="fixed"/><w:tblBorders>{_BORDERS}</w:tblBorders>'
            f'<w:tblCellMar><w:left w:w="{_PAD}" w:type="dxa"/>'
            f'<w:right w:w="{_PAD}" w:type="dxa"/>'
            f"</w:tblCellMar></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
        )

    def row(
        self, texts: Sequence[str], *, head: bool = False, tall: bool = False, keep: bool = False
    ) -> str:
        props = "<w:cantSplit/>"
        if head:
            props += "<w:tblHeader/>"
        if tall:
            props += f'<w:trHeight w:val="{round(HAND_ROW_MM * TWIP)}" w:hRule="atLeast"/>'
        cells = []
        for text, width, column in zip(texts, self.widths, self.columns, strict=True):
            cell = f'<w:tcW w:w="{width}" w:type="dxa"/>'
            if column.nowrap and not head:
                cell += "<w:noWrap/>"
            if head:
                cell += f'<w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/>'
            align = "center" if head else None
            if not head and column.kind in ("int", "number", "percent"):
                align = "right"
            size = None if self.pt == BODY_PT else self.pt
            # A nowrap cell is never broken; a wrapping one keeps its dates and ids whole.
            run = _run(text, bold=head, size=size, join=head or not column.nowrap)
            paragraph = _paragraph(run, align=align, keep_next=keep)
            cells.append(f"<w:tc><w:tcPr>{cell}</w:tcPr>{paragraph}</w:tc>")
        return f"<w:tr><w:trPr>{props}</w:trPr>{''.join(cells)}</w:tr>"
