"""The offline explorer in a real browser: GraphiQL from vendored files, saved queries as tabs.

Debian's chromium through Playwright, every request to another host aborted (and recorded),
the real application served by uvicorn on 127.0.0.1. The page must load and run a saved
query with nothing from the network and no Content-Security-Policy violation.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, Request, expect

from orggraph.api.saved import load_saved_queries
from orggraph.store.base import GraphStore
from tests.api.graphs import small_city
from tests.api.live import LiveServer
from tests.browser.conftest import ARTIFACTS, Guard, open_page, serve, sign_in

pytestmark = pytest.mark.browser


def _operation(text: str) -> str:
    match = re.search(r"^(?:query|mutation)\s+(\w+)", text, re.M)
    assert match is not None
    return match.group(1)


def _open_explorer(browser: Browser, guard: Guard, server: LiveServer) -> Page:
    """A signed-in page on the explorer, once GraphiQL has drawn itself."""
    page = open_page(browser, guard)
    sign_in(page, server)
    page.goto(f"{server.url}/graphql")
    expect(page.locator(".graphiql-container")).to_be_visible(timeout=30_000)
    return page


def _run_and_wait(page: Page, expected: str) -> None:
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".graphiql-response")).to_contain_text(expected, timeout=15_000)


def test_the_explorer_runs_saved_queries_offline(browser: Browser, store: GraphStore) -> None:
    store.write(small_city())
    guard = Guard()
    with serve(store) as server:
        page = _open_explorer(browser, guard, server)

        # Every saved query is a ready-made tab, named by its operation.
        tabs = page.locator(".graphiql-tab")
        expect(tabs.first).to_be_visible()
        saved = load_saved_queries()
        assert sorted(tabs.all_inner_texts()) == sorted(_operation(q.query) for q in saved)

        # The saved-queries pane loads a query by its Chinese title into the current tab
        # (switching tabs and running each is the next test).
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


def _tab(page: Page, operation: str) -> Locator:
    """The button of the explorer tab titled ``operation``."""
    return page.locator(".graphiql-tab-button", has_text=re.compile(f"^{operation}$"))


def _is_run(request: Request) -> bool:
    """A query the explorer sent for the user (not its schema introspection)."""
    body = request.post_data or ""
    return (
        request.method == "POST"
        and urlsplit(request.url).path == "/graphql"
        and "IntrospectionQuery" not in body
    )


def test_switching_saved_query_tabs_runs_each_tabs_own_operation(
    browser: Browser, store: GraphStore
) -> None:
    # graphql/graphiql#3632: GraphiQL 5 re-reads the operation name from the query editor
    # 100 ms (debounced) after a tab switch has put the new tab's query there, so a run in
    # that window sent the previous tab's name and got "Unknown operation named …". On a
    # loaded machine the window is long; here it is made certain: each run is clicked in
    # the same task as its tab switch, before any timer can fire. Each answer must be the
    # tab's own, on the wire and in the response pane.
    store.write(small_city())
    guard = Guard()
    with serve(store) as server:
        page = _open_explorer(browser, guard, server)
        expect(page.locator(".graphiql-tab").first).to_be_visible()
        # Start on a third tab, so that the first run below already follows a switch.
        _tab(page, "Changes").click()
        expect(page.locator(".graphiql-query-editor")).to_contain_text("query Changes")
        response = page.locator(".graphiql-response")
        # Expected answers, by hand from tests/api/graphs.py's small city: "城东" is in one
        # name only, 630102 城东区委; under 630102 the unit u1 某科技公司 has an instructor
        # but no party organization (a UNIT_WITHOUT_ORGANIZATION gap).
        for operation in ("Search", "CoverageGaps", "Search", "CoverageGaps"):
            with page.expect_response(lambda r: _is_run(r.request)) as answer:
                _tab(page, operation).evaluate(
                    "tab => { tab.click();"
                    " document.querySelector('.graphiql-execute-button').click(); }"
                )
            sent = answer.value.request.post_data_json
            body = answer.value.json()
            assert sent is not None
            assert sent["operationName"] == operation, body
            assert "errors" not in body, body
            if operation == "Search":
                found = [(n["id"], n["name"]) for n in body["data"]["search"]]
                assert found == [("630102", "城东区委")]
                expect(response).to_contain_text('"search"')
            else:
                gaps = {(g["kind"], g["subject"], g["name"]) for g in body["data"]["coverageGaps"]}
                assert ("UNIT_WITHOUT_ORGANIZATION", "u1", "某科技公司") in gaps
                expect(response).to_contain_text('"coverageGaps"')
            expect(response).not_to_contain_text("Unknown operation")
            expect(page.locator(".graphiql-tab-active .graphiql-tab-button")).to_have_text(
                operation
            )
        page.context.close()
    assert guard.blocked == []
    assert [m for m in guard.console if m.startswith(("error", "pageerror"))] == []
