"""Roles: what each may read (masked fields are null and listed) and do, over HTTP.

Expected answers from the small city (tests/api/graphs.py) and the clearance table in
docs/SECURITY.md: viewer public; analyst public, internal, personal; editor and admin
everything. m1 张三 is b1's secretary (female, 汉族, born 1980, a full member).
"""

from __future__ import annotations

from typing import Any

from tests.security.conftest import Secured

MEMBER = """{ member(id: "m1", asOf: "2019-06-30") {
  name gender ethnicity birthYear status isLeader masked } }"""


def test_a_viewer_sees_no_personal_field(secured: Secured) -> None:
    body = secured.gql(MEMBER, as_="viewer")
    assert body["data"]["member"] == {
        "name": None,
        "gender": None,
        "ethnicity": None,
        "birthYear": None,
        "status": None,
        "isLeader": None,
        # the name, then every attribute in the fields table's order
        "masked": [
            "name",
            "gender",
            "ethnicity",
            "education",
            "birth_year",
            "join_date",
            "status",
            "is_leader",
            "position",
        ],
    }


def test_an_analyst_sees_personal_but_not_sensitive_fields(secured: Secured) -> None:
    body = secured.gql(MEMBER, as_="analyst")
    assert body["data"]["member"] == {
        "name": "张三",
        "gender": "FEMALE",
        "ethnicity": None,
        "birthYear": None,
        "status": "FULL",
        "isLeader": False,
        "masked": ["ethnicity", "birth_year"],
    }
    # Nothing sensitive was read, so nothing was audited as such.
    assert secured.accounts.audit_entries(first=5, action="read-sensitive") == []


def test_an_admins_sensitive_reads_are_audited_without_the_values(secured: Secured) -> None:
    body = secured.gql(MEMBER, as_="admin")
    assert body["data"]["member"]["ethnicity"] == "汉族"
    assert body["data"]["member"]["birthYear"] == 1980
    assert body["data"]["member"]["masked"] == []
    entries = secured.accounts.audit_entries(first=5, action="read-sensitive")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["actor"] == "admin"
    assert entry["detail"] == {
        "operation": None,
        "fields": ["birth_year", "ethnicity"],
        "count": 1,
        "ids": ["m1"],
    }
    assert "汉族" not in str(entry) and "1980" not in str(entry)


def test_names_a_viewer_may_not_read_are_not_searched(secured: Secured) -> None:
    query = '{ search(text: "%s", asOf: "2019-06-30") { id name } }'
    assert secured.gql(query % "张三", as_="viewer")["data"]["search"] == []
    assert secured.gql(query % "m1", as_="viewer")["data"]["search"] == [{"id": "m1", "name": None}]
    assert secured.gql(query % "张三", as_="analyst")["data"]["search"] == [
        {"id": "m1", "name": "张三"}
    ]


def test_filtering_on_a_hidden_field_is_refused(secured: Secured) -> None:
    body = secured.gql(
        '{ members(filter: {status: PROBATIONARY}, asOf: "2019-06-30") { totalCount } }',
        as_="viewer",
    )
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


CHAIN = """{ responsibilityChain(id: "b1", asOf: "2019-06-30") {
  paths { levels { organization name hidden secretary { id name hidden } } } } }"""


def _levels(body: dict[str, Any]) -> list[tuple[str, str | None, Any]]:
    levels = body["data"]["responsibilityChain"]["paths"][0]["levels"]
    return [(lv["organization"], lv["name"], lv["secretary"]) for lv in levels]


def test_a_chain_shows_posts_above_the_scope_but_not_the_people(secured: Secured) -> None:
    # analyst: scope 630102001; b1's secretary 张三 is in it; 630102's and 630100's are
    # above it (post shown, person hidden); 630102001 itself has no secretary.
    assert _levels(secured.gql(CHAIN, as_="analyst")) == [
        ("b1", "夏都花园社区党支部", {"id": "m1", "name": "张三", "hidden": False}),
        ("630102001", "东关街道党工委", None),
        ("630102", "城东区委", {"id": None, "name": None, "hidden": True}),
        ("630100", "西宁市委", {"id": None, "name": None, "hidden": True}),
    ]
    # viewer: scope 630102; the people inside are named by id only (names are personal).
    assert _levels(secured.gql(CHAIN, as_="viewer")) == [
        ("b1", "夏都花园社区党支部", {"id": "m1", "name": None, "hidden": False}),
        ("630102001", "东关街道党工委", None),
        ("630102", "城东区委", {"id": "d1", "name": None, "hidden": False}),
        ("630100", "西宁市委", {"id": None, "name": None, "hidden": True}),
    ]


def test_a_drawing_payload_masks_names_too(secured: Secured) -> None:
    # b1's people: members m1 m2 m3, secretary m1, deputy m2, contact leader d1.
    query = """{ subgraph(scope: "b1", depth: 0, kinds: [MEMBER], asOf: "2019-06-30") {
      nodes { id name } } }"""
    nodes = secured.gql(query, as_="viewer")["data"]["subgraph"]["nodes"]
    assert sorted((n["id"], n["name"]) for n in nodes) == [
        ("b1", "夏都花园社区党支部"),
        ("d1", None),  # b1's contact leader
        ("m1", None),
        ("m2", None),
        ("m3", None),
    ]


WRITE = """mutation { endOrganization(id: "%s", on: "2019-07-01") { errors { code } } }"""


def test_only_editors_and_admins_write_and_editors_only_in_scope(secured: Secured) -> None:
    before = secured.store.digest()
    for role in ("viewer", "analyst"):
        body = secured.gql(WRITE % "b2", as_=role)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # editor: scope 630102; 630103 is outside it, answered as an id that does not exist.
    outside = secured.gql(WRITE % "630103", as_="editor")
    assert outside["data"]["endOrganization"]["errors"] == [{"code": "NOT_FOUND"}]
    assert secured.gql(WRITE % "nope", as_="editor") == outside
    assert secured.store.digest() == before
    inside = secured.gql(WRITE % "b2", as_="editor")
    assert inside["data"]["endOrganization"]["errors"] == []
    written = secured.accounts.audit_entries(first=1, action="write")[0]
    assert written["actor"] == "editor"
    assert written["detail"]["nodes_closed"][0]["id"] == "b2"


AUDIT = "{ auditLog(first: 2) { entries { actor action } hasNextPage endCursor } }"


def test_the_audit_log_is_for_admins_and_pages(secured: Secured) -> None:
    denied = secured.gql(AUDIT, as_="analyst")
    assert denied["data"] is None
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    secured.gql(MEMBER, as_="admin")  # a sensitive read: one more record
    page = secured.gql(AUDIT, as_="admin")["data"]["auditLog"]
    # Newest first: the read just made, then the small city's import (by "system").
    assert page["entries"] == [
        {"actor": "admin", "action": "read-sensitive"},
        {"actor": "system", "action": "write"},
    ]
    filtered = secured.gql(
        '{ auditLog(actor: "admin") { entries { action } hasNextPage } }', as_="admin"
    )["data"]["auditLog"]
    assert filtered == {"entries": [{"action": "read-sensitive"}], "hasNextPage": False}


def test_exports_follow_the_role_and_the_scope(secured: Secured) -> None:
    url = "/exports/responsibility-list"
    params = {"format": "csv", "year": "2019", "as_of": "2019-06-30"}
    refused = secured.request("GET", url, params=params, as_="viewer")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "PERMISSION_DENIED"
    mine = secured.request("GET", url, params=params, as_="analyst")
    assert mine.status_code == 200
    text = mine.content.decode("utf-8-sig")
    # The analyst's subtree (630102001, b1, b2) has one secretary: m1 张三.
    assert "张三" in text
    assert "李区委书记" not in text and "王市委书记" not in text
    outside = secured.request("GET", url, params={**params, "root": "630103"}, as_="analyst")
    assert outside.status_code == 404
    assert secured.accounts.audit_entries(first=1, action="export")[0]["actor"] == "analyst"
