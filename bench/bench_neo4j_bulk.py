"""Benchmark: the first load of a big store into Neo4j, offline importer against ``sync``.

    python -m bench --only neo4j_bulk [--scale 1,10]   (the suite's section; never by default)
    python bench/bench_neo4j_bulk.py --demo PATH [--digest]   (alone; prints JSON)

Side by side in one run, on the same source store (the demo at the largest scale of the
run, ×10 by default: 1.3 M node versions, 1.5 M link versions, 1.2 M facts), each into a
fresh Neo4j 5.26 server of its own (full JIT, 3 GB heap, 2 GB page cache):

- **bulk**: ``orggraph bulk-import``'s steps: the CSV written from the store
  (``write_csv``: reading the source included), ``neo4j-admin database import full`` on it
  with the server stopped (``run_import``), then, with the server started, the store opened
  (its schema and member roll-ups built, as on any first open) and the load audited
  (``finish_import``). The server's start between the two
  is timed apart and left out of the total, as the online copy's server is started before
  its clock starts.
- **sync**: ``orggraph sync``'s writing half (``copy_records``: batches of 10,000, each one
  transaction, as a bulk load with its keys and indexes built at the end).

Both totals end with the store fully indexed; the rate is node + link versions ÷ total.
Both stores' counts are checked against the source; ``--digest`` compares the imported
store's digest too (a minute or more at ×10).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``tests`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Figure, log

__all__ = ["bulk_figures", "measure"]

#: The servers of both loads: the bench's benchmark server, with room for ×10's pages.
SERVER_SETTINGS = {"server.memory.pagecache.size": "2g"}
HEAP_MB = 3072
#: What the importer may use beside its heap (its default is 90% of the machine's memory).
IMPORT_OFF_HEAP = "--max-off-heap-memory=3G"


def _server(data_dir: Path) -> Any:
    from tests.neo4j_server import Neo4jServer

    return Neo4jServer(
        data_dir=data_dir, fast_start=False, heap_mb=HEAP_MB, settings=SERVER_SETTINGS
    )


def measure_bulk(source_path: Path, work: Path, *, digest: bool = False) -> dict[str, Any]:
    """Load the store at ``source_path`` through the offline importer; seconds of each step."""
    from orggraph.store.embedded import EmbeddedStore
    from orggraph.store.neo4j import Neo4jStore
    from orggraph.store.neo4j_import import admin_command, finish_import, run_import, write_csv
    from tests.neo4j_admin import admin_script

    server = _server(work / "bulk-server")
    command = admin_command(neo4j_admin=admin_script(server))
    out: dict[str, Any] = {}
    try:
        with EmbeddedStore(source_path) as source:
            totals = source.counts()
            began = time.perf_counter()
            files = write_csv(
                work / "csv",
                source.all_nodes(),
                source.all_links(),
                source.all_facts(),
                totals=totals,
            )
            out["csv_s"] = time.perf_counter() - began
            out["csv_parts_s"] = {k: round(v, 2) for k, v in files.seconds.items()}
            out["csv_mb"] = round(
                sum(p.stat().st_size for p in files.directory.glob("*.csv")) / 2**20, 1
            )
            log(f"bulk: CSV written in {out['csv_s']:.1f} s ({out['csv_mb']} MB)")
            run = run_import(command, files, extra=(IMPORT_OFF_HEAP,))
            out["import_s"] = run.seconds
            out["importer"] = run.summary
            log(f"bulk: neo4j-admin import {run.seconds:.1f} s: {'; '.join(run.summary)}")
            began = time.perf_counter()
            server.start()
            out["start_s"] = time.perf_counter() - began
            began = time.perf_counter()
            # Opened as every command opens it: the schema and the member roll-ups are
            # built (an offline import has neither), then finish_import awaits and audits.
            with Neo4jStore(server.uri) as target:
                out["schema_created"] = len(finish_import(target, totals))
                out["schema_s"] = time.perf_counter() - began
                out["counts_ok"] = target.counts() == totals
                if digest:
                    out["digest_ok"] = target.digest() == source.digest()
            log(f"bulk: schema built and awaited in {out['schema_s']:.1f} s")
        out["total_s"] = out["csv_s"] + out["import_s"] + out["schema_s"]
        out.update(totals)
    finally:
        server.cleanup()
    return out


def measure_sync(source_path: Path, work: Path) -> dict[str, Any]:
    """Copy the store at ``source_path`` as ``orggraph sync`` writes; seconds of each part."""
    from orggraph.store.embedded import EmbeddedStore
    from orggraph.store.neo4j import Neo4jStore
    from orggraph.store.sync import copy_records

    server = _server(work / "sync-server")
    out: dict[str, Any] = {}
    try:
        server.start()
        with EmbeddedStore(source_path) as source, Neo4jStore(server.uri) as target:
            totals = source.counts()
            began = time.perf_counter()
            parts = copy_records(
                target, source.all_nodes(), source.all_links(), source.all_facts(), totals=totals
            )
            out["total_s"] = time.perf_counter() - began
            out["parts_s"] = {k: round(v, 2) for k, v in parts.items()}
            out["counts_ok"] = target.counts() == totals
            out.update(totals)
        log(f"sync: copied in {out['total_s']:.1f} s ({out['parts_s']})")
    finally:
        server.cleanup()
    return out


def measure(source_path: Path, *, digest: bool = False) -> dict[str, Any]:
    """Both loads of one store, the offline importer first."""
    with tempfile.TemporaryDirectory(prefix="orggraph-bench-bulk-") as tmp:
        work = Path(tmp)
        bulk = measure_bulk(source_path, work, digest=digest)
        sync = measure_sync(source_path, work)
    return {"bulk": bulk, "sync": sync}


def bulk_figures(source_path: Path, scale: int) -> list[Figure]:
    """The section's rows: versions/s and total seconds, the importer beside ``sync``."""
    result = measure(source_path)
    bulk, sync = result["bulk"], result["sync"]
    versions = bulk["node_versions"] + bulk["link_versions"]
    if not (bulk["counts_ok"] and sync["counts_ok"]):
        raise RuntimeError(f"a load lost records: {json.dumps(result, default=str)}")
    note = (
        f"{bulk['node_versions']:,} node + {bulk['link_versions']:,} link versions, "
        f"{bulk['facts']:,} facts; bulk = CSV {bulk['csv_s']:.1f} s + neo4j-admin "
        f"{bulk['import_s']:.1f} s + schema {bulk['schema_s']:.1f} s (server start "
        f"{bulk['start_s']:.1f} s apart); sync = copy_records with its indexes"
    )
    return [
        Figure(
            id="neo4j_bulk.versions_per_s",
            label="Neo4j 首次装载 first load, node+link versions/s (neo4j-admin import)",
            value=versions / bulk["total_s"],
            unit="/s",
            scale=scale,
            comparison="sync 在线复制 online copy",
            comparison_value=versions / sync["total_s"],
            ratio_note="bulk ÷ sync",
            note=note,
        ),
        Figure(
            id="neo4j_bulk.total_s",
            label="Neo4j 首次装载总时间 first load, total (neo4j-admin import)",
            value=bulk["total_s"],
            unit="s",
            scale=scale,
            comparison="sync 在线复制 online copy",
            comparison_value=sync["total_s"],
            ratio_note="bulk ÷ sync",
            note=f"sync parts: {sync['parts_s']}",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, required=True, help="an embedded store to load")
    parser.add_argument("--digest", action="store_true", help="compare the import's digest")
    parser.add_argument("--only", choices=("bulk", "sync"), default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="orggraph-bench-bulk-") as tmp:
        work = Path(tmp)
        result: dict[str, Any] = {}
        if args.only in (None, "bulk"):
            result["bulk"] = measure_bulk(args.demo, work, digest=args.digest)
        if args.only in (None, "sync"):
            result["sync"] = measure_sync(args.demo, work)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
