"""The yearly responsibility list (责任清单) on the small city of tests/exports/graphs.py.

Expected rows worked out by hand from the graph's docstring, at 2019-06-30:

- coverage gaps (gaps.py kinds): u1 has no organization (its area 630102001); b2 has no
  secretary (since its founding 2010-01-01, past 3 months: flagged), no contact leader,
  0 full members (< 3), and its term ended 2019-03-31 (rural: overdue). The nearest serving
  secretary up from 630102001 or b2 (b2 itself is vacant) is m3 王三: five gap rows. m2 and
  m1 above get one oversight row per kind (1 each).
- terms due in 2019 after the date: b1 (2019-10-31), whose own secretary m4 is nearest: a
  term row for m4 and one oversight row (两委换届) for each of m3, m2, m1.
- m1 is secretary of 630100 (5 organizations below and at it), leads wg01 (covers 城东区委)
  and serves e1; m2 of 630102 (4) and contacts b1; m3 of 630102001 (3) and is responsible
  for case-b2; m4 of b1 (1).
- m6 holds no post; the hand-entered duty puts them on the list, with the unit they
  instruct.
Groups run top of the hierarchy first: city, county, township, grassroots, then no post.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from orggraph.errors import NotFound, ValidationFailed
from orggraph.exports.duties import HandDuty
from orggraph.exports.render import render_export
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.exports.graphs import list_city

PARAMS = {"year": "2019", "as_of": "2019-06-30"}
HEADER = "书记,人员编号,职务,职责类别,职责内容,对象,时限,来源,年初话,年中看,年末评\r\n"
G = ",图谱,,,\r\n"  # source and the three blank check-point columns, after an empty deadline

M1 = "张一,m1,西宁市委书记,"
M2 = "李二,m2,城东区委书记,"
M3 = "王三,m3,东关街道党工委书记,"
M4 = "赵四,m4,夏都花园社区党支部书记,"
OVERSIGHT = [
    "督导,督导下级解决“两新组织未建党组织”问题1项,,",
    "督导,督导下级解决“书记空缺”问题1项,,",
    "督导,督导下级解决“无联点领导”问题1项,,",
    "督导,督导下级解决“正式党员不足”问题1项,,",
    "督导,督导下级解决“两委换届逾期”问题1项,,",
    "督导,督导下级解决“两委换届”问题1项,,",
]
M3_ROWS = (
    M3 + "书记职责,履行东关街道党工委书记抓党建第一责任人职责，所辖党组织3个,"
    "东关街道党工委（630102001）,"
    + G
    + M3
    + "整顿转化,负责某村党支部整顿转化（整顿中；原因：书记长期缺职、正式党员不足；"
    "结对：夏都花园社区党支部）,某村党支部（b2）,2019-12-31,图谱,,,\r\n"
    + M3
    + "覆盖缺口,两新组织未建党组织：某科技公司，正式党员2人，宜联合组建；"
    "已有党建指导员1名（仅工作覆盖）,某科技公司（u1）,"
    + G
    + M3
    + "覆盖缺口,书记空缺：某村党支部，自2010-01-01起书记空缺，超过3个月,某村党支部（b2）,"
    + G
    + M3
    + "覆盖缺口,无联点领导：某村党支部，无联点领导,某村党支部（b2）,"
    + G
    + M3
    + "覆盖缺口,正式党员不足：某村党支部，正式党员0人，少于3人,某村党支部（b2）,"
    + G
    + M3
    + "覆盖缺口,两委换届逾期：某村党支部，两委任期2019-03-31届满，尚未换届,"
    "某村党支部（b2）," + G + M3 + OVERSIGHT[5] + G
)
M4_ROWS = (
    M4 + "书记职责,履行夏都花园社区党支部书记抓党建第一责任人职责，所辖党组织1个,"
    "夏都花园社区党支部（b1）,"
    + G
    + M4
    + "换届,组织夏都花园社区党支部“两委”换届（任期2019-10-31届满）,"
    "夏都花园社区党支部（b1）,2019-10-31,图谱,,,\r\n"
)


def csv_text(content: bytes) -> str:
    assert content.startswith(b"\xef\xbb\xbf")
    return content[3:].decode("utf-8")


def test_the_whole_city_list_as_csv(store: GraphStore) -> None:
    store.write(list_city())
    duty = HandDuty(person_id="m6", duty="完成党建指导员培训", deadline=date(2019, 9, 30), row=2)
    content, media, name = render_export(
        "responsibility-list", store, PARAMS, Scope(), "csv", duties=[duty]
    )
    assert (media, name) == ("text/csv; charset=utf-8", "责任清单-2019.csv")
    expected = (
        HEADER
        + M1
        + "书记职责,履行西宁市委书记抓党建第一责任人职责，所辖党组织5个,西宁市委（630100）,"
        + G
        + M1
        + "工作组包联,牵头第一全域党建工作组，包联城东区委,第一全域党建工作组（wg01）,"
        + G
        + "".join(M1 + row + G for row in OVERSIGHT)
        + M1
        + "联系服务专家,联系服务专家陈专家,陈专家（e1）,"
        + G
        + M2
        + "书记职责,履行城东区委书记抓党建第一责任人职责，所辖党组织4个,城东区委（630102）,"
        + G
        + M2
        + "支部联点,联点夏都花园社区党支部，指导抓好党建工作,夏都花园社区党支部（b1）,"
        + G
        + "".join(M2 + row + G for row in OVERSIGHT)
        + M3_ROWS
        + M4_ROWS
        + "钱六,m6,,党建指导,担任某科技公司党建指导员,某科技公司（u1）,"
        + G
        + "钱六,m6,,自定职责,完成党建指导员培训,,2019-09-30,手工录入,,,\r\n"
    )
    assert csv_text(content) == expected


def test_one_secretary_list_counts_gaps_over_their_own_subtree(store: GraphStore) -> None:
    # m3's subtree is 630102001, b1, b2: the same gaps and the b1 term as in the whole list.
    store.write(list_city())
    content, _, name = render_export(
        "responsibility-list", store, {**PARAMS, "person": "m3"}, Scope(), "csv"
    )
    assert name == "责任清单-2019-m3.csv"
    assert csv_text(content) == HEADER + M3_ROWS


def test_a_subtree_list_holds_the_secretaries_in_it(store: GraphStore) -> None:
    # Scope 630102001: m3 and m4 are its secretaries; m1 and m2 are above it.
    store.write(list_city())
    scope = Scope(roots=frozenset({"630102001"}))
    content, _, name = render_export("responsibility-list", store, PARAMS, scope, "csv")
    assert name == "责任清单-2019-630102001.csv"
    assert csv_text(content) == HEADER + M3_ROWS + M4_ROWS


def test_a_root_parameter_narrows_the_callers_scope(store: GraphStore) -> None:
    store.write(list_city())
    narrowed, _, _ = render_export(
        "responsibility-list", store, {**PARAMS, "root": "630102001"}, Scope(), "csv"
    )
    assert csv_text(narrowed) == HEADER + M3_ROWS + M4_ROWS
    # A root outside the caller's scope is not found (the same as an unknown id).
    with pytest.raises(NotFound):
        render_export(
            "responsibility-list",
            store,
            {**PARAMS, "root": "630102"},
            Scope(roots=frozenset({"630102001"})),
            "csv",
        )


def test_a_person_outside_the_scope_is_not_found(store: GraphStore) -> None:
    store.write(list_city())
    with pytest.raises(NotFound):
        render_export(
            "responsibility-list",
            store,
            {**PARAMS, "person": "m1"},
            Scope(roots=frozenset({"630102001"})),
            "csv",
        )


def test_a_hand_duty_for_an_unknown_person_names_its_row(store: GraphStore) -> None:
    store.write(list_city())
    duties = [HandDuty(person_id="m99", duty="x", deadline=None, row=7)]
    with pytest.raises(ValidationFailed) as caught:
        render_export("responsibility-list", store, PARAMS, Scope(), "csv", duties=duties)
    (problem,) = caught.value.problems
    assert (problem.rule, problem.row, problem.value) == ("duties-person", 7, "m99")


def test_the_list_as_xlsx_in_chinese_and_english(store: GraphStore) -> None:
    store.write(list_city())
    content, media, name = render_export(
        "responsibility-list", store, {**PARAMS, "person": "m4"}, Scope(), "xlsx"
    )
    assert media.endswith("spreadsheetml.sheet") and name == "责任清单-2019-m4.xlsx"
    ws = load_workbook(io.BytesIO(content))["责任清单"]
    assert ws["A1"].value == "2019年度抓党建责任清单"
    assert ws["A2"].value == "截至 2019-06-30；范围：全市"
    blank = "＿" * 10
    assert ws["A3"].value == "\u3000\u3000".join(
        f"{field}：{blank}" for field in ("填报单位", "填报日期", "审核人")
    )
    assert [c.value for c in ws[4]] == HEADER.strip().split(",")
    assert ws.freeze_panes == "A5"
    assert [c.value for c in ws[6]][:8] == [
        "赵四",
        "m4",
        "夏都花园社区党支部书记",
        "换届",
        "组织夏都花园社区党支部“两委”换届（任期2019-10-31届满）",
        "夏都花园社区党支部（b1）",
        ws["G6"].value,
        "图谱",
    ]
    assert ws["G6"].value.date() == date(2019, 10, 31)
    assert [ws.cell(6, c).value for c in (9, 10, 11)] == [None, None, None]
    assert ws.cell(ws.max_row, 1).value.startswith("书记签字：＿")

    content, _, name = render_export(
        "responsibility-list", store, {**PARAMS, "person": "m4"}, Scope(), "xlsx", "en"
    )
    assert name == "responsibility-list-2019-m4.xlsx"
    ws = load_workbook(io.BytesIO(content))["Responsibility list"]
    assert ws["A1"].value == "2019 party-building responsibility list"
    assert [c.value for c in ws[4]] == [
        "Secretary",
        "Person ID",
        "Post",
        "Category",
        "Duty",
        "Target",
        "Deadline",
        "Source",
        "Year start",
        "Mid-year",
        "Year end",
    ]
    assert [ws.cell(6, c).value for c in (3, 4, 8)] == [
        "Secretary, 夏都花园社区党支部",
        "term election",
        "graph",
    ]
