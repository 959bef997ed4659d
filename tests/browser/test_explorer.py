"""The offline explorer in a real browser: GraphiQL from vendored files, saved queries as tabs.

Debian's chromium through Playwright, every request to another host aborted (and recorded),
the real application served by uvicorn on 127.0.0.1. The page must load and run a saved
query with nothing from the network and no Content-Security-Policy violation.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from orggraph.api.saved import load_saved_queries
from orggraph.store.base import GraphStore
from tests.api.graphs import small_city
from tests.browser.conftest import ARTIFACTS, Guard, open_page, serve, sign_in

pytestmark = pytest.mark.browser


def _operation(text: str) -> str:
    match = re.search(r"^(?:query|mutation)\s+(\w+)", text, re.M)
    assert match is not None
    return match.group(1)


def _run_and_wait(page: Page, expected: str) -> None:
    # GraphiQL derives the operation name from the editor asynchronously after a tab
    # switch; on a loaded machine a click can still send the previous tab's name and get
    # "Unknown operation named …". A person clicks into the query and runs it again; so
    # does the test, a few times.
    response = page.locator(".graphiql-response")
    for _ in range(5):
        page.locator(".graphiql-execute-button").click()
        try:
            expect(response).to_contain_text(expected, timeout=15_000)
            return
        except AssertionError:
            if "Unknown operation named" not in response.inner_text():
                raise
            # Moving the cursor in the editor makes GraphiQL read the operation again
            # (graphql/graphiql#3632).
            page.locator(".graphiql-query-editor").click()
            page.keyboard.press("End")
            page.wait_for_timeout(1_000)
    expect(response).to_contain_text(expected)


def test_the_explorer_runs_saved_queries_offline(browser: Browser, store: GraphStore) -> None:
    store.write(small_city())
    guard = Guard()
    with serve(store) as server:
        page = open_page(browser, guard)
        sign_in(page, server)
        page.goto(f"{server.url}/graphql")
        expect(page.locator(".graphiql-container")).to_be_visible(timeout=30_000)

        # Every saved query is a ready-made tab, named by its operation.
        tabs = page.locator(".graphiql-tab")
        expect(tabs.first).to_be_visible()
        saved = load_saved_queries()
        assert sorted(tabs.all_inner_texts()) == sorted(_operation(q.query) for q in saved)

        # The saved-queries pane loads a query by its Chinese title into the current tab.
        # (Loading into the current tab rather than switching tabs: after a tab switch
        # GraphiQL may keep sending the previous tab's operation name, graphql/graphiql#3632.)
        page.get_by_role("button", name="Show 保存的查询 Saved queries").click()
        # The search query carries its example variables ({"text": "城东"}): one answer.
        page.locator(".orggraph-saved-item[data-name=search]").click()
        expect(page.locator(".graphiql-query-editor")).to_contain_text("Search")
        _run_and_wait(page, "城东区委")
        page.locator(".orggraph-saved-item[data-name=coverage_gaps]").click()
        expect(page.locator(".graphiql-query-editor")).to_contain_text("CoverageGaps")
        # Its example narrows to 城东区委 (630102); gaps come by kind, and the first kind is
        # a unit with no organization: u1 某科技公司 has only an instructor.
        _run_and_wait(page, "某科技公司")

        # The explorer plugin lists the root fields to click a query together.
        page.get_by_role("button", name="Show GraphiQL Explorer").click()
        expect(page.locator(".graphiql-plugin")).to_contain_text(
            "responsibilityChain", timeout=15_000
        )

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explorer.png"))
        page.context.close()
    assert guard.blocked == []
    # No CSP violation, failed load or script error on the way.
    assert [m for m in guard.console if m.startswith(("error", "pageerror"))] == []
