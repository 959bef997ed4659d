"""Bad input gets a precise error (file, sheet, row, column, value, rule) and changes nothing.

Every test below runs a refused import through ``refused``, which also checks that the
store's digest is exactly what it was before.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orggraph.model import LinkKind
from orggraph.store.base import GraphStore
from tests.graphs import tiny_city
from tests.imports.samples import (
    MEMBERS,
    ORGS,
    city,
    errors,
    imported,
    only,
    refused,
    write,
)

ORG_HEAD = "标识,名称,起始日期,终止日期,组织类别,层级,领域,上级党组织\n"


def test_a_correct_multi_table_import(store: GraphStore, tmp_path: Path) -> None:
    report = imported(store, city(tmp_path))
    # Rows by hand: 4 organizations, 4 members, 1 post, 1 expert, 1 service, 1 fact row.
    assert dict(report.rows) == {
        "organizations": 4,
        "members": 4,
        "posts": 1,
        "experts": 1,
        "expert_services": 1,
        "facts": 1,
    }
    # Nodes 4 + 4 + 1; links: 3 parents + 4 memberships + 1 post + 1 service; facts: 2 cells.
    assert (report.nodes_added, report.links_added, report.facts) == (9, 9, 2)
    assert (report.nodes_closed, report.links_closed) == (0, 0)
    assert report.warnings == ()  # b1 has three full members: no warning
    when = date(2020, 1, 1)
    assert store.ancestors("b1", when) == ["630102001", "630102", "630100"]
    secretary = store.links(LinkKind.HOLDS_POST, when, targets=["b1"])
    assert [(x.source, x.get("role")) for x in secretary] == [("m1", "secretary")]
    m2 = store.node("m2", when)
    assert m2 is not None
    assert (m2.name, m2.get("gender"), m2.get("join_date")) == ("李四", "female", date(2005, 7, 1))
    assert m2.get("is_leader") is False
    assert store.facts(["b1"], 2023) == {
        "b1": {"assessment_grade": "excellent", "meetings_held": 12}
    }


def test_a_hierarchy_cycle_names_its_path(store: GraphStore, tmp_path: Path) -> None:
    store.write(tiny_city())
    # Putting the city committee under b1 from 2015: up from 630100 the walk goes
    # 630100 → b1 → 630102001 → 630102 → 630100 (tiny_city's chain, drawn in tests/graphs.py).
    hierarchy = write(
        tmp_path / "隶属关系.csv", "党组织,上级党组织,起始日期\n630100,b1,2015-01-01\n"
    )
    problem = only(refused(store, [hierarchy]), "hierarchy-acyclic")
    assert problem.value == "630100 → b1 → 630102001 → 630102 → 630100"
    assert (problem.file, problem.row, problem.column) == (str(hierarchy), 2, "上级党组织")


def test_a_cycle_within_the_file_lists_its_rows(store: GraphStore, tmp_path: Path) -> None:
    # x under z, y under x, z under y: the three rows make the cycle x → z → y → x.
    orgs = write(
        tmp_path / "organizations.csv",
        ORG_HEAD
        + "x,X,2010-01-01,,党支部,基层,,z\n"
        + "y,Y,2010-01-01,,党支部,基层,,x\n"
        + "z,Z,2010-01-01,,党支部,基层,,y\n",
    )
    problem = only(refused(store, [orgs]), "hierarchy-acyclic")
    rotations = {"x → z → y → x", "z → y → x → z", "y → x → z → y"}
    assert problem.value in rotations
    for row in (2, 3, 4):
        assert f"{orgs} row {row}" in problem.message
    assert problem.column == "上级党组织"


def test_a_duplicate_id_names_both_rows(store: GraphStore, tmp_path: Path) -> None:
    orgs = write(
        tmp_path / "党组织.csv",
        ORGS + "b1,夏都花园社区党支部,2010-01-01,,党支部,基层,城市社区,630102001\n",
    )
    problems = refused(store, [orgs])
    problem = only(problems, "duplicate-id")
    # ORGS has a header and four rows: b1 is row 5, its repeat row 6.
    assert (problem.row, problem.column, problem.value) == (6, "标识", "b1 2010-01-01")
    assert f"{orgs} row 5" in problem.message
    assert len(errors(problems)) == 1  # not reported again for its 上级党组织 link


def test_the_same_id_with_another_start_is_history_not_a_duplicate(
    store: GraphStore, tmp_path: Path
) -> None:
    orgs = write(
        tmp_path / "党组织.csv",
        ORGS + "b1,夏都花园社区党委,2016-03-01,,党委,基层,城市社区,630102001\n",
    )
    imported(store, [orgs])
    versions = store.node_versions(["b1"])["b1"]
    # Two rows of b1: the first closes where the second starts.
    assert [(v.valid_from, v.valid_to, v.name) for v in versions] == [
        (date(2010, 1, 1), date(2016, 3, 1), "夏都花园社区党支部"),
        (date(2016, 3, 1), None, "夏都花园社区党委"),
    ]


def test_a_dangling_reference(store: GraphStore, tmp_path: Path) -> None:
    store.write(tiny_city())
    memberships = write(
        tmp_path / "党员组织关系.csv", "党员,所在党组织,起始日期\nb1,nowhere,2015-01-01\n"
    )
    problems = refused(store, [memberships])
    missing = only(problems, "link-ends-exist")
    assert (missing.row, missing.column, missing.value) == (2, "所在党组织", "nowhere")
    # b1 exists, but is an organization where a member is needed.
    wrong = only(problems, "link-end-kind")
    assert (wrong.row, wrong.column, wrong.value) == (2, "党员", "b1")


def test_a_reference_to_the_store_is_enough(store: GraphStore, tmp_path: Path) -> None:
    store.write(tiny_city())
    members = write(tmp_path / "党员.csv", MEMBERS)  # b1 is in the store, not in the file
    report = imported(store, [members])
    assert report.links_added == 4
    assert sorted(x.source for x in store.links(LinkKind.MEMBER_OF, date(2020, 1, 1))) == [
        "m1",
        "m2",
        "m3",
        "m4",
    ]


def test_reversed_dates(store: GraphStore, tmp_path: Path) -> None:
    orgs = write(tmp_path / "党组织.csv", ORG_HEAD + "x,X,2019-06-30,2019/6/1,党支部,基层,,\n")
    problem = only(refused(store, [orgs]), "dates-ordered")
    assert (problem.row, problem.column, problem.value) == (2, "终止日期", "2019-06-01")


def test_an_invalid_date(store: GraphStore, tmp_path: Path) -> None:
    orgs = write(tmp_path / "党组织.csv", ORG_HEAD + "x,X,2019-02-30,,党支部,基层,,\n")
    problem = only(refused(store, [orgs]), "date")
    assert (problem.row, problem.column, problem.value) == (2, "起始日期", "2019-02-30")


def test_an_unknown_enum_value(store: GraphStore, tmp_path: Path) -> None:
    orgs = write(tmp_path / "党组织.csv", ORG_HEAD + "x,X,2010-01-01,,党小组,基层,,\n")
    problem = only(refused(store, [orgs]), "enum")
    assert (problem.row, problem.column, problem.value) == (2, "组织类别", "党小组")
    # Says what is allowed: labels, codes and synonyms.
    assert problem.message.startswith("'党小组' is not a valid 组织类别 (org_kind): allowed 党委, ")
    assert "党支部" in problem.message and "branch" in problem.message


def test_a_missing_required_column_and_value(store: GraphStore, tmp_path: Path) -> None:
    head, *rows = MEMBERS.splitlines()
    # Drop the 性别 column (the 4th) everywhere, and m2's 民族 value.
    cut = [",".join(line.split(",")[:3] + line.split(",")[4:]) for line in [head, *rows]]
    cut[2] = cut[2].replace(",回族,", ",,")
    members = write(tmp_path / "党员.csv", "\n".join(cut) + "\n")
    problems = refused(store, [members])
    column = only(problems, "missing-column")
    assert (column.row, column.column) == (1, "gender")
    value = only(problems, "required")
    assert (value.row, value.column) == (3, "民族")
    assert len(errors(problems)) == 2  # the missing column is said once, not once per row


def test_wrong_types(store: GraphStore, tmp_path: Path) -> None:
    members = write(
        tmp_path / "党员.csv", MEMBERS.replace("1980", "一九八〇").replace(",否,b1", ",不详,b1", 1)
    )
    orgs = write(tmp_path / "党组织.csv", ORGS)
    problems = refused(store, [orgs, members])
    # 1980 is m2's birth year and m2's is the first 否: both on row 3.
    assert sorted((p.rule, p.row, p.column, p.value) for p in errors(problems)) == [
        ("type", 3, "出生年份", "一九八〇"),
        ("type", 3, "领导干部", "不详"),
    ]


def test_a_link_outside_its_ends_validity(store: GraphStore, tmp_path: Path) -> None:
    store.write(tiny_city())
    # b2 exists from 2012-01-01; a membership from 2011 starts before it.
    head = MEMBERS.splitlines()[0]
    members = write(
        tmp_path / "党员.csv",
        f"{head}\nm1,张三,2011-01-01,男,汉族,大学本科,1975,2000-07-01,正式党员,是,b2\n",
    )
    problems = refused(store, [members])
    problem = only(problems, "link-within-ends")
    assert (problem.row, problem.column, problem.value) == (2, "所在党组织", "b2")


def test_two_parents_at_once(store: GraphStore, tmp_path: Path) -> None:
    store.write(tiny_city())
    hierarchy = write(
        tmp_path / "hierarchy.csv",
        "organization,parent,valid_from,valid_to\n"
        "630102001,630103,2015-01-01,\n"
        "630102001,630100,2016-01-01,\n",
    )
    problems = refused(store, [hierarchy])
    # The first row moves 630102001 on 2015-01-01 (closing its stored parent); the second
    # gives it another parent from 2016 while the first is still open.
    problem = only(problems, "one-parent")
    assert problem.column == "parent"
    assert problem.row in (2, 3)


def test_every_error_at_once(store: GraphStore, tmp_path: Path) -> None:
    orgs = write(
        tmp_path / "党组织.csv",
        ORG_HEAD
        + "x,X,2010-01-01,,党小组,基层,,\n"  # enum
        + "y,Y,2012-01-01,2011-01-01,党支部,基层,,\n"  # reversed dates
        + "z,Z,2010-01-01,,党支部,基层,,nowhere\n"  # dangling parent
        + ",无标识,2010-01-01,,党支部,基层,,\n",  # no id
    )
    problems = refused(store, [orgs])
    assert sorted((p.row, p.rule) for p in errors(problems)) == [
        (2, "enum"),
        (3, "dates-ordered"),
        (4, "link-ends-exist"),
        (5, "required"),
    ]
    assert all(p.file == str(orgs) for p in problems)


def test_a_reference_to_a_bad_row_is_not_reported_twice(store: GraphStore, tmp_path: Path) -> None:
    orgs = write(tmp_path / "党组织.csv", ORG_HEAD + "x,X,2010-01-01,,党小组,基层,,\n")
    posts = write(tmp_path / "任职.csv", "党员,任职党组织,职务\nm9,x,书记\n")
    problems = refused(store, [orgs, posts])
    # x's row is wrong (enum), so the post names a row already reported; m9 is unknown.
    assert sorted((p.file, p.rule, p.value) for p in errors(problems)) == [
        (str(posts), "link-ends-exist", "m9"),
        (str(orgs), "enum", "党小组"),
    ]


def test_an_id_of_two_kinds(store: GraphStore, tmp_path: Path) -> None:
    store.write(tiny_city())
    experts = write(tmp_path / "专家人才.csv", "标识,姓名\nb1,某专家\n")
    problem = only(refused(store, [experts]), "id-kind-conflict")
    assert (problem.row, problem.column, problem.value) == (2, "标识", "b1")


def test_unknown_table_and_column(store: GraphStore, tmp_path: Path) -> None:
    table = write(tmp_path / "花名册.csv", "标识,姓名\nm1,张三\n")
    column = write(tmp_path / "专家人才.csv", "标识,姓名,籍贯,备注\ne1,陈教授,青海,备注可写\n")
    problems = refused(store, [table, column])
    assert only(problems, "unknown-table").value == "花名册"
    unknown = only(problems, "unknown-column")
    assert (unknown.file, unknown.row, unknown.column) == (str(column), 1, "籍贯")


def test_a_small_branch_is_a_warning(store: GraphStore, tmp_path: Path) -> None:
    # Only m1 and m4 in b1: one full member (m4 is probationary), fewer than 3.
    lines = MEMBERS.splitlines()
    members = write(tmp_path / "02_党员.csv", "\n".join([lines[0], lines[1], lines[4]]) + "\n")
    orgs = write(tmp_path / "01_党组织.csv", ORGS)
    report = imported(store, [orgs, members])
    assert [(w.rule, w.severity, w.row, w.value) for w in report.warnings] == [
        ("branch-min-members", "warning", 5, "b1")
    ]
    assert "1 full member" in report.warnings[0].message
    assert store.node("b1", date(2020, 1, 1)) is not None  # a warning does not stop it
