"""Hand-entered duties: CSV and XLSX, Chinese or English headers, every problem at once."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from orggraph.errors import ValidationFailed
from orggraph.exports.duties import HandDuty, parse_deadline, read_duties


def test_a_csv_with_a_bom_and_chinese_headers(tmp_path: Path) -> None:
    path = tmp_path / "duties.csv"
    text = "书记,职责,时限\r\nm3,召开专题组织生活会,2019-09-30\r\nm4,走访党员,\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert read_duties(path) == [
        HandDuty(person_id="m3", duty="召开专题组织生活会", deadline=date(2019, 9, 30), row=2),
        HandDuty(person_id="m4", duty="走访党员", deadline=None, row=3),
    ]


def test_an_xlsx_with_english_headers_and_a_date_cell(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Person ID", "Duty", "Deadline"])
    ws.append(["m3", "Hold a meeting", datetime(2019, 12, 31)])
    ws.append([None, None, None])  # blank rows are skipped
    ws.append(["m4", "Visit members", "2019年11月5日"])
    path = tmp_path / "duties.xlsx"
    wb.save(path)
    assert read_duties(path) == [
        HandDuty(person_id="m3", duty="Hold a meeting", deadline=date(2019, 12, 31), row=2),
        HandDuty(person_id="m4", duty="Visit members", deadline=date(2019, 11, 5), row=3),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019-09-30", date(2019, 9, 30)),
        ("2019/9/3", date(2019, 9, 3)),
        ("2019年09月30日", date(2019, 9, 30)),
        ("", None),
        (None, None),
    ],
)
def test_deadline_forms(raw: str | None, expected: date | None) -> None:
    assert parse_deadline(raw) == expected


def test_every_problem_is_reported_with_its_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("书记,职责,时限\nm3,,2019-09-30\n,走访,下月\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        read_duties(path)
    found = [(p.rule, p.row, p.column, p.value) for p in caught.value.problems]
    # Row 2: the duty is blank. Row 3: the person is blank and "下月" is not a date.
    assert found == [
        ("duties-required", 2, "职责", None),
        ("duties-required", 3, "书记", None),
        ("duties-deadline", 3, "时限", "下月"),
    ]
    assert all(p.file == str(path) for p in caught.value.problems)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "no-duty.csv"
    path.write_text("书记,时限\nm3,2019-09-30\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="no duty column; expected one headed 职责"):
        read_duties(path)
