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
heavy lane (``HeavyLane.queue``: jobs and heavy requests share the turns). Its progress
callback raises ``Cancelled`` once the job is cancelled, and the work stops at its next
report, leaving nothing (a GraphQL query cannot stop midway: its answer is dropped).

The jobs are kept in a folder (``JobBoard``: setting ``job_dir``), a status file and a
result file each, so that every worker process (``--workers``) answers for every job,
and a result is on disk, not in memory. A finished job is deleted ``job_keep_seconds``
after it ended; one whose process died is marked failed.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
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
from orggraph.api.lanes import HeavyLane
from orggraph.errors import Cancelled, OrgGraphError, PermissionDenied, ValidationFailed
from orggraph.exports.render import (
    KINDS,
    WRITING,
    check_export,
    content_disposition,
    progress_plan,
)
from orggraph.model.codec import read_json
from orggraph.progress import Progress, percent
from orggraph.settings import Settings
from orggraph.store.base import GraphStore

__all__ = ["STATUS_FIELDS", "JobBoard", "JobSpec", "job_routes"]

log = logging.getLogger("orggraph.api")

#: What ``GET /jobs/<id>`` answers (the jobs API contract).
STATUS_FIELDS = (
    "id",
    "kind",
    "label",
    "state",
    "stage",
    "done",
    "total",
    "percent",
    "rows",
    "started",
    "finished",
    "error",
    "result",
    "filename",
)
ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")
#: The stage a finished job shows.
FINAL_STAGES = {"done": "完成", "failed": "失败", "cancelled": "已取消"}
#: Seconds a refused client is told to wait (``Retry-After``).
RETRY_AFTER_SECONDS = 5
#: A running job writes its status at most this often, in seconds (a stage change at once).
STATUS_EVERY_SECONDS = 0.1
_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")
_EXPORT_PATH = re.compile(r"/exports/([\w-]+)")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_folder(store_url: str) -> Path:
    """The jobs' folder when ``job_dir`` is empty: in the system's temporary folder, one
    per user and store, so that the workers of one server share it."""
    digest = hashlib.sha256(store_url.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"orggraph-jobs-{os.getuid()}-{digest}"


class JobBoard:
    """The jobs of one server, kept in a folder: ``<id>.json`` (the status and its owner)
    and ``<id>.result``; ``<id>.cancel`` marks one cancelled. Changes are made under a
    file lock (the workers are processes) and written whole (``os.replace``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock_path = folder / ".lock"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the board's lock (other threads and other processes wait)."""
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def path(self, job_id: str, suffix: str) -> Path:
        return self.folder / f"{job_id}{suffix}"

    def read(self, job_id: str) -> dict[str, Any] | None:
        """The record of ``job_id``, or ``None``."""
        if not _ID.fullmatch(job_id):
            return None
        try:
            record: dict[str, Any] = orjson.loads(self.path(job_id, ".json").read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return None
        return record

    def write(self, record: Mapping[str, Any]) -> None:
        """Write ``record`` whole (call under ``locked``)."""
        target = self.path(record["id"], ".json")
        part = target.with_suffix(".json.part")
        part.write_bytes(orjson.dumps(dict(record)))
        os.replace(part, target)

    def records(self) -> list[dict[str, Any]]:
        """Every job's record, newest first."""
        found = [self.read(p.stem) for p in self.folder.glob("*.json")]
        return sorted((r for r in found if r), key=lambda r: r["created"], reverse=True)

    def cancelled(self, job_id: str) -> bool:
        return self.path(job_id, ".cancel").exists()

    def remove(self, job_id: str) -> None:
        for suffix in (".json", ".result", ".result.part", ".cancel"):
            with suppress(FileNotFoundError):
                self.path(job_id, suffix).unlink()

    def sweep(self, keep_seconds: float) -> None:
        """Delete the jobs finished more than ``keep_seconds`` ago; mark failed the jobs
        whose process has gone (a worker restarted)."""
        now = time.time()
        with self.locked():
            for record in self.records():
                if record["state"] in FINISHED:
                    if now - record["ended"] > keep_seconds:
                        self.remove(record["id"])
                elif not _alive(record["pid"]):
                    record.update(
                        state="failed",
                        finished=_now_iso(),
                        ended=now,
                        error={
                            "code": "JOB_LOST",
                            "message": "运行该任务的服务进程已停止 the server process running "
                            "this job stopped; start it again",
                        },
                    )
                    self.write(record)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - another user's process: alive
        return True
    return True


@dataclass(frozen=True, kw_only=True, slots=True)
class Output:
    """What a job made: its bytes, their media type, and the name to download them as."""

    content: bytes
    media_type: str
    filename: str | None
    rows: int


@dataclass(frozen=True, kw_only=True, slots=True)
class JobSpec:
    """A checked job request: its kind, its Chinese title, what to record, and the work."""

    kind: str
    label: str
    request: Mapping[str, Any]
    work: Callable[[str, Progress], Output]  # (the job's id, its progress callback)
    #: The stages the work reports, each with its share of the whole (``progress_plan``).
    plan: tuple[tuple[str, float], ...] = ()


def overall(
    plan: tuple[tuple[str, float], ...], stage: str, done: int, total: int | None
) -> float | None:
    """How far the whole work is, in percent, at ``done`` of ``total`` in ``stage`` of
    ``plan``; ``None`` for a stage not in the plan.

    >>> overall((("a", 0.25), ("b", 0.75)), "b", 1, 3)
    50.0
    """
    before = 0.0
    for name, share in plan:
        if name == stage:
            return 100.0 * (before + share * (percent(done, total) or 0.0) / 100.0)
        before += share
    return None


class TooManyJobs(OrgGraphError):
    """The actor (429) or the server (503) has as many jobs queued or running as allowed."""

    code = "TOO_MANY_JOBS"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def public(record: Mapping[str, Any]) -> dict[str, Any]:
    """The status of a job as the API answers it (``STATUS_FIELDS``)."""
    done = record["state"] == "done"
    out = {name: record.get(name) for name in STATUS_FIELDS}
    if done:
        out["percent"] = 100.0
    elif not record.get("plan"):
        out["percent"] = percent(record["done"], record["total"])
    out["result"] = f"/jobs/{record['id']}/result" if done else None
    if not done:
        out["filename"] = None
    return out


class JobRunner:
    """Starts jobs on threads of their own, in their turns in ``lane``, on ``board``."""

    def __init__(self, board: JobBoard, lane: HeavyLane, settings: Settings) -> None:
        self.board = board
        self.lane = lane
        self.settings = settings

    def start(self, actor: Actor, spec: JobSpec) -> dict[str, Any]:
        """A new job for ``actor`` (queued), or ``TooManyJobs``."""
        s = self.settings
        with self.board.locked():
            active = [r for r in self.board.records() if r["state"] in ACTIVE]
            mine = sum(1 for r in active if r["owner"] == actor.name)
            if mine >= s.jobs_per_actor:
                raise TooManyJobs(
                    f"任务过多 you have {mine} jobs queued or running, the most allowed "
                    f"(setting jobs_per_actor = {s.jobs_per_actor}); wait for one to finish "
                    "or cancel one (DELETE /jobs/<id>)",
                    429,
                )
            if len(active) >= s.jobs_at_once:
                raise TooManyJobs(
                    f"服务器正忙 the server has {len(active)} jobs queued or running, the "
                    f"most allowed (setting jobs_at_once = {s.jobs_at_once}); try again shortly",
                    503,
                )
            job_id = secrets.token_urlsafe(12)
            record: dict[str, Any] = {
                "id": job_id,
                "kind": spec.kind,
                "label": spec.label,
                "state": "queued",
                "stage": "排队等候",
                "done": 0,
                "total": None,
                "percent": 0.0 if spec.plan else None,
                "plan": [list(p) for p in spec.plan],
                "rows": 0,
                "started": _now_iso(),
                "finished": None,
                "error": None,
                "filename": None,
                "owner": actor.name,
                "pid": os.getpid(),
                "created": time.time(),
                "ended": None,
                "media_type": None,
            }
            self.board.write(record)
        thread = threading.Thread(
            target=self._run, args=(record, spec), name=f"job-{job_id}", daemon=True
        )
        thread.start()
        return record

    def _update(self, record: dict[str, Any], **changes: Any) -> None:
        """Record ``changes``, unless the job was cancelled meanwhile (then ``Cancelled``)."""
        with self.board.locked():
            if self.board.cancelled(record["id"]):
                raise Cancelled(f"the job {record['id']} was cancelled")
            record.update(changes)
            self.board.write(record)

    def _run(self, record: dict[str, Any], spec: JobSpec) -> None:
        job_id = record["id"]
        last_written, last_stage = 0.0, ""

        def cancelled() -> bool:
            return self.board.cancelled(job_id)

        def progress(stage: str, done: int, total: int | None) -> None:
            nonlocal last_written, last_stage
            if cancelled():
                raise Cancelled(f"the job {job_id} was cancelled")
            rows = done if stage.startswith(WRITING) else record["rows"]
            whole = overall(spec.plan, stage, done, total)
            if whole is not None:  # only forward: a stage left out of the plan keeps it
                record["percent"] = max(record["percent"] or 0.0, round(whole, 1))
            now = time.monotonic()
            if stage == last_stage and now - last_written < STATUS_EVERY_SECONDS and done != total:
                record.update(stage=stage, done=done, total=total, rows=rows)
                return
            last_written, last_stage = now, stage
            self._update(record, stage=stage, done=done, total=total, rows=rows)

        try:
            with self.lane.queue(f"the job {spec.label}", cancelled):
                self._update(record, state="running", stage="开始")
                output = spec.work(job_id, progress)
            result = self.board.path(job_id, ".result")
            part = self.board.path(job_id, ".result.part")
            part.write_bytes(output.content)
            made = {
                "filename": output.filename,
                "media_type": output.media_type,
                "rows": output.rows,
            }
            del output  # the bytes on disk now, not held for the job's life
            with self.board.locked():
                if self.board.cancelled(job_id):
                    raise Cancelled(f"the job {job_id} was cancelled")
                os.replace(part, result)
                record.update(made)
        except Cancelled:
            self._finish(record, "cancelled", None)
            return
        except OrgGraphError as exc:
            self._finish(record, "failed", {"code": exc.code, "message": str(exc)})
            return
        except Exception:
            log.exception("job %s (%s) failed", job_id, spec.label)
            error = {"code": "INTERNAL_SERVER_ERROR", "message": "内部错误 internal error"}
            self._finish(record, "failed", error)
            return
        self._finish(record, "done", None)

    def _finish(self, record: dict[str, Any], state: str, error: dict[str, str] | None) -> None:
        with self.board.locked():
            if state != "done" or self.board.cancelled(record["id"]):
                for suffix in (".result", ".result.part"):
                    with suppress(FileNotFoundError):
                        self.board.path(record["id"], suffix).unlink()
            if self.board.cancelled(record["id"]):
                state, error = "cancelled", None
            record.update(
                state=state,
                stage=FINAL_STAGES[state],
                error=error,
                finished=_now_iso(),
                ended=time.time(),
            )
            self.board.write(record)

    def cancel(self, record: dict[str, Any]) -> dict[str, Any]:
        """Cancel the job of ``record``: a running one stops at its next report; a finished
        one's result is dropped."""
        job_id = record["id"]
        with self.board.locked():
            current = self.board.read(job_id) or record
            self.board.path(job_id, ".cancel").touch()
            for suffix in (".result", ".result.part"):
                with suppress(FileNotFoundError):
                    self.board.path(job_id, suffix).unlink()
            if current["state"] != "cancelled":
                current.update(
                    state="cancelled",
                    stage=FINAL_STAGES["cancelled"],
                    error=None,
                    finished=current["finished"] or _now_iso(),
                    ended=current["ended"] or time.time(),
                )
                self.board.write(current)
        return current


# -- the requests a job may run ----------------------------------------------------------


def _bad(message: str, code: str = "BAD_REQUEST") -> ValidationFailed:
    from orggraph.errors import Problem

    return ValidationFailed([Problem(rule=code, message=message)])


def export_spec(
    store: GraphStore, settings: Settings, actor: Actor, url: str, today: Any = None
) -> JobSpec:
    """The job of the export at ``url`` (``/exports/<kind>?…``), checked as the download
    would be (``ValidationFailed``, ``PermissionDenied``)."""
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

        content, media_type, name = export_file(
            store, settings, actor, kind, query, progress=counted, job=job_id
        )
        return Output(content=content, media_type=media_type, filename=name, rows=rows[0])

    plan = progress_plan(kind, fmt)
    return JobSpec(kind="export", label=label, request={"export": url}, work=work, plan=plan)


def query_spec(
    store: GraphStore, settings: Settings, actor: Actor, body: Mapping[str, Any]
) -> JobSpec:
    """The job of a GraphQL query: parsed and checked now (one query operation, the one
    named), run later in its turn for ``actor`` (``ValidationFailed``)."""
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
        from orggraph.api.local import schema_for

        progress("执行查询", 0, 1)
        context = make_context(store, settings, actor)  # no lane: the job holds its turn
        result = schema_for(settings).execute_sync(
            text, variable_values=dict(variables), context_value=context, operation_name=name
        )
        progress("执行查询", 1, 1)
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [format_error(e).formatted for e in result.errors]
        rows = sum(len(v) for v in (result.data or {}).values() if isinstance(v, list))
        return Output(
            content=orjson.dumps(answer), media_type="application/json", filename=None, rows=rows
        )

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
        return actor, record

    def start(actor: Actor, body: Any) -> Response:
        board.sweep(settings.job_keep_seconds)
        try:
            if not isinstance(body, dict) or ("export" in body) == ("query" in body):
                raise _bad('a job is {"export": "/exports/<kind>?…"} or {"query": "…"}')
            if "export" in body:
                if not isinstance(body["export"], str):
                    raise _bad("the job's export must be an export URL (a string)")
                spec = export_spec(store, settings, actor, body["export"])
            else:
                spec = query_spec(store, settings, actor, body)
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
