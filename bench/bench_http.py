"""GraphQL over HTTP under load, beside a hand-written Starlette endpoint doing the same work.

One uvicorn worker in a child process serves the real application (``create_app``) over a
demo store, with one more route that exists only here: ``GET /bench/chain?id=…&asOf=…``,
which calls ``responsibility_chain`` and answers ``jsonable`` of it, as a hand-written JSON
endpoint would. The load generator (``wrk`` when it is on PATH, else a Python one with
httpx and asyncio) runs on 127.0.0.1 for a bounded time at 1 and at 32 connections,
cycling both endpoints through the same organization ids, GraphQL asking the saved query
``queries/responsibility_chain.graphql``. Rounds alternate the two endpoints, and the
figures are medians over rounds.

    python -m bench.bench_http [--duration 8] [--rounds 2] PATH     # prints JSON
    python -m bench.bench_http serve --port 8765 PATH              # the server alone
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import REPO, Figure, child_env, fmt, log

__all__ = ["LoadResult", "Server", "http_figures", "load", "make_app"]

AS_OF = "2019-06-30"
CHAIN_QUERY = (REPO / "queries" / "responsibility_chain.graphql").read_text("utf-8")
#: A list of branches with nine fields, in pages of 5,000 (the API's largest: one page for
#: the city's 4,512; more would follow).
LIST_QUERY = """query Branches($after: String) {
  organizations(filter: {level: GRASSROOTS}, first: 5000, after: $after, asOf: "2019-06-30") {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name orgKind level sector code parent { id } secretary { name } memberCount }
  }
}"""
LIST_ROWS = 5000


# -- the server ---------------------------------------------------------------------------------
def make_app(path: Path) -> Any:
    """The orggraph application over the store at ``path``, plus the hand-written endpoint."""
    from starlette.requests import Request as HttpRequest
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from orggraph.analysis import jsonable
    from orggraph.analysis.chain import responsibility_chain
    from orggraph.api import create_app
    from orggraph.api.context import LOCAL_ADMIN
    from orggraph.errors import NotFound
    from orggraph.settings import Settings
    from orggraph.store.embedded import EmbeddedStore
    from orggraph.store.scope import Scope

    store = EmbeddedStore(path)
    scope = Scope()

    def chain(request: HttpRequest) -> JSONResponse:
        # A plain function: Starlette runs it on a worker thread, as the GraphQL view runs
        # its operations (the store's reads must not hold the event loop): the same work,
        # the same way.
        from datetime import date

        node_id = request.query_params.get("id", "")
        as_of = date.fromisoformat(request.query_params.get("asOf", AS_OF))
        try:
            result = responsibility_chain(store, node_id, as_of, scope)
        except NotFound as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return JSONResponse(jsonable(result))

    def branches(request: HttpRequest) -> JSONResponse:
        # The nine fields of LIST_QUERY for the first LIST_ROWS grassroots organizations
        # by id (one page), read from the store as a hand-written endpoint would: a few
        # batched calls, then plain dicts.
        from datetime import date

        from orggraph.model import LinkKind, NodeKind

        as_of = date.fromisoformat(AS_OF)
        every = [
            n for n in store.nodes(NodeKind.ORGANIZATION, as_of) if n.get("level") == "grassroots"
        ]
        orgs = sorted(every, key=lambda n: n.id)[:LIST_ROWS]
        ids = [n.id for n in orgs]
        parents = {
            x.source: x.target for x in store.links(LinkKind.SUBORDINATE_TO, as_of, sources=ids)
        }
        posts = store.links(LinkKind.HOLDS_POST, as_of, targets=ids)
        chosen = {x.target: x.source for x in posts if x.get("role") == "secretary"}
        names = {
            m.id: m.name for m in store.nodes(NodeKind.MEMBER, as_of, ids=set(chosen.values()))
        }
        counts = store.count_links(LinkKind.MEMBER_OF, as_of, targets=ids)
        rows = [
            {
                "id": n.id,
                "name": n.name,
                "orgKind": n.get("org_kind"),
                "level": n.get("level"),
                "sector": n.get("sector"),
                "code": n.get("code"),
                "parent": {"id": parents[n.id]} if n.id in parents else None,
                "secretary": {"name": names[chosen[n.id]]} if n.id in chosen else None,
                "memberCount": counts.get(n.id, 0),
            }
            for n in orgs
        ]
        return JSONResponse({"totalCount": len(every), "nodes": rows})

    # Every request runs for the local administrator (``actor=``): what is compared is the
    # GraphQL execution and the hand-written call, not signing in.
    app = create_app(store, Settings(), actor=LOCAL_ADMIN)
    app.router.routes.insert(0, Route("/bench/chain", chain, methods=["GET"]))
    app.router.routes.insert(0, Route("/bench/branches", branches, methods=["GET"]))
    return app


def _serve(path: Path, port: int) -> None:
    from orggraph.api import serve

    serve(make_app(path), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``python -m bench.bench_http serve`` in a child process, until the block ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - the child's output, kept till exit

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        import httpx

        cmd = [sys.executable, "-m", "bench.bench_http", "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [*cmd, str(self.path)], cwd=REPO, env=child_env(), stdout=self.log, stderr=self.log
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                tail = self.log.read()[-3000:].decode("utf-8", "replace")
                raise RuntimeError(f"the benchmark server exited: {tail}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("the benchmark server did not answer within 180 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# -- load ------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, slots=True)
class Request:
    method: str
    path: str
    body: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class LoadResult:
    requests: int
    seconds: float
    throughput: float
    p50_ms: float
    p99_ms: float
    errors: int
    generator: str


def chain_requests(ids: list[str]) -> dict[str, list[Request]]:
    """The same chains asked of both endpoints."""
    graphql = [
        Request(
            method="POST",
            path="/graphql",
            body=json.dumps({"query": CHAIN_QUERY, "variables": {"id": i, "asOf": AS_OF}}),
        )
        for i in ids
    ]
    plain = [Request(method="GET", path=f"/bench/chain?id={i}&asOf={AS_OF}") for i in ids]
    return {"graphql": graphql, "plain": plain}


def _lua(requests: list[Request], headers: dict[str, str] | None = None) -> str:
    def quote(text: str) -> str:
        return "[==[" + text + "]==]"

    items = ",\n".join(f"{{{quote(r.method)}, {quote(r.path)}, {quote(r.body)}}}" for r in requests)
    # "[ [==[k]==] ]": a bracket right after "[" would open a Lua long string.
    extra = "".join(f"[ {quote(k)} ] = {quote(v)}, " for k, v in (headers or {}).items())
    return (
        f"local reqs = {{\n{items}\n}}\n"
        "local i = 0\n"
        f'local headers = {{{extra}["Content-Type"] = "application/json"}}\n'
        f"local plain = {{{extra}}}\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  local r = reqs[(i % #reqs) + 1]\n"
        '  if r[3] == "" then return wrk.format(r[1], r[2], plain) end\n'
        "  return wrk.format(r[1], r[2], headers, r[3])\n"
        "end\n"
    )


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _wrk(
    url: str,
    requests: list[Request],
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(_lua(requests, headers))
        script = fh.name
    try:
        cmd = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(round(seconds), 1)}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            script,
            url,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 60)
    finally:
        Path(script).unlink(missing_ok=True)
    text = out.stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s)", text)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    if not (done and rate and p50 and p99):
        raise RuntimeError(f"cannot read wrk's output:\n{text}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (
        sum(int(g) for g in sock.groups()) if sock else 0
    )
    seconds_taken = float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
    return LoadResult(
        requests=int(done.group(1)),
        seconds=seconds_taken,
        throughput=float(rate.group(1)),
        p50_ms=_wrk_ms(p50.group(1)),
        p99_ms=_wrk_ms(p99.group(1)),
        errors=errors,
        generator="wrk",
    )


async def _python_load(
    url: str,
    requests: list[Request],
    connections: int,
    seconds: float,
    rate: int | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """The load from Python (httpx, asyncio) over at most ``connections``.

    Without ``rate``, a closed loop: each connection sends again as soon as it is answered.
    With ``rate``, an open loop: request ``i`` is due at ``i / rate`` s, whether or not
    earlier ones have been answered, and its latency counts from the due time.
    """
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    json_body = {"content-type": "application/json"}
    gate = asyncio.Semaphore(connections)
    async with httpx.AsyncClient(
        base_url=url, limits=limits, timeout=10, headers=headers
    ) as client:

        async def one(r: Request, due: float) -> None:
            nonlocal errors
            async with gate:
                try:
                    if r.method == "GET":
                        response = await client.get(r.path)
                    else:
                        response = await client.post(r.path, content=r.body, headers=json_body)
                    errors += response.status_code >= 300
                except httpx.HTTPError:
                    errors += 1
            latencies.append((time.perf_counter() - due) * 1000)

        started = time.perf_counter()
        deadline = started + seconds
        if rate is None:

            async def worker(first: int) -> None:
                sent = first
                while time.perf_counter() < deadline:
                    await one(requests[sent % len(requests)], time.perf_counter())
                    sent += connections

            await asyncio.gather(*(worker(c) for c in range(connections)))
        else:
            tasks = []
            for i in range(max(int(rate * seconds), 1)):
                due = started + i / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                tasks.append(asyncio.create_task(one(requests[i % len(requests)], due)))
            await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        throughput=len(latencies) / elapsed,
        p50_ms=latencies[len(latencies) // 2],
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        errors=errors,
        generator="python (httpx, asyncio" + (")" if rate is None else ", fixed rate)"),
    )


def _vegeta(
    vegeta: str, url: str, requests: list[Request], connections: int, rate: int, seconds: float
) -> LoadResult:
    """``vegeta attack`` at ``rate`` requests a second (open loop: requests leave on
    schedule whether or not earlier ones have been answered), over at most ``connections``."""
    with tempfile.TemporaryDirectory() as folder:
        targets = Path(folder) / "targets.json"
        lines = (
            json.dumps(
                {
                    "method": r.method,
                    "url": url + r.path,
                    "body": base64.b64encode(r.body.encode()).decode(),
                    "header": {"Content-Type": ["application/json"]},
                }
            )
            for r in requests
        )
        targets.write_text("\n".join(lines) + "\n", "utf-8")
        results = Path(folder) / "results.bin"
        attack = [
            vegeta,
            "attack",
            "-format=json",
            f"-targets={targets}",
            f"-rate={rate}/1s",
            f"-duration={max(round(seconds), 1)}s",
            f"-connections={connections}",
            f"-max-connections={connections}",
            f"-max-workers={connections}",
            "-timeout=10s",
            f"-output={results}",
        ]
        subprocess.run(attack, capture_output=True, check=True, timeout=seconds + 60)
        report = subprocess.run(
            [vegeta, "report", "-type=json", str(results)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    data = json.loads(report.stdout)
    done = int(data["requests"])
    ok = int(data["status_codes"].get("200", 0))
    return LoadResult(
        requests=done,
        seconds=float(data["duration"]) / 1e9,
        throughput=float(data["throughput"]),
        p50_ms=float(data["latencies"]["50th"]) / 1e6,
        p99_ms=float(data["latencies"]["99th"]) / 1e6,
        errors=done - ok,
        generator="vegeta",
    )


def rate_load(
    url: str, requests: list[Request], connections: int, rate: int, seconds: float
) -> LoadResult:
    """Load ``url`` at a fixed ``rate``: with ``vegeta`` when it is on PATH, else Python."""
    vegeta = shutil.which("vegeta") or shutil.which("vegeta", path=str(Path.home() / "go/bin"))
    if vegeta:
        return _vegeta(vegeta, url, requests, connections, rate, seconds)
    return asyncio.run(_python_load(url, requests, connections, seconds, rate))


def load(
    url: str,
    requests: list[Request],
    connections: int,
    seconds: float,
    generator: str,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """Load ``url`` with ``requests`` in turn over ``connections`` for ``seconds``
    (``headers`` on every request: a token)."""
    if generator == "wrk":
        return _wrk(url, requests, connections, seconds, headers)
    return asyncio.run(_python_load(url, requests, connections, seconds, headers=headers))


def pick_generator(wanted: str = "auto") -> str:
    """``wrk`` when asked or found on PATH, else ``python``."""
    if wanted == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if wanted == "wrk" and shutil.which("wrk") is None:
        raise RuntimeError("wrk is not on PATH (apt-get install wrk), or use --load python")
    return wanted


def _check(url: str, ids: list[str]) -> None:
    """Both endpoints answer the same chain before any load (a benchmark of errors is none)."""
    import httpx

    body = {"query": CHAIN_QUERY, "variables": {"id": ids[0], "asOf": AS_OF}}
    answer = httpx.post(f"{url}/graphql", json=body, timeout=30).json()
    if answer.get("errors") or answer["data"]["responsibilityChain"]["subject"] != ids[0]:
        raise RuntimeError(f"GraphQL chain query failed: {str(answer)[:500]}")
    plain = httpx.get(f"{url}/bench/chain", params={"id": ids[0], "asOf": AS_OF}, timeout=30)
    if plain.status_code != 200 or plain.json()["subject"] != ids[0]:
        raise RuntimeError(f"hand-written endpoint failed: {plain.status_code} {plain.text[:500]}")


def list_timing(url: str, repeats: int) -> tuple[list[float], list[float], int, dict[str, Any]]:
    """Seconds to fetch the city's branches with nine fields, per repeat: through GraphQL
    (``LIST_QUERY``, following pages) and from the hand-written ``/bench/branches``,
    alternating; and how many rows.

    Each answer is timed from its request to its last byte (gzip as a browser asks for
    it, and undone), as a load generator times it; the bench's own parse of the JSON
    (10 ms for a megabyte with Python's ``json``) is not the server's and is left out."""
    import httpx
    import orjson

    def timed(
        client: httpx.Client, spent: list[float], method: str, path: str, **options: Any
    ) -> Any:
        started = time.perf_counter()
        response = client.request(method, path, **options)  # the whole body read
        spent.append(time.perf_counter() - started)
        response.raise_for_status()
        return orjson.loads(response.content)

    graphql: list[float] = []
    plain: list[float] = []
    rows = 0
    answer: dict[str, Any] = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        for repeat in range(repeats + 1):  # the first run warms, untimed
            pages: list[float] = []
            after: str | None = None
            rows = 0
            while rows < LIST_ROWS:
                body = {"query": LIST_QUERY, "variables": {"after": after}}
                answer = timed(client, pages, "POST", "/graphql", json=body)
                if answer.get("errors"):
                    raise RuntimeError(f"list query failed: {str(answer['errors'])[:500]}")
                page = answer["data"]["organizations"]
                rows += len(page["nodes"])
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            hand: list[float] = []
            answer = timed(client, hand, "GET", "/bench/branches")
            if len(answer["nodes"]) != rows:
                raise RuntimeError(f"hand-written list: {len(answer['nodes'])} rows, not {rows}")
            if repeat:
                graphql.append(sum(pages))
                plain.append(hand[0])
    return graphql, plain, rows, answer


#: The shape of ``LIST_QUERY``'s answer as a bare graphql-core schema, for ``engine_floor``.
FLOOR_SDL = """
type Ref { id: ID! }
type Person { name: String! }
type Branch {
  id: ID! name: String! orgKind: String level: String sector: String code: String
  parent: Ref secretary: Person memberCount: Int!
}
type Page { totalCount: Int! nodes: [Branch!]! }
type Query { organizations: Page! }
"""
FLOOR_QUERY = """{ organizations { totalCount nodes {
  id name orgKind level sector code parent { id } secretary { name } memberCount } } }"""


def engine_floor(page: dict[str, Any], repeats: int) -> list[float]:
    """Seconds graphql-core alone takes to execute the list's selection over ready-made dicts
    (the hand-written endpoint's answer): no store, no strawberry, no HTTP."""
    from graphql import build_schema, execute_sync, parse

    schema, document = build_schema(FLOOR_SDL), parse(FLOOR_QUERY)
    times: list[float] = []
    for repeat in range(repeats + 1):  # the first run warms, untimed
        started = time.perf_counter()
        result = execute_sync(schema, document, root_value={"organizations": page})
        if repeat:
            times.append(time.perf_counter() - started)
        if result.errors:
            raise RuntimeError(f"engine floor: {result.errors[0]}")
    return times


def measure_http(
    path: Path, ids: list[str], *, seconds: float, rounds: int, generator: str, list_repeats: int
) -> dict[str, Any]:
    """Every load run and the list timings, against one server over the store at ``path``."""
    generator = pick_generator(generator)
    requests = chain_requests(ids)
    runs: dict[str, list[LoadResult]] = {}
    with Server(path) as server:
        _check(server.url, ids)
        for name in ("graphql", "plain"):  # warm both: first calls, thread pool, JIT-less caches
            load(server.url, requests[name], 4, min(2.0, seconds), generator)
        for r in range(rounds):
            for connections in (1, 32):
                order = ("graphql", "plain") if r % 2 == 0 else ("plain", "graphql")
                for name in order:
                    log(f"HTTP round {r + 1}/{rounds}: {name} at {connections} connections")
                    result = load(server.url, requests[name], connections, seconds, generator)
                    runs.setdefault(f"{name}_c{connections}", []).append(result)
        # The latency at a fixed load: a quarter of the hand-written endpoint's throughput
        # at 32 connections, the throughput the target asks of GraphQL.
        rate = max(round(0.25 * statistics.median(x.throughput for x in runs["plain_c32"])), 1)
        for r in range(rounds):
            order = ("graphql", "plain") if r % 2 == 0 else ("plain", "graphql")
            for name in order:
                log(f"HTTP round {r + 1}/{rounds}: {name} at {rate} req/s, 32 connections")
                result = rate_load(server.url, requests[name], 32, rate, seconds)
                runs.setdefault(f"{name}_rate", []).append(result)
        log("HTTP: the branch list")
        list_times, list_plain, list_rows, page = list_timing(server.url, list_repeats)
    floor = engine_floor(page, list_repeats)
    return {
        "generator": generator,
        "seconds": seconds,
        "rounds": rounds,
        "ids": len(ids),
        "runs": {k: [_as_dict(r) for r in v] for k, v in runs.items()},
        "list_s": list_times,
        "list_plain_s": list_plain,
        "list_floor_s": floor,
        "list_rows": list_rows,
        "list_total": page["totalCount"],
        "rate": rate,
    }


def _as_dict(result: LoadResult) -> dict[str, Any]:
    return {
        "requests": result.requests,
        "seconds": round(result.seconds, 2),
        "throughput": round(result.throughput, 1),
        "p50_ms": round(result.p50_ms, 3),
        "p99_ms": round(result.p99_ms, 3),
        "errors": result.errors,
        "generator": result.generator,
    }


def http_figures(measured: dict[str, Any]) -> list[Figure]:
    """The rows: GraphQL beside the hand-written endpoint at 1 and 32 connections, the list."""

    def med(key: str, field: str) -> float:
        return float(statistics.median(r[field] for r in measured["runs"][key]))

    def errors(key: str) -> int:
        return sum(int(r["errors"]) for r in measured["runs"][key])

    gen = measured["generator"]
    load_note = f"{measured['rounds']} rounds × {measured['seconds']:g} s, {gen}, median"
    figures: list[Figure] = []
    for c in (1, 32):
        g, p = f"graphql_c{c}", f"plain_c{c}"
        bad = errors(g) + errors(p)
        err = f"{bad} failed requests" if bad else None
        figures.append(
            Figure(
                id=f"http.chain_c{c}_throughput",
                label=f"GraphQL 责任链吞吐（{c} 连接）chain query throughput, {c} connection(s)",
                value=med(g, "throughput"),
                unit="req/s",
                scale=1,
                comparison="手写 Starlette 端点 hand-written endpoint",
                comparison_value=med(p, "throughput"),
                ratio_note="GraphQL ÷ hand-written",
                target="≥ 25% of hand-written" if c == 32 else None,
                op=">=" if c == 32 else None,
                threshold=0.25 if c == 32 else None,
                target_on="ratio",
                note=load_note,
                error=err,
            )
        )
        figures.append(
            Figure(
                id=f"http.chain_c{c}_p50",
                label=f"GraphQL 责任链 p50（{c} 连接）chain query p50, {c} connection(s)",
                value=med(g, "p50_ms"),
                unit="ms",
                scale=1,
                comparison="手写端点 p50 hand-written p50",
                comparison_value=med(p, "p50_ms"),
                ratio_note="GraphQL ÷ hand-written",
                note=f"p99 {fmt(med(g, 'p99_ms'), 'ms')} vs {fmt(med(p, 'p99_ms'), 'ms')}",
            )
        )
    figures.append(
        Figure(
            id="http.chain_c32_p99",
            label=("GraphQL 责任链 p99（32 连接，满载）chain query p99, 32 connections, saturated"),
            value=med("graphql_c32", "p99_ms"),
            unit="ms",
            scale=1,
            comparison="手写端点 p99 hand-written p99",
            comparison_value=med("plain_c32", "p99_ms"),
            ratio_note="GraphQL ÷ hand-written",
            # No target here: in a closed loop the mean latency is 32 ÷ throughput, so a
            # p99 under 25 ms needs over 1,280 req/s, more than 70% of what the
            # hand-written endpoint serves (which itself measures 24–29 ms here). The
            # issue's p99 goes with its 25% of the throughput: the next row, at that rate.
            note=(
                f"{load_note}; closed loop: each connection sends again when answered, so "
                "mean latency ≈ 32 ÷ throughput; the p99 target is measured at 25% of the "
                "hand-written throughput (next row)"
            ),
        )
    )
    rate = measured["rate"]
    figures.append(
        Figure(
            id="http.chain_rate_p99",
            label=(
                f"GraphQL 责任链 p99（定速 {rate} req/s，手写端点吞吐的 25%，32 连接）"
                "chain query p99 at a fixed rate (25% of the hand-written throughput)"
            ),
            value=med("graphql_rate", "p99_ms"),
            unit="ms",
            scale=1,
            comparison="手写端点同速 p99 hand-written p99, same rate",
            comparison_value=med("plain_rate", "p99_ms"),
            ratio_note="GraphQL ÷ hand-written",
            target="< 25 ms",
            op="<",
            threshold=25.0,
            note=(
                f"{measured['rounds']} rounds × {measured['seconds']:g} s, "
                f"{measured['runs']['graphql_rate'][0]['generator']} (open loop), median; "
                f"p50 {fmt(med('graphql_rate', 'p50_ms'), 'ms')} vs "
                f"{fmt(med('plain_rate', 'p50_ms'), 'ms')}"
            ),
            error=(
                f"{errors('graphql_rate') + errors('plain_rate')} failed requests"
                if errors("graphql_rate") + errors("plain_rate")
                else None
            ),
        )
    )
    figures.append(
        list_figure(
            measured["list_s"],
            measured["list_plain_s"],
            measured["list_rows"],
            measured["list_total"],
            scale=1,
            floor=measured["list_floor_s"],
        )
    )
    return figures


def list_figure(
    times: list[float],
    plain_times: list[float],
    rows: int,
    total: int,
    *,
    scale: int,
    floor: list[float] | None = None,
) -> Figure:
    """The branch list's row: ``rows`` of the ``total`` grassroots organizations at
    ``scale``, through GraphQL beside the hand-written endpoint."""
    from orggraph.api.types.connection import MAX_PAGE

    listed = f"all {rows:,}" if rows == total else f"the first {rows:,} of {total:,}"
    note = (
        f"{listed} (the demo ×{scale}), {-(-rows // MAX_PAGE)} page(s) of ≤ {MAX_PAGE:,} "
        f"(the API's page limit), one connection; median of {len(times)}; timed to the "
        "last byte, gzip as a browser asks"
    )
    if floor:
        note += (
            "; graphql-core alone, the same selection over ready-made dicts: "
            f"{fmt(statistics.median(floor) * 1000, 'ms')}"
        )
    return Figure(
        id="http.list_branches",
        label=f"GraphQL 列表 {rows:,} 个基层党组织 × 9 字段 branch list × 9 fields",
        value=statistics.median(times) * 1000,
        unit="ms",
        scale=scale,
        comparison="手写 Starlette 端点 hand-written endpoint",
        comparison_value=statistics.median(plain_times) * 1000,
        ratio_note="GraphQL ÷ hand-written",
        target="< 150 ms",
        op="<",
        threshold=150.0,
        note=note,
    )


def measure_list(path: Path, scale: int, repeats: int) -> Figure:
    """The branch list alone, on a server over the demo ×``scale`` at ``path`` (a bigger
    city: its first page of ``LIST_ROWS``)."""
    with Server(path) as server:
        times, plain, rows, page = list_timing(server.url, repeats)
    return list_figure(times, plain, rows, page["totalCount"], scale=scale)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"]:
        serve = argparse.ArgumentParser(description="serve the application and the endpoint")
        serve.add_argument("--port", type=int, required=True)
        serve.add_argument("path", type=Path)
        options = serve.parse_args(args[1:])
        _serve(options.path, options.port)
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--load", default="auto", choices=["auto", "wrk", "python"])
    parser.add_argument("store", type=Path)
    options = parser.parse_args(args)
    from bench.bench_analyses import sample_orgs
    from orggraph.demo import REFERENCE_DATE
    from orggraph.store.embedded import EmbeddedStore

    with EmbeddedStore(options.store) as store:
        ids = sample_orgs(store, REFERENCE_DATE, 200)
    measured = measure_http(
        options.store,
        ids,
        seconds=options.duration,
        rounds=options.rounds,
        generator=options.load,
        list_repeats=5,
    )
    print(json.dumps([f.as_dict() for f in http_figures(measured)], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
