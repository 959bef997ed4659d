"""Backups (备份) and restores (恢复) of any store, as one SQLite file.

A backup is a consistent copy of every node version, link version, fact and audit record,
written in the embedded store's own tables plus a ``backup_info`` table (format, source,
time, digest, counts). So a backup is itself a working embedded store
(``orggraph --store sqlite:///backup.db check``), and restores into either store.

How each store is copied consistently while writes go on:

- **embedded**: SQLite's online backup API, in one step: one read transaction over the
  WAL, so writers in this process and in others carry on, and the copy is the file as it
  was at one commit.
- **Neo4j**: one write transaction that first takes the lock on the audit counter, which
  every write takes as its last statement (``neo4j_cypher.AUDIT``). Neo4j reads are read
  committed; holding that lock, no write can commit while the dump reads, and writes
  committed before it are all seen: the dump is a snapshot. Writers wait for the dump (a
  city: seconds), then go on.

A restore checks the file first (SQLite's integrity check, and that the recorded digest
is the digest of what the file holds), writes everything in one transaction into an empty
store (``replace``: after emptying it), and checks the store's ``digest()`` equals the
backup's. Whatever ``orggraph check`` finds in the data is the source's: it is restored
faithfully and reported. The backup's audit trail is copied when the target has none; a
``restore`` audit record is always added.

Both take an optional ``progress(stage, done, total)`` (``orggraph.progress``) that hears
of each step (begun: ``total`` unknown; done: 1 of 1); a ``Cancelled`` it raises stops
the work before anything is visible: a backup's partial file is removed, a restore's one
transaction is not begun.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import orjson

import orggraph
from orggraph.errors import OrgGraphError, Problem, ValidationFailed
from orggraph.model import Changes, Fact, Link, Node
from orggraph.model.codec import attrs_to_json
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.integrity import integrity_problems

__all__ = ["FORMAT", "BackupInfo", "RestoreReport", "backup", "read_backup", "restore"]

#: The ``format`` a backup file records in ``backup_info``.
FORMAT = "orggraph-backup/1"
#: What ``read_backup`` calls a plain embedded store file (no ``backup_info``).
PLAIN_STORE = "embedded-store"

T = TypeVar("T")

#: The steps ``progress`` hears of (stages), Chinese first.
COPYING = "复制存储 copying the store"
SEALING = "校验并封存备份 checking and sealing"
CHECKING = "校验备份文件 checking the backup"
READING = "读取备份记录 reading records"
WRITING = "写入存储 writing"
VERIFYING = "核对摘要 verifying the digest"

_INFO_TABLE = "CREATE TABLE IF NOT EXISTS backup_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


@dataclass(frozen=True, kw_only=True, slots=True)
class BackupInfo:
    """What a backup file holds: where from, when, and its content digest and counts."""

    path: str
    format: str
    source: str
    taken_at: str
    digest: str
    node_versions: int
    link_versions: int
    facts: int
    audit_records: int
    bytes: int


@dataclass(frozen=True, kw_only=True, slots=True)
class RestoreReport:
    """A finished restore: the backup it came from and the store it went into."""

    backup: BackupInfo
    store: str
    replaced: bool
    audit_copied: int
    digest: str
    #: What ``orggraph check`` finds in the restored data (restored faithfully all the same).
    warnings: tuple[str, ...] = ()


# -- backup -----------------------------------------------------------------------------
def backup(
    store: GraphStore, target: str | Path, *, actor: str = "backup", progress: Progress = silent
) -> BackupInfo:
    """Write a consistent copy of ``store`` to ``target`` (an SQLite file); return its info.

    The file appears at ``target`` only when complete (written beside it, then renamed).
    The backup is recorded in the store's audit trail (who copied the data, and when).
    """
    path = Path(target)
    if not path.parent.is_dir():
        raise OrgGraphError(f"backup folder {str(path.parent)!r} does not exist")
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    taken_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        progress(COPYING, 0, None)
        store.backup_to(partial)
        progress(COPYING, 1, 1)
        progress(SEALING, 0, None)
        info = _seal(partial, source=store.url, taken_at=taken_at, final=path)
        progress(SEALING, 1, 1)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    store.record_audit(
        actor, "backup", {"file": path.name, "digest": info.digest, "taken_at": taken_at}
    )
    return info


def write_snapshot(
    target: Path,
    nodes: Iterable[Node],
    links: Iterable[Link],
    facts: Iterable[Fact],
    audit: Iterable[dict[str, Any]],
) -> None:
    """A store's records (a Neo4j snapshot, ``snapshot_tx``) written at ``target`` as the
    embedded store's rows: one transaction into the embedded schema, exactly."""
    EmbeddedStore(target, index_snapshot=False).close()
    with closing(sqlite3.connect(target, isolation_level=None)) as db:
        db.execute("BEGIN")
        insert_records(db, nodes, links, facts)
        db.executemany(
            "INSERT INTO audit (seq, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
            [(a["seq"], a["at"], a["actor"], a["action"], a["detail"]) for a in audit],
        )
        db.execute("COMMIT")


#: Takes the lock every write takes last (the audit counter's), without changing it. The
#: lock is taken by writing ``_lock`` *before* the value is read: ``SET c.value = c.value``
#: read first and could write back a value older than a writer's commit (the counter went
#: back, and every later audit record then collided on ``seq``).
_LOCK_WRITES = (
    "MERGE (c:Counter {name: 'audit'}) ON CREATE SET c.value = 0 "
    "SET c._lock = true "
    "WITH c REMOVE c._lock "
    "RETURN c.value AS seq"
)
#: The audit trail, oldest first, the detail as the JSON text it is kept as.
_AUDIT_TRAIL = (
    "MATCH (a:Audit) WHERE a.seq IS NOT NULL "
    "RETURN a.seq AS seq, a.at AS at, a.actor AS actor, a.action AS action, "
    "a.detail AS detail ORDER BY a.seq"
)


def snapshot_tx(
    tx: Any,
) -> tuple[list[Node], list[Link], list[Fact], list[dict[str, Any]]]:
    """Every record and audit record, read under the writers' lock: a snapshot.

    (A Neo4j transaction alone reads committed data statement by statement, not one state:
    without the lock, a write committing between the node pages and the link pages is half
    in the dump; ``tests/reliability/test_backup.py`` sees exactly that.) Runs again from
    the start if the driver retries it; nothing is kept between runs.
    """
    from orggraph.store.neo4j import read_all_records

    tx.run(_LOCK_WRITES).consume()
    nodes, links, facts = read_all_records(tx)
    audit = [record.data() for record in tx.run(_AUDIT_TRAIL)]
    return nodes, links, facts, audit


def insert_records(
    db: sqlite3.Connection, nodes: Iterable[Node], links: Iterable[Link], facts: Iterable[Fact]
) -> None:
    """Rows of the embedded store's tables, exactly as ``EmbeddedStore`` writes them."""
    dumps = orjson.dumps
    db.executemany(
        "INSERT INTO nodes (id, kind, name, valid_from, valid_to, attrs) VALUES (?, ?, ?, ?, ?, ?)",
        (
            (
                n.id,
                n.kind.value,
                n.name,
                n.valid_from.isoformat(),
                n.valid_to.isoformat() if n.valid_to else None,
                dumps(attrs_to_json(n.attrs)),
            )
            for n in nodes
        ),
    )
    db.executemany(
        "INSERT INTO links (id, kind, source, target, valid_from, valid_to, attrs) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (
                x.id,
                x.kind.value,
                x.source,
                x.target,
                x.valid_from.isoformat(),
                x.valid_to.isoformat() if x.valid_to else None,
                dumps(attrs_to_json(x.attrs)),
            )
            for x in links
        ),
    )
    db.executemany(
        "INSERT INTO facts (node_id, year, name, value) VALUES (?, ?, ?, ?)",
        ((f.node_id, f.year, f.name, dumps(f.value)) for f in facts),
    )


def _seal(partial: Path, *, source: str, taken_at: str, final: Path) -> BackupInfo:
    """Check the copy, record what it holds, make it one self-contained file."""
    with EmbeddedStore(partial, index_snapshot=False) as copy:
        problems = copy.integrity_problems()
        if problems:
            raise OrgGraphError(f"the backup copy failed SQLite's integrity check: {problems[:5]}")
        digest = copy.digest()
        counts = copy.counts()
    with closing(sqlite3.connect(partial, isolation_level=None)) as db:
        audit_records = int(db.execute("SELECT count(*) FROM audit").fetchone()[0])
        values = {
            "format": FORMAT,
            "source": source,
            "taken_at": taken_at,
            "digest": digest,
            "node_versions": str(counts["node_versions"]),
            "link_versions": str(counts["link_versions"]),
            "facts": str(counts["facts"]),
            "audit_records": str(audit_records),
            "orggraph_version": orggraph.__version__,
        }
        db.execute(_INFO_TABLE)
        db.executemany("INSERT OR REPLACE INTO backup_info VALUES (?, ?)", values.items())
        # One file, no -wal beside it: a backup is copied around as a single file.
        db.execute("PRAGMA journal_mode=DELETE")
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    return _info(final, values, partial.stat().st_size)


def _info(path: Path, values: dict[str, str], size: int) -> BackupInfo:
    return BackupInfo(
        path=str(path),
        format=values.get("format", PLAIN_STORE),
        source=values.get("source", ""),
        taken_at=values.get("taken_at", ""),
        digest=values.get("digest", ""),
        node_versions=int(values.get("node_versions", 0)),
        link_versions=int(values.get("link_versions", 0)),
        facts=int(values.get("facts", 0)),
        audit_records=int(values.get("audit_records", 0)),
        bytes=size,
    )


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- reading a backup -------------------------------------------------------------------
def _bad_file(path: Path, rule: str, message: str) -> ValidationFailed:
    return ValidationFailed([Problem(rule=rule, message=message, file=str(path))])


def _open_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise _bad_file(path, "file-not-found", "no such backup file")
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


def read_backup(path: str | Path) -> BackupInfo:
    """What the backup at ``path`` says it holds (an embedded store file says nothing).

    Raises ``ValidationFailed`` when the file is not an SQLite file with the store's tables.
    """
    source = Path(path)
    try:
        with closing(_open_read_only(source)) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if not {"nodes", "links", "facts", "audit"} <= tables:
                raise _bad_file(
                    source,
                    "backup-format",
                    "not an orggraph backup: the tables nodes, links, facts and audit are missing",
                )
            values: dict[str, str] = {}
            if "backup_info" in tables:
                values = dict(db.execute("SELECT key, value FROM backup_info").fetchall())
    except sqlite3.DatabaseError as exc:
        raise _bad_file(
            source, "backup-format", f"not an orggraph backup (an SQLite file): {exc}"
        ) from exc
    fmt = values.get("format", PLAIN_STORE)
    if fmt not in (FORMAT, PLAIN_STORE):
        raise _bad_file(source, "backup-format", f"backup format {fmt!r}; expected {FORMAT!r}")
    return _info(source, values, source.stat().st_size)


@contextmanager
def opened_backup(path: str | Path) -> Iterator[tuple[BackupInfo, EmbeddedStore]]:
    """The backup at ``path``, checked, as an embedded store over a private copy of it.

    The file itself is never written to. Raises ``ValidationFailed`` naming the file when it
    is not a sound backup: SQLite's integrity check finds a problem, or its content does not
    have the digest it recorded. (Problems in the data itself, which ``orggraph check``
    reports, are the source's: a backup keeps them, and ``restore`` reports them.)
    """
    source = Path(path)
    info = read_backup(source)
    folder = Path(tempfile.mkdtemp(prefix="orggraph-restore-"))
    try:
        copy_path = folder / "backup.db"
        with closing(_open_read_only(source)) as src, closing(sqlite3.connect(copy_path)) as dst:
            src.backup(dst)
        with EmbeddedStore(copy_path, index_snapshot=False) as copy:
            problems = [
                Problem(rule="backup-integrity", message=f"sqlite: {line}", file=str(source))
                for line in copy.integrity_problems()
            ]
            digest = copy.digest()
            if info.digest and digest != info.digest:
                problems.append(
                    Problem(
                        rule="backup-digest",
                        message=f"the content's digest is {digest}, the backup recorded "
                        f"{info.digest}: the file was changed or damaged after it was written",
                        file=str(source),
                    )
                )
            if problems:
                raise ValidationFailed(problems)
            if not info.digest:
                counts = copy.counts()
                info = _info(
                    source,
                    {
                        "digest": digest,
                        **{k: str(v) for k, v in counts.items()},
                        "source": f"sqlite:///{source}",
                    },
                    info.bytes,
                )
            yield info, copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- restore ----------------------------------------------------------------------------
def _is_empty(store: GraphStore) -> bool:
    return not any(
        next(iter(records), None) is not None
        for records in (store.all_nodes(), store.all_links(), store.all_facts())
    )


def restore(
    store: GraphStore,
    source: str | Path,
    *,
    replace: bool = False,
    actor: str = "restore",
    progress: Progress = silent,
) -> RestoreReport:
    """Restore the backup at ``source`` into ``store``, all or nothing; check its digest.

    The store must be empty unless ``replace``, which empties it first (the embedded store
    in the same transaction; Neo4j in batches before it, as ``Neo4jStore.clear`` does).
    The audit trail is never emptied: it is append-only.
    """
    progress(CHECKING, 0, None)
    with opened_backup(source) as (info, copy), store.writes_held():
        progress(CHECKING, 1, 1)
        if not replace and not _is_empty(store):
            raise ValidationFailed(
                [
                    Problem(
                        rule="restore-target-not-empty",
                        message=f"the store {store.url} already holds data; restore into an "
                        "empty store, or pass --replace to replace its content",
                        value=store.url,
                    )
                ]
            )
        total = info.node_versions + info.link_versions + info.facts
        read: list[int] = [0]
        changes = Changes(
            add_nodes=_counted(copy.all_nodes(), read, total, progress),
            add_links=_counted(copy.all_links(), read, total, progress),
            facts=_counted(copy.all_facts(), read, total, progress),
        )
        trail = list(reversed(copy.audit_log(limit=2**31)))
        detail = {
            "file": Path(source).name,
            "source": info.source,
            "taken_at": info.taken_at,
            "digest": info.digest,
            "replace": replace,
        }
        warnings = tuple(integrity_problems(copy))
        progress(WRITING, 0, None)  # the last point a Cancelled stops at: one transaction next
        copied = store.restore_records(changes, trail, detail, actor=actor, replace=replace)
        progress(WRITING, 1, 1)
    progress(VERIFYING, 0, None)
    digest = store.digest()
    progress(VERIFYING, 1, 1)
    if digest != info.digest:
        raise OrgGraphError(
            f"the restored store's digest is {digest}, the backup's {info.digest}: "
            "the restore did not reproduce the backup; restore again with --replace"
        )
    return RestoreReport(
        backup=info,
        store=store.url,
        replaced=replace,
        audit_copied=copied,
        digest=digest,
        warnings=warnings,
    )


def _counted(records: Iterable[T], read: list[int], total: int, progress: Progress) -> list[T]:
    """``records`` as a list, ``progress`` told every 10,000 (``read[0]``: the running count)."""
    out: list[T] = []
    for record in records:
        out.append(record)
        read[0] += 1
        if read[0] % 10_000 == 0:
            progress(READING, read[0], total)
    progress(READING, read[0], total)
    return out


def neo4j_restore_audit(trail: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The backup's audit ``trail`` as the parameters of ``neo4j_cypher.AUDIT``, with
    write ids made here, outside the driver's retry loop: a retried transaction finds them
    and adds no second copy (``AUDIT`` merges on them)."""
    run = uuid.uuid4().hex
    return [
        {
            "write_id": f"restore-{run}-{a['seq']}",
            "at": a["at"],
            "actor": a["actor"],
            "action": a["action"],
            "detail": orjson.dumps(a["detail"]).decode(),
        }
        for a in trail
    ]


def restore_rows(
    db: sqlite3.Connection,
    changes: Changes,
    trail: list[dict[str, Any]],
    detail: dict[str, Any],
    actor: str,
    replace: bool,
) -> int:
    """One SQLite transaction on an embedded store's connection: the delete (``replace``),
    the records, the trail (into an empty one) and the ``restore`` record; how many audit
    records were copied."""
    try:
        db.execute("BEGIN IMMEDIATE")
        empty_trail = db.execute("SELECT count(*) FROM audit").fetchone()[0] == 0
        if replace:
            for table in ("nodes", "links", "facts"):
                db.execute(f"DELETE FROM {table}")  # fixed names, not input
        insert_records(db, changes.add_nodes, changes.add_links, changes.facts)
        copied = trail if empty_trail else []
        db.executemany(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)",
            [(a["at"], a["actor"], a["action"], orjson.dumps(a["detail"])) for a in copied],
        )
        db.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)",
            (datetime.now(UTC).isoformat(), actor, "restore", orjson.dumps(detail)),
        )
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return len(copied)
