"""The yearly cycle over GraphQL: a secretary commits, the district observes and grades.

The graph is ``tests/analysis/test_cycle.py``'s (630102 城东区委 → T1, whose secretary is T;
W and OK under T1). The account ``t`` (an analyst, linked to T) is T's; ``d-ed`` is an
editor of 630102, T1's superior.
"""

from __future__ import annotations

from typing import Any

from orggraph.api.context import Actor
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.analysis.test_cycle import build
from tests.api.conftest import Api

ADMIN = Actor(name="组织部", role="admin")
T = Actor(name="t", role="analyst", scope=Scope(roots=frozenset({"T1"})))
DISTRICT = Actor(name="d-ed", role="editor", scope=Scope(roots=frozenset({"630102"})))
VIEWER = Actor(name="v", role="viewer", scope=Scope(roots=frozenset({"630102"})))

BOARD = """query($y: Int!, $on: Date) { cycleDashboard(year: $y, asOf: $on, townships: true) {
  organization lists duties committed observed done overdue reported graded grades } }"""
COMMIT = """mutation($d: ID!, $on: Date) { commitDuty(duty: $d, on: $on, commitment: "每季度指导",
  target: "4次", due: "2019-12-15") { duty { id state commitment target due } errors { code } } }"""
OBSERVE = """mutation($d: ID!, $on: Date) { observeDuty(duty: $d, on: $on, progress: 100,
  evidence: "已指导4次") { duty { id state progress } errors { code } } }"""


def board(api: Api, on: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = api.data(BOARD, {"y": 2019, "on": on})["cycleDashboard"]
    return rows


def test_a_year_through_graphql(store: GraphStore) -> None:
    build(store)
    accounts = account_store(store)
    accounts.add("t", "analyst", roots=frozenset({"T1"}))
    accounts.link_member("t", "T")
    admin, t, district = Api(store, ADMIN), Api(store, T), Api(store, DISTRICT)
    opened = admin.data(
        'mutation { openYear(year: 2019, organization: "630102", on: "2019-01-10") '
        "{ lists duties skipped errors { code } } }"
    )["openYear"]
    # No duty by hand this time: the six derived ones (7 less the hand one, by the module).
    assert opened == {"lists": 4, "duties": 6, "skipped": 0, "errors": []}
    # The secretary's own page: their list, wherever their scope.
    mine = t.data(
        '{ dutyLists(year: 2019, mine: true, asOf: "2019-02-01") { id holder stage '
        "duties { id kind state } } }"
    )["dutyLists"]
    assert [(x["id"], x["holder"], x["stage"]) for x in mine] == [("dl-2019-T1", "T", "OPENED")]
    assert [d["state"] for d in mine[0]["duties"]] == ["LISTED", "LISTED"]
    # The list is a node too: found by id, every attribute a field.
    node = admin.data(
        '{ node(id: "dl-2019-T1", asOf: "2019-02-01") { kind '
        "... on DutyListNode { stage holder year commitBy } } }"
    )
    assert node["node"] == {
        "kind": "DUTY_LIST",
        "stage": "OPENED",
        "holder": "T",
        "year": 2019,
        "commitBy": "2019-03-31",
    }
    # T (an analyst) commits: the policy, not the editors' gate, decides.
    done = t.data(COMMIT, {"d": "du-2019-T1-001", "on": "2019-02-15"})["commitDuty"]
    assert done == {
        "duty": {
            "id": "du-2019-T1-001",
            "state": "COMMITTED",
            "commitment": "每季度指导",
            "target": "4次",
            "due": "2019-12-15",
        },
        "errors": [],
    }
    # The district's editor may not commit for T; T may not observe their own duty.
    refused = district.data(COMMIT, {"d": "du-2019-T1-002", "on": "2019-02-15"})["commitDuty"]
    assert refused == {"duty": None, "errors": [{"code": "PERMISSION_DENIED"}]}
    own = t.post(OBSERVE, {"d": "du-2019-T1-001", "on": "2019-06-20"})
    assert own["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"  # the editors' gate
    before = board(district, "2019-06-25")
    assert [(r["organization"], r["committed"], r["observed"], r["done"]) for r in before] == [
        ("T1", 1, 0, 0),
        ("", 1, 0, 0),
    ]
    seen = district.data(OBSERVE, {"d": "du-2019-T1-001", "on": "2019-06-20"})["observeDuty"]
    assert seen == {
        "duty": {"id": "du-2019-T1-001", "state": "OBSERVED", "progress": 100},
        "errors": [],
    }
    after = board(district, "2019-06-25")
    assert [(r["organization"], r["committed"], r["observed"]) for r in after] == [
        ("T1", 1, 1),
        ("", 1, 1),
    ]
    # 年末评: T reports, the district grades 较好 with one question; the fact follows.
    reported = t.data(
        'mutation { reportYear(listId: "dl-2019-T1", on: "2019-12-10", '
        'text: "述职") { dutyList { stage } errors { code } } }'
    )
    assert reported["reportYear"] == {"dutyList": {"stage": "REPORTED"}, "errors": []}
    graded = district.data(
        'mutation { gradeYear(listId: "dl-2019-T1", on: "2019-12-20", grade: FAIRLY_GOOD, '
        'score: 85, questions: [{question: "讲习所为何未办", answer: "明年办"}]) '
        "{ dutyList { stage grade score questions { question answer } "
        "duties { id state } } errors { code } } }"
    )["gradeYear"]
    assert graded["errors"] == []
    assert graded["dutyList"]["grade"] == "FAIRLY_GOOD"
    assert [d["state"] for d in graded["dutyList"]["duties"]] == ["DONE", "NOT_DONE"]
    assert store.facts(["T1"], 2019)["T1"]["assessment_grade"] == "good"
    row = board(district, "2019-12-31")[0]
    assert (row["reported"], row["graded"], row["grades"]) == (1, 1, {"review_fairly_good": 1})


def test_a_viewer_is_refused_and_an_analyst_reads_within_scope(store: GraphStore) -> None:
    build(store)
    Api(store, ADMIN).data(
        'mutation { openYear(year: 2019, organization: "630102", on: "2019-01-10") '
        "{ errors { code } } }"
    )
    body = Api(store, VIEWER).post('{ dutyLists(year: 2019, asOf: "2019-02-01") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    seen = Api(store, T).data('{ dutyLists(year: 2019, asOf: "2019-02-01") { id } }')
    assert [x["id"] for x in seen["dutyLists"]] == ["dl-2019-OK", "dl-2019-T1", "dl-2019-W"]
    hidden = Api(store, T).data('{ dutyList(id: "dl-2019-630102", asOf: "2019-02-01") { id } }')
    assert hidden == {"dutyList": None}
