"""What an analysis works out from a store's reads, kept for the store's state.

A store that promises a state for its reads (``GraphStore.read_state``: a token that
stays while every read answers as before) lets an analysis keep what it worked out at a
date (coverage's unit table, the weak branches' judgement) until the next write.
``KeptByState`` holds such values by store (weakly: a closed store's go with it) and by
key, each with the state it was made at; a value is served only at that state, and kept
only when no write began or ended while it was made (the state is the same after as
before).
"""

from __future__ import annotations

__all__ = ["KeptByState"]

import threading
import weakref
from collections.abc import Hashable
from typing import Any, ClassVar, Generic, TypeVar

from orggraph.store.base import GraphStore

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class KeptByState(Generic[K, V]):
    """Values by store and key, each kept for the store's state it was made at; at most
    ``most`` keys a store (the oldest go first), none of an older state."""

    #: Every one made, for ``clear_all``.
    _every: ClassVar[weakref.WeakSet[KeptByState[Any, Any]]] = weakref.WeakSet()

    def __init__(self, most: int) -> None:
        self.most = most
        self._kept: weakref.WeakKeyDictionary[GraphStore, dict[K, tuple[Hashable, V]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()
        KeptByState._every.add(self)

    def get(self, store: GraphStore, key: K, state: Hashable | None) -> V | None:
        """The value kept for ``key`` at ``state`` (the store's ``read_state`` now)."""
        if state is None:
            return None
        with self._lock:
            found = self._kept.get(store, {}).get(key)
        return found[1] if found is not None and found[0] == state else None

    def put(self, store: GraphStore, key: K, state: Hashable | None, value: V) -> None:
        """Keep ``value``, made from reads that began at ``state``, if the store is still
        at it (no write began or ended meanwhile)."""
        if state is None or store.read_state() != state:
            return
        with self._lock:
            kept = self._kept.setdefault(store, {})
            for old in [k for k, (s, _) in kept.items() if k == key or s != state]:
                del kept[old]
            while len(kept) >= self.most:
                del kept[next(iter(kept))]
            kept[key] = (state, value)

    def clear(self) -> None:
        """Forget every value (a measurement of the work they save)."""
        with self._lock:
            self._kept.clear()

    @classmethod
    def clear_all(cls) -> None:
        """Forget what every analysis keeps: the next call of each costs what the first
        after a write does (the bench's "first call" rows)."""
        for kept in list(cls._every):
            kept.clear()
