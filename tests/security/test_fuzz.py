"""schemathesis' GraphQL fuzzing as an administrator and as an analyst: never a 5xx.

schemathesis loads the schema by introspection (signed in: anonymous callers get none),
generates queries and mutations for every root field from it, and sends them to the app
with the account's token. Any answer is fine but a server error: 2xx with data or typed
errors, 4xx for what the limits refuse. Bounded examples per role (embedded store).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orggraph.store.embedded import EmbeddedStore
from tests.api.graphs import small_city
from tests.security.conftest import Secured, secure


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = EmbeddedStore(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    store.write(small_city())
    yield secure(store)
    store.close()


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_generated_operations_never_fail_the_server(app: Secured, role: str) -> None:
    headers = {"authorization": f"Bearer {app.tokens[role]}"}
    schema = schemathesis.graphql.from_asgi("/graphql", app.app, headers=headers)
    strategy = schema.as_strategy()
    statuses: list[int] = []

    @given(data=st.data())
    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(data: st.DataObject) -> None:
        case = data.draw(strategy)
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        assert response.status_code < 500, (case.body, response.text)

    run()
    assert len(statuses) == 60
    assert any(s == 200 for s in statuses)
