"""Small hand-built graphs whose answers tests work out by hand.

``tiny_city`` (all from 2010-01-01 unless noted)::

    630100 西宁市委 (city committee)
    ├── 630102 城东区委 (county)
    │   └── 630102001 东关街道党工委 (township)
    │       ├── b1 夏都花园社区党支部 (branch, community)
    │       └── b2 某村党支部 (branch, rural; from 2012-01-01)
    └── 630103 城中区委 (county)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from orggraph.model import Fact, Link, LinkKind, Node, NodeKind, WriteBatch

D0 = date(2010, 1, 1)


def org(
    oid: str,
    name: str,
    level: str,
    org_kind: str = "committee",
    *,
    sector: str | None = None,
    start: date = D0,
    end: date | None = None,
    **attrs: Any,
) -> Node:
    return Node(
        id=oid,
        kind=NodeKind.ORGANIZATION,
        name=name,
        valid_from=start,
        valid_to=end,
        attrs={"org_kind": org_kind, "level": level, "sector": sector, **attrs},
    )


def member(
    mid: str,
    name: str,
    *,
    status: str = "full",
    leader: bool = False,
    start: date = D0,
    end: date | None = None,
    **attrs: Any,
) -> Node:
    base = {
        "gender": "female",
        "ethnicity": "汉族",
        "education": "bachelor",
        "birth_year": 1980,
        "join_date": date(2005, 7, 1),
        "status": status,
        "is_leader": leader,
    }
    return Node(
        id=mid,
        kind=NodeKind.MEMBER,
        name=name,
        valid_from=start,
        valid_to=end,
        attrs={**base, **attrs},
    )


def link(
    kind: LinkKind,
    source: str,
    target: str,
    *,
    start: date = D0,
    end: date | None = None,
    **attrs: Any,
) -> Link:
    return Link(
        kind=kind, source=source, target=target, valid_from=start, valid_to=end, attrs=attrs
    )


def tiny_city() -> WriteBatch:
    nodes = (
        org("630100", "西宁市委", "city"),
        org("630102", "城东区委", "county"),
        org("630103", "城中区委", "county"),
        org("630102001", "东关街道党工委", "township", "working_committee"),
        org("b1", "夏都花园社区党支部", "grassroots", "branch", sector="community"),
        org("b2", "某村党支部", "grassroots", "branch", sector="rural", start=date(2012, 1, 1)),
    )
    sub = LinkKind.SUBORDINATE_TO
    links = (
        link(sub, "630102", "630100"),
        link(sub, "630103", "630100"),
        link(sub, "630102001", "630102"),
        link(sub, "b1", "630102001"),
        link(sub, "b2", "630102001", start=date(2012, 1, 1)),
    )
    return WriteBatch(nodes=nodes, links=links)


def fact(node_id: str, year: int, name: str, value: Any) -> Fact:
    return Fact(node_id=node_id, year=year, name=name, value=value)


def staffed_branch(
    bid: str,
    parent: str,
    *,
    sector: str = "rural",
    full: int = 3,
    probationary: int = 0,
    secretary: bool = True,
    start: date = D0,
    org_kind: str = "branch",
    name: str | None = None,
) -> WriteBatch:
    """A grassroots organization under ``parent`` with members ``<bid>-m1``… (the full ones
    first) and, when ``secretary``, ``<bid>-m1`` as its secretary, all from ``start``."""
    nodes: list[Node] = [
        org(bid, name or f"{bid}党支部", "grassroots", org_kind, sector=sector, start=start)
    ]
    links: list[Link] = [link(LinkKind.SUBORDINATE_TO, bid, parent, start=start)]
    for i in range(1, full + probationary + 1):
        status = "full" if i <= full else "probationary"
        nodes.append(member(f"{bid}-m{i}", f"{bid}党员{i}", status=status, start=start))
        links.append(link(LinkKind.MEMBER_OF, f"{bid}-m{i}", bid, start=start))
    if secretary and full + probationary:
        links.append(link(LinkKind.HOLDS_POST, f"{bid}-m1", bid, start=start, role="secretary"))
    return WriteBatch(nodes=tuple(nodes), links=tuple(links))


def responsibility_city() -> WriteBatch:
    """``tiny_city`` with people, posts, working groups, units, experts and cases.

    Used by the chain, gap, change and what-if tests (tests/analysis); dates from
    2010-01-01 unless noted::

        630100 西宁市委            secretary m01 王市
        ├── 630102 城东区委        secretary m02 李东 until 2019-03-01 (vacant since)
        │   └── 630102001 东关街道  secretary m03 赵街
        │       ├── b1 (community)  secretary m04 钱支 from 2015-01-01; members m04, m05
        │       │                   (full), m06 (probationary); contact m14 from
        │       │                   2014-01-01; paired with s1 from 2016-01-01;
        │       │                   term_ends 2021-12-31
        │       └── b2 (rural, 2012) no secretary ever; members m07-m09 (full);
        │                            term_ends 2018-12-31
        └── 630103 城中区委        secretary m10 吴中
            └── s1 (community)     secretary m11; members m11-m13 (full); contact m01

        wg01 第一全域党建工作组 covers 630102, led by m01
        wg02 第二全域党建工作组 covers 630102001, led by m10
        m14 郑联 (leader) member of 630102; contacts b1; serves e1
        u1 (non-public, 4 full members, located in township 630102001): no organization,
           instructor m03 (work coverage)
        u2 (social organization, 1 full member, located in 630103): nothing
        u3 (non-public, 3 full members): own organization s1
        e1 served by m14; e2 served by nobody
        case-1 (b2, rectifying, responsible m14); case-2 (b1, converted, responsible m14)
    """
    base = tiny_city()
    nodes: list[Node] = [n for n in base.nodes if n.id not in ("b1", "b2")]
    nodes += [
        org(
            "b1",
            "夏都花园社区党支部",
            "grassroots",
            "branch",
            sector="community",
            term_ends=date(2021, 12, 31),
        ),
        org(
            "b2",
            "某村党支部",
            "grassroots",
            "branch",
            sector="rural",
            start=date(2012, 1, 1),
            term_ends=date(2018, 12, 31),
        ),
        org("s1", "城中区强社区党支部", "grassroots", "branch", sector="community"),
    ]
    names = {
        "m01": "王市",
        "m02": "李东",
        "m03": "赵街",
        "m04": "钱支",
        "m05": "孙党员",
        "m06": "周党员",
        "m07": "村党员甲",
        "m08": "村党员乙",
        "m09": "村党员丙",
        "m10": "吴中",
        "m11": "城中书记",
        "m12": "城中党员甲",
        "m13": "城中党员乙",
        "m14": "郑联",
    }
    for mid, name in names.items():
        status = "probationary" if mid == "m06" else "full"
        leader = mid in ("m01", "m02", "m10", "m14")
        nodes.append(member(mid, name, status=status, leader=leader))
    nodes += [
        Node(id="wg01", kind=NodeKind.WORKING_GROUP, name="第一全域党建工作组", valid_from=D0),
        Node(id="wg02", kind=NodeKind.WORKING_GROUP, name="第二全域党建工作组", valid_from=D0),
        _unit("u1", "青海某科技有限公司", "non_public_enterprise", 4),
        _unit("u2", "某社会组织", "social_organization", 1),
        _unit("u3", "某商贸有限公司", "non_public_enterprise", 3),
        Node(id="e1", kind=NodeKind.EXPERT, name="专家甲", valid_from=D0),
        Node(id="e2", kind=NodeKind.EXPERT, name="专家乙", valid_from=D0),
        _case("case-1", "b2", "rectifying", "m14"),
        _case("case-2", "b1", "converted", "m14"),
    ]
    post, mem = LinkKind.HOLDS_POST, LinkKind.MEMBER_OF
    links: list[Link] = list(base.links)
    links += [
        link(LinkKind.SUBORDINATE_TO, "s1", "630103"),
        link(post, "m01", "630100", role="secretary"),
        link(post, "m02", "630102", role="secretary", end=date(2019, 3, 1)),
        link(post, "m03", "630102001", role="secretary"),
        link(post, "m04", "b1", role="secretary", start=date(2015, 1, 1)),
        link(post, "m10", "630103", role="secretary"),
        link(post, "m11", "s1", role="secretary"),
        link(mem, "m04", "b1"),
        link(mem, "m05", "b1"),
        link(mem, "m06", "b1"),
        link(mem, "m07", "b2", start=date(2012, 1, 1)),
        link(mem, "m08", "b2", start=date(2012, 1, 1)),
        link(mem, "m09", "b2", start=date(2012, 1, 1)),
        link(mem, "m11", "s1"),
        link(mem, "m12", "s1"),
        link(mem, "m13", "s1"),
        link(mem, "m14", "630102"),
        link(LinkKind.CONTACTS, "m14", "b1", start=date(2014, 1, 1)),
        link(LinkKind.CONTACTS, "m01", "s1"),
        link(LinkKind.PAIRED_WITH, "s1", "b1", start=date(2016, 1, 1)),
        link(LinkKind.COVERS, "wg01", "630102"),
        link(LinkKind.COVERS, "wg02", "630102001"),
        link(LinkKind.LEADS, "m01", "wg01"),
        link(LinkKind.LEADS, "m10", "wg02"),
        link(LinkKind.INSTRUCTS, "m03", "u1"),
        link(LinkKind.ESTABLISHED_IN, "s1", "u3", mode="own"),
        # Where the units are: u1 in 东关街道, u2 and u3 straight under 城中区委.
        link(LinkKind.LOCATED_IN, "u1", "630102001"),
        link(LinkKind.LOCATED_IN, "u2", "630103"),
        link(LinkKind.LOCATED_IN, "u3", "630103"),
        link(LinkKind.SERVES, "m14", "e1"),
    ]
    return WriteBatch(nodes=tuple(nodes), links=tuple(links))


def _unit(uid: str, name: str, kind: str, full: int) -> Node:
    attrs: dict[str, Any] = {"unit_kind": kind, "full_members": full}
    return Node(id=uid, kind=NodeKind.UNIT, name=name, valid_from=D0, attrs=attrs)


def _case(cid: str, organization: str, state: str, responsible: str) -> Node:
    attrs: dict[str, Any] = {
        "organization": organization,
        "state": state,
        "reasons": ["secretary_vacant"],
        "responsible": responsible,
        "partner": "s1",
        "deadline": date(2019, 12, 31),
    }
    return Node(id=cid, kind=NodeKind.CASE, name=f"{organization}整顿", valid_from=D0, attrs=attrs)
