"""The heavy lane's work in a child process (``orggraph.api.heavy``, ``heavy_processes``).

On the small city (``tests/api/graphs.py``) over each store, two servers on one store: one
runs its heavy work on its own threads (``heavy_processes=0``), the other in a child. Every
query with an analysis counts as heavy here (``HEAVY_COST`` set to 0), so that the small
city's questions go to the child. Both must answer byte for byte the same: an analysis, an
error beside one, a scoped analyst's masked fields, the time limit, an export (and its
audit record). Expected values worked out by hand: 630102001, 630103 and b2 have no
secretary (b1 has m1, 630100 w1, 630102 d1); m1 张三 is b1's secretary, female,
汉族, born 1980 (an analyst sees her gender, not her ethnicity nor birth year).

On the demo city (embedded): a child killed while it exports is replaced, the export fails
with ``BUSY`` saying so, and the next one is answered; a server that stops (or is killed)
leaves no child behind.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from orggraph.api import create_app
from orggraph.api.context import LOCAL_ADMIN, Actor
from orggraph.api.heavy import HeavyPool
from orggraph.errors import Busy
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.api.graphs import small_city

ANALYST_630102 = Actor(
    name="analyst-east", role="analyst", scope=Scope(roots=frozenset({"630102"}))
)
GAPS = '{ coverageGaps(asOf: "2019-06-30", kinds: [VACANT_SECRETARY]) { kind subject } }'
MEMBER = """{ coverageGaps(asOf: "2019-06-30", kinds: [VACANT_SECRETARY]) { subject }
  member(id: "m1", asOf: "2019-06-30") {
    name gender ethnicity birthYear status isLeader masked } }"""
LIST_CSV = "/exports/responsibility-list?year=2019&as_of=2019-06-30&format=csv"


def _ask(app: Starlette, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(go())


@pytest.fixture
def every_analysis_heavy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("orggraph.api.schema.HEAVY_COST", 0)


class Pair:
    """Two servers over one store for one actor: threads (``here``) and a child."""

    def __init__(self, store: GraphStore, tmp_path: Path, actor: Actor, **settings: Any):
        def app(processes: int) -> Starlette:
            chosen = Settings(heavy_processes=processes, job_dir=str(tmp_path / "jobs"), **settings)
            return create_app(store, chosen, actor=actor, queries=[])

        self.here, self.child = app(0), app(1)

    def both(self, method: str, url: str, **kwargs: Any) -> tuple[httpx.Response, httpx.Response]:
        return _ask(self.here, method, url, **kwargs), _ask(self.child, method, url, **kwargs)

    def close(self) -> None:
        self.child.state.lane.pool.close()


@pytest.fixture
def pair_of(store: GraphStore, tmp_path: Path, every_analysis_heavy: None) -> Iterator[Any]:
    store.write(small_city())
    made: list[Pair] = []

    def make(actor: Actor = LOCAL_ADMIN, **settings: Any) -> Pair:
        made.append(Pair(store, tmp_path, actor, **settings))
        return made[-1]

    yield make
    for pair in made:
        pair.close()


def _child_pids(pair: Pair) -> list[int]:
    pids: list[int] = pair.child.state.lane.pool.pids
    return pids


def test_an_analysis_is_answered_by_the_child_byte_for_byte(pair_of: Any) -> None:
    pair = pair_of()
    here, child = pair.both("POST", "/graphql", json={"query": GAPS})
    assert _child_pids(pair) and all(pid != os.getpid() for pid in _child_pids(pair))
    assert child.status_code == here.status_code == 200
    assert child.content == here.content
    gaps = child.json()["data"]["coverageGaps"]
    # The three organizations without a secretary; b1 has m1, the city w1, 630102 d1.
    assert [g["subject"] for g in gaps] == ["630102001", "630103", "b2"]


def test_an_error_beside_an_analysis_is_the_same(pair_of: Any) -> None:
    pair = pair_of()
    query = (
        GAPS[:-2] + ' nope: responsibilityChain(id: "no-such", asOf: "2019-06-30") { subject } }'
    )
    here, child = pair.both("POST", "/graphql", json={"query": query})
    assert child.status_code == here.status_code
    assert child.content == here.content
    body = child.json()
    assert body["errors"] and body["errors"][0]["path"] == ["nope"], body
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["locations"]


def test_a_scoped_analysts_masked_fields_are_the_same(pair_of: Any) -> None:
    pair = pair_of(ANALYST_630102)
    here, child = pair.both("POST", "/graphql", json={"query": MEMBER})
    assert child.content == here.content
    body = child.json()
    assert body["data"]["member"] == {
        "name": "张三",
        "gender": "FEMALE",
        "ethnicity": None,
        "birthYear": None,
        "status": "FULL",
        "isLeader": False,
        "masked": ["ethnicity", "birth_year"],
    }
    # The scope holds: 630103 (outside 630102) is not among the analyst's gaps.
    assert [g["subject"] for g in body["data"]["coverageGaps"]] == ["630102001", "b2"]


def test_an_admins_sensitive_read_is_audited_once_through_the_child(
    pair_of: Any, store: GraphStore
) -> None:
    from orggraph.store.accounts import account_store

    pair = pair_of()
    answer = _ask(pair.child, "POST", "/graphql", json={"query": MEMBER})
    assert answer.json()["data"]["member"]["ethnicity"] == "汉族", answer.text
    entries = account_store(store).audit_entries(first=5, action="read-sensitive")
    assert [(e["actor"], e["detail"]["ids"], e["detail"]["fields"]) for e in entries] == [
        ("local-admin", ["m1"], ["birth_year", "ethnicity"])
    ]


def test_the_time_limit_holds_in_the_child(pair_of: Any) -> None:
    pair = pair_of(request_seconds=0.0)
    here, child = pair.both("POST", "/graphql", json={"query": GAPS})
    assert child.content == here.content
    assert [e["extensions"]["code"] for e in child.json()["errors"]] == ["TIMEOUT"]


def test_an_export_is_the_same_file_and_audited(pair_of: Any, store: GraphStore) -> None:
    from orggraph.store.accounts import account_store

    pair = pair_of()
    here, child = pair.both("GET", LIST_CSV)
    assert here.status_code == child.status_code == 200, child.text
    assert child.content == here.content
    assert child.headers["content-disposition"] == here.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(child.content.decode("utf-8-sig"))))
    assert "m1" in {r["人员编号"] for r in rows}  # b1's secretary is on the list
    exports = account_store(store).audit_entries(first=5, action="export")
    assert len(exports) == 2 and exports[0]["detail"] == exports[1]["detail"]


def test_an_export_job_through_the_child_reports_and_finishes(pair_of: Any) -> None:
    pair = pair_of()
    started = _ask(pair.child, "POST", "/jobs", json={"export": LIST_CSV})
    assert started.status_code == 202, started.text
    job = started.json()["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = _ask(pair.child, "GET", f"/jobs/{job}").json()
        if status["state"] not in ("queued", "running"):
            break
        time.sleep(0.2)
    assert status["state"] == "done", status
    made = _ask(pair.child, "GET", f"/jobs/{job}/result")
    direct = _ask(pair.here, "GET", LIST_CSV)
    assert made.content == direct.content


# -- a child that dies, a server that stops ------------------------------------------------


def test_a_killed_child_fails_its_request_clearly_and_is_replaced(
    demo_store: GraphStore,
) -> None:
    pool = HeavyPool(demo_store, Settings(), 1)
    try:
        pool.start()
        [first] = pool.pids
        reports: list[str] = []

        def kill_on_first_report(stage: str, done: int, total: int | None) -> None:
            if not reports:
                os.kill(first, signal.SIGKILL)
            reports.append(stage)

        began = time.monotonic()
        with pytest.raises(Busy, match=r"ended unexpectedly \(exit code -9\)"):
            pool.export(
                LOCAL_ADMIN,
                "responsibility-list",
                {"year": "2019", "format": "csv"},
                progress=kill_on_first_report,
            )
        assert time.monotonic() - began < 30  # told at once, not left hanging
        assert reports and pool.pids == []  # the dead one is gone
        content, media_type, _ = pool.export(
            LOCAL_ADMIN, "coverage", {"as_of": "2019-06-30", "format": "csv"}
        )
        assert content and media_type.startswith("text/csv")
        [second] = pool.pids
        assert second != first
    finally:
        pool.close()
    assert not _alive(second)


def _alive(pid: int) -> bool:
    """Whether any thread of ``pid`` still runs. A zombie waits for its parent's wait()
    and runs nothing; but its main thread turns zombie before its other threads end, and
    until they have, the parent's wait() does not see it gone (nor ``is_alive()``)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    for task in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            state = task.read_text().split(") ", 1)[1][0]
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended meanwhile
        if state not in "ZX":
            return True
    return False


def _gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_a_stopping_server_stops_its_children(store: GraphStore, tmp_path: Path) -> None:
    store.write(small_city())
    settings = Settings(heavy_processes=1, job_dir=str(tmp_path / "jobs"))
    app = create_app(store, settings, actor=LOCAL_ADMIN, queries=[])

    async def serve_one() -> int:
        async with app.router.lifespan_context(app):  # as uvicorn starts and stops it
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                assert (await client.get(LIST_CSV)).status_code == 200
            pids: list[int] = app.state.lane.pool.pids
            assert len(pids) == 1 and _alive(pids[0])
            return pids[0]

    pid = asyncio.run(serve_one())
    assert _gone(pid, 5)


def test_a_killed_server_leaves_no_child(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from orggraph.api.heavy import HeavyPool
        from orggraph.settings import Settings
        from orggraph.store.embedded import EmbeddedStore
        store = EmbeddedStore({str(tmp_path / "s.db")!r})
        pool = HeavyPool(store, Settings(), 1)
        pool.start()
        print(pool.pids[0], flush=True)
        time.sleep(600)
        """
    )
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        pid = int(server.stdout.readline())
        assert _alive(pid)
        server.kill()  # no clean-up runs: the child must notice by itself
        server.wait(10)
        assert _gone(pid, 10), f"the heavy child {pid} outlived its server"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
        if server.stdout is not None:
            server.stdout.close()


def test_a_child_dead_between_requests_is_replaced_unseen(pair_of: Any) -> None:
    pair = pair_of()
    assert _ask(pair.child, "POST", "/graphql", json={"query": GAPS}).status_code == 200
    [pid] = _child_pids(pair)
    os.kill(pid, signal.SIGKILL)
    assert _gone(pid, 5)
    # Nothing was sent to it: the next request is answered by another child.
    again = _ask(pair.child, "POST", "/graphql", json={"query": GAPS})
    assert again.status_code == 200 and "errors" not in again.json(), again.text
    assert _child_pids(pair) not in ([], [pid])
