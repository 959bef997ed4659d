"""HTTP hardening: security headers on every answer, the CSRF check, CORS closed by default.

- ``SecurityHeaders``: ``nosniff``, ``no-referrer``, no framing (``frame-ancestors 'none'``
  and ``X-Frame-Options``), a restrictive default Content-Security-Policy for answers that
  set none (our pages set their own, without inline script), cross-origin isolation of
  our resources, ``no-store`` for answers that carry data, HSTS over https.
- ``csrf_ok``: a request authenticated by the session cookie that may change something
  (any method but GET/HEAD/OPTIONS) must prove it comes from our own pages: the
  ``X-CSRF-Token`` header equal to the session's token (double submit: the token is also
  in the readable ``orggraph_csrf`` cookie), or the browser's own ``Origin`` equal to
  ours, or ``Sec-Fetch-Site: same-origin``. Requests with a Bearer token carry no ambient
  credential and are exempt.
- ``cors_middleware``: no cross-origin access unless ``cors_origins`` lists origins; those
  may call with a Bearer token (never with the cookie: credentials are not allowed).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orggraph.settings import Settings

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "DEFAULT_CSP",
    "SecurityHeaders",
    "cors_middleware",
    "csrf_ok",
    "own_origin",
]

CSRF_COOKIE = "orggraph_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: The policy of answers that set none (JSON, files): nothing may load, nothing may frame.
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

_ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)
#: Paths whose answers are the same for everyone and may be cached (our static assets).
_CACHEABLE = ("/static/", "/web/")


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP answer (a route's own CSP kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in _ALWAYS:
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", DEFAULT_CSP.encode()))
                if b"cache-control" not in present and not path.startswith(_CACHEABLE):
                    headers.append((b"cache-control", b"no-store"))
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def own_origin(headers: Headers, scheme: str) -> str:
    """This server's origin as the browser sees it (scheme and ``Host``)."""
    return f"{scheme}://{headers.get('host', '')}".lower()


def csrf_ok(method: str, headers: Headers, scheme: str, session_csrf: str) -> bool:
    """Whether a cookie-authenticated request may proceed (see the module docstring)."""
    if method in SAFE_METHODS:
        return True
    sent = headers.get(CSRF_HEADER)
    if sent and hmac.compare_digest(sent.encode(), session_csrf.encode()):
        return True
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = headers.get("origin")
    return origin is not None and origin.lower() == own_origin(headers, scheme)


def cors_middleware(settings: Settings) -> Iterable[Middleware]:
    """CORS for the origins in ``cors_origins`` (none by default: no middleware at all)."""
    origins = [o.strip().rstrip("/") for o in settings.cors_origins.split(",") if o.strip()]
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "accept"],
            allow_credentials=False,
            max_age=600,
        )
    ]
