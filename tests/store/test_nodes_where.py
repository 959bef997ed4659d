"""``nodes_where`` on both stores (the ``store`` fixture), and on the embedded store's
columns after it is opened again, with writes since; worked out by hand.

``tiny_city`` (b1 from 2010, b2 from 2012, both grassroots) with five members, all from
2010-01-01 and full unless said:

- m1 a leader;
- m2 not a leader, 回族;
- m3 a leader until 2015-01-01, then (a new version) not;
- m4 probationary, not a leader until 2016-01-01, then a leader;
- m5 a leader, until 2013-01-01 (the member ends).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from orggraph.model import NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import member, tiny_city

D = date
MEMBER = NodeKind.MEMBER
LEADER = {"is_leader": True}


def _write(store: GraphStore) -> None:
    store.write(tiny_city())
    store.write(
        WriteBatch(
            nodes=(
                member("m1", "张三", leader=True),
                member("m2", "李四", ethnicity="回族"),
                member("m3", "王五", leader=True),
                member("m4", "赵六", status="probationary"),
                member("m5", "钱七", leader=True, end=D(2013, 1, 1)),
            )
        )
    )
    store.write(
        WriteBatch(
            nodes=(
                member("m3", "王五", start=D(2015, 1, 1)),
                member("m4", "赵六", status="probationary", leader=True, start=D(2016, 1, 1)),
            )
        )
    )


def _ids(
    store: GraphStore, day: date, where: Mapping[str, object], kind: NodeKind = MEMBER
) -> list[str]:
    return [n.id for n in store.nodes_where(kind, day, where)]


def _check(store: GraphStore) -> None:
    assert _ids(store, D(2012, 6, 30), LEADER) == ["m1", "m3", "m5"]
    assert _ids(store, D(2014, 1, 1), LEADER) == ["m1", "m3"]  # m5 has ended
    assert _ids(store, D(2017, 1, 1), LEADER) == ["m1", "m4"]  # m3 stepped down, m4 up
    assert _ids(store, D(2017, 1, 1), {"is_leader": False}) == ["m2", "m3"]
    assert _ids(store, D(2017, 1, 1), {"is_leader": True, "status": "probationary"}) == ["m4"]
    assert _ids(store, D(2017, 1, 1), {"status": "expelled"}) == []
    # Not a facet of the Neo4j store: read and compared there instead. Only m2 is 回族.
    assert _ids(store, D(2017, 1, 1), {"ethnicity": "回族"}) == ["m2"]
    # Another kind: the grassroots organizations; b2 is founded in 2012.
    grassroots = {"level": "grassroots"}
    assert _ids(store, D(2011, 6, 1), grassroots, NodeKind.ORGANIZATION) == ["b1"]
    assert _ids(store, D(2020, 1, 1), grassroots, NodeKind.ORGANIZATION) == ["b1", "b2"]
    # The records are the versions of the date, as ``nodes`` gives them.
    (m4,) = store.nodes_where(MEMBER, D(2017, 1, 1), {"status": "probationary"})
    assert (m4.valid_from, m4.get("is_leader")) == (D(2016, 1, 1), True)


def test_nodes_are_picked_by_their_versions_attributes(store: GraphStore) -> None:
    _write(store)
    _check(store)


def test_the_embedded_columns_and_the_writes_since_opening(tmp_path: Path) -> None:
    path = tmp_path / "where.db"
    with EmbeddedStore(path) as store:
        _write(store)
    with EmbeddedStore(path, index_snapshot=False) as store:
        _check(store)  # read from the columns
        store.write(
            WriteBatch(
                nodes=(
                    member("m2", "李四", leader=True, ethnicity="回族", start=D(2018, 1, 1)),
                    member("m6", "孙八", leader=True, start=D(2018, 1, 1)),
                )
            )
        )
        # m2 (a node of the file, a new version) and m6 (new) lead from 2018, in id order.
        assert _ids(store, D(2019, 1, 1), LEADER) == ["m1", "m2", "m4", "m6"]
        assert _ids(store, D(2017, 1, 1), LEADER) == ["m1", "m4"]
        assert _ids(store, D(2019, 1, 1), {"is_leader": False}) == ["m3"]
