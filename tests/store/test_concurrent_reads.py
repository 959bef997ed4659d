"""Reads from several threads while writes change the embedded store's index in place.

The API answers each request on a worker thread, so reads overlap each other and the
writes. A write changes the index's dicts after its commit; a read that iterates one of
them meanwhile (every link of a kind, an organization's children) must neither fail
("dictionary changed size during iteration") nor hand out half of a write.

The graph is worked out by hand: one committee ``c`` with ``START`` branches; a writer
adds ``ADDED`` more, one write each, every branch with its secretary in the same write.
Whatever one read sees, then, each new branch it sees has both its links (to ``c`` and its
secretary's) or neither; and since writes only add, what one read saw a later read sees
too: the number of branches grows from ``START`` to ``START + ADDED``.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from orggraph.model import LinkKind, NodeKind, WriteBatch
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import fact, link, member, org

SUB, POST = LinkKind.SUBORDINATE_TO, LinkKind.HOLDS_POST
START, ADDED, READERS = 50, 150, 3
DAY = date(2020, 6, 30)
NEW = [f"b{i:03d}" for i in range(START, START + ADDED)]


def _branch(i: int) -> tuple[list, list]:  # type: ignore[type-arg]
    nodes = [org(f"b{i:03d}", f"第{i}党支部", "grassroots", "branch"), member(f"s{i:03d}", "书记")]
    links = [link(SUB, f"b{i:03d}", "c"), link(POST, f"s{i:03d}", f"b{i:03d}", role="secretary")]
    return nodes, links


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    nodes, links = [org("c", "城关区委", "county")], []
    for i in range(START):
        more_nodes, more_links = _branch(i)
        nodes += more_nodes
        links += more_links
    s = EmbeddedStore(tmp_path / "threads.db")
    s.write(WriteBatch(nodes=tuple(nodes), links=tuple(links)))
    yield s
    s.close()


@pytest.fixture
def busy_threads() -> Iterator[None]:
    """Threads switch every 10 µs instead of 5 ms: overlaps become the rule."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


def test_reads_overlapping_writes_see_whole_writes(
    store: EmbeddedStore, busy_threads: None
) -> None:
    failures: list[BaseException] = []
    seen_counts: list[list[int]] = [[] for _ in range(READERS)]
    writing = threading.Event()
    writing.set()

    def read(slot: int) -> None:
        try:
            while writing.is_set():
                # Writes only add: what one read saw, a later read sees too.
                posts = store.links(POST, DAY)  # every link of the kind: a whole walk
                branches = store.children("c", DAY)
                subordinate = store.links(SUB, DAY)
                under_c = {x.source for x in subordinate if x.target == "c"}
                assert {x.target for x in posts} <= set(branches) <= under_c
                assert len(branches) == len(set(branches))
                # One read sees whole writes: each new branch has both its links or none.
                touching = store.links_touching(NEW)
                ends = [x.source if x.kind is SUB else x.target for x in touching]
                assert all(ends.count(b) == 2 for b in set(ends)), "half of a write"
                assert len(store.nodes(NodeKind.MEMBER, DAY)) >= len(posts)
                seen_counts[slot].append(len(branches))
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=read, args=(slot,)) for slot in range(READERS)]
    for thread in threads:
        thread.start()
    try:
        for i in range(START, START + ADDED):
            nodes, links = _branch(i)
            store.write(WriteBatch(nodes=tuple(nodes), links=tuple(links)))
    finally:
        writing.clear()
        for thread in threads:
            thread.join(timeout=60)
    assert not failures, failures[0]
    for counts in seen_counts:
        assert counts, "every reader read at least once"
        assert counts == sorted(counts), "a later read saw fewer branches than an earlier one"
        assert counts[0] >= START and counts[-1] <= START + ADDED
    assert len(store.children("c", DAY)) == START + ADDED


def test_a_whole_copy_during_writes_is_one_state_of_the_index(
    store: EmbeddedStore, busy_threads: None
) -> None:
    """``all_links`` (backups, sync, digests) walks a copy taken at one moment."""
    done = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(START, START + ADDED):
                nodes, links = _branch(i)
                store.write(WriteBatch(nodes=tuple(nodes), links=tuple(links)))
        except BaseException as exc:
            failures.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    copies = 0
    while not done.is_set() or copies == 0:
        links = list(store.all_links())
        under_c = {x.source for x in links if x.kind is SUB}
        posts = {x.target for x in links if x.kind is POST}
        assert posts == under_c
        copies += 1
    writer.join(timeout=60)
    assert not failures, failures[0]


def test_reads_under_the_lock_beside_writes_of_facts_never_deadlock(
    store: EmbeddedStore, busy_threads: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every read takes the index lock (no optimistic try), while writes add yearly facts
    through this store and through another connection to the same file (which makes this
    store rebuild its index, and read its facts anew, at the next ``refresh``). The locks
    are taken in one order (the file's, the index's, the facts'): nothing waits forever."""
    import orggraph.store.embedded as embedded

    monkeypatch.setattr(embedded, "READ_TRIES", 0)
    other = EmbeddedStore(tmp_path / "threads.db")
    failures: list[BaseException] = []
    stop = threading.Event()
    grades: list[int] = []

    def read() -> None:
        try:
            while not stop.is_set():
                found = store.facts(["b000"], 2019)
                if found:
                    grades.append(int(found["b000"]["score"]))
                store.children("c", DAY)
        except BaseException as exc:
            failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(READERS)]
    for thread in readers:
        thread.start()
    try:
        for i in range(60):
            writer = store if i % 2 == 0 else other
            writer.write(WriteBatch(facts=(fact("b000", 2019, "score", i),)))
            store.refresh()
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in readers), "a reader is stuck on a lock"
    assert not failures, failures[0]
    assert store.facts(["b000"], 2019) == {"b000": {"score": 59}}
    assert grades, "the readers saw the facts"
    other.close()
