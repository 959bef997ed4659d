"""``records_from_rows``: the row → record conversion the API reuses, with its problems."""

from __future__ import annotations

from datetime import date

from orggraph.imports import records_from_rows
from orggraph.model import LinkKind, NodeKind
from orggraph.model.kinds import Education


def test_rows_with_chinese_or_english_keys() -> None:
    out = records_from_rows(
        "党员",
        [
            {
                "标识": "m1",
                "姓名": "张三",
                "gender": "女",
                "民族": "汉族",
                "学历": "bachelor",
                "birth_year": "1980",
                "入党日期": "2005/7/1",
                "党员类别": "正式党员",
                "所在党组织": "b1",
            }
        ],
        source="mutation createMember",
        effective=date(2024, 5, 1),
    )
    assert out.problems == []
    (node,) = out.nodes
    assert node.record.kind is NodeKind.MEMBER
    assert (node.record.valid_from, node.record.get("birth_year")) == (date(2024, 5, 1), 1980)
    assert node.record.get("education") == Education.BACHELOR.value
    assert (node.where.file, node.where.row) == ("mutation createMember", 1)
    (link,) = out.links
    assert (link.record.kind, link.record.source, link.record.target) == (
        LinkKind.MEMBER_OF,
        "m1",
        "b1",
    )


def test_problems_are_numbered_from_first_row() -> None:
    out = records_from_rows(
        "experts",
        [
            {"id": "e1", "name": "甲", "hobby": "x"},
            {"id": "e2", "name": "乙", "hobby": "y"},
            {"id": "e 3", "name": "丙", "valid_from": "yesterday"},
        ],
        source="api",
        first_row=10,
    )
    # One unknown key, said once; row 12 has a bad id and a bad date.
    assert sorted((p.rule, p.row, p.column) for p in out.problems) == [
        ("date", 12, "valid_from"),
        ("id-format", 12, "id"),
        ("unknown-column", 10, "hobby"),
    ]
    assert [n.record.id for n in out.nodes] == ["e1", "e2"]
    assert out.failed_ids == {"e 3"}


def test_an_unknown_table() -> None:
    out = records_from_rows("花名册", [{"id": "x"}], source="api")
    assert [(p.rule, p.value) for p in out.problems] == [("unknown-table", "花名册")]
