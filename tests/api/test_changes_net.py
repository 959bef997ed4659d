"""``changes`` over GraphQL: every change from the history, or with ``net`` the two dates.

The graph is ``tests.analysis.test_changes_window``'s: b9 founded 2018-02-16 and
dissolved 2018-11-13, m1 secretary of b1 2018-02-04 → 2019-03-04, both inside the window
2017-12-31 → 2019-06-30 and so invisible to a comparison of the two dates.
"""

from __future__ import annotations

from orggraph.store.base import GraphStore
from tests.analysis.test_changes_window import city  # noqa: F401 - the fixture
from tests.api.conftest import Api

QUERY = """query($net: Boolean!) {
  changes(since: "2017-12-31", until: "2019-06-30", net: $net) {
    net founded { organization date } dissolved { organization date }
    postsFilled { organization role date } postsVacated { organization date }
    nodes { kind began changed ended } facts { fact year count }
  } }"""


def test_every_change_and_the_net_comparison(city: GraphStore) -> None:  # noqa: F811
    api = Api(city)
    every = api.data(QUERY, {"net": False})["changes"]
    assert every["net"] is False
    assert every["founded"] == [{"organization": "b9", "date": "2018-02-16"}]
    assert every["dissolved"] == [{"organization": "b9", "date": "2018-11-13"}]
    assert every["postsFilled"] == [
        {"organization": "b1", "role": "secretary", "date": "2018-02-04"}
    ]
    assert every["postsVacated"] == [{"organization": "b1", "date": "2019-03-04"}]
    assert every["nodes"] == [
        {"kind": "ORGANIZATION", "began": 1, "changed": 0, "ended": 1},
        {"kind": "MEMBER", "began": 0, "changed": 1, "ended": 0},
    ]
    assert every["facts"] == [{"fact": "assessment_grade", "year": 2018, "count": 1}]
    net = api.data(QUERY, {"net": True})["changes"]
    assert net["net"] is True
    assert [net[k] for k in ("founded", "dissolved", "postsFilled", "nodes", "facts")] == [
        [],
        [],
        [],
        [],
        [],
    ]
