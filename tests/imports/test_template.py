"""The template workbook: one sheet per table, bilingual headers, and it imports back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from orggraph.imports import TABLES
from orggraph.imports.tables import header_text
from orggraph.imports.template import README_SHEET, write_template
from orggraph.store.base import GraphStore
from tests.imports.samples import imported


def test_one_sheet_per_table_with_bilingual_frozen_headers(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == [README_SHEET, *(t.title for t in TABLES)]
    members = book["党员 (members)"]
    headers = [c.value for c in members[1]]
    assert headers[:4] == [
        "标识 (id)",
        "姓名 (name)",
        "起始日期 (valid_from)",
        "终止日期 (valid_to)",
    ]
    for table in TABLES:
        sheet = book[table.title]
        assert [c.value for c in sheet[1]] == [header_text(c) for c in table.columns]
        assert sheet.freeze_panes == "A2"
        assert sheet.max_row == 1  # headers only
        assert all(sheet.column_dimensions[c].width >= 12 for c in ("A", "B"))
    # Required columns are bold; the note says what a column takes.
    assert members["A1"].font.b and not members["L1"].font.b
    assert "男=male" in members["E1"].comment.text


def test_the_empty_template_imports_as_an_empty_import(store: GraphStore, tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    before = store.digest()
    report = imported(store, [path])
    assert dict(report.rows) == {t.name: 0 for t in TABLES}
    assert (report.versions_added, report.versions_closed, report.facts) == (0, 0, 0)
    assert store.digest() == before


def test_a_filled_template_imports(store: GraphStore, tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    book = load_workbook(path)
    orgs = book["党组织 (organizations)"]
    orgs.append(["630100", "西宁市委", "2010-01-01", None, "党委", "市级"])
    orgs.append(["630102", "城东区委", "2010-01-01", None, "党委", "县(区)级"])
    hierarchy = book["隶属关系 (hierarchy)"]
    hierarchy.append(["630102", "630100", "2010-01-01"])
    book.save(path)
    report = imported(store, [path])
    assert (report.rows["organizations"], report.rows["hierarchy"]) == (2, 1)
    assert store.parent("630102", date(2020, 1, 1)) == "630100"
