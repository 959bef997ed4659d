"""``KeptByState`` over a real embedded store: served at the state it was made at only,
kept only when no write came between, at most ``most`` keys a store."""

from __future__ import annotations

from pathlib import Path

from orggraph.analysis.kept import KeptByState
from orggraph.model import WriteBatch
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import member, tiny_city


def test_a_value_is_served_at_its_state_only(tmp_path: Path) -> None:
    kept: KeptByState[str, int] = KeptByState(most=2)
    with EmbeddedStore(tmp_path / "a.db") as store, EmbeddedStore(tmp_path / "b.db") as other:
        store.write(tiny_city())
        state = store.read_state()
        kept.put(store, "x", state, 1)
        assert kept.get(store, "x", state) == 1
        assert kept.get(other, "x", other.read_state()) is None  # another store's: none
        # A write: a new state, and the old value is not served at it.
        store.write(WriteBatch(nodes=(member("m1", "张三"),)))
        now = store.read_state()
        assert kept.get(store, "x", now) is None
        # Made from reads at the old state, a value is not kept (a write came between).
        kept.put(store, "y", state, 2)
        assert kept.get(store, "y", now) is None and kept.get(store, "y", state) is None
        # At most two keys: the oldest goes; and None (no state) keeps nothing.
        for key, value in (("a", 1), ("b", 2), ("c", 3)):
            kept.put(store, key, now, value)
        assert [kept.get(store, k, now) for k in "abc"] == [None, 2, 3]
        kept.put(store, "d", None, 4)
        assert kept.get(store, "d", None) is None
        kept.clear()
        assert kept.get(store, "c", now) is None


def test_clear_all_forgets_what_every_one_keeps(tmp_path: Path) -> None:
    first: KeptByState[str, int] = KeptByState(most=2)
    second: KeptByState[str, int] = KeptByState(most=2)
    with EmbeddedStore(tmp_path / "a.db") as store:
        store.write(tiny_city())
        state = store.read_state()
        first.put(store, "x", state, 1)
        second.put(store, "y", state, 2)
        assert (first.get(store, "x", state), second.get(store, "y", state)) == (1, 2)
        KeptByState.clear_all()
        assert (first.get(store, "x", state), second.get(store, "y", state)) == (None, None)
