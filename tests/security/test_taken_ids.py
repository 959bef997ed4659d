"""A taken id says nothing about whether the actor can see its node (issue #18).

``createOrganization`` and ``createMember`` answered "id 'x' is already taken" for an id
held by a node outside the editor's scope, so any id could be probed for existence. Now:

- a create the editor may not make anyway (a parent or organization it cannot see, no
  parent at all) is refused exactly as it is for a free id: the policy is asked first;
- a create it could make, with a taken id, is refused with one answer, ``exists`` / "id
  'x' is not available", whether the node holding the id is in its scope or not.

The editor sees 630102's subtree (b1, m1…); bx and x1 belong to 630103 (test_write_scope).
"""

from __future__ import annotations

from typing import Any

import pytest

from orggraph.store.base import GraphStore
from tests.api.graphs import small_city
from tests.security.conftest import Secured, secure
from tests.security.test_write_scope import (
    CREATE_MEMBER,
    CREATE_ORG,
    ON,
    denied_records,
    errors,
    masked,
    outside_district,
)

NOT_AVAILABLE = [{"code": "exists", "message": "id 'ID' is not available"}]


@pytest.fixture
def city(store: GraphStore) -> Secured:
    store.write(small_city())
    store.write(outside_district())
    return secure(store)


def org_input(node_id: str, parent: str | None) -> dict[str, Any]:
    made = {"id": node_id, "name": "新支部", "orgKind": "BRANCH", "level": "GRASSROOTS"}
    return {"input": {**made, "parent": parent, "validFrom": ON}}


def member_input(node_id: str, organization: str | None) -> dict[str, Any]:
    made = {
        "id": node_id,
        "name": "新党员",
        "gender": "FEMALE",
        "ethnicity": "汉族",
        "education": "BACHELOR",
        "birthYear": 1990,
        "joinDate": "2015-07-01",
        "status": "FULL",
    }
    return {"input": {**made, "organization": organization, "validFrom": ON}}


def answers(city: Secured, query: str, cases: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The editor's errors for each id (masked to ``ID``), the store unchanged by all."""
    before = city.store.digest()
    out = {}
    for node_id, variables in cases.items():
        out[node_id] = masked(errors(city.gql(query, variables, as_="editor")), node_id)
    assert city.store.digest() == before
    return out


def test_a_hidden_taken_organization_id_answers_as_a_visible_one(city: Secured) -> None:
    # bx: 630103's branch (hidden); b1: a branch of the editor's own (visible).
    found = answers(city, CREATE_ORG, {i: org_input(i, "630102001") for i in ("bx", "b1")})
    assert found["bx"] == found["b1"]
    assert found["bx"] == masked(NOT_AVAILABLE, "ID")


def test_a_hidden_taken_member_id_answers_as_a_visible_one(city: Secured) -> None:
    found = answers(city, CREATE_MEMBER, {i: member_input(i, "b1") for i in ("x1", "m1")})
    assert found["x1"] == found["m1"] == masked(NOT_AVAILABLE, "ID")


@pytest.mark.parametrize(
    ("query", "make", "place"),
    [
        (CREATE_ORG, org_input, None),  # a root: never the editor's to create
        (CREATE_ORG, org_input, "630103"),  # under another district
        (CREATE_MEMBER, member_input, None),  # an orphan
        (CREATE_MEMBER, member_input, "bx"),  # into another district's branch
    ],
)
def test_a_create_refused_anyway_is_refused_alike_for_taken_and_free_ids(
    city: Secured, query: str, make: Any, place: str | None
) -> None:
    taken = "bx" if query == CREATE_ORG else "x1"
    found = answers(city, query, {taken: make(taken, place), "zz9": make("zz9", place)})
    assert found[taken] == found["zz9"]
    assert "exists" not in found[taken] and "available" not in found[taken]


def test_the_refusal_is_audited_with_ids_only(city: Secured) -> None:
    city.gql(CREATE_MEMBER, member_input("x1", "b1"), as_="editor")
    (record,) = [r for r in denied_records(city) if r["detail"]["action"] == "createMember"]
    assert record["actor"] == "editor"
    assert record["detail"] == {
        "action": "createMember",
        "code": record["detail"]["code"],
        "reason": "id-taken",
        "ids": ["x1"],
    }


def test_an_administrator_is_told_the_id_is_not_available(city: Secured) -> None:
    body = city.gql(CREATE_MEMBER, member_input("x1", "b1"), as_="admin")
    assert masked(errors(body), "x1") == masked(NOT_AVAILABLE, "ID")
    assert city.store.node_versions(["x1"])["x1"][0].name == "外区党员"
