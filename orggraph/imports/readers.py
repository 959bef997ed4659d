"""Readers: CSV, XLSX and JSON files → grids of cells (or JSON objects) named by table.

- **CSV**: one table per file, named by the file's stem (``党员.csv``, ``02_members.csv``).
  UTF-8 (with or without BOM) is tried strictly first, then GB18030 — what Chinese Excel
  writes as "CSV" (a superset of GBK that also holds rare characters such as 𠮷).
- **XLSX**: one table per sheet, named by the sheet; read with openpyxl in read-only mode
  and ``data_only=False``, so a formula is seen as a formula and refused (its cached value
  may be stale, or absent when the file was written by a program).
- **JSON**: ``{"党员": [{...}, ...], "hierarchy": [...]}`` or ``[{"table": "党员", ...}, ...]``.

Before anything is read, a file's size is checked against ``max_bytes`` (an XLSX's unpacked
size against ten times that), so a huge file gets a quick, precise error.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from orggraph.errors import Problem
from orggraph.imports.tables import IGNORED_SHEETS, normalize, split_bilingual
from orggraph.imports.values import BadCell

__all__ = ["FORMATS", "Grid", "Objects", "expand_paths", "read_file"]

#: File name endings read, by format.
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "json"}
#: An XLSX is a zip of XML: it may unpack to this many times ``max_bytes``.
XLSX_UNPACKED_FACTOR = 10

_ORDER_PREFIX = re.compile(r"^\d+[\s_.\-]+")


@dataclass(kw_only=True, slots=True)
class Grid:
    """A table as a grid: a header row and value rows, each with its row number."""

    file: str
    sheet: str | None
    table: str
    header_row: int
    headers: list[Any]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


@dataclass(kw_only=True, slots=True)
class Objects:
    """A table as JSON objects, each with its position in the file."""

    file: str
    sheet: str | None  # the table's key in ``{"table": [rows]}``; None in the list form
    table: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _problem(file: str, rule: str, message: str, **where: Any) -> Problem:
    return Problem(rule=rule, message=message, file=file, **where)


def expand_paths(paths: Sequence[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Files to read: each path, or the importable files of a folder (sorted by name)."""
    out: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in FORMATS)
            if not found:
                problems.append(
                    _problem(str(path), "no-files", "the folder holds no .csv, .xlsx or .json file")
                )
            out += found
        elif not path.exists():
            problems.append(_problem(str(path), "file-not-found", "no such file"))
        else:
            out.append(path)
    return out, problems


def read_file(path: Path, max_bytes: int) -> tuple[list[Grid | Objects], list[Problem]]:
    """The tables in one file, or the problems that stop it being read."""
    name = str(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        hint = " (save it as .xlsx)" if path.suffix.lower() == ".xls" else ""
        return [], [
            _problem(
                name,
                "file-format",
                f"{path.suffix or 'no suffix'!r} is not an import format{hint}; "
                "expected .csv, .xlsx or .json",
            )
        ]
    size = path.stat().st_size
    if size > max_bytes:
        return [], [_too_large(name, size, max_bytes, "")]
    if size == 0:
        return [], [_problem(name, "empty-file", "the file is empty (0 bytes); nothing to import")]
    if kind == "csv":
        return _read_csv(path)
    if kind == "xlsx":
        return _read_xlsx(path, max_bytes)
    return _read_json(path)


def _too_large(name: str, size: int, limit: int, what: str) -> Problem:
    return _problem(
        name,
        "file-too-large",
        f"the file{what} is {size:,} bytes; the limit is {limit:,} "
        "(setting max_import_bytes: ORGGRAPH_MAX_IMPORT_BYTES or --max-bytes); "
        "split it into smaller files or raise the limit",
        value=str(size),
    )


def table_name_of(path: Path) -> str:
    """The table a CSV file names: its stem, without an ordering prefix such as ``01_``."""
    return _ORDER_PREFIX.sub("", path.stem)


# -- CSV ------------------------------------------------------------------------------
def decode_csv(data: bytes) -> tuple[str, str]:
    """``(text, encoding)``: UTF-8 with BOM, strict UTF-8, then GB18030; ``ValueError`` else."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            line = data.count(b"\n", 0, utf8_error.start) + 1
            raise ValueError(
                f"the file is neither UTF-8 nor GB18030 (GBK): byte "
                f"{data[utf8_error.start : utf8_error.start + 1]!r} on line {line}; "
                "save it as CSV UTF-8"
            ) from None


def _read_csv(path: Path) -> tuple[list[Grid | Objects], list[Problem]]:
    name = str(path)
    try:
        text, _ = decode_csv(path.read_bytes())
    except ValueError as exc:
        return [], [_problem(name, "encoding", str(exc))]
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    grid: Grid | None = None
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
            if grid is None:
                if any(v.strip() for v in values):
                    grid = Grid(
                        file=name,
                        sheet=None,
                        table=table_name_of(path),
                        header_row=number,
                        headers=list(values),
                    )
                continue
            grid.rows.append((number, list(values)))
    except csv.Error as exc:
        return [], [_problem(name, "csv-format", f"the CSV cannot be read: {exc}")]
    if grid is None:
        return [], [_problem(name, "empty-file", "the file holds no header row; nothing to import")]
    return [grid], []


# -- XLSX -----------------------------------------------------------------------------
def _read_xlsx(path: Path, max_bytes: int) -> tuple[list[Grid | Objects], list[Problem]]:
    from openpyxl import load_workbook

    name = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return [], [_problem(name, "file-format", "the file is not an XLSX workbook (not a zip)")]
    if unpacked > max_bytes * XLSX_UNPACKED_FACTOR:
        return [], [
            _too_large(name, unpacked, max_bytes * XLSX_UNPACKED_FACTOR, " unpacked (XLSX XML)")
        ]
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        return [], [_problem(name, "file-format", f"the workbook cannot be read: {exc}")]
    grids: list[Grid | Objects] = []
    try:
        for sheet in workbook.worksheets:
            title = str(sheet.title)
            if _ignored_sheet(title):
                continue
            grid: Grid | None = None
            for index, cells in enumerate(sheet.iter_rows(min_row=1), 1):
                number = next((c.row for c in cells if getattr(c, "row", None)), index)
                values = [_cell_value(c) for c in cells]
                if grid is None:
                    if any(v is not None and str(v).strip() for v in values):
                        grid = Grid(
                            file=name, sheet=title, table=title, header_row=number, headers=values
                        )
                    continue
                grid.rows.append((number, values))
            if grid is not None:
                grids.append(grid)
    finally:
        workbook.close()
    return grids, []


def _ignored_sheet(title: str) -> bool:
    text = title.strip()
    if text.startswith(("_", "#")):
        return True
    return any(normalize(part) in IGNORED_SHEETS for part in split_bilingual(text))


def _cell_value(cell: Any) -> Any:
    kind = getattr(cell, "data_type", None)
    if kind == "f":
        return BadCell(kind="formula", text=str(cell.value), cell=cell.coordinate)
    if kind == "e":
        return BadCell(kind="error", text=str(cell.value), cell=cell.coordinate)
    return cell.value


# -- JSON -----------------------------------------------------------------------------
def _read_json(path: Path) -> tuple[list[Grid | Objects], list[Problem]]:
    name = str(path)
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        return [], [
            _problem(
                name,
                "json-format",
                f"the file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                row=exc.lineno,
            )
        ]
    tables: dict[str, Objects] = {}
    problems: list[Problem] = []

    def add(table: str, number: int, row: Any, sheet: str | None) -> None:
        if not isinstance(row, dict):
            problems.append(
                _problem(
                    name,
                    "json-format",
                    f"item {number} is {type(row).__name__}; expected an object (one row)",
                    sheet=sheet,
                    row=number,
                )
            )
            return
        objects = tables.setdefault(table, Objects(file=name, sheet=sheet, table=table))
        objects.rows.append((number, row))

    if isinstance(data, dict):
        for table, rows in data.items():
            if not isinstance(rows, list):
                problems.append(
                    _problem(
                        name,
                        "json-format",
                        f"{table!r} holds {type(rows).__name__}; expected a list of rows",
                        sheet=table,
                    )
                )
                continue
            tables.setdefault(table, Objects(file=name, sheet=table, table=table))
            for number, row in enumerate(rows, 1):
                add(table, number, row, table)
    elif isinstance(data, list):
        for number, row in enumerate(data, 1):
            table = row.get("table") if isinstance(row, dict) else None
            if not isinstance(table, str):
                problems.append(
                    _problem(
                        name,
                        "json-format",
                        f'item {number} has no "table" key naming its table',
                        row=number,
                    )
                )
                continue
            add(table, number, row, None)
    else:
        problems.append(
            _problem(
                name,
                "json-format",
                f"the file holds {type(data).__name__}; expected "
                '{"table": [rows]} or [{"table": ..., ...}]',
            )
        )
    return list(tables.values()), problems
