"""The embedded store's columns (``orggraph.store.columns``) beside the writes made since.

A store opened on a file answers from the columns read from it; what is written after
that answers from an overlay, the ids written since in their place among the file's. The
expected answers are worked out by hand from the few versions written here.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from orggraph.model import Link, LinkKind, NodeKind, WriteBatch, link_id
from orggraph.store.embedded import WIDE_READ, EmbeddedStore
from tests.graphs import D0, fact, link, member, org

MEM = LinkKind.MEMBER_OF

LATER = date(2015, 1, 1)
ASK = date(2016, 6, 30)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Members a1, c1, e1 (from D0), b0 an organization; facts of a1 in 2014."""
    file = tmp_path / "columns.db"
    with EmbeddedStore(file) as writer:
        writer.write(
            WriteBatch(
                nodes=(
                    member("a1", "甲"),
                    member("c1", "丙"),
                    member("e1", "戊", end=date(2012, 1, 1)),
                    org("b0", "某支部", "grassroots", "branch"),
                ),
                facts=(fact("a1", 2014, "score", 80), fact("a1", 2014, "grade", "good")),
            )
        )
    return file


def test_a_write_after_opening_answers_in_its_place(path: Path) -> None:
    with EmbeddedStore(path) as store:
        before = store.nodes(NodeKind.MEMBER, ASK)
        assert [n.id for n in before] == ["a1", "c1"]  # e1 left in 2012
        # c1 becomes probationary from 2015 (c1's first version closes); d1 is new.
        store.write(
            WriteBatch(
                nodes=(
                    member("c1", "丙", start=LATER, status="probationary"),
                    member("d1", "丁", start=LATER),
                )
            )
        )
        now = store.nodes(NodeKind.MEMBER, ASK)
        # The file's ids in id order, c1 from the overlay in its place, then d1 (new).
        assert [(n.id, n.attrs["status"]) for n in now] == [
            ("a1", "full"),
            ("c1", "probationary"),
            ("d1", "full"),
        ]
        assert [n.id for n in store.nodes(NodeKind.MEMBER, date(2011, 1, 1))] == [
            "a1",
            "c1",
            "e1",
        ]
        versions = store.node_versions(["c1"])["c1"]
        assert [(v.valid_from, v.valid_to) for v in versions] == [(D0, LATER), (LATER, None)]
        # all_nodes: by kind (member before organization), then id.
        assert [(n.id, n.valid_from) for n in store.all_nodes()] == [
            ("a1", D0),
            ("c1", D0),
            ("c1", LATER),
            ("d1", LATER),
            ("e1", D0),
            ("b0", D0),
        ]
        assert store.change_dates() == [D0, date(2012, 1, 1), LATER]
        window = store.versions_between(date(2014, 1, 1), LATER)
        # c1's first version ends at LATER and its second starts then; d1 starts then.
        assert [(n.id, n.valid_from) for n in window.nodes] == [
            ("c1", D0),
            ("c1", LATER),
            ("d1", LATER),
        ]
        assert store.node("e1", ASK) is None
        e1 = store.node("e1", date(2011, 1, 1))
        assert e1 is not None and e1.valid_to == date(2012, 1, 1)


def test_facts_read_from_the_file_and_written_since(path: Path) -> None:
    with EmbeddedStore(path) as store:
        # The file's order of names: grade before score.
        assert store.facts(["a1", "c1"], 2014) == {"a1": {"grade": "good", "score": 80}}
        assert store.facts(["a1"], 2014, names=["score"]) == {"a1": {"score": 80}}
        assert store.facts(["a1"], 2013) == {}
        store.write(
            WriteBatch(
                facts=(
                    fact("a1", 2014, "score", 85),
                    fact("a1", 2014, "meetings", 3),
                    fact("c1", 2014, "score", 70),
                )
            )
        )
        # score replaced in its place, meetings after it; c1's pair is new.
        assert list(store.facts(["a1"], 2014)["a1"].items()) == [
            ("grade", "good"),
            ("score", 85),
            ("meetings", 3),
        ]
        assert store.facts(["c1"], 2014) == {"c1": {"score": 70}}
        assert [(f.node_id, f.name, f.value) for f in store.all_facts()] == [
            ("a1", "grade", "good"),
            ("a1", "meetings", 3),
            ("a1", "score", 85),
            ("c1", "score", 70),
        ]
        window = store.versions_between(date(2013, 6, 1), date(2014, 6, 1))
        assert window.facts == [
            ("a1", 2014, "grade"),
            ("a1", 2014, "score"),
            ("a1", 2014, "meetings"),
            ("c1", 2014, "score"),
        ]
    with EmbeddedStore(path) as again:  # the file agrees, in its own order
        assert list(again.facts(["a1"], 2014)["a1"]) == ["grade", "meetings", "score"]


def test_facts_of_several_years_and_awkward_names_read_back_whole(tmp_path: Path) -> None:
    """The file's facts of a pair are read as one object: names that need escaping in
    JSON, values of every JSON shape, the pairs of one node in other years apart."""
    file = tmp_path / "facts.db"
    with EmbeddedStore(file) as writer:
        writer.write(
            WriteBatch(
                nodes=(member("a1", "甲"), member("b1", "乙")),
                facts=(
                    fact("a1", 2013, "score", 60),
                    fact("a1", 2014, 'say "hi"', 'a "quoted" \\ 值'),
                    fact("a1", 2014, "会议", [1, {"x": None}]),
                    fact("a1", 2014, "ratio", 0.5),
                    fact("a1", 2014, "done", True),
                    fact("a1", 2015, "score", 70),
                    fact("b1", 2014, "score", 90),
                ),
            )
        )
    with EmbeddedStore(file) as store:
        # By name in the file's order (SQLite's: byte order of the UTF-8 names).
        assert list(store.facts(["a1"], 2014)["a1"].items()) == [
            ("done", True),
            ("ratio", 0.5),
            ('say "hi"', 'a "quoted" \\ 值'),
            ("会议", [1, {"x": None}]),
        ]
        assert store.facts(["a1", "b1", "zz"], 2013) == {"a1": {"score": 60}}
        assert store.facts(["a1", "b1"], 2015) == {"a1": {"score": 70}}
        assert store.facts(["b1"], 2014, names=["score", "done"]) == {"b1": {"score": 90}}
        assert store.facts(["a1"], 2014, names=["会议"]) == {"a1": {"会议": [1, {"x": None}]}}
        # A read hands out its own dict: changing it changes nothing held.
        store.facts(["b1"], 2014)["b1"]["score"] = 0
        assert store.facts(["b1"], 2014) == {"b1": {"score": 90}}


def _links_file(tmp_path: Path) -> Path:
    """b1, b2 (branches); m1 in b1 from D0; m2 in b1 from D0 to 2012; m3 in b2 from D0."""
    file = tmp_path / "links.db"
    with EmbeddedStore(file) as writer:
        writer.write(
            WriteBatch(
                nodes=(
                    org("b1", "甲支部", "grassroots", "branch"),
                    org("b2", "乙支部", "grassroots", "branch"),
                    member("m1", "甲"),
                    member("m2", "乙"),
                    member("m3", "丙"),
                ),
                links=(
                    link(MEM, "m1", "b1"),
                    link(MEM, "m2", "b1", end=date(2012, 1, 1)),
                    link(MEM, "m3", "b2"),
                ),
            )
        )
    return file


def _ends(links: list[Link]) -> list[tuple[str, str]]:
    return [(x.source, x.target) for x in links]


def test_memberships_read_from_the_file_and_written_since(tmp_path: Path) -> None:
    file = _links_file(tmp_path)
    # Wide reads (``WIDE_READ`` ends or more) answer from what holds at the date.
    wide = ["b1", "b2", *(f"x{i}" for i in range(WIDE_READ))]
    with EmbeddedStore(file) as store:
        assert store._cols[MEM].rows() == 3  # the file's memberships, as columns
        assert _ends(store.links(MEM, ASK, targets=["b1", "b2"])) == [("m1", "b1"), ("m3", "b2")]
        assert store.count_links(MEM, date(2011, 1, 1), targets=["b1", "b2"]) == {"b1": 2, "b2": 1}
        # m1 moves from b1 to b2 in 2015; m3 also joins b1 then.
        store.write(
            WriteBatch(
                end_links=((link_id(MEM, "m1", "b1"), LATER),),
                links=(link(MEM, "m1", "b2", start=LATER), link(MEM, "m3", "b1", start=LATER)),
            )
        )
        # b2's members: m3 (the file's) before m1 (written since); b1 has m3 only.
        assert _ends(store.links(MEM, ASK, targets=["b2"])) == [("m3", "b2"), ("m1", "b2")]
        assert _ends(store.links(MEM, ASK, targets=wide)) == [
            ("m3", "b1"),
            ("m3", "b2"),
            ("m1", "b2"),
        ]
        assert _ends(store.links(MEM, ASK, sources=["m3"])) == [("m3", "b2"), ("m3", "b1")]
        assert _ends(store.links(MEM, date(2014, 1, 1), sources=["m1", "m2", "m3"])) == [
            ("m1", "b1"),
            ("m3", "b2"),
        ]
        assert store.count_links(MEM, ASK, targets=["b1", "b2"]) == {"b1": 1, "b2": 2}
        key = link_id(MEM, "m1", "b1")
        assert [(v.valid_from, v.valid_to) for v in store.link_versions([key])[key]] == [
            (D0, LATER)
        ]
        # Every version touching m1: its closed b1 membership, then its b2 one.
        assert [(x.target, x.valid_to) for x in store.links_touching(["m1"])] == [
            ("b1", LATER),
            ("b2", None),
        ]
        assert [x.id for x in store.all_links()] == sorted(
            link_id(MEM, s, t)
            for s, t in [("m1", "b1"), ("m1", "b2"), ("m2", "b1"), ("m3", "b1"), ("m3", "b2")]
        )
        window = store.versions_between(date(2014, 1, 1), LATER)
        # In id order: m1>b1 (closed then), then the two written since.
        assert [(x.source, x.target) for x in window.links] == [
            ("m1", "b1"),
            ("m1", "b2"),
            ("m3", "b1"),
        ]
        assert store.change_dates() == [D0, date(2012, 1, 1), LATER]


def test_a_membership_whose_id_is_not_its_ends_is_read_too(tmp_path: Path) -> None:
    """Another writer's id (not ``link_id``): kept as a record, answered all the same."""
    file = _links_file(tmp_path)
    with sqlite3.connect(file) as db:
        db.execute(
            "INSERT INTO links VALUES ('member_of:odd', 'member_of', 'm1', 'b2',"
            " '2010-01-01', NULL, '{}')"
        )
    with EmbeddedStore(file) as store:
        assert store._cols[MEM].rows() == 3  # the three made of their ends
        assert _ends(store.links(MEM, ASK, sources=["m1"])) == [("m1", "b1"), ("m1", "b2")]
        assert store.count_links(MEM, ASK, targets=["b2"]) == {"b2": 2}
        assert [v.target for v in store.link_versions(["member_of:odd"])["member_of:odd"]] == ["b2"]
        assert sum(1 for _ in store.all_links()) == 4


def test_wide_reads_make_whole_records_from_the_columns(tmp_path: Path) -> None:
    """A wide read makes the records of every version valid at its date at once: their
    dates, decoded attributes (date ones as dates), an end no node names; a version also
    valid at the next date asked is the same record."""
    file = tmp_path / "wide.db"
    joined = date(2001, 5, 4)
    with EmbeddedStore(file) as writer:
        writer.write(
            WriteBatch(
                nodes=(
                    org("b1", "甲支部", "grassroots", "branch"),
                    member("m1", "甲", join_date=joined),
                    member("m2", "乙", end=date(2012, 1, 1)),
                    member("m3", "丙"),
                    member("m3", "丙", start=LATER, status="probationary"),
                ),
                links=(
                    link(MEM, "m1", "b1", note="转入"),
                    link(MEM, "m2", "b1", end=date(2012, 1, 1)),
                    link(MEM, "m3", "b1", start=LATER),
                    link(MEM, "ghost", "b1"),  # an end that no node version names
                ),
            ),
            validate=False,  # the rules would refuse the ghost; the file may hold one
        )
    wide = ["m1", "m2", "m3", "ghost", *(f"x{i}" for i in range(WIDE_READ))]
    with EmbeddedStore(file) as store:
        early = store.nodes(NodeKind.MEMBER, date(2011, 1, 1), ids=wide)
        assert [(n.id, n.name, n.valid_from, n.valid_to) for n in early] == [
            ("m1", "甲", D0, None),
            ("m2", "乙", D0, date(2012, 1, 1)),
            ("m3", "丙", D0, LATER),
        ]
        assert early[0].attrs["join_date"] == joined  # a date, not its text
        later = store.nodes(NodeKind.MEMBER, ASK, ids=wide)
        assert [(n.id, n.attrs["status"], n.valid_from) for n in later] == [
            ("m1", "full", D0),
            ("m3", "probationary", LATER),
        ]
        assert later[0] is early[0]  # m1's one version, valid at both dates
        found = store.links(MEM, ASK, sources=wide)
        assert [(x.source, x.target, x.valid_from, dict(x.attrs)) for x in found] == [
            ("m1", "b1", D0, {"note": "转入"}),
            ("m3", "b1", LATER, {}),
            ("ghost", "b1", D0, {}),
        ]


def test_a_window_is_kept_until_the_next_write_and_each_caller_gets_its_own(
    path: Path,
) -> None:
    since, until = date(2011, 6, 30), date(2013, 1, 1)
    with EmbeddedStore(path) as store:
        first = store.versions_between(since, until)
        # Only e1's version ends inside (2012-01-01); the rest begin at D0 (2010), and the
        # facts are of 2014.
        assert [(n.id, n.valid_to) for n in first.nodes] == [("e1", date(2012, 1, 1))]
        assert first.links == [] and first.facts == []
        first.nodes.clear()  # what a caller does with its lists is its own
        assert [n.id for n in store.versions_between(since, until).nodes] == ["e1"]
        # A member joining inside, and a fact of a year inside: the next ask sees both.
        store.write(
            WriteBatch(
                nodes=(member("d1", "丁", start=date(2012, 6, 1)),),
                facts=(fact("c1", 2012, "score", 70),),
            )
        )
        again = store.versions_between(since, until)
        assert [n.id for n in again.nodes] == ["e1", "d1"]
        assert again.facts == [("c1", 2012, "score")]
        # A write of facts alone moves the window too.
        store.write(WriteBatch(facts=(fact("a1", 2012, "grade", "good"),)))
        assert sorted(store.versions_between(since, until).facts) == [
            ("a1", 2012, "grade"),
            ("c1", 2012, "score"),
        ]
