"""What a schema keeps across requests: plans, validation results, costs; bounded, its own.

The executor's plans and the validation and cost memos are found by the identity of a
parsed document (strawberry's parser cache hands out the same one for the same text) and
hold the document, and a plan holds the schema's types and resolvers. Kept at module
level they kept every schema ever built alive (``api/local.py`` built one per call: 50
saved-query exports held 51 schemas, about 50 MB). Here they live on the schema itself
(``GraphQLSchema.extensions``, graphql-core's place for a schema's own data), so they go
with it, and each is bounded twice: in entries and in the characters of the documents it
holds (a plan or a validation result grows with its document's text, so the text is the
measure of what an entry keeps).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import GraphQLSchema, Node

__all__ = ["KEPT_CHARS", "KEPT_ENTRIES", "Kept", "SchemaCaches", "caches_of", "source_chars"]

K = TypeVar("K")
V = TypeVar("V")

#: Entries each cache keeps, most recently used last (as many as strawberry keeps parsed
#: documents).
KEPT_ENTRIES = 512
#: Characters of document text each cache's entries may hold together: 512 saved queries
#: of 2 KB, or 40 documents at the token limit.
KEPT_CHARS = 1_000_000

_KEY = "orggraph.caches"


def source_chars(node: Node | None) -> int:
    """The length of the text ``node`` was parsed from (0 when not known)."""
    loc = getattr(node, "loc", None)
    return len(loc.source.body) if loc is not None else 0


class Kept(OrderedDict[K, V]):
    """A least-recently-used map bounded in entries and in the weight of its values.

    ``weigh`` measures a value (the characters of the document it holds); the total is
    summed again on each insertion (at most ``entries`` values, on a miss only), so that
    it stays right whatever else changes the map.
    """

    def __init__(
        self,
        weigh: Callable[[V], int] = lambda _value: 0,
        *,
        entries: int = KEPT_ENTRIES,
        weight: int = KEPT_CHARS,
    ) -> None:
        super().__init__()
        self.weigh = weigh
        self.entries = entries
        self.weight = weight
        # Queries run on worker threads: a look-up moves its entry while another thread
        # may be letting it go.
        self._lock = threading.Lock()

    def found(self, key: K) -> V | None:
        """The value kept under ``key`` (moved to the most recent), or ``None``."""
        with self._lock:
            value = self.get(key)
            if value is not None:
                self.move_to_end(key)
            return value

    def keep(self, key: K, value: V) -> None:
        """Keep ``value``; the least recently used go while either bound is passed."""
        with self._lock:
            self[key] = value
            self.move_to_end(key)
            while len(self) > self.entries:
                self.popitem(last=False)
            weigh = self.weigh
            total = sum(weigh(v) for v in self.values())
            while total > self.weight and len(self) > 1:
                _key, gone = self.popitem(last=False)
                total -= weigh(gone)

    def copy(self) -> Kept[K, V]:
        kept: Kept[K, V] = Kept(self.weigh, entries=self.entries, weight=self.weight)
        kept.update(self)
        return kept


def _first_chars(value: tuple[Any, ...]) -> int:
    return source_chars(value[0])


@dataclass(eq=False, slots=True)
class SchemaCaches:
    """One schema's caches: each value's first item is the document (or operation) whose
    identity its key holds, kept so that the identity is not reused while it lives."""

    plans: Kept[tuple[Any, ...], tuple[Any, ...]] = field(
        default_factory=lambda: Kept(_first_chars)
    )
    switches: Kept[int, tuple[Any, ...]] = field(default_factory=lambda: Kept(_first_chars))
    validated: Kept[tuple[Any, ...], tuple[Any, ...]] = field(
        default_factory=lambda: Kept(_first_chars)
    )
    costs: Kept[tuple[Any, ...], tuple[Any, ...]] = field(
        default_factory=lambda: Kept(_first_chars)
    )

    def sizes(self) -> dict[str, int]:
        """Entries in each cache (for the tests and the logs)."""
        return {
            "plans": len(self.plans),
            "switches": len(self.switches),
            "validated": len(self.validated),
            "costs": len(self.costs),
        }


def caches_of(schema: GraphQLSchema) -> SchemaCaches:
    """The caches of ``schema`` (made on first use; ``setdefault`` is atomic, so two
    threads asking at once get the same)."""
    caches = schema.extensions.get(_KEY)
    if caches is None:
        caches = schema.extensions.setdefault(_KEY, SchemaCaches())
    assert isinstance(caches, SchemaCaches)
    return caches
