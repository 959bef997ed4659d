"""Malformed, oversized and random requests to the real server: 4xx, never 5xx.

One ``orggraph serve`` (embedded store, the seed forest, an administrator's API token)
runs for the module; the requests below carry the token, so they reach the GraphQL
handling behind sign-in. A table of malformed requests (bad JSON, wrong content types,
huge bodies, invalid GraphQL, wrong methods, bad variables, raw garbage on the socket)
must each get the 4xx written beside it. Then Hypothesis sends random bodies under random
methods and content types, and random variables (typed and untyped) to real queries and
mutations: never a 5xx, never an ``INTERNAL_SERVER_ERROR`` (an exception escaping a
resolver), never a stack trace. Requests without a valid token (none, an unknown one,
random ones) get 401 (403 for the deep health check) and no data, and the mutation among
them writes nothing. At the end the server's log holds no traceback and it still answers.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orggraph.settings import Settings
from orggraph.store.embedded import EmbeddedStore
from tests.reliability.harness import (
    CREATE_ORG,
    SCALE,
    ServerProcess,
    admin_token,
    api_client,
    org_input,
    seed_forest,
)

LIMIT = Settings().max_request_bytes  # the default the server runs with


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("http")
    with EmbeddedStore(folder / "http.db") as store:
        store.write(seed_forest(pairs=2))
        process_token = admin_token(store)
    process = ServerProcess(
        f"sqlite:///{folder / 'http.db'}", folder / "server.log", token=process_token
    )
    try:
        process.start()
        yield process
    finally:
        process.stop()
    log = process.log_path.read_text(errors="replace")
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log[-3000:]


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> Iterator[httpx.Client]:
    with api_client(server.token, timeout=20, base_url=server.url) as c:
        yield c


def _chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * 100_000
        sent += 100_000


GQL = "/graphql"
JSON = {"content-type": "application/json"}
DEEP = b"[" * 2000 + b"]" * 2000
LONG = "1" + "0" * 5000
DEEP_BODY = b'{"query": "{ __typename }", "variables": {"a": ' + DEEP + b"}}"
DEEP_EXTENSIONS = b'{"query": "{ __typename }", "extensions": ' + DEEP + b"}"
NESTED_65 = b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 64 + b"]" * 64 + b"}}"
LONG_BODY = b'{"query": "{ __typename }", "variables": {"a": ' + LONG.encode() + b"}}"
VAR_QUERY = "query($id: ID!) { organization(id: $id) { id } }"
CASES: list[tuple[str, str, dict[str, Any], int]] = [
    ("not JSON", "POST", {"content": b"{not json", "headers": JSON}, 400),
    ("not UTF-8", "POST", {"content": b'{"query":"\xff\xfe"}', "headers": JSON}, 400),
    ("JSON string", "POST", {"json": "query"}, 400),
    ("JSON number", "POST", {"content": b"5", "headers": JSON}, 400),
    ("JSON null", "POST", {"content": b"null", "headers": JSON}, 400),
    ("empty body", "POST", {"content": b"", "headers": JSON}, 400),
    ("empty object", "POST", {"json": {}}, 400),
    ("batch", "POST", {"json": [{"query": "{ __typename }"}]}, 400),
    ("query a number", "POST", {"json": {"query": 5}}, 400),
    (
        "text/plain",
        "POST",
        {"content": b'{"query":"{__typename}"}', "headers": {"content-type": "text/plain"}},
        400,
    ),
    ("no content type", "POST", {"content": b'{"query":"{__typename}"}'}, 400),
    (
        "form",
        "POST",
        {"content": b"query=x", "headers": {"content-type": "application/x-www-form-urlencoded"}},
        400,
    ),
    (
        "multipart",
        "POST",
        {"content": b"--x--\r\n", "headers": {"content-type": "multipart/form-data; boundary=x"}},
        400,
    ),
    ("XML", "POST", {"content": b"<query/>", "headers": {"content-type": "application/xml"}}, 400),
    (
        "huge, declared",
        "POST",
        {"content": b"{" + b" " * (LIMIT + 10) + b"}", "headers": JSON},
        413,
    ),
    ("huge, chunked", "POST", {"content": _chunks(3 * LIMIT), "headers": JSON}, 413),
    (
        "huge string variable",
        "POST",
        {"json": {"query": VAR_QUERY, "variables": {"id": "x" * (LIMIT + 1)}}},
        413,
    ),
    (
        "syntax error (graphql-response)",
        "POST",
        {
            "json": {"query": "{ organization("},
            "headers": {"accept": "application/graphql-response+json"},
        },
        400,
    ),
    (
        "unknown field (graphql-response)",
        "POST",
        {"json": {"query": "{ nope }"}, "headers": {"accept": "application/graphql-response+json"}},
        400,
    ),
    ("variables a string", "POST", {"json": {"query": VAR_QUERY, "variables": "x"}}, 400),
    ("variables a list", "POST", {"json": {"query": VAR_QUERY, "variables": [1]}}, 400),
    ("extensions a string", "POST", {"json": {"query": "{__typename}", "extensions": "x"}}, 400),
    (
        "two operations, no operationName",
        "POST",
        {"json": {"query": "query A { __typename } query B { __typename }"}},
        400,
    ),
    (
        "unknown operation",
        "POST",
        {"json": {"query": "query A { __typename }", "operationName": "B"}},
        400,
    ),
    ("PUT", "PUT", {"json": {"query": "{ __typename }"}}, 405),
    ("DELETE", "DELETE", {}, 405),
    ("PATCH", "PATCH", {"json": {"query": "{ __typename }"}}, 405),
    (
        "mutation over GET",
        "GET",
        {
            "params": {
                "query": 'mutation { endOrganization(id: "pA0", on: "2021-01-01") '
                "{ errors { code } } }"
            },
            "headers": {"accept": "application/json"},
        },
        405,
    ),
    ("GET without a query", "GET", {"headers": {"accept": "application/json"}}, 400),
    (
        "GET, variables not JSON",
        "GET",
        {"params": {"query": "{__typename}", "variables": "{bad"}},
        400,
    ),
    (
        "GET, variables a number",
        "GET",
        {"params": {"query": "{__typename}", "variables": "5"}},
        400,
    ),
    # JSON that overflowed the parser's stack or int() (HTTP 500 before): 2,000 levels of
    # nesting, and a number of 5,000 digits, in a body, a GET's variables, an export's.
    ("deep JSON variables", "POST", {"content": DEEP_BODY, "headers": JSON}, 400),
    ("deep JSON batch", "POST", {"content": b"[" + DEEP + b"]", "headers": JSON}, 400),
    ("deep JSON extensions", "POST", {"content": DEEP_EXTENSIONS, "headers": JSON}, 400),
    ("65 levels of variables", "POST", {"content": NESTED_65, "headers": JSON}, 400),
    ("a 5,000-digit number", "POST", {"content": LONG_BODY, "headers": JSON}, 400),
    (
        "GET, deep JSON variables",
        "GET",
        {"params": {"query": "{__typename}", "variables": DEEP.decode()}},
        400,
    ),
    (
        "GET, a 5,000-digit number",
        "GET",
        {"params": {"query": "{__typename}", "variables": '{"a": ' + LONG + "}"}},
        400,
    ),
    (
        "GET, variables not UTF-8",
        "GET",
        {"url": "/graphql?query=%7B__typename%7D&variables=%FF%FE"},
        400,
    ),
    (
        "export, deep JSON variables",
        "GET",
        {"url": "/exports/query", "params": {"name": "search", "variables": DEEP.decode()}},
        400,
    ),
    (
        "export, a 5,000-digit number",
        "GET",
        {"url": "/exports/query", "params": {"name": "search", "variables": '{"a":' + LONG + "}"}},
        400,
    ),
    ("POST to /healthz", "POST", {"url": "/healthz", "json": {}}, 405),
    ("unknown path", "GET", {"url": "/graphql/../../etc/passwd"}, 404),
]


@pytest.mark.parametrize(("name", "method", "kwargs", "status"), CASES, ids=[c[0] for c in CASES])
def test_malformed_requests_are_4xx(
    client: httpx.Client, name: str, method: str, kwargs: dict[str, Any], status: int
) -> None:
    kwargs = dict(kwargs)
    url = kwargs.pop("url", GQL)
    response = client.request(method, url, **kwargs)
    assert response.status_code == status, (name, response.status_code, response.text[:300])
    assert "Traceback" not in response.text


GRAPHQL_ERRORS = [
    ("syntax error", {"query": "{ organization("}),
    ("unknown field", {"query": "{ nope }"}),
    ("bad date", {"query": '{ organization(id: "pA0", asOf: "2019-13-45") { id } }'}),
    (
        "bad enum",
        {
            "query": 'mutation { createOrganization(input: {id: "x", name: "n", '
            "orgKind: NOPE, level: CITY}) { errors { code } } }"
        },
    ),
    ("Int past 32 bits", {"query": '{ search(text: "x", first: 99999999999) { id } }'}),
    ("an Int of 5,000 digits", {"query": '{ search(text: "x", first: ' + LONG + ") { id } }"}),
    ("too many aliases", {"query": "{" + " ".join(f"a{i}: __typename" for i in range(100)) + "}"}),
    (
        "too deep",
        {"query": '{ organization(id: "pA0") ' + "{ parent " * 20 + "{ id }" + " }" * 20 + " }"},
    ),
]


@pytest.mark.parametrize(("name", "body"), GRAPHQL_ERRORS, ids=[g[0] for g in GRAPHQL_ERRORS])
def test_invalid_graphql_is_refused_with_a_code(
    client: httpx.Client, name: str, body: dict[str, Any]
) -> None:
    """``application/json``: 200 with errors and no data executed (GraphQL over HTTP);
    ``application/graphql-response+json``: 400."""
    plain = client.post(GQL, json=body)
    assert plain.status_code == 200, (name, plain.text[:300])
    errors = plain.json()["errors"]
    refusals = {"GRAPHQL_VALIDATION_FAILED", "QUERY_TOO_COMPLEX"}
    assert errors and all(e["extensions"]["code"] in refusals for e in errors), errors
    assert plain.json().get("data") is None
    strict = client.post(GQL, json=body, headers={"accept": "application/graphql-response+json"})
    assert strict.status_code == 400, (name, strict.text[:300])


RAW = [
    ("a request line that is not HTTP", b"HELLO\r\n\r\n"),
    (
        "a bad Content-Length",
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: abc\r\n\r\n{}",
    ),
    (
        "two Content-Lengths",
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    ),
    ("a header without a colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n"),
    (
        "a 100 kB header",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
    ),
    (
        "a body cut short",
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"query"',
    ),
]


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("wrong variable type", {"query": VAR_QUERY, "variables": {"id": {"a": 1}}}),
        ("missing variable", {"query": VAR_QUERY, "variables": {}}),
        (
            "variable past 32 bits",
            {
                "query": 'query($n: Int!) { search(text: "x", first: $n) { id } }',
                "variables": {"n": 2**40},
            },
        ),
    ],
)
def test_bad_variables_are_refused_with_a_code(
    client: httpx.Client, name: str, body: dict[str, Any]
) -> None:
    """Variables that do not coerce: nothing runs, the error says which and why. (With
    ``application/json`` the status is 200, as GraphQL over HTTP has it.)"""
    response = client.post(GQL, json=body)
    assert response.status_code == 200, (name, response.text[:300])
    answer = response.json()
    assert answer.get("data") is None
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Variable '$" in answer["errors"][0]["message"]


@pytest.mark.parametrize(("name", "data"), RAW, ids=[r[0] for r in RAW])
def test_raw_garbage_on_the_socket(server: ServerProcess, name: str, data: bytes) -> None:
    """Garbage below HTTP: a 4xx answer or a closed connection, never a 5xx."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        try:
            sock.sendall(data)
            if name == "a body cut short":
                sock.shutdown(socket.SHUT_WR)
            answer = sock.recv(4096)
        except (ConnectionResetError, BrokenPipeError):
            answer = b""
    if answer:
        status = int(answer.split(b" ", 2)[1])
        # A well-formed GET with one big header may be served; garbage must be refused.
        low = 200 if name == "a 100 kB header" else 400
        assert low <= status < 500, (name, answer[:200])


# -- random requests ------------------------------------------------------------------
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "application/graphql-response+json",
            "application/graphql",
            "multipart/form-data; boundary=x",
            "multipart/form-data",
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
        ]
    ),
    st.text(max_size=20).filter(lambda t: "\n" not in t and "\r" not in t),
)


def _answer_is_sound(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])
    assert "Traceback" not in response.text
    if response.headers.get("content-type", "").startswith("application/"):
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict):
            codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or ()}
            assert "INTERNAL_SERVER_ERROR" not in codes, body


@settings(FUZZ, max_examples=100 * SCALE)
@given(
    method=METHODS,
    content_type=CONTENT_TYPES,
    body=st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(str.encode)),
    path=st.sampled_from(["/graphql", "/healthz", "/queries.json", "/", "/graphql/x"]),
)
def test_random_requests(
    client: httpx.Client, method: str, content_type: str, body: bytes, path: str
) -> None:
    headers = {"content-type": content_type} if content_type.isascii() else {}
    try:
        response = client.request(method, path, content=body, headers=headers)
    except httpx.LocalProtocolError:
        return  # httpx itself refuses to send it
    assert response.status_code != 401, response.text[:300]  # signed in: past the door
    _answer_is_sound(response)


IDS = st.one_of(
    st.sampled_from(["630100", "630101", "630102", "pA0", "pB1", "nope", ""]),
    st.text(max_size=12),
)
DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01", "9999-12-31", "2019-02-29", "2020-02-29", "today", ""]),
)
INTS = st.one_of(st.integers(-5, 50), st.integers(-(2**40), 2**40))
JSONISH = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        INTS,
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _enum(*names: str) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(names), st.text(max_size=8), st.none())


ORG_INPUT = st.fixed_dictionaries(
    {"id": IDS, "name": st.text(max_size=20)},
    optional={
        "orgKind": _enum("COMMITTEE", "WORKING_COMMITTEE", "GENERAL_BRANCH", "BRANCH"),
        "level": _enum("CITY", "COUNTY", "TOWNSHIP", "GRASSROOTS"),
        "sector": _enum("RURAL", "COMMUNITY", "AGENCY"),
        "parent": st.one_of(IDS, st.none()),
        "validFrom": st.one_of(DATES, st.none()),
        "code": st.one_of(st.text(max_size=12), st.none()),
        "termEnds": st.one_of(DATES, st.none()),
    },
)
UPDATE_INPUT = st.fixed_dictionaries(
    {"id": IDS},
    optional={
        "effective": st.one_of(DATES, st.none()),
        "name": st.one_of(st.text(max_size=20), st.none()),
        "parent": st.one_of(IDS, st.none()),
        "level": _enum("CITY", "COUNTY", "TOWNSHIP", "GRASSROOTS"),
    },
)
LINK_INPUT = st.fixed_dictionaries(
    {
        "kind": _enum("SUBORDINATE_TO", "MEMBER_OF", "HOLDS_POST", "COVERS", "CONTACTS"),
        "source": IDS,
        "target": IDS,
    },
    optional={
        "validFrom": st.one_of(DATES, st.none()),
        "validTo": st.one_of(DATES, st.none()),
        "role": _enum("SECRETARY", "DEPUTY_SECRETARY"),
        "mode": _enum("OWN", "JOINT"),
    },
)
OPERATIONS: list[tuple[str, dict[str, st.SearchStrategy[Any]]]] = [
    (
        "query($id: ID!, $asOf: Date) { organization(id: $id, asOf: $asOf) { id parent { id } } }",
        {"id": IDS, "asOf": DATES},
    ),
    ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": st.lists(IDS, max_size=5)}),
    (
        "query($t: String!, $n: Int!, $asOf: Date) "
        "{ search(text: $t, first: $n, asOf: $asOf) { id } }",
        {"t": st.text(max_size=10), "n": INTS, "asOf": DATES},
    ),
    (
        "query($f: Int, $a: String, $l: Int, $b: String) "
        "{ organizations(first: $f, after: $a, last: $l, before: $b) { __typename } }",
        {"f": INTS, "a": st.text(max_size=12), "l": INTS, "b": st.text(max_size=12)},
    ),
    (
        "query($s: ID!, $d: Int!) { subgraph(scope: $s, depth: $d) { __typename } }",
        {"s": IDS, "d": INTS},
    ),
    (
        "query($id: ID!, $asOf: Date) { responsibilityChain(id: $id, asOf: $asOf) { __typename } }",
        {"id": IDS, "asOf": DATES},
    ),
    (
        "query($since: Date!, $until: Date) "
        "{ changes(since: $since, until: $until) { __typename } }",
        {"since": DATES, "until": DATES},
    ),
    (
        "mutation($i: CreateOrganizationInput!) "
        "{ createOrganization(input: $i) { errors { code } } }",
        {"i": ORG_INPUT},
    ),
    (
        "mutation($i: UpdateOrganizationInput!) "
        "{ updateOrganization(input: $i) { errors { code } } }",
        {"i": UPDATE_INPUT},
    ),
    (
        "mutation($i: CreateLinkInput!) { createLink(input: $i) { errors { code } } }",
        {"i": LINK_INPUT},
    ),
    (
        "mutation($id: ID!, $on: Date!) { endLink(id: $id, on: $on) { errors { code } } }",
        {"id": st.one_of(IDS, st.sampled_from(["subordinate_to:pA0>630101"])), "on": DATES},
    ),
    (
        "mutation($id: ID!, $on: Date!) { endOrganization(id: $id, on: $on) { errors { code } } }",
        {"id": IDS, "on": DATES},
    ),
]


@st.composite
def graphql_requests(draw: st.DrawFn) -> dict[str, Any]:
    query, types = draw(st.sampled_from(OPERATIONS))
    variables = {name: draw(strategy) for name, strategy in types.items()}
    if draw(st.integers(0, 9)) == 0:  # now and then, values of any type at all
        variables = {name: draw(JSONISH) for name in types}
    return {"query": query, "variables": variables}


@settings(FUZZ, max_examples=150 * SCALE)
@given(request=graphql_requests())
def test_random_variables_reach_real_resolvers(
    client: httpx.Client, request: dict[str, Any]
) -> None:
    response = client.post(GQL, json=request)
    assert response.status_code != 401, response.text[:300]  # signed in: GraphQL ran
    _answer_is_sound(response)


# -- without valid credentials -----------------------------------------------------------
QUERY = {"query": "{ __typename }"}
ANONYMOUS: list[tuple[str, str, dict[str, Any], int]] = [
    ("no token, a query", "POST", {"json": QUERY}, 401),
    (
        "no token, over GET",
        "GET",
        {"params": QUERY, "headers": {"accept": "application/json"}},
        401,
    ),
    (
        "no token, a mutation",
        "POST",
        {"json": {"query": CREATE_ORG, "variables": {"input": org_input("anon1", "630101")}}},
        401,
    ),
    (
        "an unknown token",
        "POST",
        {"json": QUERY, "headers": {"authorization": "Bearer ogt_x"}},
        401,
    ),
    (
        "not a Bearer token",
        "POST",
        {"json": QUERY, "headers": {"authorization": "Basic cmVsOnJlbA=="}},
        401,
    ),
    ("no token, malformed JSON", "POST", {"content": b"{not json", "headers": JSON}, 401),
    ("no token, deep health", "GET", {"url": "/healthz", "params": {"deep": "1"}}, 403),
]


@pytest.mark.parametrize(
    ("name", "method", "kwargs", "status"), ANONYMOUS, ids=[c[0] for c in ANONYMOUS]
)
def test_requests_without_a_valid_token_are_refused(
    server: ServerProcess,
    client: httpx.Client,
    name: str,
    method: str,
    kwargs: dict[str, Any],
    status: int,
) -> None:
    """No GraphQL runs for them: the answer is the refusal and nothing else, and the
    mutation among them wrote nothing (the signed-in client finds no ``anon1``)."""
    kwargs = dict(kwargs)
    url = kwargs.pop("url", GQL)
    with httpx.Client(base_url=server.url, timeout=20) as anonymous:
        response = anonymous.request(method, url, **kwargs)
    assert response.status_code == status, (name, response.status_code, response.text[:300])
    body = response.json()
    assert "data" not in body and "counts" not in body and "digest" not in body, body
    if status == 401:
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
        assert response.headers["www-authenticate"].startswith("Bearer")
    seen = client.post(GQL, json={"query": '{ organization(id: "anon1") { id } }'})
    assert seen.json()["data"] == {"organization": None}  # beside it, the data's date


@settings(FUZZ, max_examples=30 * SCALE)
@given(
    method=METHODS,
    content_type=CONTENT_TYPES,
    body=st.binary(max_size=500),
    path=st.sampled_from(["/graphql", "/queries.json", "/graphql/x", "/audit"]),
    authorization=st.one_of(st.none(), st.text(max_size=40)),
)
def test_random_requests_without_a_valid_token(
    server: ServerProcess,
    method: str,
    content_type: str,
    body: bytes,
    path: str,
    authorization: str | None,
) -> None:
    """Random requests with no token (or a random one, never a valid one): a 4xx, never a
    5xx, and never data."""
    headers = {"content-type": content_type} if content_type.isascii() else {}
    if authorization is not None and authorization.isascii():
        headers["authorization"] = authorization
    with httpx.Client(base_url=server.url, timeout=20) as anonymous:
        try:
            response = anonymous.request(method, path, content=body, headers=headers)
        except httpx.LocalProtocolError:
            return  # httpx itself refuses to send it
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    _answer_is_sound(response)
    assert '"data"' not in response.text


def test_the_server_is_still_up_and_sound(client: httpx.Client, server: ServerProcess) -> None:
    assert client.get("/healthz").json()["ok"] is True
    # (the module fixture checks the log for tracebacks when it stops the server)
    assert server.process.poll() is None
