"""Writes stay inside the editor's scope (issue #18): every finding as a regression test.

The small city (tests/api/graphs.py) with the editor scoped to 630102 城东区委, and, written
by the administrator, a second district's people and nodes::

    630103 城中区委 ── bx 城中某支部        x1 外区党员 (member of bx; personal data)
    wgx 城中工作组 covers 630103, led by x1    ex 外区专家, served by x1
    ux 城中某公司 (a unit in 630103), instructed by x1

Everything of 630103 is outside the editor's scope, and so are 630100 and w1 (the city's
secretary). An id the editor cannot see is answered exactly as an id that does not exist:
the same code and the same message with the id swapped. Every refusal leaves a
``write-denied`` audit record with ids only, never a name or a personal value.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from tests.api.graphs import small_city
from tests.graphs import D0, link, member, org
from tests.security.conftest import Secured, secure

K = LinkKind
ON = "2019-07-01"
#: Names and personal values of the nodes outside the scope: never in an audit record.
SECRETS = ("外区党员", "城中", "外区专家", "回族", "1971")


def outside_district() -> WriteBatch:
    others = (
        org("bx", "城中某支部", "grassroots", "branch", sector="community"),
        member("x1", "外区党员", ethnicity="回族", birth_year=1971, leader=True),
        Node(
            id="wgx",
            kind=NodeKind.WORKING_GROUP,
            name="城中工作组",
            valid_from=D0,
            attrs={"number": 2},
        ),
        Node(
            id="ex",
            kind=NodeKind.EXPERT,
            name="外区专家",
            valid_from=D0,
            attrs={"field": "农业", "title": "高级农艺师"},
        ),
        Node(
            id="ux",
            kind=NodeKind.UNIT,
            name="城中某公司",
            valid_from=D0,
            attrs={
                "unit_kind": "non_public_enterprise",
                "full_members": 1,
                "employees": 12,
            },
        ),
    )
    links: tuple[Link, ...] = (
        link(K.SUBORDINATE_TO, "bx", "630103"),
        link(K.MEMBER_OF, "x1", "bx"),
        link(K.COVERS, "wgx", "630103"),
        link(K.LEADS, "x1", "wgx"),
        link(K.SERVES, "x1", "ex"),
        link(K.INSTRUCTS, "x1", "ux"),
        link(K.LOCATED_IN, "ux", "630103"),
    )
    return WriteBatch(nodes=others, links=links)


@pytest.fixture
def city(store: GraphStore) -> Secured:
    store.write(small_city())
    store.write(outside_district())
    return secure(store)


LINK = """mutation($input: CreateLinkInput!) {
  createLink(input: $input) { link { id } errors { code field message value } } }"""
POST = """mutation($input: CreatePostInput!) {
  createPost(input: $input) { link { id } errors { code field message value } } }"""
END_LINK = """mutation($id: ID!) {
  endLink(id: $id, on: "2019-07-01") { link { id } errors { code field message value } } }"""
CREATE_ORG = """mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } errors { code message } } }"""
UPDATE_ORG = """mutation($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) { organization { id } errors { code message } } }"""
CREATE_MEMBER = """mutation($input: CreateMemberInput!) {
  createMember(input: $input) { member { id } errors { code message } } }"""
END_ORG = """mutation($id: ID!) {
  endOrganization(id: $id, on: "2019-07-01") { node { id } errors { code message } } }"""
OPEN_CASE = """mutation($org: ID!, $responsible: ID, $partner: ID) {
  openCase(organization: $org, on: "2019-07-01", responsible: $responsible,
           partner: $partner, reasons: ["few_members"]) {
    case { id } errors { code field message value } } }"""


def errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert body.get("errors") is None, body
    (payload,) = body["data"].values()
    found: list[dict[str, Any]] = payload["errors"]
    return found


def masked(found: list[dict[str, Any]], node_id: str) -> str:
    """The errors as text with ``node_id`` (as a whole word) replaced by ``ID``."""
    text = json.dumps(found, ensure_ascii=False)
    return re.sub(rf"(?<!\w){re.escape(node_id)}(?!\w)", "ID", text)


def same_as_unknown(
    city: Secured,
    query: str,
    hidden: dict[str, Any],
    unknown: dict[str, Any],
    swap: tuple[str, str],
) -> list[dict[str, Any]]:
    """The editor's errors for ``hidden`` variables, checked equal to those for
    ``unknown`` once the id is swapped; the store unchanged by either."""
    before = city.store.digest()
    seen = errors(city.gql(query, hidden, as_="editor"))
    absent = errors(city.gql(query, unknown, as_="editor"))
    assert seen, "the write was not refused"
    hidden_id, unknown_id = swap
    assert masked(seen, hidden_id) == masked(absent, unknown_id)
    assert city.store.digest() == before
    return seen


def link_input(kind: str, source: str, target: str, **more: Any) -> dict[str, Any]:
    return {"input": {"kind": kind, "source": source, "target": target, "validFrom": ON, **more}}


def denied_records(city: Secured) -> list[dict[str, Any]]:
    return city.accounts.audit_entries(first=100, action="write-denied")


# -- a member or unit of another district pulled into the scope ---------------------------
def test_a_post_cannot_pull_in_another_districts_member(city: Secured) -> None:
    post = {"member": "x1", "organization": "b1", "role": "COMMITTEE_MEMBER", "validFrom": ON}
    seen = same_as_unknown(
        city, POST, {"input": post}, {"input": {**post, "member": "zz9"}}, ("x1", "zz9")
    )
    assert seen == [
        {
            "code": "NOT_FOUND",
            "field": None,
            "message": "no member 'x1' on 2019-07-01",
            "value": None,
        }
    ]


def test_a_membership_cannot_pull_in_another_districts_member(city: Secured) -> None:
    seen = same_as_unknown(
        city,
        LINK,
        link_input("MEMBER_OF", "x1", "b2"),
        link_input("MEMBER_OF", "zz9", "b2"),
        ("x1", "zz9"),
    )
    assert [e["code"] for e in seen] == ["NOT_FOUND"]
    # The member is still out of the editor's sight.
    body = city.gql('{ node(id: "x1") { id } }', as_="editor")
    assert body["data"]["node"] is None


def test_established_in_cannot_pull_in_another_districts_unit(city: Secured) -> None:
    seen = same_as_unknown(
        city,
        LINK,
        link_input("ESTABLISHED_IN", "b1", "ux", mode="JOINT"),
        link_input("ESTABLISHED_IN", "b1", "zz9", mode="JOINT"),
        ("ux", "zz9"),
    )
    assert seen[0]["message"] == "no unit 'ux' on 2019-07-01"


# -- links without an organization end ---------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "source", "target", "swap"),
    [
        ("SERVES", "x1", "ex", "ex"),  # wholly outside
        ("LEADS", "x1", "wgx", "wgx"),
        ("INSTRUCTS", "x1", "ux", "ux"),
        ("SERVES", "d1", "ex", "ex"),  # from the editor's own leader to an outside expert
        ("LEADS", "d1", "wgx", "wgx"),
        ("INSTRUCTS", "m1", "ux", "ux"),
        ("LEADS", "w1", "wg01", "w1"),  # the city's secretary is outside too
    ],
)
def test_links_between_people_groups_and_units_are_checked_at_both_ends(
    city: Secured, kind: str, source: str, target: str, swap: str
) -> None:
    vars_unknown = link_input(
        kind, "zz9" if swap == source else source, "zz9" if swap == target else target
    )
    seen = same_as_unknown(
        city, LINK, link_input(kind, source, target), vars_unknown, (swap, "zz9")
    )
    wholly_outside = source == "x1"
    assert [e["code"] for e in seen] == ["PERMISSION_DENIED" if wholly_outside else "NOT_FOUND"]


def test_another_districts_leadership_cannot_be_ended(city: Secured) -> None:
    seen = same_as_unknown(
        city, END_LINK, {"id": "leads:x1>wgx"}, {"id": "leads:zz9>wgx"}, ("x1", "zz9")
    )
    assert seen == [
        {
            "code": "NOT_FOUND",
            "field": "id",
            "message": "no link 'leads:x1>wgx' open on 2019-07-01 to end",
            "value": "leads:x1>wgx",
        }
    ]
    # The city's working group's leader w1 is outside too, though wg01 is inside.
    assert [
        e["code"] for e in errors(city.gql(END_LINK, {"id": "leads:w1>wg01"}, as_="editor"))
    ] == ["NOT_FOUND"]


# -- roots and orphans -------------------------------------------------------------------
def test_no_root_organization_and_no_member_without_an_organization(city: Secured) -> None:
    before = city.store.digest()
    root = {"id": "r9", "name": "自立党委", "orgKind": "COMMITTEE", "level": "COUNTY"}
    refused = errors(city.gql(CREATE_ORG, {"input": {**root, "validFrom": ON}}, as_="editor"))
    assert [e["code"] for e in refused] == ["PERMISSION_DENIED"]
    assert "parent organization in their scope" in refused[0]["message"]
    person = {
        "id": "n9",
        "name": "无组织党员",
        "gender": "MALE",
        "ethnicity": "汉族",
        "education": "BACHELOR",
        "birthYear": 1990,
        "joinDate": "2015-07-01",
        "status": "FULL",
        "validFrom": ON,
    }
    refused = errors(city.gql(CREATE_MEMBER, {"input": person}, as_="editor"))
    assert [e["code"] for e in refused] == ["PERMISSION_DENIED"]
    # Nor one placed in another district, answered as a place that does not exist.
    hidden = errors(
        city.gql(CREATE_MEMBER, {"input": {**person, "organization": "bx"}}, as_="editor")
    )
    unknown = errors(
        city.gql(CREATE_MEMBER, {"input": {**person, "organization": "zz9"}}, as_="editor")
    )
    assert hidden[0]["message"].replace("bx", "ID") == unknown[0]["message"].replace("zz9", "ID")
    assert city.store.digest() == before
    # Inside the scope both are written.
    placed = city.gql(CREATE_MEMBER, {"input": {**person, "organization": "b2"}}, as_="editor")
    assert errors(placed) == []
    branch = {**root, "orgKind": "BRANCH", "level": "GRASSROOTS", "parent": "630102001"}
    assert errors(city.gql(CREATE_ORG, {"input": {**branch, "validFrom": ON}}, as_="editor")) == []


@pytest.mark.parametrize("parent", [None, "630103", "b1"])
def test_the_scope_root_cannot_be_detached_moved_or_ended(
    city: Secured, parent: str | None
) -> None:
    before = city.store.digest()
    move = {"input": {"id": "630102", "effective": ON, "parent": parent}}
    refused = errors(city.gql(UPDATE_ORG, move, as_="editor"))
    assert [e["code"] for e in refused] == ["PERMISSION_DENIED"]
    assert "root of their scope" in refused[0]["message"]
    ended = errors(city.gql(END_LINK, {"id": "subordinate_to:630102>630100"}, as_="editor"))
    assert [e["code"] for e in ended] == ["PERMISSION_DENIED"]
    assert [e["code"] for e in errors(city.gql(END_ORG, {"id": "630102"}, as_="editor"))] == [
        "PERMISSION_DENIED"
    ]
    assert city.store.digest() == before
    assert city.store.parent("630102", date(2019, 7, 1)) == "630100"


def test_an_organization_inside_cannot_be_detached_into_a_root(city: Secured) -> None:
    before = city.store.digest()
    detach = {"input": {"id": "b2", "effective": ON, "parent": None}}
    refused = errors(city.gql(UPDATE_ORG, detach, as_="editor"))
    assert [e["code"] for e in refused] == ["PERMISSION_DENIED"]
    ended = errors(city.gql(END_LINK, {"id": "subordinate_to:b2>630102001"}, as_="editor"))
    assert [e["code"] for e in ended] == ["PERMISSION_DENIED"]
    assert city.store.digest() == before
    # Moving it within the scope is the editor's to do.
    inside = {"input": {"id": "b2", "effective": ON, "parent": "630102"}}
    assert errors(city.gql(UPDATE_ORG, inside, as_="editor")) == []


# -- remediation cases -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "hidden", "kind"),
    [("responsible", "x1", "member"), ("partner", "bx", "organization")],
)
def test_a_case_cannot_name_an_outside_responsible_or_partner(
    city: Secured, field: str, hidden: str, kind: str
) -> None:
    seen = same_as_unknown(
        city,
        OPEN_CASE,
        {"org": "b2", field: hidden},
        {"org": "b2", field: "zz9"},
        (hidden, "zz9"),
    )
    assert seen == [
        {
            "code": "NOT_FOUND",
            "field": None,
            "message": f"no {kind} '{hidden}' on 2019-07-01",
            "value": None,
        }
    ]
    # Inside the scope, the case opens.
    mine = {"responsible": "d1", "partner": "b1"}[field]
    assert errors(city.gql(OPEN_CASE, {"org": "b2", field: mine}, as_="editor")) == []


def test_a_case_step_cannot_name_an_outside_responsible(city: Secured) -> None:
    assert errors(city.gql(OPEN_CASE, {"org": "b2"}, as_="editor")) == []
    step = """mutation($id: ID!, $r: ID) { transitionCase(id: $id, to: RECTIFYING,
      on: "2019-07-02", responsible: $r, deadline: "2019-12-31") { errors { code message } } }"""
    case = "case-b2-20190701"
    hidden = errors(city.gql(step, {"id": case, "r": "x1"}, as_="editor"))
    unknown = errors(city.gql(step, {"id": case, "r": "zz9"}, as_="editor"))
    assert hidden == [{"code": "NOT_FOUND", "message": "no member 'x1' on 2019-07-02"}]
    assert unknown == [{"code": "NOT_FOUND", "message": "no member 'zz9' on 2019-07-02"}]
    assert errors(city.gql(step, {"id": case, "r": "d1"}, as_="editor")) == []


# -- the audit trail of refusals ---------------------------------------------------------
def test_denied_writes_are_audited_without_personal_values(city: Secured) -> None:
    city.gql(
        POST, {"input": {"member": "x1", "organization": "b1", "role": "SECRETARY"}}, as_="editor"
    )
    city.gql(LINK, link_input("SERVES", "x1", "ex"), as_="editor")
    city.gql(END_LINK, {"id": "leads:x1>wgx"}, as_="editor")
    city.gql(UPDATE_ORG, {"input": {"id": "630102", "parent": None}}, as_="editor")
    city.gql(OPEN_CASE, {"org": "b2", "responsible": "x1"}, as_="editor")
    viewer = city.gql(END_ORG, {"id": "b2"}, as_="viewer")
    assert viewer["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    records = list(reversed(denied_records(city)))
    assert [(r["actor"], r["detail"]["action"], r["detail"]["reason"]) for r in records] == [
        ("editor", "createPost", "not-visible"),
        ("editor", "createLink", "not-visible"),
        ("editor", "endLink", "not-visible"),
        ("editor", "updateOrganization", "scope-root"),
        ("editor", "openCase", "not-visible"),
        ("viewer", "endOrganization", "role"),
    ]
    assert records[0]["detail"] == {
        "action": "createPost",
        "code": "NOT_FOUND",
        "reason": "not-visible",
        "ids": ["x1"],
    }
    text = json.dumps(records, ensure_ascii=False)
    assert not [s for s in SECRETS if s in text]


def test_an_unknown_id_is_audited_as_a_hidden_one(city: Secured) -> None:
    post = {"member": "x1", "organization": "b1", "role": "SECRETARY", "validFrom": ON}
    city.gql(POST, {"input": post}, as_="editor")
    city.gql(POST, {"input": {**post, "member": "zz9"}}, as_="editor")
    hidden, unknown = reversed(denied_records(city)[:2])
    assert {**hidden["detail"], "ids": []} == {**unknown["detail"], "ids": []}


# -- administrators ----------------------------------------------------------------------
def test_an_administrator_may_still_do_all_of_it(city: Secured) -> None:
    admin = "admin"
    post = {"member": "x1", "organization": "b1", "role": "COMMITTEE_MEMBER", "validFrom": ON}
    assert errors(city.gql(POST, {"input": post}, as_=admin)) == []
    for kind, source, target in (
        ("MEMBER_OF", "x1", "b2"),
        ("SERVES", "d1", "ex"),
        ("LEADS", "d1", "wgx"),
        ("INSTRUCTS", "m1", "ux"),
    ):
        assert errors(city.gql(LINK, link_input(kind, source, target), as_=admin)) == []
    assert errors(city.gql(END_LINK, {"id": "leads:x1>wgx"}, as_=admin)) == []
    root = {"id": "r9", "name": "新党委", "orgKind": "COMMITTEE", "level": "CITY", "validFrom": ON}
    assert errors(city.gql(CREATE_ORG, {"input": root}, as_=admin)) == []
    assert (
        errors(
            city.gql(
                UPDATE_ORG, {"input": {"id": "630102", "effective": ON, "parent": "r9"}}, as_=admin
            )
        )
        == []
    )
    case = {"org": "b2", "responsible": "x1", "partner": "bx"}
    assert errors(city.gql(OPEN_CASE, case, as_=admin)) == []
    assert denied_records(city) == []


# -- a unit's place ------------------------------------------------------------------------
def test_a_unit_cannot_be_placed_outside_nor_pulled_in_by_its_place(city: Secured) -> None:
    # u1 sits in 630102001 (inside); 630103 is another district: hidden as an unknown id.
    seen = same_as_unknown(
        city,
        LINK,
        link_input("LOCATED_IN", "u1", "630103"),
        link_input("LOCATED_IN", "u1", "zz9"),
        ("630103", "zz9"),
    )
    assert [e["code"] for e in seen] == ["NOT_FOUND"]
    # ux is another district's unit: placing it inside would pull it into sight.
    seen = same_as_unknown(
        city,
        LINK,
        link_input("LOCATED_IN", "ux", "630102001"),
        link_input("LOCATED_IN", "zz9", "630102001"),
        ("ux", "zz9"),
    )
    assert seen[0]["message"] == "no unit 'ux' on 2019-07-01"


def test_ending_a_units_place_may_not_carry_it_out_of_sight(city: Secured) -> None:
    # u1 is seen only through its place (no organization of the district is set up in
    # it): ending the link would leave the editor's unit where they cannot see it.
    before = city.store.digest()
    found = errors(city.gql(END_LINK, {"id": "located_in:u1>630102001"}, as_="editor"))
    assert [e["code"] for e in found] == ["PERMISSION_DENIED"], found
    assert city.store.digest() == before
