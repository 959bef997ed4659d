"""An API process sees what another process committed, and keeps its index frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from orggraph.model import WriteBatch
from orggraph.store import journal
from orggraph.store.base import freeze_long_lived, thaw_long_lived
from orggraph.store.embedded import EmbeddedStore
from tests.api.conftest import Api
from tests.graphs import org, tiny_city

QUERY = '{ organization(id: "630104", asOf: "2020-01-01") { name } }'


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[EmbeddedStore, EmbeddedStore]]:
    """Two stores on one file, as two processes would have: the API's and a writer's."""
    path = tmp_path / "shared.db"
    served, writer = EmbeddedStore(path), EmbeddedStore(path)
    writer.write(tiny_city())
    yield served, writer
    served.close()
    writer.close()


def _write_new_committee(writer: EmbeddedStore) -> None:
    # 630104 城西区委 is not in tiny_city: it appears only through the other connection.
    writer.write(WriteBatch(nodes=(org("630104", "城西区委", "county"),)))


def test_refresh_rebuilds_only_after_another_connection_commits(
    two: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    served, writer = two
    assert served.refresh() is True  # tiny_city came through the writer after opening
    assert served.refresh() is False  # nothing new since
    _write_new_committee(writer)
    assert served.refresh() is True
    assert served.refresh() is False


def test_a_rebuilt_index_is_frozen_when_the_server_froze_the_first(
    two: tuple[EmbeddedStore, EmbeddedStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    served, writer = two
    api = Api(served)
    # A write that journals no keys (as one of more than ``MAX_KEYS`` rows): the other
    # store reads the file whole, not only what the write touched.
    monkeypatch.setattr(journal, "MAX_KEYS", 0)
    freeze_long_lived()  # what ``serve`` does before it answers
    try:
        before = gc.get_freeze_count()
        _write_new_committee(writer)
        # The request sees the other process's write, and the index rebuilt for it is
        # frozen with the rest (more objects in the permanent generation than before).
        assert api.data(QUERY) == {"organization": {"name": "城西区委"}}
        assert gc.get_freeze_count() > before
    finally:
        thaw_long_lived()


def test_without_a_frozen_server_nothing_is_frozen(
    two: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    served, writer = two
    api = Api(served)
    gc.unfreeze()
    _write_new_committee(writer)
    assert api.data(QUERY) == {"organization": {"name": "城西区委"}}
    assert gc.get_freeze_count() == 0
