"""Saved queries: one ``.graphql`` file per analyst question, in ``queries/``.

Each file opens with a ``#`` comment header::

    # 覆盖缺口：……(Chinese title and what it answers)
    # Coverage gaps: … (English)
    # Variables: scope (ID, …), asOf (Date, default today)
    # Example variables: {"scope": "630102"}

The explorer offers them as ready-made tabs; ``orggraph query FILE`` runs them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orggraph.errors import ConfigError

__all__ = ["SavedQuery", "default_queries_dir", "load_saved_queries", "parse_saved_query"]

_EXAMPLE = "example variables:"


@dataclass(frozen=True, kw_only=True, slots=True)
class SavedQuery:
    """One saved query: its file stem, its header, its text and example variables."""

    name: str
    title_zh: str
    title_en: str
    header: tuple[str, ...]
    query: str
    variables: dict[str, Any] = field(default_factory=dict)


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
    for line in header:
        if line.lower().startswith(_EXAMPLE):
            raw = line[len(_EXAMPLE) :].strip()
            try:
                variables = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(
                    f"saved query {str(path)!r}: example variables {raw!r} are not JSON"
                ) from exc
    return SavedQuery(
        name=path.stem,
        title_zh=header[0],
        title_en=header[1],
        header=tuple(header),
        query=text,
        variables=variables,
    )


def load_saved_queries(directory: Path | None = None) -> list[SavedQuery]:
    """Every ``*.graphql`` in ``directory`` (default ``queries/``), by file name."""
    folder = directory or default_queries_dir()
    if not folder.is_dir():
        return []
    return [parse_saved_query(p) for p in sorted(folder.glob("*.graphql"))]
