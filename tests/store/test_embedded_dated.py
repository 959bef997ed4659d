"""Wide reads on the embedded store answer from what holds at their date, kept till a write.

A read naming at least ``WIDE_READ`` ends (a page of a list) looks them up in the links of
its kind valid at its date, made once; a narrower read walks the index. Both must give the
same links in the same order, and a write must be seen by the next wide read. The graph is
worked out by hand: 300 branches under one committee (D0 on), each with its own secretary
from D0; on 2020-01-01 the even branches' secretaries step down (their posts end) and the
branches are joined by a second post holder, a deputy, whose post starts that day.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orggraph.model import LinkKind, NodeKind, WriteBatch, link_id
from orggraph.store.embedded import DATES_KEPT, WIDE_READ, EmbeddedStore
from tests.graphs import link, member, org

SUB, POST = LinkKind.SUBORDINATE_TO, LinkKind.HOLDS_POST
COUNT = 300
BEFORE, CHANGE, AFTER = date(2019, 6, 30), date(2020, 1, 1), date(2020, 6, 30)
BRANCHES = [f"b{i:03d}" for i in range(COUNT)]


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    assert COUNT >= WIDE_READ  # a page of all the branches is a wide read
    nodes = [org("c", "城关区委", "county")]
    links = []
    for i, branch in enumerate(BRANCHES):
        nodes.append(org(branch, f"第{i}党支部", "grassroots", "branch"))
        nodes.append(member(f"s{i:03d}", f"书记{i}"))
        links.append(link(SUB, branch, "c"))
        end = CHANGE if i % 2 == 0 else None
        links.append(link(POST, f"s{i:03d}", branch, role="secretary", end=end))
        if i % 2 == 0:
            nodes.append(member(f"d{i:03d}", f"副书记{i}"))
            links.append(link(POST, f"d{i:03d}", branch, role="deputy_secretary", start=CHANGE))
    store = EmbeddedStore(tmp_path / "dated.db")
    store.write(WriteBatch(nodes=tuple(nodes), links=tuple(links)))
    return store


def _keys(links: list) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
    return [(x.source, x.target, x.get("role")) for x in links]


def test_a_wide_read_gives_what_narrow_reads_give_in_their_order(store: EmbeddedStore) -> None:
    for day in (BEFORE, CHANGE, AFTER):
        wide = store.links(POST, day, targets=BRANCHES)
        narrow = [x for b in BRANCHES for x in store.links(POST, day, targets=[b])]
        assert _keys(wide) == _keys(narrow)
        wide_up = store.links(SUB, day, sources=BRANCHES)
        narrow_up = [x for b in BRANCHES for x in store.links(SUB, day, sources=[b])]
        assert _keys(wide_up) == _keys(narrow_up)
    # By hand: before the change every branch has its secretary (300 posts); from the
    # change the 150 even branches have their deputy only, the odd ones their secretary.
    assert len(store.links(POST, BEFORE, targets=BRANCHES)) == 300
    after = _keys(store.links(POST, AFTER, targets=BRANCHES))
    assert after[:2] == [("d000", "b000", "deputy_secretary"), ("s001", "b001", "secretary")]
    assert sum(role == "secretary" for _, _, role in after) == 150
    assert sum(role == "deputy_secretary" for _, _, role in after) == 150
    # Sources and targets together: the posts of the first ten branches only.
    few = store.links(
        POST, BEFORE, sources=[f"s{i:03d}" for i in range(COUNT)], targets=BRANCHES[:10]
    )
    assert [x.target for x in few] == BRANCHES[:10]


def test_the_next_wide_read_sees_a_write(store: EmbeddedStore) -> None:
    assert len(store.links(POST, AFTER, targets=BRANCHES)) == 300
    assert len(store.nodes(NodeKind.ORGANIZATION, AFTER)) == 301
    # b001's secretary steps down on 2020-03-01; a new branch is set up on 2020-02-01.
    post = link_id(POST, "s001", "b001", "secretary")
    store.write(
        WriteBatch(
            nodes=(org("b300", "新设党支部", "grassroots", "branch", start=date(2020, 2, 1)),),
            links=(link(SUB, "b300", "c", start=date(2020, 2, 1)),),
            end_links=((post, date(2020, 3, 1)),),
        )
    )
    posts = _keys(store.links(POST, AFTER, targets=BRANCHES))
    assert len(posts) == 299 and ("s001", "b001", "secretary") not in posts
    assert len(store.links(POST, BEFORE, targets=BRANCHES)) == 300  # history stays
    orgs = store.nodes(NodeKind.ORGANIZATION, AFTER)
    assert len(orgs) == 302 and orgs[-1].id == "b300"
    assert [x.source for x in store.links(SUB, AFTER, sources=[*BRANCHES, "b300"])][-1] == "b300"


def test_a_read_of_every_link_is_kept_till_a_write_and_handed_out_as_a_copy(
    store: EmbeddedStore,
) -> None:
    # Every post at AFTER, by hand: the 150 odd branches' secretaries and the 150 even
    # branches' deputies; the same list again (kept), then again after a write.
    first = _keys(store.links(POST, AFTER))
    assert len(first) == 300 and ("d000", "b000", "deputy_secretary") in first
    assert ("s000", "b000", "secretary") not in first
    handed = store.links(POST, AFTER)
    handed.clear()
    assert _keys(store.links(POST, AFTER)) == first
    assert [key[:2] for key in store._dated].count(("all", POST)) == 1
    # b001's secretary steps down on 2020-03-01 and b003 gains a deputy that day.
    store.write(
        WriteBatch(
            nodes=(member("d003", "副书记3", start=date(2020, 3, 1)),),
            links=(link(POST, "d003", "b003", role="deputy_secretary", start=date(2020, 3, 1)),),
            end_links=((link_id(POST, "s001", "b001", "secretary"), date(2020, 3, 1)),),
        )
    )
    after = _keys(store.links(POST, AFTER))
    assert len(after) == 300 and ("s001", "b001", "secretary") not in after
    assert ("d003", "b003", "deputy_secretary") in after
    every = sorted(_keys(store.links(POST, BEFORE)))
    assert every == sorted(_keys(store.links(POST, BEFORE, targets=BRANCHES)))  # history stays


def test_a_list_handed_out_is_the_caller_s(store: EmbeddedStore) -> None:
    first = store.nodes(NodeKind.ORGANIZATION, BEFORE)
    first.clear()
    assert len(store.nodes(NodeKind.ORGANIZATION, BEFORE)) == 301


def test_only_a_few_dates_are_kept(store: EmbeddedStore) -> None:
    days = [date(2019, 1, d) for d in range(1, 11)]
    for day in days:
        assert len(store.links(POST, day, targets=BRANCHES)) == 300
    kept = [key for key in store._dated if key[:2] == ("to", POST)]
    assert [key[2] for key in kept] == days[-DATES_KEPT:]


def _ids(nodes: list) -> list[str]:  # type: ignore[type-arg]
    return [n.id for n in nodes]


def test_a_read_of_many_ids_gives_what_reads_of_one_give_in_their_order(
    store: EmbeddedStore,
) -> None:
    # Asked: the deputies first, then the secretaries (members from D0 on, all of them),
    # a branch (not a member) and an id nobody has.
    deputies = [f"d{i:03d}" for i in range(0, COUNT, 2)]
    secretaries = [f"s{i:03d}" for i in range(COUNT)]
    asked = [*deputies, *secretaries, "b000", "nobody"]
    assert len(asked) >= WIDE_READ
    for day in (BEFORE, CHANGE, AFTER):
        wide = store.nodes(NodeKind.MEMBER, day, ids=asked)
        narrow = [n for i in asked for n in store.nodes(NodeKind.MEMBER, day, ids=[i])]
        assert _ids(wide) == _ids(narrow)
    # By hand: the 150 deputies and the 300 secretaries, in the order asked.
    assert _ids(store.nodes(NodeKind.MEMBER, AFTER, ids=asked)) == deputies + secretaries
    assert store.nodes(NodeKind.MEMBER, AFTER, ids=asked)[0].name == "副书记0"


def test_the_next_read_of_many_ids_sees_a_write(store: EmbeddedStore) -> None:
    secretaries = [f"s{i:03d}" for i in range(COUNT)]
    assert len(store.nodes(NodeKind.MEMBER, AFTER, ids=secretaries)) == 300
    # s001 leaves on 2020-03-01; a new member joins on 2020-02-01.
    store.write(
        WriteBatch(
            nodes=(member("s300", "新党员", start=date(2020, 2, 1)),),
            end_nodes=(("s001", date(2020, 3, 1)),),
        )
    )
    found = _ids(store.nodes(NodeKind.MEMBER, AFTER, ids=[*secretaries, "s300"]))
    assert len(found) == 300 and "s001" not in found and found[-1] == "s300"
    # History stays: before, s001 was a member and s300 not yet.
    assert _ids(store.nodes(NodeKind.MEMBER, BEFORE, ids=[*secretaries, "s300"])) == secretaries
