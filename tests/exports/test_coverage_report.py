"""The coverage report (覆盖情况) on a hand-built city of seven units, now and in 2014.

::

    630100 西宁市委 (m1)
    ├── 630102 城东区委 (m2)
    │   └── 630102001 东关街道党工委 (m3)
    │       ├── o1 (own organization of u1, from 2015-01-01)
    │       └── o2 (joint organization of u2 and u3, from 2016-01-01)
    └── 630103 城中区委 (m4)
        └── 630103001 人民街道党工委 (no secretary)

    unit  kind   area        full  at 2019-06-30              at 2014-12-31
    u1    非公   630102001   5     own (o1)                   none
    u2    非公   630102001   1     joint (o2)                 none
    u3    非公   630102001   0     joint (o2)                 none
    u4    社会   630102001   4     none                       none
    u5    非公   630103001   2     work (instructor m5)       work
    u6    社会   630103001   0     none (opened 2017-01-01)   -
    u7    非公   630102001   3     - (closed 2013-01-01)      -

Rates at 2019-06-30, worked by hand: 城东 非公 3/3 = 100%; 城东 社会 0/1; 城东 3/4 = 75%;
城中 非公 0/1 (1 work); 城中 社会 0/1; 城中 0/2; 非公 3/4 = 75%; 社会 0/2; all 3/6 = 50%.
Each district has one township, so its township's rows read as the district's.
At 2014-12-31 nothing was organized: 城东 非公 0/3, 城东 社会 0/1, 城东 0/4; 城中 非公 0/1,
城中 社会 no units (no rate, no change), 城中 0/1; 非公 0/4; 社会 0/1; all 0/5. The changes in
points: 100, 0, 75; 0, -, 0; 75, 0, 50.
Uncovered now: u4 (4 full members: own), u5 and u6 (joint). 630103001 has no secretary, so
the nearest serving secretary for u5 and u6 is m4 周四 of 城中区委.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from orggraph.exports.render import render_export
from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, member, org

SUB, POST = LinkKind.SUBORDINATE_TO, LinkKind.HOLDS_POST


def unit(
    uid: str,
    name: str,
    kind: str,
    township: str,
    full: int,
    start: date = date(2010, 1, 1),
    end: date | None = None,
) -> tuple[Node, Link]:
    """The unit, and its place (its township) for its whole life."""
    attrs = {"unit_kind": kind, "full_members": full}
    node = Node(id=uid, kind=NodeKind.UNIT, name=name, valid_from=start, valid_to=end, attrs=attrs)
    return node, link(LinkKind.LOCATED_IN, uid, township, start=start, end=end)


def coverage_city(store: GraphStore) -> None:
    npe, soc = "non_public_enterprise", "social_organization"
    units = (
        unit("u1", "某科技公司", npe, "630102001", 5),
        unit("u2", "某餐饮公司", npe, "630102001", 1),
        unit("u3", "某物流公司", npe, "630102001", 0),
        unit("u4", "某行业协会", soc, "630102001", 4),
        unit("u5", "某商贸公司", npe, "630103001", 2),
        unit("u6", "某新协会", soc, "630103001", 0, start=date(2017, 1, 1)),
        unit("u7", "某旧工厂", npe, "630102001", 3, end=date(2013, 1, 1)),
    )
    nodes = (
        org("630100", "西宁市委", "city"),
        org("630102", "城东区委", "county"),
        org("630103", "城中区委", "county"),
        org("630102001", "东关街道党工委", "township", "working_committee"),
        org("630103001", "人民街道党工委", "township", "working_committee"),
        org("o1", "某科技公司党支部", "grassroots", "branch", sector=npe, start=date(2015, 1, 1)),
        org("o2", "东关商圈联合党支部", "grassroots", "branch", sector=npe, start=date(2016, 1, 1)),
        member("m1", "张一"),
        member("m2", "李二"),
        member("m3", "王三"),
        member("m4", "周四"),
        member("m5", "吴五"),
        *(node for node, _ in units),
    )
    links = (
        link(SUB, "630102", "630100"),
        link(SUB, "630103", "630100"),
        link(SUB, "630102001", "630102"),
        link(SUB, "630103001", "630103"),
        link(SUB, "o1", "630102001", start=date(2015, 1, 1)),
        link(SUB, "o2", "630102001", start=date(2016, 1, 1)),
        link(POST, "m1", "630100", role="secretary"),
        link(POST, "m2", "630102", role="secretary"),
        link(POST, "m3", "630102001", role="secretary"),
        link(POST, "m4", "630103", role="secretary"),
        link(LinkKind.MEMBER_OF, "m5", "630103001"),
        link(LinkKind.ESTABLISHED_IN, "o1", "u1", start=date(2015, 1, 1), mode="own"),
        link(LinkKind.ESTABLISHED_IN, "o2", "u2", start=date(2016, 1, 1), mode="joint"),
        link(LinkKind.ESTABLISHED_IN, "o2", "u3", start=date(2016, 1, 1), mode="joint"),
        link(LinkKind.INSTRUCTS, "m5", "u5"),
        *(place for _, place in units),
    )
    store.write(WriteBatch(nodes=nodes, links=links))


RATES_HEADER = (
    "县(区),乡镇(街道),类别,在营单位数,单独组建,联合组建,组织覆盖数,覆盖率,仅工作覆盖,未覆盖"
)
SINCE_HEADER = ",基期单位数,基期覆盖数,基期覆盖率,变化(百分点)"
UNITS = (
    "未建立党组织的两新组织\r\n"
    "县(区),乡镇(街道),单位名称,单位编号,类别,覆盖状态,正式党员数,组建方式建议,负责书记,所在党组织\r\n"
    "城东区委,东关街道党工委,某行业协会,u4,社会组织,未覆盖,4,单独组建,王三,东关街道党工委\r\n"
    "城中区委,人民街道党工委,某商贸公司,u5,非公企业,仅工作覆盖,2,联合组建,周四,城中区委\r\n"
    "城中区委,人民街道党工委,某新协会,u6,社会组织,未覆盖,0,联合组建,周四,城中区委\r\n"
)


def test_rates_now_and_since_2014_and_the_uncovered_units(store: GraphStore) -> None:
    coverage_city(store)
    params = {"as_of": "2019-06-30", "since": "2014-12-31"}
    content, _, name = render_export("coverage", store, params, Scope(), "csv")
    assert name == "覆盖情况-2019-06-30.csv"
    expected = (
        "两新组织党组织覆盖率\r\n"
        + RATES_HEADER
        + SINCE_HEADER
        + "\r\n"
        + "城东区委,东关街道党工委,非公企业,3,1,2,3,100.00%,0,0,3,0,0.00%,100\r\n"
        + "城东区委,东关街道党工委,社会组织,1,0,0,0,0.00%,0,1,1,0,0.00%,0\r\n"
        + "城东区委,东关街道党工委,小计,4,1,2,3,75.00%,0,1,4,0,0.00%,75\r\n"
        + "城东区委,县(区)合计,非公企业,3,1,2,3,100.00%,0,0,3,0,0.00%,100\r\n"
        + "城东区委,县(区)合计,社会组织,1,0,0,0,0.00%,0,1,1,0,0.00%,0\r\n"
        + "城东区委,县(区)合计,合计,4,1,2,3,75.00%,0,1,4,0,0.00%,75\r\n"
        + "城中区委,人民街道党工委,非公企业,1,0,0,0,0.00%,1,0,1,0,0.00%,0\r\n"
        + "城中区委,人民街道党工委,社会组织,1,0,0,0,0.00%,0,1,0,0,,\r\n"
        + "城中区委,人民街道党工委,小计,2,0,0,0,0.00%,1,1,1,0,0.00%,0\r\n"
        + "城中区委,县(区)合计,非公企业,1,0,0,0,0.00%,1,0,1,0,0.00%,0\r\n"
        + "城中区委,县(区)合计,社会组织,1,0,0,0,0.00%,0,1,0,0,,\r\n"
        + "城中区委,县(区)合计,合计,2,0,0,0,0.00%,1,1,1,0,0.00%,0\r\n"
        + "合计,,非公企业,4,1,2,3,75.00%,1,0,4,0,0.00%,75\r\n"
        + "合计,,社会组织,2,0,0,0,0.00%,0,2,1,0,0.00%,0\r\n"
        + "合计,,合计,6,1,2,3,50.00%,1,2,5,0,0.00%,50\r\n"
        + "\r\n"
        + UNITS
    )
    assert content[3:].decode("utf-8") == expected


def test_a_district_scope_counts_only_its_units(store: GraphStore) -> None:
    coverage_city(store)
    scope = Scope(roots=frozenset({"630103"}))
    content, _, name = render_export("coverage", store, {"as_of": "2019-06-30"}, scope, "csv")
    assert name == "覆盖情况-2019-06-30-630103.csv"
    lines = content[3:].decode().split("\r\n")
    assert lines[:11] == [
        "两新组织党组织覆盖率",
        RATES_HEADER,
        "城中区委,人民街道党工委,非公企业,1,0,0,0,0.00%,1,0",
        "城中区委,人民街道党工委,社会组织,1,0,0,0,0.00%,0,1",
        "城中区委,人民街道党工委,小计,2,0,0,0,0.00%,1,1",
        "城中区委,县(区)合计,非公企业,1,0,0,0,0.00%,1,0",
        "城中区委,县(区)合计,社会组织,1,0,0,0,0.00%,0,1",
        "城中区委,县(区)合计,合计,2,0,0,0,0.00%,1,1",
        "合计,,非公企业,1,0,0,0,0.00%,1,0",
        "合计,,社会组织,1,0,0,0,0.00%,0,1",
        "合计,,合计,2,0,0,0,0.00%,1,1",
    ]
    units = lines[lines.index("未建立党组织的两新组织") :]
    assert [line.split(",")[2] for line in units if line.startswith("城中区委,人民")] == [
        "某商贸公司",
        "某新协会",
    ]


def test_the_report_as_xlsx_has_two_sheets_with_numbers(store: GraphStore) -> None:
    coverage_city(store)
    params = {"as_of": "2019-06-30", "since": "2014-12-31"}
    content, _, _ = render_export("coverage", store, params, Scope(), "xlsx", "en")
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["Rates", "Uncovered units"]
    rates = wb["Rates"]
    assert rates["A1"].value == "Party-organization coverage of two-new units"
    assert rates["A2"].value == "As of 2019-06-30; scope: whole city; compared with 2014-12-31"
    # Row 3 header, rows 4-18 data; the grand total is row 18.
    assert [c.value for c in rates[18]] == [
        *("total", None, "total"),
        *(6, 1, 2, 3, 0.5, 1, 2, 5, 0, 0, 50),
    ]
    assert [c.value for c in rates[6]][:4] == ["城东区委", "东关街道党工委", "subtotal", 4]
    assert rates["H18"].number_format == "0.00%"
    units = wb["Uncovered units"]
    assert [c.value for c in units[4]][4:8] == ["social organization", "not reached", 4, "own"]
