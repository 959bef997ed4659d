"""The import readers fuzzed: whatever the bytes, an import ends in a report or in
``ValidationFailed`` / ``OrgGraphError`` naming the problem, never another exception.

Hypothesis feeds ``import_files`` (dry run, so the store stays as seeded) with random bytes
under each suffix; CSV text built from the real tables' names and headers with random
cells (dates in odd forms, enum labels, formulas, quotes, newlines) in UTF-8, UTF-8 with a
BOM, GB18030 or UTF-16; random JSON in both accepted shapes; workbooks with random sheets
and cells; and ``import_rows`` (the API's path) with random tables of random rows.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orggraph.errors import OrgGraphError
from orggraph.imports import TABLES, import_files, import_rows
from orggraph.imports.tables import header_text
from orggraph.store.embedded import EmbeddedStore
from tests.reliability.harness import SCALE, seed_forest

EFFECTIVE = date(2021, 6, 30)
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_counter = itertools.count()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    store.write(seed_forest(pairs=2))
    yield store
    store.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("files")


def _import(store: EmbeddedStore, folder: Path, name: str, data: bytes) -> None:
    """One file imported (dry run); only orggraph's own errors may come out, each saying why."""
    path = folder / f"{next(_counter):05d}_{name}"
    path.write_bytes(data)
    try:
        import_files(store, [path], effective=EFFECTIVE, dry_run=True)
    except OrgGraphError as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message for {name}"
    finally:
        path.unlink()


# -- strategies -----------------------------------------------------------------------
TABLE_NAMES = [n for t in TABLES for n in (t.name, t.label_zh, f"{t.label_zh} ({t.name})")]
HEADERS = [h for t in TABLES for c in t.columns for h in (c.name, c.label_zh, header_text(c))]
CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "630101",
            "pA0",
            "2019-06-30",
            "2019/6/30",
            "2019年6月30日",
            "20190630",
            "0000-00-00",
            "2019-02-30",
            "是",
            "否",
            "true",
            "党支部",
            "branch",
            "基层",
            "男",
            "female",
            "正式党员",
            "=1+1",
            "@SUM(A1)",
            "-1",
            "1e309",
            "NaN",
            "3.5",
            '"',
            "a,b",
            "line\nbreak",
            "\x00",
            "𠮷",
        ]
    ),
    st.integers(-(10**20), 10**20).map(str),
)
ROWS = st.lists(st.lists(CELLS, max_size=8), max_size=6)


def _csv_text(headers: list[str], rows: list[list[str]]) -> str:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=10),
    CELLS,
)
JSON_KEYS = st.one_of(st.sampled_from([*HEADERS, "table"]), st.text(max_size=6))
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(JSON_KEYS, inner, max_size=4)
    ),
    max_leaves=12,
)
ROW_OBJECTS = st.dictionaries(JSON_KEYS, JSON_VALUES, max_size=8)


# -- tests ----------------------------------------------------------------------------
@settings(FUZZ, max_examples=120 * SCALE)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".json", ".xlsx"]))
def test_random_bytes(seeded: EmbeddedStore, folder: Path, data: bytes, suffix: str) -> None:
    _import(seeded, folder, "党员" + suffix, data)


@settings(FUZZ, max_examples=150 * SCALE)
@given(
    table=st.sampled_from([*TABLE_NAMES, "未知表"]),
    headers=st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=8)), max_size=10),
    rows=ROWS,
    encoding=ENCODINGS,
    tabs=st.booleans(),
)
def test_random_csv(
    seeded: EmbeddedStore,
    folder: Path,
    table: str,
    headers: list[str],
    rows: list[list[str]],
    encoding: str,
    tabs: bool,
) -> None:
    text = _csv_text(headers, rows)
    if tabs:
        text = text.replace(",", "\t")
    data = text.encode(encoding, errors="replace")
    _import(seeded, folder, table.replace("/", "_") + ".csv", data)


@settings(FUZZ, max_examples=150 * SCALE)
@given(
    shape=st.sampled_from(["tables", "list", "any"]),
    tables=st.dictionaries(
        st.one_of(st.sampled_from(TABLE_NAMES), st.text(max_size=6)),
        st.one_of(st.lists(ROW_OBJECTS, max_size=4), JSON_VALUES),
        max_size=3,
    ),
    items=st.lists(st.one_of(ROW_OBJECTS, JSON_VALUES), max_size=5),
    anything=JSON_VALUES,
)
def test_random_json(
    seeded: EmbeddedStore,
    folder: Path,
    shape: str,
    tables: dict[str, Any],
    items: list[Any],
    anything: Any,
) -> None:
    document = {"tables": tables, "list": items, "any": anything}[shape]
    # The standard library writes what orjson would refuse (integers past 64 bits, NaN).
    _import(seeded, folder, "import.json", json.dumps(document, ensure_ascii=False).encode())


XLSX_CELLS = st.one_of(
    CELLS,
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["=A1*2", "=NOW()", "=1/0"]),
)


@settings(FUZZ, max_examples=40 * SCALE)
@given(
    sheets=st.dictionaries(
        st.one_of(st.sampled_from([*TABLE_NAMES, "说明", "_hidden"]), st.text(max_size=8)),
        st.tuples(
            st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=6)), max_size=6),
            st.lists(st.lists(XLSX_CELLS, max_size=6), max_size=5),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_random_workbooks(
    seeded: EmbeddedStore, folder: Path, sheets: dict[str, tuple[list[str], list[list[Any]]]]
) -> None:
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (headers, rows) in sheets.items():
        clean = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "sheet"
        if clean in workbook.sheetnames:
            continue
        sheet = workbook.create_sheet(clean)
        for row in [headers, *rows]:
            try:
                sheet.append(row)
            except (IllegalCharacterError, ValueError):
                sheet.append([str(type(v).__name__) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    _import(seeded, folder, "workbook.xlsx", buffer.getvalue())


@settings(FUZZ, max_examples=30 * SCALE)
@given(
    members=st.lists(
        st.tuples(
            st.one_of(
                st.sampled_from(
                    [
                        "[Content_Types].xml",
                        "_rels/.rels",
                        "xl/workbook.xml",
                        "xl/_rels/workbook.xml.rels",
                        "xl/worksheets/sheet1.xml",
                        "xl/sharedStrings.xml",
                    ]
                ),
                st.text("abcxyz/._", min_size=1, max_size=12),
            ),
            st.one_of(st.binary(max_size=200), st.sampled_from([b"<?xml version='1.0'?><a/>"])),
        ),
        max_size=4,
        unique_by=lambda member: member[0],
    )
)
def test_random_zip_entries(
    seeded: EmbeddedStore, folder: Path, members: list[tuple[str, bytes]]
) -> None:
    """A zip that is no workbook (or a damaged one): the XLSX reader's own refusal."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    _import(seeded, folder, "broken.xlsx", buffer.getvalue())


@settings(FUZZ, max_examples=150 * SCALE)
@given(
    tables=st.dictionaries(
        st.one_of(st.sampled_from(TABLE_NAMES), st.text(max_size=6)),
        st.lists(ROW_OBJECTS, max_size=4),
        max_size=3,
    )
)
def test_random_rows_as_the_api_sends_them(
    seeded: EmbeddedStore, tables: dict[str, list[dict[str, Any]]]
) -> None:
    with contextlib.suppress(OrgGraphError):
        import_rows(seeded, tables, effective=EFFECTIVE, dry_run=True)
