"""Soak runs of the reliability tests, and the multi-process experiment (run by hand).

The tests in ``tests/reliability/`` are sized for CI (each well under two minutes on two
cores). ``ORGGRAPH_SOAK_SCALE`` multiplies their sizes: crash cycles, clients' operations
and conflicting pairs, Neo4j outages (every second one a SIGKILL), fuzzing examples::

    python bench/soak.py                      # every reliability test, 10 times larger
    python bench/soak.py --scale 50 crash     # 600 SIGKILLs of the server
    python bench/soak.py --no-neo4j fuzz http # the fuzzers only, no Neo4j

``multiprocess`` is not a test but a measurement for docs/RELIABILITY.md: two API
processes over one store, each sent one of a pair of moves that together make a cycle
(pA<i> under pB<i> to the first, pB<i> under pA<i> to the second), at the same moment.
The clients sign in with an administrator's API token made in the store beforehand. It
reports how many pairs both processes acknowledged (and how many exactly one), requests
that got no GraphQL answer (a 401 or a 5xx would show here), and how many cycles
``orggraph check`` then finds::

    python bench/soak.py multiprocess --store embedded --pairs 40
    python bench/soak.py multiprocess --store neo4j --pairs 40
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUITES = {
    "concurrency": "tests/reliability/test_concurrent_writes.py",
    "processes": "tests/reliability/test_two_processes.py",
    "crash": "tests/reliability/test_server_crash.py",
    "neo4j": "tests/reliability/test_neo4j_faults.py",
    "backup": "tests/reliability/test_backup.py",
    "fuzz": "tests/reliability/test_fuzz_imports.py",
    "http": "tests/reliability/test_http_fuzz.py",
}


def soak(names: list[str], scale: int, neo4j: bool) -> int:
    """Run the chosen suites with ``ORGGRAPH_SOAK_SCALE=scale``; pytest's exit code."""
    files = [SUITES[n] for n in names or SUITES]
    args = [sys.executable, "-m", "pytest", "-s", "-p", "no:cacheprovider", *files]
    if not neo4j:
        args += ["-m", "not neo4j"]
    env = {**os.environ, "ORGGRAPH_SOAK_SCALE": str(scale)}
    print(f"soak ×{scale}: {' '.join(args[1:])}", flush=True)
    started = time.monotonic()
    code = subprocess.call(args, cwd=ROOT, env=env)
    print(f"soak ×{scale}: exit {code} in {time.monotonic() - started:.0f} s")
    return code


def multiprocess(backend: str, pairs: int) -> None:
    """Two API processes, conflicting moves split between them; what got through."""
    import httpx

    from orggraph.store.integrity import integrity_problems
    from tests.reliability.harness import (
        MOVE_ORG,
        ServerProcess,
        admin_token,
        api_client,
        post,
        seed_forest,
    )

    folder = Path(tempfile.mkdtemp(prefix="orggraph-multiprocess-"))
    neo4j_server = None
    if backend == "embedded":
        from orggraph.store.embedded import EmbeddedStore

        url = f"sqlite:///{folder / 'store.db'}"

        def open_store() -> Any:
            return EmbeddedStore(folder / "store.db")

    else:
        from orggraph.store.neo4j import Neo4jStore
        from tests.neo4j_server import Neo4jServer

        neo4j_server = Neo4jServer()
        neo4j_server.start()
        url = neo4j_server.info.uri

        def open_store() -> Any:
            return Neo4jStore(url)

    store = open_store()
    store.write(seed_forest(pairs))
    token = admin_token(store)
    store.close()
    servers = [ServerProcess(url, folder / f"server{i}.log", token=token) for i in range(2)]
    both = one = 0
    failed: list[str] = []  # answers that are not a GraphQL answer (a 401, a 5xx, no answer)
    try:
        for server in servers:
            server.start()
        for i in range(pairs):
            day = (date(2022, 1, 1) + timedelta(days=i)).isoformat()
            barrier = threading.Barrier(2)
            acked: list[bool] = []

            def move(
                base: str,
                child: str,
                parent: str,
                day: str = day,
                b: Any = barrier,
                acked: list[bool] = acked,
            ) -> None:
                with api_client(token) as client:
                    client.get(base + "/healthz")
                    b.wait()
                    variables = {"input": {"id": child, "parent": parent, "effective": day}}
                    answer = post(client, base, MOVE_ORG, variables)
                    if answer.status != 200:
                        failed.append(
                            f"{child}: {answer.status or answer.error} {answer.text[:200]}"
                        )
                    acked.append(answer.acknowledged("updateOrganization"))

            threads = [
                threading.Thread(target=move, args=(servers[0].url, f"pA{i}", f"pB{i}")),
                threading.Thread(target=move, args=(servers[1].url, f"pB{i}", f"pA{i}")),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            both += all(acked)
            one += sum(acked) == 1
    except httpx.HTTPError as exc:
        print(f"request failed: {exc}")
    finally:
        for server in servers:
            server.stop()
    store = open_store()
    cycles = [p for p in integrity_problems(store) if "cycle" in p]
    store.close()
    if neo4j_server is not None:
        neo4j_server.cleanup()
    print(
        f"{backend}: 2 API processes, {pairs} pairs of conflicting moves: both acknowledged "
        f"in {both}, one in {one}; {len(failed)} request(s) failed; orggraph check finds "
        f"{len(cycles)} cycle(s)"
    )
    for line in failed[:5]:
        print("  ", line)
    for line in cycles[:5]:
        print("  ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "suites",
        nargs="*",
        metavar="SUITE",
        help=f"{', '.join(SUITES)} (default all), or multiprocess",
    )
    parser.add_argument("--scale", type=int, default=10, help="size multiplier (default 10)")
    parser.add_argument("--no-neo4j", action="store_true", help="leave out the Neo4j tests")
    parser.add_argument("--store", choices=["embedded", "neo4j"], default="embedded")
    parser.add_argument("--pairs", type=int, default=40, help="multiprocess: pairs of moves")
    args = parser.parse_args()
    if args.suites == ["multiprocess"]:
        multiprocess(args.store, args.pairs)
        return
    unknown = sorted(set(args.suites) - set(SUITES))
    if unknown:
        parser.error(f"unknown suite(s) {unknown}; expected {sorted(SUITES)} or multiprocess")
    sys.exit(soak(list(args.suites), args.scale, not args.no_neo4j))


if __name__ == "__main__":
    main()
