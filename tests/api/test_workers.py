"""``orggraph serve --workers 2``: two processes on one port, each seeing the other's writes.

The real command in a child process over an embedded store with a small city (tests/api/
graphs.py). Its supervisor starts two workers; requests are answered by both; an
organization created through one is seen by every later read, whichever worker answers;
and when the supervisor is killed outright, the workers end by themselves.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orggraph.api.workers import _listening
from orggraph.store.accounts import account_store
from orggraph.store.embedded import EmbeddedStore
from tests.api.graphs import small_city
from tests.reliability.harness import free_port

CREATE = """mutation { createOrganization(input: {id: "n1", name: "新建支部", orgKind: BRANCH,
  level: GRASSROOTS, parent: "630102001", validFrom: "2021-01-01"}) { errors { code } } }"""
READ = '{ organization(id: "n1", asOf: "2021-06-30") { name } }'


def _children(pid: int) -> list[int]:
    """The worker processes the supervisor ``pid`` started (multiprocessing's spawned
    children; its resource tracker is another child, and no worker)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"spawn_main" in command:
                found.append(int(child))
    return found


def _workers(pid: int, wanted: int = 2) -> list[int]:
    """The supervisor's workers, once ``wanted`` of them have started (or 30 s passed)."""
    deadline = time.monotonic() + 30
    while len(_children(pid)) < wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    return _children(pid)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, str]]:
    store = EmbeddedStore(tmp_path / "workers.db")
    store.write(small_city())
    accounts = account_store(store)
    accounts.add("ops", "admin")
    token = accounts.issue_token("ops")
    store.close()
    port = free_port()
    argv = ["--store", f"sqlite:///{tmp_path / 'workers.db'}", "serve", "--port", str(port)]
    with open(tmp_path / "server.log", "wb") as log:  # the child keeps its own copy
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from orggraph.cli import main; main()",
                *argv,
                "--workers",
                "2",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert process.poll() is None, (tmp_path / "server.log").read_text()
        assert time.monotonic() < deadline, "the server did not answer within 60 s"
        time.sleep(0.1)
    try:
        yield process, url, token
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def test_two_workers_answer_and_see_each_other_s_writes(
    served: tuple[subprocess.Popen[bytes], str, str],
) -> None:
    process, url, token = served
    workers = _workers(process.pid)
    assert len(workers) == 2, workers
    headers = {"authorization": f"Bearer {token}"}
    # A new connection for each request: the kernel spreads them over both workers.
    created = httpx.post(url + "/graphql", json={"query": CREATE}, headers=headers, timeout=30)
    assert created.json() == {"data": {"createOrganization": {"errors": []}}}, created.text
    for _ in range(20):
        read = httpx.post(url + "/graphql", json={"query": READ}, headers=headers, timeout=30)
        # asked past the graph's last date: extensions say so (数据截至), beside the data
        assert read.json()["data"] == {"organization": {"name": "新建支部"}}, read.text


def test_workers_end_when_their_supervisor_is_killed(
    served: tuple[subprocess.Popen[bytes], str, str],
) -> None:
    process, _, _ = served
    workers = _workers(process.pid)
    assert len(workers) == 2
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 15
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "a worker outlived its supervisor"


def test_a_worker_s_connections_send_without_waiting_for_acknowledgements() -> None:
    # The worker's own socket serves as uvicorn serves it (asyncio's ``create_server``
    # over it): each connection it accepts must have Nagle's algorithm off, as the
    # connections of a server binding its own port have. With it on, a response written
    # in two parts waited for the client's delayed acknowledgement, 40 ms a request.
    sock = _listening("127.0.0.1", 0)
    port = sock.getsockname()[1]

    async def accept_one() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                conn = transport.get_extra_info("socket")
                accepted.set_result(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            nodelay = await asyncio.wait_for(accepted, 10)
            writer.close()
            return nodelay

    assert asyncio.run(accept_one()) != 0
