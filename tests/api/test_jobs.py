"""Heavy work as jobs (``orggraph.api.jobs``): started, watched, fetched, cancelled, limited.

On the small city (``tests/api/graphs.py``) over each store: a job's file is the download's
file byte for byte, a query job's answer is ``/graphql``'s, each actor sees only their own
jobs, and a scoped actor's job holds only their scope. On the demo city (embedded): the
city's responsibility list reports a percent that moves forward, and a cancel leaves no
result. The limits and the expiry hold the server's heavy lane, so that jobs stay queued.
"""

from __future__ import annotations

import asyncio
import csv
import io
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from starlette.applications import Starlette

from orggraph.api import create_app
from orggraph.api.context import LOCAL_ADMIN, Actor
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.api.graphs import small_city

LIST_CSV = "/exports/responsibility-list?year=2019&as_of=2019-06-30&format=csv"
CITY_LIST = "/exports/responsibility-list?year=2019&format=xlsx"
GAPS = '{ coverageGaps(asOf: "2019-06-30") { kind subject } }'
FINISHED = ("done", "failed", "cancelled")

ANALYST_630102 = Actor(
    name="analyst-east", role="analyst", scope=Scope(roots=frozenset({"630102"}))
)
VIEWER_630102 = Actor(name="viewer-east", role="viewer", scope=Scope(roots=frozenset({"630102"})))
OTHER_ADMIN = Actor(name="other-admin", role="admin")


class Client:
    """One actor's client of an app (as ``tests/api/conftest.Api``: no server)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(go())

    def start(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.request("POST", "/jobs", json=body)
        assert response.status_code == 202, response.text
        status: dict[str, Any] = response.json()
        assert response.headers["location"] == f"/jobs/{status['id']}"
        return status

    def status(self, job_id: str) -> dict[str, Any]:
        response = self.request("GET", f"/jobs/{job_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait(
        self, job_id: str, seconds: float = 120
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The job's final status, and every status seen on the way (every 200 ms)."""
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            seen.append(self.status(job_id))
            if seen[-1]["state"] in FINISHED:
                return seen[-1], seen
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not finish in {seconds} s: {seen[-1]}")


def _app(store: GraphStore, folder: Path, actor: Actor = LOCAL_ADMIN, **settings: Any) -> Client:
    """A client of an app over ``store`` whose jobs are kept under ``folder``."""
    jobs = folder / "jobs"  # beside the store's files
    app = create_app(store, Settings(job_dir=str(jobs), **settings), actor=actor, queries=[])
    return Client(app)


@pytest.fixture
def jobs_end() -> Iterator[None]:
    """After the test, every job thread has ended (none outlives its store)."""
    yield
    deadline = time.monotonic() + 60
    while any(t.name.startswith("job-") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "a job thread did not end"
        time.sleep(0.05)


@pytest.fixture
def city(store: GraphStore, jobs_end: None) -> GraphStore:
    store.write(small_city())
    return store


def _secretaries(content: bytes) -> set[str]:
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    return {r["人员编号"] for r in rows}


def test_an_export_job_makes_the_download_s_file(city: GraphStore, tmp_path: Path) -> None:
    client = _app(city, tmp_path)
    started = client.start({"export": LIST_CSV})
    assert started["kind"] == "export" and started["label"] == "责任清单 2019（CSV）"
    assert started["state"] in ("queued", "running") and started["result"] is None
    final, _ = client.wait(started["id"])
    assert final["state"] == "done", final
    assert final["percent"] == 100.0 and final["error"] is None
    assert final["result"] == f"/jobs/{started['id']}/result"
    assert final["filename"] == "责任清单-2019.csv"
    result = client.request("GET", final["result"])
    direct = client.request("GET", LIST_CSV)
    assert result.status_code == 200 and direct.status_code == 200
    assert result.content == direct.content  # byte for byte
    assert result.headers["content-disposition"] == direct.headers["content-disposition"]
    # The city's three secretaries (w1 city, d1 城东区委, m1 夏都花园), 19 duties between them.
    assert _secretaries(result.content) == {"w1", "d1", "m1"}
    assert final["rows"] == 19
    # Audited as the download is, with the job named.
    exports = [e for e in city.audit_log(20) if e["action"] == "export"]
    assert any(e["detail"].get("job") == started["id"] for e in exports)
    assert [e["detail"]["id"] for e in city.audit_log(20) if e["action"] == "job"] == [
        started["id"]
    ]


def test_a_query_job_answers_what_graphql_answers(city: GraphStore, tmp_path: Path) -> None:
    client = _app(city, tmp_path)
    started = client.start({"query": GAPS})
    assert started["kind"] == "query" and started["label"] == "查询 coverageGaps"
    final, _ = client.wait(started["id"])
    assert final["state"] == "done", final
    answer = client.request("GET", final["result"]).json()
    assert answer == client.request("POST", "/graphql", json={"query": GAPS}).json()
    # Gaps at 2019-06-30: u1 has no organization; 630102001, b2 and 630103 no secretary;
    # b2 no contact leader; b1 (2) and b2 (1) fewer than 3 full members; 630103 no group.
    subjects = {g["subject"] for g in answer["data"]["coverageGaps"]}
    assert subjects == {"u1", "630102001", "b1", "b2", "630103"}
    assert final["rows"] == len(answer["data"]["coverageGaps"]) == 8


def test_jobs_are_their_starter_s_alone(city: GraphStore, tmp_path: Path) -> None:
    mine, theirs = _app(city, tmp_path), _app(city, tmp_path, OTHER_ADMIN)
    job = mine.start({"export": LIST_CSV})
    mine.wait(job["id"])
    for method, url in [
        ("GET", f"/jobs/{job['id']}"),
        ("GET", f"/jobs/{job['id']}/result"),
        ("DELETE", f"/jobs/{job['id']}"),
    ]:
        response = theirs.request(method, url)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert theirs.request("GET", "/jobs").json() == []
    assert [j["id"] for j in mine.request("GET", "/jobs").json()] == [job["id"]]
    assert mine.status(job["id"])["state"] == "done"  # the other's DELETE did nothing


def test_a_scoped_actor_s_job_holds_their_scope_only(city: GraphStore, tmp_path: Path) -> None:
    analyst = _app(city, tmp_path, ANALYST_630102)
    job = analyst.start({"export": LIST_CSV})
    final, _ = analyst.wait(job["id"])
    content = analyst.request("GET", final["result"]).content
    assert _secretaries(content) == {"d1", "m1"}  # not w1, the city's secretary
    assert content == analyst.request("GET", LIST_CSV).content

    viewer = _app(city, tmp_path, VIEWER_630102)
    refused = viewer.request("POST", "/jobs", json={"export": LIST_CSV})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert any(e["action"] == "export-refused" for e in city.audit_log(10))
    gaps = viewer.start({"query": GAPS})
    final, _ = viewer.wait(gaps["id"])
    answer = viewer.request("GET", final["result"]).json()
    assert {g["subject"] for g in answer["data"]["coverageGaps"]} == {
        "u1",
        "630102001",
        "b1",
        "b2",
    }


def test_a_job_outside_the_scope_fails_and_is_audited(city: GraphStore, tmp_path: Path) -> None:
    analyst = _app(city, tmp_path, ANALYST_630102)
    job = analyst.start({"export": LIST_CSV + "&root=630103"})  # 城中区委: not 城东区's
    final, _ = analyst.wait(job["id"])
    assert final["state"] == "failed" and final["result"] is None
    assert final["error"]["code"] == "NOT_FOUND" and "630103" in final["error"]["message"]
    refused = [e["detail"] for e in city.audit_log(10) if e["action"] == "export-refused"]
    assert refused and refused[0]["job"] == job["id"] and refused[0]["code"] == "NOT_FOUND"


def test_jobs_ask_for_a_sign_in(city: GraphStore, tmp_path: Path) -> None:
    anonymous = Client(create_app(city, Settings(job_dir=str(tmp_path / "jobs")), queries=[]))
    for method, url in [("POST", "/jobs"), ("GET", "/jobs"), ("GET", "/jobs/abcdefgh12")]:
        response = anonymous.request(method, url, json={"query": GAPS})
        assert response.status_code == 401, (method, url, response.status_code)
    assert not (tmp_path / "jobs").exists()  # made on a first job, not for every server


@pytest.mark.parametrize(
    ("body", "code", "says"),
    [
        ({"export": "https://elsewhere.example/exports/ledger"}, "BAD_REQUEST", "not an export"),
        ({"export": "/graphql?query={me{name}}"}, "BAD_REQUEST", "/exports/<kind>"),
        ({"export": "/exports/payroll?format=csv"}, "VALIDATION_FAILED", "unknown export"),
        ({"export": "/exports/ledger?year=19"}, "VALIDATION_FAILED", "not a year"),
        ({"export": "/exports/ledger?format=odt"}, "VALIDATION_FAILED", "unknown format"),
        ({"query": "{ coverageGaps( }"}, "GRAPHQL_PARSE_FAILED", "does not parse"),
        ({"query": 'mutation { endNode(id: "b1") { ok } }'}, "BAD_REQUEST", "queries only"),
        ({"query": "query A { me { name } } query B { me { name } }"}, "BAD_REQUEST", "name"),
        ({"export": LIST_CSV, "query": GAPS}, "BAD_REQUEST", "a job is"),
        ([1, 2], "BAD_REQUEST", "a job is"),
    ],
)
def test_a_bad_job_is_refused_before_it_starts(
    city: GraphStore, tmp_path: Path, body: Any, code: str, says: str
) -> None:
    client = _app(city, tmp_path)
    response = client.request("POST", "/jobs", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code and says in error["message"], error
    assert client.request("GET", "/jobs").json() == []
    not_json = client.request("POST", "/jobs", content=b"{" * 3000)
    assert not_json.status_code == 400


def test_jobs_are_limited_per_actor_and_in_all(store: GraphStore, tmp_path: Path) -> None:
    store.write(small_city())
    limits: dict[str, Any] = {"jobs_per_actor": 2, "jobs_at_once": 3}
    mine, theirs = _app(store, tmp_path, **limits), _app(store, tmp_path, OTHER_ADMIN, **limits)
    ids: list[tuple[Client, str]] = []
    # Both "servers'" lanes held: every job stays queued.
    with mine.app.state.lane.turn("a test"), theirs.app.state.lane.turn("a test"):
        ids += [(mine, mine.start({"export": LIST_CSV})["id"]) for _ in range(2)]
        over = mine.request("POST", "/jobs", json={"query": GAPS})
        assert over.status_code == 429 and int(over.headers["retry-after"]) > 0
        assert "jobs_per_actor = 2" in over.json()["errors"][0]["message"]
        ids.append((theirs, theirs.start({"query": GAPS})["id"]))
        full = theirs.request("POST", "/jobs", json={"query": GAPS})
        assert full.status_code == 503 and int(full.headers["retry-after"]) > 0
        assert full.json()["errors"][0]["extensions"]["code"] == "BUSY"
        assert {mine.status(i)["state"] for c, i in ids if c is mine} == {"queued"}
        # A cancelled job no longer counts: the actor may start another.
        cancelled = mine.request("DELETE", f"/jobs/{ids[0][1]}")
        assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
        ids.append((mine, mine.start({"query": GAPS})["id"]))
    finals = {i: c.wait(i)[0]["state"] for c, i in ids}
    assert list(finals.values()) == ["cancelled", "done", "done", "done"]
    # The job cancelled while queued never ran: one export recorded, for the other job.
    exports = [e["detail"].get("job") for e in store.audit_log(50) if e["action"] == "export"]
    assert exports == [ids[1][1]]


def test_a_finished_job_is_kept_for_job_keep_seconds(store: GraphStore, tmp_path: Path) -> None:
    store.write(small_city())
    kept = _app(store, tmp_path, job_keep_seconds=0.5)
    job = kept.start({"export": LIST_CSV})
    kept.wait(job["id"])
    assert kept.request("GET", f"/jobs/{job['id']}/result").status_code == 200
    time.sleep(0.6)
    assert kept.request("GET", f"/jobs/{job['id']}").status_code == 404  # gone at once
    assert kept.request("GET", f"/jobs/{job['id']}/result").status_code == 404
    assert kept.request("GET", "/jobs").json() == []  # and the listing sweeps its files
    assert [p.name for p in (tmp_path / "jobs").iterdir() if not p.name.startswith(".")] == []


# -- the demo city: progress and cancel on real work -----------------------------------------


def test_the_city_list_reports_a_percent_that_moves(
    demo_store: GraphStore, tmp_path: Path, jobs_end: None
) -> None:
    client = _app(demo_store, tmp_path)
    job = client.start({"export": CITY_LIST})
    final, seen = client.wait(job["id"])
    assert final["state"] == "done", final
    running = [s for s in seen if s["state"] == "running" and s["percent"] is not None]
    percents = [s["percent"] for s in running]
    assert len(set(percents)) >= 4, percents  # moves, not 0 then 100
    assert percents == sorted(percents)  # and only forward
    stages = [s["stage"] for s in running]
    assert "汇总书记职责" in stages and "写入 XLSX" in stages, stages
    writing = [s for s in running if s["stage"] == "写入 XLSX"]
    assert all(s["done"] <= s["total"] == final["rows"] for s in writing)
    # The file is the download's: the same sheets (the time of saving aside).
    result = client.request("GET", final["result"]).content
    direct = client.request("GET", CITY_LIST).content
    assert _members(result) == _members(direct)
    sheet = load_workbook(io.BytesIO(result), read_only=True).worksheets[0]
    assert sheet["A1"].value == "2019年度抓党建责任清单"


def _members(xlsx: bytes) -> dict[str, bytes]:
    """The workbook's parts, but its properties (openpyxl stamps the time of saving)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def test_a_cancelled_export_stops_and_leaves_nothing(
    demo_store: GraphStore, tmp_path: Path, jobs_end: None
) -> None:
    client = _app(demo_store, tmp_path)
    job = client.start({"export": CITY_LIST})
    deadline = time.monotonic() + 60
    while (status := client.status(job["id"]))["percent"] in (None, 0.0):
        assert time.monotonic() < deadline and status["state"] in ("queued", "running")
        time.sleep(0.05)
    asked = time.monotonic()
    cancelled = client.request("DELETE", f"/jobs/{job['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    while any(t.name == f"job-{job['id']}" for t in threading.enumerate()):
        time.sleep(0.05)
    stopped = time.monotonic() - asked
    assert stopped < 3.0, stopped  # at its next report, not at the end (about 5 s more)
    final = client.status(job["id"])
    assert final["state"] == "cancelled" and final["result"] is None
    refused = client.request("GET", f"/jobs/{job['id']}/result")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["extensions"]["code"] == "JOB_NOT_DONE"
    left = (tmp_path / "jobs").iterdir()
    assert sorted(p.suffix for p in left if not p.name.startswith(".")) == [
        ".cancel",  # the mark, kept with the status until the job expires
        ".json",
    ]
    exports = [e["detail"].get("job") for e in demo_store.audit_log(50) if e["action"] == "export"]
    assert job["id"] not in exports
