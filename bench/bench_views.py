"""Figures from the two benchmark scripts of the adapters: ``bench_exports`` (the whole
city's lists as files) and ``bench_web`` (the browser view in headless Chromium).

Both scripts still run on their own; the suite calls their ``measure_exports`` and
``measure_web`` on its cached demo store and turns what they return into rows here.
"""

from __future__ import annotations

import statistics
from typing import Any

from bench.common import Figure, fmt

__all__ = ["export_figures", "web_figures"]

_EXPORT_LABELS = {
    "responsibility-list": "全市书记责任清单 the whole city's responsibility lists",
    "ledger": "整顿转化台账 the remediation ledger",
    "coverage": "覆盖情况报表 the coverage report (vs 2014-12-31)",
}


def export_figures(rows: list[dict[str, Any]]) -> list[Figure]:
    """One row per export: the responsibility lists against "a few seconds" (≤ 5 s) beside
    the same list as CSV; as PDF (the printed document) against ≤ 10 s beside the XLSX."""

    def wall(fmt: str) -> float | None:
        return next(
            (
                r["wall_s"]
                for r in rows
                if r["kind"] == "responsibility-list" and r["format"] == fmt
            ),
            None,
        )

    csv_s, xlsx_s = wall("csv"), wall("xlsx")
    figures = []
    for r in rows:
        lists = r["kind"] == "responsibility-list"
        pdf = lists and r["format"] == "pdf"
        base, base_s = ("XLSX", xlsx_s) if pdf else ("CSV", csv_s)
        compare = lists and r["format"] != "csv" and base_s is not None
        limit = 10.0 if pdf else 5.0
        figures.append(
            Figure(
                id=f"export.{r['kind']}.{r['format']}",
                label=f"导出 {_EXPORT_LABELS.get(r['kind'], r['kind'])} ({r['format'].upper()})",
                value=r["wall_s"],
                unit="s",
                scale=1,
                comparison=f"同一清单的 {base} the same list as {base}" if compare else None,
                comparison_value=base_s if compare else None,
                ratio_note=f"{r['format'].upper()} ÷ {base}" if compare else None,
                target=f"≤ {limit:g} s" if lists else None,
                op="<=" if lists else None,
                threshold=limit if lists else None,
                note=(
                    f"{r['rows']:,} rows, {r['bytes'] / 1024:,.0f} KB; CPU {fmt(r['cpu_s'], 's')} "
                    f"(table {fmt(r['build_cpu_s'], 's')}, file {fmt(r['write_cpu_s'], 's')})"
                ),
            )
        )
    return figures


def web_figures(report: dict[str, Any]) -> list[Figure]:
    """Layout of a 10k-node tree, the city tree's first paint, expanding a township, panning."""
    layout = report["layout_10k"]
    paint = report["city_paint"]
    expand = report["expand"]
    pan = report["pan_10k"]
    browser = f"Chromium {report.get('browser_version', '?')}, headless"
    return [
        Figure(
            id="web.layout_10k",
            label=f"树布局 tidy-tree layout, {layout['nodes']:,} nodes (in the page)",
            value=layout["layout_ms_median"],
            unit="ms",
            scale=1,
            comparison="布局+首次绘制 layout and first draw",
            comparison_value=layout["layout_and_first_draw_ms_median"],
            ratio_note="layout ÷ layout and draw",
            target="< 100 ms",
            op="<",
            threshold=100.0,
            note=(
                f"cold run {fmt(layout['cold_layout_ms'], 'ms')}; "
                f"median of {layout['runs'] - 1 or 1}; {browser}"
            ),
        ),
        Figure(
            id="web.city_paint",
            label=(
                "全市组织树首次绘制 city tree painted after its data "
                f"({paint['organizations']:,} organizations)"
            ),
            value=statistics.median(paint["paint_after_data_ms"]),
            unit="ms",
            scale=1,
            comparison="数据获取 fetching the data (GraphQL)",
            comparison_value=statistics.median(paint["fetch_ms"]),
            ratio_note="paint ÷ fetch",
            target="< 1 s",
            op="<",
            threshold=1000.0,
            note=(
                f"{paint['visible']:,} visible; "
                f"median of {len(paint['paint_after_data_ms'])} page loads"
            ),
        ),
        Figure(
            id="web.expand",
            label=f"展开乡镇 expand a township ({expand['township']}: layout + draw)",
            value=expand["expand_ms_median"],
            unit="ms",
            scale=1,
            target="< 200 ms",
            op="<",
            threshold=200.0,
            note=(
                f"max {fmt(expand['expand_ms_max'], 'ms')}; "
                f"{expand['visible_nodes']:,} nodes visible"
            ),
        ),
        Figure(
            id="web.pan_10k",
            label="平移重绘 a frame while panning the 10k tree (readable zoom)",
            value=pan[0]["mean_ms"],
            unit="ms",
            scale=1,
            comparison="整棵树在屏上 the whole tree on screen",
            comparison_value=pan[1]["mean_ms"],
            ratio_note="readable zoom ÷ whole tree",
            note=f"p95 {fmt(pan[0]['p95_ms'], 'ms')}; {pan[0]['drawn_nodes_last']:,} nodes drawn",
        ),
    ]
