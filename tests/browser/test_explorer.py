"""The offline explorer in a real browser: GraphiQL from vendored files, saved queries as
tabs titled in Chinese and filled in for the actor, a start tab that runs as it opens,
links that open it filled in, a table view with CSV and XLSX downloads.

Debian's chromium through Playwright, every request to another host aborted (and recorded),
the real application served by uvicorn on 127.0.0.1, signed in as its administrator
(scope: everything, so the start tab asks about the city committee 630100). The page must
load and run with nothing from the network and no Content-Security-Policy violation.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import openpyxl
import pytest
from playwright.sync_api import Browser, Locator, Page, Request, expect

from orggraph.api.saved import load_saved_queries
from orggraph.store.base import GraphStore
from tests.api.graphs import small_city
from tests.api.live import LiveServer
from tests.browser.conftest import ARTIFACTS, Guard, open_page, serve, sign_in

pytestmark = pytest.mark.browser

#: The latest date anything in the small city began or ended (m2 deputy secretary of b1).
DATA_DATE = "2015-01-01"


def _open_explorer(
    browser: Browser, guard: Guard, server: LiveServer, path: str = "/graphql"
) -> Page:
    """A signed-in page on the explorer, once GraphiQL has drawn itself."""
    page = open_page(browser, guard)
    sign_in(page, server)
    page.goto(f"{server.url}{path}")
    expect(page.locator(".graphiql-container")).to_be_visible(timeout=30_000)
    return page


def _run_and_wait(page: Page, expected: str) -> None:
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".graphiql-response")).to_contain_text(expected, timeout=15_000)


def _tab(page: Page, title: str) -> Locator:
    """The button of the explorer tab titled ``title``."""
    return page.locator(".graphiql-tab-button", has_text=re.compile(f"^{title}$"))


def _is_run(request: Request) -> bool:
    """A query the explorer sent for the user (not its schema introspection, nor the
    browser view's own queries on the page signing in lands on)."""
    body = request.post_data or ""
    return (
        request.method == "POST"
        and urlsplit(request.url).path == "/graphql"
        and urlsplit(request.frame.url).path in ("/explorer", "/graphql")
        and "IntrospectionQuery" not in body
    )


def _first_run(page: Page, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open the explorer at ``url``; the request and answer of the run it makes at once."""
    with page.expect_response(lambda r: _is_run(r.request), timeout=30_000) as first:
        page.goto(url)
    sent = first.value.request.post_data_json
    assert isinstance(sent, dict)
    answer = first.value.json()
    assert isinstance(answer, dict)
    return sent, answer


def _clean(guard: Guard) -> None:
    assert guard.blocked == []
    # No CSP violation, failed load or script error on the way.
    assert [m for m in guard.console if m.startswith(("error", "pageerror"))] == []


def test_the_start_tab_runs_as_it_opens_and_every_tab_is_titled_in_chinese(
    browser: Browser, store: GraphStore
) -> None:
    store.write(small_city())
    guard = Guard()
    with serve(store) as server:
        page = open_page(browser, guard)
        sign_in(page, server)
        sent, answer = _first_run(page, f"{server.url}/explorer")
        # The start tab asked, unedited, for the gaps in the admin's scope at the data's
        # date, and the answer is on screen: u1 某科技公司 has only an instructor.
        assert sent["operationName"] == "CoverageGaps"
        assert sent["variables"] == {"scope": ["630100"], "asOf": DATA_DATE}
        assert "errors" not in answer
        expect(page.locator(".graphiql-response")).to_contain_text("某科技公司")
        expect(page.locator(".graphiql-tab-active .graphiql-tab-button")).to_have_text("覆盖缺口")
        expect(page.locator(".graphiql-editor-tool")).to_contain_text('"asOf": "2015-01-01"')

        # Every saved query is a ready-made tab, titled in Chinese, the start tab first.
        saved = load_saved_queries()
        titles = page.locator(".graphiql-tab-button").all_inner_texts()
        assert titles[0] == "覆盖缺口"
        assert sorted(titles) == sorted(q.short_title_zh for q in saved)

        # The saved-queries pane loads a query by its Chinese title into the current tab,
        # with the variables made for this actor: the search is for their root's name.
        page.get_by_role("button", name="Show 保存的查询 Saved queries").click()
        page.locator(".orggraph-saved-item[data-name=search]").click()
        expect(page.locator(".graphiql-query-editor")).to_contain_text("Search")
        _run_and_wait(page, '"id": "630100"')

        # The explorer plugin lists the root fields to click a query together.
        page.get_by_role("button", name="Show GraphiQL Explorer").click()
        expect(page.locator(".graphiql-plugin")).to_contain_text(
            "responsibilityChain", timeout=15_000
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explorer.png"))
        page.context.close()
    _clean(guard)


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
        response = page.locator(".graphiql-response")
        expect(response).to_contain_text('"coverageGaps"', timeout=30_000)  # the start tab
        # Start on a third tab, so that the first run below already follows a switch.
        _tab(page, "变化").click()
        expect(page.locator(".graphiql-query-editor")).to_contain_text("query Changes")
        # Expected answers, by hand from tests/api/graphs.py's small city: the search tab
        # asks for the admin's root by name, 西宁市委, in one name only (630100); in the
        # city the unit u1 某科技公司 has an instructor but no party organization (a
        # UNIT_WITHOUT_ORGANIZATION gap).
        for operation, title in (
            ("Search", "搜索"),
            ("CoverageGaps", "覆盖缺口"),
            ("Search", "搜索"),
            ("CoverageGaps", "覆盖缺口"),
        ):
            with page.expect_response(lambda r: _is_run(r.request)) as answer:
                _tab(page, title).evaluate(
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
                assert found == [("630100", "西宁市委")]
                expect(response).to_contain_text('"search"')
            else:
                gaps = {(g["kind"], g["subject"], g["name"]) for g in body["data"]["coverageGaps"]}
                assert ("UNIT_WITHOUT_ORGANIZATION", "u1", "某科技公司") in gaps
                expect(response).to_contain_text('"coverageGaps"')
            expect(response).not_to_contain_text("Unknown operation")
            expect(page.locator(".graphiql-tab-active .graphiql-tab-button")).to_have_text(title)
        page.context.close()
    _clean(guard)


CHAIN = """query ResponsibilityChain($id: ID!, $asOf: Date) {
  responsibilityChain(id: $id, asOf: $asOf) { name paths { levels { organization name } } }
}"""


def test_a_link_opens_the_explorer_filled_in_and_runs_it(
    browser: Browser, store: GraphStore
) -> None:
    store.write(small_city())
    guard = Guard()
    link = "/explorer?" + urlencode(
        {"query": CHAIN, "variables": json.dumps({"id": "b1", "asOf": "2019-06-30"})}
    )
    with serve(store) as server:
        page = open_page(browser, guard)
        sign_in(page, server)
        sent, _ = _first_run(page, f"{server.url}{link}")
        assert sent["variables"] == {"id": "b1", "asOf": "2019-06-30"}
        # Its own tab, first and active, titled as the saved query of that operation, in
        # that saved tab's place (one 责任链 tab); the start tab follows it.
        expect(page.locator(".graphiql-tab-active .graphiql-tab-button")).to_have_text("责任链")
        titles = page.locator(".graphiql-tab-button").all_inner_texts()
        assert titles[:2] == ["责任链", "覆盖缺口"] and titles.count("责任链") == 1
        expect(page.locator(".graphiql-query-editor")).to_contain_text("responsibilityChain")
        expect(page.locator(".graphiql-editor-tool")).to_contain_text('"id": "b1"')
        # b1's chain, by hand: b1 → 630102001 → 630102 → 630100.
        expect(page.locator(".graphiql-response")).to_contain_text("东关街道党工委")
        # A browser following the same link to /graphql gets the same page, not JSON.
        page.goto(f"{server.url}/graphql?" + link.split("?", 1)[1])
        expect(page.locator(".graphiql-tab-active .graphiql-tab-button")).to_have_text(
            "责任链", timeout=30_000
        )
        page.context.close()
    _clean(guard)


def _table(page: Page) -> tuple[list[str], list[list[str]]]:
    """The table view's header and rows as shown."""
    table = page.locator(".orggraph-table")
    headers = table.locator("thead th").evaluate_all(
        "ths => ths.map(th => th.childNodes[0].textContent.trim())"
    )
    rows = table.locator("tbody tr").evaluate_all(
        "trs => trs.map(tr => [...tr.children].map(td => td.textContent))"
    )
    return headers, rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_the_table_view_downloads_what_is_on_screen(
    browser: Browser, store: GraphStore, tmp_path: Path
) -> None:
    store.write(small_city())
    guard = Guard()
    with serve(store) as server:
        page = _open_explorer(browser, guard, server, "/explorer")
        expect(page.locator(".graphiql-response")).to_contain_text('"coverageGaps"', timeout=30_000)
        page.get_by_role("tab", name="表格 Table").click()
        expect(page.locator(".orggraph-table")).to_be_visible()
        headers, rows = _table(page)
        # The columns the saved query labels in Chinese show their labels.
        assert headers[:3] == ["缺口类别", "对象编码", "对象"]
        assert rows[0][:3] == ["UNIT_WITHOUT_ORGANIZATION", "u1", "某科技公司"]
        # Filtered, the table and the count follow; the downloads hold the rows on screen.
        page.get_by_role("searchbox", name="筛选 Filter").fill("某科技公司")
        expect(page.locator(".orggraph-count")).to_contain_text(f"/ {len(rows)} 行")
        headers, shown = _table(page)
        assert shown and all("某科技公司" in "".join(r) for r in shown)

        with page.expect_download() as info:
            page.get_by_role("button", name="XLSX").click()
        assert info.value.suggested_filename == "覆盖缺口.xlsx"
        xlsx = tmp_path / "gaps.xlsx"
        info.value.save_as(xlsx)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style": openpyxl's own default
            sheet = openpyxl.load_workbook(xlsx).active
        assert sheet is not None
        cells = [[_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        assert cells == [headers, *shown]

        with page.expect_download() as info:
            page.get_by_role("button", name="CSV").click()
        assert info.value.suggested_filename == "覆盖缺口.csv"
        path = tmp_path / "gaps.csv"
        info.value.save_as(path)
        text = path.read_text("utf-8-sig")
        assert list(csv.reader(io.StringIO(text))) == [headers, *shown]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explorer-table.png"))
        page.context.close()
    _clean(guard)


def test_the_documents_pane_downloads_through_the_jobs_api(
    browser: Browser, store: GraphStore, tmp_path: Path
) -> None:
    # 文档: the scope's printed documents, each format a job (POST /jobs, polled, then its
    # result). The admin's scope is the city: root=630100, at the data's date.
    store.write(small_city())
    guard = Guard()
    with serve(store) as server:
        page = _open_explorer(browser, guard, server, "/explorer")
        jobs: list[dict[str, Any]] = []

        def record(request: Request) -> None:
            body = request.post_data_json
            if request.method == "POST" and urlsplit(request.url).path == "/jobs" and body:
                jobs.append(body)

        page.on("request", record)
        page.get_by_role("button", name="Show 文档 Documents").click()
        pane = page.locator(".orggraph-documents")
        expect(pane).to_contain_text("西宁市委 · 截至 2015-01-01")
        for kind, fmt, magic in (
            ("coverage", "xlsx", b"PK\x03\x04"),
            ("responsibility-list", "pdf", b"%PDF-"),
            ("ledger", "docx", b"PK\x03\x04"),
        ):
            with page.expect_download(timeout=60_000) as info:
                pane.locator(f'[data-kind="{kind}"] button[data-format="{fmt}"]').click()
            path = tmp_path / info.value.suggested_filename
            info.value.save_as(path)
            assert path.suffix == f".{fmt}"
            assert path.read_bytes()[:5].startswith(magic), (kind, fmt)
            expect(pane.locator(".orggraph-job-done")).to_contain_text("已下载")
            sent = jobs[-1]["export"]
            url = urlsplit(sent)
            assert url.path == f"/exports/{kind}"
            assert dict(parse_qsl(url.query)) == {
                "root": "630100",
                "year": "2015",
                "as_of": DATA_DATE,
                "lang": "zh",
                "format": fmt,
            }
        assert len(jobs) == 3
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explorer-documents.png"))
        page.context.close()
    _clean(guard)
