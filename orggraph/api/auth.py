"""Signing in: who a request runs for, from a Bearer token or the session cookie.

Every path but the sign-in page, the static assets and the shallow health check needs a
signed-in actor. ``RequireSignIn`` resolves it before anything else runs and puts it in
``request.state.actor``:

- ``Authorization: Bearer ogt_…``: an API token (scripts, the explorer from another
  tool); exempt from the CSRF check (no ambient credential);
- the ``orggraph_session`` cookie (browsers): HttpOnly, SameSite=Lax, Secure over https,
  an opaque id whose digest is kept server-side with its expiry and its CSRF token; a
  request that may change something must pass ``security.csrf_ok``.

Without either, a browser asking for a page is sent to ``/signin``; anything else gets
``401`` with ``UNAUTHENTICATED`` and nothing else (no GraphQL runs, so no introspection,
no field suggestions). ``/signin`` takes an API token or a one-time link's secret (the
link ``orggraph serve`` prints for the first administrator, or ``orggraph user token
--link``), opens a session and records the sign-in in the audit trail.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from orggraph.api.context import Actor
from orggraph.api.security import CSRF_COOKIE, csrf_ok, own_origin
from orggraph.errors import StoreUnavailable
from orggraph.settings import Settings
from orggraph.store.accounts import AccountStore

__all__ = [
    "SESSION_COOKIE",
    "RequireSignIn",
    "TrustedActor",
    "actor_of",
    "signin_routes",
]

log = logging.getLogger("orggraph.api")

SESSION_COOKIE = "orggraph_session"
STATIC_DIR = Path(__file__).parent / "static"

#: Paths anyone may reach: the sign-in page, assets with no data, the liveness probe.
PUBLIC_PATHS = frozenset({"/signin", "/healthz"})
#: The audit trail's actor for a refused sign-in: who tried is what could not be told.
ANONYMOUS = "(anonymous)"
PUBLIC_PREFIXES = ("/static/", "/web/")

SIGNIN_CSP = "; ".join(
    (
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)


def actor_of(request: Request) -> Actor | None:
    """The actor ``RequireSignIn`` (or ``TrustedActor``) resolved for ``request``."""
    actor: Actor | None = getattr(request.state, "actor", None)
    return actor


def _actor(name: str, role: str, scope: Any) -> Actor:
    return Actor(name=name, role=role, scope=scope)


@dataclass(frozen=True, kw_only=True, slots=True)
class _Resolved:
    actor: Actor | None
    via: str | None  # "token", "cookie" or None
    csrf: str = ""
    bad_token: bool = False


def _bearer(headers: Any) -> str | None:
    value: str = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


class TrustedActor:
    """ASGI middleware for in-process use (tests, tools): every request runs for ``actor``.

    Only ``create_app(..., actor=…)`` in Python builds it; nothing an HTTP request sends
    can choose it, and ``orggraph serve`` never does.
    """

    def __init__(self, app: ASGIApp, actor: Actor) -> None:
        self.app = app
        self.actor = actor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["actor"] = self.actor
        await self.app(scope, receive, send)


class RequireSignIn:
    """ASGI middleware: resolve the actor; refuse what needs one and has none."""

    def __init__(self, app: ASGIApp, accounts: AccountStore) -> None:
        self.app = app
        self.accounts = accounts

    def resolve(self, request: Request) -> _Resolved:
        """Who ``request`` runs for (``look``), a refused token recorded in the audit
        trail; on a worker thread (it may wait for the store)."""
        resolved = self.look(request)
        if resolved.bad_token:
            reason = {"via": "token", "path": request.url.path}
            self.accounts.record(ANONYMOUS, "sign-in-refused", reason)
        return resolved

    def look(self, request: Request) -> _Resolved:
        """Who ``request`` runs for, from its token or session: reads only."""
        token = _bearer(request.headers)
        if token is not None:
            account = self.accounts.by_token(token)
            if account is None:
                return _Resolved(actor=None, via=None, bad_token=True)
            return _Resolved(actor=_actor(account.name, account.role, account.scope), via="token")
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            session = self.accounts.session(session_id)
            if session is not None:
                account = session.account
                return _Resolved(
                    actor=_actor(account.name, account.role, account.scope),
                    via="cookie",
                    csrf=session.csrf,
                )
        return _Resolved(actor=None, via=None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith(PUBLIC_PREFIXES):  # assets hold no data: no store lookup for them
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        public = path in PUBLIC_PATHS
        try:
            # The accounts are in the store: looked up at once when that cannot wait (the
            # embedded store's file lock free, some tens of microseconds), else (a Neo4j
            # round trip, a write holding the file's lock to its commit) and for a refused
            # token, which is recorded, on a worker thread. A GraphQL request then makes
            # one thread hop, for its query, not two: a chain's p50 on one connection
            # 2.35 ms against 2.64 ms.
            resolved = self.accounts.store.at_once(lambda: self.look(request))
            if resolved is None or resolved.bad_token:
                resolved = await run_in_threadpool(self.resolve, request)
        except StoreUnavailable as exc:
            body = {"errors": [{"message": str(exc), "extensions": {"code": exc.code}}]}
            unavailable = JSONResponse(body, status_code=503, headers={"retry-after": "5"})
            await unavailable(scope, receive, send)
            return
        if resolved.actor is None and not public:
            await _refuse(request, resolved.bad_token)(scope, receive, send)
            return
        checked = resolved.via == "cookie" and not public
        if checked and not csrf_ok(
            request.method, request.headers, request.url.scheme, resolved.csrf
        ):
            await _csrf_refused()(scope, receive, send)
            return
        scope.setdefault("state", {})["actor"] = resolved.actor
        scope["state"]["auth_via"] = resolved.via
        await self.app(scope, receive, send)


def _refuse(request: Request, bad_token: bool) -> Response:
    """No signed-in actor: a browser's page request goes to /signin, the rest is 401."""
    accept = request.headers.get("accept", "")
    if request.method in ("GET", "HEAD") and "text/html" in accept and not bad_token:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
    message = (
        "令牌无效或已停用 The API token is unknown or its account is disabled"
        if bad_token
        else "请先登录 Sign in first: an API token (Authorization: Bearer …) or a session"
    )
    body = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    return JSONResponse(
        body, status_code=401, headers={"www-authenticate": 'Bearer realm="orggraph"'}
    )


def _csrf_refused() -> Response:
    message = (
        "跨站请求被拒绝 Cross-site request refused: send the X-CSRF-Token header "
        "(the orggraph_csrf cookie's value) from this site's own pages"
    )
    body = {"errors": [{"message": message, "extensions": {"code": "CSRF_FAILED"}}]}
    return JSONResponse(body, status_code=403)


# -- the sign-in page -------------------------------------------------------------------
_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 Sign in · orggraph 组织体系图谱</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/signin.css">
</head>
<body>
<main class="signin">
<h1>组织体系图谱 <span>orggraph</span></h1>
<p class="lead">请登录。Sign in.</p>
{message}
<form method="post" action="/signin">
<label for="token">访问令牌或登录链接 <span>API token or sign-in link secret</span></label>
<input id="token" name="token" type="password" autocomplete="off" required
 spellcheck="false" autofocus>
<input type="hidden" name="next" value="{next}">
<button type="submit">登录 Sign in</button>
</form>
<p class="hint">管理员用 <code>orggraph user token 名称</code> 发放令牌。
An administrator issues tokens with <code>orggraph user token NAME</code>.</p>
</main>
</body>
</html>
"""


def _safe_next(raw: str | None) -> str:
    """Only a path on this server (no scheme, no host, no ``//``): no open redirect."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    return raw


def _page(message: str = "", next_path: str = "/", status: int = 200) -> HTMLResponse:
    shown = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    body = _PAGE.format(message=shown, next=html.escape(_safe_next(next_path), quote=True))
    response = HTMLResponse(body, status_code=status)
    response.headers["content-security-policy"] = SIGNIN_CSP
    return response


def signin_routes(accounts: AccountStore, settings: Settings) -> list[Route]:
    """``/signin`` (the page, a one-time link, the form) and ``/signout``."""
    ttl = timedelta(hours=settings.session_hours)

    def signed_in(request: Request, name: str, how: str, next_path: str) -> Response:
        session_id, csrf = accounts.open_session(name, ttl)
        accounts.record(name, "sign-in", {"via": how})
        response = RedirectResponse(_safe_next(next_path), status_code=303)
        secure = request.url.scheme == "https"
        age = int(ttl.total_seconds())
        response.set_cookie(
            SESSION_COOKIE,
            session_id,
            max_age=age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure,
        )
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            max_age=age,
            path="/",
            httponly=False,
            samesite="strict",
            secure=secure,
        )
        return response

    def refused(how: str, message: str, next_path: str = "/") -> Response:
        # Who tried is unknown (that is why it failed); the secret is never recorded.
        accounts.record(ANONYMOUS, "sign-in-refused", {"via": how, "reason": message})
        return _page(message, next_path, status=401)

    def by_link(request: Request, secret: str, next_path: str) -> Response:
        account = accounts.redeem_link(secret)
        if account is None:
            return refused(
                "link", "登录链接无效、已用过或已过期 The link is unknown, used or expired"
            )
        return signed_in(request, account.name, "link", next_path)

    def by_form(request: Request, secret: str, next_path: str) -> Response:
        account = accounts.by_token(secret)
        if account is not None:
            return signed_in(request, account.name, "token", next_path)
        account = accounts.redeem_link(secret)
        if account is not None:
            return signed_in(request, account.name, "link", next_path)
        return refused("form", "令牌无效 The token is unknown or disabled", next_path)

    async def signin(request: Request) -> Response:
        # The account look-ups and the audit are the store's: on worker threads.
        if request.method == "GET":
            secret = request.query_params.get("token")
            next_path = request.query_params.get("next", "/")
            if not secret:
                return _page(next_path=next_path)
            return await run_in_threadpool(by_link, request, secret, next_path)
        # A form post: refuse one sent from another site (login CSRF). The browser's
        # Sec-Fetch-Site says where it came from; without it, Origin must be ours (a form
        # on a no-referrer page sends "Origin: null", hence Sec-Fetch-Site first).
        origin = request.headers.get("origin")
        site = request.headers.get("sec-fetch-site")
        if site is not None:
            foreign = site not in ("same-origin", "none")
        else:
            foreign = origin is not None and origin.lower() != own_origin(
                request.headers, request.url.scheme
            )
        if foreign:
            return _page("跨站登录被拒绝 Cross-site sign-in refused", status=403)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        secret = (form.get("token") or [""])[0].strip()
        next_path = (form.get("next") or ["/"])[0]
        if not secret:
            return _page("令牌无效 The token is unknown or disabled", next_path, status=401)
        return await run_in_threadpool(by_form, request, secret, next_path)

    def close(session_id: str | None, actor: Actor | None) -> None:
        if session_id:
            accounts.close_session(session_id)
        if actor is not None:
            accounts.record(actor.name, "sign-out", {})

    async def signout(request: Request) -> Response:
        await run_in_threadpool(close, request.cookies.get(SESSION_COOKIE), actor_of(request))
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response

    return [
        Route("/signin", signin, methods=["GET", "POST"], name="signin"),
        Route("/signout", signout, methods=["POST"], name="signout"),
    ]
