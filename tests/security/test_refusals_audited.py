"""Refusals leave a trace: refused sign-ins and refused exports are in the audit trail.

Each record names who (the account, or ``(anonymous)`` when that is what could not be
told), what and why, and never the secret that was tried. On both stores, with the four
accounts of tests/security/conftest.py.
"""

from __future__ import annotations

from typing import Any

from orggraph.api.auth import ANONYMOUS
from tests.security.conftest import Secured

SECRET = "not-a-real-token-7f3a9c"


def _records(secured: Secured, action: str) -> list[dict[str, Any]]:
    return [r for r in secured.store.audit_log(50) if r["action"] == action]


def test_a_refused_sign_in_is_recorded_without_its_secret(secured: Secured) -> None:
    page = secured.request("GET", f"/signin?token={SECRET}")
    form = secured.request(
        "POST",
        "/signin",
        content=f"token={SECRET}&next=/",
        headers={"content-type": "application/x-www-form-urlencoded", "origin": "http://test"},
    )
    api = secured.request(
        "POST",
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"authorization": f"Bearer {SECRET}"},
    )
    assert (page.status_code, form.status_code, api.status_code) == (401, 401, 401)
    refused = _records(secured, "sign-in-refused")
    assert [r["detail"]["via"] for r in reversed(refused)] == ["link", "form", "token"]
    assert {r["actor"] for r in refused} == {ANONYMOUS}
    assert all(SECRET not in str(r) for r in secured.store.audit_log(50))


def test_a_refused_export_is_recorded_with_its_reason(secured: Secured) -> None:
    # The viewer's role may not read the lists' personal data; the analyst's scope does
    # not hold the district committee it asks for.
    denied = secured.request("GET", "/exports/ledger?format=csv", as_="viewer")
    outside = secured.request(
        "GET", "/exports/responsibility-list?format=csv&root=630102", as_="analyst"
    )
    assert denied.status_code == 403, denied.text
    assert outside.status_code in (403, 404), outside.text
    refused = _records(secured, "export-refused")
    by_actor = {r["actor"]: r["detail"] for r in refused}
    assert by_actor["viewer"]["kind"] == "ledger"
    assert by_actor["viewer"]["code"] == "PERMISSION_DENIED"
    assert by_actor["analyst"]["kind"] == "responsibility-list"
    assert by_actor["analyst"]["params"]["root"] == "630102"
    # What was exported is recorded too, and only that.
    done = secured.request("GET", "/exports/ledger?format=csv", as_="analyst")
    assert done.status_code == 200, done.text
    assert [r["detail"]["kind"] for r in _records(secured, "export")] == ["ledger"]
