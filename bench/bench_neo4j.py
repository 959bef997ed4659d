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
that graph instead, the way ``orggraph sync`` does (node versions, then link versions,
then facts, batches of 10,000, each one ``_apply``), twice: on the fresh server ("cold",
what ``python -m bench`` measures: the JIT compiles Neo4j's write path meanwhile, which
costs more of the server's CPU than the writing itself), then again after emptying it
("warm", a server that has run for a while).

    python bench/bench_neo4j.py [--members 100000] [--orgs 5000] [--repeat 1]
    python bench/bench_neo4j.py --demo PATH [--heap-mb 3072]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orggraph.model import Changes, Link, LinkKind, Node, NodeKind
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


def copy_demo(store: Neo4jStore, source: Any, pid: int | None) -> dict[str, Any]:
    """Every version and fact of ``source`` into the empty ``store`` as sync writes them."""
    parts: list[tuple[str, list[Any], Any]] = [
        ("nodes", list(source.all_nodes()), lambda b: Changes(add_nodes=b)),
        ("links", list(source.all_links()), lambda b: Changes(add_links=b)),
        ("facts", list(source.all_facts()), lambda b: Changes(facts=b)),
    ]
    out: dict[str, Any] = {}
    for name, items, make in parts:
        wall, cpu, jvm = time.perf_counter(), time.process_time(), _jvm_cpu(pid)
        for start in range(0, len(items), 10_000):
            store._apply(make(items[start : start + 10_000]), "bench")
        seconds = time.perf_counter() - wall
        after = _jvm_cpu(pid)
        out[name] = {
            "count": len(items),
            "wall_s": round(seconds, 2),
            "per_s": round(len(items) / seconds),
            "python_cpu_s": round(time.process_time() - cpu, 2),
            "server_cpu_s": None if jvm is None or after is None else round(after - jvm, 2),
        }
    return out


def run_demo(info: ServerInfo, pid: int | None, path: Path) -> dict[str, Any]:
    from orggraph.store.embedded import EmbeddedStore

    with EmbeddedStore(path) as source, Neo4jStore(info.uri) as store:
        store.clear(keep_audit=False)
        cold = copy_demo(store, source, pid)
        digest_ok = store.digest() == source.digest()
        store.clear(keep_audit=False)
        warm = copy_demo(store, source, pid)
    return {"demo": str(path), "cold": cold, "warm": warm, "digest_equal": digest_ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--heap-mb", type=int, default=None, help="server heap (default 6144; --demo: 3072)"
    )
    parser.add_argument("--demo", type=Path, default=None, help="copy this demo store instead")
    args = parser.parse_args()
    heap_mb = args.heap_mb or (3072 if args.demo else 6144)
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
