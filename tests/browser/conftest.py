"""A live orggraph server on 127.0.0.1 and Debian's chromium, for the browser tests.

The server is the real application (``orggraph.api.create_app``) run by uvicorn in a thread,
on a socket bound to a free port; pages sign in through its sign-in form (``sign_in``).
The browser runs with every non-local request aborted;
the requests that were attempted are kept so that a test can assert there were none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from orggraph.api import create_app
from orggraph.settings import Settings
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from tests.api.live import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BROWSER_ACCOUNT = "browser"


def serve(store: GraphStore) -> LiveServer:
    """A live server of the orggraph application over ``store``, sign-in and all.

    An administrator account ``browser`` is made in the store; ``sign_in`` uses its token.
    """
    accounts = account_store(store)
    if accounts.get(BROWSER_ACCOUNT) is None:
        accounts.add(BROWSER_ACCOUNT, "admin")
    server = LiveServer(create_app(store, Settings()))
    server.token = accounts.issue_token(BROWSER_ACCOUNT)
    return server


def sign_in(page: Page, server: LiveServer, token: str | None = None) -> None:
    """Sign the page's browser in through the real sign-in form (a session cookie), with
    ``token`` (default: the server's administrator's)."""
    page.goto(f"{server.url}/signin")
    page.fill("#token", token or server.token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


@dataclass
class Guard:
    """Requests the page attempted to a host that is not this machine (all aborted)."""

    blocked: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        scheme = urlsplit(route.request.url).scheme
        if scheme in ("http", "https", "ws", "wss") and host not in LOCAL_HOSTS:
            self.blocked.append(route.request.url)
            route.abort()
        else:
            route.continue_()


# One browser per test module, not per session: Playwright's sync API keeps an event loop
# running in the main thread while it is open, which would break later tests that call
# asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():  # scripts/test installs it; say so plainly otherwise
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_page(browser: Browser, guard: Guard, *, width: int = 1400, height: int = 860) -> Page:
    """A page in a fresh context with every non-local request aborted and recorded."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True, locale="zh-CN"
    )
    context.route("**/*", guard.route)
    page = context.new_page()
    page.on("console", lambda m: guard.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: guard.console.append(f"pageerror: {e}"))
    return page
