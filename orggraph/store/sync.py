"""Copy a whole graph, with its history, from one store to another (embedded ⇄ Neo4j).

Every node version, link version and fact is read in the contract's stable order and
written, as it is, through the target's ``_apply`` in batches: no planning and no
validation, because the copy must be faithful (closed versions stay closed, history stays
as it was). The target must be empty unless ``replace`` is given, and the batches run as
the target's bulk load (``GraphStore.bulk_load``: Neo4j builds each part's keys and
read-only indexes once that part is written, and the copy returns once they are online;
it writes two batches at once where they cannot meet, ``bulk_writers``). The copy is then
checked by comparing ``counts()`` and ``digest()`` of both stores. ``copy_records`` is the
writing half, for a caller that holds the records already (the benchmarks).

An embedded target is always written to a new file beside its path, which becomes the
store only once the copy checks out: a copy stopped half way (Ctrl-C, ``Cancelled`` from
``progress``, an error) leaves the old file, or no file, as it was. With ``replace``, a
Neo4j target is cleared first (its audit trail is kept); a Neo4j copy cut short leaves its
bulk-load marker, and the next copy into it says so.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from orggraph.errors import ConfigError
from orggraph.model import Changes, Fact, Link, Node
from orggraph.progress import Progress, silent
from orggraph.settings import Settings
from orggraph.store import open_store
from orggraph.store.base import GraphStore, gc_paused, written_nothing

__all__ = ["SyncReport", "copy_graph", "copy_records", "is_empty", "sync_urls"]

T = TypeVar("T")

#: Versions written per transaction.
SYNC_BATCH = 10_000
#: The parts of a copy, in order: ``copy_records`` times each (``indexes``: the target's
#: bulk load finishing, its deferred indexes built and online).
PARTS = ("node_versions", "link_versions", "facts", "indexes")
#: What ``progress`` calls each part written (the stage), Chinese first.
PART_STAGES = {
    "node_versions": "复制节点版本 node versions",
    "link_versions": "复制关系版本 link versions",
    "facts": "复制年度数据 facts",
}
#: The stage of the comparison after the copy: both stores' counts and digests.
COMPARING = "核对两端 comparing both stores"


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
    #: Seconds of each of ``PARTS`` (the reading of the source included).
    part_seconds: dict[str, float]

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
    progress: Progress = silent,
) -> SyncReport:
    """Copy every version and fact of ``source`` into the empty ``target``, then compare.

    ``progress(stage, done, total)`` hears of each batch written (``PART_STAGES``), then
    of each digest computed (``COMPARING``).
    """
    started = time.monotonic()
    totals = source.counts()
    parts = copy_records(
        target,
        source.all_nodes(),
        source.all_links(),
        source.all_facts(),
        batch_size=batch_size,
        actor=actor,
        progress=progress,
        totals=totals,
    )
    progress(COMPARING, 0, 2)
    source_digest = source.digest()
    progress(COMPARING, 1, 2)
    target_digest = target.digest()
    progress(COMPARING, 2, 2)
    return SyncReport(
        source=source.url,
        target=target.url,
        source_counts=source.counts(),
        target_counts=target.counts(),
        source_digest=source_digest,
        target_digest=target_digest,
        seconds=time.monotonic() - started,
        part_seconds=parts,
    )


def copy_records(
    target: GraphStore,
    nodes: Iterable[Node],
    links: Iterable[Link],
    facts: Iterable[Fact],
    *,
    batch_size: int = SYNC_BATCH,
    actor: str = "sync",
    progress: Progress = silent,
    bulk: bool = True,
    totals: dict[str, int] | None = None,
) -> dict[str, float]:
    """Write the records as they are into the empty ``target``; the seconds of each part.

    Batches of ``batch_size`` versions, each one ``_apply`` (one transaction, audited as
    ``actor``), node versions first, so that links find their ends' anchors made.
    ``progress(PART_STAGES[part], done, total)`` follows each batch (``total`` from
    ``totals[part]`` when given), and once more when what indexes the part is built.
    With ``bulk`` (the default) the batches run inside ``target.bulk_load``: each part's
    seconds then include building its indexes (Neo4j: its deferred keys and
    indexes, online), ``target.bulk_writers`` batches of node versions or of facts are
    written at once (versions and facts are each written once, with nothing to find
    among themselves; a link batch makes and finds its ends' anchors, so links go one
    batch after another), and the ``indexes`` part is the time it takes to set up and to
    finish. ``bulk=False`` writes one batch at a time with every index in place, as a
    store's ordinary writes do (kept to compare the two).
    """
    if batch_size < 1:
        raise ConfigError(f"batch size {batch_size} must be at least 1")
    writers = target.bulk_writers if bulk else 1
    seconds: dict[str, float] = {}
    parts: list[tuple[str, Iterable[Any], Callable[[list[Any]], Changes], int]] = [
        ("node_versions", nodes, lambda b: Changes(add_nodes=b), writers),
        ("link_versions", links, lambda b: Changes(add_links=b), 1),
        ("facts", facts, lambda b: Changes(facts=b), writers),
    ]
    loading: contextlib.AbstractContextManager[Callable[[str], None]] = (
        target.bulk_load(actor) if bulk else contextlib.nullcontext(written_nothing)
    )
    # No cyclic garbage collection meanwhile: records and rows are made by the million,
    # none in a cycle, and the collector would walk them again and again (gc_paused).
    with target._write_lock, gc_paused():
        began = time.monotonic()
        with loading as written:
            seconds["indexes"] = time.monotonic() - began  # setting the bulk load up
            for what, records, make, at_once in parts:
                began = time.monotonic()

                def write(batch: list[Any], make: Callable[[list[Any]], Changes] = make) -> int:
                    target._apply(make(batch), actor)
                    return len(batch)

                done = 0
                stage, total = PART_STAGES[what], (totals or {}).get(what)
                progress(stage, done, total)
                for done in _written(write, _batches(records, batch_size), at_once):
                    progress(stage, done, total)
                written(what)
                progress(stage, done, total)
                seconds[what] = time.monotonic() - began
            began = time.monotonic()
        seconds["indexes"] += time.monotonic() - began
    return seconds


def _written(write: Callable[[T], int], batches: Iterable[T], at_once: int) -> Iterator[int]:
    """Write each batch, ``at_once`` at a time; the running count after each one written.

    The first error stops the copy: batches not yet begun are dropped, those being
    written finish (each is its own transaction), and the error is raised.
    """
    done = 0
    if at_once == 1:
        for batch in batches:
            done += write(batch)
            yield done
        return
    with ThreadPoolExecutor(at_once, thread_name_prefix="orggraph-copy") as pool:
        pending: set[Future[int]] = set()
        try:
            for batch in batches:
                if len(pending) >= at_once:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        done += future.result()
                        yield done
                pending.add(pool.submit(write, batch))
            for future in as_completed(pending):
                done += future.result()
                yield done
        finally:
            for future in pending:
                future.cancel()


def sync_urls(
    from_url: str,
    to_url: str,
    settings: Settings,
    *,
    replace: bool = False,
    batch_size: int = SYNC_BATCH,
    progress: Progress = silent,
) -> SyncReport:
    """Open both stores by URL and copy; see the module docstring for ``replace``."""
    if from_url == to_url:
        raise ConfigError(f"--from and --to name the same store {from_url!r}")
    with open_store(from_url, settings) as source:
        sqlite_path = _sqlite_path(to_url)
        if sqlite_path is not None:
            if not replace and sqlite_path.exists():
                with open_store(to_url, settings) as target:
                    if not is_empty(target):
                        raise ConfigError(
                            f"target store {target.url!r} is not empty; "
                            "pass --replace to overwrite it"
                        )
            return _replace_sqlite(source, sqlite_path, settings, batch_size, progress)
        with open_store(to_url, settings) as target:
            if not is_empty(target):
                if not replace:
                    raise ConfigError(
                        f"target store {target.url!r} is not empty{_cut_short(target)}; "
                        "pass --replace to overwrite it"
                    )
                target.clear()
            return copy_graph(source, target, batch_size=batch_size, progress=progress)


def _cut_short(store: GraphStore) -> str:
    """Why a target holds data, when a copy into it was cut short (Neo4j's bulk load marker)."""
    found = store.unfinished_bulk_load()
    if not found:
        return ""
    return (
        f" (it holds a copy cut short: a bulk load by {found['actor']!r} began at "
        f"{found['started']} and did not finish)"
    )


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
    progress: Progress,
) -> SyncReport:
    """Copy into a new file beside ``path``; swap it in only if the copy checks out.

    A copy stopped half way (Ctrl-C, ``Cancelled``, an error) removes the new file.
    """
    fresh = path.with_name(path.name + ".sync-new")
    for leftover in _sqlite_files(fresh):
        leftover.unlink(missing_ok=True)
    try:
        with open_store(f"sqlite:///{fresh}", settings) as target:
            report = copy_graph(source, target, batch_size=batch_size, progress=progress)
    except BaseException:
        for leftover in _sqlite_files(fresh):
            leftover.unlink(missing_ok=True)
        raise
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
        part_seconds=report.part_seconds,
    )


def _sqlite_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
