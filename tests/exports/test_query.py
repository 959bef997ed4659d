"""Saved queries as tables: flattening rules by hand, and one query run through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from orggraph.cli import cli
from orggraph.errors import NotFound
from orggraph.exports.query import find_query, flatten, load_query, query_table
from orggraph.store.embedded import EmbeddedStore
from tests.exports.graphs import list_city


def test_the_first_list_gives_the_rows_and_scalars_beside_it_repeat() -> None:
    data = {
        "asOf": "2019-06-30",
        "orgs": {
            "totalCount": 2,
            "pageInfo": {"hasNextPage": False},
            "nodes": [
                {"id": "b1", "parent": {"id": "t", "name": "街道"}, "tags": ["a", "b"]},
                {"id": "b2", "parent": None, "tags": []},
            ],
        },
    }
    columns, rows = flatten(data)
    # Context first (asOf, orgs.totalCount, orgs.pageInfo.hasNextPage), then the item's
    # leaves; the null parent adds no column of its own; an empty list is blank.
    assert columns == [
        "asOf",
        "orgs.totalCount",
        "orgs.pageInfo.hasNextPage",
        "id",
        "parent.id",
        "parent.name",
        "tags",
    ]
    assert rows[0] == {
        "asOf": "2019-06-30",
        "orgs.totalCount": 2,
        "orgs.pageInfo.hasNextPage": False,
        "id": "b1",
        "parent.id": "t",
        "parent.name": "街道",
        "tags": "a；b",
    }
    assert rows[1]["tags"] is None and "parent.id" not in rows[1]


def test_a_list_inside_a_row_joins_each_field() -> None:
    data = {
        "orgs": [{"id": "b1", "leaders": [{"name": "甲", "id": "m1"}, {"name": "乙", "id": "m2"}]}]
    }
    assert flatten(data) == (
        ["id", "leaders.name", "leaders.id"],
        [{"id": "b1", "leaders.name": "甲；乙", "leaders.id": "m1；m2"}],
    )


def test_a_result_with_no_list_is_one_row_and_scalar_lists_work() -> None:
    assert flatten({"org": {"id": "b1", "n": 3}}) == (
        ["org.id", "org.n"],
        [{"org.id": "b1", "org.n": 3}],
    )
    assert flatten({"ids": ["a", "b"]}) == (["ids"], [{"ids": "a"}, {"ids": "b"}])


def test_the_header_names_the_title_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "q.graphql"
    path.write_text(
        "# 党组织书记\n# Secretaries\n# Column: name = 党组织 | Organization\n"
        "{ orgs { name count } }\n",
        encoding="utf-8",
    )
    query = load_query(path)
    table = query_table(
        query, {"orgs": [{"name": "甲", "count": 2}, {"name": "乙", "count": None}]}
    )
    assert (table.title.zh, table.title.en) == ("党组织书记", "Secretaries")
    assert [(c.zh, c.en, c.kind) for c in table.columns] == [
        ("党组织", "Organization", "text"),
        ("count", "count", "int"),
    ]
    assert table.rows == (("甲", 2), ("乙", None))


def test_an_unknown_saved_query_lists_the_known(tmp_path: Path) -> None:
    (tmp_path / "a.graphql").write_text("# a\n# a\n{ x }\n", encoding="utf-8")
    with pytest.raises(NotFound, match=r"'b' is not in .*known: a"):
        find_query(tmp_path, "b")


QUERY = """\
# 东关街道所辖党组织
# Organizations under 东关街道
# Column: name = 党组织 | Organization
# Column: secretary.name = 书记 | Secretary
query ($root: ID!) {
  organizations(filter: {territory: $root}) {
    totalCount
    nodes { id name secretary { name } contactLeaders { name } }
  }
}
"""


def test_a_saved_query_exports_through_the_cli(tmp_path: Path) -> None:
    # On list_city at 2019-06-30: the subtree of 630102001 is 630102001 (secretary 王三),
    # b1 (赵四; contact leader 李二) and b2 (no secretary, no contact): 3 organizations.
    db = tmp_path / "t.db"
    with EmbeddedStore(db) as store:
        store.write(list_city())
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "dongguan.graphql").write_text(QUERY, encoding="utf-8")
    out = tmp_path / "out.csv"
    args = ["--store", f"sqlite:///{db}", "export", "query", "dongguan", "--queries"]
    args += [str(tmp_path / "queries"), "--var", "root=630102001", "--as-of", "2019-06-30"]
    result = CliRunner().invoke(cli, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().decode("utf-8-sig") == (
        "organizations.totalCount,id,党组织,书记,contactLeaders.name\r\n"
        "3,630102001,东关街道党工委,王三,\r\n"
        "3,b1,夏都花园社区党支部,赵四,李二\r\n"
        "3,b2,某村党支部,,\r\n"
    )
