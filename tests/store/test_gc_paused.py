"""``gc_paused``: blocks nest and overlap across threads; the collector resumes when the
last one closes, and only if it ran before the first opened."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from orggraph.store.base import gc_paused


@pytest.fixture(autouse=True)
def collector_running() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_overlapping_blocks_in_two_threads_resume_after_the_last() -> None:
    # A opens, B opens, A closes (B still open: paused), B closes (running again).
    a_open, b_open, a_closed = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with gc_paused():
            a_open.set()
            assert b_open.wait(5)
        a_closed.set()

    def second() -> None:
        assert a_open.wait(5)
        with gc_paused():
            b_open.set()
            assert a_closed.wait(5)
            seen["after A closed"] = gc.isenabled()
        seen["after B closed"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"after A closed": False, "after B closed": True}


def test_nested_blocks_and_an_error_resume_once_outside() -> None:
    with pytest.raises(RuntimeError), gc_paused(), gc_paused():
        raise RuntimeError("inner")
    assert gc.isenabled()
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_off_before_stays_off() -> None:
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
