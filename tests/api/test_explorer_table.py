"""The explorer's table view (scripts/explorer/flatten.js) under node: it flattens a result
as the server's saved-query export does (orggraph.exports.query.flatten), and its CSV is
what a spreadsheet reads safely."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from orggraph.exports.query import flatten as server_flatten

FLATTEN_JS = Path(__file__).resolve().parents[2] / "scripts" / "explorer" / "flatten.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def node(call: str, argument: Any) -> Any:
    """``call`` (an expression over flatten.js's exports and ``arg``) run by node."""
    script = (
        f"import * as t from {json.dumps(FLATTEN_JS.as_uri())};\n"
        "const arg = JSON.parse(process.argv[1]);\n"
        f"process.stdout.write(JSON.stringify({call}));\n"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, json.dumps(argument, ensure_ascii=False)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(done.stdout)


def browser_tables(data: Any) -> list[tuple[str, list[str], list[dict[str, Any]]]]:
    sections = node("t.flatten(arg)", data)
    return [
        (s["path"], s["columns"], [{c: r.get(c) for c in s["columns"]} for r in s["rows"]])
        for s in sections
    ]


def server_tables(data: Any) -> list[tuple[str, list[str], list[dict[str, Any]]]]:
    return [
        (s.path, s.columns, [{c: r.get(c) for c in s.columns} for r in s.rows])
        for s in server_flatten(data)
    ]


SAME = {
    "connection": {
        "orgs": {
            "total": 2,
            "nodes": [{"id": "b1", "parent": {"id": "t"}}, {"id": "b2", "parent": None}],
        }
    },
    "two lists": {"a": {"asOf": "2019-06-30", "x": [{"id": 1}], "y": ["p", "q"]}},
    "no list": {"org": {"id": "b1", "parent": {"name": "东关街道党工委"}}},
    "list in an item": {
        "gaps": [
            {"kind": "A", "owners": [{"name": "城东区委"}, {"name": "西宁市委"}]},
            {"kind": "B", "owners": []},
            {"kind": "C", "tags": [True, 3, None]},
        ]
    },
}


@pytest.mark.parametrize("name", sorted(SAME))
def test_the_table_view_flattens_as_the_export_does(name: str) -> None:
    assert browser_tables(SAME[name]) == server_tables(SAME[name])


def test_the_tables_worked_out_by_hand() -> None:
    assert browser_tables(SAME["connection"]) == [
        (
            "orgs.nodes",
            ["orgs.total", "id", "parent.id"],
            [
                {"orgs.total": 2, "id": "b1", "parent.id": "t"},
                {"orgs.total": 2, "id": "b2", "parent.id": None},
            ],
        )
    ]
    # B's empty owners list makes an "owners" column, null on every row, beside
    # "owners.name": dropped. A list of scalars is one cell, a null item an empty part.
    assert browser_tables(SAME["list in an item"]) == [
        (
            "gaps",
            ["kind", "owners.name", "tags"],
            [
                {"kind": "A", "owners.name": "城东区委；西宁市委", "tags": None},
                {"kind": "B", "owners.name": None, "tags": None},
                {"kind": "C", "owners.name": None, "tags": "true；3；"},
            ],
        )
    ]


def test_an_object_null_in_every_item_of_a_list_is_no_column() -> None:
    # Owners whose secretary the actor may not see: the secretary object is null in those
    # items, so its own column would hold only the list's separators. The table view drops
    # it (the server's export keeps it, empty); the names stay aligned with the owners.
    data = {
        "gaps": [
            {
                "owners": [
                    {"name": "甲", "secretary": {"name": "张"}},
                    {"name": "乙", "secretary": None},
                ]
            },
            {"owners": [{"name": "丙", "secretary": None}]},
        ]
    }
    assert browser_tables(data) == [
        (
            "gaps",
            ["owners.name", "owners.secretary.name"],
            [
                {"owners.name": "甲；乙", "owners.secretary.name": "张"},
                {"owners.name": "丙", "owners.secretary.name": None},
            ],
        )
    ]


def test_the_csv_is_safe_in_a_spreadsheet() -> None:
    headers = ["名称", "数"]
    rows = [["=1+2", -3.5], ["－1", 2], ['说"明', None], ["a,b", True], ["-3.5", 0]]
    text = node("t.toCsv(arg[0], arg[1])", [headers, rows])
    # A BOM for Excel, CRLF lines, formulas neutralised with an apostrophe (a plain number
    # written as text is data, left alone), quotes doubled, commas quoted.
    assert text == (
        '\ufeff名称,数\r\n\'=1+2,-3.5\r\n\'－1,2\r\n"说""明",\r\n"a,b",true\r\n-3.5,0\r\n'
    )
