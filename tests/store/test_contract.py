"""The GraphStore contract, on every backend: reads at a date, history, batches."""

from __future__ import annotations

from datetime import date

import pytest

from orggraph.errors import CycleDetected, ValidationFailed
from orggraph.model import LinkKind, NodeKind, WriteBatch, link_id
from orggraph.store.base import GraphStore
from tests.graphs import link, member, org, tiny_city

SUB = LinkKind.SUBORDINATE_TO


def test_hierarchy_reads_at_a_date(store: GraphStore) -> None:
    store.write(tiny_city())
    assert store.ancestors("b1", date(2020, 1, 1)) == ["630102001", "630102", "630100"]
    assert store.subtree("630102", date(2020, 1, 1)) == ["630102", "630102001", "b1", "b2"]
    # b2 was founded in 2012: in 2011 it is not there.
    assert store.subtree("630102", date(2011, 6, 1)) == ["630102", "630102001", "b1"]
    assert store.children("630100", date(2020, 1, 1)) == ["630102", "630103"]
    assert store.parent("630100", date(2020, 1, 1)) is None
    assert store.node("b2", date(2011, 12, 31)) is None


def test_changing_a_fact_closes_the_old_version(store: GraphStore) -> None:
    store.write(tiny_city())
    renamed = org(
        "b1",
        "夏都花园社区党委",
        "grassroots",
        "committee",
        sector="community",
        start=date(2016, 3, 1),
    )
    result = store.write(WriteBatch(nodes=(renamed,)))
    assert (result.nodes_added, result.nodes_closed) == (1, 1)
    versions = store.node_versions(["b1"])["b1"]
    assert [(v.valid_from, v.valid_to, v.name) for v in versions] == [
        (date(2010, 1, 1), date(2016, 3, 1), "夏都花园社区党支部"),
        (date(2016, 3, 1), None, "夏都花园社区党委"),
    ]
    assert store.node("b1", date(2016, 2, 29)).name == "夏都花园社区党支部"  # type: ignore[union-attr]


def test_rewriting_the_same_content_changes_nothing(store: GraphStore) -> None:
    store.write(tiny_city())
    before = store.digest()
    result = store.write(tiny_city())
    assert (result.nodes_added, result.links_added) == (0, 0)
    assert store.digest() == before


def test_a_move_that_makes_a_cycle_is_refused_with_its_path(store: GraphStore) -> None:
    store.write(tiny_city())
    before = store.digest()
    moved = WriteBatch(
        links=(link(SUB, "630100", "b1", start=date(2015, 1, 1)),),
    )
    with pytest.raises(CycleDetected) as caught:
        store.write(moved)
    assert caught.value.path == ("630100", "b1", "630102001", "630102", "630100")
    assert store.digest() == before


def test_two_parents_at_once_are_refused(store: GraphStore) -> None:
    store.write(tiny_city())
    with pytest.raises(ValidationFailed, match="two parents"):
        store.write(WriteBatch(links=(link(SUB, "b1", "630103", start=date(2015, 1, 1)),)))


def test_a_move_closes_one_link_and_opens_another(store: GraphStore) -> None:
    store.write(tiny_city())
    old = link(SUB, "b1", "630102001").id
    store.write(
        WriteBatch(
            end_links=((old, date(2015, 1, 1)),),
            links=(link(SUB, "b1", "630103", start=date(2015, 1, 1)),),
        )
    )
    assert store.parent("b1", date(2014, 12, 31)) == "630102001"
    assert store.parent("b1", date(2015, 1, 1)) == "630103"
    assert store.subtree("630103", date(2016, 1, 1)) == ["630103", "b1"]


def test_link_outside_its_ends_validity_is_refused(store: GraphStore) -> None:
    store.write(tiny_city())
    # b2 exists only from 2012; a member link from 2011 outlives it on the early side.
    batch = WriteBatch(
        nodes=(member("m1", "张三"),),
        links=(link(LinkKind.MEMBER_OF, "m1", "b2", start=date(2011, 1, 1)),),
    )
    with pytest.raises(ValidationFailed) as caught:
        store.write(batch)
    assert [p.rule for p in caught.value.problems] == ["link-within-ends"]
    assert store.node("m1", date(2020, 1, 1)) is None  # nothing was written


def test_dangling_and_wrong_kind_references(store: GraphStore) -> None:
    store.write(tiny_city())
    batch = WriteBatch(
        nodes=(member("m1", "张三"),),
        links=(
            link(LinkKind.MEMBER_OF, "m1", "nowhere"),
            link(LinkKind.MEMBER_OF, "b1", "630102"),
        ),
    )
    with pytest.raises(ValidationFailed) as caught:
        store.write(batch)
    rules = sorted(p.rule for p in caught.value.problems)
    assert rules == ["link-end-kind", "link-ends-exist"]


def test_ending_a_node_ends_its_links(store: GraphStore) -> None:
    store.write(tiny_city())
    store.write(
        WriteBatch(
            nodes=(member("m1", "张三"),),
            links=(link(LinkKind.MEMBER_OF, "m1", "b1"),),
        )
    )
    store.write(WriteBatch(end_nodes=(("b1", date(2018, 1, 1)),)))
    assert store.links(LinkKind.MEMBER_OF, date(2017, 12, 31), sources=["m1"])
    assert store.links(LinkKind.MEMBER_OF, date(2018, 1, 1), sources=["m1"]) == []
    assert store.children("630102001", date(2018, 1, 1)) == ["b2"]


def test_counts_and_search(store: GraphStore) -> None:
    store.write(tiny_city())
    assert store.count_nodes(NodeKind.ORGANIZATION, date(2020, 1, 1), "level") == {
        "city": 1,
        "county": 2,
        "township": 1,
        "grassroots": 2,
    }
    found = store.search("夏都花园", date(2020, 1, 1))
    assert [n.id for n in found] == ["b1"]
    assert [n.id for n in store.search("630102", date(2020, 1, 1))][:2] == ["630102", "630102001"]


def test_link_counts_by_target_at_a_date(store: GraphStore) -> None:
    # By hand: m1 and m2 join b1 in 2010; m3 joins b1 in 2015; m2 leaves b1 at the start
    # of 2018 (its link is closed there). b2 has m4 from 2012. So b1 counts 2 in 2012
    # (m1, m2), 3 in 2016 and 2 again in 2019 (m1, m3); b2 counts 1 from 2012; 630102
    # has no member links and is absent from the answer, not zero.
    batch = tiny_city()
    people = [
        member("m1", "甲"),
        member("m2", "乙", end=date(2018, 1, 1)),
        member("m3", "丙", start=date(2015, 1, 1)),
        member("m4", "丁", start=date(2012, 1, 1)),
    ]
    joins = [
        link(LinkKind.MEMBER_OF, "m1", "b1"),
        link(LinkKind.MEMBER_OF, "m2", "b1", end=date(2018, 1, 1)),
        link(LinkKind.MEMBER_OF, "m3", "b1", start=date(2015, 1, 1)),
        link(LinkKind.MEMBER_OF, "m4", "b2", start=date(2012, 1, 1)),
    ]
    store.write(WriteBatch(nodes=(*batch.nodes, *people), links=(*batch.links, *joins)))
    wanted = ["b1", "b2", "630102"]
    count = store.count_links
    assert count(LinkKind.MEMBER_OF, date(2012, 6, 1), targets=wanted) == {"b1": 2, "b2": 1}
    assert count(LinkKind.MEMBER_OF, date(2016, 6, 1), targets=wanted) == {"b1": 3, "b2": 1}
    assert count(LinkKind.MEMBER_OF, date(2019, 6, 1), targets=wanted) == {"b1": 2, "b2": 1}
    assert count(LinkKind.MEMBER_OF, date(2011, 6, 1), targets=["b2"]) == {}
    # m1 leaves b1 at the start of 2019 and m5 joins b2 then: the counts follow the write.
    store.write(
        WriteBatch(
            nodes=(member("m5", "戊", start=date(2019, 1, 1)),),
            links=(link(LinkKind.MEMBER_OF, "m5", "b2", start=date(2019, 1, 1)),),
            end_links=((link_id(LinkKind.MEMBER_OF, "m1", "b1"), date(2019, 1, 1)),),
        )
    )
    assert count(LinkKind.MEMBER_OF, date(2019, 6, 1), targets=wanted) == {"b1": 1, "b2": 2}
    assert count(LinkKind.MEMBER_OF, date(2016, 6, 1), targets=wanted) == {"b1": 3, "b2": 1}
