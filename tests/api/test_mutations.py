"""Hand edits through GraphQL: validated like imports, typed errors, audited for the actor."""

from __future__ import annotations

from datetime import date

from orggraph.api.context import Actor
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.api.conftest import Api

CREATE_ORG = """mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization { id name level parent { id } validFrom }
    errors { code field message value }
  }
}"""


def test_create_an_organization_under_its_parent(api: Api) -> None:
    data = api.data(
        CREATE_ORG,
        {
            "input": {
                "id": "b3",
                "name": "新建村党支部",
                "orgKind": "BRANCH",
                "level": "GRASSROOTS",
                "sector": "RURAL",
                "parent": "630102001",
                "validFrom": "2019-07-01",
            }
        },
    )
    payload = data["createOrganization"]
    assert payload["errors"] == []
    assert payload["organization"] == {
        "id": "b3",
        "name": "新建村党支部",
        "level": "GRASSROOTS",
        "parent": {"id": "630102001"},
        "validFrom": "2019-07-01",
    }
    assert api.store.parent("b3", date(2019, 7, 1)) == "630102001"
    # Written for the request's actor (the local administrator), in the audit trail.
    assert api.store.audit_log(1)[0]["actor"] == "local-admin"  # type: ignore[attr-defined]


def test_a_bad_write_answers_every_problem_and_writes_nothing(api: Api) -> None:
    before = api.store.digest()
    data = api.data(
        CREATE_ORG,
        {
            "input": {
                "id": "b4",
                "name": "坏支部",
                "orgKind": "BRANCH",
                "level": "GRASSROOTS",
                "parent": "nowhere",
                "validFrom": "2019-07-01",
            }
        },
    )
    payload = data["createOrganization"]
    assert payload["organization"] is None
    assert payload["errors"] == [
        {
            "code": "link-ends-exist",
            "field": None,
            "message": "link subordinate_to:b4>nowhere: 'nowhere' is not a known organization id",
            "value": "nowhere",
        }
    ]
    assert api.store.digest() == before


def test_an_id_already_taken_is_refused(api: Api) -> None:
    data = api.data(
        CREATE_ORG,
        {"input": {"id": "b1", "name": "重复", "orgKind": "BRANCH", "level": "GRASSROOTS"}},
    )
    errors = data["createOrganization"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("exists", "id")]


def test_a_bad_enum_is_refused_by_graphql_before_any_write(api: Api) -> None:
    body = api.post(
        CREATE_ORG,
        {"input": {"id": "b5", "name": "x", "orgKind": "CLUB", "level": "GRASSROOTS"}},
    )
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "CLUB" in body["errors"][0]["message"]
    assert "Traceback" not in str(body)


def test_update_closes_the_old_version_and_moves(api: Api) -> None:
    data = api.data(
        """mutation { updateOrganization(input: {id: "b2", effective: "2019-07-01",
             name: "某村党总支", orgKind: GENERAL_BRANCH, parent: "630103"}) {
             organization { name orgKind parent { id } validFrom } errors { code } } }"""
    )
    assert data["updateOrganization"] == {
        "organization": {
            "name": "某村党总支",
            "orgKind": "GENERAL_BRANCH",
            "parent": {"id": "630103"},
            "validFrom": "2019-07-01",
        },
        "errors": [],
    }
    versions = api.store.node_versions(["b2"])["b2"]
    # History kept: the branch until 2019-07-01, the general branch from then.
    assert [(v.name, v.valid_from, v.valid_to) for v in versions] == [
        ("某村党支部", date(2012, 1, 1), date(2019, 7, 1)),
        ("某村党总支", date(2019, 7, 1), None),
    ]
    assert api.store.parent("b2", date(2019, 6, 30)) == "630102001"
    assert api.store.parent("b2", date(2019, 7, 1)) == "630103"


def test_updating_an_unknown_organization_is_not_found(api: Api) -> None:
    data = api.data(
        """mutation { updateOrganization(input: {id: "zz", name: "x"}) {
             organization { id } errors { code message } } }"""
    )
    assert [e["code"] for e in data["updateOrganization"]["errors"]] == ["NOT_FOUND"]


def test_end_an_organization_ends_its_links(api: Api) -> None:
    data = api.data(
        """mutation { endOrganization(id: "b2", on: "2019-07-01") {
             node { id validTo } errors { code } } }"""
    )
    # The payload shows the organization's last version, now closed on the day it ended.
    assert data["endOrganization"] == {"node": {"id": "b2", "validTo": "2019-07-01"}, "errors": []}
    assert api.store.node("b2", date(2019, 7, 1)) is None
    assert api.store.children("630102001", date(2019, 7, 1)) == ["b1"]


def test_members_posts_and_links(api: Api) -> None:
    data = api.data(
        """mutation {
             m: createMember(input: {id: "m9", name: "孙七", gender: FEMALE, ethnicity: "回族",
                  education: BACHELOR, birthYear: 1990, joinDate: "2015-07-01", status: FULL,
                  organization: "b2", validFrom: "2019-07-01"}) {
               member { id organization { id } } errors { code } }
             p: createPost(input: {member: "m9", organization: "b2", role: SECRETARY,
                  validFrom: "2019-07-02"}) {
               link { id ... on Post { role member { id } organization { secretary { id } } } }
               errors { code } }
             c: createLink(input: {kind: PAIRED_WITH, source: "b1", target: "b2",
                  validFrom: "2019-07-02"}) {
               link { kind ... on Pairing { strong { id } weak { id } } } errors { code } }
           }"""
    )
    assert data["m"] == {"member": {"id": "m9", "organization": {"id": "b2"}}, "errors": []}
    assert data["p"] == {
        "link": {
            "id": "holds_post:m9>b2#secretary",
            "role": "SECRETARY",
            "member": {"id": "m9"},
            "organization": {"secretary": {"id": "m9"}},
        },
        "errors": [],
    }
    assert data["c"] == {
        "link": {"kind": "PAIRED_WITH", "strong": {"id": "b1"}, "weak": {"id": "b2"}},
        "errors": [],
    }
    ended = api.data(
        """mutation { endPost(member: "m9", organization: "b2", role: SECRETARY,
             on: "2019-09-01") { link { validTo } errors { code } } }"""
    )
    assert ended["endPost"] == {"link": {"validTo": "2019-09-01"}, "errors": []}
    again = api.data(
        """mutation { endLink(id: "holds_post:m9>b2#secretary", on: "2019-10-01") {
             link { id } errors { code field } } }"""
    )
    assert again["endLink"]["errors"] == [{"code": "NOT_FOUND", "field": "id"}]


def test_a_link_of_the_wrong_kinds_is_refused(api: Api) -> None:
    data = api.data(
        """mutation { createLink(input: {kind: CONTACTS, source: "b1", target: "b2"}) {
             link { id } errors { code value } } }"""
    )
    # contacts joins a member to an organization; b1 is an organization.
    assert data["createLink"]["errors"] == [{"code": "link-end-kind", "value": "b1"}]


def test_update_member_transfers_between_organizations(api: Api) -> None:
    data = api.data(
        """mutation { updateMember(input: {id: "m3", effective: "2019-07-01", status: FULL,
             organization: "b2"}) { member { status organization { id } } errors { code } } }"""
    )
    assert data["updateMember"] == {
        "member": {"status": "FULL", "organization": {"id": "b2"}},
        "errors": [],
    }
    assert api.store.links_touching(["m3"])  # history kept: the old membership is closed


def test_writes_outside_the_actors_scope_are_refused(store: GraphStore) -> None:
    from tests.api.graphs import small_city

    store.write(small_city())
    district = Actor(name="analyst", role="admin", scope=Scope(roots=frozenset({"630103"})))
    api = Api(store, actor=district)
    data = api.data(
        """mutation { createLink(input: {kind: PAIRED_WITH, source: "b1", target: "b2"}) {
             link { id } errors { code } } }"""
    )
    assert data["createLink"]["errors"] == [{"code": "PERMISSION_DENIED"}]
