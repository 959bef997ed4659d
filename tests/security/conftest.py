"""The secured application over each backend: real sign-in, four accounts of each role.

Accounts on the small city (tests/api/graphs.py)::

    admin     admin    everything
    editor    editor   630102 城东区委's subtree
    analyst   analyst  630102001 东关街道党工委's subtree (b1, b2 and their people)
    viewer    viewer   630102's subtree

``Secured.gql(query, as_="analyst")`` posts with that account's API token.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from orggraph.api import create_app
from orggraph.settings import Settings
from orggraph.store.accounts import AccountStore, account_store
from orggraph.store.base import GraphStore
from tests.api.graphs import small_city

ACCOUNTS = {
    "admin": ("admin", frozenset()),
    "editor": ("editor", frozenset({"630102"})),
    "analyst": ("analyst", frozenset({"630102001"})),
    "viewer": ("viewer", frozenset({"630102"})),
}


def call(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request to the ASGI app, no server (one event loop per request)."""

    cookies = kwargs.pop("cookies", None)

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", cookies=cookies
        ) as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(go())


@dataclass
class Secured:
    store: GraphStore
    accounts: AccountStore
    app: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, url: str, *, as_: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if as_ is not None:
            headers["authorization"] = f"Bearer {self.tokens[as_]}"
        return call(self.app, method, url, headers=headers, **kwargs)

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str
    ) -> dict[str, Any]:
        response = self.request(
            "POST", "/graphql", as_=as_, json={"query": query, "variables": variables or {}}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def secure(store: GraphStore, settings: Settings | None = None) -> Secured:
    """The app over ``store`` (holding the small city) with the four accounts."""
    accounts = account_store(store)
    accounts.clear()
    made = Secured(store=store, accounts=accounts, app=None)
    for name, (role, roots) in ACCOUNTS.items():
        accounts.add(name, role, roots=roots)
        made.tokens[name] = accounts.issue_token(name)
    made.app = create_app(store, settings or Settings(), queries=[])
    return made


@pytest.fixture
def secured(store: GraphStore) -> Secured:
    store.write(small_city())
    return secure(store)


class CountingStore:
    """Delegates everything to ``store`` and counts the calls of each public method."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr) or name.startswith("_"):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return counted
