"""The embedded store's columns (``orggraph.store.columns``) beside the writes made since.

A store opened on a file answers from the columns read from it; what is written after
that answers from an overlay, the ids written since in their place among the file's. The
expected answers are worked out by hand from the few versions written here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orggraph.model import NodeKind, WriteBatch
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import D0, fact, member, org

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
