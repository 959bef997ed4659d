"""The remediation ledger (整顿台账) on tests/exports/graphs.py plus three cases and a branch.

Added to ``list_city`` (as of 2019-06-30, year 2019, so ``since`` is 2019-01-01):

- case-b1: b1's case, identified 2018-03-01, rectifying 2018-06-01 (responsible m2, deadline
  2018-12-31), under review 2019-01-10, converted 2019-02-01: on the ledger, struck off
  2019-02-01, not overdue (converted), reasons 组织生活不正常 (few_meetings); b1 is not
  weak now, so no findings.
- case-old: b1's earlier case, converted 2018-05-01: struck off before 2019, left out.
- b3 新村党支部 (rural branch founded 2019-05-01, no members, no secretary): weak by
  few_members only (vacant 1 month < 6), no case: 未立案, findings 正式党员0人，少于3人.
- case-b2 (from list_city): rectifying, deadline 2019-12-31 (not overdue), b2 still weak
  by secretary_vacant (vacant since its founding 2010-01-01: 113 whole months to
  2019-06-30) and few_members.

Sorted by district (all 城东区委), then organization id (b1, b2, b3).
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from orggraph.exports.render import render_export
from orggraph.model import LinkKind, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.exports.graphs import list_city, node
from tests.graphs import link, org

PARAMS = {"year": "2019", "as_of": "2019-06-30"}


def case_version(start: date, state: str, **more: object) -> WriteBatch:
    attrs = {"organization": "b1", "state": state, "reasons": ["few_meetings"], **more}
    return WriteBatch(
        nodes=(node(NodeKind.CASE, "case-b1", "夏都花园社区党支部整顿转化", start, **attrs),)
    )


def ledger_city(store: GraphStore) -> None:
    store.write(list_city())
    store.write(
        WriteBatch(
            nodes=(
                org(
                    "b3",
                    "新村党支部",
                    "grassroots",
                    "branch",
                    sector="rural",
                    start=date(2019, 5, 1),
                ),
                node(
                    NodeKind.CASE,
                    "case-old",
                    "夏都花园社区党支部整顿转化(旧)",
                    date(2018, 5, 1),
                    organization="b1",
                    state="converted",
                    reasons=["few_members"],
                ),
            ),
            links=(link(LinkKind.SUBORDINATE_TO, "b3", "630102001", start=date(2019, 5, 1)),),
        )
    )
    store.write(case_version(date(2018, 3, 1), "identified"))
    more = {"responsible": "m2", "deadline": date(2018, 12, 31)}
    store.write(case_version(date(2018, 6, 1), "rectifying", **more))
    store.write(case_version(date(2019, 1, 10), "under_review", evidence="会议记录", **more))
    store.write(case_version(date(2019, 2, 1), "converted", **more))


HEADER = (
    "县(区),党组织,组织编号,领域,软弱涣散原因,认定依据,责任领导,结对党组织,整顿期限,状态,"
    "逾期天数,销号日期,案例编号\r\n"
)


def test_the_ledger_as_csv(store: GraphStore) -> None:
    ledger_city(store)
    content, _, name = render_export("ledger", store, PARAMS, Scope(), "csv")
    assert name == "整顿台账-2019.csv"
    expected = (
        HEADER + "城东区委,夏都花园社区党支部,b1,城市社区,组织生活不正常,,李二,,2018-12-31,已转化,,"
        "2019-02-01,case-b1\r\n" + "城东区委,某村党支部,b2,农村,书记长期缺职、正式党员不足,"
        "自2010-01-01成立起书记空缺113个月，超过6个月；正式党员0人，少于3人,王三,"
        "夏都花园社区党支部,2019-12-31,整顿中,,,case-b2\r\n"
        + "城东区委,新村党支部,b3,农村,正式党员不足,正式党员0人，少于3人,,,,未立案,,,\r\n"
    )
    assert content[3:].decode("utf-8") == expected


def test_since_brings_back_a_case_struck_off_earlier(store: GraphStore) -> None:
    ledger_city(store)
    content, _, _ = render_export(
        "ledger", store, {**PARAMS, "since": "2018-01-01"}, Scope(), "csv"
    )
    ids = [line.rsplit(",", 1)[-1] for line in content[3:].decode().splitlines()[1:]]
    assert ids == ["case-b1", "case-old", "case-b2", ""]


def test_an_overdue_case_counts_its_days(store: GraphStore) -> None:
    # Asked at 2020-01-10, case-b2's deadline 2019-12-31 is 10 days past.
    ledger_city(store)
    content, _, _ = render_export(
        "ledger", store, {"year": "2020", "as_of": "2020-01-10"}, Scope(), "csv"
    )
    row = next(line for line in content[3:].decode().splitlines() if line.endswith("case-b2"))
    assert row.endswith(",2019-12-31,整顿中,10,,case-b2")


def test_the_ledger_in_a_scope_that_holds_only_b1(store: GraphStore) -> None:
    ledger_city(store)
    content, _, _ = render_export("ledger", store, PARAMS, Scope(roots=frozenset({"b1"})), "csv")
    lines = content[3:].decode().splitlines()
    assert len(lines) == 2 and lines[1].endswith("case-b1")


def test_the_ledger_as_xlsx_in_english(store: GraphStore) -> None:
    ledger_city(store)
    content, _, name = render_export("ledger", store, PARAMS, Scope(), "xlsx", "en")
    assert name == "remediation-ledger-2019.xlsx"
    ws = load_workbook(io.BytesIO(content))["Ledger"]
    assert ws["A1"].value == "2019 remediation ledger of weak branches"
    assert ws["A3"].value.startswith("Filed by: ")  # the title block, then the header
    assert [c.value for c in ws[4]][:5] == [
        "District",
        "Organization",
        "Org ID",
        "Sector",
        "Reasons",
    ]
    assert [ws.cell(5, c).value for c in (4, 5, 10)] == [
        "community",
        "too few meetings held",
        "converted",
    ]
    assert ws.cell(5, 12).value.date() == date(2019, 2, 1)
    assert [ws.cell(7, c).value for c in (4, 10)] == ["rural", "no case"]
    assert ws.print_title_rows == "$4:$4"
