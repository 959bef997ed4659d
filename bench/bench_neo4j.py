"""Benchmark: Neo4j import rate through UNWIND batches (target: 30,000 nodes/s or more).

Starts its own Neo4j 5.26 (full JIT, 6 GB heap: a write is one transaction, and its state
lives on the heap; the launcher in tests/neo4j_server.py) unless
``NEO4J_URI`` names one, empties it, then writes a synthetic city through the store's
``_apply`` (one transaction, rows in UNWIND chunks): organizations in a three-level tree and
members, each member with a ``member_of`` link; then the node versions alone (one
transaction), then their links. Prints one JSON object: the counts, wall
and CPU seconds (this process's, and the server's when it is ours: on a shared machine the
CPU figures are the ones to compare), the rates, and a few timed reads on the result.

With ``--demo PATH`` (a demo store, e.g. ``bench/.cache/demo-s2019-x1-….db``) it copies
that graph instead through ``orggraph sync``'s own writing half (``copy_records``: node
versions, then link versions, then facts, batches of 10,000, each one ``_apply``, as a
bulk load whose deferred indexes are built and awaited at the end), twice: on the fresh
server ("cold", what ``python -m bench`` measures: the JIT compiles Neo4j's write path
meanwhile, which costs more of the server's CPU than the writing itself), then again
after emptying it ("warm"). ``node_versions_per_s`` counts the index build; the
server's CPU is also split by its threads (``jit``, ``transactions``,
``index_population``, ``gc``). With ``--ab ROUNDS`` it compares ordinary writes (every
index in place, "old") with the bulk load ("new"), alternating, each run on a fresh
server (``--warm``: all on one server warmed by two copies), and prints the medians.

    python bench/bench_neo4j.py [--members 100000] [--orgs 5000] [--repeat 1]
    python bench/bench_neo4j.py --demo PATH [--heap-mb 3072]
    python bench/bench_neo4j.py --demo PATH --ab 3 [--warm]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orggraph.model import Changes, Link, LinkKind, Node, NodeKind
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.neo4j import Neo4jStore, changes_payload
from tests.neo4j_server import Neo4jServer, ServerInfo

D0 = date(2010, 1, 1)


def synthetic_city(orgs: int, members: int) -> Changes:
    """A root, 10 districts, townships under them, branches under those; members in branches."""
    nodes: list[Node] = []
    links: list[Link] = []
    sub = LinkKind.SUBORDINATE_TO

    def org(oid: str, level: str, kind: str, parent: str | None) -> None:
        nodes.append(
            Node(
                id=oid,
                kind=NodeKind.ORGANIZATION,
                name=f"第{oid}党组织",
                valid_from=D0,
                attrs={"org_kind": kind, "level": level, "sector": "rural", "code": oid},
            )
        )
        if parent is not None:
            links.append(Link(kind=sub, source=oid, target=parent, valid_from=D0))

    org("630100", "city", "committee", None)
    districts = [f"6301{i:02d}" for i in range(1, 11)]
    for d in districts:
        org(d, "county", "committee", "630100")
    townships = [f"{districts[i % 10]}{i:03d}" for i in range(max(orgs // 20, 1))]
    for t in townships:
        org(t, "township", "working_committee", t[:6])
    branches = [f"b{i:06d}" for i in range(max(orgs - len(nodes), 1))]
    for i, b in enumerate(branches):
        org(b, "grassroots", "branch", townships[i % len(townships)])
    for i in range(members):
        mid = f"m{i:07d}"
        nodes.append(
            Node(
                id=mid,
                kind=NodeKind.MEMBER,
                name=f"党员{i}",
                valid_from=D0,
                attrs={
                    "gender": "female" if i % 2 else "male",
                    "ethnicity": "汉族",
                    "education": "bachelor",
                    "birth_year": 1960 + i % 40,
                    "join_date": date(2000 + i % 20, 7, 1),
                    "status": "full",
                    "is_leader": i % 50 == 0,
                },
            )
        )
        links.append(
            Link(
                kind=LinkKind.MEMBER_OF,
                source=mid,
                target=branches[i % len(branches)],
                valid_from=D0,
            )
        )
    return Changes(add_nodes=nodes, add_links=links)


def _jvm_cpu(pid: int | None) -> float | None:
    if pid is None:
        return None
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(info: ServerInfo, pid: int | None, orgs: int, members: int) -> dict[str, Any]:
    changes = synthetic_city(orgs, members)
    n_nodes, n_links = len(changes.add_nodes), len(changes.add_links)
    with Neo4jStore(info.uri, user=info.user, password=info.password) as store:
        # Warm up: plan the statements and let the JIT compile them, on a small city.
        store.clear(keep_audit=False)
        store._apply(synthetic_city(200, 5_000), "bench-warm-up")
        store.clear(keep_audit=False)
        c0 = time.process_time()
        changes_payload(changes, "bench")
        payload_cpu = time.process_time() - c0
        wall, c0, j0 = time.perf_counter(), time.process_time(), _jvm_cpu(pid)
        store._apply(changes, "bench")
        write_wall = time.perf_counter() - wall
        write_cpu = time.process_time() - c0
        j1 = _jvm_cpu(pid)
        # The node rate alone: the same node versions, no links, one transaction.
        nodes_only = Changes(add_nodes=changes.add_nodes)
        store.clear(keep_audit=False)
        wall = time.perf_counter()
        store._apply(nodes_only, "bench")
        nodes_only_wall = time.perf_counter() - wall
        store._apply(Changes(add_links=changes.add_links), "bench")
        reads: dict[str, float] = {}
        as_of = date(2020, 1, 1)
        for name, call in (
            ("subtree(city)", lambda: store.subtree("630100", as_of)),
            ("ancestors(branch)", lambda: store.ancestors("b000001", as_of)),
            ("nodes(member, all)", lambda: store.nodes(NodeKind.MEMBER, as_of)),
            (
                "links(member_of, 1000 sources)",
                lambda: store.links(
                    LinkKind.MEMBER_OF, as_of, sources=[f"m{i:07d}" for i in range(1000)]
                ),
            ),
            ("digest", store.digest),
        ):
            call()  # plan and warm once
            started = time.perf_counter()
            call()
            reads[name] = round(time.perf_counter() - started, 3)
        counts = store.counts()
    return {
        "nodes": n_nodes,
        "links": n_links,
        "stored": counts,
        "write_wall_s": round(write_wall, 2),
        "write_python_cpu_s": round(write_cpu, 2),
        "payload_python_cpu_s": round(payload_cpu, 2),
        "write_server_cpu_s": None if j0 is None or j1 is None else round(j1 - j0, 2),
        "nodes_per_s": round(n_nodes / write_wall),
        "links_per_s": round(n_links / write_wall),
        "records_per_s": round((n_nodes + n_links) / write_wall),
        "nodes_only_wall_s": round(nodes_only_wall, 2),
        "nodes_only_per_s": round(n_nodes / nodes_only_wall),
        "reads_s": reads,
    }


def _threads_cpu(pid: int | None) -> dict[str, tuple[str, float]]:
    """The server's threads now: id → (what it does, CPU seconds so far), from ``/proc``."""
    out: dict[str, tuple[str, float]] = {}
    if pid is None:
        return out
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            raw = (task / "stat").read_text()
        except OSError:
            continue  # the thread ended
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        group = next((g for prefix, g in _THREAD_GROUPS if name.startswith(prefix)), "other")
        fields = raw.rsplit(")", 1)[1].split()
        out[task.name] = (group, (int(fields[11]) + int(fields[12])) / tick)
    return out


def _threads_delta(
    before: dict[str, tuple[str, float]], after: dict[str, tuple[str, float]]
) -> dict[str, float]:
    """CPU seconds between two snapshots by group (threads that ended meanwhile are lost)."""
    out: dict[str, float] = {}
    for tid, (group, cpu) in after.items():
        out[group] = out.get(group, 0.0) + cpu - before.get(tid, (group, 0.0))[1]
    return {k: round(v, 1) for k, v in sorted(out.items())}


_THREAD_GROUPS = (
    ("C1 Compiler", "jit"),
    ("C2 Compiler", "jit"),
    ("neo4j.BoltWorke", "transactions"),
    ("neo4j.IndexPopu", "index_population"),
    ("GC Thread", "gc"),
    ("VM Thread", "gc"),
)


def copy_demo(
    store: Neo4jStore, records: tuple[list[Any], list[Any], list[Any]], pid: int | None, bulk: bool
) -> dict[str, Any]:
    """The records written into the empty ``store`` by sync's own path; each part timed."""
    from bench.bench_backends import copy_timed

    before = _threads_cpu(pid)
    copied = copy_timed(store, *records, pid, bulk=bulk)
    after = _threads_cpu(pid)
    out: dict[str, Any] = {"bulk": bulk}
    for name in ("nodes", "links", "facts", "indexes"):
        cpu = copied.server_cpu[name]
        out[name] = {
            "count": copied.counts[name],
            "wall_s": round(copied.seconds[name], 2),
            "python_cpu_s": round(copied.client_cpu[name], 2),
            "server_cpu_s": None if cpu is None else round(cpu, 2),
        }
        if copied.counts[name]:
            out[name]["per_s"] = round(copied.counts[name] / copied.seconds[name])
    # The figure of the issue: node versions over their batches and the index build.
    node_s = copied.seconds["nodes"] + copied.seconds["indexes"]
    out["node_versions_per_s"] = round(copied.counts["nodes"] / node_s)
    out["server_threads_cpu_s"] = _threads_delta(before, after)
    return out


def _records(path: Path) -> tuple[list[Any], list[Any], list[Any]]:
    with EmbeddedStore(path) as source:
        return list(source.all_nodes()), list(source.all_links()), list(source.all_facts())


def _server(heap_mb: int) -> Neo4jServer:
    server = Neo4jServer(fast_start=False, heap_mb=heap_mb)
    server.start()
    return server


def run_demo(info: ServerInfo, pid: int | None, path: Path) -> dict[str, Any]:
    """The demo copied on the fresh server ("cold"), then again once emptied ("warm")."""
    records = _records(path)
    with Neo4jStore(info.uri) as store:
        store.clear(keep_audit=False)
        cold = copy_demo(store, records, pid, bulk=True)
        with EmbeddedStore(path) as source:
            digest_ok = store.digest() == source.digest()
        store.clear(keep_audit=False)
        warm = copy_demo(store, records, pid, bulk=True)
    return {"demo": str(path), "cold": cold, "warm": warm, "digest_equal": digest_ok}


def ab_demo(path: Path, rounds: int, heap_mb: int, warm: bool) -> dict[str, Any]:
    """Ordinary writes ("old": every index in place) against the bulk load ("new").

    Alternating, the order swapped each round; each run on a fresh server, or with
    ``warm`` all on one server warmed by two copies first. Medians of the node figure.
    """
    records = _records(path)
    runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}

    def once(store: Neo4jStore, pid: int | None, which: str) -> None:
        store.clear(keep_audit=False)
        store.apply_schema()
        result = copy_demo(store, records, pid, bulk=which == "new")
        runs[which].append(result)
        print(json.dumps({"run": which, **result}, ensure_ascii=False), file=sys.stderr)

    order = [("old", "new") if i % 2 == 0 else ("new", "old") for i in range(rounds)]
    if warm:
        server = _server(heap_mb)
        try:
            with Neo4jStore(server.info.uri) as store:
                for _ in range(2):
                    once(store, server.pid, "new")
                runs["new"].clear()
                for pair in order:
                    for which in pair:
                        once(store, server.pid, which)
        finally:
            server.cleanup()
    else:
        for pair in order:
            for which in pair:
                server = _server(heap_mb)
                try:
                    with Neo4jStore(server.info.uri) as store:
                        once(store, server.pid, which)
                finally:
                    server.cleanup()

    def median(which: str, key: str) -> float:
        return float(statistics.median(r[key] for r in runs[which]))

    return {
        "demo": str(path),
        "server": "warm" if warm else "fresh",
        "rounds": rounds,
        "node_versions_per_s": {w: median(w, "node_versions_per_s") for w in runs},
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--heap-mb", type=int, default=None, help="server heap (default 6144; --demo: 3072)"
    )
    parser.add_argument("--demo", type=Path, default=None, help="copy this demo store instead")
    parser.add_argument(
        "--ab",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="with --demo: ordinary writes against the bulk load, alternating, ROUNDS each",
    )
    parser.add_argument(
        "--warm", action="store_true", help="with --ab: one server, warmed by two copies first"
    )
    args = parser.parse_args()
    heap_mb = args.heap_mb or (3072 if args.demo else 6144)
    if args.demo is not None and args.ab:
        result = ab_demo(args.demo, args.ab, heap_mb, args.warm)
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    uri = os.environ.get("NEO4J_URI")
    server = None
    started = time.perf_counter()
    if uri:
        info = ServerInfo(
            uri=uri,
            user=os.environ.get("NEO4J_USER", "neo4j"),
            password=os.environ.get("NEO4J_PASSWORD", ""),
        )
        pid = None
    else:
        server = Neo4jServer(fast_start=False, heap_mb=heap_mb)
        server.start()
        info, pid = server.info, server.pid
    start_s = time.perf_counter() - started
    try:
        if args.demo is not None:
            result = run_demo(info, pid, args.demo)
            print(json.dumps({"server": info.uri, **result}, ensure_ascii=False, indent=2))
            return
        runs = [run(info, pid, args.orgs, args.members) for _ in range(args.repeat)]
    finally:
        if server is not None:
            server.cleanup()
    best = max(runs, key=lambda r: r["nodes_per_s"])
    print(
        json.dumps(
            {"server": info.uri, "server_start_s": round(start_s, 1), **best, "runs": len(runs)},
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
