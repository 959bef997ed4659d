"""How a copy writes its batches: one after another, or a few at once (``sync._written``)."""

from __future__ import annotations

import threading
import time

import pytest

from orggraph.store.sync import _written


def test_one_at_a_time_writes_in_order_and_counts_as_it_goes() -> None:
    seen: list[list[int]] = []

    def write(batch: list[int]) -> int:
        seen.append(batch)
        return len(batch)

    counts = list(_written(write, iter([[1, 2], [3, 4], [5]]), 1))
    assert counts == [2, 4, 5]
    assert seen == [[1, 2], [3, 4], [5]]


def test_two_at_once_write_side_by_side_and_never_more() -> None:
    # The first two batches wait for each other: written one after another, they would
    # time out. A third never runs beside them.
    meet = threading.Barrier(2, timeout=10)
    lock = threading.Lock()
    running = 0
    most = 0

    def write(batch: list[int]) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        if batch[0] < 2:
            meet.wait()
        time.sleep(0.01)
        with lock:
            running -= 1
        return len(batch)

    counts = list(_written(write, iter([[i, i] for i in range(6)]), 2))
    assert most == 2
    assert len(counts) == 6 and counts[-1] == 12
    assert counts == sorted(counts) and all(c % 2 == 0 for c in counts)


def test_the_first_error_stops_the_copy_and_is_raised() -> None:
    begun: list[int] = []

    def write(batch: list[int]) -> int:
        begun.append(batch[0])
        if batch[0] == 2:
            raise RuntimeError("batch 2 refused")
        time.sleep(0.01)
        return len(batch)

    with pytest.raises(RuntimeError, match="batch 2 refused"):
        for _ in _written(write, iter([[i] for i in range(10)]), 2):
            pass
    # Batch 2 can only start once batch 0 or 1 is written; its error is seen before a
    # batch after 3 is handed out (at most two are in hand at once).
    assert set(begun) <= {0, 1, 2, 3} and 2 in begun
