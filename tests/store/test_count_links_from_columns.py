"""``count_links_from`` on the embedded store's columns: the file's memberships and each
member's attributes as numbers, the writes since the store was opened read record by record.

Worked out by hand on ``tiny_city`` with five members (all from 2010-01-01 unless said),
written, then the store closed and opened again so that they are read as columns:

- m1 full, in b1, 回族;
- m2 probationary, in b1;
- m3 full, in b1 until 2018-01-01 (the membership ends);
- m4 full until 2015-01-01, then probationary (a new version), in b2 from 2012-01-01;
- m5 full until 2013-01-01 (the member ends, and its membership), in b1.

Then, after opening: m2 becomes full from 2017-01-01 (a new version of a node of the
file), m1's membership ends on 2017-01-01 (a link of the file closed), and m6 (a new node,
full) joins b2 from 2016-01-01 (a new link).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from orggraph.model import LinkKind, WriteBatch, link_id
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import link, member, tiny_city

D = date
MEM = LinkKind.MEMBER_OF
FULL = {"status": "full"}
TARGETS = ["b1", "b2", "630102", "nowhere"]


def _open(tmp_path: Path) -> EmbeddedStore:
    path = tmp_path / "columns.db"
    with EmbeddedStore(path) as store:
        store.write(tiny_city())
        store.write(
            WriteBatch(
                nodes=(
                    member("m1", "张三", ethnicity="回族"),
                    member("m2", "李四", status="probationary"),
                    member("m3", "王五"),
                    member("m4", "赵六"),
                    member("m5", "钱七", end=D(2013, 1, 1)),
                ),
                links=(
                    link(MEM, "m1", "b1"),
                    link(MEM, "m2", "b1"),
                    link(MEM, "m3", "b1", end=D(2018, 1, 1)),
                    link(MEM, "m4", "b2", start=D(2012, 1, 1)),
                    link(MEM, "m5", "b1", end=D(2013, 1, 1)),
                ),
            )
        )
        store.write(
            WriteBatch(nodes=(member("m4", "赵六", status="probationary", start=D(2015, 1, 1)),))
        )
    return EmbeddedStore(path, index_snapshot=False)


def _counts(store: GraphStore, day: date, where: Mapping[str, object]) -> dict[str, int]:
    return store.count_links_from(MEM, day, targets=TARGETS, where=where)


def test_the_files_memberships_are_counted_by_their_members_version(tmp_path: Path) -> None:
    with _open(tmp_path) as store:
        # 2012-06-30: b1 has m1, m3, m5 full (m2 probationary); b2 has m4, full.
        assert _counts(store, D(2012, 6, 30), FULL) == {"b1": 3, "b2": 1}
        # 2014: m5 and its membership have ended; m4 still full.
        assert _counts(store, D(2014, 1, 1), FULL) == {"b1": 2, "b2": 1}
        # 2016: m4's version of the day is probationary; b2 counts none.
        assert _counts(store, D(2016, 1, 1), FULL) == {"b1": 2}
        assert _counts(store, D(2016, 1, 1), {"status": "probationary"}) == {"b1": 1, "b2": 1}
        # 2019: m3's membership ended in 2018.
        assert _counts(store, D(2019, 1, 1), FULL) == {"b1": 1}
        # Two attributes: only m1 is 回族; a value no member holds counts none.
        assert _counts(store, D(2016, 1, 1), {"ethnicity": "回族", "status": "full"}) == {"b1": 1}
        assert _counts(store, D(2016, 1, 1), {"status": "expelled"}) == {}
        # Before any member: nothing.
        assert _counts(store, D(2009, 1, 1), FULL) == {}


def test_writes_since_opening_are_counted_with_the_files(tmp_path: Path) -> None:
    with _open(tmp_path) as store:
        assert _counts(store, D(2017, 6, 30), FULL) == {"b1": 2}  # m1, m3; kept for the date
        store.write(
            WriteBatch(
                nodes=(
                    member("m2", "李四", start=D(2017, 1, 1)),
                    member("m6", "孙八", start=D(2016, 1, 1)),
                ),
                links=(link(MEM, "m6", "b2", start=D(2016, 1, 1)),),
                end_links=((link_id(MEM, "m1", "b1"), D(2017, 1, 1)),),
            )
        )
        # 2017-06-30: b1 has m2 (full now) and m3 (m1 has left); b2 has m6 (m4 probationary).
        assert _counts(store, D(2017, 6, 30), FULL) == {"b1": 2, "b2": 1}
        # 2016-06-30: m1 and m3 in b1 (m2 still probationary); m6 in b2.
        assert _counts(store, D(2016, 6, 30), FULL) == {"b1": 2, "b2": 1}
        # 2019: m3 has left too; m2 alone in b1.
        assert _counts(store, D(2019, 1, 1), FULL) == {"b1": 1, "b2": 1}
        assert _counts(store, D(2019, 1, 1), {"status": "probationary"}) == {"b2": 1}
