"""Sign-in, cookies, CSRF, CORS, security headers and roles over HTTP (each backend)."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

from orggraph.api import create_app
from orggraph.settings import Settings
from tests.security.conftest import Secured, call, secure

ORG = '{ organization(id: "b1", asOf: "2019-06-30") { name } }'


def cookies_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return {k: v.value for k, v in jar.items()}


def sign_in(secured: Secured, name: str) -> dict[str, str]:
    """The cookies of a browser that signed in through the form as ``name``."""
    response = secured.request(
        "POST",
        "/signin",
        data={"token": secured.tokens[name], "next": "/graphql"},
        headers={"sec-fetch-site": "same-origin"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/graphql"
    return cookies_of(response)


# -- who is asking -------------------------------------------------------------------------
def test_nothing_answers_without_sign_in(secured: Secured) -> None:
    for method, url, kwargs in [
        ("POST", "/graphql", {"json": {"query": ORG}}),
        ("GET", "/graphql", {"params": {"query": ORG}}),
        ("GET", "/queries.json", {}),
        ("GET", "/exports/coverage", {}),
        ("POST", "/signout", {}),
    ]:
        response = secured.request(method, url, **kwargs)
        assert response.status_code == 401, url
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "data" not in response.json()
        assert response.headers["www-authenticate"] == 'Bearer realm="orggraph"'


def test_a_browser_without_a_session_is_sent_to_sign_in(secured: Secured) -> None:
    for url in ("/", "/graphql"):
        response = secured.request("GET", url, headers={"accept": "text/html"})
        assert response.status_code == 303
        assert response.headers["location"] == "/signin?next=" + url.replace("/", "%2F")
    page = secured.request("GET", "/signin")
    assert page.status_code == 200
    assert "<script" not in page.text  # no script at all on the sign-in page
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_anonymous_callers_get_no_introspection_and_no_suggestions(secured: Secured) -> None:
    for query in ("{ __schema { types { name } } }", "{ organizaton(id: 1) { name } }"):
        response = secured.request("POST", "/graphql", json={"query": query})
        assert response.status_code == 401
        assert "Did you mean" not in response.text
        assert "__schema" not in response.text and "Organization" not in response.text


def test_a_bad_token_is_refused_even_with_a_good_cookie(secured: Secured) -> None:
    cookies = sign_in(secured, "analyst")
    response = call(
        secured.app,
        "POST",
        "/graphql",
        json={"query": ORG},
        headers={"authorization": "Bearer ogt_forged", "x-csrf-token": cookies["orggraph_csrf"]},
        cookies=cookies,
    )
    assert response.status_code == 401


def test_a_token_signs_requests_in(secured: Secured) -> None:
    body = secured.gql("{ me { name role scope masked } }", as_="analyst")
    assert body["data"]["me"] == {
        "name": "analyst",
        "role": "analyst",
        "scope": ["630102001"],
        "masked": ["sensitive"],
    }


# -- the session cookie and CSRF --------------------------------------------------------------
def test_the_session_cookie_is_http_only_and_same_site(secured: Secured) -> None:
    response = secured.request(
        "POST",
        "/signin",
        data={"token": secured.tokens["viewer"]},
        headers={"sec-fetch-site": "same-origin"},
    )
    session = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("orggraph_session=")
    )
    assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/" in session
    assert "Secure" not in session  # plain http here; https sets Secure
    secure_app = call(
        secured.app,
        "POST",
        "https://test/signin",
        data={"token": secured.tokens["viewer"]},
        headers={"sec-fetch-site": "same-origin"},
    )
    assert all("Secure" in h for h in secure_app.headers.get_list("set-cookie"))
    assert "strict-transport-security" in secure_app.headers


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 403),  # no proof of origin at all
        ({"sec-fetch-site": "cross-site"}, 403),
        ({"sec-fetch-site": "same-site"}, 403),
        ({"origin": "http://evil.example"}, 403),
        ({"x-csrf-token": "guessed"}, 403),
        ({"sec-fetch-site": "same-origin"}, 200),
        ({"origin": "http://test"}, 200),
        ({"x-csrf-token": "<the session's>"}, 200),
    ],
)
def test_a_cookie_post_must_come_from_our_pages(
    secured: Secured, headers: dict[str, str], status: int
) -> None:
    cookies = sign_in(secured, "analyst")
    if headers.get("x-csrf-token") == "<the session's>":
        headers = {"x-csrf-token": cookies["orggraph_csrf"]}
    response = call(
        secured.app, "POST", "/graphql", json={"query": ORG}, headers=headers, cookies=cookies
    )
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"
    else:
        assert response.json()["data"]["organization"]["name"] == "夏都花园社区党支部"


def test_a_cookie_get_needs_no_csrf_proof_and_cannot_write(secured: Secured) -> None:
    cookies = sign_in(secured, "admin")
    read = call(secured.app, "GET", "/graphql", params={"query": ORG}, cookies=cookies)
    assert read.status_code == 200
    mutation = 'mutation { endOrganization(id: "b2", on: "2019-07-01") { errors { code } } }'
    before = secured.store.digest()
    write = call(secured.app, "GET", "/graphql", params={"query": mutation}, cookies=cookies)
    assert write.status_code == 405
    assert secured.store.digest() == before


def test_a_cross_site_sign_in_form_is_refused(secured: Secured) -> None:
    response = secured.request(
        "POST",
        "/signin",
        data={"token": secured.tokens["viewer"]},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_sign_in_redirects_only_within_this_server(secured: Secured) -> None:
    for unsafe in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = secured.request(
            "POST",
            "/signin",
            data={"token": secured.tokens["viewer"], "next": unsafe},
            headers={"sec-fetch-site": "same-origin"},
        )
        assert response.headers["location"] == "/"


def test_sign_out_ends_the_session(secured: Secured) -> None:
    cookies = sign_in(secured, "viewer")
    out = call(
        secured.app,
        "POST",
        "/signout",
        cookies=cookies,
        headers={"x-csrf-token": cookies["orggraph_csrf"]},
    )
    assert out.status_code == 303
    again = call(secured.app, "POST", "/graphql", json={"query": ORG}, cookies=cookies)
    assert again.status_code == 401


def test_the_first_admin_link_signs_in_once(secured: Secured) -> None:
    link = secured.accounts.issue_link("admin")
    first = secured.request("GET", "/signin", params={"token": link})
    assert first.status_code == 303 and "orggraph_session" in cookies_of(first)
    second = secured.request("GET", "/signin", params={"token": link})
    assert second.status_code == 401 and "set-cookie" not in second.headers
    entries = secured.accounts.audit_entries(first=5, action="sign-in")
    assert [(e["actor"], e["detail"]) for e in entries] == [("admin", {"via": "link"})]


# -- headers, CORS, limits ----------------------------------------------------------------------
def test_every_answer_carries_the_security_headers(secured: Secured) -> None:
    for response in (
        secured.request("POST", "/graphql", json={"query": ORG}, as_="viewer"),
        secured.request("POST", "/graphql", json={"query": ORG}),  # refused
        secured.request("GET", "/signin"),
        secured.request("GET", "/healthz"),
        secured.request("GET", "/", as_="viewer"),
    ):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "'unsafe-inline'" not in headers["content-security-policy"].split("script-src")[-1]
        assert "access-control-allow-origin" not in headers
    data = secured.request("POST", "/graphql", json={"query": ORG}, as_="viewer")
    assert data.headers["cache-control"] == "no-store"


def test_cors_is_closed_by_default(secured: Secured) -> None:
    preflight = secured.request(
        "OPTIONS",
        "/graphql",
        headers={
            "origin": "http://elsewhere.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code in (401, 405)


def test_cors_opens_to_the_listed_origins_for_tokens_only(secured: Secured) -> None:
    app = create_app(
        secured.store, Settings(cors_origins="https://bi.example, https://x.example"), queries=[]
    )
    preflight = call(
        app,
        "OPTIONS",
        "/graphql",
        headers={"origin": "https://bi.example", "access-control-request-method": "POST"},
    )
    assert preflight.headers["access-control-allow-origin"] == "https://bi.example"
    assert "access-control-allow-credentials" not in preflight.headers
    other = call(
        app,
        "OPTIONS",
        "/graphql",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in other.headers


def test_a_large_body_is_refused(secured: Secured) -> None:
    small = secure(secured.store, Settings(max_request_bytes=1000))
    response = small.request("POST", "/graphql", as_="admin", content=b"{" + b" " * 2000 + b"}")
    assert response.status_code == 413


def test_deep_health_is_for_admins(secured: Secured) -> None:
    assert secured.request("GET", "/healthz").json()["ok"] is True
    assert secured.request("GET", "/healthz?deep=1").status_code == 403
    assert secured.request("GET", "/healthz?deep=1", as_="analyst").status_code == 403
    assert "digest" in secured.request("GET", "/healthz?deep=1", as_="admin").json()
