"""Hostile documents are refused before any resolver runs: a counting store sees no call.

Deep nesting, alias floods, huge pages, cost bombs, batches, fragment cycles, directive
and token floods: each answered with errors and no data, and the store behind the app is
never asked anything (``CountingStore`` counts every public call).
"""

from __future__ import annotations

from typing import Any

import pytest

from orggraph.api import create_app
from orggraph.api.context import Actor
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.api.graphs import small_city
from tests.security.conftest import CountingStore, call

ANALYST = Actor(name="analyst", role="analyst", scope=Scope(roots=frozenset({"630102"})))
B1 = 'organization(id: "b1", asOf: "2019-06-30")'

NAME = "{ " + B1 + " { name } }"

HOSTILE: dict[str, Any] = {
    "deep nesting (40 parents)": "{ " + B1 + " { " + "parent { " * 40 + "id" + " }" * 41 + " }",
    "alias flood (200 aliases)": "{ " + " ".join(f"a{i}: {B1} {{ id }}" for i in range(200)) + " }",
    "huge page": "{ organizations(first: 1000000) { totalCount } }",
    "negative page": "{ members(last: -5) { totalCount } }",
    "cost bomb (nested pages)": """{ members(first: 1000) { nodes { posts { organization {
        members(first: 1000) { nodes { posts { organization { name } } } } } } } } }""",
    "fragment cycle": "{ "
    + B1
    + """ { ...A } }
        fragment A on Organization { parent { ...B } }
        fragment B on Organization { children { ...A } }""",
    "directive flood": "{ " + B1 + " { id " + "@include(if: true) " * 1500 + "} }",
    "token flood": "{ " + "__typename " * 6000 + "}",
    "unknown field": "{ " + B1 + " { secrets } }",
    "syntax error": "{ organization(id: ",
    "subscription": "subscription { node(id: 1) { id } }",
}


_CATCHING_UP = frozenset({"current", "refresh"})


def reads(proxy: CountingStore) -> int:
    """Calls that read data (``current`` and ``refresh``, the index's look for other
    processes' commits and its catching up with them before each request, read nothing)."""
    return sum(n for name, n in proxy.calls.items() if name not in _CATCHING_UP)


@pytest.fixture
def counted(store: GraphStore) -> tuple[Any, CountingStore]:
    store.write(small_city())
    proxy = CountingStore(store)
    app = create_app(proxy, Settings(), actor=ANALYST, queries=[])  # type: ignore[arg-type]
    return app, proxy


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_document_is_refused_before_any_resolver(
    counted: tuple[Any, CountingStore], name: str
) -> None:
    app, proxy = counted
    proxy.calls.clear()
    response = call(app, "POST", "/graphql", json={"query": HOSTILE[name]})
    assert response.status_code in (200, 400), response.text
    body = response.json()
    assert body.get("data") is None
    assert body["errors"], body
    assert reads(proxy) == 0, proxy.calls
    assert len(response.content) < 50_000  # the refusal is short too


def test_a_batch_is_refused_before_any_resolver(counted: tuple[Any, CountingStore]) -> None:
    app, proxy = counted
    proxy.calls.clear()
    batch = [{"query": NAME}] * 50
    response = call(app, "POST", "/graphql", json=batch)
    assert response.status_code == 400
    assert reads(proxy) == 0


def test_the_limits_name_themselves(counted: tuple[Any, CountingStore]) -> None:
    app, _ = counted
    codes = {}
    for name in ("huge page", "cost bomb (nested pages)"):
        body = call(app, "POST", "/graphql", json={"query": HOSTILE[name]}).json()
        codes[name] = body["errors"][0]["extensions"]["code"]
    assert codes == {
        "huge page": "QUERY_TOO_COMPLEX",
        "cost bomb (nested pages)": "QUERY_TOO_COMPLEX",
    }
    body = call(app, "POST", "/graphql", json={"query": HOSTILE["cost bomb (nested pages)"]}).json()
    assert "max_query_cost" in body["errors"][0]["message"]


#: Two nested pages of one size: the cost is 1 + n × (2 + 2n) = 2n² + 2n + 1 (worked out
#: by hand: each organization's ``nodes`` entry costs 1 + its members' 1 + n × 2).
NESTED_PAGES = (
    'query($n: Int<DEFAULT>) { organizations(first: $n, asOf: "2019-06-30") '
    "{ nodes { members(first: $n) { nodes { name } } } } }"
)


def _asked(app: Any, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = call(
        app, "POST", "/graphql", json={"query": query, "variables": variables}
    ).json()
    return body


def test_a_variable_page_costs_what_it_asks(counted: tuple[Any, CountingStore]) -> None:
    app, proxy = counted
    query = NESTED_PAGES.replace("<DEFAULT>", "!")
    refused = _asked(app, query, {"n": 500})  # 2 × 500² + 2 × 500 + 1 = 501,001
    assert refused.get("data") is None
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "would cost 501,001" in refused["errors"][0]["message"]
    assert reads(proxy) == 0
    # The same document with a smaller page: 2 × 300² + 2 × 300 + 1 = 180,601, allowed.
    answered = _asked(app, query, {"n": 300})
    assert "errors" not in answered, answered
    assert answered["data"]["organizations"]["nodes"]
    assert reads(proxy) > 0
    assert _asked(app, query, {"n": 500})["errors"][0]["extensions"]["code"] == (
        "QUERY_TOO_COMPLEX"
    )


def test_a_page_not_given_costs_its_default_or_the_largest(
    counted: tuple[Any, CountingStore],
) -> None:
    app, _ = counted
    with_default = NESTED_PAGES.replace("<DEFAULT>", " = 500")
    assert "would cost 501,001" in _asked(app, with_default, {})["errors"][0]["message"]
    assert "errors" not in _asked(app, with_default, {"n": 10})  # 221
    # No value and no default: the largest page, 5,000: 2 × 5,000² + 2 × 5,000 + 1.
    unknown = NESTED_PAGES.replace("<DEFAULT>", "")
    body = _asked(app, unknown, {})
    assert "would cost 50,010,001" in body["errors"][0]["message"]


def test_an_ordinary_query_still_runs(counted: tuple[Any, CountingStore]) -> None:
    app, proxy = counted
    body = call(app, "POST", "/graphql", json={"query": NAME}).json()
    assert body["data"] == {"organization": {"name": "夏都花园社区党支部"}}
    assert reads(proxy) > 0


def test_unexpected_errors_are_masked(store: GraphStore) -> None:
    class Broken(CountingStore):
        def __getattr__(self, name: str) -> Any:
            if name == "node":
                raise_it = ZeroDivisionError("secret internals at /srv/orggraph")

                def boom(*args: Any, **kwargs: Any) -> Any:
                    raise raise_it

                return boom
            return super().__getattr__(name)

    store.write(small_city())
    app = create_app(Broken(store), Settings(), actor=ANALYST, queries=[])  # type: ignore[arg-type]
    body = call(app, "POST", "/graphql", json={"query": NAME}).json()
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "secret" not in str(body) and "ZeroDivision" not in str(body)
