"""Benchmark: the whole city's exports on the Xining demo store (target: a few seconds each).

Builds the demo into a store file (kept between runs: ``--db``), then times, at the demo's
reference date 2019-06-30, the responsibility lists of every secretary in the city (XLSX,
CSV, HTML, DOCX, and PDF: the printed document, target <= 10 s), the remediation ledger and
the coverage report against 2014-12-31. Each export runs ``--repeat`` times, one format
after another in each round (so the PDF and the XLSX meet the same load), and the medians
are reported. Prints one line per export: wall-clock and CPU seconds (the CPU figure is the
one to compare on a shared machine), the split between building the table and writing the
file, rows, bytes.

    python bench/bench_exports.py [--db /tmp/orggraph-demo.db] [--repeat 1]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from statistics import median
from typing import Any

from orggraph.demo import REFERENCE_DATE, build_demo
from orggraph.exports.formats import get_format
from orggraph.exports.render import build_book, parse_params
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope

CASES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("responsibility-list", "xlsx", {}),
    ("responsibility-list", "csv", {}),
    ("responsibility-list", "html", {}),
    ("responsibility-list", "pdf", {}),
    ("responsibility-list", "docx", {}),
    ("ledger", "xlsx", {}),
    ("coverage", "xlsx", {"since": "2014-12-31"}),
)


def measure_exports(
    store: EmbeddedStore,
    repeat: int = 1,
    cases: tuple[tuple[str, str, dict[str, str]], ...] = CASES,
) -> list[dict[str, Any]]:
    """Each export of ``cases`` timed on ``store``: the median of ``repeat`` runs of each,
    the cases interleaved (round after round) so that each meets the same load."""
    when = {"year": str(REFERENCE_DATE.year), "as_of": REFERENCE_DATE.isoformat()}
    runs: list[list[tuple[float, float, float, float]]] = [[] for _ in cases]
    sizes: list[tuple[int, int]] = [(0, 0)] * len(cases)
    for _ in range(repeat):
        for n, (kind, fmt, extra) in enumerate(cases):
            wall, c0 = time.perf_counter(), time.process_time()
            book = build_book(kind, store, parse_params({**when, **extra}), Scope())
            c1 = time.process_time()
            content = get_format(fmt).render(book, "zh")
            c2 = time.process_time()
            runs[n].append((time.perf_counter() - wall, c2 - c0, c1 - c0, c2 - c1))
            sizes[n] = (sum(len(t.rows) for t in book.tables), len(content))
    out = []
    for (kind, fmt, _), times, (rows, size) in zip(cases, runs, sizes, strict=True):
        wall_s, cpu_s, build_s, write_s = (median(t[i] for t in times) for i in range(4))
        out.append(
            {
                "kind": kind,
                "format": fmt,
                "wall_s": wall_s,
                "cpu_s": cpu_s,
                "build_cpu_s": build_s,
                "write_cpu_s": write_s,
                "runs": repeat,
                "rows": rows,
                "bytes": size,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/orggraph-demo.db"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    fresh = not args.db.exists()
    started = time.perf_counter()
    store = EmbeddedStore(args.db)
    if fresh:
        build_demo(store)
        print(f"built the demo in {time.perf_counter() - started:.1f} s: {args.db}")
    else:
        print(f"opened {args.db} in {time.perf_counter() - started:.1f} s")
    try:
        for r in measure_exports(store, args.repeat):
            print(
                f"{r['kind']:20} {r['format']:5} {r['wall_s']:6.2f} s wall, "
                f"{r['cpu_s']:5.2f} s CPU (build {r['build_cpu_s']:.2f}, "
                f"write {r['write_cpu_s']:.2f})  {r['rows']:,} rows  {r['bytes']:,} bytes"
            )
    finally:
        store.close()


if __name__ == "__main__":
    main()
