"""Exports: the lists people print and hand on (责任清单、整顿台账、覆盖情况), in five formats.

Every document is first built as a neutral ``Book`` of ``Table`` s (``table.py``) from
analysis results (``lists``, ``ledger``, ``coverage_report``, ``query``); a writer from
the format registry (``formats/``) turns it into bytes. ``render_export`` (``render.py``)
is the one entry point the CLI and the HTTP API share.
"""

from __future__ import annotations

from orggraph.exports.formats import format_keys, get_format
from orggraph.exports.table import Book, Column, Label, Table

__all__ = ["Book", "Column", "Label", "Table", "format_keys", "get_format", "render_book"]


def render_book(book: Book, fmt: str, lang: str = "zh") -> bytes:
    """``book`` written in format ``fmt`` (a key of ``format_keys()``), in ``lang``."""
    return get_format(fmt).render(book, lang)
