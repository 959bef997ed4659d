"""A small province-shaped graph (省 → 市 → 县 → 乡镇 → 党委 → 党总支 → 党支部), answers by hand.

``tiny_province`` (all from 2010-01-01 unless noted; full members unless noted)::

    630000 青海省委 (province)                    secretary p01 省书记
    ├── 630100 西宁市委 (city)                    secretary p02 宁书记
    │   ├── 630100JG 西宁市直机关工委 (working committee, level city)  secretary p03
    │   │   └── a1 市教育局机关党支部 (agency)      members a1-m1..3, secretary a1-m1
    │   └── 630102 城东区委 (county)              secretary p04 东书记
    │       └── 630102001 东关街道党工委 (township)  secretary p05
    │           ├── e0 某集团公司党委 (committee, grassroots, state enterprise)  secretary p06
    │           │   └── e1 第一党总支 (general branch)  secretary p07
    │           │       ├── e11 第一党支部  members e11-m1..3; secretary e11-m1 until
    │           │       │                   2019-03-01 (vacant since); contact leader p04
    │           │       └── e12 第二党支部  members e12-m1..2 (two: too few); secretary e12-m1
    │           └── v1 夏都花园社区党支部 (community)  members v1-m1..3, secretary v1-m1
    └── 632200 海北州委 (city)                    secretary p08
        └── 632221 门源县委 (county)              never a secretary (vacant since 2010-01-01)
            └── 632221100 浩门镇党委 (township)     secretary p09
                └── v2 某村党支部 (rural)          members v2-m1..3, secretary v2-m1
    x0 孤立县委 (county, no parent)                secretary p10

    wg1 第一全域党建工作组 covers 630102, led by p04

A branch (e11) six links below the province: its chain has seven levels.

``tiny_province(county_moved=D)`` moves 632221 门源县委 from 海北州 to 西宁市 on D.

``placed_units`` (to write over ``tiny_province``; units from 2015-01-01, placed
(``located_in``) for their whole life)::

    u1 非公企业  in 630102001   own organization n1 某科技公司党支部 (under 630102001)
    u2 社会组织  in v1          nothing
    u3 非公企业  in 630102      instructor p04 only (work)
    u4 非公企业  in v2          joint organization v2
    u5 社会组织  in 632221100   nothing
    u6 非公企业  in x0          own organization n1 (x0: no city, no province above)
    u7 非公企业  in 632221100   closed 2018-01-01 (not operating at 2019-06-30)

At 2019-06-30, by city: 630100 u1 own, u2 none, u3 work (1 of 3); 632200 u4 joint, u5
none (1 of 2); (未注明) u6 own (1 of 1). By province: 630000 2 of 5; (未注明) 1 of 1.
"""

from __future__ import annotations

from datetime import date

from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch
from tests.graphs import link, member, org, staffed_branch

SUB = LinkKind.SUBORDINATE_TO
SECRETARY_LEFT = date(2019, 3, 1)
UNITS_FROM = date(2015, 1, 1)


def tiny_province(county_moved: date | None = None) -> WriteBatch:
    nodes: list[Node] = [
        org("630000", "青海省委", "province"),
        org("630100", "西宁市委", "city"),
        org("630100JG", "西宁市直机关工委", "city", "working_committee"),
        org("630102", "城东区委", "county"),
        org("630102001", "东关街道党工委", "township", "working_committee"),
        org("e0", "某集团公司党委", "grassroots", sector="state_enterprise"),
        org("e1", "第一党总支", "grassroots", "general_branch", sector="state_enterprise"),
        org("632200", "海北州委", "city"),
        org("632221", "门源县委", "county"),
        org("632221100", "浩门镇党委", "township"),
        org("x0", "孤立县委", "county"),
        Node(
            id="wg1",
            kind=NodeKind.WORKING_GROUP,
            name="第一全域党建工作组",
            valid_from=date(2010, 1, 1),
            attrs={"number": 1},
        ),
    ]
    links: list[Link] = [
        link(SUB, "630100", "630000"),
        link(SUB, "632200", "630000"),
        link(SUB, "630100JG", "630100"),
        link(SUB, "630102", "630100"),
        link(SUB, "630102001", "630102"),
        link(SUB, "e0", "630102001"),
        link(SUB, "e1", "e0"),
        *(
            (link(SUB, "632221", "632200"),)
            if county_moved is None
            else (
                link(SUB, "632221", "632200", end=county_moved),
                link(SUB, "632221", "630100", start=county_moved),
            )
        ),
        link(SUB, "632221100", "632221"),
        link(LinkKind.COVERS, "wg1", "630102"),
        link(LinkKind.LEADS, "p04", "wg1"),
    ]
    leaders = {
        "p01": ("省书记", "630000"),
        "p02": ("宁书记", "630100"),
        "p03": ("工委书记", "630100JG"),
        "p04": ("东书记", "630102"),
        "p05": ("街书记", "630102001"),
        "p06": ("公司书记", "e0"),
        "p07": ("总支书记", "e1"),
        "p08": ("州书记", "632200"),
        "p09": ("镇书记", "632221100"),
        "p10": ("孤书记", "x0"),
    }
    for mid, (name, where) in leaders.items():
        nodes.append(member(mid, name, leader=True))
        links.append(link(LinkKind.MEMBER_OF, mid, where))
        links.append(link(LinkKind.HOLDS_POST, mid, where, role="secretary"))
    parts = [
        staffed_branch("a1", "630100JG", sector="agency", name="市教育局机关党支部"),
        staffed_branch("e11", "e1", sector="state_enterprise", name="第一党支部", secretary=False),
        staffed_branch("e12", "e1", sector="state_enterprise", full=2, name="第二党支部"),
        staffed_branch("v1", "630102001", sector="community", name="夏都花园社区党支部"),
        staffed_branch("v2", "632221100", sector="rural", name="某村党支部"),
    ]
    for part in parts:
        nodes += part.nodes
        links += part.links
    links.append(link(LinkKind.HOLDS_POST, "e11-m1", "e11", end=SECRETARY_LEFT, role="secretary"))
    links.append(link(LinkKind.CONTACTS, "p04", "e11"))
    return WriteBatch(nodes=tuple(nodes), links=tuple(links))


def _unit(uid: str, kind: str, end: date | None = None) -> Node:
    return Node(
        id=uid,
        kind=NodeKind.UNIT,
        name=f"单位{uid}",
        valid_from=UNITS_FROM,
        valid_to=end,
        attrs={"unit_kind": kind, "full_members": 3},
    )


def placed_units() -> WriteBatch:
    """Seven two-new units placed across the province (see the module's diagram)."""
    npe, soc = "non_public_enterprise", "social_organization"
    closed = date(2018, 1, 1)
    nodes = (
        org("n1", "某科技公司党支部", "grassroots", "branch", sector=npe, start=UNITS_FROM),
        _unit("u1", npe),
        _unit("u2", soc),
        _unit("u3", npe),
        _unit("u4", npe),
        _unit("u5", soc),
        _unit("u6", npe),
        _unit("u7", npe, end=closed),
    )
    places = {
        "u1": "630102001",
        "u2": "v1",
        "u3": "630102",
        "u4": "v2",
        "u5": "632221100",
        "u6": "x0",
        "u7": "632221100",
    }
    at = LinkKind.LOCATED_IN
    links = (
        link(SUB, "n1", "630102001", start=UNITS_FROM),
        link(LinkKind.ESTABLISHED_IN, "n1", "u1", start=UNITS_FROM, mode="own"),
        link(LinkKind.ESTABLISHED_IN, "n1", "u6", start=UNITS_FROM, mode="own"),
        link(LinkKind.ESTABLISHED_IN, "v2", "u4", start=UNITS_FROM, mode="joint"),
        link(LinkKind.INSTRUCTS, "p04", "u3", start=UNITS_FROM),
        *(
            link(at, u, p, start=UNITS_FROM, end=closed if u == "u7" else None)
            for u, p in places.items()
        ),
    )
    return WriteBatch(nodes=nodes, links=links)
