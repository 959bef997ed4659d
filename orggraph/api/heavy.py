"""The heavy lane's work in child processes, so that the server's own process keeps the GIL
for the quick requests.

One process runs one thread's Python at a time: a city-wide export on a thread of the
server holds the GIL for most of its seconds, and every quick request beside it (a chain,
``/healthz``) waits for it at each of its dozen hand-overs. ``HeavyPool`` runs that work
in ``heavy_processes`` child processes instead (setting; 0 keeps it on the server's
threads): started with ``spawn`` when first needed (or when the server starts), each opens
the same store itself (the embedded store: its own index, brought up to date with the
others' writes before each task, as the ``--workers`` processes do; Neo4j: its own driver)
and runs one task at a time, sent over a pipe:

- a GraphQL query (the text, variables, operation name, the actor and the date): the
  child runs it through the same schema, time limit, masking and read audit as the server
  would, and answers its data, errors (formatted) and extensions, which the server answers
  as its own (``relayed_result``), byte for byte;
- an export (kind, parameters, actor, job): ``export_file``, its audit record too, its
  progress reported back as it goes (so a job's percent moves) and cancelled when the
  job's progress callback raises ``Cancelled`` (the child stops at its next report);
- a query job: ``query_answer``.

Only reads go to a child (queries, exports); mutations run in the server, and so do the
audit records a child's task makes (a read of sensitive fields, an export, a refusal):
the child hands them back with its answer and the server records them. (A write from the
child would change the store under the server, whose embedded index would be rebuilt, a
second and more of the GIL, before its next request.) The server still
takes turns (``HeavyLane``): the children run what has a turn. A child that dies while it
works is replaced, and the request fails with ``Busy`` (503, try again) saying so; one
that runs ``GRACE_SECONDS`` past a GraphQL query's time limit is ended the same way. A
child ends when the server closes the pool, when its pipe closes, and when its parent is
gone (``exit_when_orphaned``): no orphan outlives the server.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from datetime import date
from multiprocessing.connection import Connection
from typing import Any

import orjson
from graphql import ExecutionResult, GraphQLError, SourceLocation

from orggraph.errors import Busy, Cancelled, OrgGraphError
from orggraph.progress import Progress
from orggraph.settings import Settings
from orggraph.store.base import GraphStore, freeze_long_lived

__all__ = ["GRACE_SECONDS", "HeavyPool", "relayed_result"]

log = logging.getLogger("orggraph.api")

#: Seconds a child may run past a GraphQL query's time limit (its own executor stops the
#: query at the limit) before the server ends it.
GRACE_SECONDS = 10.0
#: How often the server looks whether a working child is still alive, in seconds.
POLL_SECONDS = 0.2
#: Least time between two progress reports a child sends, in seconds (a new stage and the
#: last step are always sent).
REPORT_EVERY_SECONDS = 0.1
#: Seconds a child is given to end by itself when the pool closes, before it is killed.
STOP_SECONDS = 3.0
#: How much a child yields the processor to the server (``os.nice``): a heavy child at the
#: server's own priority took a whole core from it on two cores, and the chain beside four
#: heavy clients waited seconds (bench/bench_serving.py).
NICENESS = 10

_pools: weakref.WeakSet[HeavyPool] = weakref.WeakSet()


# -- the child ---------------------------------------------------------------------------


def _portable(exc: BaseException) -> tuple[str, Any]:
    """An error raised in a child, in a form the server can raise again."""
    if isinstance(exc, OrgGraphError):
        return ("error", (type(exc), exc.args, dict(vars(exc))))
    return ("bug", f"{type(exc).__name__}: {exc}")


def _raised(kind: str, value: Any) -> BaseException:
    """The error a child sent (``_portable``), rebuilt: the same class, message and
    attributes (a ``ValidationFailed``'s problems), whatever its ``__init__`` takes."""
    if kind == "error":
        cls, args, state = value
        exc: BaseException = cls.__new__(cls)
        Exception.__init__(exc, *args)
        exc.__dict__.update(state)
        return exc
    return RuntimeError(f"the heavy work failed in its child process: {value}")


class _Reporter:
    """The progress callback of a task in a child: reports go to the server (at most
    every ``REPORT_EVERY_SECONDS``), and a ``cancel`` from it stops the work."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.last = 0.0
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if stage != self.stage or done == total or now - self.last >= REPORT_EVERY_SECONDS:
            self.conn.send(("progress", stage, done, total))
            self.last, self.stage = now, stage
        if self.conn.poll():
            message = self.conn.recv()
            if message[0] == "cancel":
                raise Cancelled("the work was cancelled")


def _graphql(
    store: Any, settings: Settings, schema: Any, report: Progress, task: tuple[Any, ...]
) -> bytes:
    from orggraph.api.context import make_context
    from orggraph.api.errors import format_error

    actor, today, text, variables, operation_name = task
    context = make_context(store, settings, actor, today=today)
    result = schema.execute_sync(
        text, variable_values=variables, context_value=context, operation_name=operation_name
    )
    errors = [format_error(e).formatted for e in result.errors or ()]
    answer = {"data": result.data, "errors": errors, "extensions": result.extensions or {}}
    return orjson.dumps(answer)


def _export(
    store: Any, settings: Settings, schema: Any, report: Progress, task: tuple[Any, ...]
) -> tuple[bytes, str, str]:
    from orggraph.api.downloads import export_file

    actor, kind, query, job = task
    return export_file(store, settings, actor, kind, query, progress=report, job=job)


def _query_job(
    store: Any, settings: Settings, schema: Any, report: Progress, task: tuple[Any, ...]
) -> tuple[bytes, int]:
    from orggraph.api.jobs import query_answer

    actor, text, variables, name = task
    return query_answer(store, settings, actor, text, variables, name)


_TASKS: dict[str, Callable[[Any, Settings, Any, Progress, tuple[Any, ...]], Any]] = {
    "graphql": _graphql,
    "export": _export,
    "query-job": _query_job,
}


class _Audits:
    """A child's audit trail: the records its task makes, kept to hand to the server."""

    def __init__(self) -> None:
        self.kept: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, actor: str, action: str, detail: dict[str, Any]) -> None:
        self.kept.append((actor, action, detail))

    def handed(self) -> list[tuple[str, str, dict[str, Any]]]:
        kept, self.kept = self.kept, []
        return kept


def _child(conn: Connection, url: str, settings: Settings, parent: int) -> None:
    """A child's life: open the store, say ready, run tasks until told to stop (or the
    pipe closes, or the parent is gone)."""
    from orggraph.api.schema import build_schema
    from orggraph.api.workers import exit_when_orphaned
    from orggraph.store import open_store

    exit_when_orphaned(parent)
    os.nice(NICENESS)  # quick requests first: the kernel gives the server the processor
    try:
        store = open_store(url, settings)
        schema = build_schema(settings)
    except BaseException as exc:
        conn.send((*_portable(exc), []))
        return
    audits = _Audits()
    setattr(store, "record_audit", audits)  # noqa: B010 - this process's store only: see above
    freeze_long_lived()  # as the server: the index out of the collector's reach
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message[0] == "stop":
            break
        if message[0] != "run":
            continue  # a cancel that came after its task ended
        _, name, task = message
        try:
            store.refresh()
            value = _TASKS[name](store, settings, schema, _Reporter(conn), task)
        except BaseException as exc:
            if not isinstance(exc, OrgGraphError):
                log.exception("heavy %s task failed in its child process", name)
            conn.send((*_portable(exc), audits.handed()))
        else:
            conn.send(("done", value, audits.handed()))
    store.close()


# -- the server's side -------------------------------------------------------------------


class _Worker:
    """One child process and the server's end of its pipe."""

    def __init__(self, url: str, settings: Settings) -> None:
        spawn = multiprocessing.get_context("spawn")
        self.conn, theirs = spawn.Pipe()
        self.proc = spawn.Process(
            target=_child,
            args=(theirs, url, settings, os.getpid()),
            name="orggraph-heavy",
            daemon=True,
        )
        self.proc.start()
        theirs.close()

    def stop(self) -> None:
        """Ask the child to end; kill it if it does not within ``STOP_SECONDS``."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(("stop",))
        self.proc.join(STOP_SECONDS)
        self.kill()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(STOP_SECONDS)
        self.conn.close()


def _stop_all(workers: list[_Worker]) -> None:
    while workers:
        workers.pop().stop()


class HeavyPool:
    """Up to ``processes`` children over ``store`` (see the module)."""

    def __init__(self, store: GraphStore, settings: Settings, processes: int) -> None:
        self.store = store
        self.url = store.url
        self.settings = settings
        self.processes = processes
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        self._finalizer = weakref.finalize(self, _stop_all, self._workers)
        _pools.add(self)

    @property
    def pids(self) -> list[int]:
        """The children's process ids (those started so far)."""
        with self._lock:
            return [w.proc.pid for w in self._workers if w.proc.pid is not None]

    def start(self) -> None:
        """Start every child now, and wait until each has opened the store."""
        taken = [self._take() for _ in range(self.processes)]
        for worker in taken:
            self._idle.put(worker)

    def close(self) -> None:
        """End every child (the server is stopping)."""
        with self._lock:
            self._closed = True
        self._finalizer()

    # The tasks.

    def graphql(
        self,
        actor: Any,
        today: date,
        text: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
    ) -> dict[str, Any]:
        """A GraphQL query's answer (``data``, formatted ``errors``, ``extensions``)."""
        task = (actor, today, text, dict(variables or {}), operation_name)
        seconds = self.settings.request_seconds + GRACE_SECONDS
        raw = self._call("graphql", task, "a heavy GraphQL query", seconds=seconds)
        answer: dict[str, Any] = orjson.loads(raw)
        return answer

    def export(
        self,
        actor: Any,
        kind: str,
        query: Mapping[str, str],
        *,
        progress: Progress | None = None,
        job: str | None = None,
    ) -> tuple[bytes, str, str]:
        """``export_file`` in a child: ``(content, media type, file name)``."""
        task = (actor, kind, dict(query), job)
        made: tuple[bytes, str, str] = self._call(
            "export", task, f"the {kind} export", progress=progress
        )
        return made

    def query_job(
        self, actor: Any, text: str, variables: Mapping[str, Any], name: str | None
    ) -> tuple[bytes, int]:
        """``query_answer`` in a child: the job's answer and its rows."""
        task = (actor, text, dict(variables), name)
        answer: tuple[bytes, int] = self._call("query-job", task, "a query job")
        return answer

    # The children.

    def _take(self) -> _Worker:
        """An idle child: one waiting, a new one while fewer than ``processes`` run, or the
        next to come free. One that died while it waited is replaced unseen."""
        while True:
            try:
                waiting = self._idle.get_nowait()
            except queue.Empty:
                break
            if waiting.proc.is_alive():
                return waiting
            self._drop(waiting)
        with self._lock:
            if self._closed:
                raise Busy("服务器正在停止 the server is stopping: heavy work is not started")
            grow = len(self._workers) < self.processes
            if grow:
                worker = _Worker(self.url, self.settings)
                self._workers.append(worker)
        if not grow:
            return self._idle.get()  # the lane's turns keep this wait short
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            message = ("lost", None)
        if message[0] != "ready":
            self._drop(worker)
            if message[0] == "lost":
                raise Busy(
                    f"服务器正忙 the process for heavy work could not start (exit code "
                    f"{worker.proc.exitcode}); try again shortly"
                )
            raise _raised(message[0], message[1])
        return worker

    def _drop(self, worker: _Worker) -> None:
        """End ``worker`` and forget it: the next task starts another."""
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
        worker.kill()

    def _call(
        self,
        name: str,
        task: tuple[Any, ...],
        what: str,
        *,
        progress: Progress | None = None,
        seconds: float | None = None,
    ) -> Any:
        """Run ``task`` in a child; relay its progress; its answer, or its error raised."""
        worker = self._take()
        healthy = False
        try:
            try:
                worker.conn.send(("run", name, task))
            except OSError:
                raise self._lost(worker, what) from None
            deadline = time.monotonic() + seconds if seconds else None
            stopped: BaseException | None = None
            while True:
                if not worker.conn.poll(POLL_SECONDS):
                    if not worker.proc.is_alive():
                        raise self._lost(worker, what)
                    if deadline is not None and time.monotonic() > deadline:
                        raise Busy(
                            f"服务器正忙 {what} ran {GRACE_SECONDS:g} s past its time limit "
                            f"({self.settings.request_seconds:g} s, setting request_seconds) "
                            "and its process was ended: narrow it, or try again later"
                        )
                    continue
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    raise self._lost(worker, what) from None
                if message[0] == "progress":
                    if progress is not None and stopped is None:
                        try:
                            progress(*message[1:])
                        except Exception as exc:  # Cancelled, mostly: the child stops too
                            stopped = exc
                            worker.conn.send(("cancel",))
                    continue
                healthy = True
                kind, value, audits = message
                for record in audits:  # the task's audit records, written here
                    self.store.record_audit(*record)
                if stopped is not None:
                    raise stopped
                if kind == "done":
                    return value
                raise _raised(kind, value)
        finally:
            if healthy:
                self._idle.put(worker)
            else:
                self._drop(worker)

    def _lost(self, worker: _Worker, what: str) -> Busy:
        worker.proc.join(POLL_SECONDS)
        code = worker.proc.exitcode
        log.warning(
            "heavy child %s ended (exit code %s) while running %s", worker.proc.pid, code, what
        )
        return Busy(
            f"服务器正忙 the process running {what} ended unexpectedly (exit code {code}); "
            "another was started: try again"
        )


def relayed_result(answer: Mapping[str, Any]) -> ExecutionResult:
    """A child's GraphQL answer as graphql-core's result: its data, and its errors as
    errors that format to what they were (message, locations, path, extensions)."""
    errors = []
    for formatted in answer.get("errors") or ():
        error = GraphQLError(
            formatted["message"], path=formatted.get("path"), extensions=formatted.get("extensions")
        )
        places = formatted.get("locations")
        error.locations = (
            [SourceLocation(p["line"], p["column"]) for p in places] if places else None
        )
        errors.append(error)
    return ExecutionResult(data=answer.get("data"), errors=errors or None)


@atexit.register
def _stop_pools() -> None:
    for pool in list(_pools):
        pool.close()
