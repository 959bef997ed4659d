"""Formula injection: every dangerous lead neutralised in CSV and XLSX; numbers untouched."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from orggraph.exports import Book, Column, Label, Table, render_book
from orggraph.exports.sanitize import clean_control, is_dangerous, neutralise

PAYLOADS = [
    "=1+2",
    '=HYPERLINK("x","点我")',
    "+1+2",
    "-1+2",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "＝1+2",  # full-width equals
    "＋1",
    "－1",
    "＠SUM(A1)",
    "  =1+2",  # spaces do not hide it
    "\n=1+2",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_dangerous_lead_gets_an_apostrophe(payload: str) -> None:
    assert is_dangerous(payload)
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("text", ["-3", "+1.5", "-0.25", "1e5", "张三", "a=b", "", "'=x"])
def test_plain_text_and_plain_numbers_are_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_control_characters_xml_cannot_hold_are_dropped() -> None:
    assert clean_control("a\x00b\x1fc\td\ne\rf") == "abc\td\ne\rf"


def injection_table() -> Table:
    columns = (
        Column(key="text", zh="文本", en="Text"),
        Column(key="n", zh="数", en="N", kind="number"),
    )
    rows = (*((p, -1.5) for p in PAYLOADS), ("-7", -7))
    # A header can come from a saved query's field name: it is neutralised too.
    columns = (Column(key="text", zh="=文本", en="=Text"), columns[1])
    return Table(title=Label("注入", "Injection"), columns=columns, rows=rows)


def test_csv_neutralises_text_and_keeps_numbers() -> None:
    text = render_book(Book.of(injection_table()), "csv")[3:].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["'=文本", "数"]
    assert [r[0] for r in rows[1:-1]] == ["'" + p for p in PAYLOADS]
    assert all(r[1] == "-1.5" for r in rows[1:-1])
    assert rows[-1] == ["-7", "-7"]  # a negative number stays a number


def test_xlsx_writes_no_formula_and_neutralises_text() -> None:
    wb = load_workbook(io.BytesIO(render_book(Book.of(injection_table()), "xlsx")))
    ws = wb.active
    assert ws is not None
    # Row 1 title, row 2 header, rows 3.. data.
    assert ws["A2"].value == "'=文本"
    for index, payload in enumerate(PAYLOADS, start=3):
        cell = ws.cell(index, 1)
        assert cell.data_type == "s"
        # XML reads a stored CR back as LF (line-end normalisation); the apostrophe stays.
        assert cell.value == "'" + payload.replace("\r", "\n")
        number = ws.cell(index, 2)
        assert number.data_type == "n" and number.value == -1.5
    last = 3 + len(PAYLOADS)
    assert ws.cell(last, 1).value == "-7" and ws.cell(last, 1).data_type == "s"
    assert ws.cell(last, 2).value == -7 and ws.cell(last, 2).data_type == "n"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_xlsx_never_writes_a_formula_even_from_a_raw_equals_sign() -> None:
    # The workbook's XML holds no <f> element whatever the data.
    import zipfile

    data = render_book(Book.of(injection_table()), "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
