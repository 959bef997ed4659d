"""What the document builders share: the year's default date, names, scope captions, and
how they report progress (``orggraph.progress``) while they work."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any, TypeVar, cast

from orggraph.analysis.orgtree import ancestor_at
from orggraph.analysis.places import whole_area
from orggraph.exports.table import Group, Label
from orggraph.model import Level, NodeKind, Role, label
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore
from orggraph.store.masking import Hidden, hidden_text
from orggraph.store.scope import Scope

__all__ = [
    "AREAS",
    "AREA_BLANKS",
    "LEVEL_ORDER",
    "REPORT_EVERY",
    "ReadCache",
    "area_of",
    "default_as_of",
    "district_of",
    "each",
    "hidden_label",
    "names",
    "role_label",
    "run_groups",
    "scope_caption",
    "writing",
    "written",
]

T = TypeVar("T")

#: Rows (or items) between two progress reports: a city's 9,000 rows report 35 times,
#: each costing nothing next to the rows' own work, and a cancel is seen within a batch.
REPORT_EVERY = 256

#: Printed documents group by district, then township (``run_groups`` keys); an
#: organization directly under a district is in the district's own group.
AREAS = (("district", Label("县(区)", "District")), ("township", Label("乡镇(街道)", "Township")))
AREA_BLANKS = (Label("（未标注）", "(not recorded)"), Label("（县区直属）", "(directly under)"))

#: Hierarchy levels, top first: the order lists are grouped in.
LEVEL_ORDER = {lv.value: lv.rank for lv in Level}


def default_as_of(year: int, today: date | None = None) -> date:
    """The date a year's document is read at: today in the year, else its last or first day.

    >>> default_as_of(2018, date(2019, 6, 30)), default_as_of(2019, date(2019, 6, 30))
    (datetime.date(2018, 12, 31), datetime.date(2019, 6, 30))
    """
    today = today or date.today()
    if year < today.year:
        return date(year, 12, 31)
    if year > today.year:
        return date(year, 1, 1)
    return today


def names(store: GraphStore, kind: NodeKind, ids: Iterable[str], as_of: date) -> dict[str, str]:
    """The names of ``ids`` at ``as_of`` (ids not found are left out)."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return {n.id: n.name for n in store.nodes(kind, as_of, ids=wanted)}


def hidden_label(reason: Hidden = Hidden.OUT_OF_SCOPE) -> Label:
    """A hidden person or node as a cell: ``(范围外)`` / ``(outside scope)``
    (``orggraph.store.masking.hidden_text``: the one shape)."""
    return Label(hidden_text(reason, "zh"), hidden_text(reason, "en"))


def role_label(role: str) -> Label:
    """A post's role as a label: 书记 / secretary."""
    try:
        value = Role(role)
    except ValueError:
        return Label.same(role)
    return Label(label(value), label(value, "en"))


def district_of(store: GraphStore, org_ids: Collection[str], as_of: date) -> dict[str, str | None]:
    """The county-level organization above (or at) each of ``org_ids``."""
    return area_of(store, org_ids, as_of, Level.COUNTY)


def area_of(
    store: GraphStore, org_ids: Collection[str], as_of: date, level: Level
) -> dict[str, str | None]:
    """The organization of ``level`` (province, city, county, township) above or at each of
    ``org_ids``: the topmost at that level on its path (``orgtree.ancestor_at``)."""
    out: dict[str, str | None] = {}
    chains = {o: [o, *store.ancestors(o, as_of)] for o in org_ids}
    levels = {
        n.id: n.get("level")
        for n in store.nodes(
            NodeKind.ORGANIZATION, as_of, ids=sorted({x for c in chains.values() for x in c})
        )
    }
    for org_id, chain in chains.items():
        out[org_id] = ancestor_at(chain, levels.get, level)
    return out


def scope_caption(store: GraphStore, scope: Scope, as_of: date) -> Label:
    """``截至 2019-06-30；范围：城东区委`` / ``As of 2019-06-30; scope: 城东区委``."""
    when = as_of.isoformat()
    if scope.unrestricted:
        whole, whole_en = whole_area(store, as_of)
        return Label(f"截至 {when}；范围：{whole}", f"As of {when}; scope: {whole_en}")
    roots = names(store, NodeKind.ORGANIZATION, scope.roots, as_of)
    parts_zh = [roots.get(r, r) for r in sorted(scope.roots)]
    parts_en = list(parts_zh)
    if scope.sectors:
        sectors = sorted(scope.sectors)
        parts_zh.append("领域：" + "、".join(label(s) for s in sectors))
        parts_en.append("sectors: " + ", ".join(label(s, "en") for s in sectors))
    return Label(
        f"截至 {when}；范围：" + "；".join(parts_zh), f"As of {when}; scope: " + "; ".join(parts_en)
    )


class ReadCache:
    """A read-through view of a store for one export: whole-kind node reads are memoised.

    A city's list asks ``responsibilities`` once per secretary, and each call reads every
    remediation case; within one export the store does not change, so the second read of
    ``nodes(kind, as_of)`` is the first one's answer. Everything else goes to the store.
    """

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._memo: dict[tuple[NodeKind, date], list[Any]] = {}

    @classmethod
    def over(cls, store: GraphStore) -> GraphStore:
        """``store`` behind a cache, typed as the store it stands for."""
        return store if isinstance(store, ReadCache) else cast(GraphStore, cls(store))

    def nodes(
        self, kind: NodeKind, as_of: date, *, ids: Collection[str] | None = None
    ) -> list[Any]:
        if ids is not None:
            return self._store.nodes(kind, as_of, ids=ids)
        key = (kind, as_of)
        if key not in self._memo:
            self._memo[key] = self._store.nodes(kind, as_of)
        return list(self._memo[key])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def run_groups(
    records: Sequence[dict[str, Any]],
    keys: Sequence[tuple[str, Label]],
    subtotal: Callable[[Label, Sequence[dict[str, Any]]], Label],
    blanks: Sequence[Label] = (),
) -> list[Group]:
    """Nested groups over runs of equal values in ``keys`` (outermost first), each headed
    ``label：value`` and closed by ``subtotal(value, its records)``; records must already be
    sorted by those keys. A blank value at level ``n`` is shown as ``blanks[n]`` (default
    （未标注）)."""
    groups: list[Group] = []
    unmarked = Label("（未标注）", "(not recorded)")

    def text(value: Any, lang: str, level: int) -> str:
        if value is None or value == "":
            return (blanks[level] if level < len(blanks) else unmarked).text(lang)
        return value.text(lang) if isinstance(value, Label) else str(value)

    def walk(level: int, start: int, stop: int) -> None:
        if level == len(keys):
            return
        key, label = keys[level]
        begin = start
        while begin < stop:
            value = records[begin].get(key)
            end = begin
            while end < stop and records[end].get(key) == value:
                end += 1
            name = Label(text(value, "zh", level), text(value, "en", level))
            heading = Label(f"{label.zh}：{name.zh}", f"{label.en}: {name.en}")
            groups.append(
                Group(
                    heading=heading,
                    start=begin,
                    stop=end,
                    level=level,
                    subtotal=subtotal(name, records[begin:end]),
                )
            )
            walk(level + 1, begin, end)
            begin = end

    walk(0, 0, len(records))
    return groups


def each(
    items: Sequence[T], progress: Progress, stage: str, *, every: int = REPORT_EVERY
) -> Iterator[T]:
    """``items`` one by one, reporting ``progress(stage, done, len(items))`` before the first
    and after every ``every`` and the last (a callback that raises ``Cancelled`` stops the
    loop there)."""
    total = len(items)
    progress(stage, 0, total)
    for done, item in enumerate(items, start=1):
        yield item
        if done % every == 0 or done == total:
            progress(stage, done, total)


_WRITING: ContextVar[tuple[Progress, str] | None] = ContextVar("orggraph_writing", default=None)


@contextmanager
def writing(progress: Progress, stage: str) -> Iterator[None]:
    """While a format writer renders a book on this thread, its rows are reported to
    ``progress`` as ``stage`` (``written``): writers keep their ``render(book, lang)`` shape,
    and the one loop of each that takes the time reports through ``written``."""
    token = _WRITING.set(None if progress is silent else (progress, stage))
    try:
        yield
    finally:
        _WRITING.reset(token)


def written(rows: Sequence[T]) -> Iterator[T]:
    """A writer's rows, reported (every ``REPORT_EVERY``) to whoever watches this render
    (``writing``); with nobody watching, the rows as they are."""
    watcher = _WRITING.get()
    if watcher is None:
        return iter(rows)
    progress, stage = watcher
    return each(rows, progress, stage)
