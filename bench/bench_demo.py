"""Benchmark: writing the Xining demo, opening the city store, and its memory.

    python bench/bench_demo.py [--scale N] [--seed N] [--runs N]

Prints one JSON object: the generation time, each batch's write time (the members'
batch as members per second), the store's file size, and, measured in fresh processes,
the time to open the store (target: under 2 s for the city) and the resident memory an
open store adds. CPU seconds are given beside wall seconds: on a shared machine the wall
clock also measures the neighbours. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_OPEN = """
import json, resource, sys, time
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) * 1024
from orggraph.store.embedded import EmbeddedStore
before = rss()
wall, cpu = time.perf_counter(), time.process_time()
store = EmbeddedStore(sys.argv[1])
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"wall": wall, "cpu": cpu, "rss_added": rss() - before,
                  "max_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def _timed(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    return result, round(time.perf_counter() - wall, 3), round(time.process_time() - cpu, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--runs", type=int, default=3, help="store openings to time")
    args = parser.parse_args()

    from orggraph.demo import demo_batches, summarize
    from orggraph.model import NodeKind
    from orggraph.store.embedded import EmbeddedStore

    out: dict[str, object] = {"seed": args.seed, "scale": args.scale}
    batches, wall, cpu = _timed(demo_batches, args.seed, args.scale)
    out["generate"] = {"wall_s": wall, "cpu_s": cpu}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.db"
        store = EmbeddedStore(path)
        writes = []
        for batch in batches:
            _, wall, cpu = _timed(store.write, batch, actor="bench")
            members = sum(1 for n in batch.nodes if n.kind is NodeKind.MEMBER)
            row: dict[str, object] = {"records": len(batch), "wall_s": wall, "cpu_s": cpu}
            if members:
                row["member_versions"] = members
                row["members_per_s_wall"] = round(members / wall)
                row["members_per_s_cpu"] = round(members / cpu)
            writes.append(row)
        summary = summarize(store, seed=args.seed, scale=args.scale, batches=len(batches))
        store.close()
        out["writes"] = writes
        out["write_total_wall_s"] = round(sum(float(str(w["wall_s"])) for w in writes), 3)
        out["summary"] = {
            "organizations": summary.organizations,
            "members": summary.members,
            "node_versions": summary.node_versions,
            "link_versions": summary.link_versions,
            "facts": summary.facts,
        }
        out["file_mb"] = round(
            sum(p.stat().st_size for p in path.parent.iterdir() if p.is_file()) / 2**20, 1
        )
        opens = []
        for _ in range(args.runs):
            done = subprocess.run(
                [sys.executable, "-c", _OPEN, str(path)],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ},
            )
            opens.append(json.loads(done.stdout))
        out["open"] = {
            "wall_s": [round(o["wall"], 3) for o in opens],
            "cpu_s": [round(o["cpu"], 3) for o in opens],
            "rss_added_mb": round(min(o["rss_added"] for o in opens) / 2**20, 1),
            "max_rss_mb": round(min(o["max_rss"] for o in opens) / 2**20, 1),
        }
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    out["bench_max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
