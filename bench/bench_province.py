"""Benchmark: the Qinghai demo (``orggraph demo --province``) built, opened and asked.

    python -m bench --only province              (the suite's section; never in a default run)
    python -m bench.bench_province build [--seed N] PATH   (child process: build, print JSON)

Builds the province into a temporary store in a child process (with Xining's yearly
cycles, as the CLI does), opens it in fresh processes (``bench_stores probe``: time and
resident memory), then asks it: the chain of a branch five levels below the province (a
state enterprise's 党支部 → 党总支 → 党委 → county → city → province), chains of 200
grassroots organizations spread over the province, and the gaps of one county — a
prefecture's (门源回族自治县) and Xining's largest (湟中区) — beside the same county's gaps
in a store holding Xining alone (the cached ×1 demo), so the province's extra size is
visible as a ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import Figure, each_timed, log, measure, run_json

__all__ = ["build", "province_figures"]

AS_OF = date(2019, 6, 30)
DEEP_BRANCH = "海东市国有资本投资运营有限公司第1党总支第1党支部"
PREFECTURE_COUNTY = ("632221", "门源回族自治县")
XINING_COUNTY = ("630106", "湟中区")


def build(path: Path, seed: int) -> dict[str, Any]:
    """Write the province demo into a new store at ``path``; how long it took, and sizes."""
    from orggraph.demo.province import build_province_demo
    from orggraph.store.embedded import EmbeddedStore

    wall, cpu = time.perf_counter(), time.process_time()
    store = EmbeddedStore(path)
    try:
        summary = build_province_demo(store, seed=seed)
        counts = store.counts()
    finally:
        store.close()
    return {
        "build_s": round(time.perf_counter() - wall, 2),
        "build_cpu_s": round(time.process_time() - cpu, 2),
        "node_versions": counts["node_versions"],
        "link_versions": counts["link_versions"],
        "organizations": summary.organizations,
        "members": summary.members,
    }


def province_figures(seed: int, city_path: Path | None, repeats: int) -> list[Figure]:
    """The province rows: build, open, memory, chains and one county's gaps.

    ``city_path``: the Xining demo alone (the suite's ×1 store), for the gaps comparison.
    """
    from bench.bench_analyses import sample_orgs
    from orggraph.analysis.chain import responsibility_chain
    from orggraph.analysis.gaps import coverage_gaps
    from orggraph.model import NodeKind
    from orggraph.store.embedded import EmbeddedStore
    from orggraph.store.scope import Scope

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="orggraph-province-") as tmp:
        path = Path(tmp) / "qinghai.db"
        log("building the province demo")
        built = run_json(
            "bench.bench_province", "build", "--seed", str(seed), str(path), timeout=1800
        )
        figures.append(
            Figure(
                id="province.build",
                label=(
                    "全省演示数据生成并写入 province demo built and written "
                    f"({built['organizations']:,} organizations, {built['members']:,} members)"
                ),
                value=built["build_s"],
                unit="s",
                note=(
                    f"CPU {built['build_cpu_s']} s; {built['node_versions']:,} node versions, "
                    f"{built['link_versions']:,} link versions; Xining's cycles included"
                ),
            )
        )
        probes = [run_json("bench.bench_stores", "probe", str(path)) for _ in range(3)]
        opened = sorted(p["open_s"] for p in probes)[1]
        rss_mb = sorted(p["rss_delta_bytes"] for p in probes)[1] / 2**20
        city: list[dict[str, Any]] = []
        if city_path is not None:  # the same probes of Xining alone: how opening grows
            city = [run_json("bench.bench_stores", "probe", str(city_path)) for _ in range(3)]
        city_open = sorted(p["open_s"] for p in city)[1] if city else None
        city_rss = sorted(p["rss_delta_bytes"] for p in city)[1] / 2**20 if city else None
        figures += [
            Figure(
                id="province.open",
                label="全省库打开 province store opened (fresh process)",
                value=opened,
                unit="s",
                comparison="西宁库打开 the Xining store alone (×1)" if city else None,
                comparison_value=city_open,
                ratio_note="province ÷ city" if city else None,
                note=f"median of 3; {probes[0]['node_versions']:,} node versions (the city's "
                "target, < 2 s, is for the city)",
            ),
            Figure(
                id="province.rss",
                label="全省库常驻内存 resident memory of the open province store",
                value=round(rss_mb, 1),
                unit="MB",
                comparison="西宁库 the Xining store alone (×1)" if city else None,
                comparison_value=None if city_rss is None else round(city_rss, 1),
                ratio_note="province ÷ city" if city else None,
                target="≤ 1 GB (DESIGN.md)",
                op="<=",
                threshold=1024.0,
                note="RSS after opening and loading the facts, minus before (median of 3)",
            ),
        ]
        store = EmbeddedStore(path)
        try:
            everything = Scope()
            (deep,) = [
                n.id for n in store.nodes(NodeKind.ORGANIZATION, AS_OF) if n.name == DEEP_BRANCH
            ]
            timing, chain = measure(
                lambda: responsibility_chain(store, deep, AS_OF, everything),
                repeats=repeats * 20,
                warmup=1,
            )
            figures.append(
                Figure(
                    id="province.chain_deep",
                    label="责任链（距省委五级的党支部）chain of a branch five levels below the "
                    "province",
                    value=timing.wall_ms,
                    unit="ms",
                    target="< 1 ms",
                    op="<",
                    threshold=1.0,
                    note=f"{len(chain.paths[0].levels)} levels; {timing.note()}",
                )
            )
            ids = sample_orgs(store, AS_OF, 200)
            chains = each_timed(
                lambda oid: responsibility_chain(store, oid, AS_OF, everything), ids
            )
            figures.append(
                Figure(
                    id="province.chain",
                    label="责任链（全省基层党组织）chain, grassroots organizations of the province",
                    value=chains.wall_ms,
                    unit="ms",
                    target="< 1 ms",
                    op="<",
                    threshold=1.0,
                    note=f"median over {chains.n}; {chains.note()}",
                )
            )
            for code, name in (PREFECTURE_COUNTY, XINING_COUNTY):
                county = Scope(roots=frozenset({code}))
                timing, gaps = measure(
                    lambda county=county: coverage_gaps(store, AS_OF, county),  # type: ignore[misc]
                    repeats=repeats,
                    warmup=1,
                )
                alone = (
                    _city_gaps_ms(city_path, county, repeats) if code.startswith("6301") else None
                )
                figures.append(
                    Figure(
                        id=f"province.gaps_county_{code}",
                        label=f"覆盖缺口（一个县）gaps of one county in the province: {name}",
                        value=timing.wall_ms,
                        unit="ms",
                        comparison="同一县在西宁库 the same county, Xining's store alone"
                        if alone is not None
                        else None,
                        comparison_value=alone,
                        ratio_note="province ÷ city" if alone is not None else None,
                        target="< 200 ms",
                        op="<",
                        threshold=200.0,
                        note=f"{len(gaps):,} gaps; {timing.note()}",
                    )
                )
        finally:
            store.close()
    return figures


def _city_gaps_ms(city_path: Path | None, county: Any, repeats: int) -> float | None:
    if city_path is None:
        return None
    from orggraph.analysis.gaps import coverage_gaps
    from orggraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(city_path)
    try:
        timing, _ = measure(lambda: coverage_gaps(store, AS_OF, county), repeats=repeats, warmup=1)
        return timing.wall_ms
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the province demo into a new store")
    b.add_argument("--seed", type=int, default=2019)
    b.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    print(json.dumps(build(args.path, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
