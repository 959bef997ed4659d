"""A small city for the API tests: ``tiny_city`` with people, posts and links.

All from 2010-01-01 unless noted::

    630100 西宁市委            secretary w1 王市委书记 (leader)
    ├── 630102 城东区委        secretary d1 李区委书记 (leader); covered by wg01 (led by w1)
    │   └── 630102001 东关街道党工委   (no secretary)
    │       ├── b1 夏都花园社区党支部  secretary m1 张三; members m1, m2, m3 (m3 probationary);
    │       │                         contact leader d1; deputy secretary m2 (from 2015-01-01)
    │       └── b2 某村党支部 (from 2012-01-01)  member m4; no secretary, no contact
    └── 630103 城中区委        (no secretary)

    wg01 第一全域党建工作组 (number 1) covers 630102; led by w1
    e1 陈专家 (expert) served by d1
    u1 某科技公司 (non-public enterprise, in 630102001), instructed by m2
    w1 and d1 are members of 630100 and 630102.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch
from tests.graphs import D0, link, member, tiny_city

__all__ = ["D0", "many_branches", "small_city"]


def _node(kind: NodeKind, nid: str, name: str, **attrs: Any) -> Node:
    return Node(id=nid, kind=kind, name=name, valid_from=D0, attrs=attrs)


def small_city() -> WriteBatch:
    city = tiny_city()
    people = (
        member("w1", "王市委书记", leader=True),
        member("d1", "李区委书记", leader=True, gender="male"),
        member("m1", "张三"),
        member("m2", "李四", gender="male"),
        member("m3", "王五", status="probationary"),
        member("m4", "赵六", start=date(2012, 1, 1)),
    )
    others = (
        _node(NodeKind.WORKING_GROUP, "wg01", "第一全域党建工作组", number=1),
        _node(NodeKind.EXPERT, "e1", "陈专家", field="水利", title="教授级高工"),
        _node(
            NodeKind.UNIT,
            "u1",
            "某科技公司",
            unit_kind="non_public_enterprise",
            full_members=2,
            employees=40,
        ),
    )
    k = LinkKind
    links: tuple[Link, ...] = (
        link(k.MEMBER_OF, "w1", "630100"),
        link(k.MEMBER_OF, "d1", "630102"),
        link(k.HOLDS_POST, "w1", "630100", role="secretary"),
        link(k.HOLDS_POST, "d1", "630102", role="secretary"),
        link(k.MEMBER_OF, "m1", "b1"),
        link(k.MEMBER_OF, "m2", "b1"),
        link(k.MEMBER_OF, "m3", "b1"),
        link(k.MEMBER_OF, "m4", "b2", start=date(2012, 1, 1)),
        link(k.HOLDS_POST, "m1", "b1", role="secretary"),
        link(k.HOLDS_POST, "m2", "b1", role="deputy_secretary", start=date(2015, 1, 1)),
        link(k.CONTACTS, "d1", "b1"),
        link(k.COVERS, "wg01", "630102"),
        link(k.LEADS, "w1", "wg01"),
        link(k.SERVES, "d1", "e1"),
        link(k.INSTRUCTS, "m2", "u1"),
        link(k.LOCATED_IN, "u1", "630102001"),
    )
    return WriteBatch(
        nodes=(*city.nodes, *people, *others),
        links=(*city.links, *links),
    )


def many_branches(count: int) -> WriteBatch:
    """``count`` branches under one township, each with a secretary, two members and a
    contact leader: for counting store calls as the list grows."""
    nodes: list[Node] = list(tiny_city().nodes)
    links: list[Link] = list(tiny_city().links)
    k = LinkKind
    nodes.append(member("lead", "联点领导", leader=True))
    links.append(link(k.MEMBER_OF, "lead", "630102"))
    for i in range(count):
        branch = f"x{i:04d}"
        nodes.append(
            Node(
                id=branch,
                kind=NodeKind.ORGANIZATION,
                name=f"第{i}党支部",
                valid_from=D0,
                attrs={"org_kind": "branch", "level": "grassroots", "sector": "community"},
            )
        )
        links.append(link(k.SUBORDINATE_TO, branch, "630102001"))
        for j in range(2):
            mid = f"{branch}m{j}"
            nodes.append(member(mid, f"党员{i}-{j}"))
            links.append(link(k.MEMBER_OF, mid, branch))
        links.append(link(k.HOLDS_POST, f"{branch}m0", branch, role="secretary"))
        links.append(link(k.CONTACTS, "lead", branch))
    return WriteBatch(nodes=tuple(nodes), links=tuple(links))
