"""Duties entered by hand (手工录入职责): a CSV or XLSX with 书记, 职责, 时限 columns.

The table a district office keeps beside the graph, in the import format: one row per duty,
the secretary's person id (书记 / 人员编号 / person_id), the duty (职责 / duty) and an
optional deadline (时限 / deadline: ``2019-12-31``, ``2019/12/31``, ``2019年12月31日`` or a
spreadsheet date). Every problem in the file is reported at once, naming file, sheet, row,
column and value; nothing is half-read.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from orggraph.errors import Problem, ValidationFailed
from orggraph.exports._common import each
from orggraph.progress import Progress, silent

__all__ = ["HEADERS", "HandDuty", "parse_deadline", "read_duties"]

#: Accepted headers for each column (compared without spaces, case-insensitively).
HEADERS: dict[str, tuple[str, ...]] = {
    "person": ("书记", "人员编号", "书记编号", "person_id", "personid", "person", "secretary"),
    "duty": ("职责", "职责内容", "duty"),
    "deadline": ("时限", "完成时限", "deadline"),
}

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


@dataclass(frozen=True, kw_only=True, slots=True)
class HandDuty:
    """One duty entered by hand for one secretary."""

    person_id: str
    duty: str
    deadline: date | None
    row: int  # 1-based row in the file, for messages


def parse_deadline(value: Any) -> date | None:
    """A deadline cell as a date; ``None`` when blank; ``ValueError`` when not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.fullmatch(str(value).strip())
    if not match:
        raise ValueError(value)
    year, month, day = (int(g) for g in match.groups())
    return date(year, month, day)


def _rows(path: Path) -> tuple[str | None, list[list[Any]]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            return ws.title, [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    text = path.read_bytes().decode("utf-8-sig")
    return None, list(csv.reader(io.StringIO(text, newline="")))


def read_duties(path: str | Path, progress: Progress = silent) -> list[HandDuty]:
    """The duties in the CSV or XLSX file at ``path`` (header row first); ``progress``
    hears ``读取手工职责`` per batch of rows.

    Raises ``ValidationFailed`` listing every problem (missing column, blank person or duty,
    a deadline that is not a date), with file, sheet, row, column and value.
    """
    file = Path(path)
    sheet, rows = _rows(file)
    where: dict[str, Any] = {"file": str(file), "sheet": sheet}
    rows = [r for r in rows if any(_text(v) for v in r)]
    if not rows:
        raise ValidationFailed(
            [Problem(rule="duties-header", message="the file is empty", **where)]
        )
    header = [_text(v).replace(" ", "").lower() for v in rows[0]]
    index: dict[str, int] = {}
    problems: list[Problem] = []
    for key, names in HEADERS.items():
        found = [i for i, h in enumerate(header) if h in {n.lower() for n in names}]
        if found:
            index[key] = found[0]
        elif key != "deadline":
            problems.append(
                Problem(
                    rule="duties-header",
                    message=f"no {key} column; expected one headed {' / '.join(names)}",
                    row=1,
                    **where,
                )
            )
    if problems:
        raise ValidationFailed(problems)
    duties: list[HandDuty] = []
    for number, row in enumerate(each(rows[1:], progress, "读取手工职责"), start=2):

        def cell(key: str, row: list[Any] = row) -> Any:
            i = index.get(key)
            return row[i] if i is not None and i < len(row) else None

        person, duty = _text(cell("person")), _text(cell("duty"))
        for key, value in (("person", person), ("duty", duty)):
            if not value:
                problems.append(
                    Problem(
                        rule="duties-required",
                        message=f"the {key} is blank",
                        row=number,
                        column=str(rows[0][index[key]]),
                        **where,
                    )
                )
        try:
            deadline = parse_deadline(cell("deadline"))
        except ValueError:
            problems.append(
                Problem(
                    rule="duties-deadline",
                    message="not a date; expected YYYY-MM-DD, YYYY/MM/DD or YYYY年MM月DD日",
                    row=number,
                    column=str(rows[0][index["deadline"]]),
                    value=_text(cell("deadline")),
                    **where,
                )
            )
            deadline = None
        duties.append(HandDuty(person_id=person, duty=duty, deadline=deadline, row=number))
    if problems:
        raise ValidationFailed(problems)
    return duties


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
