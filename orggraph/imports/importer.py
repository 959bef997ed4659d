"""An import from end to end: read every file, convert, check everything, write once.

Nothing is written unless every file, sheet and row passes: the whole import is one
``GraphStore.write`` (one transaction). A failed import raises ``ValidationFailed`` with
every problem, sorted by file, sheet and row; the store is exactly as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from orggraph.errors import Problem, ValidationFailed
from orggraph.imports.convert import (
    RowRecords,
    Where,
    convert_objects,
    convert_rows,
    resolve_headers,
    unknown_table,
)
from orggraph.imports.readers import Grid, Objects, expand_paths, read_file
from orggraph.imports.tables import find_table
from orggraph.imports.validate import check_records
from orggraph.progress import Progress, silent
from orggraph.settings import Settings
from orggraph.store.base import GraphStore

__all__ = ["ImportReport", "import_files", "import_records", "import_rows", "read_records"]

DEFAULT_MAX_BYTES = Settings().max_import_bytes
#: The stages an import reports to its ``progress`` callback.
STAGE_READ, STAGE_CHECK, STAGE_WRITE = "读取文件", "检查", "写入"


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportReport:
    """What an import read and wrote (or, with ``dry_run``, would write)."""

    files: tuple[str, ...]
    effective: date
    dry_run: bool
    rows: Mapping[str, int]  # table name → rows read
    nodes_added: int
    nodes_closed: int
    links_added: int
    links_closed: int
    facts: int
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def versions_added(self) -> int:
        return self.nodes_added + self.links_added

    @property
    def versions_closed(self) -> int:
        return self.nodes_closed + self.links_closed

    @property
    def changed(self) -> bool:
        """Whether the import wrote (or, dry, would write) anything at all."""
        return bool(self.versions_added or self.versions_closed or self.facts)

    @property
    def rows_read(self) -> int:
        return sum(self.rows.values())


def read_records(
    paths: Sequence[str | Path],
    *,
    effective: date,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress = silent,
) -> tuple[RowRecords, list[str]]:
    """Every record of the files at ``paths`` (folders: their files), and the files read."""
    files, problems = expand_paths(paths)
    out = RowRecords(problems=problems)
    for done, path in enumerate(files):
        progress(STAGE_READ, done, len(files))
        tables, problems = read_file(path, max_bytes)
        out.problems += problems
        for table in tables:
            _convert(table, effective, out)
    progress(STAGE_READ, len(files), len(files))
    return out, [str(f) for f in files]


def _convert(table: Grid | Objects, effective: date, out: RowRecords) -> None:
    spec = find_table(table.table)
    if isinstance(table, Objects):
        if spec is None:
            out.problems.append(unknown_table(table.table, table.file, table.sheet))
            return
        convert_objects(spec, table.rows, table.file, table.sheet, effective, out)
        return
    if spec is None:
        out.problems.append(unknown_table(table.table, table.file, table.sheet))
        return
    out.rows.setdefault(spec.name, 0)
    head = Where(file=table.file, sheet=table.sheet, row=table.header_row)
    columns, problems = resolve_headers(spec, table.headers, head)
    out.problems += problems
    present = {c.name for c in columns if c is not None}
    absent = frozenset(c.name for c in spec.required() if c.name not in present)
    headers = {
        c.name: str(h).strip() for c, h in zip(columns, table.headers, strict=True) if c is not None
    }
    rows = (
        (Where(file=table.file, sheet=table.sheet, row=number, headers=headers), values)
        for number, values in table.rows
    )
    convert_rows(spec, columns, rows, effective, out, absent)


def import_records(
    store: GraphStore,
    records: RowRecords,
    *,
    effective: date,
    files: Sequence[str] = (),
    dry_run: bool = False,
    actor: str = "import",
    min_full_members: int = 3,
    progress: Progress = silent,
    clip_links: bool = False,
) -> ImportReport:
    """Check ``records`` against the store and write them in one transaction.

    Raises ``ValidationFailed`` with every problem (errors and warnings), located, when any
    error is found; nothing is written then. ``dry_run`` checks and counts, writes nothing.
    """
    progress(STAGE_CHECK, 0, 1)
    checked = check_records(
        store, records, effective=effective, min_full_members=min_full_members, clip=clip_links
    )
    progress(STAGE_CHECK, 1, 1)
    if checked.errors:
        raise ValidationFailed(sorted(checked.problems, key=_order))
    changes = checked.changes
    counts = (
        len(changes.add_nodes),
        len(changes.close_nodes),
        len(changes.add_links),
        len(changes.close_links),
        len(changes.facts),
    )
    if not dry_run and any(counts):
        progress(STAGE_WRITE, 0, 1)
        try:
            result = store.write(checked.batch, actor=actor)
        except ValidationFailed:
            # The store changed between the check and the write (another writer): check again
            # to say where, then refuse.
            again = check_records(store, records, effective=effective, clip=clip_links)
            if again.errors:
                raise ValidationFailed(sorted(again.problems, key=_order)) from None
            raise
        counts = (
            result.nodes_added,
            result.nodes_closed,
            result.links_added,
            result.links_closed,
            result.facts,
        )
        progress(STAGE_WRITE, 1, 1)
    return ImportReport(
        files=tuple(files),
        effective=effective,
        dry_run=dry_run,
        rows=dict(records.rows),
        nodes_added=counts[0],
        nodes_closed=counts[1],
        links_added=counts[2],
        links_closed=counts[3],
        facts=counts[4],
        warnings=tuple(sorted(checked.warnings, key=_order)),
    )


def import_files(
    store: GraphStore,
    paths: Sequence[str | Path],
    *,
    effective: date | None = None,
    dry_run: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    actor: str = "import",
    min_full_members: int = 3,
    progress: Progress = silent,
    clip_links: bool = False,
) -> ImportReport:
    """Import CSV, XLSX and JSON files (or folders of them) into ``store``, all or nothing.

    ``effective`` (default today) is the date re-imported changes take effect and the
    起始日期 of rows that leave it empty. ``progress`` hears the files read, the check
    and the write (``orggraph.progress``); a batch that changes nothing is not written.
    ``clip_links`` trims links to their ends' lives, with a warning each.
    """
    when = effective or date.today()
    records, files = read_records(paths, effective=when, max_bytes=max_bytes, progress=progress)
    if not files and not records.problems:
        raise ValidationFailed([Problem(rule="no-files", message="no file to import was given")])
    return import_records(
        store,
        records,
        effective=when,
        files=files,
        dry_run=dry_run,
        actor=actor,
        min_full_members=min_full_members,
        progress=progress,
        clip_links=clip_links,
    )


def import_rows(
    store: GraphStore,
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    source: str = "api",
    effective: date | None = None,
    dry_run: bool = False,
    actor: str = "api",
    min_full_members: int = 3,
) -> ImportReport:
    """Rows in hand (``{table: [row, ...]}``), validated and written exactly like a file.

    For the GraphQL mutations: problems name ``source`` as the file, the table as the
    sheet, and the row's position (from 1) as the row.
    """
    when = effective or date.today()
    records = RowRecords()
    for name, rows in tables.items():
        spec = find_table(name)
        if spec is None:
            records.problems.append(unknown_table(name, source, name))
            continue
        numbered = ((index, row) for index, row in enumerate(rows, 1))
        convert_objects(spec, numbered, source, name, when, records)
    return import_records(
        store,
        records,
        effective=when,
        files=(source,),
        dry_run=dry_run,
        actor=actor,
        min_full_members=min_full_members,
    )


def _order(problem: Problem) -> tuple[str, str, int, str]:
    return (problem.file or "", problem.sheet or "", problem.row or 0, problem.column or "")
