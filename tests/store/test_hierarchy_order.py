"""``GraphStore.hierarchy`` asked for ids in no order: the same answer as in id order.

The default reads the ids asked in the order given (a caller's sorted ids are not sorted
again); each kind's links stay ordered by target whatever the order asked. The expected
values are those of ``test_hierarchy.test_a_branch_with_everything_above_it`` (b1's
chain in ``tests.graphs.responsibility_city``): asking for levels of that chain as well
adds nothing.
"""

from __future__ import annotations

import pytest

from orggraph.model import LinkKind
from orggraph.store.base import GraphStore
from tests.store.test_hierarchy import AROUND, ASK, _ends, city

__all__ = ["city"]  # the fixture, shared with ``test_hierarchy``


@pytest.mark.parametrize(
    "asked",
    [["b1", "630102001"], ["b1", "630102", "630102001", "b1"], ["630100", "b1"]],
)
def test_ids_asked_in_no_order(city: GraphStore, asked: list[str]) -> None:
    got = city.hierarchy(asked, ASK, AROUND)
    # b1's chain, as ``test_a_branch_with_everything_above_it`` works it out: the same
    # answer as b1 alone, its lists ordered by target.
    assert got == city.hierarchy(["b1"], ASK, AROUND)
    assert set(got.parents) == {"b1", "630102001", "630102", "630100"}
    assert _ends(got.links)[LinkKind.HOLDS_POST] == [
        ("m01", "630100"),
        ("m03", "630102001"),
        ("m04", "b1"),
    ]
    assert _ends(got.links)[LinkKind.COVERS] == [("wg01", "630102"), ("wg02", "630102001")]
