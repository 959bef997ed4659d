"""The template workbook (导入模板): one sheet per table, headers in Chinese and English.

Each header is ``中文 (english)``, which the importer reads back; required columns are bold
on a yellow fill; every header carries a note with its type, allowed values and help; enum
columns offer their Chinese labels in a drop-down (codes are still accepted); the header
row is frozen. The first sheet, 说明 (readme), explains the rules and is skipped on import,
so the empty template imports as an empty import.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from pathlib import Path

from orggraph.imports.tables import TABLE_HELP, TABLES, Column, header_text
from orggraph.model import LABELS_ZH

__all__ = ["README_SHEET", "write_template"]

README_SHEET = "说明 (readme)"

_RULES = (
    (
        "每个工作表是一张表 / one sheet per table",
        "工作表名即表名，中文或英文均可 (sheet name = table name)",
    ),
    ("表头 / headers", "中文、英文或“中文 (english)”均可；以 # 开头或名为“备注”的列被忽略"),
    ("日期 / dates", "YYYY-MM-DD，也接受 2019/6/30 和 Excel 日期单元格"),
    ("起始日期 / valid_from", "留空则取导入的生效日期 (--effective，默认今天)"),
    ("终止日期 / valid_to", "首个不再有效的日期；留空表示仍有效"),
    ("枚举 / enums", "填写中文标签或英文代码，如 党支部 或 branch"),
    ("公式 / formulas", "不接受公式，请粘贴为数值 (paste values)"),
    (
        "全部或全不 / all or nothing",
        "任何一处错误都不会写入任何数据；错误会列出文件、工作表、行、列",
    ),
)


def _width(text: str) -> int:
    """Display width: a CJK character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _note(column: Column) -> str:
    lines = [f"{column.label_zh} ({column.name})"]
    lines.append("必填 required" if column.required else "选填 optional")
    kind = column.value_type
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        lines.append("、".join(f"{LABELS_ZH.get(m, m.value)}={m.value}" for m in kind))
    else:
        lines.append(str(kind))
    if column.help:
        lines.append(column.help)
    return "\n".join(lines)


def write_template(path: Path) -> Path:
    """Write the empty template workbook to ``path``."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    readme = workbook.active
    readme.title = README_SHEET
    readme.append(["表 table", "内容 contents"])
    for table in TABLES:
        readme.append([table.title, TABLE_HELP.get(table.name, "")])
    readme.append([])
    readme.append(["规则 rule", "说明 notes"])
    for rule in _RULES:
        readme.append(list(rule))
    readme.column_dimensions["A"].width = 36
    readme.column_dimensions["B"].width = 90
    bold = Font(bold=True)
    for cell in readme[1]:
        cell.font = bold

    required_fill = PatternFill("solid", start_color="FFF2CC")
    header_fill = PatternFill("solid", start_color="DDEBF7")
    for table in TABLES:
        sheet = workbook.create_sheet(table.title)
        for index, column in enumerate(table.columns, 1):
            cell = sheet.cell(row=1, column=index, value=header_text(column))
            cell.font = Font(bold=column.required)
            cell.fill = required_fill if column.required else header_fill
            cell.alignment = Alignment(vertical="center")
            cell.comment = Comment(_note(column), "orggraph", width=320, height=140)
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, _width(header_text(column)) + 4)
            kind = column.value_type
            choices: list[str] | None = None
            if isinstance(kind, type) and issubclass(kind, StrEnum):
                choices = [LABELS_ZH.get(m, m.value) for m in kind]
            elif kind == "bool":
                choices = ["是", "否"]
            if choices:
                rule = DataValidation(
                    type="list",
                    formula1='"' + ",".join(choices) + '"',
                    allow_blank=True,
                    errorStyle="warning",
                    showErrorMessage=True,
                    error="请从列表中选择，或填写英文代码 (choose from the list, or type the code)",
                )
                sheet.add_data_validation(rule)
                rule.add(f"{letter}2:{letter}5000")
        sheet.freeze_panes = "A2"
    workbook.save(path)
    return path
