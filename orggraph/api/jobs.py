"""Heavy work as jobs (后台任务): started by a request, watched as it goes, fetched when done.

A city's responsibility list takes seconds; an analysis of the whole city, about one. As
a job, such work answers at once, reports how far it is, and keeps its result for a while:

- ``POST /jobs`` with ``{"export": "/exports/<kind>?<params>"}`` (any export URL) or
  ``{"query": …, "variables": …, "operationName": …}`` (a GraphQL query) answers ``202``
  with the job's status and ``Location: /jobs/<id>``. The request is checked first
  (``400`` for a bad one, ``403`` for an export the role may not read); past
  ``jobs_per_actor`` queued or running jobs of the actor it is ``429``, past
  ``jobs_at_once`` of everyone ``503`` (both with ``Retry-After``).
- ``GET /jobs/<id>``: its status (``STATUS_FIELDS``): state (queued → running → done |
  failed | cancelled), the stage it reports (``orggraph.progress``), done of total,
  percent, rows written; ``GET /jobs/<id>/result`` the file (``409`` until done);
  ``DELETE /jobs/<id>`` cancels it (its result, if any, is dropped); ``GET /jobs`` the
  actor's jobs, newest first. Only the actor who started a job sees it: to anyone
  else it is ``404``, as an unknown one.

A job runs as the same request would (the actor's scope and role, ``export_file`` and its
audit records, the GraphQL schema) on a thread of its own, in its turn in the server's
heavy lane (``HeavyLane.queue``: jobs and heavy requests share the turns), in the lane's
child process when it has them (``orggraph.api.heavy``: its progress is reported back, its
cancelling reaches it). Its progress
callback raises ``Cancelled`` once the job is cancelled, and the work stops at its next
report, leaving nothing (a GraphQL query cannot stop midway: its answer is dropped).

The jobs are kept in a folder (``orggraph.api.job_board``; setting ``job_dir``), a status
file and a result file each, so that every worker process (``--workers``) answers for
every job, and a result is on disk, not in memory. A finished job is deleted
``job_keep_seconds`` after it ended (and is gone from then on); one whose process died is
marked failed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from orggraph.api.auth import actor_of
from orggraph.api.context import Actor, make_context
from orggraph.api.downloads import check_clearance, export_file, export_params
from orggraph.api.errors import format_error
from orggraph.api.heavy import HeavyPool
from orggraph.api.job_board import (
    ACTIVE,
    JobBoard,
    JobRunner,
    JobSpec,
    Output,
    TooManyJobs,
    default_folder,
    public,
)
from orggraph.api.lanes import HeavyLane
from orggraph.errors import PermissionDenied, Problem, ValidationFailed
from orggraph.exports.render import (
    KINDS,
    WRITING,
    check_export,
    content_disposition,
    progress_plan,
)
from orggraph.model.codec import read_json
from orggraph.progress import Progress
from orggraph.settings import Settings
from orggraph.store.base import GraphStore

__all__ = ["export_spec", "job_routes", "query_answer", "query_spec"]

#: Seconds a refused client is told to wait (``Retry-After``).
RETRY_AFTER_SECONDS = 5
_EXPORT_PATH = re.compile(r"/exports/([\w-]+)")


# -- the requests a job may run ----------------------------------------------------------


def _bad(message: str, code: str = "BAD_REQUEST") -> ValidationFailed:
    return ValidationFailed([Problem(rule=code, message=message)])


def export_spec(
    store: GraphStore,
    settings: Settings,
    actor: Actor,
    url: str,
    today: Any = None,
    pool: HeavyPool | None = None,
) -> JobSpec:
    """The job of the export at ``url`` (``/exports/<kind>?…``), checked as the download
    would be (``ValidationFailed``, ``PermissionDenied``); run in ``pool`` if given."""
    parts = urlsplit(url)
    match = _EXPORT_PATH.fullmatch(parts.path)
    if parts.scheme or parts.netloc or match is None:
        raise _bad(f"not an export of this server: {url[:200]!r}; expected /exports/<kind>?…")
    kind = match.group(1)
    query = dict(parse_qsl(parts.query, keep_blank_values=False))
    fmt, lang = query.get("format", "xlsx"), query.get("lang", "zh")
    params = export_params(query)
    checked = check_export(kind, params, fmt, lang, today=today)
    check_clearance(store, actor, kind, params)
    title = KINDS[kind].zh
    what = [str(checked.year) if kind != "coverage" else checked.as_of.isoformat()]
    if checked.person or checked.root:
        what.append(str(checked.person or checked.root))
    label = f"{title} {' '.join(what)}（{fmt.upper()}）"

    def work(job_id: str, progress: Progress) -> Output:
        rows = [0]

        def counted(stage: str, done: int, total: int | None) -> None:
            if stage.startswith(WRITING):
                rows[0] = done
            progress(stage, done, total)

        if pool is not None:
            content, media_type, name = pool.export(
                actor, kind, query, progress=counted, job=job_id
            )
        else:
            content, media_type, name = export_file(
                store, settings, actor, kind, query, progress=counted, job=job_id
            )
        return Output(content=content, media_type=media_type, filename=name, rows=rows[0])

    plan = progress_plan(kind, fmt)
    return JobSpec(kind="export", label=label, request={"export": url}, work=work, plan=plan)


def query_answer(
    store: GraphStore,
    settings: Settings,
    actor: Actor,
    text: str,
    variables: Mapping[str, Any],
    name: str | None,
) -> tuple[bytes, int]:
    """A query job's answer (JSON: data, errors, extensions) and the rows of its lists."""
    from orggraph.api.local import schema_for

    context = make_context(store, settings, actor)  # no lane: the job holds its turn
    result = schema_for(settings).execute_sync(
        text, variable_values=dict(variables), context_value=context, operation_name=name
    )
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [format_error(e).formatted for e in result.errors]
    if result.extensions:  # what the schema's extensions add (the data's date…)
        answer["extensions"] = result.extensions
    rows = sum(len(v) for v in (result.data or {}).values() if isinstance(v, list))
    return orjson.dumps(answer), rows


def query_spec(
    store: GraphStore,
    settings: Settings,
    actor: Actor,
    body: Mapping[str, Any],
    pool: HeavyPool | None = None,
) -> JobSpec:
    """The job of a GraphQL query: parsed and checked now (one query operation, the one
    named), run later in its turn for ``actor`` (``ValidationFailed``), in ``pool`` if
    given."""
    text = body.get("query")
    variables = body.get("variables") or {}
    name = body.get("operationName")
    if not isinstance(text, str) or not text.strip():
        raise _bad("the job's query must be a GraphQL document (a string)")
    if not isinstance(variables, dict):
        raise _bad("the job's variables must be a JSON object")
    if name is not None and not isinstance(name, str):
        raise _bad("the job's operationName must be a string")
    try:
        document = parse(text, no_location=True, max_tokens=settings.max_query_tokens)
    except GraphQLError as exc:
        raise _bad(
            f"the job's query does not parse: {exc.message}", "GRAPHQL_PARSE_FAILED"
        ) from exc
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if name is None or (o.name and o.name.value == name)]
    if len(chosen) != 1:
        why = f"no operation named {name!r}" if name else "several operations and no name"
        raise _bad(f"the job's query has {why}; name the one to run (operationName)")
    if chosen[0].operation is not OperationType.QUERY:
        raise _bad(f"a job runs queries only, not a {chosen[0].operation.value}")
    fields = [f.name.value for f in chosen[0].selection_set.selections if hasattr(f, "name")]
    title = name or (chosen[0].name.value if chosen[0].name else "") or "、".join(fields[:3])
    label = f"查询 {title or 'GraphQL'}"

    def work(job_id: str, progress: Progress) -> Output:
        progress("执行查询", 0, 1)
        if pool is not None:
            content, rows = pool.query_job(actor, text, variables, name)
        else:
            content, rows = query_answer(store, settings, actor, text, variables, name)
        progress("执行查询", 1, 1)
        return Output(content=content, media_type="application/json", filename=None, rows=rows)

    request = {"query": text[:2000], "operationName": name}
    plan = (("执行查询", 1.0),)
    return JobSpec(kind="query", label=label, request=request, work=work, plan=plan)


# -- the routes --------------------------------------------------------------------------


def _errors(message: str, code: str, status: int) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    response = JSONResponse(body, status_code=status)
    if status in (429, 503):
        response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    return response


def _not_found(job_id: str) -> JSONResponse:
    return _errors(f"没有该任务 no job {job_id[:60]!r} of yours", "NOT_FOUND", 404)


def job_routes(store: GraphStore, settings: Settings, lane: HeavyLane) -> list[Route]:
    """``/jobs`` and ``/jobs/{id}`` (see the module) over ``store``, in turns in ``lane``."""
    folder = Path(settings.job_dir) if settings.job_dir else default_folder(store.url)
    board = JobBoard(folder)
    runner = JobRunner(board, lane, settings)

    def mine(request: Request) -> tuple[Actor, dict[str, Any] | None]:
        actor = actor_of(request)
        assert actor is not None  # RequireSignIn (or TrustedActor) ran first
        record = board.read(request.path_params.get("id", ""))
        if record is not None and record["owner"] != actor.name:
            record = None  # another's job is not there for this actor
        if record is not None and board.expired(record, settings.job_keep_seconds):
            record = None  # kept no longer: the next sweep deletes it
        return actor, record

    def start(actor: Actor, body: Any) -> Response:
        board.sweep(settings.job_keep_seconds)
        try:
            if not isinstance(body, dict) or ("export" in body) == ("query" in body):
                raise _bad('a job is {"export": "/exports/<kind>?…"} or {"query": "…"}')
            if "export" in body:
                if not isinstance(body["export"], str):
                    raise _bad("the job's export must be an export URL (a string)")
                spec = export_spec(store, settings, actor, body["export"], pool=lane.pool)
            else:
                spec = query_spec(store, settings, actor, body, pool=lane.pool)
            record = runner.start(actor, spec)
        except TooManyJobs as exc:
            return _errors(str(exc), exc.code if exc.status == 429 else "BUSY", exc.status)
        except PermissionDenied as exc:
            return _errors(str(exc), exc.code, 403)
        except ValidationFailed as exc:
            message = "; ".join(p.message for p in exc.problems) or str(exc)
            code = exc.problems[0].rule if len(exc.problems) == 1 else exc.code
            return _errors(message, code if code.isupper() else exc.code, 400)
        detail = {"id": record["id"], "kind": spec.kind, **spec.request}
        store.record_audit(actor.name, "job", detail)
        response = JSONResponse(public(record), status_code=202)
        response.headers["location"] = f"/jobs/{record['id']}"
        return response

    async def create(request: Request) -> Response:
        actor = actor_of(request)
        assert actor is not None
        try:
            body = read_json(await request.body())
        except ValueError as exc:
            return _errors(f"the request's JSON is refused: {exc}", "BAD_REQUEST", 400)
        return await run_in_threadpool(start, actor, body)

    async def listing(request: Request) -> Response:
        actor = actor_of(request)
        assert actor is not None
        await run_in_threadpool(board.sweep, settings.job_keep_seconds)
        records = await run_in_threadpool(board.records)
        return JSONResponse([public(r) for r in records if r["owner"] == actor.name])

    async def status(request: Request) -> Response:
        _, record = await run_in_threadpool(mine, request)
        if record is None:
            return _not_found(request.path_params["id"])
        return JSONResponse(public(record))

    async def cancel(request: Request) -> Response:
        actor, record = await run_in_threadpool(mine, request)
        if record is None:
            return _not_found(request.path_params["id"])
        cancelled = await run_in_threadpool(runner.cancel, record)
        store.record_audit(actor.name, "job-cancelled", {"id": record["id"]})
        return JSONResponse(public(cancelled))

    async def result(request: Request) -> Response:
        _, record = await run_in_threadpool(mine, request)
        if record is None:
            return _not_found(request.path_params["id"])
        path = board.path(record["id"], ".result")
        if record["state"] != "done" or not path.exists():
            return _errors(
                f"任务未完成 the job is {record['state']}, it has no result"
                + (" yet" if record["state"] in ACTIVE else ""),
                "JOB_NOT_DONE",
                409,
            )
        headers = {"cache-control": "no-store"}
        if record["filename"]:
            headers["content-disposition"] = content_disposition(record["filename"])
        return FileResponse(path, media_type=record["media_type"], headers=headers)

    return [
        Route("/jobs", create, methods=["POST"], name="jobs-create"),
        Route("/jobs", listing, methods=["GET"], name="jobs"),
        Route("/jobs/{id}", status, methods=["GET"], name="job"),
        Route("/jobs/{id}", cancel, methods=["DELETE"], name="job-cancel"),
        Route("/jobs/{id}/result", result, methods=["GET"], name="job-result"),
    ]
