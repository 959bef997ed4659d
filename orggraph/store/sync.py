"""Copy a whole graph, with its history, from one store to another (embedded ⇄ Neo4j).

Every node version, link version and fact is read in the contract's stable order and
written, as it is, through the target's ``_apply`` in batches: no planning and no
validation, because the copy must be faithful (closed versions stay closed, history stays
as it was). The target must be empty unless ``replace`` is given. The copy is then checked
by comparing ``counts()`` and ``digest()`` of both stores.

With ``replace``, a Neo4j target is cleared first (its audit trail is kept); an embedded
target is written to a new file beside the old one, which replaces it only once the copy
checks out.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from orggraph.errors import ConfigError
from orggraph.model import Changes
from orggraph.settings import Settings
from orggraph.store import open_store
from orggraph.store.base import GraphStore

__all__ = ["SyncReport", "copy_graph", "is_empty", "sync_urls"]

T = TypeVar("T")

#: Versions written per transaction.
SYNC_BATCH = 10_000


@dataclass(frozen=True, kw_only=True, slots=True)
class SyncReport:
    """What a copy moved, and whether both stores now hold the same graph."""

    source: str
    target: str
    source_counts: dict[str, int]
    target_counts: dict[str, int]
    source_digest: str
    target_digest: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.source_counts == self.target_counts and self.source_digest == self.target_digest


def is_empty(store: GraphStore) -> bool:
    """Whether ``store`` holds no node version, link version or fact."""
    return not any(
        next(iter(records), None) is not None
        for records in (store.all_nodes(), store.all_links(), store.all_facts())
    )


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def copy_graph(
    source: GraphStore,
    target: GraphStore,
    *,
    batch_size: int = SYNC_BATCH,
    actor: str = "sync",
    progress: Callable[[str, int], None] | None = None,
) -> SyncReport:
    """Copy every version and fact of ``source`` into the empty ``target``, then compare."""
    if batch_size < 1:
        raise ConfigError(f"batch size {batch_size} must be at least 1")
    started = time.monotonic()
    rest = (batch_size, actor, progress)
    with target._write_lock:
        _copy_part(
            target, source.all_nodes(), lambda b: Changes(add_nodes=b), "node_versions", *rest
        )
        _copy_part(
            target, source.all_links(), lambda b: Changes(add_links=b), "link_versions", *rest
        )
        _copy_part(target, source.all_facts(), lambda b: Changes(facts=b), "facts", *rest)
    return SyncReport(
        source=source.url,
        target=target.url,
        source_counts=source.counts(),
        target_counts=target.counts(),
        source_digest=source.digest(),
        target_digest=target.digest(),
        seconds=time.monotonic() - started,
    )


def _copy_part(
    target: GraphStore,
    records: Iterable[T],
    make: Callable[[list[T]], Changes],
    what: str,
    batch_size: int,
    actor: str,
    progress: Callable[[str, int], None] | None,
) -> None:
    done = 0
    for batch in _batches(records, batch_size):
        target._apply(make(batch), actor)
        done += len(batch)
        if progress is not None:
            progress(what, done)


def sync_urls(
    from_url: str,
    to_url: str,
    settings: Settings,
    *,
    replace: bool = False,
    batch_size: int = SYNC_BATCH,
    progress: Callable[[str, int], None] | None = None,
) -> SyncReport:
    """Open both stores by URL and copy; see the module docstring for ``replace``."""
    if from_url == to_url:
        raise ConfigError(f"--from and --to name the same store {from_url!r}")
    with open_store(from_url, settings) as source:
        sqlite_path = _sqlite_path(to_url)
        if replace and sqlite_path is not None and sqlite_path.exists():
            return _replace_sqlite(source, sqlite_path, settings, batch_size, progress)
        with open_store(to_url, settings) as target:
            if not is_empty(target):
                clear = getattr(target, "clear", None)
                if not replace:
                    raise ConfigError(
                        f"target store {target.url!r} is not empty; pass --replace to overwrite it"
                    )
                if not callable(clear):
                    raise ConfigError(f"target store {target.url!r} cannot be cleared")
                clear()
            return copy_graph(source, target, batch_size=batch_size, progress=progress)


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    if "://" not in url:
        return Path(url)
    return None


def _replace_sqlite(
    source: GraphStore,
    path: Path,
    settings: Settings,
    batch_size: int,
    progress: Callable[[str, int], None] | None,
) -> SyncReport:
    """Copy into a new file beside ``path``; swap it in only if the copy checks out."""
    fresh = path.with_name(path.name + ".sync-new")
    for leftover in _sqlite_files(fresh):
        leftover.unlink(missing_ok=True)
    with open_store(f"sqlite:///{fresh}", settings) as target:
        report = copy_graph(source, target, batch_size=batch_size, progress=progress)
    if not report.ok:
        return report
    # The old file's WAL must not outlive it: SQLite would replay it onto the new file.
    for stale in _sqlite_files(path)[1:]:
        stale.unlink(missing_ok=True)
    os.replace(fresh, path)
    return SyncReport(
        source=report.source,
        target=f"sqlite:///{path}",
        source_counts=report.source_counts,
        target_counts=report.target_counts,
        source_digest=report.source_digest,
        target_digest=report.target_digest,
        seconds=report.seconds,
    )


def _sqlite_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
