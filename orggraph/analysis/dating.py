"""The data's date (数据截至): the date a read that names none is asked at, and what it is told.

A store's data reaches a date (``GraphStore.data_date``: the latest start or end of any
version, or the last day of the latest year with facts); the Xining demo's is 2019-06-30.
A read that names no date is asked at today, unless today is past the data: then at the
data's date, since "today" on a graph last kept years ago would count every secretary
vacant since then and every case overdue by years. A read may still ask past the data; it
is answered, and told so. The yearly facts a rule reads (the weak-branch rules read the
last completed year's) may be missing for the year it wants: the latest earlier year that
has them is read instead, and said.

Every adapter resolves its defaults here (the CLI's ``--as-of`` and ``--year``, the
GraphQL fields' ``asOf`` and ``year``, the exports' ``year`` and ``as_of``, the
explorer's variables) and shows the notices where its answers go: the CLI on stderr,
GraphQL in the response's ``extensions``, exports in the notes of each table.

>>> notice = Notice(code=PAST_DATA, data_date=date(2019, 6, 30), asked=date(2026, 12, 6))
>>> print(notice.zh)
数据截至 2019-06-30：所问日期 2026-12-06 晚于数据
>>> print(notice.en)
data as of 2019-06-30: the date asked, 2026-12-06, is past the data
"""

from __future__ import annotations

__all__ = [
    "DEFAULTED",
    "OLDER_FACTS",
    "PAST_DATA",
    "Dating",
    "Notice",
    "data_date",
    "default_as_of",
    "latest_facts_year",
]

import bisect
import threading
from dataclasses import dataclass
from datetime import date

from orggraph.store.base import DataReach, GraphStore

#: A read that named no date was asked at the data's date (today is past the data).
DEFAULTED = "DATA_DATE_DEFAULT"
#: A read named a date past the data.
PAST_DATA = "PAST_DATA_DATE"
#: The year a rule wanted has no yearly facts; an earlier year's were read.
OLDER_FACTS = "OLDER_YEARLY_FACTS"


@dataclass(frozen=True, kw_only=True, slots=True)
class Notice:
    """One thing an answer must say about its date: its ``code`` and what it is about."""

    code: str
    data_date: date
    #: ``PAST_DATA``: the date asked; ``DEFAULTED``: the date used.
    asked: date | None = None
    #: ``OLDER_FACTS``: the year wanted and the year read.
    year_wanted: int | None = None
    year_used: int | None = None

    @property
    def zh(self) -> str:
        head = f"数据截至 {self.data_date.isoformat()}"
        if self.code == PAST_DATA and self.asked is not None:
            return f"{head}：所问日期 {self.asked.isoformat()} 晚于数据"
        if self.code == OLDER_FACTS:
            return f"{head}：{self.year_wanted} 年无年度数据，按 {self.year_used} 年度数据"
        return f"{head}：未指定日期，按数据截至日作答"

    @property
    def en(self) -> str:
        head = f"data as of {self.data_date.isoformat()}"
        if self.code == PAST_DATA and self.asked is not None:
            return f"{head}: the date asked, {self.asked.isoformat()}, is past the data"
        if self.code == OLDER_FACTS:
            return (
                f"{head}: no yearly facts for {self.year_wanted}; "
                f"those of {self.year_used} are used"
            )
        return f"{head}: no date given, answered at the data's date"

    @property
    def text(self) -> str:
        """Chinese first, English beside it: one line."""
        return f"{self.zh} ({self.en})"


def data_date(store: GraphStore) -> date | None:
    """The latest date ``store``'s data reaches (``None`` when it is empty).

    What the explorer fills in as its variables' ``asOf``, and what every default date is
    when today is past it.
    """
    return store.data_date()


def default_as_of(store: GraphStore, today: date | None = None) -> date:
    """The date a read that names none is asked at: today, or the data's date when today
    is past it."""
    today = today or date.today()
    reached = store.data_date()
    return reached if reached is not None and reached < today else today


def latest_facts_year(store: GraphStore, year: int) -> int:
    """``year``, or when it has no yearly facts the latest earlier year that has some
    (``year`` itself when none has: no data is no data, whatever the year)."""
    return _facts_year(store.data_reach(), year)


def _facts_year(reach: DataReach, year: int) -> int:
    years = reach.fact_years
    if not years or year in years:
        return year
    at = bisect.bisect_right(years, year)
    return years[at - 1] if at else year


class Dating:
    """The dates and years of one answer (a command, a GraphQL operation, an export): the
    defaults resolved against the data's date, and the notices the answer must carry.

    The store's reach is read once, on first use. Safe to share between the threads of
    one operation.
    """

    def __init__(self, store: GraphStore, today: date | None = None) -> None:
        self.store = store
        self.today = today or date.today()
        self._reach: DataReach | None = None
        self._notices: dict[Notice, None] = {}
        self._lock = threading.Lock()

    @property
    def data_date(self) -> date | None:
        """How far the store's data reaches (``None``: an empty store)."""
        return self._read().data_date

    @property
    def notices(self) -> list[Notice]:
        """What the answer must say, in the order first found, each once."""
        with self._lock:
            return list(self._notices)

    def as_of(self, asked: date | None) -> date:
        """The date to ask at: ``asked``, or today, or the data's date when today is past it
        (noted ``DEFAULTED``); an ``asked`` date past the data is noted ``PAST_DATA``."""
        reached = self.data_date
        if asked is None:
            if reached is not None and reached < self.today:
                self._note(Notice(code=DEFAULTED, data_date=reached, asked=reached))
                return reached
            return self.today
        if reached is not None and asked > reached:
            self._note(Notice(code=PAST_DATA, data_date=reached, asked=asked))
        return asked

    def facts_year(self, wanted: int) -> int:
        """The year whose yearly facts are read for ``wanted``: itself, or the latest
        earlier year that has facts (noted ``OLDER_FACTS``)."""
        reach = self._read()
        used = _facts_year(reach, wanted)
        if used != wanted and reach.data_date is not None:
            self._note(
                Notice(
                    code=OLDER_FACTS, data_date=reach.data_date, year_wanted=wanted, year_used=used
                )
            )
        return used

    def _read(self) -> DataReach:
        reach = self._reach
        if reach is None:
            reach = self._reach = self.store.data_reach()
        return reach

    def _note(self, notice: Notice) -> None:
        with self._lock:
            self._notices.setdefault(notice, None)
