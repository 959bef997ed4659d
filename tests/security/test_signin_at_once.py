"""The sign-in looks an account up on the event loop when that cannot wait, else on a thread.

On the embedded store the accounts are read through the file's connection and lock: with
the lock free the look takes some tens of microseconds, and is made where the request
arrives (one thread hop fewer a request); a write holding the lock, a Neo4j round trip
and a refused token (recorded in the audit trail) go to a worker thread. Either way the
answer is the same: who the token belongs to now. Counted, not timed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orggraph.api.auth import RequireSignIn
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.api.conftest import held_a_while
from tests.api.graphs import small_city
from tests.security.conftest import Secured, secure

QUERY = "{ __typename }"


class Looks:
    """Where ``RequireSignIn.look`` ran (the loop's thread or another), and how often the
    thread's path (``resolve``) was taken."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[str] = []
        self.resolves = 0
        look, resolve = RequireSignIn.look, RequireSignIn.resolve

        def counted_look(middleware: RequireSignIn, request: Any) -> Any:
            self.threads.append("loop" if _on_loop() else "worker")
            return look(middleware, request)

        def counted_resolve(middleware: RequireSignIn, request: Any) -> Any:
            self.resolves += 1
            return resolve(middleware, request)

        monkeypatch.setattr(RequireSignIn, "look", counted_look)
        monkeypatch.setattr(RequireSignIn, "resolve", counted_resolve)


def _on_loop() -> bool:
    # ``tests.security.conftest.call`` runs each request's event loop on the main thread;
    # starlette's worker threads are others.
    return threading.current_thread() is threading.main_thread()


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Secured]:
    store = EmbeddedStore(tmp_path / "signin.db")
    store.write(small_city())
    yield secure(store)
    store.close()


def test_a_token_is_looked_up_where_the_request_arrives(
    embedded: Secured, monkeypatch: pytest.MonkeyPatch
) -> None:
    looks = Looks(monkeypatch)
    assert embedded.gql(QUERY, as_="analyst") == {"data": {"__typename": "Query"}}
    assert (looks.threads, looks.resolves) == (["loop"], 0)
    # Disabled, the account's token stops working at the next request, looked up the same way.
    embedded.accounts.set_disabled("analyst", True)
    refused = embedded.request("POST", "/graphql", as_="analyst", json={"query": QUERY})
    assert refused.status_code == 401
    # A refused token is looked up at once, then again on a thread, which records it.
    assert looks.threads[1:] == ["loop", "worker"] and looks.resolves == 1
    records = [r for r in embedded.store.audit_log(20) if r["action"] == "sign-in-refused"]
    assert len(records) == 1 and records[0]["detail"]["via"] == "token"


def test_a_held_file_lock_sends_the_look_to_a_thread(
    embedded: Secured, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = embedded.store
    assert isinstance(store, EmbeddedStore)
    # Only the sign-in meets the lock: the look for other processes' commits says "none".
    monkeypatch.setattr(store, "current", lambda: True)
    looks = Looks(monkeypatch)
    # The look cannot take the lock without waiting: the thread's path waits for it.
    with held_a_while(store._db_lock):
        assert embedded.gql(QUERY, as_="editor") == {"data": {"__typename": "Query"}}
    assert (looks.threads, looks.resolves) == (["worker"], 1)


def test_each_store_answers_the_same_wherever_it_looks(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write(small_city())
    secured = secure(store)
    looks = Looks(monkeypatch)
    assert secured.gql(QUERY, as_="viewer") == {"data": {"__typename": "Query"}}
    # The embedded store's accounts are read at once; Neo4j's are a round trip, never
    # made on the event loop.
    expected = (["loop"], 0) if isinstance(store, EmbeddedStore) else (["worker"], 1)
    assert (looks.threads, looks.resolves) == expected
