"""Stores: how fast the demo is written, a CSV import, how long a store takes to open, and
how much memory an open store holds.

Run on its own (each prints one JSON object)::

    python -m bench.bench_stores build [--seed 2019] [--scale 1] PATH   # write the demo
    python -m bench.bench_stores probe [--trace] PATH                   # open it, RSS delta
    python -m bench.bench_stores csv PATH                               # CSV import of PATH
    python -m bench.bench_stores write-one PATH                         # one member's write

``build`` times ``demo_batches`` (generation) and the ``store.write`` of each batch apart.
``probe`` runs in a fresh process so that the resident-memory delta of opening is the
store's alone; ``--trace`` also splits the Python heap it allocates between node versions,
link versions and facts (tracemalloc: slower, so only for that split).
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import Figure, fmt, log, run_json

__all__ = ["build", "csv_import", "import_figures", "open_figures", "probe"]

# The kinds of row a demo store holds, in the words of its tables.
_RECORDS = ("node_versions", "link_versions", "facts")


def _rss_bytes() -> int:
    """Resident set size of this process now (Linux ``/proc``), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def build(path: Path, seed: int, scale: int) -> dict[str, Any]:
    """Write the demo into a new store at ``path``: generation and writing timed apart."""
    from orggraph.demo import demo_batches, summarize
    from orggraph.store.embedded import EmbeddedStore

    for suffix in ("", "-wal", "-shm", ".columns"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    wall, cpu = time.perf_counter(), time.process_time()
    batches = demo_batches(seed, scale)
    generate = (time.perf_counter() - wall, time.process_time() - cpu)
    store = EmbeddedStore(path)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            store.write(batch, actor="demo")
        write = (time.perf_counter() - wall, time.process_time() - cpu)
        summary = summarize(store, seed=seed, scale=scale, batches=len(batches))
    finally:
        store.close()
    return {
        "seed": seed,
        "scale": scale,
        "generate_s": round(generate[0], 3),
        "generate_cpu_s": round(generate[1], 3),
        "write_s": round(write[0], 3),
        "write_cpu_s": round(write[1], 3),
        "node_versions": summary.node_versions,
        "link_versions": summary.link_versions,
        "facts": summary.facts,
        "members": summary.members,
        "organizations": summary.organizations,
        "units": summary.units,
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def probe(path: Path, trace: bool = False) -> dict[str, Any]:
    """Open the store at ``path`` in this (fresh) process: time, RSS delta, record counts.

    The store may read its facts lazily (on the first question that needs them), and decode
    a node version's attributes when a read first hands it out: the RSS is taken after
    opening, again once the facts are loaded (the figure reported), and once more after
    every node version has been read (``all_nodes``: the most a server's index can hold).
    """
    import networkx  # noqa: F401 - loaded before the baseline: the store's, not the library's
    import orjson  # noqa: F401

    from orggraph.store.embedded import EmbeddedStore

    if trace:
        import tracemalloc

        tracemalloc.start()
    gc.collect()
    before = _rss_bytes()
    wall, cpu = time.perf_counter(), time.process_time()
    store = EmbeddedStore(path)
    opened = (time.perf_counter() - wall, time.process_time() - cpu)
    gc.collect()
    after_open = _rss_bytes()
    wall = time.perf_counter()
    facts = store._facts.count()  # the first facts question
    facts_s = time.perf_counter() - wall
    gc.collect()
    after = _rss_bytes()
    wall = time.perf_counter()
    for _ in store.all_nodes():  # every version handed out: every attribute decoded
        pass
    read_all_s = time.perf_counter() - wall
    gc.collect()
    after_all = _rss_bytes()
    out: dict[str, Any] = {
        "open_s": round(opened[0], 4),
        "open_cpu_s": round(opened[1], 4),
        "facts_load_s": round(facts_s, 4),
        "rss_before_mb": round(before / 2**20, 1),
        "rss_after_mb": round(after / 2**20, 1),
        "rss_open_delta_bytes": after_open - before,
        "rss_delta_bytes": after - before,
        "read_all_s": round(read_all_s, 4),
        "rss_read_all_delta_bytes": after_all - before,
        "node_versions": len(store._nodes),
        "link_versions": sum(len(v) for v in store._links.values())
        + sum(c.rows() for c in store._cols.values()),
        "facts": facts,
        "node_ids": len(store._nodes.ids),
        "link_ids": len(store._links) + sum(len(c) for c in store._cols.values()),
        "snapshot_used": store.snapshot_used,
        "traced": trace,
    }
    if trace:
        out["heap_bytes"] = _heap_split(store)
    store.close()
    return out


def _heap_split(store: Any) -> dict[str, int]:
    """Python heap bytes held by the index's links, nodes and facts (freed one by one).

    Reaches into the embedded store's index (``_graphs``/``_links``, ``_nodes``,
    the facts): a diagnostic that must follow that class when it changes.
    """
    import tracemalloc

    def current() -> int:
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    def drop(*names: str) -> None:
        for name in names:
            if name == "facts":
                if hasattr(store, "_fact_index"):
                    store._fact_index = None
                else:
                    store._facts = {}
            else:
                setattr(store, name, {})

    total = current()
    drop("_graphs", "_links", "_cols")
    after_links = current()
    drop("_nodes", "_written_nodes")
    after_nodes = current()
    drop("facts")
    after_facts = current()
    return {
        "total": total,
        "links": total - after_links,
        "nodes": after_links - after_nodes,
        "facts": after_nodes - after_facts,
    }


# -- the CSV import path ----------------------------------------------------------------------
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_snapshot_csv(source: Path, folder: Path, as_of: date) -> dict[str, int]:
    """The organizations and members of the store at ``source`` valid at ``as_of``, as the
    two CSV files an administrator would import (党组织 with 上级党组织, 党员 with 所在党组织),
    their 起始日期 left empty: a roll taken on one day."""
    from orggraph.imports import find_table
    from orggraph.model import LinkKind, NodeKind
    from orggraph.model.codec import attrs_to_json
    from orggraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(source)
    rows: dict[str, int] = {}
    try:
        for table, kind, link, end in (
            ("organizations", NodeKind.ORGANIZATION, LinkKind.SUBORDINATE_TO, "parent"),
            ("members", NodeKind.MEMBER, LinkKind.MEMBER_OF, "organization"),
        ):
            spec = find_table(table)
            assert spec is not None, table
            attrs = [c.name for c in spec.columns if c.role == "attr"]
            nodes = sorted(store.nodes(kind, as_of), key=lambda n: n.id)
            targets = {x.source: x.target for x in store.links(link, as_of)}
            with open(folder / f"{spec.label_zh}.csv", "w", newline="", encoding="utf-8") as fh:
                out = csv.writer(fh)
                out.writerow(["id", "name", *attrs, end])
                for node in nodes:
                    values = attrs_to_json(node.attrs)
                    out.writerow(
                        [
                            node.id,
                            node.name,
                            *(_cell(values.get(a)) for a in attrs),
                            targets.get(node.id, ""),
                        ]
                    )
            rows[table] = len(nodes)
    finally:
        store.close()
    return rows


def csv_import(source: Path) -> dict[str, Any]:
    """Import a snapshot of ``source`` as CSV into an empty store: read, check, write once."""
    from orggraph.demo import REFERENCE_DATE
    from orggraph.imports import import_files
    from orggraph.store.embedded import EmbeddedStore

    with tempfile.TemporaryDirectory(prefix="orggraph-bench-csv-") as tmp:
        folder = Path(tmp)
        rows = write_snapshot_csv(source, folder, REFERENCE_DATE)
        size = sum(p.stat().st_size for p in folder.glob("*.csv"))
        target = EmbeddedStore(folder / "import.db")
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            report = import_files(target, sorted(folder.glob("*.csv")), effective=REFERENCE_DATE)
            elapsed = (time.perf_counter() - wall, time.process_time() - cpu)
        finally:
            target.close()
    return {
        "rows": rows,
        "csv_bytes": size,
        "import_s": round(elapsed[0], 3),
        "import_cpu_s": round(elapsed[1], 3),
        "nodes_added": report.nodes_added,
        "links_added": report.links_added,
    }


# -- figures for the suite ------------------------------------------------------------------
def import_figures(build_x1: dict[str, Any], csv: dict[str, Any] | None) -> list[Figure]:
    """The demo's writing (×1), and the CSV import beside it."""
    total = build_x1["generate_s"] + build_x1["write_s"]
    members = build_x1["members"]
    write_rate = build_x1["node_versions"] / build_x1["write_s"]
    figures = [
        Figure(
            id="import.demo_build",
            label=f"演示数据生成并写入 demo built and written ({members:,} members)",
            value=total,
            unit="s",
            scale=1,
            comparison="其中写入 of which store.write",
            comparison_value=build_x1["write_s"],
            ratio_note="total ÷ write",
            target="≤ 10 s",
            op="<=",
            threshold=10.0,
            note=(
                f"generate {fmt(build_x1['generate_s'], 's')} (CPU "
                f"{fmt(build_x1['generate_cpu_s'], 's')}), write {fmt(build_x1['write_s'], 's')} "
                f"(CPU {fmt(build_x1['write_cpu_s'], 's')})"
            ),
        ),
        Figure(
            id="import.demo_write_rate",
            label="演示数据写入速率 demo write rate (node versions/s)",
            value=write_rate,
            unit="nodes/s",
            scale=1,
            note=(
                f"{build_x1['node_versions']:,} node versions, "
                f"{build_x1['link_versions']:,} link versions, {build_x1['facts']:,} facts "
                "in 5 transactions"
            ),
        ),
    ]
    if csv is None:
        figures.append(
            Figure.failed(
                "import.csv",
                "CSV 导入 CSV import (党组织 + 党员)",
                "s",
                "not measured",
                scale=1,
            )
        )
        return figures
    rows = sum(csv["rows"].values())
    rate = rows / csv["import_s"]
    figures.append(
        Figure(
            id="import.csv",
            label=f"CSV 导入速率 CSV import rate ({rows:,} rows: 党组织 + 党员, one transaction)",
            value=rate,
            unit="rows/s",
            scale=1,
            comparison="演示数据写入速率 demo write rate",
            comparison_value=write_rate,
            ratio_note="CSV ÷ demo write",
            note=(
                f"{fmt(csv['import_s'], 's')} (CPU {fmt(csv['import_cpu_s'], 's')}): read, "
                f"convert, check and write {csv['csv_bytes'] / 2**20:.1f} MB of CSV"
            ),
        )
    )
    return figures


def write_one(path: Path) -> dict[str, Any]:
    """Write one new member of the first branch (the write another process makes)."""
    from orggraph.demo import REFERENCE_DATE
    from orggraph.model import LinkKind, NodeKind, WriteBatch
    from orggraph.store.embedded import EmbeddedStore
    from tests.graphs import link, member

    start = date(2019, 1, 1)
    with EmbeddedStore(path) as store:
        branch = next(
            n.id
            for n in store.nodes(NodeKind.ORGANIZATION, REFERENCE_DATE)
            if n.attrs.get("org_kind") == "branch"
        )
        joined = member("bench-probe-member", "测试党员", start=start)
        batch = WriteBatch(
            nodes=(joined,), links=(link(LinkKind.MEMBER_OF, joined.id, branch, start=start),)
        )
        wall = time.perf_counter()
        store.write(batch, actor="bench")
        return {"write_s": round(time.perf_counter() - wall, 4), "branch": branch}


def open_figures(
    scale: int, probes: list[dict[str, Any]], heap: dict[str, Any] | None
) -> list[Figure]:
    """Open time (median of the probes) and the memory an open store holds."""
    import statistics

    # The probe of a copy after another process's write (``run_probes``): its own note.
    after = [p for p in probes if p.get("after_write")]
    probes = [p for p in probes if not p.get("after_write")]
    # The first probe opened from the tables when ``run_probes`` made it so: a figure of
    # its own; the others (from the snapshot it wrote) are the open a server's start sees.
    cold = probes[0] if len(probes) > 1 and not probes[0].get("snapshot_used", True) else None
    if cold is not None:
        probes = probes[1:]
    opens = sorted(p["open_s"] for p in probes)
    cpus = sorted(p["open_cpu_s"] for p in probes)
    first = probes[0]
    used = first.get("snapshot_used")
    versions = first["node_versions"] + first["link_versions"]
    rss = statistics.median(p["rss_delta_bytes"] for p in probes)
    rss_open = statistics.median(p.get("rss_open_delta_bytes", 0) for p in probes)
    rss_all = statistics.median(p.get("rss_read_all_delta_bytes", 0) for p in probes)
    read_all = statistics.median(p.get("read_all_s", 0.0) for p in probes)
    per_100k = statistics.median(opens) / (versions / 100_000)
    figures = [
        Figure(
            id="store.open",
            label=f"打开存储 store opens ({versions:,} node + link versions)",
            value=statistics.median(opens),
            unit="s",
            scale=scale,
            # The targets: a city under 2 s, a province (×10) within 3 s.
            target="< 2 s" if scale == 1 else "≤ 3 s",
            op="<" if scale == 1 else "<=",
            threshold=2.0 if scale == 1 else 3.0,
            note=(
                f"CPU {fmt(statistics.median(cpus), 's')}, median of {len(probes)} fresh "
                f"processes; {fmt(per_100k, 's')} per 100k versions"
                + ("; opened from the snapshot beside the file" if used else "")
                + (
                    ""
                    if cold is None
                    else f"; the first open, from the tables (writing the snapshot): "
                    f"{fmt(cold['open_s'], 's')} (CPU {fmt(cold['open_cpu_s'], 's')})"
                )
                + "".join(
                    "; the first open after another process's write of a member, "
                    + (
                        "from the snapshot and the journal"
                        if a["snapshot_used"]
                        else "from the tables"
                    )
                    + f": {fmt(a['open_s'], 's')} (CPU {fmt(a['open_cpu_s'], 's')})"
                    for a in after
                )
            ),
        ),
        Figure(
            id="store.rss",
            label="打开后常驻内存 resident memory of an open store (RSS delta)",
            value=rss / 2**20,
            unit="MB",
            scale=scale,
            comparison="DESIGN.md 估计 DESIGN.md's estimate, ~1 KB a node version",
            comparison_value=first["node_versions"] * 1024 / 2**20,
            ratio_note="measured ÷ estimate",
            # Columns, not objects: a city in 120 MB, a province (×10) in 1 GB.
            target="≤ 120 MB" if scale == 1 else "≤ 1 GB",
            op="<=",
            threshold=120.0 if scale == 1 else 1024.0,
            note=(
                f"{rss / versions:,.0f} B per node or link version, facts loaded "
                f"({first['facts']:,}); right after opening, before the first facts question: "
                f"{rss_open / 2**20:,.0f} MB; once every node version has been read "
                f"(attributes decoded, {fmt(read_all, 's')}): {rss_all / 2**20:,.0f} MB"
            ),
        ),
    ]
    if heap is not None:
        split = heap["heap_bytes"]
        figures.append(
            Figure(
                id="store.heap_split",
                label="Python 堆：每个节点/关系版本 heap per node version / per link version",
                value=split["nodes"] / heap["node_versions"],
                unit="B",
                scale=scale,
                comparison="每个关系版本 per link version",
                comparison_value=split["links"] / heap["link_versions"],
                ratio_note="node ÷ link",
                note=(
                    f"tracemalloc: nodes {split['nodes'] / 2**20:.0f} MB, links "
                    f"{split['links'] / 2**20:.0f} MB, facts {split['facts'] / 2**20:.0f} MB "
                    f"({split['facts'] / max(heap['facts'], 1):.0f} B each)"
                ),
            )
        )
    return figures


def run_probes(
    path: Path, count: int, trace: bool
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """``count`` probes of the store at ``path`` in fresh processes, and one traced if asked.

    The first probe opens from the tables (the snapshot beside the file deleted, as after
    an import: ``orggraph.store.snapshot``) and writes the snapshot the ``count`` others
    open from, as a server's next start does; it comes first in the list. The last probe
    (marked ``after_write``) opens a copy of the store after another process wrote one
    member into it: from the snapshot and the journal of that write."""
    Path(str(path) + ".columns").unlink(missing_ok=True)
    cold = run_json("bench.bench_stores", "probe", str(path))
    probes = [cold] + [run_json("bench.bench_stores", "probe", str(path)) for _ in range(count)]
    with tempfile.TemporaryDirectory(prefix="orggraph-bench-") as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        shutil.copyfile(str(path) + ".columns", str(copy) + ".columns")
        run_json("bench.bench_stores", "write-one", str(copy))
        probes.append({**run_json("bench.bench_stores", "probe", str(copy)), "after_write": True})
    heap = None
    if trace:
        try:
            heap = run_json("bench.bench_stores", "probe", "--trace", str(path))
        except RuntimeError as exc:  # a diagnostic: its failure must not lose the open figures
            log(f"heap split failed: {exc}")
    return probes, heap


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the demo into a new store")
    b.add_argument("--seed", type=int, default=2019)
    b.add_argument("--scale", type=int, default=1)
    b.add_argument("path", type=Path)
    p = sub.add_parser("probe", help="open a store in this process: time and RSS")
    p.add_argument("--trace", action="store_true", help="also split the heap (tracemalloc)")
    p.add_argument("path", type=Path)
    c = sub.add_parser("csv", help="import a snapshot of a store as CSV into an empty store")
    c.add_argument("path", type=Path)
    w = sub.add_parser("write-one", help="write one new member into the store (a copy)")
    w.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        log(f"writing the demo (seed {args.seed}, ×{args.scale}) to {args.path}")
        result = build(args.path, args.seed, args.scale)
    elif args.command == "probe":
        result = probe(args.path, args.trace)
    elif args.command == "write-one":
        result = write_one(args.path)
    else:
        result = csv_import(args.path)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
