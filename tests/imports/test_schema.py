"""The JSON Schemas and the docs' column reference match the code; sample rows pass both."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from orggraph.errors import ValidationFailed
from orggraph.imports import TABLES, import_rows
from orggraph.imports.schema import (
    DOCS_BEGIN,
    DOCS_END,
    reference_markdown,
    schema_texts,
    table_schema,
)
from orggraph.store.base import GraphStore

ROOT = Path(__file__).resolve().parents[2]
EFFECTIVE = date(2024, 1, 1)

#: One import using every table, in the canonical form the schemas describe.
SAMPLE: dict[str, list[dict[str, Any]]] = {
    "organizations": [
        {"id": "630100", "name": "西宁市委", "org_kind": "committee", "level": "city"},
        {
            "id": "b1",
            "name": "夏都花园社区党支部",
            "valid_from": "2024-01-01",
            "org_kind": "党支部",
            "level": "grassroots",
            "sector": "community",
            "parent": "630100",
        },
        {"id": "b2", "name": "某村党总支", "org_kind": "general_branch", "level": "grassroots"},
    ],
    "working_groups": [{"id": "wg01", "name": "第一全域党建工作组", "number": 1}],
    "members": [
        {
            "id": f"m{n}",
            "name": name,
            "gender": "男",
            "ethnicity": "汉族",
            "education": "bachelor",
            "birth_year": 1980,
            "join_date": "2005-07-01",
            "status": "full",
            "is_leader": n == 1,
            "organization": "b1" if n < 4 else None,
        }
        for n, name in ((1, "张三"), (2, "李四"), (3, "王五"), (4, "赵六"))
    ],
    "experts": [{"id": "e1", "name": "陈教授", "field": "高原生态", "valid_to": None}],
    "units": [
        {
            "id": "u1",
            "name": "某非公企业",
            "unit_kind": "非公企业",
            "full_members": 3,
            "place": "b1",
        },
        {"id": "u2", "name": "某社会组织", "unit_kind": "社会组织", "full_members": 0},
    ],
    "cases": [
        {
            "id": "case-1",
            "name": "b1 整顿",
            "organization": "b1",
            "state": "rectifying",
            "reasons": ["书记不胜任", "组织生活不正常"],
            "responsible": "m1",
            "partner": "b2",
            "deadline": "2024-12-31",
        }
    ],
    "hierarchy": [{"organization": "b2", "parent": "630100"}],
    "memberships": [{"member": "m4", "organization": "b2"}],
    "posts": [{"member": "m1", "organization": "b1", "role": "书记"}],
    "group_coverage": [{"working_group": "wg01", "organization": "630100", "sector": "rural"}],
    "group_leads": [{"leader": "m1", "working_group": "wg01"}],
    "contacts": [{"leader": "m1", "organization": "b2"}],
    "expert_services": [{"leader": "m1", "expert": "e1"}],
    "pairings": [{"helper": "b2", "helped": "b1"}],
    "establishments": [{"organization": "b2", "unit": "u1", "mode": "own"}],
    "instructors": [{"instructor": "m2", "unit": "u1"}],
    "places": [{"unit": "u2", "place": "b2"}],
    "facts": [
        {
            "id": "b1",
            "year": 2023,
            "assessment_grade": "优秀",
            "meetings_held": 12,
            "collective_income": 5.5,
            "venue_upgraded": True,
        },
        {"id": "m1", "year": 2023, "vanguard_index": 92.5},
    ],
}


def test_schema_files_are_current() -> None:
    folder = ROOT / "schema" / "import"
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.json")}
    fresh = schema_texts()
    assert sorted(on_disk) == sorted(fresh), "run: python -m orggraph.imports.schema"
    for name, text in fresh.items():
        assert on_disk[name] == text, f"{name} is stale; run: python -m orggraph.imports.schema"


def test_docs_column_reference_is_current() -> None:
    text = (ROOT / "docs" / "IMPORT.md").read_text(encoding="utf-8")
    section = text.split(DOCS_BEGIN, 1)[1].split(DOCS_END, 1)[0]
    assert section == "\n" + reference_markdown(), "run: python -m orggraph.imports.schema"


def test_the_sample_covers_every_table() -> None:
    assert sorted(SAMPLE) == sorted(t.name for t in TABLES)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_sample_rows_follow_the_schema(table: Any) -> None:
    validator = Draft202012Validator(table_schema(table), format_checker=FormatChecker())
    Draft202012Validator.check_schema(validator.schema)
    for row in SAMPLE[table.name]:
        validator.validate(row)
    validator.validate({"table": table.label_zh, **SAMPLE[table.name][0]})


def test_the_sample_imports(store: GraphStore) -> None:
    report = import_rows(store, SAMPLE, source="sample.json", effective=EFFECTIVE)
    # By hand: nodes 3 + 1 + 4 + 1 + 2 + 1; links: b1's parent, three members' organization,
    # u1's place, and one row in each of the eleven link tables; facts: four of b1, one of m1.
    assert (report.nodes_added, report.links_added, report.facts) == (12, 16, 5)
    assert report.warnings == ()  # b1 has three full members; b2 is a general branch


def test_what_the_schema_refuses_the_import_refuses(store: GraphStore) -> None:
    bad_rows = {
        "organizations": [{"id": "x", "name": "X", "org_kind": "党小组", "level": "city"}],
        "experts": [{"id": "e9", "name": "某", "valid_from": "2019-13-01"}],
        "units": [{"id": "u9", "name": "某", "unit_kind": "social_organization"}],
    }
    for table, rows in bad_rows.items():
        validator = Draft202012Validator(
            table_schema(next(t for t in TABLES if t.name == table)),
            format_checker=FormatChecker(),
        )
        assert not validator.is_valid(rows[0]), table
    with pytest.raises(ValidationFailed) as caught:
        import_rows(store, bad_rows, source="bad.json", effective=EFFECTIVE)
    found = sorted((p.sheet, p.rule, p.column) for p in caught.value.problems)
    assert found == [
        ("experts", "date", "valid_from"),
        ("organizations", "enum", "org_kind"),
        ("units", "required", "full_members"),
    ]
