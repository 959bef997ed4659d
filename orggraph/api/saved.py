"""Saved queries: one ``.graphql`` file per analyst question, in ``queries/``.

Each file opens with a ``#`` comment header::

    # 覆盖缺口：……(Chinese title and what it answers)
    # Coverage gaps: … (English)
    # Variables: scope (ID, …), asOf (Date, default today)
    # Example variables: {"scope": ["630102"]}
    # Explorer variables: {"scope": "$roots", "asOf": "$asOf"}
    # Column: kind = 缺口类别 | Gap

The explorer offers them as ready-made tabs; ``orggraph query FILE`` runs them. The
example variables name the demo's ids (for the docs and the CLI); the explorer's tabs are
filled from the ``Explorer variables`` line instead, whose placeholders the server fills
in for whoever opens the explorer (``orggraph.api.explorer``): a string value that is
exactly ``"$name"`` becomes that value, of any JSON type (``PLACEHOLDERS``). A file without
that line gets its example variables. ``Column`` lines label the table view's columns
(and the exports', ``orggraph.exports.query``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orggraph.errors import ConfigError

__all__ = [
    "PLACEHOLDERS",
    "SavedQuery",
    "default_queries_dir",
    "fill_placeholders",
    "load_saved_queries",
    "parse_saved_query",
]

_EXAMPLE = "example variables:"
_EXPLORER = "explorer variables:"
_OPERATION = re.compile(r"^\s*(?:query|mutation|subscription)\s+(\w+)", re.MULTILINE)
_COLUMN = re.compile(r"column\s*:\s*([\w.]+)\s*=\s*(.+?)\s*", re.IGNORECASE)

#: The placeholders an ``Explorer variables`` line may use, and what they stand for.
PLACEHOLDERS: dict[str, str] = {
    "$roots": "the organizations the actor's scope starts from (a list)",
    "$root": "the first of them",
    "$rootName": "its name",
    "$asOf": "the data's date: the latest date the data reaches, never after today",
    "$yearStart": "1 January of that date's year",
    "$leaf": "a grassroots organization under the root (the first by id)",
    "$secretary": "the root's secretary (a member id)",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class SavedQuery:
    """One saved query: its file stem, its header, its text and example variables."""

    name: str
    title_zh: str
    title_en: str
    header: tuple[str, ...]
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    #: The explorer's variables, with placeholders (``PLACEHOLDERS``); ``None``: none given.
    explorer_variables: dict[str, Any] | None = None
    #: Column labels from ``Column: PATH = 中文 | English`` lines: path → (中文, English).
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def operation(self) -> str | None:
        """The name of the file's first operation (``query CoverageGaps …``)."""
        match = _OPERATION.search(self.query)
        return match.group(1) if match else None

    @property
    def short_title_zh(self) -> str:
        """The Chinese title up to its colon: ``覆盖缺口``."""
        return self.title_zh.split("：", 1)[0].split(":", 1)[0].strip()

    @property
    def short_title_en(self) -> str:
        """The English title up to its colon: ``Coverage gaps``."""
        return self.title_en.split(":", 1)[0].strip()


def default_queries_dir() -> Path:
    """``queries/`` beside the package (a source checkout or an editable install)."""
    return Path(__file__).resolve().parents[2] / "queries"


def parse_saved_query(path: Path) -> SavedQuery:
    """Read one saved query; a file without its two title lines is a ``ConfigError``."""
    text = path.read_text("utf-8")
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line.lstrip("#").strip())
    if len(header) < 2:
        raise ConfigError(
            f"saved query {str(path)!r} needs a '#' header: a Chinese and an English title line"
        )
    variables: dict[str, Any] = {}
    explorer: dict[str, Any] | None = None
    columns: dict[str, tuple[str, str]] = {}
    for line in header:
        lowered = line.lower()
        if lowered.startswith(_EXAMPLE):
            variables = _json_object(path, "example variables", line[len(_EXAMPLE) :])
        elif lowered.startswith(_EXPLORER):
            explorer = _json_object(path, "explorer variables", line[len(_EXPLORER) :])
        elif match := _COLUMN.fullmatch(line):
            zh, _, en = match.group(2).partition("|")
            columns[match.group(1)] = (zh.strip(), en.strip() or zh.strip())
    return SavedQuery(
        name=path.stem,
        title_zh=header[0],
        title_en=header[1],
        header=tuple(header),
        query=text,
        variables=variables,
        explorer_variables=explorer,
        columns=columns,
    )


def _json_object(path: Path, what: str, raw: str) -> dict[str, Any]:
    raw = raw.strip()
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"saved query {str(path)!r}: {what} {raw!r} are not JSON") from exc
    if not isinstance(value, dict):
        raise ConfigError(f"saved query {str(path)!r}: {what} {raw!r} must be a JSON object")
    return value


def fill_placeholders(value: Any, values: Mapping[str, Any]) -> Any:
    """``value`` with every string that is exactly a placeholder replaced by its value.

    A key whose value is a placeholder missing from ``values`` is left out (a variable
    the actor has no value for falls back to the query's own default).

    >>> fill_placeholders({"scope": "$roots", "n": 2, "p": [{"person": "$secretary"}]},
    ...                   {"$roots": ["630102"], "$secretary": "m1"})
    {'scope': ['630102'], 'n': 2, 'p': [{'person': 'm1'}]}
    >>> fill_placeholders({"person": "$secretary", "asOf": "$asOf"}, {"$asOf": "2019-06-30"})
    {'asOf': '2019-06-30'}
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            filled = fill_placeholders(item, values)
            if filled is not _MISSING:
                out[key] = filled
        return out
    if isinstance(value, list):
        items = [fill_placeholders(item, values) for item in value]
        return [item for item in items if item is not _MISSING]
    if isinstance(value, str) and value in PLACEHOLDERS:
        return values.get(value, _MISSING)
    return value


_MISSING: Any = object()


def load_saved_queries(directory: Path | None = None) -> list[SavedQuery]:
    """Every ``*.graphql`` in ``directory`` (default ``queries/``), by file name."""
    folder = directory or default_queries_dir()
    if not folder.is_dir():
        return []
    return [parse_saved_query(p) for p in sorted(folder.glob("*.graphql"))]
