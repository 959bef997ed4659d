"""The browser view, driven in Debian's chromium against a live server over a small city.

The city is ``responsibility_city`` (tests/graphs.py) with two-new units whose party
organizations arrive over time in 东关街道 (630102001), so that its coverage rate grows:

    u1 青海某科技有限公司   instructor only (work coverage); joint organization o2 from 2018-01-01
    u4 西宁某餐饮有限公司   own organization o1 from 2015-01-01
    u5 西宁某物流有限公司   joint organization o2 from 2018-01-01

Worked by hand, the rate of 630102001 (organized units ÷ operating units, units located in
the township) is 0/3 on 2014-06-30, 1/3 on 2016-06-30 and 3/3 on 2019-06-30.
The chain of b1 (夏都花园社区党支部) climbs b1 → 630102001 → 630102 → 630100.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.browser.conftest import ARTIFACTS, Guard, LiveServer, open_page, serve, sign_in
from tests.graphs import link, org, responsibility_city

pytestmark = pytest.mark.browser

REFERENCE = "2019-06-30"
TOWNSHIP = "630102001"


def web_city() -> WriteBatch:
    base = responsibility_city()
    units = [
        Node(
            id=uid,
            kind=NodeKind.UNIT,
            name=name,
            valid_from=date(2010, 1, 1),
            attrs={"unit_kind": "non_public_enterprise", "full_members": 3},
        )
        for uid, name in (("u4", "西宁某餐饮有限公司"), ("u5", "西宁某物流有限公司"))
    ]
    o1_start, o2_start = date(2015, 1, 1), date(2018, 1, 1)
    orgs = [
        org(
            "o1",
            "某餐饮有限公司党支部",
            "grassroots",
            "branch",
            sector="non_public_enterprise",
            start=o1_start,
        ),
        org(
            "o2",
            "东关街道非公企业联合党支部",
            "grassroots",
            "branch",
            sector="non_public_enterprise",
            start=o2_start,
        ),
    ]
    sub, est = LinkKind.SUBORDINATE_TO, LinkKind.ESTABLISHED_IN
    links: list[Link] = [
        link(sub, "o1", TOWNSHIP, start=o1_start),
        link(sub, "o2", TOWNSHIP, start=o2_start),
        link(est, "o1", "u4", start=o1_start, mode="own"),
        link(est, "o2", "u5", start=o2_start, mode="joint"),
        link(est, "o2", "u1", start=o2_start, mode="joint"),
        link(LinkKind.LOCATED_IN, "u4", TOWNSHIP, start=date(2010, 1, 1)),
        link(LinkKind.LOCATED_IN, "u5", TOWNSHIP, start=date(2010, 1, 1)),
    ]
    return WriteBatch(
        nodes=(*base.nodes, *units, *orgs), links=(*base.links, *links), facts=base.facts
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store: GraphStore = EmbeddedStore(tmp_path_factory.mktemp("web") / "web.db")
    store.write(web_city())
    try:
        with serve(store) as live:
            yield live
    finally:
        store.close()


@pytest.fixture
def guard() -> Guard:
    return Guard()


@pytest.fixture
def page(browser: Browser, guard: Guard, server: LiveServer) -> Iterator[Page]:
    page = open_page(browser, guard)
    try:
        sign_in(page, server)
        page.goto(f"{server.url}/?asOf={REFERENCE}")
        page.wait_for_selector("body[data-ready=true]", timeout=20_000)
        yield page
    finally:
        page.context.close()
    # Nothing went out, nothing broke, and the Content-Security-Policy refused nothing.
    assert guard.blocked == []
    problems = [c for c in guard.console if c.startswith(("error", "pageerror"))]
    assert problems == []


def state(page: Page, node_id: str) -> dict[str, Any]:
    found: dict[str, Any] | None = page.evaluate("id => window.orggraph.nodeState(id)", node_id)
    assert found is not None, f"{node_id} is not drawn"
    return found


def idle(page: Page) -> None:
    page.wait_for_selector("body[data-loading=false]")


def test_the_page_loads_the_city_tree_in_chinese(page: Page) -> None:
    assert page.title() == "西宁市委 · 组织体系图谱"  # the scope (here the city) first
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#view-tree").inner_text() == "组织树"
    # Down to the townships by default: the city, its two districts, 东关街道.
    for node_id in ("630100", "630102", "630103", TOWNSHIP):
        assert state(page, node_id)["visible"], node_id
    assert state(page, "b1")["visible"] is False  # under the collapsed township
    # The Chinese font is the vendored one, and it is loaded.
    assert page.evaluate("document.fonts.check('12px \"Noto Sans SC\"', '夏都花园社区')")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-tree.png"))


def test_english_is_one_click_away(page: Page) -> None:
    page.click("#lang")
    assert page.locator("#view-tree").inner_text() == "Organization tree"
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("#lang")
    assert page.locator("#view-tree").inner_text() == "组织树"


def test_search_finds_the_branch_and_its_chain_is_shown_and_highlighted(
    page: Page, tmp_path: Path
) -> None:
    page.fill("#search-text", "夏都花园社区")
    item = page.locator('#search-results li[data-id="b1"]')
    item.wait_for()
    assert "夏都花园社区党支部" in item.inner_text()
    item.click()
    page.wait_for_selector('body[data-selected="b1"][data-chain]')
    page.wait_for_function("document.body.dataset.chain.startsWith('b1,')")
    # The search flew to the branch: its township was expanded to show it.
    assert state(page, "b1")["visible"]
    assert page.locator("#detail-name").inner_text() == "夏都花园社区党支部"
    chain = page.locator("#chain > li")
    assert [chain.nth(i).get_attribute("data-org") for i in range(chain.count())] == [
        "b1",
        TOWNSHIP,
        "630102",
        "630100",
    ]
    for node_id in ("b1", TOWNSHIP, "630102", "630100"):
        assert state(page, node_id)["highlighted"], node_id
    assert not state(page, "630103")["highlighted"]
    # The same question in the explorer, and the list's export.
    explorer = page.locator("#link-explorer").get_attribute("href") or ""
    assert explorer.startswith("/explorer?query=") and "responsibilityChain" in explorer
    assert (page.locator("#link-export").get_attribute("href") or "").startswith("/exports/")
    # The printed documents too: the PDF downloads as a PDF.
    pdf = page.locator("#link-export-pdf").get_attribute("href") or ""
    docx = page.locator("#link-export-docx").get_attribute("href") or ""
    assert "format=pdf" in pdf and "format=docx" in docx and "root=b1" in pdf
    with page.expect_download() as info:
        page.click("#link-export-pdf")
    saved = tmp_path / "list.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes()[:5] == b"%PDF-"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-chain.png"))


def test_the_date_control_replays_the_coverage_rates(page: Page) -> None:
    def at(day: str) -> float | None:
        page.fill("#as-of", day)
        page.dispatch_event("#as-of", "change")
        page.wait_for_selector(f'body[data-as-of="{day}"][data-loading=false]')
        rate: float | None = state(page, TOWNSHIP)["coverage"]
        return rate

    assert at("2014-06-30") == 0
    assert at("2016-06-30") == pytest.approx(1 / 3)
    assert at(REFERENCE) == 1
    # o2 (2018) is not in the 2016 tree, and is in the 2019 one.
    at("2016-06-30")
    assert page.evaluate("window.orggraph.nodeState('o2')") is None
    at(REFERENCE)
    assert page.evaluate("window.orggraph.nodeState('o2')") is not None


def test_png_export_downloads_a_png(page: Page, tmp_path: Path) -> None:
    with page.expect_download() as info:
        page.click("#export-png")
    download = info.value
    assert download.suggested_filename.endswith(".png")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_svg_export_downloads_the_drawn_nodes(page: Page, tmp_path: Path) -> None:
    with page.expect_download() as info:
        page.click("#export-svg")
    target = tmp_path / "view.svg"
    info.value.save_as(target)
    text = target.read_text("utf-8")
    assert text.startswith("<?xml") and "<svg" in text
    assert "西宁市委" in text and "东关街道党工委" in text


def test_the_pairing_network_shows_groups_leaders_experts_and_partners(page: Page) -> None:
    page.click("#view-network")
    page.wait_for_selector('body[data-view="network"][data-loading=false]')
    # By default: working groups and their areas (wg01 covers 630102, wg02 630102001), the
    # groups' leaders (m01, m10), and strong ↔ weak pairs (s1 is paired with b1).
    for node_id in ("wg01", "630102", "wg02", TOWNSHIP, "m01", "m10", "s1", "b1"):
        assert state(page, node_id)["visible"], node_id
    assert page.evaluate("window.orggraph.nodeState('m14')") is None
    # Contacts and expert services are opt-in: m14 contacts b1 and serves e1.
    page.check('#network-filter input[value="contacts"]')
    page.check('#network-filter input[value="serves"]')
    for node_id in ("m14", "e1"):
        assert state(page, node_id)["visible"], node_id
    assert page.evaluate("window.orggraph.nodeState('e2')") is None  # nobody serves e2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-network.png"))


def test_a_viewer_sees_the_map_and_the_network_without_internal_data(
    browser: Browser, guard: Guard, server: LiveServer
) -> None:
    """A viewer's page: the tree without coverage rates (internal, as coverageRates and
    the coverage export), the network without leaders' contacts (who is a leader is
    internal), and not one error on the way."""
    store = server.server.config.app.state.store
    accounts = account_store(store)
    if accounts.get("web-viewer") is None:
        accounts.add("web-viewer", "viewer")
    page = open_page(browser, guard)
    try:
        sign_in(page, server, accounts.issue_token("web-viewer"))
        page.goto(f"{server.url}/?asOf={REFERENCE}")
        page.wait_for_selector("body[data-ready=true]", timeout=20_000)
        assert state(page, TOWNSHIP)["coverage"] is None  # an admin sees 1 (3 of 3)
        page.click("#view-network")
        page.wait_for_selector('body[data-view="network"][data-loading=false]')
        for node_id in ("wg01", "630102", "s1", "b1"):
            assert state(page, node_id)["visible"], node_id
        page.check('#network-filter input[value="contacts"]')
        assert page.evaluate("window.orggraph.nodeState('m14')") is None
    finally:
        page.context.close()
    assert guard.blocked == []
    assert [c for c in guard.console if c.startswith(("error", "pageerror"))] == []
