"""The benchmark suite's ``--quick`` mode, end to end: it runs, and writes the JSON and the
Markdown with every expected row. Timings are never asserted (the machine is shared); what
is checked is that each row was measured and, where it has a target, judged against it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.common import Figure
from bench.run import PERF_END, PERF_START, update_readme

REPO = Path(__file__).resolve().parents[2]

# The rows of the suite at city size, by id, written out from bench/README.md's list (the
# spec), not read from the code. Each maps to whether the row is judged against a target.
EXPECTED: dict[str, bool] = {
    "import.demo_build": True,  # ≤ 10 s
    "import.demo_write_rate": False,
    "import.csv": False,
    "store.open": True,  # < 2 s
    "store.rss": True,  # ≤ 120 MB
    "analysis.chain": True,  # < 1 ms
    "analysis.gaps_district": True,  # < 200 ms
    "analysis.gaps_city": True,  # < 1 s
    "analysis.coverage_district": True,  # < 100 ms
    "analysis.coverage_sector": True,  # < 100 ms
    "analysis.weak": False,
    "analysis.report": False,
    "analysis.changes": False,
    "analysis.pairing": True,  # < 1 s
    "analysis.pairing_solver": False,
    "export.responsibility-list.xlsx": True,  # ≤ 5 s
    "export.responsibility-list.csv": True,
    "export.responsibility-list.html": True,
    "export.responsibility-list.pdf": True,  # ≤ 10 s, beside the XLSX
    "export.ledger.xlsx": False,
    "export.coverage.xlsx": False,
    "http.chain_c1_throughput": False,
    "http.chain_c1_p50": False,
    "http.chain_c32_throughput": True,  # ≥ 25% of the hand-written endpoint
    "http.chain_c32_p50": False,
    "http.chain_c32_p99": False,  # saturated: reported, the p99 target is at a fixed rate
    "http.chain_rate_p99": True,  # < 25 ms at a quarter of the hand-written throughput
    "http.list_branches": True,  # < 150 ms
    "serving.chain_p99_loaded": True,  # ≤ 3× the p99 alone, and < 50 ms
    "serving.health_p99_loaded": True,  # < 20 ms
    "serving.workers_throughput": True,  # ≥ 1.7× one worker's
    "web.layout_10k": True,  # < 100 ms
    "web.city_paint": True,  # < 1 s
    "web.expand": True,  # < 200 ms
    "web.pan_10k": False,
    "neo4j.import_nodes": True,  # ≥ 30,000 nodes/s
    "neo4j.import_nodes_first": False,  # the first copy, on a fresh server: reported
    "neo4j.import_links": False,
    "neo4j.chain": True,  # ≤ 3 ms on a warm server
    "neo4j.gaps": False,
    "neo4j.coverage": False,
    "neo4j.subgraph": False,
}
# Rows measured beside a comparison from the same run: they must carry its value.
COMPARED = {
    "import.csv",
    "store.rss",
    "analysis.pairing",
    "analysis.pairing_solver",
    "http.chain_c1_throughput",
    "http.chain_c32_throughput",
    "http.chain_c32_p99",
    "http.chain_rate_p99",
    "http.list_branches",
    "serving.chain_p99_loaded",
    "serving.health_p99_loaded",
    "serving.workers_throughput",
    "web.layout_10k",
    "web.city_paint",
    "neo4j.import_nodes",
    "neo4j.import_nodes_first",
    "neo4j.import_links",
    "neo4j.chain",
    "neo4j.gaps",
    "neo4j.coverage",
    "neo4j.subgraph",
}


@pytest.mark.slow
@pytest.mark.neo4j
@pytest.mark.browser
def test_quick_suite_writes_every_row(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("NEO4J_URI", None)  # the suite starts its own server; never wipe a named one
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert done.returncode == 0, done.stderr[-4000:]

    results = json.loads((tmp_path / "latest.json").read_text("utf-8"))
    assert results["mode"] == "quick"
    assert results["errors"] == {}
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["python"] and machine["cpu_model"]
    assert results["load_average"]["samples"] >= 1

    rows = {f["id"]: f for f in results["figures"] if f["scale"] == 1}
    assert set(EXPECTED) <= set(rows), sorted(set(EXPECTED) - set(rows))
    for fid, targeted in EXPECTED.items():
        row = rows[fid]
        assert row["error"] is None, (fid, row["error"])
        assert isinstance(row["value"], int | float), fid
        if targeted:
            assert row["target"] and row["meets"] in (True, False), fid
        else:
            assert row["meets"] is None, fid
    for fid in COMPARED:
        assert rows[fid]["comparison"] and rows[fid]["comparison_value"] is not None, fid

    markdown = (tmp_path / "latest.md").read_text("utf-8")
    assert done.stdout.strip() == markdown.strip()  # the table is printed too
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + len(results["figures"])  # the header, then one line a row
    for row in rows.values():
        assert row["label"] in markdown


def test_figure_ratio_and_verdict() -> None:
    # 300 req/s against 1,200 req/s is a ratio of 0.25: exactly the 25% a target asks for.
    enough = Figure(
        id="t",
        label="t",
        value=300.0,
        unit="req/s",
        comparison_value=1200.0,
        op=">=",
        threshold=0.25,
        target_on="ratio",
    )
    assert enough.ratio == 0.25 and enough.meets is True
    # 1.5 ms against "< 1 ms" misses; without a target there is no verdict.
    assert Figure(id="t", label="t", value=1.5, unit="ms", op="<", threshold=1.0).meets is False
    assert Figure(id="t", label="t", value=1.5, unit="ms").meets is None
    assert Figure(id="t", label="t", value=None, unit="ms", op="<", threshold=1.0).meets is None
    # Under a second and at most 11× its ×1 time: 400 ms against 30 ms grew 13.3×.
    grown = {"id": "t", "label": "t", "unit": "ms", "op": "<", "threshold": 1000.0}
    assert Figure(**grown, value=400.0, comparison_value=30.0, ratio_limit=11.0).meets is False
    assert Figure(**grown, value=300.0, comparison_value=30.0, ratio_limit=11.0).meets is True
    assert Figure(**grown, value=1200.0, comparison_value=300.0, ratio_limit=11.0).meets is False


def test_readme_section_replaced_between_markers(tmp_path: Path) -> None:
    row = Figure(id="a", label="行 row", value=2.0, unit="ms", op="<", threshold=1.0).as_dict()
    results: dict[str, Any] = {
        "machine": {"cores": 2, "memory_gb": 4.0, "cpu_model": "cpu", "python": "3.11.7"},
        "load_average": {"min": 1.0, "max": 2.0, "median": 1.5},
        "started": "2019-06-30 08:00:00",
        "duration_s": 60.0,
        "mode": "quick",
        "figures": [row],
    }
    readme = tmp_path / "README.md"
    readme.write_text("# title\n\nintro\n", "utf-8")
    update_readme(results, readme)  # no markers yet: the section goes at the end
    first = readme.read_text("utf-8")
    assert first.startswith("# title\n\nintro\n\n" + PERF_START)
    assert first.rstrip().endswith(PERF_END) and "| 行 row |" in first
    readme.write_text(first + "\n## after\n", "utf-8")
    row["label"] = "新行 new row"
    update_readme(results, readme)  # markers: only what is between them changes
    second = readme.read_text("utf-8")
    assert "| 新行 new row |" in second and "| 行 row |" not in second
    assert second.startswith("# title\n\nintro\n\n") and second.endswith("\n## after\n")
    assert second.count(PERF_START) == 1


def test_the_list_row_says_which_rows_were_listed() -> None:
    from bench.bench_http import list_figure

    # ×10: the first page of 5,000 of 28,280, in 0.12 s against 0.08 s (medians of three).
    page = list_figure([0.10, 0.12, 0.14], [0.08, 0.07, 0.09], 5000, 28280, scale=10)
    assert page.scale == 10 and page.value == pytest.approx(120.0)
    assert page.comparison_value == pytest.approx(80.0) and page.ratio == pytest.approx(1.5)
    assert page.meets is True  # 120 ms < 150 ms
    assert "the first 5,000 of 28,280 (the demo ×10), 1 page(s)" in page.note
    assert "graphql-core alone" not in page.note  # no floor measured at ×10
    # ×1: every branch, 160 ms, with the floor's median.
    city = list_figure([0.16], [0.05], 4512, 4512, scale=1, floor=[0.2, 0.1, 0.3])
    assert city.meets is False and "all 4,512 (the demo ×1)" in city.note
    assert "ready-made dicts: 200 ms" in city.note
