"""``count_links_from`` on both stores (the ``store`` fixture): Neo4j counts in Cypher."""

from __future__ import annotations

from datetime import date

from orggraph.model import LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from tests.graphs import link, member, tiny_city

D = date
FULL = {"status": "full"}


def _members(store: GraphStore) -> None:
    """tiny_city with four members (all from 2010-01-01 unless said):

    - m1 full, in b1; ethnicity 回族;
    - m2 probationary, in b1;
    - m3 full, in b1 until 2018-01-01 (the membership ends);
    - m4 full until 2015-01-01, then probationary (a new version), in b2 from 2012-01-01.
    """
    store.write(tiny_city())
    store.write(
        WriteBatch(
            nodes=(
                member("m1", "张三", ethnicity="回族"),
                member("m2", "李四", status="probationary"),
                member("m3", "王五"),
                member("m4", "赵六"),
            ),
            links=(
                link(LinkKind.MEMBER_OF, "m1", "b1"),
                link(LinkKind.MEMBER_OF, "m2", "b1"),
                link(LinkKind.MEMBER_OF, "m3", "b1", end=D(2018, 1, 1)),
                link(LinkKind.MEMBER_OF, "m4", "b2", start=D(2012, 1, 1)),
            ),
        )
    )
    store.write(
        WriteBatch(nodes=(member("m4", "赵六", status="probationary", start=D(2015, 1, 1)),))
    )


def test_links_are_counted_from_sources_with_the_attributes(store: GraphStore) -> None:
    _members(store)
    kind, targets = LinkKind.MEMBER_OF, ["b1", "b2", "630102"]
    # 2014: b1 has m1 and m3 full (m2 is probationary); b2 has m4, still full.
    assert store.count_links_from(kind, D(2014, 1, 1), targets=targets, where=FULL) == {
        "b1": 2,
        "b2": 1,
    }
    # 2016: m4's version of the day is probationary; b2 counts none, so it is absent.
    assert store.count_links_from(kind, D(2016, 1, 1), targets=targets, where=FULL) == {"b1": 2}
    # 2019: m3's membership ended in 2018.
    assert store.count_links_from(kind, D(2019, 1, 1), targets=targets, where=FULL) == {"b1": 1}
    # Every link, as count_links gives them, when nothing is asked of the source.
    assert store.count_links_from(kind, D(2016, 1, 1), targets=targets, where={}) == {
        "b1": 3,
        "b2": 1,
    }
    assert store.count_links(kind, D(2016, 1, 1), targets=targets) == {"b1": 3, "b2": 1}


def test_an_attribute_that_is_not_a_facet_is_counted_too(store: GraphStore) -> None:
    # ethnicity is not a Neo4j facet: the store reads the members instead. Only m1 is 回族.
    _members(store)
    where = {"ethnicity": "回族", "status": "full"}
    counted = store.count_links_from(
        LinkKind.MEMBER_OF, D(2016, 1, 1), targets=["b1", "b2"], where=where
    )
    assert counted == {"b1": 1}
