"""An id outside the scope costs what an unknown id costs (issue 18: existence by timing).

``node(id)`` for a member outside the analyst's scope once took four times as long as
for an id that does not exist (the scope's whole member set was gathered to say no),
with identical bodies. Both now make the same store calls (``ScopeView.lookup``).

The graph: ``many_branches(400)``: 400 branches under 630102001 with 800 members, the
analyst's scope; ``lead`` is a member of 630102, outside it.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx

from orggraph.store.base import GraphStore
from tests.api.graphs import many_branches
from tests.security.conftest import secure

QUERY = "query($id: ID!) { node(id: $id) { id name } }"
ROUNDS = 300  # pairs of requests, interleaved


def test_hidden_and_unknown_ids_answer_in_the_same_time(store: GraphStore) -> None:
    store.write(many_branches(400))
    city = secure(store)
    headers = {"authorization": f"Bearer {city.tokens['analyst']}"}
    ids = {"hidden": "lead", "unknown": "no-such-id"}

    async def measure() -> dict[str, list[float]]:
        transport = httpx.ASGITransport(app=city.app)
        times: dict[str, list[float]] = {name: [] for name in ids}
        bodies: dict[str, set[bytes]] = {name: set() for name in ids}
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

            async def ask(name: str) -> float:
                body = {"query": QUERY, "variables": {"id": ids[name]}}
                start = time.perf_counter()
                response = await client.post("/graphql", json=body, headers=headers)
                elapsed = time.perf_counter() - start
                assert response.status_code == 200
                bodies[name].add(response.content)
                return elapsed

            for _ in range(20):  # warm up: plans, caches, the first views
                for name in ids:
                    await ask(name)
            for i in range(ROUNDS):
                # Interleaved, the order alternating: drift and noise fall on both alike.
                order = list(ids) if i % 2 == 0 else list(reversed(ids))
                for name in order:
                    times[name].append(await ask(name))
        # Byte for byte alike; both say the data's date (tiny_city's b2 begins 2012-01-01,
        # the latest date of the graph), which no id changes (数据截至).
        assert bodies["hidden"] == bodies["unknown"]
        (body,) = bodies["hidden"]
        assert body.startswith(b'{"data":{"node":null},"extensions":{"dataDate":"2012-01-01"')
        return times

    times = asyncio.run(measure())
    hidden, unknown = (statistics.median(times[name]) for name in ids)
    ratio = hidden / unknown
    print(f"median hidden {hidden * 1000:.2f} ms, unknown {unknown * 1000:.2f} ms")
    assert 1 / 1.2 <= ratio <= 1.2, (
        f"hidden {hidden * 1000:.2f} ms against unknown {unknown * 1000:.2f} ms"
    )
