"""Benchmark: the ×100 graph (ten ×10 cities, 9.1 M members) loaded into Neo4j and asked.

    python -m bench --scale 100 --only neo4j        (the suite's option; never by default)
    python -m bench.bench_neo4j_country run [--cities 10 --city-scale 10] [--work DIR]
    python -m bench.bench_neo4j_country csv --cities N --city-scale S DIR   (the child step)

Steps, each timed:

1. **generate**: ``orggraph.demo.country``'s cities (Xining's model at ×10, each with its
   own codes, id prefix and seed, under one province committee), made one at a time and
   streamed into ``neo4j_import.write_csv_parts`` (never more than one city in memory),
   in a child process whose peak RSS is reported. Kept under
   ``bench/.cache/country-s{seed}-x{scale}-{version}/``, the version a digest of the
   generator's and the CSV writer's code, and reused while it matches.
2. **import**: ``neo4j-admin database import full`` into a fresh server's stopped database.
3. **finish**: the server started, the store opened (constraints, indexes and member
   roll-ups built: an offline import has none) and ``finish_import`` (indexes awaited,
   counts checked, the load audited).
4. **ask**: a responsibility chain (median over many organizations), one county's
   coverage gaps, coverage rates by city, of the ×100 store and of the ×1 demo loaded
   the same way (first) into its own server with the same settings and kept running:
   the two asked in turn, round after round, so that the shared machine's load falls
   on both alike (each server's CPU per question is reported too).

Target (#24): each ×100 time within 2× of its ×1 time where the scope is the same (the
chain: one organization's ancestors in both). The county and the country are larger at
×100 (a county of a ×10 city; ten such cities): their ratios are judged per unit of
scope (≤ 20× for the county, ≤ 200× for all cities), the plain ratio beside it.

The servers: Neo4j 5.26 of tests/neo4j_server.py, full JIT, ``HEAP_MB`` heap and
``PAGE_CACHE`` page cache, one at a time (this machine: 24 GiB, 2 cores, shared).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``tests`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CACHE_DIR, REPO, Figure, child_env, code_version, log

__all__ = ["cached_country_csv", "country_figures", "load", "measure_country", "write"]

AS_OF = date(2019, 6, 30)
#: Each server's heap and page cache: one server at a time, on 24 GiB shared with others.
HEAP_MB = 4096
PAGE_CACHE = "6g"
#: The importer's JVM heap and what it may use beside it.
IMPORT_HEAP = "2g"
IMPORT_OFF_HEAP = "--max-off-heap-memory=4G"
#: Processes writing the country's CSV, two cities each (a city at ×10 is 1.7 GB at a
#: writer's peak): on a shared machine, more of its CPU (the measured run's setting).
CSV_WORKERS = 5
#: Files beside the demo's code that decide the CSV (the cache key's other part).
_CSV_CODE = (
    "orggraph/store/neo4j_import.py",
    "orggraph/store/neo4j_tx.py",
    "orggraph/store/neo4j_cypher.py",
)
_META = "country.json"


def csv_version() -> str:
    """The CSV cache's key: the demo store's code version and the CSV writer's code."""
    sha = hashlib.sha256(code_version().encode())
    for name in _CSV_CODE:
        sha.update(name.encode() + b"\0" + (REPO / name).read_bytes() + b"\0")
    return sha.hexdigest()[:12]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write(
    directory: Path,
    *,
    seed: int,
    cities: int,
    city_scale: int,
    numbers: list[int] | None = None,
    province: bool = True,
) -> dict[str, Any]:
    """Generate the country (or the share ``numbers``, ``province``) city by city into the
    importer's CSV in ``directory``; what it took (generating and writing apart), the
    counts, and this process's peak RSS."""
    from orggraph.demo.country import country_parts
    from orggraph.store.neo4j_import import write_csv_parts

    generating = [0.0]

    def timed_parts() -> Iterator[Any]:
        parts = country_parts(seed, city_scale, cities, numbers=numbers, province=province)
        while True:
            began = time.perf_counter()
            part = next(parts, None)
            generating[0] += time.perf_counter() - began
            if part is None:
                return
            log(
                f"country: part made ({len(part.nodes):,} node versions), RSS peak "
                f"{_peak_rss_mb():,.0f} MB"
            )
            yield part
            del part

    began = time.perf_counter()
    files = write_csv_parts(directory, timed_parts())
    total = time.perf_counter() - began
    meta = {
        "seed": seed,
        "cities": cities,
        "city_scale": city_scale,
        "generate_s": round(generating[0], 1),
        "csv_s": round(total - generating[0], 1),
        "total_s": round(total, 1),
        "csv_mb": round(sum(p.stat().st_size for p in directory.glob("*.csv")) / 2**20, 1),
        "peak_rss_mb": round(_peak_rss_mb()),
        "written_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        **_files_meta(files),
    }
    (directory / _META).write_text(json.dumps(meta, ensure_ascii=False, indent=2))
    return meta


def write_parallel(
    directory: Path, *, seed: int, cities: int, city_scale: int, workers: int
) -> dict[str, Any]:
    """``write`` in ``workers`` child processes, each a share of the cities into its own
    folder, then their files joined into ``directory`` (the data files concatenated, the
    link ends' anchors merged by ``sort -m -u``: each share's are sorted already)."""
    directory.mkdir(parents=True)
    shares = [list(range(cities))[k::workers] for k in range(workers)]
    shares = [share for share in shares if share]
    began = time.perf_counter()
    procs = []
    for k, share in enumerate(shares):
        cmd = [sys.executable, "-m", "bench.bench_neo4j_country", "csv", "--seed", str(seed)]
        cmd += ["--cities", str(cities), "--city-scale", str(city_scale)]
        cmd += ["--numbers", ",".join(map(str, share))]
        cmd += [*([] if k == 0 else ["--no-province"]), str(directory / f"share-{k}")]
        procs.append(subprocess.Popen(cmd, cwd=REPO, env=child_env(), stdout=subprocess.DEVNULL))
    failed = [p.args for p in procs if p.wait() != 0]
    if failed:
        raise RuntimeError(f"writing a share of the country failed: {failed}")
    written = time.perf_counter() - began
    metas = [json.loads((directory / f"share-{k}" / _META).read_text()) for k in range(len(shares))]
    began = time.perf_counter()
    joined = _join_shares(directory, metas)
    meta = {
        "seed": seed,
        "cities": cities,
        "city_scale": city_scale,
        "workers": len(shares),
        "generate_s": round(max(m["generate_s"] for m in metas), 1),
        "csv_s": round(max(m["csv_s"] for m in metas), 1),
        "shares_s": round(written, 1),
        "join_s": round(time.perf_counter() - began, 1),
        "total_s": round(written + time.perf_counter() - began, 1),
        "shares": [
            {k: m[k] for k in ("generate_s", "csv_s", "total_s", "peak_rss_mb")} for m in metas
        ],
        "csv_mb": round(sum(p.stat().st_size for p in directory.glob("*.csv")) / 2**20, 1),
        "peak_rss_mb": max(m["peak_rss_mb"] for m in metas),
        "written_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        **joined,
    }
    for k in range(len(shares)):
        shutil.rmtree(directory / f"share-{k}")
    (directory / _META).write_text(json.dumps(meta, ensure_ascii=False, indent=2))
    return meta


def _join_shares(directory: Path, metas: list[dict[str, Any]]) -> dict[str, Any]:
    """The shares' files as one set in ``directory``; its groups and counts."""
    groups: dict[str, dict[str, list[str]]] = {"nodes": {}, "relationships": {}}
    sources: dict[str, list[Path]] = {}
    for k, meta in enumerate(metas):
        share = directory / f"share-{k}"
        for kind in groups:
            for name, (header, data) in meta[kind].items():
                groups[kind].setdefault(name, [header, data])
                if not (directory / header).exists():
                    shutil.copy(share / header, directory / header)
                sources.setdefault(data, []).append(share / data)
    env = dict(os.environ, LC_ALL="C")
    for data, parts in sources.items():
        if data == "entities.csv":
            cmd = ["sort", "-m", "-u", "-S", "256M", "-o", str(directory / data)]
            subprocess.run([*cmd, *map(str, parts)], env=env, check=True)
            continue
        with open(directory / data, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    shutil.copyfileobj(fh, out, 16 * 2**20)
    counts = {k: sum(m["counts"][k] for m in metas) for k in metas[0]["counts"]}
    with open(directory / "entities.csv", "rb") as fh:
        counts["entities"] = sum(1 for _ in fh)
    return {
        "counts": counts,
        "multiline": any(m["multiline"] for m in metas),
        "csv_parts_s": {
            k: round(sum(m["csv_parts_s"][k] for m in metas), 1) for k in metas[0]["csv_parts_s"]
        },
        **groups,
    }


def import_files(directory: Path, meta: dict[str, Any]) -> Any:
    """The ``ImportFiles`` of a CSV directory ``write`` made."""
    from orggraph.store.neo4j_import import ImportFiles

    def paths(groups: dict[str, list[str]]) -> dict[str, tuple[Path, Path]]:
        return {k: (directory / h, directory / d) for k, (h, d) in groups.items()}

    return ImportFiles(
        directory=directory,
        nodes=paths(meta["nodes"]),
        relationships=paths(meta["relationships"]),
        counts=meta["counts"],
        multiline=meta["multiline"],
        seconds=meta["csv_parts_s"],
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cached_country_csv(seed: int, cities: int, city_scale: int) -> tuple[Path, dict[str, Any]]:
    """The country's CSV under bench/.cache, written (in a child process) when missing.

    While another run's child writes it (its pid in ``<dir>.writing``), waits for it.
    """
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    scale = cities * city_scale
    directory = CACHE_DIR / f"country-s{seed}-x{scale}-c{cities}-{csv_version()}"
    meta_path = directory / _META
    writing = Path(f"{directory}.writing")
    began = time.perf_counter()
    # Another run writing this country (under this key or another): never remove its files.
    while not meta_path.exists() and any(
        _alive(int(w.read_text() or 0))
        for w in CACHE_DIR.glob(f"country-s{seed}-x{scale}-c{cities}-*.writing")
    ):
        time.sleep(10)
    if meta_path.exists():
        log(
            f"country: reusing the CSV in {directory.name} "
            f"(waited {time.perf_counter() - began:.0f} s)"
        )
        meta = json.loads(meta_path.read_text())
        meta["reused"] = True
        return directory, meta
    for old in CACHE_DIR.glob(f"country-s{seed}-x{scale}-c{cities}-*"):
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    log(f"country: generating {cities} cities at ×{city_scale} into {directory.name}")
    cmd = [sys.executable, "-m", "bench.bench_neo4j_country", "csv", "--seed", str(seed)]
    cmd += ["--cities", str(cities), "--city-scale", str(city_scale)]
    cmd += ["--workers", str(CSV_WORKERS), str(directory)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=child_env(), stdout=subprocess.DEVNULL)
    writing.write_text(str(proc.pid))
    try:
        if proc.wait() != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode})")
    finally:
        writing.unlink(missing_ok=True)
    meta = json.loads(meta_path.read_text())
    meta["reused"] = False
    return directory, meta


def _admin(server: Any) -> Path:
    """``neo4j-admin`` on ``server``'s data folder, with the importer's heap raised."""
    from tests.neo4j_admin import admin_script

    script = admin_script(server)
    text = script.read_text().replace("-Xmx1g", f"-Xmx{IMPORT_HEAP}")
    script.write_text(text)
    return script


def _server_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) the server has used, from ``/proc``."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(kw_only=True, slots=True)
class Loaded:
    """One store loaded into its own server, with what to ask of it and what it answered."""

    name: str
    server: Any
    store: Any
    county: str
    orgs: list[str] = field(default_factory=list)
    wall: dict[str, list[float]] = field(default_factory=dict)
    client_cpu: dict[str, list[float]] = field(default_factory=dict)
    server_cpu: dict[str, list[float]] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)

    def timed(self, name: str, call: Callable[[], Any], *, server: bool = True) -> Any:
        """``call`` timed: wall, this process's CPU, and (``server``) the server's CPU,
        which ``/proc`` counts in 10 ms ticks (the chain's is taken over all its calls)."""
        wall, cpu, jvm = time.perf_counter(), time.process_time(), _server_cpu(self.server.pid)
        answer = call()
        self.wall.setdefault(name, []).append(time.perf_counter() - wall)
        self.client_cpu.setdefault(name, []).append(time.process_time() - cpu)
        if server:
            self.server_cpu.setdefault(name, []).append(_server_cpu(self.server.pid) - jvm)
        return answer

    def medians(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, walls in self.wall.items():
            out[f"{name}_ms"] = statistics.median(walls) * 1000
            out[f"{name}_cpu_ms"] = statistics.median(self.client_cpu[name]) * 1000
            out[f"{name}_server_cpu_ms"] = statistics.median(self.server_cpu[name]) * 1000
            out[f"{name}_n"] = len(walls)
        return out | self.answers


def load(
    directory: Path, meta: dict[str, Any], work: Path, name: str, county: str
) -> tuple[Loaded, dict[str, Any]]:
    """Import the CSV in ``directory`` into a fresh server under ``work``, start it and
    finish the load; the server left running, and the seconds of each step."""
    from orggraph.store.neo4j import Neo4jStore
    from orggraph.store.neo4j_import import admin_command, finish_import, run_import
    from tests.neo4j_server import Neo4jServer

    server = Neo4jServer(
        data_dir=work,
        fast_start=False,
        heap_mb=HEAP_MB,
        settings={"server.memory.pagecache.size": PAGE_CACHE},
    )
    files = import_files(directory, meta)
    totals = {k: meta["counts"][k] for k in ("node_versions", "link_versions", "facts")}
    out: dict[str, Any] = {}
    try:
        command = admin_command(neo4j_admin=_admin(server))
        run = run_import(command, files, extra=(IMPORT_OFF_HEAP,))
        out["import_s"] = round(run.seconds, 1)
        out["importer"] = run.summary
        log(f"country: {name}: neo4j-admin import {run.seconds:.0f} s: {'; '.join(run.summary)}")
        began = time.perf_counter()
        server.start(timeout=900)
        out["start_s"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        store = Neo4jStore(server.uri)
        finish_import(store, totals, await_seconds=7_200)
        out["finish_s"] = round(time.perf_counter() - began, 1)
        out["store_mb"] = round(_du(work / "home" / "data") / 2**20)
        log(f"country: {name}: schema, roll-ups and audit in {out['finish_s']:.0f} s")
    except BaseException:
        server.cleanup()
        raise
    return Loaded(name=name, server=server, store=store, county=county), out


def ask_round(loaded: Loaded, first: bool) -> None:
    """One round of the three questions on one store (the first round warms it first)."""
    from orggraph.analysis.chain import responsibility_chain
    from orggraph.analysis.coverage import coverage_rates
    from orggraph.analysis.gaps import coverage_gaps
    from orggraph.store.scope import Scope

    store, everything = loaded.store, Scope()
    county = Scope(roots=frozenset({loaded.county}))
    if first:  # one untimed pass: the server's JIT and page cache warmed alike
        for oid in loaded.orgs:
            responsibility_chain(store, oid, AS_OF, everything)
        coverage_gaps(store, AS_OF, county)
        coverage_rates(store, AS_OF, everything, "city")
    jvm = _server_cpu(loaded.server.pid)
    for oid in loaded.orgs:
        call = partial(responsibility_chain, store, oid, AS_OF, everything)
        loaded.timed("chain", call, server=False)
    spent = (_server_cpu(loaded.server.pid) - jvm) / max(len(loaded.orgs), 1)
    loaded.server_cpu.setdefault("chain", []).append(spent)
    gaps = loaded.timed("gaps", lambda: coverage_gaps(store, AS_OF, county))
    rates = loaded.timed("coverage", lambda: coverage_rates(store, AS_OF, everything, "city"))
    loaded.answers["gaps_answer"] = len(gaps)
    loaded.answers["coverage_rows"] = [(r.group, r.name, r.units, r.own + r.joint) for r in rates]
    log(
        f"country: {loaded.name}: chain {statistics.median(loaded.wall['chain']) * 1000:.1f} ms, "
        f"gaps {loaded.wall['gaps'][-1] * 1000:.0f} ms, "
        f"coverage {loaded.wall['coverage'][-1] * 1000:.0f} ms"
    )


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _files_meta(files: Any) -> dict[str, Any]:
    return {
        "counts": files.counts,
        "multiline": files.multiline,
        "csv_parts_s": {k: round(v, 1) for k, v in files.seconds.items()},
        "nodes": {k: [h.name, d.name] for k, (h, d) in files.nodes.items()},
        "relationships": {k: [h.name, d.name] for k, (h, d) in files.relationships.items()},
    }


def _x1_csv(seed: int, work: Path) -> tuple[Path, dict[str, Any], str]:
    """The ×1 demo's CSV (from the bench's cached store) and its smallest county."""
    from bench.bench_analyses import smallest_district
    from bench.common import cached_demo
    from orggraph.store.embedded import EmbeddedStore
    from orggraph.store.neo4j_import import write_csv

    city = cached_demo(seed, 1)
    directory = work / "x1-csv"
    with EmbeddedStore(city.path) as source:
        county = smallest_district(source, AS_OF)[0]
        files = write_csv(directory, source.all_nodes(), source.all_links(), source.all_facts())
    return directory, _files_meta(files), county


def measure_country(
    *,
    seed: int = 2019,
    cities: int = 10,
    city_scale: int = 10,
    chains: int = 200,
    rounds: int = 3,
    work: Path | None = None,
    csv_dir: Path | None = None,
) -> dict[str, Any]:
    """The whole run: ×1 loaded into its server (kept running), the country generated (or
    reused; or ``csv_dir``, a directory ``write`` made) and loaded into another, then the
    questions asked of both in turn, ``rounds`` times, so that the shared machine's load
    falls on both alike; every step's seconds."""
    from bench.bench_analyses import sample_orgs
    from orggraph.demo.country import country_code

    began = time.perf_counter()
    own = work is None
    work = work or Path(tempfile.mkdtemp(prefix="orggraph-bench-country-"))
    work.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"seed": seed, "cities": cities, "city_scale": city_scale}
    loaded: list[Loaded] = []
    try:
        x1_dir, x1_meta, county = _x1_csv(seed, work)
        log(f"country: ×1 loaded into Neo4j (county {county})")
        x1, result["x1"] = load(x1_dir, x1_meta, work / "x1-server", "×1", county)
        loaded.append(x1)
        result["x1"]["counts"] = x1_meta["counts"]
        shutil.rmtree(x1_dir, ignore_errors=True)
        step = time.perf_counter()
        if csv_dir is None:
            directory, meta = cached_country_csv(seed, cities, city_scale)
        else:  # named: written by another process, perhaps still (its pid in <dir>.writing)
            writing = Path(f"{csv_dir}.writing")
            while not (csv_dir / _META).exists() and writing.exists():
                if not _alive(int(writing.read_text() or 0)):
                    raise RuntimeError(f"the process writing {csv_dir} ended without its files")
                time.sleep(10)
            directory, meta = csv_dir, json.loads((csv_dir / _META).read_text()) | {"reused": True}
        result["generate_wall_s"] = round(time.perf_counter() - step, 1)
        result["csv"] = {k: v for k, v in meta.items() if k not in ("nodes", "relationships")}
        big_county = country_code(county, 0)
        result["county"] = {"x1": county, "country": big_county}
        scale = cities * city_scale
        log(f"country: ×{scale} loaded into Neo4j")
        big, result["country"] = load(
            directory, meta, work / "country-server", f"×{scale}", big_county
        )
        loaded.append(big)
        for one in loaded:
            one.orgs = sample_orgs(one.store, AS_OF, chains)
        result["chains"] = len(big.orgs)
        step = time.perf_counter()
        for number in range(rounds):
            for one in loaded if number % 2 == 0 else loaded[::-1]:
                ask_round(one, first=number == 0)
        result["ask_s"] = round(time.perf_counter() - step, 1)
        result["x1"]["asked"] = x1.medians()
        result["country"]["asked"] = big.medians()
    finally:
        for one in loaded:
            one.store.close()
            one.server.cleanup()
        if own:
            shutil.rmtree(work, ignore_errors=True)
    result["total_s"] = round(time.perf_counter() - began, 1)
    return result


#: The questions: id, label, and how many times ×1's scope the country's answer covers
#: (the chain: one organization's ancestors; one county of a ×``city_scale`` city; all).
_QUESTIONS: tuple[tuple[str, str, Callable[[int, int], int]], ...] = (
    ("chain", "责任链 responsibility chain (median over {chains} organizations)", lambda c, s: 1),
    ("gaps", "一个区县的覆盖缺口 one county's coverage gaps ({county})", lambda c, s: s),
    ("coverage", "覆盖率（按市）coverage rates by city (all cities)", lambda c, s: c * s),
)


def country_figures(result: dict[str, Any]) -> list[Figure]:
    """One row per question (×100 beside ×1, against ≤ 2×) and one per step."""
    scale = result["cities"] * result["city_scale"]
    x1, big = result["x1"]["asked"], result["country"]["asked"]
    figures = []
    for key, label, growth in _QUESTIONS:
        scope = growth(result["cities"], result["city_scale"])
        scope_note = (
            "same scope"
            if scope == 1
            else f"scope ×{scope} of ×1's (the ratio per unit of scope: "
            f"{big[key + '_ms'] / x1[key + '_ms'] / scope:.2g})"
        )
        figures.append(
            Figure(
                id=f"neo4j_country.{key}",
                label=label.format(chains=result["chains"], county=result["county"]["country"]),
                value=big[f"{key}_ms"],
                unit="ms",
                scale=scale,
                comparison="×1 同一服务器设置 ×1, same server settings",
                comparison_value=x1[f"{key}_ms"],
                ratio_note=f"×{scale} ÷ ×1",
                # ≤ 2× where the scope is the same; a larger scope's per unit of it.
                target="≤ 2× ×1" if scope == 1 else f"≤ 2× ×1 per unit of scope (≤ {2 * scope}×)",
                op="<=",
                threshold=2.0 * scope,
                target_on="ratio",
                note=f"{scope_note}; server CPU {big[key + '_server_cpu_ms']:.1f} ms against "
                f"{x1[key + '_server_cpu_ms']:.1f} ms, client CPU {big[key + '_cpu_ms']:.1f} "
                f"against {x1[key + '_cpu_ms']:.1f} ms; {big[key + '_n']} timed calls each, "
                "the two servers asked in turn",
            )
        )
    csv, country = result["csv"], result["country"]
    steps = {
        "generate": csv["total_s"],
        "import": country["import_s"],
        "finish": country["finish_s"],
    }
    for name, seconds in steps.items():
        figures.append(
            Figure(
                id=f"neo4j_country.{name}_s",
                label=f"×{scale} 装载步骤 load step: {name}",
                value=seconds,
                unit="s",
                scale=scale,
                note=(
                    f"generate {csv['generate_s']} s + CSV {csv['csv_s']} s, peak RSS "
                    f"{csv['peak_rss_mb']:,} MB, {csv['csv_mb']:,} MB of CSV"
                    + (" (reused from the cache)" if csv.get("reused") else "")
                    if name == "generate"
                    else ""
                ),
            )
        )
    figures.append(
        Figure(
            id="neo4j_country.total_s",
            label=f"×{scale} 生成、装载并提问 generated, loaded and asked, total",
            value=sum(steps.values()) + country["start_s"] + result["ask_s"],
            unit="s",
            scale=scale,
            note=f"server start {country['start_s']} s, questions (both stores) "
            f"{result['ask_s']} s; the whole run with ×1 {result['total_s']} s; "
            f"counts {csv['counts']}",
        )
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    csv = sub.add_parser("csv", help="write the country's CSV into DIR (the child step)")
    csv.add_argument("directory", type=Path)
    shown = sub.add_parser("figures", help="the table of a run's JSON (run --json)")
    shown.add_argument("result", type=Path)
    run = sub.add_parser("run", help="the whole run; prints JSON")
    run.add_argument("--work", type=Path, default=None, help="where the servers live")
    run.add_argument("--chains", type=int, default=200)
    run.add_argument("--rounds", type=int, default=3)
    run.add_argument("--csv", type=Path, default=None, help="a CSV directory `csv` wrote")
    run.add_argument("--json", type=Path, default=None, help="also write the result here")
    csv.add_argument("--numbers", default=None, help="a share of the cities: 0,3,6")
    csv.add_argument("--no-province", action="store_true", help="leave the province out")
    csv.add_argument("--workers", type=int, default=1, help="write in parallel processes")
    for p in (csv, run):
        p.add_argument("--seed", type=int, default=2019)
        p.add_argument("--cities", type=int, default=10)
        p.add_argument("--city-scale", type=int, default=10)
    args = parser.parse_args()
    if args.command == "figures":
        from bench.run import table

        print(table([f.as_dict() for f in country_figures(json.loads(args.result.read_text()))]))
        return
    if args.command == "csv" and args.workers > 1:
        meta = write_parallel(
            args.directory,
            seed=args.seed,
            cities=args.cities,
            city_scale=args.city_scale,
            workers=args.workers,
        )
        print(json.dumps(meta, ensure_ascii=False))
        return
    if args.command == "csv":
        meta = write(
            args.directory,
            seed=args.seed,
            cities=args.cities,
            city_scale=args.city_scale,
            numbers=None if args.numbers is None else [int(n) for n in args.numbers.split(",")],
            province=not args.no_province,
        )
        print(json.dumps(meta, ensure_ascii=False))
        return
    result = measure_country(
        seed=args.seed,
        cities=args.cities,
        city_scale=args.city_scale,
        chains=args.chains,
        rounds=args.rounds,
        work=args.work,
        csv_dir=args.csv,
    )
    text = json.dumps(result, ensure_ascii=False, indent=2, default=str)
    if args.json is not None:
        args.json.write_text(text)
    print(text)
    from bench.run import table

    print(table([f.as_dict() for f in country_figures(result)]), file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
