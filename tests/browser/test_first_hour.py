"""The first hour of a district analyst (issue #21), in chromium, on the Xining demo.

The analyst of 城东区 (scope 630102) signs in with a one-time link, lands on 城东区's tree,
finds 夏都花园社区, opens its responsibility chain, opens that chain in the explorer
(query and variables filled in), runs the start tab (覆盖缺口 in their scope) without
editing anything, switches to the table view and downloads it as XLSX, then prints the
district's responsibility list from the 文档 pane (a job with a progress bar). Nothing may fail
in the console and nothing may leave the machine. Each step's screenshot is kept in
test-artifacts/first-hour-*.png (docs/img/ shows two of them in the README).

Expected values are the demo's own facts, not the pages' output: its data reaches
2019-06-30 (``orggraph demo``: "valid at 2019-06-30"); 城东区's organizations and the
branch's chain are read from the store directly; the gaps from GraphQL's own answer.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, Request, expect

from orggraph.api import create_app
from orggraph.model import NodeKind
from orggraph.settings import Settings
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.api.live import LiveServer
from tests.browser.conftest import ARTIFACTS, Guard, open_page

pytestmark = pytest.mark.browser

DISTRICT = "630102"
DATA_DATE = date(2019, 6, 30)
ANALYST = "chengdong-analyst"


@pytest.fixture(scope="module")
def demo_copy(
    demo_store: GraphStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GraphStore]:
    """A copy of the session's demo (which is read only) with the analyst's account."""
    path = tmp_path_factory.mktemp("first-hour") / "demo.db"
    demo_store.backup_to(path)
    store = EmbeddedStore(path)
    account_store(store).add(ANALYST, "analyst", roots=frozenset({DISTRICT}))
    try:
        yield store
    finally:
        store.close()


def _shot(page: Page, step: int, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"first-hour-{step}-{name}.png"))


def _is_explorer_run(request: Request) -> bool:
    body = request.post_data or ""
    return (
        request.method == "POST"
        and urlsplit(request.url).path == "/graphql"
        and urlsplit(request.frame.url).path in ("/explorer", "/graphql")
        and "IntrospectionQuery" not in body
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_the_first_hour_of_the_chengdong_analyst(
    browser: Browser, demo_copy: GraphStore, tmp_path: Path
) -> None:
    store = demo_copy
    # What the steps must show, from the store itself.
    district_orgs = store.subtree(DISTRICT, DATA_DATE)
    (branch,) = [
        n
        for n in store.search("夏都花园社区", DATA_DATE, kinds=[NodeKind.ORGANIZATION])
        if n.name == "夏都花园社区党支部"
    ]
    chain = [branch.id, *store.ancestors(branch.id, DATA_DATE)]
    assert chain[-1] == "630100" and DISTRICT in chain

    secret = account_store(store).issue_link(ANALYST, timedelta(minutes=15))
    guard = Guard()
    with LiveServer(create_app(store, Settings())) as server:
        page = open_page(browser, guard, width=1440, height=900)

        # 1. A one-time link signs in, and home is the district's tree.
        page.goto(f"{server.url}/signin?token={secret}")
        page.wait_for_url(f"{server.url}/")
        expect(page.locator("#scope-name")).to_contain_text("城东区委", timeout=30_000)
        expect(page.locator("#status")).to_contain_text(f"{len(district_orgs)}", timeout=30_000)
        assert len(district_orgs) == 554  # the issue's count, checked against the store
        _shot(page, 1, "home")

        # 2. Search, and the branch's chain.
        page.fill("#search-text", "夏都花园社区")
        item = page.locator(f'#search-results li[data-id="{branch.id}"]')
        item.wait_for()
        item.click()
        page.wait_for_selector(f'body[data-selected="{branch.id}"][data-chain]')
        shown = page.locator("#chain > li")
        expect(shown).to_have_count(len(chain))
        assert [shown.nth(i).get_attribute("data-org") for i in range(len(chain))] == chain
        _shot(page, 2, "chain")

        # 3. Open the chain in the explorer: the same query and variables, filled in.
        href = page.locator("#link-explorer").get_attribute("href") or ""
        link = urlsplit(href)
        assert link.path == "/explorer"
        variables = json.loads(parse_qs(link.query)["variables"][0])
        assert variables["id"] == branch.id
        with page.context.expect_page() as opened:
            page.click("#link-explorer")
        explorer = opened.value
        explorer.on("console", lambda m: guard.console.append(f"{m.type}: {m.text}"))
        explorer.on("pageerror", lambda e: guard.console.append(f"pageerror: {e}"))
        explorer.set_viewport_size({"width": 1440, "height": 900})
        active = explorer.locator(".graphiql-tab-active .graphiql-tab-button")
        expect(active).to_have_text("责任链", timeout=30_000)
        expect(explorer.locator(".graphiql-query-editor")).to_contain_text("responsibilityChain")
        expect(explorer.locator(".graphiql-editor-tool")).to_contain_text(branch.id)
        expect(explorer.locator(".graphiql-response")).to_contain_text(branch.name, timeout=30_000)
        _shot(explorer, 3, "explorer-chain")

        # 4. The start tab, run as it is: the gaps in 城东区 at the data's date.
        explorer.locator(".graphiql-tab-button", has_text="覆盖缺口").click()
        expect(active).to_have_text("覆盖缺口")
        with explorer.expect_response(lambda r: _is_explorer_run(r.request)) as ran:
            explorer.locator(".graphiql-execute-button").click()
        sent = ran.value.request.post_data_json
        assert isinstance(sent, dict)
        assert sent["operationName"] == "CoverageGaps"
        assert sent["variables"] == {"scope": [DISTRICT], "asOf": DATA_DATE.isoformat()}
        answer = ran.value.json()
        assert "errors" not in answer, answer["errors"]
        gaps = answer["data"]["coverageGaps"]
        assert gaps and all(DISTRICT in [o["organization"] for o in g["owners"]] for g in gaps)
        expect(explorer.locator(".graphiql-response")).to_contain_text('"coverageGaps"')
        _shot(explorer, 4, "start-tab")

        # 5. The table view, and its XLSX: every gap a row, as on screen.
        explorer.get_by_role("tab", name="表格 Table").click()
        table = explorer.locator(".orggraph-table")
        expect(table.locator("tbody tr")).to_have_count(len(gaps))
        expect(explorer.locator(".orggraph-count")).to_have_text(f"{len(gaps)} 行 rows")
        headers = table.locator("thead th").evaluate_all(
            "ths => ths.map(th => th.childNodes[0].textContent.trim())"
        )
        rows = table.locator("tbody tr").evaluate_all(
            "trs => trs.map(tr => [...tr.children].map(td => td.textContent))"
        )
        assert headers[:3] == ["缺口类别", "对象编码", "对象"]
        assert [r[1] for r in rows] == [g["subject"] for g in gaps]
        _shot(explorer, 5, "table")
        with explorer.expect_download() as info:
            explorer.get_by_role("button", name="XLSX").click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        assert saved.name == "覆盖缺口.xlsx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style": openpyxl's own default
            sheet = openpyxl.load_workbook(saved).active
        assert sheet is not None
        cells = [[_cell(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        assert cells == [headers, *rows]

        # 6. The district's responsibility list to print (文档), made as a job: a progress
        # bar while it is made, then the PDF.
        explorer.get_by_role("button", name="Show 文档 Documents").click()
        pane = explorer.locator(".orggraph-documents")
        expect(pane).to_contain_text("城东区委 · 截至 2019-06-30")
        with explorer.expect_download(timeout=120_000) as info:
            pane.locator('[data-kind="responsibility-list"] button[data-format="pdf"]').click()
            expect(pane.locator(".orggraph-job-bar")).to_be_visible()
            _shot(explorer, 6, "documents")
        pdf = tmp_path / info.value.suggested_filename
        info.value.save_as(pdf)
        assert pdf.suffix == ".pdf" and pdf.read_bytes()[:5] == b"%PDF-"
        expect(pane.locator(".orggraph-job-done")).to_contain_text("已下载")
        explorer.close()
        page.context.close()
    assert guard.blocked == []
    assert [m for m in guard.console if m.startswith(("error", "pageerror"))] == []
