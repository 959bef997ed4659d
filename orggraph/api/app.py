"""The HTTP application: GraphQL over HTTP at ``/graphql``, the explorer, the static assets.

``create_app(store, settings)`` composes ``Starlette(routes=…, middleware=…, lifespan=…)``
from explicit parts; nothing is global. The explorer is at ``/explorer``
(``?query=…&variables=…`` opens it filled in); ``GET /graphql`` from a browser (``Accept:
text/html``) answers the same page, filled in with the ``query`` it carries; every other
request to ``/graphql`` is GraphQL over HTTP (``GET`` for queries only, ``POST`` for
everything).

Every request runs for a signed-in account (``orggraph.api.auth``: a Bearer token or the
session cookie) whose role and scope decide what it sees (so do ``/exports`` and the jobs
at ``/jobs``, ``orggraph.api.jobs``); the middleware adds the
security headers, CORS (closed unless configured) and the body limit
(``orggraph.api.security``, ``orggraph.api.limits``).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson
from cross_web import HTTPException
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from orggraph.api.auth import RequireSignIn, TrustedActor, actor_of, signin_routes
from orggraph.api.context import Actor, Context, make_context
from orggraph.api.downloads import export_routes
from orggraph.api.errors import format_error
from orggraph.api.explorer import (
    Prefill,
    explorer_data,
    explorer_page,
    explorer_values,
    prefill_from,
    saved_queries_json,
)
from orggraph.api.fresh import FreshIndex
from orggraph.api.heavy import HeavyPool
from orggraph.api.jobs import job_routes
from orggraph.api.lanes import HeavyLane
from orggraph.api.limits import BodyLimit
from orggraph.api.saved import SavedQuery, load_saved_queries
from orggraph.api.schema import build_schema
from orggraph.api.security import SecurityHeaders, cors_middleware
from orggraph.errors import Busy, OrgGraphError, StoreUnavailable
from orggraph.model.codec import read_json
from orggraph.settings import Settings
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore, freeze_long_lived
from orggraph.web import web_routes

__all__ = ["STATIC_DIR", "SWITCH_INTERVAL", "OrgGraphView", "create_app", "serve", "start_heavy"]

log = logging.getLogger("orggraph.api")

T = TypeVar("T")

STATIC_DIR = Path(__file__).parent / "static"

#: gzip's level for answers: nginx's default. The list of a city's 4,512 branches (984 kB
#: of JSON) compresses to 111 kB in 3.0 ms at level 1, to 96 kB in 6.0 ms at 5, and to
#: 90 kB in 26 ms at starlette's default, 9.
GZIP_LEVEL = 1
#: The most tokens the operation count parses (the token limit refuses longer documents).
MAX_TOKENS_PARSED = 20_000
#: How long a thread holds the GIL while another waits, in seconds (Python's default is
#: 0.005). A quick request hands the GIL over a dozen times between the event loop and
#: its worker thread; beside a heavy export each hand-over waited up to the interval.
#: Measured (bench/bench_serving.py: a chain at 100 req/s beside four heavy clients,
#: three runs of each, alternating, on a quiet machine): the chain's p50 381–1,076 ms at
#: 0.005 and 12–20 ms at 0.001, its p99 781–1,857 ms and 61–420 ms, /healthz's p99
#: 116–167 ms and 24–57 ms; alone the chain is the same (p99 5–7 ms), and the heavy
#: clients finished as much. At 0.0002 switching itself cost more (one noisy run).
SWITCH_INTERVAL = 0.001
#: Seconds a client is told to wait (``Retry-After``) when the store cannot be reached.
RETRY_AFTER_SECONDS = 5


#: Error codes that make a GraphQL answer a 503 with ``Retry-After``: try again later.
RETRYABLE = frozenset({StoreUnavailable.code, Busy.code})


def _store_unavailable(data: Any) -> bool:
    """Whether a GraphQL response (or batch) carries a retryable error (``RETRYABLE``)."""
    results = data if isinstance(data, list) else [data]
    return any(
        (error.get("extensions") or {}).get("code") in RETRYABLE
        for result in results
        if isinstance(result, dict)
        for error in result.get("errors") or ()
    )


GRAPHQL_RESPONSE = "application/graphql-response+json"


def _wants_graphql_response(request: Any) -> bool:
    """Whether the client accepts ``application/graphql-response+json`` (then preferred)."""
    headers = getattr(request, "headers", None)
    return headers is not None and GRAPHQL_RESPONSE in headers.get("accept", "")


_OPERATION_WORD = re.compile(r"\b(?:query|mutation|subscription)\b")


def _several_operations(text: str | None) -> bool:
    """Whether a document defines more than one operation (then ``operationName`` must
    say which: GraphQL over HTTP). Parsed only when its text could: two operation words.
    A document that does not parse is left to the execution's own syntax error."""
    if not text or len(_OPERATION_WORD.findall(text)) < 2:
        return False
    try:
        document = parse(text, no_location=True, max_tokens=MAX_TOKENS_PARSED)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return len(operations) > 1


def _named_and_finished(text: str | None, operation: Coroutine[Any, Any, T]) -> T:
    """``_finish(operation)``, after refusing a document of several operations sent
    without ``operationName`` (``text``: the document, when no name was sent)."""
    if _several_operations(text):
        operation.close()
        raise HTTPException(
            400, "Must provide operation name if query contains multiple operations."
        )
    return _finish(operation)


def _finish(operation: Coroutine[Any, Any, T]) -> T:
    """Run ``operation`` to its end on this thread, with no event loop.

    strawberry's asynchronous execution over our resolvers (all synchronous) awaits only
    what is already done, so it never suspends: driven by hand it costs nothing, where an
    event loop made for each request costs 0.2 ms. One that did suspend would need a loop
    and is refused loudly rather than left half run.
    """
    try:
        operation.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    operation.close()
    raise RuntimeError("a GraphQL operation suspended on its worker thread (an async resolver?)")


class OrgGraphView(GraphQL[Context, None]):
    """strawberry's ASGI view with our context; its own GraphiQL page (CDN) is off."""

    def __init__(self, store: GraphStore, settings: Settings, lane: HeavyLane) -> None:
        super().__init__(build_schema(settings), graphql_ide=None, allow_queries_via_get=True)
        self.store = store
        self.settings = settings
        self.lane = lane

    async def get_context(self, request: Any, response: Any) -> Context:
        actor = actor_of(request)
        if actor is None:  # pragma: no cover - the sign-in middleware refuses it first
            raise HTTPException(401, "sign in first")
        return make_context(
            self.store, self.settings, actor, request=request, response=response, lane=self.lane
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """As strawberry's, but a refused request answers JSON errors, not plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as exc:
            body = {"errors": [{"message": exc.reason, "extensions": {"code": "BAD_REQUEST"}}]}
            response = JSONResponse(body, status_code=exc.status_code)
            if exc.status_code == 405:
                response.headers["allow"] = "POST" if scope["method"] == "GET" else "GET, POST"
        if _wants_graphql_response(request) and response.media_type == "application/json":
            # GraphQL over HTTP's own media type: a request it refused before execution
            # (unparsable, invalid, bad variables) is a 400 without a data entry.
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if getattr(request.state, "request_error", False) and response.status_code == 200:
                response.status_code = 400
        await response(scope, receive, send)

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        """As strawberry's, but on a worker thread, and a mutation over GET is ``405``.

        Resolvers read the store and run analyses: blocking work, which on the event loop
        would hold every other request (a ``/healthz`` waited 9.6 s behind an export). The
        operation runs whole on one worker thread, as datasette runs its SQL on executor
        threads: strawberry's own asynchronous path, which over synchronous resolvers never
        suspends, so it is run to its end there (``_finish``). (GraphQL over HTTP: a GET
        must not run a mutation, and the answer is 405.)
        """
        data = kwargs.get("request_data")
        text = data.query if data is not None and data.operation_name is None else None
        try:
            operation = super().execute_single(*args, **kwargs)
            return await run_in_threadpool(_named_and_finished, text, operation)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, exc.reason) from exc
            raise

    def encode_json(self, data: object) -> bytes:
        """orjson: UTF-8 as is (Chinese stays readable), and several times faster."""
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        """A body (or GET parameter) that is not UTF-8 JSON, nests too deep, holds a number
        too long to read, or is not a JSON object (or a batch list) is 400."""
        try:
            value = read_json(data)
        except ValueError as exc:
            raise HTTPException(400, f"the request's JSON is refused: {exc}") from exc
        if not isinstance(value, dict | list):
            raise HTTPException(400, "the request body must be a JSON object") from None
        return value

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """As strawberry's; a store that cannot be reached is ``503`` with ``Retry-After``."""
        response = super().create_response(response_data, sub_response)
        if _store_unavailable(response_data):
            response.status_code = 503
            response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
        return response

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Every error formatted once more here: a syntax error never reaches the extension."""
        if result.errors:
            result.errors = [format_error(e) for e in result.errors]
        processed = await super().process_result(request, result)
        if isinstance(result, PreExecutionError) and _wants_graphql_response(request):
            request.state.request_error = True
            processed.pop("data", None)
        return processed


#: The explorer page's policy: code and data from this server only, no inline script.
#: Monaco and GraphiQL set inline styles, so styles may be inline.
EXPLORER_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "worker-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def _wants_page(request: Request) -> bool:
    """A browser's navigation (``Accept: text/html…``), not a client asking for JSON."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


class GraphQLEndpoint:
    """``/graphql``: the explorer page for a browser's GET (filled in with the ``query``
    and ``variables`` it carries, if any: a link opens the explorer, never raw JSON),
    else GraphQL over HTTP."""

    def __init__(self, view: OrgGraphView, page: Callable[[Request], Awaitable[Response]]) -> None:
        self.view = view
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            request = Request(scope, receive)
            if _wants_page(request):
                await (await self.page(request))(scope, receive, send)
                return
        await self.view(scope, receive, send)


async def _orggraph_error(request: Request, exc: Exception) -> Response:
    """The one Starlette handler: an orggraph error outside GraphQL as JSON with its code."""
    assert isinstance(exc, OrgGraphError)
    statuses = {"NOT_FOUND": 404, "PERMISSION_DENIED": 403, **dict.fromkeys(RETRYABLE, 503)}
    status = statuses.get(exc.code, 400)
    response = JSONResponse({"error": {"code": exc.code, "message": str(exc)}}, status_code=status)
    if status == 503:
        response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    return response


def create_app(
    store: GraphStore,
    settings: Settings,
    *,
    actor: Actor | None = None,
    queries: list[SavedQuery] | None = None,
) -> Starlette:
    """The orggraph web application over ``store``.

    Requests run for the account that signed in (the accounts kept in ``store``). With
    ``actor`` (in-process callers such as tests only; ``orggraph serve`` never passes it)
    every request runs for that actor and no sign-in is asked.
    """
    saved = load_saved_queries() if queries is None else queries
    # The heavy lane's work in child processes (setting heavy_processes; 0: on threads).
    processes = settings.heavy_processes
    pool = HeavyPool(store, settings, processes) if processes > 0 else None
    lane = HeavyLane(settings.heavy_at_once, settings.heavy_wait_seconds, pool=pool)
    view = OrgGraphView(store, settings, lane)
    tabs = saved_queries_json(saved)

    def explorer_for(actor: Actor, prefill: Prefill | None) -> str:
        values = explorer_values(store, settings, actor)
        return explorer_page(explorer_data(saved, values, actor, prefill))

    async def explorer(request: Request) -> Response:
        """The explorer, filled in for the signed-in actor (a read: on a worker thread)."""
        who = actor_of(request)
        assert who is not None  # RequireSignIn (or TrustedActor) ran first
        prefill = prefill_from(request.query_params)
        page = HTMLResponse(await run_in_threadpool(explorer_for, who, prefill))
        page.headers["content-security-policy"] = EXPLORER_CSP
        page.headers["x-content-type-options"] = "nosniff"
        page.headers["referrer-policy"] = "no-referrer"
        page.headers["cache-control"] = "no-store"
        return page

    endpoint = GraphQLEndpoint(view, explorer)

    async def queries_json(request: Request) -> Response:
        return JSONResponse(tabs)

    async def health(request: Request) -> Response:
        """``?deep=1``: also the store's counts and digest (a whole read: for checks, not
        polls; administrators only). The shallow answer holds no data: anyone may ask."""
        body: dict[str, Any] = {"ok": True, "store": store.url.split("://", 1)[0]}
        if request.query_params.get("deep") in ("1", "true"):
            who = actor_of(request)
            if who is None or who.role != "admin":
                denied = {"code": "PERMISSION_DENIED", "message": "deep checks: admins only"}
                return JSONResponse({**body, "error": denied}, status_code=403)
            try:
                body["counts"] = await run_in_threadpool(store.counts)
                body["digest"] = await run_in_threadpool(store.digest)
            except StoreUnavailable as exc:
                error = {"code": exc.code, "message": str(exc)}
                failed = JSONResponse({**body, "ok": False, "error": error}, status_code=503)
                failed.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
                return failed
        return JSONResponse(body)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        who = "signed-in accounts" if actor is None else actor.name
        log.info("orggraph serving %s for %s", store.url, who)
        try:
            yield
        finally:
            if pool is not None:
                pool.close()  # no heavy child outlives the server

    if actor is None:
        accounts = account_store(store)
        signin: list[BaseRoute] = list(signin_routes(accounts, settings))
        who_asks = Middleware(RequireSignIn, accounts=accounts)
    else:
        signin = []
        who_asks = Middleware(TrustedActor, actor=actor)
    routes = [
        *web_routes(),  # the browser view: the page at / and its assets at /web/
        *signin,
        Route("/graphql", endpoint, name="graphql"),
        Route("/explorer", explorer, methods=["GET"], name="explorer"),
        Route("/queries.json", queries_json, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        *export_routes(store, settings, lane),
        *job_routes(store, settings, lane),  # exports and queries as jobs, with progress
        Mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
    ]
    # Outermost first: headers on every answer (refusals too), CORS preflights answered
    # before sign-in, the body limit, the store catching up with other processes, then
    # who is asking.
    middleware = [
        Middleware(SecurityHeaders),
        *cors_middleware(settings),
        Middleware(BodyLimit, max_bytes=settings.max_request_bytes),
        Middleware(FreshIndex, store=store),
        who_asks,
        Middleware(GZipMiddleware, minimum_size=2048, compresslevel=GZIP_LEVEL),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={OrgGraphError: _orggraph_error},
    )
    app.state.store = store
    app.state.settings = settings
    app.state.lane = lane
    return app


def serve(web: Starlette, *, host: str, port: int, **options: Any) -> None:
    """Run ``web`` with uvicorn (one worker), the index it reads first frozen out of the
    cyclic collector's reach.

    The embedded store's index is 10^6 long-lived objects with no cycles among them; left
    to the collector, every full collection walks all of them again: a pause of most of a
    second in whichever request triggers it. ``gc.freeze`` moves what is alive now (after
    one last collection) to a generation the collector never visits; reference counting
    still frees it, and the store freezes a rebuilt index in turn (``age_new``).

    The collector's thresholds stay Python's: a young generation of 20,000 objects saved
    the collector's 20 ms in a list of 4,512 branches (measured in process), but made the
    chain query's p99 six times as long at one connection (12.5 ms against 2.0 ms:
    fewer, longer pauses).
    """
    import uvicorn

    freeze_long_lived()
    sys.setswitchinterval(SWITCH_INTERVAL)
    start_heavy(web)
    uvicorn.run(web, host=host, port=port, ws="none", **options)


def start_heavy(web: Starlette) -> None:
    """Start the heavy lane's child processes now, in the background (they open the store:
    seconds on a city), rather than with the first heavy request."""
    pool = web.state.lane.pool
    if pool is None:
        return

    def start() -> None:
        try:
            pool.start()
        except OrgGraphError as exc:  # the first heavy request tries again, and says why
            log.warning("the heavy lane's processes did not start: %s", exc)

    threading.Thread(target=start, name="heavy-start", daemon=True).start()
