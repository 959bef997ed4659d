"""The data's date (数据截至) in the documents: their default date, and the line that says it.

An export names its year and date or takes the defaults (``render.parse_params``): this
year, today within it, else its last day. When today is past the data, the data's date
stands for today (``orggraph.analysis.dating``), so the demo's lists default to 2019 and
2019-06-30, not a year-end years past the data. A document asked past the data, or whose
yearly facts are an earlier year's than the one wanted (the ledger's weak branches), says
so in the first note of every table (the document's 说明):
``数据截至 2019-06-30：所问日期 2025-12-31 晚于数据 (data as of …)``.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from orggraph.analysis.dating import Dating, Notice, default_as_of
from orggraph.analysis.weak import facts_year
from orggraph.exports.table import Book, Label
from orggraph.store.base import GraphStore

__all__ = ["FACTS_KINDS", "export_notices", "export_today", "noted"]

#: The documents that read yearly facts (the ledger lists the weak branches).
FACTS_KINDS = frozenset({"ledger"})


def export_today(store: GraphStore, today: date | None = None) -> date:
    """What an export's defaults count as today: today, or the data's date when earlier."""
    return default_as_of(store, today)


def export_notices(store: GraphStore, kind: str, as_of: date) -> list[Notice]:
    """What a document of ``kind`` read at ``as_of`` must say about the data's date."""
    dating = Dating(store)
    dating.as_of(as_of)
    if kind in FACTS_KINDS:
        dating.facts_year(facts_year(as_of))
    return dating.notices


def noted(book: Book, notices: list[Notice]) -> Book:
    """``book`` with each notice first among the notes of every table."""
    if not notices:
        return book
    lines = tuple(Label(n.zh, n.en) for n in notices)
    tables = tuple(dataclasses.replace(t, notes=lines + t.notes) for t in book.tables)
    return dataclasses.replace(book, tables=tables)
