"""The jobs' board and runner (``orggraph.api.jobs`` is the HTTP side).

``JobBoard`` keeps each job as files in one folder, ``<id>.json`` (its status and owner)
and ``<id>.result``, so that every worker process (``--workers``) answers for every job and
a result lies on disk, not in memory; ``<id>.cancel`` marks a cancelled one. Every change
is made under a file lock (the workers are processes, the jobs threads) and written whole
(``os.replace``). ``JobRunner`` starts a job on a thread of its own, in its turn in the heavy
lane (``HeavyLane.queue``), and hands the work a progress callback that records the stage
(``orggraph.progress``), an overall percent (``overall``) and the rows, and raises
``Cancelled`` once the job is cancelled.
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

import orjson

from orggraph.api.context import Actor
from orggraph.api.lanes import HeavyLane
from orggraph.errors import Cancelled, OrgGraphError
from orggraph.exports.render import WRITING
from orggraph.progress import Progress, percent
from orggraph.settings import Settings

__all__ = [
    "ACTIVE",
    "STATUS_FIELDS",
    "JobBoard",
    "JobRunner",
    "JobSpec",
    "Output",
    "TooManyJobs",
    "default_folder",
    "overall",
    "public",
]

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
#: A running job writes its status at most this often, in seconds (a stage change at once).
STATUS_EVERY_SECONDS = 0.1
_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")


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
        self._lock_path = folder / ".lock"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the board's lock (other threads and other processes wait). The folder is
        made here, on first use: a server nobody starts a job on leaves none behind."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
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

    @staticmethod
    def expired(record: Mapping[str, Any], keep_seconds: float) -> bool:
        """Whether ``record`` finished more than ``keep_seconds`` ago."""
        ended = record["ended"]
        return ended is not None and time.time() - ended > keep_seconds

    def sweep(self, keep_seconds: float) -> None:
        """Delete the jobs finished more than ``keep_seconds`` ago; mark failed the jobs
        whose process has gone (a worker restarted)."""
        now = time.time()
        with self.locked():
            for record in self.records():
                if record["state"] in FINISHED:
                    if self.expired(record, keep_seconds):
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
