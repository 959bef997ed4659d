"""Browser view timings in headless Chromium: layout, first paint, expand, pan. Prints JSON.

    python bench/bench_web.py [--scale 1] [--seed 2019] [--nodes 10000] [--out FILE]
                              [--store demo.db] [--screenshots docs/img]

- ``layout_10k``: the tidy-tree layout of a synthetic 10k-node tree (all expanded), in
  the page, median of repeated runs (the first, cold run reported apart);
- ``city_paint``: the Xining demo's whole organization tree (``?expand=all``): from the
  moment its data has arrived (GraphQL answer parsed) to the first frame painted;
- ``expand``: collapsing and re-expanding a township of the city tree (layout + draw);
- ``pan_10k``: frame draw time while panning the 10k tree, at a readable zoom and with the
  whole tree on screen (no culling: the worst case).

The server is the real application on 127.0.0.1 and a free port, over a temporary
embedded store with the demo (``orggraph.demo.build_demo``). No timing is asserted here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import Page, sync_playwright

from orggraph.api import create_app
from orggraph.api.context import LOCAL_ADMIN
from orggraph.settings import Settings
from orggraph.store.embedded import EmbeddedStore

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REFERENCE = "2019-06-30"


class Server:
    """The application served by uvicorn from a thread, on a socket bound to a free port."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none"))
        self.thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def build_store(path: Path, scale: int, seed: int) -> EmbeddedStore:
    from orggraph.demo import build_demo

    store = EmbeddedStore(path)
    build_demo(store, seed=seed, scale=scale)
    return store


def ready(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=120_000)
    page.wait_for_selector("body[data-loading=false]", timeout=120_000)


def layout_runs(page: Page, nodes: int, runs: int) -> dict[str, Any]:
    results = [page.evaluate("n => window.orggraph.benchTree(n)", nodes) for _ in range(runs)]
    warm = results[1:] or results
    return {
        "nodes": nodes,
        "cold_layout_ms": round(results[0]["layoutMs"], 2),
        "layout_ms_median": round(statistics.median(r["layoutMs"] for r in warm), 2),
        "build_ms_median": round(statistics.median(r["buildMs"] for r in warm), 2),
        "layout_and_first_draw_ms_median": round(
            statistics.median(r["layoutMs"] + r["drawMs"] for r in warm), 2
        ),
        "runs": runs,
    }


PAN = """([scale, frames]) => {
  const v = window.orggraph.view;
  const bounds = window.orggraph.state.tree.bounds();
  const [x0, y0, x1, y1] = bounds;
  const k = scale > 0 ? scale : v.fitTransform(bounds).k;  // 0: the whole tree on screen
  const times = [];
  for (let i = 0; i < frames; i++) {
    const x = x0 + ((x1 - x0) * i) / frames;
    const y = y0 + ((y1 - y0) * ((i * 7) % frames)) / frames;
    v.flyTo(x, y, k, 0);
    v.render();
    times.push(v.stats.renderMs);
  }
  times.sort((a, b) => a - b);
  return {
    scale: k,
    frames,
    mean_ms: times.reduce((s, t) => s + t, 0) / frames,
    p95_ms: times[Math.floor(frames * 0.95)],
    drawn_nodes_last: v.stats.drawnNodes,
  };
}"""


WEAK = """() => {
  const weak = [...window.orggraph.state.tree.byId.values()]
    .filter((n) => n.weak && n.vacant && n.level === "grassroots" && n.sector === "rural");
  return (weak[0] ?? [...window.orggraph.state.tree.byId.values()].find((n) => n.weak)).id;
}"""


def screenshots(page: Page, url: str, folder: Path) -> None:
    """The README's pictures: the city tree, a weak branch's chain, the pairing network."""
    folder.mkdir(parents=True, exist_ok=True)
    ready(page, f"{url}/?asOf={REFERENCE}")
    page.click("#fit")  # the whole city down to its townships
    page.wait_for_timeout(800)
    page.screenshot(path=str(folder / "web-city-tree.png"))
    weak = page.evaluate(WEAK)
    page.evaluate("id => window.orggraph.select(id)", weak)
    page.wait_for_selector(f'body[data-selected="{weak}"][data-chain]')
    page.wait_for_timeout(1000)  # the flight to the branch
    page.screenshot(path=str(folder / "web-weak-branch-chain.png"))
    ready(page, f"{url}/?asOf={REFERENCE}&view=network")
    page.screenshot(path=str(folder / "web-pairing-network.png"))


def measure_web(
    store: EmbeddedStore,
    *,
    nodes: int = 10_000,
    runs: int = 7,
    paints: int = 3,
    screenshots_to: Path | None = None,
) -> dict[str, Any]:
    """Every browser timing on ``store`` (the demo), served by the real application."""
    report: dict[str, Any] = {"chromium": CHROMIUM}
    # The local administrator, signed in for every request (``actor=``): no sign-in page.
    app = create_app(store, Settings(), actor=LOCAL_ADMIN)
    with Server(app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        report["browser_version"] = browser.version

        if screenshots_to:
            screenshots(page, server.url, screenshots_to)

        # The city tree, all expanded: paint time after its data arrived.
        timings = []
        for _ in range(paints):
            ready(page, f"{server.url}/?asOf={REFERENCE}&expand=all")
            timings.append(page.evaluate("window.orggraph.state.timings.tree"))
        report["city_paint"] = {
            "organizations": timings[-1]["nodes"],
            "visible": timings[-1]["visible"],
            "fetch_ms": [round(t["fetchMs"], 1) for t in timings],
            "paint_after_data_ms": [round(t["paintMs"], 1) for t in timings],
            "layout_ms": [round(t["layoutMs"], 2) for t in timings],
        }

        # Expand: a township of the city tree, closed then opened again.
        township = page.evaluate(
            "() => window.orggraph.state.tree.visible"
            ".filter(n => n.level === 'township' && n.kids.length)"
            ".sort((a, b) => b.kids.length - a.kids.length)[0].id"
        )
        times = []
        for _ in range(runs):
            page.evaluate("id => window.orggraph.toggle(id)", township)  # close
            times.append(page.evaluate("id => window.orggraph.toggle(id)", township))
        report["expand"] = {
            "township": township,
            "visible_nodes": page.evaluate("window.orggraph.state.tree.visible.length"),
            "expand_ms_median": round(statistics.median(times), 2),
            "expand_ms_max": round(max(times), 2),
        }

        # Layout of a synthetic 10k tree, then panning it.
        report["layout_10k"] = layout_runs(page, nodes, runs)
        report["pan_10k"] = [
            page.evaluate(PAN, [1.0, 120]),
            page.evaluate(PAN, [0, 60]),
        ]
        browser.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="demo scale (1: Xining)")
    parser.add_argument(
        "--store", type=Path, default=None, help="an embedded store with the demo already in it"
    )
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--nodes", type=int, default=10_000, help="synthetic tree size")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    parser.add_argument(
        "--screenshots", type=Path, default=None, help="also save the README's screenshots here"
    )
    args = parser.parse_args()

    report: dict[str, Any] = {"demo_scale": args.scale}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        if args.store:
            store = EmbeddedStore(args.store)
        else:
            store = build_store(Path(tmp) / "bench.db", args.scale, args.seed)
        report["store_ready_s"] = round(time.perf_counter() - started, 1)
        try:
            report.update(
                measure_web(
                    store, nodes=args.nodes, runs=args.runs, screenshots_to=args.screenshots
                )
            )
        finally:
            store.close()
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", "utf-8")


if __name__ == "__main__":
    main()
