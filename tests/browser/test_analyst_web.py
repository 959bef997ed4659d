"""The first look of a district analyst at the browser view, on the Xining demo.

The analyst of 城东区 (630102) signs in with a one-time link and opens ``/`` with no
parameter. Every expectation is worked out from the store, not from the page: the number
of organizations under 630102 on the demo's date is counted by climbing each
organization's ancestors (``GraphStore.ancestors``), and a replay step's foundings are the
organizations of the subtree at the step's end that did not exist at its start.

Geometry is measured in the page: the legend's and the canvas's boxes from the DOM, and
each drawn label's box from its anchor, its side and its width measured anew on a fresh
canvas in the label font (not the renderer's own figures).
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, FloatRect, Page, expect

from orggraph.demo import build_demo
from orggraph.model import NodeKind
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.api.live import LiveServer
from tests.browser.conftest import ARTIFACTS, Guard, open_page, serve, sign_in

pytestmark = pytest.mark.browser

DISTRICT = "630102"
DISTRICT_NAME = "城东区委"
NEIGHBOUR = "630103"
DEMO_DAY = date(2019, 6, 30)
WIDTH, HEIGHT = 1440, 900
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    """The demo city (seed 2019) with the analysts' accounts; this module's own copy."""
    s = EmbeddedStore(tmp_path_factory.mktemp("analyst") / "demo.db")
    build_demo(s, seed=2019, scale=1)
    accounts = account_store(s)
    accounts.add("dongqu", "analyst", roots=frozenset({DISTRICT}))
    accounts.add("two-districts", "analyst", roots=frozenset({DISTRICT, NEIGHBOUR}))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="module")
def server(store: GraphStore) -> Iterator[LiveServer]:
    with serve(store) as live:
        yield live


def under(store: GraphStore, root: str, day: date) -> set[str]:
    """The organizations at ``day`` whose ancestors include ``root`` (and root itself)."""
    return {
        n.id
        for n in store.nodes(NodeKind.ORGANIZATION, day)
        if n.id == root or root in store.ancestors(n.id, day)
    }


@pytest.fixture
def guard() -> Guard:
    return Guard()


def analyst_page(
    browser: Browser, guard: Guard, server: LiveServer, store: GraphStore, account: str
) -> Page:
    """A page signed in as ``account`` with a one-time link, on ``/`` as it first opens."""
    page = open_page(browser, guard, width=WIDTH, height=HEIGHT)
    sign_in(page, server, account_store(store).issue_link(account))
    page.goto(f"{server.url}/")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    idle(page)
    return page


@pytest.fixture
def page(browser: Browser, guard: Guard, server: LiveServer, store: GraphStore) -> Iterator[Page]:
    page = analyst_page(browser, guard, server, store, "dongqu")
    try:
        yield page
    finally:
        page.context.close()
    assert guard.blocked == []
    assert [c for c in guard.console if c.startswith(("error", "pageerror"))] == []


def idle(page: Page) -> None:
    page.wait_for_selector("body[data-loading=false]")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def box(page: Page, selector: str) -> FloatRect:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not on screen"
    return found


def on_screen(page: Page, node_id: str) -> tuple[float, float]:
    """Where a drawn node is, in the canvas's pixels."""
    x, y = page.evaluate(
        "id => { const n = window.orggraph.nodeState(id);"
        " return window.orggraph.view.toScreen(n.x, n.y); }",
        node_id,
    )
    return x, y


def label_overlaps(page: Page) -> tuple[int, list[tuple[str, str]]]:
    """The drawn labels' count and the pairs whose boxes overlap, measured in the page."""
    found: dict[str, Any] = page.evaluate(
        """() => {
          const labels = window.orggraph.view.labels;
          const ctx = document.createElement("canvas").getContext("2d");
          ctx.font = '12px "Noto Sans SC", sans-serif';
          const boxes = labels.map((l) => {
            const w = ctx.measureText(l.text).width;
            const x0 = l.align === "right" ? l.x - w : l.x;
            return { text: l.text, x0, x1: x0 + w, y0: l.y - 6, y1: l.y + 6 };
          });
          const pairs = [];
          for (let i = 0; i < boxes.length; i++) {
            for (let j = i + 1; j < boxes.length; j++) {
              const a = boxes[i], b = boxes[j];
              const apart = a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0;
              if (!apart) pairs.push([a.text, b.text]);
            }
          }
          return { count: boxes.length, pairs };
        }"""
    )
    return found["count"], [tuple(p) for p in found["pairs"]]


def test_the_analyst_lands_on_the_district_tree_with_its_name_in_the_title(
    page: Page, store: GraphStore
) -> None:
    expected = under(store, DISTRICT, DEMO_DAY)
    assert len(expected) == 554  # the figure the issue reports for the demo
    assert page.title() == f"{DISTRICT_NAME} · 组织体系图谱"
    assert page.locator("#scope-name").inner_text() == DISTRICT_NAME
    assert page.locator("body").get_attribute("data-as-of") == DEMO_DAY.isoformat()
    drawn = set(page.evaluate("[...window.orggraph.state.tree.byId.keys()]"))
    assert drawn == expected
    assert page.locator("#status").inner_text() == "已加载 554 个节点"
    # One root: no chooser. The district is drawn with its townships, closed.
    assert page.locator("#scope-chooser").is_hidden()
    root = page.evaluate(f"window.orggraph.nodeState('{DISTRICT}')")
    assert root["visible"] and root["expanded"]
    assert page.evaluate("window.orggraph.nodeState('630102001')")["visible"]
    shot(page, "analyst-home.png")


def test_an_analyst_of_two_districts_chooses_between_them(
    browser: Browser, guard: Guard, server: LiveServer, store: GraphStore
) -> None:
    page = analyst_page(browser, guard, server, store, "two-districts")
    try:
        both = under(store, DISTRICT, DEMO_DAY) | under(store, NEIGHBOUR, DEMO_DAY)
        assert page.evaluate("window.orggraph.state.tree.size") == len(both)
        assert page.title() == "城东区委、城中区委 · 组织体系图谱"
        options = page.locator("#scope-choice option")
        assert options.all_inner_texts() == ["全部范围", "城东区委", "城中区委"]
        page.select_option("#scope-choice", NEIGHBOUR)
        page.wait_for_selector(f'body[data-scope="{NEIGHBOUR}"]')
        idle(page)
        assert page.title() == "城中区委 · 组织体系图谱"
        ids = set(page.evaluate("[...window.orggraph.state.tree.byId.keys()]"))
        assert ids == under(store, NEIGHBOUR, DEMO_DAY)
    finally:
        page.context.close()
    assert guard.blocked == []
    assert [c for c in guard.console if c.startswith(("error", "pageerror"))] == []


def test_the_legend_is_beside_the_drawing_and_folds(page: Page) -> None:
    # A branch low in the district, its parent on screen: neither is under the legend.
    page.evaluate("window.orggraph.select('630102001')")
    page.wait_for_selector('body[data-selected="630102001"][data-chain]')
    idle(page)
    canvas, legend = box(page, "#canvas"), box(page, "#legend")
    # Below the canvas, never on it: whatever is drawn on screen is free of it.
    assert legend["y"] >= canvas["y"] + canvas["height"]
    x, y = on_screen(page, "630102001")
    assert 0 <= x <= canvas["width"] and 0 <= y <= canvas["height"]
    # Fitted, the whole district is drawn, its bottom left corner too (where the legend was).
    page.click("#fit")
    page.wait_for_timeout(700)
    lowest = page.evaluate(
        "Math.max(...window.orggraph.view.scene.nodes"
        ".map(n => window.orggraph.view.toScreen(n.x, n.y)[1]))"
    )
    assert lowest <= canvas["height"]
    page.click("#legend-title")
    assert page.locator("#legend .legend-body").is_hidden()
    page.click("#legend-title")
    assert page.locator("#legend .legend-body").is_visible()


def test_no_two_labels_overlap_zoomed_out_or_in(page: Page) -> None:
    count, pairs = label_overlaps(page)
    assert count >= 10 and pairs == []
    # Every organization open, then the whole district on screen: the most crowded view.
    page.click("#expand-all")
    page.click("#fit")
    page.wait_for_timeout(700)
    idle(page)
    count, pairs = label_overlaps(page)
    assert count >= 5 and pairs == [], pairs[:5]
    shot(page, "analyst-zoomed-out.png")
    # Zoomed in on one street's branches.
    page.evaluate(
        "window.orggraph.view.flyTo(...(() => { const n = "
        "window.orggraph.nodeState('630102001'); return [n.x + 200, n.y, 1.6, 0]; })())"
    )
    idle(page)
    count, pairs = label_overlaps(page)
    assert count >= 10 and pairs == [], pairs[:5]


def test_the_whole_city_zoomed_out_has_no_overlapping_labels(
    browser: Browser, guard: Guard, server: LiveServer
) -> None:
    """The city administrator's view of all 4,600 organizations, every one open, fitted."""
    page = open_page(browser, guard, width=WIDTH, height=HEIGHT)
    try:
        sign_in(page, server)  # the server's administrator: the whole city
        page.goto(f"{server.url}/")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        idle(page)
        assert page.title() == "西宁市委 · 组织体系图谱"
        page.click("#expand-all")
        page.click("#fit")
        page.wait_for_timeout(700)
        idle(page)
        count, pairs = label_overlaps(page)
        assert count >= 5 and pairs == [], pairs[:5]
        shot(page, "city-zoomed-out.png")
    finally:
        page.context.close()
    assert guard.blocked == []
    assert [c for c in guard.console if c.startswith(("error", "pageerror"))] == []


def test_hover_card_and_framing_the_chain(page: Page) -> None:
    page.fill("#search-text", "夏都花园社区")
    item = page.locator("#search-results li").first
    item.wait_for()
    item.click()
    page.wait_for_selector("body[data-chain]:not([data-chain=''])")
    idle(page)
    selected = page.locator("body").get_attribute("data-selected")
    chain = (page.locator("body").get_attribute("data-chain") or "").split(",")
    assert chain[0] == selected and DISTRICT in chain
    page.click("#frame-chain")
    page.wait_for_selector("body[data-framed]")
    page.wait_for_timeout(800)
    framed = (page.locator("body").get_attribute("data-framed") or "").split(",")
    # The chain's organizations inside the district are framed (630100 is out of scope).
    assert set(framed) == {c for c in chain if c != "630100"}
    canvas = box(page, "#canvas")
    for node_id in framed:
        x, y = on_screen(page, node_id)
        assert 0 <= x <= canvas["width"] and 0 <= y <= canvas["height"], node_id
    # Hovering the branch shows its card: name, kind, secretary.
    x, y = on_screen(page, selected or "")
    page.mouse.move(canvas["x"] + x, canvas["y"] + y)
    card = page.locator("#hovercard")
    card.wait_for(state="visible")
    name = page.evaluate(f"window.orggraph.nodeState('{selected}').name")
    assert card.locator("strong").inner_text() == name
    expect(card).to_contain_text("书记：")
    shot(page, "analyst-chain-framed.png")
    # The explorer link carries the chain's query and variables, encoded.
    href = page.locator("#link-explorer").get_attribute("href") or ""
    parts = urlsplit(href)
    assert parts.path == "/explorer"
    query = parse_qs(parts.query)
    assert "responsibilityChain" in query["query"][0]
    assert json.loads(query["variables"][0]) == {"id": selected, "asOf": DEMO_DAY.isoformat()}


def test_the_network_columns_have_headings(page: Page) -> None:
    page.click("#view-network")
    page.wait_for_selector('body[data-view="network"][data-loading=false]')
    idle(page)
    headings = page.locator("#columns span")
    texts = headings.all_inner_texts()
    assert "全域党建工作组" in texts and "党组织" in texts
    # Each heading sits over its column's nodes.
    canvas = box(page, "#canvas")
    for i in range(headings.count()):
        column = int(headings.nth(i).get_attribute("data-column") or "-1")
        xs = page.evaluate(
            f"window.orggraph.state.network.nodes.filter(n => n.column === {column})"
            ".map(n => window.orggraph.view.toScreen(n.x, n.y)[0])"
        )
        heading = headings.nth(i).bounding_box()
        assert heading is not None and xs
        centre = heading["x"] + heading["width"] / 2 - canvas["x"]
        assert abs(centre - xs[0]) < 2
        assert heading["y"] + heading["height"] <= canvas["y"]  # above the drawing
    count, pairs = label_overlaps(page)
    assert count >= 5 and pairs == []
    shot(page, "analyst-network.png")


def test_a_link_to_the_network_opens_on_it(
    browser: Browser, guard: Guard, server: LiveServer, store: GraphStore
) -> None:
    """``/?view=network`` draws the network first: its headings are placed from the start."""
    page = open_page(browser, guard, width=WIDTH, height=HEIGHT)
    try:
        sign_in(page, server, account_store(store).issue_link("dongqu"))
        page.goto(f"{server.url}/?view=network")
        page.wait_for_selector("body[data-ready=true][data-view=network]", timeout=30_000)
        idle(page)
        assert "党组织" in page.locator("#columns span").all_inner_texts()
    finally:
        page.context.close()
    assert guard.blocked == []
    assert [c for c in guard.console if c.startswith(("error", "pageerror"))] == []


def test_a_replay_step_marks_what_was_founded_and_shows_the_rate(
    page: Page, store: GraphStore
) -> None:
    since, until = date(2016, 6, 30), date(2016, 12, 31)
    before = {n.id for n in store.nodes(NodeKind.ORGANIZATION, since)}
    after = {n.id for n in store.nodes(NodeKind.ORGANIZATION, until)}
    founded = under(store, DISTRICT, until) - before
    dissolved = under(store, DISTRICT, since) - after
    assert founded  # the demo founds organizations in 城东区 in that half-year
    page.evaluate(f"window.orggraph.setAsOf('{since}')")
    idle(page)
    page.evaluate(f"window.orggraph.replayStep('{since}', '{until}')")
    page.wait_for_selector(f'body[data-as-of="{until}"][data-changes=true]')
    idle(page)
    marked = set(
        page.evaluate(
            "[...window.orggraph.state.tree.byId.values()].filter(n => n.founded).map(n => n.id)"
        )
    )
    assert marked == founded
    crossed = set(
        page.evaluate(
            "[...window.orggraph.state.tree.byId.values()].filter(n => n.dissolved).map(n => n.id)"
        )
    )
    assert crossed == dissolved  # kept where they stood, crossed out
    line = page.locator("#replay")
    assert line.get_attribute("data-founded") == str(len(founded))
    assert line.get_attribute("data-dissolved") == str(len(dissolved))
    rate = float(line.get_attribute("data-rate") or "nan")
    assert 0 <= rate <= 1
    assert f"新建 {len(founded)} 个" in line.inner_text() and "覆盖率" in line.inner_text()
    assert page.locator("#legend .changes-only").first.is_visible()
    # Each closed township's label ends with what it hides: " +n" founded under it.
    labels = page.evaluate("window.orggraph.view.labels")
    tails = {
        label["id"]: "".join(part for part, _ in label["parts"])
        for label in labels
        if label["id"].startswith(DISTRICT) and len(label["id"]) == 9
    }
    assert len(tails) >= 5
    for township, tail in tails.items():
        below = len([o for o in founded if township in store.ancestors(o, until)])
        gone = len([o for o in dissolved if township in store.ancestors(o, since)])
        expected = (f" +{below}" if below else "") + (f" −{gone}" if gone else "")
        assert tail == expected, township
    assert any(tails.values())
    page.click("#expand-all")
    idle(page)
    first = sorted(founded)[0]
    page.evaluate(f"window.orggraph.select('{first}')")
    idle(page)
    shot(page, "analyst-replay.png")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_exports_carry_title_scope_date_and_legend(page: Page, tmp_path: Path) -> None:
    with page.expect_download() as info:
        page.click("#export-svg")
    svg = tmp_path / "view.svg"
    info.value.save_as(svg)
    text = svg.read_text("utf-8")
    for words in ("城东区委 · 组织体系图谱", "范围：城东区委", "时点：2019-06-30", "图例"):
        assert f">{words}<" in text, words
    for words in ("软弱涣散", "书记空缺", "“两新”组织党组织覆盖率"):
        assert words in text, words
    with page.expect_download() as info:
        page.click("#export-png")
    png = tmp_path / "view.png"
    info.value.save_as(png)
    width, height = png_size(png.read_bytes())
    canvas = box(page, "#canvas")
    # The drawing, plus a header (title, scope, date) above and the legend below.
    assert width == round(canvas["width"])
    assert height >= round(canvas["height"]) + 120
    shot(page, "analyst-export-page.png")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "analyst-export.png").write_bytes(png.read_bytes())


def visible_chrome_text(page: Page) -> list[str]:
    """The interface's visible words: text, placeholders, titles and labels, but not the
    data (names, ids), which the page marks ``translate="no"``."""
    found: list[str] = page.evaluate(
        """() => {
          const out = [];
          const shown = (el) => el.checkVisibility();
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let t = walker.nextNode(); t; t = walker.nextNode()) {
            const el = t.parentElement;
            if (!t.textContent.trim() || !el || el.closest('[translate="no"]')) continue;
            if (el.closest("script, style") || !shown(el)) continue;
            out.push(t.textContent.trim());
          }
          for (const el of document.querySelectorAll("[placeholder], [title], [aria-label]")) {
            if (!shown(el) || el.closest('[translate="no"]')) continue;
            for (const a of ["placeholder", "title", "aria-label"]) {
              if (el.getAttribute(a)) out.push(el.getAttribute(a));
            }
          }
          out.push(document.title.replace(document.querySelector("#scope-name").textContent, ""));
          return out;
        }"""
    )
    return found


def test_english_mode_leaves_no_chinese_in_the_interface(page: Page) -> None:
    page.evaluate("window.orggraph.select('630102001')")
    page.wait_for_selector('body[data-selected="630102001"][data-chain]')
    idle(page)
    page.click("#lang")
    page.wait_for_selector("body[data-lang=en]")
    chinese = [t for t in visible_chrome_text(page) if CJK.search(t)]
    assert chinese == []
    assert page.locator("#status").inner_text() == "554 nodes loaded"
    shot(page, "analyst-english.png")
    page.click("#view-network")
    page.wait_for_selector('body[data-view="network"][data-loading=false]')
    chinese = [t for t in visible_chrome_text(page) if CJK.search(t)]
    assert chinese == []


def _luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_the_language_button_stays_readable_under_the_pointer(page: Page) -> None:
    page.hover("#lang")
    page.wait_for_timeout(100)
    colors = page.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('#lang'));"
        " return [s.color, s.backgroundColor]; })()"
    )
    fg, bg = (_luminance(c) for c in colors)
    ratio = (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05)
    assert ratio >= 4.5, colors  # WCAG AA for normal text


def test_the_default_date_is_the_data_date_and_later_dates_are_flagged(
    page: Page, store: GraphStore
) -> None:
    """Query.dataDate is the default date and the warning's date. (On the demo the last
    change is on the same day; only dataDate makes the note 数据截至 … appear.)"""
    assert store.data_date() == DEMO_DAY  # the demo's data ends at its reference date
    assert page.locator("body").get_attribute("data-as-of") == DEMO_DAY.isoformat()
    assert page.locator("#data-date").is_hidden()
    page.fill("#as-of", "2024-01-01")
    page.dispatch_event("#as-of", "change")
    page.wait_for_selector('body[data-as-of="2024-01-01"][data-loading=false]')
    note = page.locator("#data-date")
    assert note.is_visible() and note.inner_text() == "数据截至 2019-06-30"
    page.click("#lang")
    assert note.inner_text() == "Data as of 2019-06-30"
