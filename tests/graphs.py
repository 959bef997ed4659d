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

from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch

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
