"""Heavy work takes its turn: exports and city-wide analyses, ``heavy_at_once`` at a time.

While the server's heavy lane is taken (here by the test itself, as a long export would
hold it), a city-wide ``coverageGaps`` (the demo city: about 98,000 organizations,
members and units, over the 50,000 that makes an operation heavy) and an export wait
their turn and, past ``heavy_wait_seconds``, are refused with ``BUSY`` (503, Retry-After);
a responsibility chain and a one-township question go straight through.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest

from orggraph.api import create_app
from orggraph.api.context import LOCAL_ADMIN
from orggraph.api.lanes import HeavyLane
from orggraph.errors import Busy
from orggraph.settings import Settings
from orggraph.store.base import GraphStore

CITY_GAPS = '{ coverageGaps(asOf: "2019-06-30") { kind } }'
TOWNSHIP_GAPS = '{ coverageGaps(scope: ["630102002"], asOf: "2019-06-30") { kind } }'
CHAIN = '{ responsibilityChain(id: "630102002009", asOf: "2019-06-30") { subject } }'


def test_a_lane_lets_so_many_through_and_refuses_after_the_wait() -> None:
    lane = HeavyLane(1, 0.2)
    entered = threading.Event()
    leave = threading.Event()

    def hold() -> None:
        with lane.turn("the first"):
            entered.set()
            leave.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(5)
    started = time.monotonic()
    with pytest.raises(Busy, match=r"within 0\.2 s"), lane.turn("the second"):
        pass
    assert time.monotonic() - started >= 0.2
    leave.set()
    holder.join(5)
    with lane.turn("the third"):  # free again
        pass


def test_a_lane_refuses_at_once_when_its_waiting_room_is_full() -> None:
    """Waiters hold worker threads: past ``max_waiting`` the next is refused at once."""
    lane = HeavyLane(1, 5.0, max_waiting=2)
    entered, leave = threading.Event(), threading.Event()
    waited: list[str] = []

    def hold() -> None:
        with lane.turn("the first"):
            entered.set()
            leave.wait(10)

    def wait(name: str) -> None:
        with lane.turn(name):
            waited.append(name)

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(5)
    waiters = [threading.Thread(target=wait, args=(f"w{i}",)) for i in range(2)]
    for thread in waiters:
        thread.start()
    deadline = time.monotonic() + 5
    while lane.waiting < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    with pytest.raises(Busy, match="2 more are waiting"), lane.turn("the fourth"):
        pass
    assert time.monotonic() - started < 1.0  # at once, not after the wait
    leave.set()
    for thread in [holder, *waiters]:
        thread.join(10)
    assert sorted(waited) == ["w0", "w1"]  # the two in the waiting room had their turns


def _ask(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(go())


def test_heavy_requests_wait_for_their_turn_quick_ones_do_not(demo_store: GraphStore) -> None:
    settings = Settings(heavy_at_once=1, heavy_wait_seconds=0.3)
    app = create_app(demo_store, settings, actor=LOCAL_ADMIN, queries=[])
    lane: HeavyLane = app.state.lane
    with lane.turn("a long export"):
        gaps = _ask(app, "POST", "/graphql", json={"query": CITY_GAPS})
        export = _ask(app, "GET", "/exports/ledger?format=csv")
        chain = _ask(app, "POST", "/graphql", json={"query": CHAIN})
        township = _ask(app, "POST", "/graphql", json={"query": TOWNSHIP_GAPS})
    assert gaps.status_code == 503 and gaps.headers["retry-after"]
    assert [e["extensions"]["code"] for e in gaps.json()["errors"]] == ["BUSY"]
    assert export.status_code == 503 and export.json()["error"]["code"] == "BUSY"
    assert chain.status_code == 200 and "errors" not in chain.json(), chain.text
    assert township.status_code == 200 and "errors" not in township.json(), township.text
    # Its turn free, the city's gaps are answered.
    again = _ask(app, "POST", "/graphql", json={"query": CITY_GAPS})
    assert again.status_code == 200 and again.json()["data"]["coverageGaps"], again.text[:300]
