"""Neo4j stopped and restarted under a load: clear retryable errors, nothing lost, recovery.

The test starts a Neo4j server of its own (the launcher of ``tests/neo4j_server.py``, a
throwaway data folder; the session's shared server is left alone) and ``orggraph serve``
over it, with ``ORGGRAPH_NEO4J_RETRY_SECONDS=1`` so that a request gives up a second into
an outage instead of fifteen. Two writers and a reader keep sending requests while
Neo4j is stopped (a clean shutdown), left down, and started again on the same data.

- While it is down, every answer is ``503`` with ``Retry-After`` and a GraphQL error whose
  ``extensions.code`` is ``STORE_UNAVAILABLE``, and no stack trace; nothing is a ``500``,
  and the API process itself keeps answering (no connection errors).
- After it is back, requests succeed again without restarting the API.
- Every acknowledged write is in Neo4j afterwards, the store passes ``orggraph check``'s
  rules, and the API's view equals a fresh store's (``/healthz?deep=1`` digest).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from orggraph.store.integrity import integrity_problems
from orggraph.store.neo4j import Neo4jStore
from tests.neo4j_server import Neo4jServer
from tests.reliability.harness import (
    CREATE_ORG,
    DISTRICTS,
    READ_ORG,
    SCALE,
    SEED_DAY,
    Answer,
    ServerProcess,
    admin_token,
    api_client,
    deep_health,
    org_input,
    post,
    seed_forest,
)


@dataclass
class Outcomes:
    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: list[tuple[float, str, Answer]] = field(default_factory=list)
    acked: dict[str, str] = field(default_factory=dict)

    def count(self, since: float, what: str) -> int:
        with self.lock:
            rows = [a for t, _, a in self.answers if t >= since]
        if what == "ok":
            return sum(a.status == 200 for a in rows)
        return sum(a.status == 503 for a in rows)


def _load(base: str, token: str, name: str, outcomes: Outcomes, stop: threading.Event) -> None:
    step = 0
    with api_client(token, timeout=60) as client:
        while not stop.is_set():
            step += 1
            if name == "reader":
                answer = post(client, base, READ_ORG, {"id": DISTRICTS[step % 3]})
            else:
                oid = f"{name}-{step:04d}"
                parent = DISTRICTS[step % 3]
                answer = post(client, base, CREATE_ORG, {"input": org_input(oid, parent)})
                if answer.acknowledged("createOrganization"):
                    with outcomes.lock:
                        outcomes.acked[oid] = parent
            with outcomes.lock:
                outcomes.answers.append((time.monotonic(), name, answer))
            if answer.status != 200:
                time.sleep(0.2)  # a client backing off, as Retry-After asks


def _codes(body: dict[str, Any]) -> set[str]:
    """The error codes of an answer: GraphQL's ``errors`` or the health check's ``error``."""
    found = {str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or ()}
    if body.get("error"):
        found.add(str(body["error"].get("code")))
    return found


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.mark.neo4j
@pytest.mark.slow
@pytest.mark.timeout(115 * SCALE)
def test_neo4j_stopped_and_restarted_under_load(tmp_path: Path) -> None:
    neo4j = Neo4jServer()
    url = f"neo4j://127.0.0.1:{neo4j.port}"
    api = ServerProcess(url, tmp_path / "server.log", env={"ORGGRAPH_NEO4J_RETRY_SECONDS": "1"})
    outcomes = Outcomes()
    stop = threading.Event()
    threads: list[threading.Thread] = []
    started = time.monotonic()
    downtime = 0.0
    try:
        neo4j.start()  # the API child imports meanwhile
        with Neo4jStore(neo4j.uri) as store:
            store.write(seed_forest(), actor="seed")
            token = admin_token(store)
        api.start()
        threads = [
            threading.Thread(target=_load, args=(api.url, token, name, outcomes, stop))
            for name in ("writer1", "writer2", "reader")
        ]
        for thread in threads:
            thread.start()
        _wait(lambda: len(outcomes.acked) >= 5, 30, "writes before the outage")

        for outage in range(SCALE):
            # A clean stop; in a soak run every second outage is a crash (SIGKILL).
            if outage % 2:
                neo4j.kill()
            else:
                neo4j.stop()
            down = time.monotonic()
            _wait(lambda down=down: outcomes.count(down, "503") >= 3, 30, "errors while it is down")
            with api_client(token, timeout=30) as client:
                health = client.get(api.url + "/healthz", params={"deep": "1"})
            assert health.status_code == 503, health.text
            assert _codes(health.json()) == {"STORE_UNAVAILABLE"}, health.text

            neo4j.start()
            back = time.monotonic()
            # Recovered by itself: new writes acknowledged, the API never restarted.
            acked = len(outcomes.acked)
            _wait(lambda acked=acked: len(outcomes.acked) >= acked + 5, 40, "writes after it")
            downtime += back - down
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

        reported = deep_health(api.url, token)
        with Neo4jStore(neo4j.uri) as store:
            assert reported["digest"] == store.digest()
            assert integrity_problems(store) == []
            lost = [o for o, p in outcomes.acked.items() if store.parent(o, SEED_DAY) != p]
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        api.stop()
        neo4j.cleanup()

    answers = [a for _, _, a in outcomes.answers]
    unavailable = [a for a in answers if a.status == 503]
    others = [a for a in answers if a.status not in (200, 503)]
    print(
        f"\nrequests {len(answers)}: {len(answers) - len(unavailable)} answered, "
        f"{len(unavailable)} STORE_UNAVAILABLE (503); writes acknowledged "
        f"{len(outcomes.acked)}, writes lost {len(lost)}; {SCALE} outage(s), Neo4j down "
        f"{downtime:.1f} s, "
        f"{time.monotonic() - started:.1f} s in all"
    )
    assert others == [], [(a.status, a.error, a.text[:300]) for a in others[:5]]
    for answer in unavailable:
        assert answer.headers.get("retry-after"), answer.headers
        assert "Traceback" not in answer.text and 'File "' not in answer.text, answer.text
        assert _codes(answer.body) == {"STORE_UNAVAILABLE"}, answer.text
        assert all("retr" in e["message"] for e in answer.body["errors"]), answer.text
    for answer in answers:
        if answer.status == 200:
            assert not answer.body.get("errors"), answer.text
    assert lost == []
