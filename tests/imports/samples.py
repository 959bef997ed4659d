"""Small import files written by hand, and helpers that run an import expected to fail.

``city`` (CSV, Chinese headers, all from 2010-01-01)::

    630100 西宁市委 (city committee)
    └── 630102 城东区委 (county committee)
        └── 630102001 东关街道党工委 (township working committee)
            └── b1 夏都花园社区党支部 (branch): members m1 m2 m3 (full), m4 (probationary)
                                                 m1 is its secretary; m1 serves expert e1

with the 2023 facts of b1: 考核等次 优秀, 组织生活会议次数 12.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from orggraph.errors import Problem, ValidationFailed
from orggraph.imports import ImportReport, import_files
from orggraph.store.base import GraphStore

EFFECTIVE = date(2024, 1, 1)

ORGS = """标识,名称,起始日期,终止日期,组织类别,层级,领域,上级党组织
630100,西宁市委,2010-01-01,,党委,市级,,
630102,城东区委,2010-01-01,,党委,县(区)级,,630100
630102001,东关街道党工委,2010-01-01,,党工委,乡镇(街道)级,,630102
b1,夏都花园社区党支部,2010-01-01,,党支部,基层,城市社区,630102001
"""
MEMBERS = """标识,姓名,起始日期,性别,民族,学历,出生年份,入党日期,党员类别,领导干部,所在党组织
m1,张三,2010-01-01,男,汉族,大学本科,1975,2000-07-01,正式党员,是,b1
m2,李四,2010-01-01,女,回族,大专,1980,2005-07-01,正式党员,否,b1
m3,王五,2010-01-01,男,土族,研究生,1985,2010-01-01,正式党员,否,b1
m4,赵六,2010-01-01,女,汉族,大学本科,1995,2023-07-01,预备党员,否,b1
"""
POSTS = """党员,任职党组织,职务,起始日期
m1,b1,书记,2010-01-01
"""
EXPERTS = """标识,姓名,起始日期,专业领域
e1,陈教授,2010-01-01,高原生态
"""
SERVICES = """联系领导,专家,起始日期
m1,e1,2010-01-01
"""
FACTS = """对象标识,年度,考核等次,组织生活会议次数
b1,2023,优秀,12
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def city(folder: Path) -> list[Path]:
    """The ``city`` tables as CSV files in ``folder``, in import order."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write(folder / "01_党组织.csv", ORGS),
        write(folder / "02_党员.csv", MEMBERS),
        write(folder / "任职.csv", POSTS),
        write(folder / "专家人才.csv", EXPERTS),
        write(folder / "联系服务专家.csv", SERVICES),
        write(folder / "年度指标.csv", FACTS),
    ]


def imported(store: GraphStore, paths: Sequence[Path], **options: Any) -> ImportReport:
    options.setdefault("effective", EFFECTIVE)
    return import_files(store, list(paths), **options)


def refused(store: GraphStore, paths: Sequence[Path], **options: Any) -> list[Problem]:
    """The problems of an import that must fail, after checking it changed nothing."""
    before = store.digest()
    options.setdefault("effective", EFFECTIVE)
    with pytest.raises(ValidationFailed) as caught:
        import_files(store, list(paths), **options)
    assert store.digest() == before, "a refused import changed the store"
    return list(caught.value.problems)


def errors(problems: Sequence[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def only(problems: Sequence[Problem], rule: str) -> Problem:
    """The one error with ``rule``."""
    found = [p for p in errors(problems) if p.rule == rule]
    assert len(found) == 1, (rule, [str(p) for p in problems])
    return found[0]
