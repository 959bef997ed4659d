"""``node_names`` on both stores (the ``store`` fixture), and on the embedded store's
columns: read from the file alone, and with a version written after opening; worked out
by hand.

``tiny_city`` plus b8, 旧名党支部 from 2010 and renamed 新名党支部 on 2018-05-01, and m1, 张三
from 2010 with a second version (another education, the same name) from 2019-01-01.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orggraph.model import WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import D0, member, org, tiny_city

D = date
RENAMED, EDUCATED = D(2018, 5, 1), D(2019, 1, 1)


def _first(store: GraphStore) -> None:
    store.write(tiny_city())
    store.write(
        WriteBatch(nodes=(org("b8", "旧名党支部", "grassroots", "branch"), member("m1", "张三")))
    )


def _rest(store: GraphStore) -> None:
    store.write(
        WriteBatch(
            nodes=(
                org("b8", "新名党支部", "grassroots", "branch", start=RENAMED),
                member("m1", "张三", start=EDUCATED, education="postgraduate"),
            )
        )
    )


EXPECTED = {
    "b8": [(D0, RENAMED, "旧名党支部"), (RENAMED, None, "新名党支部")],
    "m1": [(D0, EDUCATED, "张三"), (EDUCATED, None, "张三")],
    "b2": [(D(2012, 1, 1), None, "某村党支部")],
}


def _check(store: GraphStore) -> None:
    # Every version oldest first; an id the store never held ("x9") left out.
    assert store.node_names(["b8", "m1", "b2", "x9"]) == EXPECTED
    assert store.node_names([]) == {}


def test_every_version_named_with_its_dates(store: GraphStore) -> None:
    _first(store)
    _rest(store)
    _check(store)


@pytest.mark.parametrize("mixed", [False, True], ids=["file", "file-and-written"])
def test_the_embedded_columns_answer_alike(tmp_path: Path, mixed: bool) -> None:
    path = tmp_path / "names.db"
    with EmbeddedStore(path) as store:
        _first(store)
        if not mixed:
            _rest(store)
    with EmbeddedStore(path, index_snapshot=False) as store:
        if mixed:  # b8 and m1 renamed and changed after opening: their records answer
            _rest(store)
        _check(store)
        assert GraphStore.node_names(store, ["b8", "m1", "b2", "x9"]) == EXPECTED
