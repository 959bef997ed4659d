"""Benchmark: the yearly cycle on the city (opening 2019's lists; the dashboard).

- **opening the city's 2019 cycle**: ``open_year(2019, "630100", 2019-01-10)`` over a
  fresh store holding the demo's graph without its cycles (the demo opens 2019 itself
  while it is built), so the figure is the whole work: the duties derived for every
  organization (the city's coverage gaps, contact links, pairings, cases) and one write
  of some 4,200 lists and duties;
- **the dashboard for the city**: ``cycle_dashboard`` at 2019-06-30 over a copy of that
  store with the demo's 2018 and 2019 cycles (``orggraph.demo.cycle``), by district and by
  township, the best of ``repeat`` runs.

    python bench/bench_cycle.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import Figure
from orggraph.analysis.cycle import CycleActor, cycle_dashboard
from orggraph.analysis.cycle_open import open_year
from orggraph.demo import demo_batches
from orggraph.demo.cycle import build_cycles
from orggraph.model import Level
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope

__all__ = ["cycle_figures", "measure_cycle"]

MID = date(2019, 6, 30)


def measure_cycle(
    *, seed: int = 2019, repeat: int = 3, source: Path | None = None
) -> dict[str, Any]:
    """Time opening 2019 on a fresh store of the demo's graph, then the city's dashboard on
    a copy of it holding the demo's 2018 and 2019 cycles (``build_cycles``). ``source``: a
    store of ``seed``'s demo graph already written (the bench's cached one), copied instead
    of writing the graph again."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="orggraph-cycle-") as tmp:
        if source is not None:
            cached = EmbeddedStore(source)
            cached.backup_to(Path(tmp) / "graph.db")
            cached.close()
        fresh = EmbeddedStore(Path(tmp) / "graph.db")
        try:
            if source is None:
                for batch in demo_batches(seed, 1):
                    fresh.write(batch, actor="bench")
            fresh.backup_to(Path(tmp) / "cycles.db")
            wall, cpu = time.perf_counter(), time.process_time()
            done = open_year(
                fresh, 2019, "630100", date(2019, 1, 10), actor=CycleActor(name="bench")
            )
            out["open_s"] = time.perf_counter() - wall
            out["open_cpu_s"] = time.process_time() - cpu
            out["lists"], out["duties"] = done.lists, done.duties
        finally:
            fresh.close()
        store = EmbeddedStore(Path(tmp) / "cycles.db")
        try:
            build_cycles(store, seed=seed)
            for level, key in ((Level.COUNTY, "districts"), (Level.TOWNSHIP, "townships")):
                best = (float("inf"), 0.0)
                rows = []
                for _ in range(repeat):
                    wall, cpu = time.perf_counter(), time.process_time()
                    rows = cycle_dashboard(store, 2019, MID, Scope(), level=level)
                    best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
                out[f"{key}_s"], out[f"{key}_cpu_s"] = best
                out[f"{key}_rows"] = len(rows) - 1
                out["total"] = rows[-1] if rows else None
        finally:
            store.close()
    return out


def cycle_figures(measured: dict[str, Any]) -> list[Figure]:
    """The bench rows of ``measure_cycle``'s answer."""
    total = measured.get("total")
    return [
        Figure(
            id="cycle.open_city_2019",
            label="建立全市2019年度责任清单 opening the city's 2019 cycle",
            value=measured["open_s"],
            unit="s",
            scale=1,
            comparison="CPU",
            comparison_value=measured["open_cpu_s"],
            ratio_note="wall ÷ CPU",
            note=f"{measured['lists']:,} lists, {measured['duties']:,} duties, one write",
        ),
        Figure(
            id="cycle.dashboard_city",
            label="全市责任清单进度 the city's cycle dashboard (by district)",
            value=measured["districts_s"],
            unit="s",
            scale=1,
            comparison="CPU",
            comparison_value=measured["districts_cpu_s"],
            ratio_note="wall ÷ CPU",
            note=(
                f"{measured['districts_rows']} districts at {MID}; "
                + (f"{total.lists:,} lists, {total.duties:,} duties" if total else "")
            ),
        ),
        Figure(
            id="cycle.dashboard_townships",
            label="全市责任清单进度 the city's cycle dashboard (by township)",
            value=measured["townships_s"],
            unit="s",
            scale=1,
            comparison="CPU",
            comparison_value=measured["townships_cpu_s"],
            ratio_note="wall ÷ CPU",
            note=f"{measured['townships_rows']} townships and streets at {MID}",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for figure in cycle_figures(measure_cycle(repeat=args.repeat)):
        cpu = figure.comparison_value or 0.0
        print(f"{figure.label}: {figure.value:.2f} {figure.unit} (CPU {cpu:.2f}); {figure.note}")


if __name__ == "__main__":
    main()
