"""Saved queries as tables: flattening rules by hand, and one query run through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from orggraph.cli import cli
from orggraph.errors import NotFound
from orggraph.exports.query import find_query, flatten, load_query, query_tables
from orggraph.store.embedded import EmbeddedStore
from tests.exports.graphs import list_city


def test_a_list_gives_the_rows_and_the_scalars_beside_it_repeat() -> None:
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
    (section,) = flatten(data)
    # Context first (asOf, orgs.totalCount, orgs.pageInfo.hasNextPage), then the item's
    # leaves; the null parent adds no column of its own; an empty list is blank.
    assert section.path == "orgs.nodes"
    assert section.columns == [
        "asOf",
        "orgs.totalCount",
        "orgs.pageInfo.hasNextPage",
        "id",
        "parent.id",
        "parent.name",
        "tags",
    ]
    assert section.rows[0] == {
        "asOf": "2019-06-30",
        "orgs.totalCount": 2,
        "orgs.pageInfo.hasNextPage": False,
        "id": "b1",
        "parent.id": "t",
        "parent.name": "街道",
        "tags": "a；b",
    }
    assert section.rows[1]["tags"] is None and "parent.id" not in section.rows[1]


def test_a_list_inside_a_row_joins_each_field() -> None:
    data = {
        "orgs": [{"id": "b1", "leaders": [{"name": "甲", "id": "m1"}, {"name": "乙", "id": "m2"}]}]
    }
    (section,) = flatten(data)
    assert (section.columns, section.rows) == (
        ["id", "leaders.name", "leaders.id"],
        [{"id": "b1", "leaders.name": "甲；乙", "leaders.id": "m1；m2"}],
    )


def test_several_lists_of_one_object_are_several_tables() -> None:
    # A person's responsibilities: two lists beside two scalars, one table each; an empty
    # list is a table with the scalars' columns and no row.
    data = {"r": {"person": "m1", "posts": [{"org": "a"}, {"org": "b"}], "cases": []}}
    posts, cases = flatten(data)
    assert (posts.path, posts.columns) == ("r.posts", ["r.person", "org"])
    assert posts.rows == [{"r.person": "m1", "org": "a"}, {"r.person": "m1", "org": "b"}]
    assert (cases.path, cases.columns, cases.rows) == ("r.cases", ["r.person"], [])


def test_a_result_with_no_list_is_one_row_and_scalar_lists_work() -> None:
    (one,) = flatten({"org": {"id": "b1", "n": 3}})
    assert (one.columns, one.rows) == (["org.id", "org.n"], [{"org.id": "b1", "org.n": 3}])
    (ids,) = flatten({"ids": ["a", "b"]})
    assert (ids.columns, ids.rows) == (["ids"], [{"ids": "a"}, {"ids": "b"}])


def test_the_header_names_the_title_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "q.graphql"
    path.write_text(
        "# 党组织书记：各党组织及人数\n# Secretaries: organizations and counts\n"
        "# Column: name = 党组织 | Organization\n{ orgs { name count } }\n",
        encoding="utf-8",
    )
    query = load_query(path)
    data = {"orgs": [{"name": "甲", "count": 2}, {"name": "乙", "count": None}]}
    (table,) = query_tables(query, data)
    # The title is each line up to its colon; the whole lines are the note.
    assert (table.title.zh, table.title.en) == ("党组织书记", "Secretaries")
    assert table.notes[0].zh == "党组织书记：各党组织及人数"
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
