"""A small city for the export tests, with every kind of duty a list can hold.

``list_city`` (everything from 2010-01-01 unless noted; asked at 2019-06-30)::

    630100 西宁市委 (city) ............ secretary m1 张一 (leader; leads wg01; serves e1)
    └── 630102 城东区委 (county) ...... secretary m2 李二 (leader; contact of b1)
        └── 630102001 东关街道党工委 .. secretary m3 王三 (responsible for case-b2)
            ├── b1 夏都花园社区党支部 (branch, community; term ends 2019-10-31)
            │      secretary m4 赵四; members m4, m6 钱六, m7 孙七 (3 full members)
            └── b2 某村党支部 (branch, rural; term ended 2019-03-31; no secretary, no
                   members, no contact)

    wg01 第一全域党建工作组 covers 630102 (any sector), led by m1
    e1 陈专家 (expert), served by m1
    u1 某科技公司 (non-public enterprise in 630102001, 2 full members, no organization),
       instructed by m6
    case-b2 某村党支部整顿转化 (from 2019-03-01: rectifying; reasons secretary_vacant and
       few_members; responsible m3; partner b1; deadline 2019-12-31)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from orggraph.model import LinkKind, Node, NodeKind, WriteBatch
from tests.graphs import D0, link, member, org

AS_OF = date(2019, 6, 30)


def node(kind: NodeKind, nid: str, name: str, start: date = D0, **attrs: Any) -> Node:
    return Node(id=nid, kind=kind, name=name, valid_from=start, attrs=attrs)


def list_city() -> WriteBatch:
    nodes = (
        org("630100", "西宁市委", "city"),
        org("630102", "城东区委", "county"),
        org("630102001", "东关街道党工委", "township", "working_committee"),
        org(
            "b1",
            "夏都花园社区党支部",
            "grassroots",
            "branch",
            sector="community",
            term_ends=date(2019, 10, 31),
        ),
        org(
            "b2", "某村党支部", "grassroots", "branch", sector="rural", term_ends=date(2019, 3, 31)
        ),
        member("m1", "张一", leader=True),
        member("m2", "李二", leader=True),
        member("m3", "王三"),
        member("m4", "赵四"),
        member("m6", "钱六"),
        member("m7", "孙七"),
        node(NodeKind.WORKING_GROUP, "wg01", "第一全域党建工作组", number=1),
        node(NodeKind.EXPERT, "e1", "陈专家", field="水利"),
        node(
            NodeKind.UNIT,
            "u1",
            "某科技公司",
            unit_kind="non_public_enterprise",
            full_members=2,
        ),
        node(
            NodeKind.CASE,
            "case-b2",
            "某村党支部整顿转化",
            date(2019, 3, 1),
            organization="b2",
            state="rectifying",
            reasons=["secretary_vacant", "few_members"],
            responsible="m3",
            partner="b1",
            deadline=date(2019, 12, 31),
        ),
    )
    sub, post, of = LinkKind.SUBORDINATE_TO, LinkKind.HOLDS_POST, LinkKind.MEMBER_OF
    links = (
        link(sub, "630102", "630100"),
        link(sub, "630102001", "630102"),
        link(sub, "b1", "630102001"),
        link(sub, "b2", "630102001"),
        link(post, "m1", "630100", role="secretary"),
        link(post, "m2", "630102", role="secretary"),
        link(post, "m3", "630102001", role="secretary"),
        link(post, "m4", "b1", role="secretary"),
        link(of, "m1", "630100"),
        link(of, "m2", "630102"),
        link(of, "m3", "630102001"),
        link(of, "m4", "b1"),
        link(of, "m6", "b1"),
        link(of, "m7", "b1"),
        link(LinkKind.CONTACTS, "m2", "b1"),
        link(LinkKind.COVERS, "wg01", "630102"),
        link(LinkKind.LEADS, "m1", "wg01"),
        link(LinkKind.SERVES, "m1", "e1"),
        link(LinkKind.INSTRUCTS, "m6", "u1"),
        link(LinkKind.LOCATED_IN, "u1", "630102001"),
    )
    return WriteBatch(nodes=nodes, links=links)
