"""The embedded store's index as opening builds it from the file (not from the writes).

The contract suite mostly reads the index the writes built in the same process; these
tests close the store and open the file again, so that every answer comes from the
loader: node attributes decoded only when a read first hands a version out, links without
attributes sharing one empty mapping, records made without their ``__init__``, one
``DiGraph`` per link kind whose edge data maps link ids to versions, and the new index
moved to the collector's oldest generation. Expected values are read off the graphs
written here (``tests.graphs``), worked out by hand in the comments.
"""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from orggraph.analysis import jsonable
from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch, link_id
from orggraph.store.base import freeze_long_lived, thaw_long_lived
from orggraph.store.embedded import WIDE_READ, EmbeddedStore
from orggraph.store.embedded_index import _slot_setters
from tests.graphs import D0, link, member, org, responsibility_city

ASK = date(2019, 6, 30)
SUB, MEM, POST = LinkKind.SUBORDINATE_TO, LinkKind.MEMBER_OF, LinkKind.HOLDS_POST

#: m04 钱支 as ``responsibility_city`` writes it (``tests.graphs.member``'s defaults).
M04 = Node(
    id="m04",
    kind=NodeKind.MEMBER,
    name="钱支",
    valid_from=D0,
    attrs={
        "gender": "female",
        "ethnicity": "汉族",
        "education": "bachelor",
        "birth_year": 1980,
        "join_date": date(2005, 7, 1),
        "status": "full",
        "is_leader": False,
    },
)
#: b1 as written: no attribute was ``None`` (the store keeps no ``None``).
B1 = Node(
    id="b1",
    kind=NodeKind.ORGANIZATION,
    name="夏都花园社区党支部",
    valid_from=D0,
    attrs={
        "org_kind": "branch",
        "level": "grassroots",
        "sector": "community",
        "term_ends": date(2021, 12, 31),
    },
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A file holding ``responsibility_city``, its writer closed."""
    file = tmp_path / "city.db"
    with EmbeddedStore(file) as writer:
        writer.write(responsibility_city())
    return file


@pytest.fixture
def city(path: Path) -> Iterator[EmbeddedStore]:
    """``responsibility_city`` as opening the file reads it."""
    with EmbeddedStore(path) as store:
        yield store


def _ids(links: list[Link]) -> list[tuple[str, date, date | None]]:
    return sorted((x.id, x.valid_from, x.valid_to) for x in links)


def _without_none(node: Node) -> tuple[Any, ...]:
    attrs = {k: v for k, v in node.attrs.items() if v is not None}
    return (node.id, node.kind, node.name, node.valid_from, node.valid_to, attrs)


# -- node attributes: kept as the file's JSON until a read hands the version out -----------
def test_attributes_read_after_opening_are_the_written_ones(city: EmbeddedStore) -> None:
    assert city.node("m04", ASK) == M04
    assert city.node("b1", ASK) == B1
    # Dates come back as dates: join_date (member), term_ends (organization), deadline (case).
    assert type(M04.attrs["join_date"]) is date
    case = city.node("case-1", ASK)
    assert case is not None and case.attrs["deadline"] == date(2019, 12, 31)
    assert case.attrs["reasons"] == ["secretary_vacant"]  # a list stays a list


def test_a_version_is_decoded_when_first_handed_out(city: EmbeddedStore) -> None:
    table = city._nodes  # the file's versions as columns (``orggraph.store.columns``)
    (row,) = table.rows_of("m04")
    assert isinstance(table.attrs[row], bytes)  # still the file's JSON
    node = city.node("m04", ASK)
    assert node is not None and type(node.attrs) is dict
    again = city.node("m04", ASK)
    assert again is node  # made once, kept for the next read


def test_listing_a_kind_decodes_all_its_versions_once(tmp_path: Path) -> None:
    file = tmp_path / "left.db"
    with EmbeddedStore(file) as writer:
        # m2 left in 2015: not valid at ASK, a version all the same.
        writer.write(
            WriteBatch(nodes=(member("m1", "甲"), member("m2", "乙", end=date(2015, 1, 1))))
        )
    with EmbeddedStore(file) as store:
        assert [n.id for n in store.nodes(NodeKind.MEMBER, ASK)] == ["m1"]
        # m2, not listed at ASK, is made from the file's JSON when asked at 2012.
        (m2,) = store.nodes(NodeKind.MEMBER, date(2012, 1, 1), ids=["m2"])
        assert m2.attrs["join_date"] == date(2005, 7, 1)


READS: dict[str, Callable[[EmbeddedStore], list[Node]]] = {
    "node": lambda s: [n for n in (s.node("b1", ASK), s.node("m04", ASK)) if n is not None],
    "nodes": lambda s: s.nodes(NodeKind.ORGANIZATION, ASK) + s.nodes(NodeKind.MEMBER, ASK),
    "nodes by id": lambda s: [
        *s.nodes(NodeKind.ORGANIZATION, ASK, ids=["b1"]),
        *s.nodes(NodeKind.MEMBER, ASK, ids=["m04"]),
    ],
    "node_versions": lambda s: [v for vs in s.node_versions(["b1", "m04"]).values() for v in vs],
    "all_nodes": lambda s: list(s.all_nodes()),
    "search": lambda s: s.search("夏都花园", ASK) + s.search("钱支", ASK),
    "hierarchy": lambda s: list(s.hierarchy(["b1"], ASK, [POST]).nodes.values()),
}


@pytest.mark.parametrize("read", list(READS))
def test_every_read_hands_out_dicts(city: EmbeddedStore, read: str) -> None:
    got = {n.id: n for n in READS[read](city)}
    # Each read above reaches b1 and m04 (the hierarchy: b1 asked, m04 its secretary).
    assert got["b1"] == B1 and got["m04"] == M04
    for node in got.values():
        assert type(node.attrs) is dict, node.id
    # Results holding nodes turn into JSON (a coverage gap holds its unit, for one).
    assert orjson.loads(orjson.dumps(jsonable(got["m04"])))["attrs"]["join_date"] == "2005-07-01"


def test_grouped_counts_read_the_attributes(city: EmbeddedStore) -> None:
    # Members at ASK: m01-m14, of whom m06 is probationary.
    assert city.count_nodes(NodeKind.MEMBER, ASK, "status") == {"full": 13, "probationary": 1}


def test_attributes_stored_as_text_are_read_too(path: Path) -> None:
    """An older writer left JSON text, not bytes: read the same."""
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO nodes VALUES ('m99', 'member', '文本', '2010-01-01', NULL, ?)",
            ('{"status": "full", "join_date": "2001-07-01"}',),
        )
        db.execute(
            "INSERT INTO links VALUES (?, 'member_of', 'm99', 'b1', '2010-01-01', NULL, '{}')",
            (link_id(MEM, "m99", "b1"),),
        )
    with EmbeddedStore(path) as store:
        node = store.node("m99", ASK)
        assert node is not None and node.attrs == {"status": "full", "join_date": date(2001, 7, 1)}
        assert [(x.source, x.attrs) for x in store.links(MEM, ASK, sources=["m99"])] == [
            ("m99", {})
        ]


# -- writes and refreshes over an index read from the file ---------------------------------
def test_a_write_after_opening_closes_a_version_read_from_the_file(path: Path) -> None:
    moved = date(2020, 1, 1)
    with EmbeddedStore(path) as store:
        # m04 gains a degree from 2020: the 2010 version closes, a new one opens.
        store.write(
            WriteBatch(nodes=(member("m04", "钱支", start=moved, education="postgraduate"),))
        )
        versions = store.node_versions(["m04"])["m04"]
        assert [(v.valid_from, v.valid_to, v.attrs["education"]) for v in versions] == [
            (D0, moved, "bachelor"),
            (moved, None, "postgraduate"),
        ]
        assert versions[0].attrs == M04.attrs  # the closed one keeps what the file held
    with EmbeddedStore(path) as again:  # and the file agrees
        assert [(v.valid_to, v.attrs) for v in again.node_versions(["m04"])["m04"]] == [
            (moved, M04.attrs),
            (None, {**M04.attrs, "education": "postgraduate"}),
        ]


def test_a_refresh_reads_another_connections_write(path: Path) -> None:
    moved = date(2020, 1, 1)
    with EmbeddedStore(path) as served, EmbeddedStore(path) as writer:
        assert served.node("m05", ASK) is not None
        # Another connection moves m05 from b1 to s1 and changes her status.
        writer.write(
            WriteBatch(
                nodes=(member("m05", "孙党员", start=moved, status="probationary"),),
                end_links=((link_id(MEM, "m05", "b1"), moved),),
                links=(link(MEM, "m05", "s1", start=moved),),
            )
        )
        assert served.refresh() is True
        later = date(2020, 6, 30)
        node = served.node("m05", later)
        assert node is not None and node.attrs["status"] == "probationary"
        assert [x.target for x in served.links(MEM, later, sources=["m05"])] == ["s1"]
        assert [x.target for x in served.links(MEM, ASK, sources=["m05"])] == ["b1"]
        # b1 had m04, m05, m06; s1 had m11, m12, m13: one moves across.
        assert served.count_links(MEM, later, targets=["b1", "s1"]) == {"b1": 2, "s1": 4}


# -- links: one DiGraph per kind, edge data {link id: versions} ----------------------------
def test_two_posts_between_the_same_ends_are_two_links(tmp_path: Path) -> None:
    file = tmp_path / "posts.db"
    secretary = link(POST, "m1", "b1", role="secretary", term_ends=date(2021, 1, 1))
    committee = link(POST, "m1", "b1", role="committee_member")
    with EmbeddedStore(file) as writer:
        writer.write(
            WriteBatch(
                nodes=(org("b1", "某支部", "grassroots", "branch"), member("m1", "甲")),
                links=(link(MEM, "m1", "b1"), secretary, committee),
            )
        )
    with EmbeddedStore(file) as store:
        # Both posts sit on the one edge m1 -> b1; each keeps its id, attributes and dates.
        edge = store._graphs[POST].edges["m1", "b1"]
        assert sorted(edge) == sorted([secretary.id, committee.id])
        by_role = {x.attrs["role"]: x for x in store.links(POST, ASK, sources=["m1"])}
        assert by_role == {"secretary": secretary, "committee_member": committee}
        assert len(store.links(POST, ASK, targets=["b1"])) == 2
        assert store.link_versions([committee.id]) == {committee.id: [committee]}
        assert sorted(x.id for x in store.links_touching(["b1"])) == sorted(
            [link_id(MEM, "m1", "b1"), secretary.id, committee.id]
        )
        # A link without attributes reads as an empty mapping (one shared by all of them).
        (membership,) = store.links(MEM, ASK, sources=["m1"])
        assert membership.attrs == {} and orjson.dumps(membership.attrs) == b"{}"


def test_a_link_that_ends_and_starts_again_keeps_both_versions(tmp_path: Path) -> None:
    file = tmp_path / "back.db"
    left, back = date(2015, 1, 1), date(2017, 1, 1)
    with EmbeddedStore(file) as writer:
        writer.write(
            WriteBatch(
                nodes=(
                    org("b1", "甲支部", "grassroots", "branch"),
                    org("b2", "乙支部", "grassroots", "branch"),
                    member("m1", "甲"),
                ),
                links=(
                    link(MEM, "m1", "b1", end=left),
                    link(MEM, "m1", "b2", start=left, end=back),
                ),
            )
        )
        writer.write(WriteBatch(links=(link(MEM, "m1", "b1", start=back),)))
    with EmbeddedStore(file) as store:
        # m1 is in b1 on [2010, 2015) and again from 2017; in b2 on [2015, 2017).
        key = link_id(MEM, "m1", "b1")
        versions = store.link_versions([key])[key]
        assert [(v.valid_from, v.valid_to) for v in versions] == [(D0, left), (back, None)]
        for day, where in ((date(2012, 1, 1), "b1"), (date(2016, 1, 1), "b2"), (ASK, "b1")):
            assert [x.target for x in store.links(MEM, day, sources=["m1"])] == [where]
            assert store.count_links(MEM, day, targets=["b1", "b2"]) == {where: 1}
        assert len(store.outgoing_versions(MEM, ["m1"])) == 3


def test_the_file_answers_as_the_writes_did(tmp_path: Path) -> None:
    """The same questions to the index the writes built and to the one read from the file
    (in id order: the index the writes built lists in the order they came)."""
    file = tmp_path / "same.db"
    with EmbeddedStore(file) as written:
        written.write(responsibility_city())
        with EmbeddedStore(file) as read:
            assert read.digest() == written.digest()
            for day in (date(2011, 6, 1), date(2016, 6, 1), ASK):
                for kind in NodeKind:
                    got = sorted(_without_none(n) for n in read.nodes(kind, day))
                    assert got == sorted(_without_none(n) for n in written.nodes(kind, day))
                for lk in LinkKind:
                    assert _ids(read.links(lk, day)) == _ids(written.links(lk, day))
                    around = ["b1", "s1", "630102"]
                    assert _ids(read.links(lk, day, targets=around)) == _ids(
                        written.links(lk, day, targets=around)
                    )
                assert read.subtree("630100", day) == written.subtree("630100", day)
                assert read.ancestors("b1", day) == written.ancestors("b1", day)


# -- how the records are made, and where the collector keeps them -------------------------
def test_the_loader_refuses_records_whose_fields_it_does_not_set() -> None:
    @dataclass(frozen=True, slots=True)
    class Grown:
        id: str
        extra: int = 0

    with pytest.raises(TypeError, match="the loader sets"):
        _slot_setters(Grown, ("id",))
    assert len(_slot_setters(Grown, ("id", "extra"))) == 2


def _in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation=generation))


def test_the_new_index_goes_to_the_oldest_generation(path: Path) -> None:
    gc.unfreeze()  # nothing frozen: a CLI command, a test
    with EmbeddedStore(path) as store:
        held = next(iter(store._links.values()))  # a link in a graph
        assert gc.get_freeze_count() == 0
        assert _in_generation(held, 2)  # not walked by the next two collections


def test_where_the_process_froze_its_objects_the_new_index_is_frozen_too(path: Path) -> None:
    freeze_long_lived()  # what ``serve`` does before it answers
    try:
        before = gc.get_freeze_count()
        with EmbeddedStore(path) as store:
            held = next(iter(store._links.values()))  # a link in a graph
            assert gc.get_freeze_count() > before
            assert not any(_in_generation(held, g) for g in range(3))
    finally:
        thaw_long_lived()


def test_new_indexes_and_kept_answers_never_count_the_frozen_objects(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``gc.get_freeze_count`` walks the permanent generation one object at a time: asked
    # at each kept answer, it made a server's analyses several times slower.
    def counted() -> int:
        raise AssertionError("the permanent generation was counted")

    monkeypatch.setattr(gc, "get_freeze_count", counted)
    freeze_long_lived()
    try:
        with EmbeddedStore(path) as store:
            when = date(2019, 6, 30)
            orgs = [n.id for n in store.nodes(NodeKind.ORGANIZATION, when)]
            wide = orgs * WIDE_READ  # enough ends for an answer kept for every end
            assert store.links(LinkKind.HOLDS_POST, when, targets=wide)
            assert store.links(LinkKind.MEMBER_OF, when, targets=wide)
    finally:
        thaw_long_lived()
