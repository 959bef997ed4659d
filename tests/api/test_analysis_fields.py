"""The analyses through GraphQL, on the small city (graphs.py) at 2019-06-30.

Answers worked out from the graph's docstring and the shipped rules (rules.toml): a branch
needs 3 full members; a secretary post vacant over 6 months makes a branch weak.
"""

from __future__ import annotations

from orggraph.api.context import Actor
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.api.conftest import Api
from tests.api.graphs import small_city


def test_responsibility_chain_of_a_branch(api: Api) -> None:
    data = api.data(
        """{ responsibilityChain(id: "b1", asOf: "2019-06-30") {
              subject kind name asOf
              paths { start via levels {
                organization secretary { id name } vacantSince
                workingGroups { id area leaders { id } } contacts { id } } }
              breaks { kind organization since } } }"""
    )
    chain = data["responsibilityChain"]
    assert (chain["subject"], chain["kind"], chain["name"]) == (
        "b1",
        "ORGANIZATION",
        "夏都花园社区党支部",
    )
    (path,) = chain["paths"]
    assert (path["start"], path["via"]) == ("b1", "organization")
    # wg01 covers 630102 and so every level below it; the city level is above any area.
    wg = [{"id": "wg01", "area": "630102", "leaders": [{"id": "w1"}]}]
    assert path["levels"] == [
        {
            "organization": "b1",
            "secretary": {"id": "m1", "name": "张三"},
            "vacantSince": None,
            "workingGroups": wg,
            "contacts": [{"id": "d1"}],
        },
        {
            "organization": "630102001",
            "secretary": None,
            "vacantSince": "2010-01-01",
            "workingGroups": wg,
            "contacts": [],
        },
        {
            "organization": "630102",
            "secretary": {"id": "d1", "name": "李区委书记"},
            "vacantSince": None,
            "workingGroups": wg,
            "contacts": [],
        },
        {
            "organization": "630100",
            "secretary": {"id": "w1", "name": "王市委书记"},
            "vacantSince": None,
            "workingGroups": [],
            "contacts": [],
        },
    ]
    # The only break: the street committee has had no secretary since it was founded.
    assert chain["breaks"] == [
        {"kind": "VACANT_SECRETARY", "organization": "630102001", "since": "2010-01-01"}
    ]


def test_an_unknown_id_is_not_found_with_a_code_and_no_trace(api: Api) -> None:
    body = api.post('{ responsibilityChain(id: "nope", asOf: "2019-06-30") { subject } }')
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "nope" in error["message"]
    assert error["path"] == ["responsibilityChain"]


def test_coverage_gaps_narrowed_to_a_street_hide_the_levels_above(api: Api) -> None:
    data = api.data(
        """{ coverageGaps(scope: "630102001", kinds: [VACANT_SECRETARY, TOO_FEW_MEMBERS],
              asOf: "2019-06-30") {
              kind subject count owners { organization hidden secretary { name hidden } } } }"""
    )
    gaps = [(g["kind"], g["subject"], g["count"]) for g in data["coverageGaps"]]
    # Vacant: the street committee and b2; too few full members: b1 (m1, m2) and b2 (m4).
    assert gaps == [
        ("VACANT_SECRETARY", "630102001", None),
        ("VACANT_SECRETARY", "b2", None),
        ("TOO_FEW_MEMBERS", "b1", 2),
        ("TOO_FEW_MEMBERS", "b2", 1),
    ]
    owners = data["coverageGaps"][3]["owners"]
    hidden = {"name": None, "hidden": True}
    # b2's owners up to the city: the two levels above the narrowed scope are positions only.
    assert owners == [
        {"organization": "b2", "hidden": False, "secretary": None},
        {"organization": "630102001", "hidden": False, "secretary": None},
        {"organization": "630102", "hidden": True, "secretary": hidden},
        {"organization": "630100", "hidden": True, "secretary": hidden},
    ]


def test_weak_branches_give_graph_nodes_with_their_relations(api: Api) -> None:
    data = api.data(
        """{ weakBranches(asOf: "2019-06-30") {
              organization { id ... on Organization { secretary { name } memberCount } }
              failures { rule label facts } } }"""
    )
    weak = {w["organization"]["id"]: w for w in data["weakBranches"]}
    assert sorted(weak) == ["b1", "b2"]
    assert weak["b1"]["organization"]["secretary"] == {"name": "张三"}
    assert weak["b1"]["organization"]["memberCount"] == 3
    assert [f["rule"] for f in weak["b1"]["failures"]] == ["few_members"]
    # b2: no secretary since its founding on 2012-01-01, and one full member.
    assert [f["rule"] for f in weak["b2"]["failures"]] == ["secretary_vacant", "few_members"]
    few = weak["b2"]["failures"][1]
    assert few["label"] == "正式党员不足"
    assert few["facts"]["full_members"] == 1


def test_a_case_opened_and_moved_on_and_an_invalid_step(api: Api) -> None:
    opened = api.data(
        """mutation { openCase(organization: "b2", on: "2019-07-01", deadline: "2019-12-31",
             responsible: "d1", partner: "b1") {
             case { id organization state responsible partner deadline }
             errors { code } } }"""
    )["openCase"]
    assert opened["errors"] == []
    case = opened["case"]
    assert (case["organization"], case["state"], case["responsible"], case["partner"]) == (
        "b2",
        "IDENTIFIED",
        "d1",
        "b1",
    )
    moved = api.data(
        """mutation($id: ID!) { transitionCase(id: $id, to: RECTIFYING, on: "2019-07-15") {
             case { state steps { state on } } errors { code } } }""",
        {"id": case["id"]},
    )["transitionCase"]
    assert moved["case"]["state"] == "RECTIFYING"
    assert [(s["state"], s["on"]) for s in moved["case"]["steps"]] == [
        ("IDENTIFIED", "2019-07-01"),
        ("RECTIFYING", "2019-07-15"),
    ]
    # Rectifying may only go on to review, not straight to converted.
    refused = api.data(
        """mutation($id: ID!) { transitionCase(id: $id, to: CONVERTED, on: "2019-08-01") {
             case { id } errors { code message } } }""",
        {"id": case["id"]},
    )["transitionCase"]
    assert refused["case"] is None
    assert [e["code"] for e in refused["errors"]] == ["INVALID_TRANSITION"]
    listed = api.data("""{ remediationCases(asOf: "2019-07-20") { organization state } }""")[
        "remediationCases"
    ]
    assert listed == [{"organization": "b2", "state": "RECTIFYING"}]


def test_applying_a_contact_suggestion_writes_the_link_once(api: Api) -> None:
    query = """mutation { applyPairingSuggestion(kind: CONTACTS, weak: "b2", candidate: "d1",
                 on: "2019-07-01") {
                 link { kind ... on Contact { leader { id } organization { id } } }
                 errors { code } } }"""
    first = api.data(query)["applyPairingSuggestion"]
    assert first == {
        "link": {"kind": "CONTACTS", "leader": {"id": "d1"}, "organization": {"id": "b2"}},
        "errors": [],
    }
    # b2 now has a contact leader: a second application is refused, nothing written.
    second = api.data(query)["applyPairingSuggestion"]
    assert second == {"link": None, "errors": [{"code": "pairing-exists"}]}


def test_what_if_a_district_secretary_leaves(api: Api) -> None:
    data = api.data(
        """{ whatIf(proposals: [{kind: LEAVE, person: "d1"}], asOf: "2019-06-30") {
              proposals { kind person }
              newBreaks { chainBreak { kind organization subject } } } }"""
    )
    impact = data["whatIf"]
    assert impact["proposals"] == [{"kind": "leave", "person": "d1"}]
    # d1 is 城东区委's secretary, b1's contact leader and e1's only serving leader.
    breaks = {
        (b["chainBreak"]["kind"], b["chainBreak"]["organization"], b["chainBreak"]["subject"])
        for b in impact["newBreaks"]
    }
    assert breaks == {
        ("VACANT_SECRETARY", "630102", None),
        ("NO_CONTACT_LEADER", "b1", None),
        ("NO_SERVING_LEADER", None, "e1"),
    }


def test_a_proposal_missing_its_person_is_a_validation_error(api: Api) -> None:
    body = api.post("{ whatIf(proposals: [{kind: LEAVE}]) { asOf } }")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["extensions"]["problems"][0]["column"] == "person"


def test_changes_between_two_dates(api: Api) -> None:
    data = api.data(
        """{ changes(since: "2011-01-01", until: "2015-06-30") {
              founded { organization date parent } postsFilled { organization role date } } }"""
    )
    # 2011→2015: b2 founded on 2012-01-01 under the street; m2 deputy of b1 from 2015-01-01.
    assert data["changes"]["founded"] == [
        {"organization": "b2", "date": "2012-01-01", "parent": "630102001"}
    ]
    assert data["changes"]["postsFilled"] == [
        {"organization": "b1", "role": "deputy_secretary", "date": "2015-01-01"}
    ]


def test_an_analyst_cannot_widen_their_scope(store: GraphStore) -> None:
    store.write(small_city())
    analyst = Actor(name="analyst", role="analyst", scope=Scope(roots=frozenset({"630103"})))
    api = Api(store, actor=analyst)
    body = api.post('{ coverageGaps(scope: "630102", asOf: "2019-06-30") { subject } }')
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # Nor read outside it: b1 is not there for them, and the list holds only 630103.
    data = api.data(
        """{ node(id: "b1", asOf: "2019-06-30") { id }
             organizations(asOf: "2019-06-30") { nodes { id } }
             search(text: "城东", asOf: "2019-06-30") { id } }"""
    )
    assert data == {"node": None, "organizations": {"nodes": [{"id": "630103"}]}, "search": []}


def test_coverage_rates_by_district_with_the_total(api: Api) -> None:
    data = api.data(
        """{ coverageRates(groupBy: DISTRICT, asOf: "2019-06-30") {
              group name units own joint work none organized rate } }"""
    )
    # One operating unit, u1 in 城东区 (630102), reached only by its instructor m2:
    # work coverage, which does not count toward the rate: 0 of 1.
    row = {"units": 1, "own": 0, "joint": 0, "work": 1, "none": 0, "organized": 0, "rate": 0.0}
    assert data["coverageRates"] == [
        {"group": "630102", "name": "城东区委", **row},
        {"group": "", "name": "合计", **row},
    ]


def test_the_report_counts_working_groups(api: Api) -> None:
    data = api.data(
        """{ report(asOf: "2019-06-30") { asOf figures { key value display tracked } } }"""
    )
    figures = {f["key"]: f for f in data["report"]["figures"]}
    # One working group (wg01); one leader (d1) serves one expert (e1).
    assert figures["working_groups"]["value"] == 1
    assert figures["serving_leaders"]["value"] == 1
