"""The XLSX as a form to print and fill in, on the small city of tests/exports/graphs.py.

The responsibility list at 2019-06-30: the title block in row 3, the header in row 4, the
duty rows under it; its columns I, J, K (年初话, 年中看, 年末评) are the hand-fill ones.
"""

from __future__ import annotations

import io

from openpyxl import load_workbook

from orggraph.exports.formats.xlsx import HAND_ROW_PT, LINE_PT, PAGE_WIDTH
from orggraph.exports.render import render_export
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.exports.graphs import list_city

PARAMS = {"year": "2019", "as_of": "2019-06-30"}


def workbook(store: GraphStore, kind: str) -> object:
    store.write(list_city())
    content, _, _ = render_export(kind, store, PARAMS, Scope(), "xlsx")
    return load_workbook(io.BytesIO(content))


def test_the_list_is_a_protected_form_with_a_guide(store: GraphStore) -> None:
    wb = workbook(store, "responsibility-list")
    assert wb.sheetnames == ["责任清单", "说明"]
    ws = wb["责任清单"]
    # Below the table: a blank row, the notes, a blank row and the signature lines.
    last = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value is None) - 1
    assert ws.cell(last, 2).value == "m4"  # the last secretary's last duty
    assert str(ws.cell(3, 1).value).startswith("填报单位：＿")
    assert [ws.cell(4, c).value for c in (9, 10, 11)] == ["年初话", "年中看", "年末评"]
    assert ws.auto_filter.ref == f"A4:K{last}"
    assert ws.print_title_rows == "$4:$4"
    assert str(ws.cell(ws.max_row, 1).value).startswith("书记签字：＿")
    assert "上级党组织意见：＿" in str(ws.cell(ws.max_row, 1).value)
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.page_setup.orientation == "landscape"
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    # Protected, except the hand-fill cells; filtering and sorting stay allowed.
    assert ws.protection.sheet and not ws.protection.autoFilter and not ws.protection.sort
    for row in range(5, last + 1):
        assert [ws.cell(row, c).protection.locked for c in (1, 5, 8)] == [True] * 3
        assert [ws.cell(row, c).protection.locked for c in (9, 10, 11)] == [False] * 3
        # Tall enough to write in; taller where the duty wraps.
        assert ws.row_dimensions[row].height >= HAND_ROW_PT
    guide = wb["说明"]
    text = "\n".join(str(c.value) for r in guide.iter_rows() for c in r if c.value)
    assert "在年初话、年中看、年末评列填写" in text
    assert "书记签字" in text and "年初相约话党建" in text


def test_the_ledger_rows_fit_their_wrapped_text(store: GraphStore) -> None:
    wb = workbook(store, "ledger")
    assert wb.sheetnames == ["整顿台账"]  # no hand-fill columns: no guide, no protection
    ws = wb.active
    assert not ws.protection.sheet
    assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A4:M")
    # As wide as A4 landscape at full size: fitting the width does not shrink the print.
    columns = "ABCDEFGHIJKLM"
    assert sum(ws.column_dimensions[c].width for c in columns) <= PAGE_WIDTH + 0.01
    width = ws.column_dimensions["F"].width  # 认定依据, 40 characters
    wrapped = 0
    for row in range(5, ws.max_row + 1):
        findings = ws.cell(row, 6).value
        if findings and len(str(findings)) * 2 > width:  # wraps: a taller row
            wrapped += 1
            assert ws.row_dimensions[row].height >= 2 * LINE_PT
    assert wrapped >= 1
