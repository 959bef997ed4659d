"""The API over each backend's store, driven through HTTP (httpx against the ASGI app)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from typing import Any

import httpx
import pytest

from orggraph.api import create_app
from orggraph.api.context import LOCAL_ADMIN, Actor
from orggraph.api.saved import SavedQuery
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from tests.api.graphs import small_city


class Api:
    """A client of the app over ``store``: one event loop per request, no server."""

    def __init__(
        self, store: GraphStore, actor: Actor = LOCAL_ADMIN, queries: list[SavedQuery] | None = None
    ) -> None:
        self.store = store
        self.app = create_app(store, Settings(), actor=actor, queries=queries or [])

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(go())

    def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The whole JSON answer of a POST."""
        response = self.request("POST", "/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of a query that must succeed."""
        body = self.post(query, variables)
        assert "errors" not in body, body["errors"]
        result: dict[str, Any] = body["data"]
        return result


#: The date the small city is asked at.
WHEN = date(2019, 6, 30)


@pytest.fixture
def api(store: GraphStore) -> Api:
    store.write(small_city())
    return Api(store)


@contextmanager
def held_a_while(lock: AbstractContextManager[Any], seconds: float = 0.2) -> Iterator[None]:
    """``lock`` held by another thread, as a write holds the store's lock to its commit,
    from before the block until ``seconds`` into it."""
    held, release = threading.Event(), threading.Event()

    def write_in_progress() -> None:
        with lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=write_in_progress)
    holder.start()
    held.wait(10)
    threading.Timer(seconds, release.set).start()
    try:
        yield
    finally:
        release.set()
        holder.join(10)
