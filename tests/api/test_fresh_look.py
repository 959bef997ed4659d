"""``FreshIndex`` looks for other processes' commits on the event loop when that cannot
wait, and hops to a thread for ``refresh`` only when something was committed (or the
file's lock is held): one thread hop fewer per request. Counted, not timed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orggraph.model import WriteBatch
from orggraph.store.embedded import EmbeddedStore
from tests.api.conftest import Api, held_a_while
from tests.graphs import org, tiny_city

QUERY = '{ organization(id: "630104", asOf: "2020-01-01") { name } }'


class Counted:
    """``store.refresh`` with a count of its calls."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.calls = 0
        self.refresh = store.refresh
        store.refresh = self  # type: ignore[method-assign]

    def __call__(self) -> bool:
        self.calls += 1
        return self.refresh()


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[EmbeddedStore, EmbeddedStore]]:
    path = tmp_path / "shared.db"
    with EmbeddedStore(path) as writer:
        writer.write(tiny_city())
    served, other = EmbeddedStore(path), EmbeddedStore(path)
    yield served, other
    served.close()
    other.close()


def test_nothing_committed_elsewhere_needs_no_refresh(
    two: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    served, other = two
    refresh = Counted(served)
    api = Api(served)
    assert api.data(QUERY) == {"organization": None}
    assert api.data(QUERY) == {"organization": None}
    assert refresh.calls == 0
    # Another process's write of the graph: the next request refreshes, and sees it.
    other.write(WriteBatch(nodes=(org("630104", "城西区委", "county"),)))
    assert api.data(QUERY) == {"organization": {"name": "城西区委"}}
    assert refresh.calls == 1 and served.catch_ups == 1 and served.index_loads == 1
    # Another process's audit record: one refresh that only notes it, then none.
    other.record_audit("analyst", "export", {"rows": 1})
    api.data(QUERY)
    api.data(QUERY)
    assert refresh.calls == 2 and served.catch_ups == 1 and served.index_loads == 1


def test_a_held_file_lock_sends_the_look_to_a_thread(
    two: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    served, _ = two
    refresh = Counted(served)
    api = Api(served)
    # The look cannot take the lock without waiting: the refresh waits on a thread.
    with held_a_while(served._db_lock):
        assert api.data(QUERY) == {"organization": None}
    assert refresh.calls == 1 and served.index_loads == 1
