"""The yearly cycle's page in a real browser: a secretary signs in, sees their list and
enters a commitment; an editor of the superior committee records an observation; the
dashboard's counts change.

The graph is ``tests/analysis/test_cycle.py``'s, 2019 opened on 2019-01-10 with no duty by
hand: T1's list holds two duties (contact OK; W's remediation). ``t`` (an analyst linked
to T) is T1's secretary; ``d-ed`` is an editor of 630102, T1's superior.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from orggraph.analysis.cycle import CycleActor
from orggraph.analysis.cycle_open import open_year
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.analysis.test_cycle import build
from tests.api.live import LiveServer
from tests.browser.conftest import ARTIFACTS, Guard, open_page, serve, sign_in


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GraphStore]:
    s = EmbeddedStore(tmp_path / "cycle.db")
    build(s)
    open_year(s, 2019, "630102", date(2019, 1, 10), actor=CycleActor(name="组织部"))
    accounts = account_store(s)
    accounts.add("t", "analyst", roots=frozenset({"T1"}))
    accounts.link_member("t", "T")
    accounts.add("d-ed", "editor", roots=frozenset({"630102"}))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def server(store: GraphStore) -> Iterator[LiveServer]:
    with serve(store) as live:
        yield live


def cycle_page(browser: Browser, guard: Guard, server: LiveServer, token: str, on: str) -> Page:
    page = open_page(browser, guard)
    sign_in(page, server, token)
    page.goto(f"{server.url}/cycle?year=2019&asOf={on}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    return page


def cells(page: Page, selector: str) -> list[str]:
    return [c.strip() for c in page.locator(selector).all_inner_texts()]


def test_commit_then_observe_through_the_page(
    browser: Browser, server: LiveServer, store: GraphStore
) -> None:
    guard = Guard()
    accounts = account_store(store)
    # The secretary: their own list, two duties waiting for a commitment.
    mine = cycle_page(browser, guard, server, accounts.issue_token("t"), "2019-02-15")
    rows = mine.locator('[data-list="dl-2019-T1"] tbody tr')
    assert rows.count() == 2
    assert cells(mine, '[data-list="dl-2019-T1"] td[data-state]') == ["待承诺 listed"] * 2
    row = mine.locator('[data-duty="du-2019-T1-001"]')
    row.locator("input[name=commitment]").fill("每季度到OK党支部指导一次")
    row.locator("input[name=target]").fill("全年4次")
    row.locator("input[name=due]").fill("2019-12-15")
    row.locator("button[type=submit]").click()
    mine.wait_for_selector("#status:has-text('已承诺 Committed')")
    mine.wait_for_selector("body[data-ready=true]")
    state = mine.locator('[data-duty="du-2019-T1-001"] td[data-state]').inner_text()
    assert state == "已承诺 committed"
    mine.screenshot(path=str(ARTIFACTS / "cycle-secretary.png"), full_page=True)
    mine.context.close()

    # The district's editor: the dashboard, then T1's list, then the observation.
    editor = cycle_page(browser, guard, server, accounts.issue_token("d-ed"), "2019-06-20")
    district = editor.locator('tr[data-area="630102"] td')
    # Area, lists, duties, committed, observed, done…: 4 lists, 6 duties, 1 committed.
    assert district.all_inner_texts()[1:6] == ["4", "6", "1", "0", "0"]
    editor.locator('tr[data-area="630102"]').click()
    editor.wait_for_selector("#review:not([hidden])")
    editor.select_option("#review-list", "dl-2019-T1")
    duty = editor.locator('#review-duties [data-duty="du-2019-T1-001"]')
    duty.locator("input[name=progress]").fill("60")
    duty.locator("input[name=evidence]").fill("已指导2次，台账齐全")
    duty.locator("button[type=submit]").click()
    editor.wait_for_selector("#status:has-text('已记录观摩')")
    editor.wait_for_selector("body[data-ready=true]")
    after = editor.locator('tr[data-area="630102"] td').all_inner_texts()[1:6]
    assert after == ["4", "6", "1", "1", "0"]
    editor.screenshot(path=str(ARTIFACTS / "cycle-editor.png"), full_page=True)
    editor.context.close()
    assert guard.blocked == []
    assert [c for c in guard.console if c.startswith("pageerror")] == []
