"""The browser view's routes: the page at ``/`` and its static files under ``/web/``.

The page is static: it asks ``/graphql`` for everything it draws, so this module holds no
business rule and no store. Every asset is served from the package (``static/``), the
third-party ones from ``static/vendor/`` (see ``VENDORED.md`` there): nothing is loaded
from the internet. The page keeps all script and style in files, so it runs under the
Content-Security-Policy sent with it (no inline script, no inline style, no ``eval``).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["CONTENT_SECURITY_POLICY", "STATIC_DIR", "web_routes"]

STATIC_DIR = Path(str(resources.files("orggraph.web").joinpath("static")))

#: What the page may load: only this origin; blobs and data URLs for the exports it makes.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "font-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

# Module scripts are refused unless served as JavaScript; do not rely on the host's
# mime.types knowing ``.mjs`` and ``.woff2``.
_MEDIA_TYPES = {
    ".mjs": "text/javascript; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".woff2": "font/woff2",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml",
}


class _StaticFiles(StaticFiles):
    """Static files with fixed media types and ``nosniff``."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        media_type = _MEDIA_TYPES.get(Path(full_path).suffix)
        if media_type is not None:
            response.headers["content-type"] = media_type
        response.headers["x-content-type-options"] = "nosniff"
        return response


def web_routes(static_dir: Path | None = None) -> list[BaseRoute]:
    """The page at ``/`` and its assets at ``/web/…``, for the API app to mount.

    ``static_dir`` replaces the packaged ``static/`` folder (tests, development).
    """
    folder = static_dir or STATIC_DIR
    index = folder / "index.html"
    cycle = folder / "cycle.html"  # the yearly cycle: a secretary's list, the dashboard

    async def page(request: Request) -> Response:
        return _page(index)

    async def cycle_page(request: Request) -> Response:
        return _page(cycle)

    def _page(path: Path) -> Response:
        response = FileResponse(path, media_type="text/html; charset=utf-8")
        response.headers["content-security-policy"] = CONTENT_SECURITY_POLICY
        response.headers["x-content-type-options"] = "nosniff"
        response.headers["referrer-policy"] = "no-referrer"
        # The page is small and changes with releases: always revalidate it.
        response.headers["cache-control"] = "no-cache"
        return response

    return [
        Route("/", page, methods=["GET", "HEAD"], name="web:index"),
        Route("/cycle", cycle_page, methods=["GET", "HEAD"], name="web:cycle"),
        Mount("/web", app=_StaticFiles(directory=folder), name="web:static"),
    ]
