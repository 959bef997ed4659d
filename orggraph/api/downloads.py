"""``GET /exports/{kind}``: the export files, for the signed-in actor's scope and role.

The query string carries ``render_export``'s parameters (``year``, ``as_of``, ``since``,
``person``, ``root``, ``query``, ``variables``) and ``format`` (pdf, docx, xlsx, csv, html) and
``lang`` (zh, en). The actor's scope is the export's scope (``root`` may only narrow it).
The lists that name people (责任清单, 整顿台账) need a role that may read personal data;
the coverage report internal data; a saved-query export runs through GraphQL for the
actor, so its fields are masked as in any answer. Every export is recorded in the audit
trail (which document, which parameters; never its content). A job (``orggraph.api.jobs``)
makes the same file the same way (``check_clearance``, then ``export_file``). With the
lane's child processes (setting ``heavy_processes``) ``export_file`` runs in one of them.
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
from orggraph.progress import Progress, silent
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from orggraph.store.surfaces import EXPORT_CLASSIFICATION

__all__ = [
    "EXPORT_CLASSIFICATION",
    "check_clearance",
    "export_file",
    "export_params",
    "export_routes",
]

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


def export_params(query: Mapping[str, str]) -> dict[str, str]:
    """The export parameters in a query string (the others are not the export's)."""
    return {name: query[name] for name in _PARAMS if name in query}


def check_clearance(store: GraphStore, actor: Actor, kind: str, params: Mapping[str, str]) -> None:
    """Refuse (``PermissionDenied``, recorded in the audit trail) an export whose data the
    actor's role may not read: before any work, and before a turn is waited for."""
    needed = EXPORT_CLASSIFICATION.get(kind, "public")
    if needed in actor.clearance:
        return
    exc = PermissionDenied(
        f"导出 {kind} 含有{needed}数据 the {kind} export holds {needed} data, "
        f"which the role {actor.role!r} may not read"
    )
    refused = {"kind": kind, "params": dict(params), "code": exc.code, "reason": str(exc)}
    store.record_audit(actor.name, "export-refused", refused)
    raise exc


def export_file(
    store: GraphStore,
    settings: Settings,
    actor: Actor,
    kind: str,
    query: Mapping[str, str],
    *,
    progress: Progress = silent,
    job: str | None = None,
) -> tuple[bytes, str, str]:
    """``(content, media type, file name)`` of one export for ``actor`` (cleared already:
    ``check_clearance``), recorded in the audit trail, as is a refusal; ``job``: the id
    of the job it ran as, recorded with it."""
    params = export_params(query)
    noted: dict[str, Any] = {"kind": kind, "params": params}
    if job is not None:
        noted["job"] = job
    try:
        content, media_type, name = render_export(
            kind,
            store,
            params,
            actor.scope,
            query.get("format", "xlsx"),
            query.get("lang", "zh"),
            executor=_executor(settings),
            actor=actor,
            progress=progress,
        )
    except (PermissionDenied, NotFound) as exc:
        store.record_audit(
            actor.name, "export-refused", {**noted, "code": exc.code, "reason": str(exc)}
        )
        raise
    store.record_audit(actor.name, "export", {**noted, "file": name})
    return content, media_type, name


def export_routes(store: GraphStore, settings: Settings, lane: HeavyLane) -> list[Route]:
    """The ``/exports/{kind}`` route over ``store``; every export takes its turn in
    ``lane`` (a city's lists are seconds of work), and runs in its child process if it has
    them."""

    def export(actor: Actor, kind: str, query: QueryParams) -> Response:
        """The file, or the refusal: both recorded in the audit trail (on a worker thread:
        a city's lists take seconds)."""
        check_clearance(store, actor, kind, export_params(query))
        with lane.turn(f"the {kind} export"):
            if lane.pool is not None:
                content, media_type, name = lane.pool.export(actor, kind, query)
            else:
                content, media_type, name = export_file(store, settings, actor, kind, query)
        response = Response(content, media_type=media_type)
        response.headers["content-disposition"] = content_disposition(name)
        return response

    async def download(request: Request) -> Response:
        actor = actor_of(request)
        assert actor is not None  # RequireSignIn (or TrustedActor) ran first
        kind = request.path_params["kind"]
        return await run_in_threadpool(export, actor, kind, request.query_params)

    return [Route("/exports/{kind}", download, methods=["GET"], name="exports")]
