"""Many users at once: quick questions while four clients keep asking heavy ones.

One server (``bench_http.Server``: the real application in a child process) over the demo
city. The chain query is sent at a fixed rate (open loop) for a bounded time, alone, then
again while four clients, each in a loop, download the whole city's responsibility lists
(CSV) or ask the city's coverage gaps; ``/healthz`` is sent at a fixed rate during the
same heavy load. Rounds alternate alone and loaded; figures are medians over rounds.

Side by side in each round, in alternating order: a server that runs its heavy lane on its
own threads (``heavy_processes=0``) and one that runs it in a child process
(``heavy_processes=1``, ``orggraph.api.heavy``); the figures are the default's, the other
in their notes.

    python -m bench.bench_serving [--duration 8] [--rounds 2] PATH     # prints JSON
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_http import (
    AS_OF,
    LoadResult,
    Request,
    Server,
    _free_port,
    chain_requests,
    load,
    pick_generator,
    rate_load,
)
from bench.common import REPO, Figure, child_env, log

__all__ = ["measure_serving", "measure_workers", "serving_figures", "workers_figure"]

#: The two ways the heavy lane runs, compared: on the server's threads, in a child process.
MODES = (0, 1)
#: The chain's fixed rate, requests a second: a department's analysts clicking, not a load test.
CHAIN_RATE = 100
HEALTH_RATE = 50
HEAVY_CLIENTS = 4
GAPS = '{ coverageGaps(asOf: "' + AS_OF + '") { kind subject } }'
_JSON = {"content-type": "application/json"}
HEAVY = [
    Request(method="GET", path="/exports/responsibility-list?year=2019&format=csv"),
    Request(method="POST", path="/graphql", body=json.dumps({"query": GAPS})),
]


class HeavyClients:
    """``HEAVY_CLIENTS`` processes, each sending heavy requests one after another until
    the block ends. Processes, not threads: the load generator's own timing must not
    wait for the GIL behind four clients reading megabytes of answers."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.procs: list[subprocess.Popen[str]] = []
        self.done = 0
        self.failed = 0

    def __enter__(self) -> HeavyClients:
        cmd = [sys.executable, "-m", "bench.bench_serving", "heavy", self.url]
        for first in range(HEAVY_CLIENTS):
            self.procs.append(
                subprocess.Popen(
                    [*cmd, str(first)], cwd=REPO, env=child_env(), stdout=subprocess.PIPE, text=True
                )
            )
        time.sleep(1.0)  # every client has a heavy request under way
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            out, _ = proc.communicate(timeout=300)
            counts = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
            self.done += int(counts.get("done", 0))
            self.failed += int(counts.get("failed", 0))


def _heavy_loop(url: str, first: int) -> None:
    """One heavy client: heavy requests in turn until SIGINT; prints what it completed."""
    import httpx

    # A bench started in the background of a shell without job control inherits SIGINT
    # ignored, and the client would run on (until ``__exit__``'s timeout): heed it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    done = failed = 0
    sent = first
    try:
        with httpx.Client(base_url=url, timeout=300) as client:
            while True:
                heavy = HEAVY[sent % len(HEAVY)]
                answer = (
                    client.get(heavy.path)
                    if heavy.method == "GET"
                    else client.post(heavy.path, content=heavy.body, headers=_JSON)
                )
                done += answer.status_code == 200
                failed += answer.status_code != 200
                sent += 1
    except KeyboardInterrupt:
        pass
    print(json.dumps({"done": done, "failed": failed}), flush=True)


def _health(url: str, seconds: float) -> LoadResult:
    return rate_load(url, [Request(method="GET", path="/healthz")], 8, HEALTH_RATE, seconds)


class ServingServer(Server):
    """The application with ``heavy_processes`` set, served as ``orggraph serve`` does, in a
    child process (``python -m bench.bench_serving serve``), until the block ends."""

    def __init__(self, path: Path, processes: int) -> None:
        super().__init__(path)
        self.processes = processes

    def __enter__(self) -> ServingServer:
        import httpx

        cmd = [sys.executable, "-m", "bench.bench_serving", "serve", "--port", str(self.port)]
        argv = [*cmd, "--heavy-processes", str(self.processes), str(self.path)]
        self.proc = subprocess.Popen(
            argv, cwd=REPO, env=child_env(), stdout=self.log, stderr=self.log
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                tail = self.log.read()[-3000:].decode("utf-8", "replace")
                raise RuntimeError(f"the benchmark server exited: {tail}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    # A heavy request: the heavy child (if any) has opened the store.
                    httpx.post(
                        f"{self.url}/graphql", content=HEAVY[1].body, headers=_JSON, timeout=300
                    )
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.log.seek(0)
        tail = self.log.read()[-3000:].decode("utf-8", "replace")
        self.__exit__()
        raise RuntimeError(f"the benchmark server did not answer within 180 s: {tail}")


def _serve(path: Path, port: int, processes: int) -> None:
    from orggraph.api import create_app, serve
    from orggraph.api.context import LOCAL_ADMIN
    from orggraph.settings import Settings
    from orggraph.store.embedded import EmbeddedStore

    faulthandler.register(signal.SIGUSR1)  # a stuck server's threads: kill -USR1 <pid>
    settings = Settings(heavy_processes=processes)
    app = create_app(EmbeddedStore(path), settings, actor=LOCAL_ADMIN)
    serve(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _figures(results: list[LoadResult]) -> list[dict[str, Any]]:
    return [
        {
            "p50_ms": x.p50_ms,
            "p99_ms": x.p99_ms,
            "errors": x.errors,
            "requests": x.requests,
            "generator": x.generator,
        }
        for x in results
    ]


def measure_serving(path: Path, ids: list[str], *, seconds: float, rounds: int) -> dict[str, Any]:
    """The chain at ``CHAIN_RATE`` alone and under heavy load, and ``/healthz`` under it,
    for each of ``MODES`` (``heavy_processes``) in turn, each round in the other order."""
    from orggraph.settings import Settings

    chains = chain_requests(ids)["graphql"]
    modes: dict[int, dict[str, list[LoadResult]]] = {
        m: {"alone": [], "loaded": [], "health": []} for m in MODES
    }
    done: dict[int, list[int]] = {m: [0, 0] for m in MODES}
    for r in range(rounds):
        for mode in MODES if r % 2 == 0 else MODES[::-1]:
            runs = modes[mode]
            with ServingServer(path, mode) as server:
                rate_load(server.url, chains, 8, CHAIN_RATE, min(2.0, seconds))  # warm
                what = f"serving round {r + 1}/{rounds}, heavy_processes={mode}"
                log(f"{what}: the chain alone at {CHAIN_RATE} req/s")
                runs["alone"].append(rate_load(server.url, chains, 32, CHAIN_RATE, seconds))
                log(f"{what}: the chain and /healthz beside heavy clients")
                with HeavyClients(server.url) as heavy:
                    runs["loaded"].append(rate_load(server.url, chains, 32, CHAIN_RATE, seconds))
                    runs["health"].append(_health(server.url, seconds))
                done[mode][0] += heavy.done
                done[mode][1] += heavy.failed
    default = Settings().heavy_processes
    return {
        "seconds": seconds,
        "rounds": rounds,
        "heavy_processes": default,
        "heavy_done": done[default][0],
        "heavy_failed": done[default][1],
        "runs": {name: _figures(results) for name, results in modes[default].items()},
        "modes": {
            str(m): {
                "heavy_done": done[m][0],
                "heavy_failed": done[m][1],
                "runs": {name: _figures(results) for name, results in modes[m].items()},
            }
            for m in MODES
        },
    }


class CliServer:
    """``orggraph serve --workers N`` over a store, in a child process, until the block ends."""

    def __init__(self, store_url: str, workers: int) -> None:
        self.store_url = store_url
        self.workers = workers
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> CliServer:
        import httpx

        code = "from orggraph.cli import main; main()"
        argv = ["--store", self.store_url, "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, *argv, "--workers", str(self.workers)],
            cwd=REPO,
            env=child_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    # Every worker, and each one's heavy child, has opened the store: a child
                    # still building its index took up to 1.6 s of CPU in a 5 s run, from the
                    # workers measured (two children with --workers 2, one with 1).
                    _settled(self.proc.pid, deadline)
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"orggraph serve --workers {self.workers} did not answer in 180 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


#: A server's processes have settled when they used less than this share of one core...
SETTLED_SHARE = 0.05
#: ...over this many seconds.
SETTLED_SECONDS = 1.0


def _cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and every process under it (Linux ``/proc``), in seconds."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += _cpu_seconds(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass  # a process that ended meanwhile
    return total


def _settled(pid: int, deadline: float) -> None:
    """Wait until the processes under ``pid`` are idle (``SETTLED_SHARE`` of a core over
    ``SETTLED_SECONDS``), or ``deadline`` (``time.monotonic``) comes."""
    before = _cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(SETTLED_SECONDS)
        now = _cpu_seconds(pid)
        if now - before < SETTLED_SHARE * SETTLED_SECONDS:
            return
        before = now


def measure_workers(
    path: Path, ids: list[str], *, seconds: float, rounds: int, generator: str
) -> dict[str, Any]:
    """The chain's throughput at 32 connections from ``orggraph serve --workers 1`` and
    ``--workers 2``, over a copy of the store at ``path`` with an account to sign in."""
    from orggraph.store.accounts import account_store
    from orggraph.store.embedded import EmbeddedStore

    chains = chain_requests(ids)["graphql"]
    runs: dict[str, list[LoadResult]] = {"w1": [], "w2": []}
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "workers.db"
        source = EmbeddedStore(path)
        source.backup_to(copy)
        source.close()
        store = EmbeddedStore(copy)
        accounts = account_store(store)
        accounts.add("bench", "admin")
        headers = {"authorization": f"Bearer {accounts.issue_token('bench')}"}
        store.close()
        for r in range(rounds):
            for workers in (1, 2) if r % 2 == 0 else (2, 1):
                with CliServer(f"sqlite:///{copy}", workers) as server:
                    load(server.url, chains, 32, min(2.0, seconds), generator, headers)  # warm
                    log(f"workers round {r + 1}/{rounds}: --workers {workers}, 32 connections")
                    result = load(server.url, chains, 32, seconds, generator, headers)
                    runs[f"w{workers}"].append(result)
    return {
        "seconds": seconds,
        "rounds": rounds,
        "runs": {
            name: [
                {
                    "throughput": x.throughput,
                    "p50_ms": x.p50_ms,
                    "p99_ms": x.p99_ms,
                    "errors": x.errors,
                    "generator": x.generator,
                }
                for x in results
            ]
            for name, results in runs.items()
        },
    }


def workers_figure(measured: dict[str, Any]) -> Figure:
    """The chain's throughput with two workers beside one."""

    def med(name: str) -> float:
        return float(statistics.median(r["throughput"] for r in measured["runs"][name]))

    bad = sum(int(r["errors"]) for v in measured["runs"].values() for r in v)
    return Figure(
        id="serving.workers_throughput",
        label="GraphQL 责任链吞吐（--workers 2，32 连接）chain throughput, --workers 2",
        value=med("w2"),
        unit="req/s",
        scale=1,
        comparison="--workers 1",
        comparison_value=med("w1"),
        ratio_note="2 workers ÷ 1",
        target="≥ 1.7×",
        op=">=",
        threshold=1.7,
        target_on="ratio",
        note=(
            f"{measured['rounds']} rounds × {measured['seconds']:g} s, "
            f"{measured['runs']['w1'][0]['generator']} on the same 2 cores, median; "
            "orggraph serve with a signed-in token"
        ),
        error=f"{bad} failed requests" if bad else None,
    )


def serving_figures(measured: dict[str, Any]) -> list[Figure]:
    """Two rows: the chain's p99 under heavy load beside alone, and ``/healthz``'s."""

    def med(name: str, field: str) -> float:
        return float(statistics.median(r[field] for r in measured["runs"][name]))

    def failed(*names: str) -> str | None:
        bad = sum(int(r["errors"]) for n in names for r in measured["runs"][n])
        return f"{bad} failed requests" if bad else None

    heavy = (
        f"{HEAVY_CLIENTS} clients in a loop: the city's responsibility lists (CSV) and the "
        f"city's coverage gaps, {measured['heavy_done']} answered"
        + (f", {measured['heavy_failed']} failed" if measured["heavy_failed"] else "")
    )
    note = (
        f"{measured['rounds']} rounds × {measured['seconds']:g} s, "
        f"{measured['runs']['loaded'][0]['generator']} (open loop), median; {heavy}"
    )
    chosen = measured.get("heavy_processes")
    others = {k: v for k, v in measured.get("modes", {}).items() if k != str(chosen)}
    for mode, other in others.items():

        def med_of(name: str, field: str, runs: dict[str, Any] = other["runs"]) -> float:
            return float(statistics.median(r[field] for r in runs[name]))

        note += (
            f"; heavy_processes={chosen} (the figure) beside heavy_processes={mode}, same "
            f"rounds alternating: chain p99 loaded {med_of('loaded', 'p99_ms'):.1f} ms, "
            f"alone {med_of('alone', 'p99_ms'):.1f} ms, /healthz p99 "
            f"{med_of('health', 'p99_ms'):.1f} ms, heavy answered {other['heavy_done']}"
        )
    ratio = med("loaded", "p99_ms") / med("alone", "p99_ms")
    chain = Figure(
        id="serving.chain_p99_loaded",
        label=(
            f"GraphQL 责任链 p99（定速 {CHAIN_RATE} req/s，另有 {HEAVY_CLIENTS} 个客户端"
            "持续导出全市清单、查询全市缺口）chain p99 while 4 clients run city-wide "
            "exports and gaps"
        ),
        value=med("loaded", "p99_ms"),
        unit="ms",
        scale=1,
        comparison="无重负载时 the same p99 without them",
        comparison_value=med("alone", "p99_ms"),
        ratio_note="loaded ÷ alone",
        target="ratio ≤ 3 and p99 < 50 ms",
        op="<=",
        threshold=3.0,
        target_on="ratio",
        note=(f"{note}; p50 {med('loaded', 'p50_ms'):.2f} ms vs {med('alone', 'p50_ms'):.2f} ms"),
        error=failed("alone", "loaded"),
    )
    if chain.meets is not None:  # both halves of the target
        chain.meets = chain.meets and med("loaded", "p99_ms") < 50.0
    health = Figure(
        id="serving.health_p99_loaded",
        label=(
            f"/healthz p99（定速 {HEALTH_RATE} req/s，同样的重负载）"
            "/healthz p99 under the same load"
        ),
        value=med("health", "p99_ms"),
        unit="ms",
        scale=1,
        comparison="责任链同时的 p99 the chain's p99 meanwhile",
        comparison_value=med("loaded", "p99_ms"),
        ratio_note="/healthz ÷ chain",
        target="< 20 ms",
        op="<",
        threshold=20.0,
        note=f"{note}; the chain's p99, loaded ÷ alone: {ratio:.2f}",
        error=failed("health"),
    )
    return [chain, health]


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["heavy"]:
        _heavy_loop(args_in[1], int(args_in[2]))
        return 0
    if args_in[:1] == ["serve"]:
        serve = argparse.ArgumentParser(description="serve the application")
        serve.add_argument("--port", type=int, required=True)
        serve.add_argument("--heavy-processes", type=int, required=True)
        serve.add_argument("path", type=Path)
        options = serve.parse_args(args_in[1:])
        _serve(options.path, options.port, options.heavy_processes)
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-workers", action="store_true", help="skip the --workers row")
    parser.add_argument("path", type=Path)
    args = parser.parse_args(args_in)
    from bench.bench_analyses import AS_OF as DAY
    from bench.bench_analyses import sample_orgs
    from orggraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(args.path)
    ids = sample_orgs(store, DAY, 200)
    store.close()
    measured = measure_serving(args.path, ids, seconds=args.duration, rounds=args.rounds)
    if not args.no_workers:
        measured["workers"] = measure_workers(
            args.path, ids, seconds=args.duration, rounds=args.rounds, generator=pick_generator()
        )
    json.dump(measured, sys.stdout, ensure_ascii=False, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
