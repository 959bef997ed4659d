"""The format writers over a neutral table: XLSX layout and print set-up, CSV bytes, HTML."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from orggraph.errors import ConfigError
from orggraph.exports import Book, Column, Label, Table, format_keys, get_format, render_book
from orggraph.exports.formats.xlsx import display_width

COLUMNS = (
    Column(key="name", zh="名称", en="Name"),
    Column(key="members", zh="党员数", en="Members", kind="int"),
    Column(key="rate", zh="覆盖率", en="Rate", kind="percent"),
    Column(key="since", zh="成立日期", en="Founded", kind="date"),
    Column(key="remark", zh="备注", en="Remark"),
)


def sample() -> Table:
    return Table(
        title=Label("测试清单", "Test list"),
        subtitle=Label("截至 2019-06-30", "As of 2019-06-30"),
        columns=COLUMNS,
        rows=(
            ("夏都花园社区党支部", 12, 0.8798, date(2010, 1, 1), "逗号,在此"),
            ('说"引号"', -3, 0.5, None, "第一行\n第二行"),
            (Label("已转化", "converted"), 0, 1.0, date(2019, 6, 30), None),
        ),
        notes=(Label("覆盖率 = 有党组织的单位 ÷ 在营单位", "Rate = organized ÷ operating"),),
    )


def test_the_registry_knows_five_formats_and_names_them_on_a_bad_key() -> None:
    assert format_keys() == ("xlsx", "csv", "html", "pdf", "docx")
    with pytest.raises(ConfigError, match=r"'odt'.*xlsx, csv, html, pdf, docx"):
        get_format("odt")


def test_a_row_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="row 0 has 1 values; expected 5"):
        Table(title=Label("t", "t"), columns=COLUMNS, rows=(("x",),))


def test_display_width_counts_wide_characters_twice() -> None:
    # 4 Han characters = 8; full-width ＡＢ = 4; ASCII 1 each; the widest line wins.
    assert display_width("西宁市委") == 8
    assert display_width("ＡＢ") == 4
    assert display_width("ab\n城东区") == 6


def test_csv_bytes_bom_crlf_quoting_and_chinese() -> None:
    data = render_book(Book.of(sample()), "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    # Worked out by hand: RFC 4180 quotes the comma, the doubled quotes and the newline;
    # rate 0.8798 → 87.98%; a blank cell is empty; negative numbers are left as they are.
    expected = (
        "名称,党员数,覆盖率,成立日期,备注\r\n"
        '夏都花园社区党支部,12,87.98%,2010-01-01,"逗号,在此"\r\n'
        '"说""引号""",-3,50.00%,,"第一行\n第二行"\r\n'
        "已转化,0,100.00%,2019-06-30,\r\n"
    )
    assert text == expected


def test_csv_in_english() -> None:
    text = render_book(Book.of(sample()), "csv", "en")[3:].decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["Name", "Members", "Rate", "Founded", "Remark"]
    assert rows[3] == ["converted", "0", "100.00%", "2019-06-30", ""]


def test_csv_of_several_tables_writes_titled_sections() -> None:
    one = Table(title=Label("甲", "A"), columns=COLUMNS[:2], rows=(("x", 1),))
    two = Table(title=Label("乙", "B"), columns=COLUMNS[:1], rows=(("y",),))
    text = render_book(Book(title=Label("书", "Book"), tables=(one, two)), "csv")[3:].decode()
    assert text == "甲\r\n名称,党员数\r\nx,1\r\n\r\n乙\r\n名称\r\ny\r\n"


def _sheet(data: bytes, lang_title: str):  # type: ignore[no-untyped-def]
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [lang_title]
    return wb[lang_title]


def test_xlsx_layout_values_and_print_setup() -> None:
    ws = _sheet(render_book(Book.of(sample()), "xlsx"), "测试清单")
    # Row 1 title (merged A1:E1), row 2 subtitle, row 3 header, rows 4-6 data.
    assert ws["A1"].value == "测试清单"
    assert "A1:E1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value == "截至 2019-06-30"
    assert [c.value for c in ws[3]] == ["名称", "党员数", "覆盖率", "成立日期", "备注"]
    row4 = [c.value for c in ws[4]]
    assert row4[:3] == ["夏都花园社区党支部", 12, 0.8798]
    assert row4[3].date() == date(2010, 1, 1)
    assert ws["B5"].value == -3 and ws["B5"].data_type == "n"
    assert ws["C4"].number_format == "0.00%"
    assert ws["D4"].is_date
    assert ws["E5"].value == "第一行\n第二行"
    assert ws["E5"].alignment.wrap_text
    assert ws["A6"].value == "已转化"
    assert ws["A8"].value.startswith("覆盖率 = ")  # the note, after a blank row
    # Frozen below the header; header repeated on every printed page; A4 landscape.
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    # Fitted widths: "夏都花园社区党支部" is 9 wide characters = 18, +2 padding.
    assert ws.column_dimensions["A"].width == 20
    # "成立日期" header = 8, "2010-01-01" = 10, +2.
    assert ws.column_dimensions["D"].width == 12
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_xlsx_in_english() -> None:
    ws = _sheet(render_book(Book.of(sample()), "xlsx", "en"), "Test list")
    assert ws["A1"].value == "Test list"
    assert [c.value for c in ws[3]] == ["Name", "Members", "Rate", "Founded", "Remark"]
    assert ws["A6"].value == "converted"


def test_xlsx_sheet_names_are_cut_cleaned_and_unique() -> None:
    long = "很长的标题" * 8  # 40 characters, past Excel's 31
    tables = tuple(
        Table(title=Label(t, t), columns=COLUMNS[:1], rows=()) for t in (long, long, "a/b:c")
    )
    wb = load_workbook(io.BytesIO(render_book(Book(title=Label("b", "b"), tables=tables), "xlsx")))
    assert wb.sheetnames == [long[:31], long[:27] + " (2)", "a_b_c"]


def test_html_is_self_contained_and_print_ready() -> None:
    page = render_book(Book.of(sample()), "html").decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r"https?://|\bsrc=|\bhref=|@import|url\(", page)
    assert "@page { size: A4 landscape;" in page
    assert "thead { display: table-header-group; }" in page
    assert '<thead><tr><th scope="col">名称</th>' in page
    assert "<td>说&quot;引号&quot;</td>" in page
    assert '<td class="num">87.98%</td>' in page
    assert '<html lang="zh-CN">' in page


def test_html_escapes_markup_in_data() -> None:
    table = Table(
        title=Label("<b>t</b>", "t"),
        columns=COLUMNS[:1],
        rows=(("<script>alert(1)</script>",),),
    )
    page = render_book(Book.of(table), "html").decode()
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<title>&lt;b&gt;t&lt;/b&gt;</title>" in page
