"""``mapState`` on both stores, worked out by hand on ``responsibility_city`` (tests/graphs.py).

The areas' ancestors are read in one store call (``hierarchy``), and Neo4j counts full
members in Cypher (``counts_links_natively``): the answers stay the embedded store's.
"""

from __future__ import annotations

import pytest

from orggraph.store.base import GraphStore
from tests.api.conftest import Api
from tests.graphs import responsibility_city

STATE = """query State($asOf: Date) {
  mapState(asOf: $asOf) {
    coverage { organization units organized rate }
    weak { organization reasons }
    vacantSecretary
    noContactLeader
  }
}"""


@pytest.fixture
def city(store: GraphStore) -> Api:
    store.write(responsibility_city())
    return Api(store)


def test_map_state_of_the_responsibility_city(city: Api) -> None:
    state = city.data(STATE, {"asOf": "2019-06-30"})["mapState"]
    # Units: u1 in township 630102001 (an instructor only: not organized), u2 and u3 in
    # district 630103 (u3 has its own organization s1). Each counts in its area and every
    # area above it: 630102001 and 630102 hold u1; 630103 holds u2, u3; the city all three.
    assert state["coverage"] == [
        {"organization": "630100", "units": 3, "organized": 1, "rate": 1 / 3},
        {"organization": "630102", "units": 1, "organized": 0, "rate": 0.0},
        {"organization": "630102001", "units": 1, "organized": 0, "rate": 0.0},
        {"organization": "630103", "units": 2, "organized": 1, "rate": 0.5},
    ]
    # b1: two full members (m04, m05; m06 is probationary), fewer than three; b2: no
    # secretary ever (well over six months); s1: three full members and a secretary.
    assert [(w["organization"], len(w["reasons"])) for w in state["weak"]] == [
        ("b1", 1),
        ("b2", 1),
    ]
    # 630102's secretary left on 2019-03-01; b2 never had one. b2 alone of the grassroots
    # organizations has no contact leader (b1 has m14, s1 has m01).
    assert state["vacantSecretary"] == ["630102", "b2"]
    assert state["noContactLeader"] == ["b2"]
