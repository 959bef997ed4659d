"""``read_state`` on both stores (the ``store`` fixture): a token that stays while reads
answer as before and moves with every write, or ``None`` (nothing promised).

The embedded store promises it (its count of the index's changes); so do two stores over
one file once the second has caught up with the first's write (``refresh``). Neo4j, whose
reads go to a server other processes write to, gives ``None`` (``GraphStore``'s default).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orggraph.model import Fact, LinkKind, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import link, member, tiny_city

D = date(2020, 1, 1)


def test_the_state_moves_with_each_write_and_only_then(store: GraphStore) -> None:
    store.write(tiny_city())
    first = store.read_state()
    if isinstance(store, EmbeddedStore):
        assert first is not None  # the embedded store keeps its promise
    if first is None:  # nothing promised: every read goes to the server
        assert store.read_state() is None
        return
    # Reads, wide and narrow, leave it as it is.
    store.nodes(NodeKind.ORGANIZATION, D)
    store.links(LinkKind.SUBORDINATE_TO, D, targets=["630102001"])
    store.subtree("630100", D)
    assert store.read_state() == first
    # A node, a link, a closing and a fact: each write a new token, none seen before.
    seen = [first]
    for batch in (
        WriteBatch(nodes=(member("m1", "张三"),)),
        WriteBatch(links=(link(LinkKind.MEMBER_OF, "m1", "b1"),)),
        WriteBatch(end_nodes=(("m1", date(2019, 1, 1)),)),
        WriteBatch(facts=(Fact(node_id="b1", year=2018, name="assessment", value="优秀"),)),
    ):
        store.write(batch)
        now = store.read_state()
        assert now is not None and now not in seen
        seen.append(now)
    # Writing what is already there changes nothing, and the token stays.
    store.write(WriteBatch(nodes=(member("m2", "李四"),)))
    again = store.read_state()
    store.write(WriteBatch(nodes=(member("m2", "李四"),)))
    assert store.read_state() == again


def test_a_second_store_moves_when_it_catches_up(tmp_path: Path) -> None:
    path = tmp_path / "two.db"
    with EmbeddedStore(path) as one, EmbeddedStore(path) as two:
        one.write(tiny_city())
        two.refresh()
        before = two.read_state()
        assert before is not None
        one.write(WriteBatch(nodes=(member("m1", "张三"),)))
        # Until it catches up, the second store answers as before, under the same token.
        assert two.read_state() == before
        assert two.node("m1", D) is None
        assert two.refresh()
        assert two.read_state() not in (None, before)
        assert two.node("m1", D) is not None
