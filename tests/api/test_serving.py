"""Many users at once: a quick question is answered while a heavy one runs.

A real uvicorn server over the demo city: one client downloads the whole city's
responsibility lists (seconds of work) or asks for the city's coverage gaps at four dates;
meanwhile ``/healthz`` and a responsibility chain must be answered in a small fraction of
that time, which they are only if the heavy work runs off the event loop.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from orggraph.api import create_app
from orggraph.api.context import LOCAL_ADMIN
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from tests.api.live import LiveServer

CHAIN = (
    '{ responsibilityChain(id: "630102002009", asOf: "2019-06-30") '
    "{ paths { levels { organization secretary { name } } } } }"
)
#: The city's gaps at four month-ends: some 0.3 s of work each (none kept from another).
GAPS = (
    "{ "
    + " ".join(
        f'm{month}: coverageGaps(asOf: "{day}") {{ kind }}'
        for month, day in enumerate(["2019-03-31", "2019-04-30", "2019-05-31", "2019-06-30"])
    )
    + " }"
)


@pytest.fixture(scope="module")
def server(demo_store: GraphStore) -> Iterator[LiveServer]:
    app = create_app(demo_store, Settings(), actor=LOCAL_ADMIN)
    with LiveServer(app) as live:
        yield live


def _while_heavy(server: LiveServer, heavy: dict[str, object]) -> tuple[list[float], float]:
    """Seconds each quick request took while ``heavy`` ran, and how long ``heavy`` took."""
    took: dict[str, float] = {}

    def run() -> None:
        start = time.perf_counter()
        with httpx.Client(base_url=server.url, timeout=300) as client:
            answer = client.request(**heavy)  # type: ignore[arg-type]
        assert answer.status_code == 200, answer.text[:300]
        took["heavy"] = time.perf_counter() - start

    worker = threading.Thread(target=run)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        worker.start()
        time.sleep(0.1)  # the heavy request is under way
        quick: list[float] = []
        while worker.is_alive() and len(quick) < 20:
            start = time.perf_counter()
            health = client.get("/healthz")
            chain = client.post("/graphql", json={"query": CHAIN})
            quick.append(time.perf_counter() - start)
            assert health.status_code == 200 and chain.status_code == 200
            assert "errors" not in chain.json(), chain.text[:300]
    worker.join(timeout=300)
    return quick, took["heavy"]


@pytest.mark.parametrize(
    "heavy",
    [
        {"method": "GET", "url": "/exports/responsibility-list?year=2019&format=csv"},
        {"method": "POST", "url": "/graphql", "json": {"query": GAPS}},
    ],
    ids=["city-export", "city-gaps"],
)
def test_quick_requests_do_not_wait_behind_a_heavy_one(
    server: LiveServer, heavy: dict[str, object]
) -> None:
    quick, heavy_seconds = _while_heavy(server, heavy)
    # Answered while the heavy request still ran (on the event loop it would have
    # waited for all of it: the first answer only after the heavy one).
    assert quick, f"no quick answer while the heavy request ran ({heavy_seconds:.2f} s)"
    assert statistics.median(quick) < heavy_seconds / 3
