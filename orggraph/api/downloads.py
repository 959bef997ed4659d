"""``GET /exports/{kind}``: the export files, for the signed-in actor's scope and role.

The query string carries ``render_export``'s parameters (``year``, ``as_of``, ``since``,
``person``, ``root``, ``query``, ``variables``) and ``format`` (pdf, docx, xlsx, csv, html) and
``lang`` (zh, en). The actor's scope is the export's scope (``root`` may only narrow it).
The lists that name people (责任清单, 整顿台账) need a role that may read personal data;
the coverage report internal data; a saved-query export runs through GraphQL for the
actor, so its fields are masked as in any answer. Every export is recorded in the audit
trail (which document, which parameters; never its content).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orggraph.api.auth import actor_of
from orggraph.api.context import Actor
from orggraph.api.lanes import HeavyLane
from orggraph.errors import NotFound, PermissionDenied
from orggraph.exports.render import content_disposition, render_export
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from orggraph.store.surfaces import EXPORT_CLASSIFICATION

__all__ = ["EXPORT_CLASSIFICATION", "export_routes"]

_PARAMS = ("year", "as_of", "asOf", "since", "person", "root", "org", "query", "name", "variables")


def _executor(settings: Settings) -> Any:
    from orggraph.api.local import QueryFailed, run_document

    def execute(
        text: str,
        variables: Mapping[str, Any],
        *,
        store: GraphStore,
        scope: Scope,
        as_of: date,
        actor: Any = None,
    ) -> Mapping[str, Any]:
        assert isinstance(actor, Actor)  # the route always passes the signed-in actor
        narrowed = Actor(name=actor.name, role=actor.role, scope=scope)
        try:
            return run_document(store, settings, text, variables, actor=narrowed, today=as_of)
        except QueryFailed as exc:
            # A document refused to the role is refused as the other exports are: 403.
            if exc.problems and all(p.rule == PermissionDenied.code for p in exc.problems):
                raise PermissionDenied("; ".join(p.message for p in exc.problems)) from exc
            raise

    return execute


def export_routes(store: GraphStore, settings: Settings, lane: HeavyLane) -> list[Route]:
    """The ``/exports/{kind}`` route over ``store``; every export takes its turn in
    ``lane`` (a city's lists are seconds of work)."""

    def export(actor: Actor, kind: str, query: QueryParams) -> Response:
        """The file, or the refusal: both recorded in the audit trail (on a worker thread:
        a city's lists take seconds)."""
        params = {name: query[name] for name in _PARAMS if name in query}
        needed = EXPORT_CLASSIFICATION.get(kind, "public")
        try:
            if needed not in actor.clearance:
                raise PermissionDenied(
                    f"导出 {kind} 含有{needed}数据 the {kind} export holds {needed} data, "
                    f"which the role {actor.role!r} may not read"
                )
            with lane.turn(f"the {kind} export"):
                content, media_type, name = render_export(
                    kind,
                    store,
                    params,
                    actor.scope,
                    query.get("format", "xlsx"),
                    query.get("lang", "zh"),
                    executor=_executor(settings),
                    actor=actor,
                )
        except (PermissionDenied, NotFound) as exc:
            refused = {"kind": kind, "params": params, "code": exc.code, "reason": str(exc)}
            store.record_audit(actor.name, "export-refused", refused)
            raise
        store.record_audit(actor.name, "export", {"kind": kind, "params": params, "file": name})
        response = Response(content, media_type=media_type)
        response.headers["content-disposition"] = content_disposition(name)
        return response

    async def download(request: Request) -> Response:
        actor = actor_of(request)
        assert actor is not None  # RequireSignIn (or TrustedActor) ran first
        kind = request.path_params["kind"]
        return await run_in_threadpool(export, actor, kind, request.query_params)

    return [Route("/exports/{kind}", download, methods=["GET"], name="exports")]
