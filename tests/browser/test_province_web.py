"""The browser's tree six levels deep, on the small province (``tests.province_graph``
without its detached county): province → city → county → township → 党委 → 党总支 → 党支部.

Worked by hand from the diagram: the landing view opens every committee above the
townships (the province, both cities, the counties and the 市直机关工委, a city-level
committee), so the townships and the 工委's agency branch a1 are drawn and what hangs under
the townships is not; expanding everything draws e11 and e12, six levels below the
province; the chain of e11 lists seven organizations up to the province committee.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from orggraph.model import WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.browser.conftest import ARTIFACTS, Guard, LiveServer, open_page, serve, sign_in
from tests.province_graph import tiny_province

pytestmark = pytest.mark.browser
REFERENCE = "2019-06-30"


def attached_province() -> WriteBatch:
    """``tiny_province`` without x0, the county with no parent, and its secretary."""
    whole = tiny_province()
    return WriteBatch(
        nodes=tuple(n for n in whole.nodes if n.id not in ("x0", "p10")),
        links=tuple(x for x in whole.links if "x0" not in (x.source, x.target)),
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store: GraphStore = EmbeddedStore(tmp_path_factory.mktemp("province") / "province.db")
    store.write(attached_province())
    try:
        with serve(store) as live:
            yield live
    finally:
        store.close()


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    guard = Guard()
    page = open_page(browser, guard)
    try:
        sign_in(page, server)
        page.goto(f"{server.url}/?asOf={REFERENCE}")
        page.wait_for_selector("body[data-ready=true]", timeout=20_000)
        yield page
    finally:
        page.context.close()
    assert guard.blocked == []
    assert [c for c in guard.console if c.startswith(("error", "pageerror"))] == []


def visible(page: Page, node_id: str) -> bool:
    found = page.evaluate("id => window.orggraph.nodeState(id)", node_id)
    assert found is not None, f"{node_id} is not in the tree"
    return bool(found["visible"])


def test_the_tree_opens_on_the_province_and_reaches_depth_six(page: Page) -> None:
    assert page.title() == "青海省委 · 组织体系图谱"
    for node_id in ("630000", "630100", "632200", "630100JG", "630102", "632221"):
        assert visible(page, node_id), node_id
    for node_id in ("630102001", "632221100", "a1"):  # below the committees opened
        assert visible(page, node_id), node_id
    for node_id in ("e0", "v1", "v2", "e1", "e11"):  # under the closed townships
        assert not visible(page, node_id), node_id
    page.click("#expand-all")
    page.wait_for_function("window.orggraph.nodeState('e11').visible")
    for node_id in ("e0", "e1", "e11", "e12", "v1", "v2"):
        assert visible(page, node_id), node_id
    # Depth runs left to right: each level of e11's line one column further right.
    xs = [
        page.evaluate("id => window.orggraph.nodeState(id).x", node_id)
        for node_id in ("630000", "630100", "630102", "630102001", "e0", "e1", "e11")
    ]
    assert xs == sorted(xs) and len(set(xs)) == 7
    page.click("#fit")  # the seven columns in the window for the screenshot (a 500 ms flight)
    page.wait_for_timeout(800)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-province-depth6.png"))


def test_the_chain_of_a_branch_six_levels_down(page: Page) -> None:
    page.evaluate("window.orggraph.select('e11')")
    page.wait_for_function("(document.body.dataset.chain || '').startsWith('e11,')")
    chain = page.locator("#chain > li")
    assert [chain.nth(i).get_attribute("data-org") for i in range(chain.count())] == [
        "e11",
        "e1",
        "e0",
        "630102001",
        "630102",
        "630100",
        "630000",
    ]
    assert "第一党支部" in page.locator("#detail-name").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-province-chain.png"))
