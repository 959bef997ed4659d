"""Heavy work a few at a time, so that quick questions keep their pace.

A process runs one thread's Python at a time (the GIL): four city-wide exports on four
threads do not finish sooner than one after another, but every quick request beside
them waits for the GIL behind all four. ``HeavyLane`` lets ``at_once`` heavy operations
run (setting ``heavy_at_once``); the others wait their turn asleep, which costs the
quick requests nothing. Exports are heavy, and so is a GraphQL operation whose analyses
read more than ``HEAVY_COST`` (``orggraph.api.budget``: organizations, members and units
in their scopes; the city is about 98,000).

A heavy request that waits longer than ``wait_seconds`` for its turn is refused with
``BUSY`` (HTTP 503 with ``Retry-After``): a server that is only ever behind says so
rather than letting requests pile up without end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from orggraph.errors import Busy

__all__ = ["HEAVY_COST", "HeavyLane"]

#: An operation whose analyses read more than this is heavy: about half the demo city
#: (one district's gaps take 0.14 s, the city's 0.5 s).
HEAVY_COST = 50_000


class HeavyLane:
    """At most ``at_once`` heavy operations at a time in this process."""

    def __init__(self, at_once: int, wait_seconds: float) -> None:
        self.at_once = at_once
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(at_once)

    @contextmanager
    def turn(self, what: str) -> Iterator[None]:
        """Wait (on a worker thread, never the event loop) for a turn, run, give it back."""
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise Busy(
                f"服务器正忙 the server is busy with other heavy work ({self.at_once} at a "
                f"time) and could not start {what} within {self.wait_seconds:g} s; "
                "try again shortly, or narrow the question (a smaller scope)"
            )
        try:
            yield
        finally:
            self._slots.release()
