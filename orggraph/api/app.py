"""The HTTP application: GraphQL over HTTP at ``/graphql``, the explorer, the static assets.

``create_app(store, settings)`` composes ``Starlette(routes=…, middleware=…, lifespan=…)``
from explicit parts; nothing is global. ``GET /graphql`` from a browser (``Accept:
text/html``, no ``query`` parameter) answers the explorer page; every other request to
``/graphql`` is GraphQL over HTTP (``GET`` for queries only, ``POST`` for everything).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from orggraph.api.context import LOCAL_ADMIN, Actor, Context, make_context
from orggraph.api.explorer import explorer_page, saved_queries_json
from orggraph.api.saved import SavedQuery, load_saved_queries
from orggraph.api.schema import build_schema
from orggraph.errors import OrgGraphError
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from orggraph.web import web_routes

__all__ = ["STATIC_DIR", "OrgGraphView", "create_app"]

log = logging.getLogger("orggraph.api")

STATIC_DIR = Path(__file__).parent / "static"


class OrgGraphView(GraphQL[Context, None]):
    """strawberry's ASGI view with our context; its own GraphiQL page (CDN) is off."""

    def __init__(self, store: GraphStore, settings: Settings, actor: Actor) -> None:
        super().__init__(build_schema(settings), graphql_ide=None, allow_queries_via_get=True)
        self.store = store
        self.settings = settings
        self.actor = actor

    async def get_context(self, request: Any, response: Any) -> Context:
        return make_context(
            self.store, self.settings, self.actor, request=request, response=response
        )


class GraphQLEndpoint:
    """``/graphql``: the explorer page for a browser's plain GET, else GraphQL over HTTP."""

    def __init__(self, view: OrgGraphView, page: str) -> None:
        self.view = view
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            request = Request(scope, receive)
            wants_page = "text/html" in request.headers.get("accept", "")
            if wants_page and "query" not in request.query_params:
                await HTMLResponse(self.page)(scope, receive, send)
                return
        await self.view(scope, receive, send)


async def _orggraph_error(request: Request, exc: Exception) -> Response:
    """The one Starlette handler: an orggraph error outside GraphQL as JSON with its code."""
    assert isinstance(exc, OrgGraphError)
    status = 404 if exc.code == "NOT_FOUND" else 403 if exc.code == "PERMISSION_DENIED" else 400
    return JSONResponse({"error": {"code": exc.code, "message": str(exc)}}, status_code=status)


def create_app(
    store: GraphStore,
    settings: Settings,
    *,
    actor: Actor = LOCAL_ADMIN,
    queries: list[SavedQuery] | None = None,
) -> Starlette:
    """The orggraph web application over ``store``, acting for ``actor``."""
    saved = load_saved_queries() if queries is None else queries
    view = OrgGraphView(store, settings, actor)
    endpoint = GraphQLEndpoint(view, explorer_page(saved))
    tabs = saved_queries_json(saved)

    async def queries_json(request: Request) -> Response:
        return JSONResponse(tabs)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "store": store.url.split("://", 1)[0]})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info("orggraph serving %s for %s", store.url, actor.name)
        yield

    routes = [
        *web_routes(),  # the browser view: the page at / and its assets at /web/
        Route("/graphql", endpoint, name="graphql"),
        Route("/queries.json", queries_json, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
    ]
    middleware = [Middleware(GZipMiddleware, minimum_size=2048)]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={OrgGraphError: _orggraph_error},
    )
    app.state.store = store
    app.state.settings = settings
    return app
