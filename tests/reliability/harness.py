"""What the reliability tests share: a real ``orggraph serve`` in a subprocess, a GraphQL
client, a seed forest, and probes that read the stores behind the server's back.

``ServerProcess`` runs the real command (``orggraph --store URL serve``) in a child that
imports everything first and waits for a "go" on its standard input, so a restart after a
SIGKILL costs the store's opening, not Python's imports; the child also ends by itself
when the test process goes away (its standard input closes).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click
import httpx
from click.testing import CliRunner

from orggraph.cli import main
from orggraph.model import LinkKind, WriteBatch
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from tests.graphs import link, org

#: Every version in the seed starts here; writes in the tests start later.
SEED_DAY = date(2020, 1, 1)
#: How much longer a soak run is (``bench/soak.py`` sets ``ORGGRAPH_SOAK_SCALE``); 1 in CI.
SCALE = max(1, int(os.environ.get("ORGGRAPH_SOAK_SCALE", "1")))

# The child: imports first (the slow part), then waits for "go" and runs the real CLI.
# A thread watches standard input after "go": end of input (the test process died or is
# done) ends the server, so no server outlives its test. Standard output is a pipe the
# test reads "ready" from; after that it goes to the log (a full pipe would stop uvicorn).
_CHILD = """
import os, sys, threading
import uvicorn, orggraph.api, orggraph.cli, orggraph.cli.serve, orggraph.store.embedded
if any(a.startswith(("neo4j", "bolt")) for a in sys.argv[1:]):
    import orggraph.store.neo4j
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":
    sys.exit(0)
os.dup2(2, 1)  # from here on standard output (uvicorn's access log) goes to the log file
def watch():
    sys.stdin.read()
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
from orggraph.cli import main
main(sys.argv[1:])
"""


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``orggraph serve`` over ``store_url`` on 127.0.0.1, in a child process."""

    def __init__(
        self,
        store_url: str,
        log_path: Path,
        *,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
        token: str = "",
    ) -> None:
        self.store_url = store_url
        self.token = token  # an API token for the tests' clients (the server needs none)
        self.port = port or free_port()
        self.log_path = log_path
        argv = ["--store", store_url, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        argv += ["--workers", "1"]  # one process: the one these tests kill and restart
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, *argv],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env={**os.environ, **(env or {})},
            )
        finally:
            log.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Tell the (imported) child to serve, and wait until ``/healthz`` answers."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        line = stdout.readline()
        assert line.strip() == b"ready", f"server child did not start: {line!r}; {self.log()}"
        stdin.write(b"go\n")
        stdin.flush()
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5) as client:
            while True:
                if self.process.poll() is not None:
                    raise AssertionError(f"the server exited: {self.log()}")
                try:
                    if client.get(self.url + "/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"the server did not answer in {timeout} s: {self.log()}")
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._close_pipes()

    def stop(self) -> None:
        """A clean stop (SIGTERM, as a service manager sends); SIGKILL if it hangs."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except FileNotFoundError:
            return ""


@contextmanager
def serving(store_url: str, tmp_path: Path, **kwargs: Any) -> Iterator[ServerProcess]:
    server = ServerProcess(store_url, tmp_path / "server.log", **kwargs)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def _orggraph(args: tuple[str, ...]) -> None:
    main(list(args))


def run_cli(args: list[str], env: Mapping[str, str] | None = None) -> tuple[int, str]:
    """``orggraph ARGS`` in this process, through ``main`` (its exit codes and messages)."""
    result = CliRunner().invoke(_orggraph, args, env=dict(env or {}))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


# -- GraphQL ---------------------------------------------------------------------------
CREATE_ORG = """
mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } errors { code message } }
}"""
MOVE_ORG = """
mutation($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) { organization { id } errors { code message } }
}"""
CREATE_MEMBER = """
mutation($input: CreateMemberInput!) {
  createMember(input: $input) { member { id } errors { code message } }
}"""
READ_ORG = """
query($id: ID!, $asOf: Date) {
  organization(id: $id, asOf: $asOf) { id name parent { id } }
}"""
SEARCH = """query($text: String!) { search(text: $text) { id } }"""


def org_input(org_id: str, parent: str, day: date = SEED_DAY) -> dict[str, Any]:
    return {
        "id": org_id,
        "name": f"{org_id}党支部",
        "orgKind": "BRANCH",
        "level": "GRASSROOTS",
        "sector": "COMMUNITY",
        "parent": parent,
        "validFrom": day.isoformat(),
    }


def member_input(member_id: str, organization: str, day: date = SEED_DAY) -> dict[str, Any]:
    return {
        "id": member_id,
        "name": f"党员{member_id}",
        "gender": "FEMALE",
        "ethnicity": "汉族",
        "education": "BACHELOR",
        "birthYear": 1985,
        "joinDate": "2010-07-01",
        "status": "FULL",
        "organization": organization,
        "validFrom": day.isoformat(),
    }


@dataclass(kw_only=True)
class Answer:
    """One HTTP answer, or the transport error that stood in for it."""

    status: int | None
    body: Any = None
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def payload(self, field_name: str) -> dict[str, Any] | None:
        """``data.<field_name>`` of a mutation answered 200 without top-level errors."""
        if self.status != 200 or not isinstance(self.body, dict) or self.body.get("errors"):
            return None
        data = self.body.get("data") or {}
        value = data.get(field_name)
        return value if isinstance(value, dict) else None

    def acknowledged(self, field_name: str) -> bool:
        """The server said the write is done: 200, a payload, no errors in it."""
        payload = self.payload(field_name)
        return payload is not None and payload.get("errors") == []

    def codes(self, field_name: str) -> list[str]:
        payload = self.payload(field_name)
        return [e["code"] for e in (payload or {}).get("errors") or []]


def post(client: httpx.Client, url: str, query: str, variables: dict[str, Any]) -> Answer:
    try:
        response = client.post(url + "/graphql", json={"query": query, "variables": variables})
    except httpx.TransportError as exc:
        return Answer(status=None, error=f"{type(exc).__name__}: {exc}")
    try:
        body = response.json()
    except ValueError:
        body = None
    return Answer(
        status=response.status_code, body=body, text=response.text, headers=dict(response.headers)
    )


def admin_token(store: GraphStore, name: str = "reliability") -> str:
    """An API token of an administrator (the account is made if the store has none)."""
    accounts = account_store(store)
    if accounts.get(name) is None:
        accounts.add(name, "admin")
    return accounts.issue_token(name)


def api_client(token: str, timeout: float = 120, **kwargs: Any) -> httpx.Client:
    """An HTTP client that signs in with ``token`` on every request."""
    return httpx.Client(headers={"authorization": f"Bearer {token}"}, timeout=timeout, **kwargs)


def deep_health(url: str, token: str) -> dict[str, Any]:
    """``/healthz?deep=1``: the store's counts and digest as the running server sees them."""
    with api_client(token) as client:
        response = client.get(url + "/healthz", params={"deep": "1"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- the seed and probes ---------------------------------------------------------------
def seed_forest(pairs: int = 0) -> WriteBatch:
    """The city committee 630100 over three district committees 630101–630103, all from
    2020-01-01; and ``pairs`` pairs of branches ``pA<i>``, ``pB<i>`` under 630101."""
    nodes = [org("630100", "西宁市委", "city", start=SEED_DAY)]
    links = []
    for code, name in (("630101", "城东区委"), ("630102", "城中区委"), ("630103", "城西区委")):
        nodes.append(org(code, name, "county", start=SEED_DAY))
        links.append(link(LinkKind.SUBORDINATE_TO, code, "630100", start=SEED_DAY))
    for i in range(pairs):
        for side in "AB":
            oid = f"p{side}{i}"
            nodes.append(
                org(oid, f"{oid}党支部", "grassroots", "branch", sector="community", start=SEED_DAY)
            )
            links.append(link(LinkKind.SUBORDINATE_TO, oid, "630101", start=SEED_DAY))
    return WriteBatch(nodes=tuple(nodes), links=tuple(links))


DISTRICTS = ("630101", "630102", "630103")


class SqliteProbe:
    """Reads the SQLite file from the test process: what is committed, nothing else."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)

    def node(self, node_id: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM nodes WHERE id = ?", (node_id,)).fetchone()
        return row is not None

    def parent_link(self, child: str, parent: str) -> bool:
        link_key = f"{LinkKind.SUBORDINATE_TO.value}:{child}>{parent}"
        with self._lock:
            row = self._db.execute("SELECT 1 FROM links WHERE id = ?", (link_key,)).fetchone()
        return row is not None

    def close(self) -> None:
        self._db.close()


class StoreProbe:
    """Reads through a ``GraphStore`` of its own (a second driver for Neo4j)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._lock = threading.Lock()

    def node(self, node_id: str) -> bool:
        with self._lock:
            return bool(self.store.node_versions([node_id]))

    def parent_link(self, child: str, parent: str) -> bool:
        link_key = f"{LinkKind.SUBORDINATE_TO.value}:{child}>{parent}"
        with self._lock:
            return bool(self.store.link_versions([link_key]))

    def close(self) -> None:
        self.store.close()


def parent_at(store: GraphStore, org_id: str, when: date) -> str | None:
    return store.parent(org_id, when)
