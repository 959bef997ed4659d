"""The three formats, the encodings Chinese Excel writes, and files too big or empty."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import orjson
from openpyxl import Workbook

from orggraph.store.base import GraphStore
from tests.imports.samples import MEMBERS, ORGS, imported, only, refused, write

WHEN = date(2020, 1, 1)


def test_gb18030_csv_keeps_a_rare_surname(store: GraphStore, tmp_path: Path) -> None:
    # 𠮷 (U+20BB7) is outside GBK: GB18030 writes it as four bytes, 0x95 0x34 0xB2 0x35.
    members = MEMBERS.replace("王五", "𠮷五")
    orgs = write(tmp_path / "党组织.csv", ORGS, encoding="gb18030")
    people = write(tmp_path / "党员.csv", members, encoding="gb18030")
    assert b"\x95\x34\xb2\x35" in people.read_bytes()
    imported(store, [orgs, people])
    m3 = store.node("m3", WHEN)
    assert m3 is not None
    assert (m3.name, m3.get("ethnicity")) == ("𠮷五", "土族")


def test_utf8_with_bom(store: GraphStore, tmp_path: Path) -> None:
    orgs = write(tmp_path / "党组织.csv", ORGS, encoding="utf-8-sig")
    assert orgs.read_bytes().startswith(b"\xef\xbb\xbf")
    report = imported(store, [orgs])
    # The BOM is not part of the first header: 标识 is recognised and 4 rows are read.
    assert report.rows == {"organizations": 4}
    assert store.node("630100", WHEN) is not None


def test_bytes_neither_utf8_nor_gb18030(store: GraphStore, tmp_path: Path) -> None:
    bad = tmp_path / "党组织.csv"
    bad.write_bytes(ORGS.encode() + b"x,\xff\xff,2010-01-01,,branch,grassroots,,\n")
    problem = only(refused(store, [bad]), "encoding")
    assert "line 6" in problem.message  # the header and four rows come first


def test_xlsx_with_a_formula_cell_names_the_cell(store: GraphStore, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "专家人才"
    sheet.append(["标识", "姓名", "起始日期"])
    sheet.append(["e1", "陈教授", datetime(2010, 1, 1)])
    sheet.append(["e2", '=B2&"助手"', datetime(2010, 1, 1)])
    path = tmp_path / "experts.xlsx"
    book.save(path)
    problem = only(refused(store, [path]), "formula")
    assert (problem.file, problem.sheet, problem.row, problem.column) == (
        str(path),
        "专家人才",
        3,
        "姓名",
    )
    assert "B3" in problem.message
    assert problem.value == '=B2&"助手"'


def test_xlsx_date_cells_numbers_and_booleans(store: GraphStore, tmp_path: Path) -> None:
    book = Workbook()
    orgs = book.active
    orgs.title = "党组织 (organizations)"
    orgs.append(["标识 (id)", "名称 (name)", "起始日期 (valid_from)", "组织类别", "层级"])
    orgs.append([630100, "西宁市委", datetime(2010, 1, 1), "党委", "city"])
    members = book.create_sheet("members")
    members.append(
        [
            *("id", "name", "valid_from", "gender", "ethnicity", "education", "birth_year"),
            *("join_date", "status", "is_leader"),
        ]
    )
    members.append(
        [
            *("m1", "张三", datetime(2010, 1, 1), "男", "汉族", "大学本科", 1975.0),
            *(datetime(2000, 7, 1), "正式党员", True),
        ]
    )
    path = tmp_path / "book.xlsx"
    book.save(path)
    imported(store, [path])
    city = store.node("630100", WHEN)  # a number cell holding an id is read as its digits
    assert city is not None and city.get("org_kind") == "committee"
    m1 = store.node("m1", WHEN)
    assert m1 is not None
    assert (m1.get("birth_year"), m1.get("join_date"), m1.get("is_leader")) == (
        1975,
        date(2000, 7, 1),
        True,
    )


def test_json_as_tables_and_as_a_list(store: GraphStore, tmp_path: Path) -> None:
    tables = tmp_path / "tables.json"
    tables.write_bytes(
        orjson.dumps(
            {
                "党组织": [
                    {"id": "630100", "name": "西宁市委", "org_kind": "committee", "level": "city"},
                    {"标识": "630102", "名称": "城东区委", "组织类别": "党委", "层级": "县(区)级"},
                ],
                "hierarchy": [{"organization": "630102", "parent": "630100"}],
            }
        )
    )
    rows = tmp_path / "rows.json"
    rows.write_bytes(
        orjson.dumps(
            [
                {"table": "experts", "id": "e1", "name": "陈教授", "valid_from": "2010-01-01"},
                {"table": "专家人才", "id": "e2", "name": "李博士", "valid_from": "2010/1/1"},
            ]
        )
    )
    report = imported(store, [tables, rows])
    assert dict(report.rows) == {"organizations": 2, "hierarchy": 1, "experts": 2}
    # Rows without 起始日期 start on the effective date (2024-01-01).
    assert store.parent("630102", date(2024, 1, 1)) == "630100"
    assert store.node("630100", date(2023, 12, 31)) is None
    e2 = store.node("e2", WHEN)
    assert e2 is not None and e2.valid_from == date(2010, 1, 1)


def test_json_problems_name_key_and_position(store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(
        orjson.dumps(
            {"experts": [{"id": "e1", "name": "甲"}, {"id": "e2", "name": "乙", "age": 3}]}
        )
    )
    problem = only(refused(store, [path]), "unknown-column")
    assert (problem.sheet, problem.row, problem.column) == ("experts", 2, "age")
    broken = write(tmp_path / "broken.json", '{"experts": [\n  {"id": "e1",}\n]}')
    problem = only(refused(store, [broken]), "json-format")
    assert problem.row == 2  # the line of the stray comma


def test_an_empty_file(store: GraphStore, tmp_path: Path) -> None:
    empty = tmp_path / "党组织.csv"
    empty.write_bytes(b"")
    problem = only(refused(store, [empty]), "empty-file")
    assert problem.file == str(empty)
    blank = write(tmp_path / "党员.csv", "\n \n")
    assert only(refused(store, [blank]), "empty-file").file == str(blank)


def test_a_200mb_file_gets_a_fast_precise_error(store: GraphStore, tmp_path: Path) -> None:
    big = tmp_path / "党员.csv"
    with big.open("wb") as out:
        out.write(MEMBERS.encode())
        out.truncate(200 * 1024 * 1024)  # sparse: 200 MiB on paper, instant to make
    started = time.perf_counter()
    problem = only(refused(store, [big]), "file-too-large")
    assert time.perf_counter() - started < 2.0
    assert problem.file == str(big)
    assert problem.value == str(200 * 1024 * 1024)
    assert "209,715,200 bytes" in problem.message and "100,000,000" in problem.message


def test_the_size_limit_is_a_setting(store: GraphStore, tmp_path: Path) -> None:
    orgs = write(tmp_path / "党组织.csv", ORGS)
    size = orgs.stat().st_size
    problem = only(refused(store, [orgs], max_bytes=size - 1), "file-too-large")
    assert problem.value == str(size)
    imported(store, [orgs], max_bytes=size)


def test_an_xlsx_that_unpacks_too_large(store: GraphStore, tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "专家人才"
    book.active.append(["标识", "姓名"])
    for number in range(20_000):
        book.active.append([f"e{number}", "同一个名字"])
    path = tmp_path / "experts.xlsx"
    book.save(path)
    size = path.stat().st_size
    # The sheet's XML repeats itself and compresses well over ten times.
    problem = only(refused(store, [path], max_bytes=size), "file-too-large")
    assert "unpacked" in problem.message


def test_an_old_xls_and_a_missing_file(store: GraphStore, tmp_path: Path) -> None:
    old = write(tmp_path / "党员.xls", "not really")
    problems = refused(store, [old, tmp_path / "nowhere.csv"])
    assert "save it as .xlsx" in only(problems, "file-format").message
    assert only(problems, "file-not-found").file == str(tmp_path / "nowhere.csv")
