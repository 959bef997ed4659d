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
rather than letting requests pile up without end. A request waits on a worker thread,
and the threads are shared with every quick request (40 of them): so at most
``MAX_WAITING`` wait at once, and the next heavy one is refused at once.

A job (``orggraph.api.jobs``) takes the same turns, but queues for its turn on its own
thread for as long as it takes (``queue``), until it is cancelled: nobody waits on the
answer, and the jobs waiting are few (setting ``jobs_at_once``).

With a ``pool`` (``orggraph.api.heavy``, setting ``heavy_processes``) the turn's work runs
in a child process: the turn still decides what runs when, the child does the running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from orggraph.errors import Busy, Cancelled

if TYPE_CHECKING:
    from orggraph.api.heavy import HeavyPool

__all__ = ["HEAVY_COST", "HeavyLane"]

#: An operation whose analyses read more than this is heavy: about half the demo city
#: (one district's gaps take 0.14 s, the city's 0.5 s).
HEAVY_COST = 50_000
#: Heavy requests that may wait for a turn at once, each holding a worker thread: with 45
#: waiting, the thread pool's 40 were all taken and /healthz waited 2.8 s for one.
MAX_WAITING = 8
#: How often a queued job looks whether it was cancelled, in seconds.
QUEUE_POLL_SECONDS = 0.2


class HeavyLane:
    """At most ``at_once`` heavy operations at a time in this process."""

    def __init__(
        self,
        at_once: int,
        wait_seconds: float,
        max_waiting: int = MAX_WAITING,
        pool: HeavyPool | None = None,
    ) -> None:
        self.at_once = at_once
        #: The child processes that run the work of a turn (``None``: this process does).
        self.pool = pool
        self.wait_seconds = wait_seconds
        self.max_waiting = max_waiting
        self._slots = threading.BoundedSemaphore(at_once)
        self._waiting = 0
        self._count = threading.Lock()

    @property
    def waiting(self) -> int:
        """Heavy requests waiting for a turn now."""
        return self._waiting

    @contextmanager
    def turn(self, what: str) -> Iterator[None]:
        """Wait (on a worker thread, never the event loop) for a turn, run, give it back."""
        if not self._slots.acquire(blocking=False):
            with self._count:
                queue_full = self._waiting >= self.max_waiting
                self._waiting += not queue_full
            if queue_full:
                raise self._busy(what, f"{self.max_waiting} more are waiting already")
            try:
                got = self._slots.acquire(timeout=self.wait_seconds)
            finally:
                with self._count:
                    self._waiting -= 1
            if not got:
                raise self._busy(what, f"it could not start within {self.wait_seconds:g} s")
        try:
            yield
        finally:
            self._slots.release()

    @contextmanager
    def queue(self, what: str, cancelled: Callable[[], bool]) -> Iterator[None]:
        """Wait for a turn without a time limit (a job, on its own thread), run, give it
        back; raise ``Cancelled`` if ``cancelled()`` turns true while waiting."""
        while not self._slots.acquire(timeout=QUEUE_POLL_SECONDS):
            if cancelled():
                raise Cancelled(f"{what} was cancelled while it waited for its turn")
        try:
            yield
        finally:
            self._slots.release()

    def _busy(self, what: str, why: str) -> Busy:
        return Busy(
            f"服务器正忙 the server is busy with other heavy work ({self.at_once} at a time) "
            f"and {why}: {what} was not started; try again shortly, or narrow the question "
            "(a smaller scope)"
        )
