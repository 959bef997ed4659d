"""The web view's exports run as jobs: a progress bar that moves, a cancel, the file.

Over a copy of the demo city (its responsibility list is 4,541 secretaries and about
9,000 rows, several seconds of work), in Debian's chromium against a live server: the
city's list (西宁市委, 630100) is asked for from the side panel, the bar shows the job's
stage and percent as it goes, and the XLSX downloads when it is done; the PDF, cancelled
midway, downloads nothing and says so.
"""

from __future__ import annotations

import io
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page

from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.api.live import LiveServer
from tests.browser.conftest import ARTIFACTS, Guard, open_page, serve, sign_in

pytestmark = pytest.mark.browser

CITY = "630100"
WHEN = "2019-06-30"


@pytest.fixture(scope="module")
def server(
    demo_store: GraphStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A live server over a copy of the demo (the session's demo store stays untouched)."""
    copy = tmp_path_factory.mktemp("progress") / "demo.db"
    source = sqlite3.connect(demo_store.url.removeprefix("sqlite:///"))
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    store = EmbeddedStore(copy)
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
        page.goto(f"{server.url}/?asOf={WHEN}")
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        page.fill("#search-text", "西宁市委")
        page.locator(f'#search-results li[data-id="{CITY}"]').first.click()
        page.wait_for_selector(f'body[data-selected="{CITY}"]')
        yield page
    finally:
        page.context.close()
    assert guard.blocked == []
    assert [c for c in guard.console if c.startswith(("error", "pageerror"))] == []


def _bar(page: Page) -> tuple[str | None, float, str]:
    """The job box's state, the bar's value and its label, as the page shows them."""
    state = page.get_attribute("#export-job", "data-state")
    value = float(page.eval_on_selector("#export-job-bar", "bar => bar.value"))
    return state, value, page.inner_text("#export-job-label")


def test_the_city_list_shows_its_progress_and_downloads(page: Page, tmp_path: Path) -> None:
    href = page.get_attribute("#link-export", "href") or ""
    assert f"root={CITY}" in href and "format=xlsx" in href
    seen: list[tuple[str | None, float, str]] = []
    shot = False
    ARTIFACTS.mkdir(exist_ok=True)
    with page.expect_download(timeout=180_000) as info:
        page.click("#link-export")
        assert page.is_visible("#export-job")
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            seen.append(_bar(page))
            state, value, _ = seen[-1]
            if state in ("done", "failed", "cancelled"):
                break
            if not shot and 30 <= value <= 90:
                page.locator("#panel").screenshot(path=str(ARTIFACTS / "web-export-progress.png"))
                shot = True
            time.sleep(0.1)
    assert seen[-1][0] == "done", seen[-5:]
    midway = sorted({v for s, v, _ in seen if s == "running" and 0 < v < 100})
    assert len(midway) >= 2, seen  # the bar moved: at least two values between 0 and 100
    assert [v for _, v, _ in seen] == sorted(v for _, v, _ in seen)  # and only forward
    labels = {label for s, _, label in seen if s == "running"}
    assert any("汇总书记职责" in label for label in labels), labels
    assert any("写入 XLSX" in label for label in labels), labels
    download = info.value
    assert download.suggested_filename == f"责任清单-2019-{CITY}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    assert sheet["A1"].value == "2019年度抓党建责任清单"
    rows = sum(1 for _ in sheet.iter_rows(values_only=True))
    assert rows > 8000  # the whole city's secretaries, not one organization's
    assert "已完成" in page.inner_text("#export-job-label")
    page.locator("#panel").screenshot(path=str(ARTIFACTS / "web-export-done.png"))


def test_a_cancelled_export_says_so_and_downloads_nothing(page: Page) -> None:
    downloads: list[str] = []
    page.on("download", lambda d: downloads.append(d.suggested_filename))
    page.click("#link-export-pdf")
    deadline = time.monotonic() + 120
    while _bar(page)[1] == 0:  # (no wait_for_function: the page's policy forbids eval)
        assert time.monotonic() < deadline, _bar(page)
        time.sleep(0.05)
    page.click("#export-job-cancel")
    page.wait_for_selector('#export-job[data-state="cancelled"]', timeout=30_000)
    assert page.inner_text("#export-job-label") == "导出已取消"
    assert page.is_disabled("#export-job-cancel")
    time.sleep(1.0)
    assert downloads == []
