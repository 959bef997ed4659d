"""How many versions begin, change and end inside a window, and how many yearly facts its
years hold (``GraphStore.window_counts``): what a change report (变化) counts rather than
lists, counted without a record per version.

A version counts as it does in ``orggraph.analysis.changes``: for each id (a node's,
within one kind of node; a link's), a version starting inside ``(since, until]`` has
``changed`` the id when another version of the id ends that day, else ``began``; one
ending inside has ``ended`` it unless another version of the id begins that day (a new
version of an organization on the day the last one ended is a change, not an end and a
beginning).

The embedded store counts the versions it holds as columns (``NodeColumns``,
``LinkColumns``, ``FactColumns``) in a few passes over their arrays: at ×10 the window
holds half a million member versions and as many memberships, which as records took a
second to count. What was written since the columns were read is counted record by record
(``tally``), as is every version of a store without columns (``counted``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from orggraph.model import Link, LinkKind, Node, NodeKind
from orggraph.store.columns import NEVER, Facts, LinkColumns, NodeColumns

__all__ = [
    "Boundaries",
    "WindowCounts",
    "column_counts",
    "counted",
    "tally",
]

_KINDS = list(NodeKind)
#: Day numbers fit below this (``NEVER`` included): an (id, day) pair as one integer.
_SPAN = NEVER + 1


@dataclass(frozen=True, kw_only=True, slots=True)
class Boundaries:
    """Versions of one kind whose id began, changed or ended inside a window."""

    began: int = 0
    changed: int = 0
    ended: int = 0

    def __add__(self, other: Boundaries) -> Boundaries:
        return Boundaries(
            began=self.began + other.began,
            changed=self.changed + other.changed,
            ended=self.ended + other.ended,
        )

    def __bool__(self) -> bool:
        return bool(self.began or self.changed or self.ended)


@dataclass(frozen=True, kw_only=True, slots=True)
class WindowCounts:
    """The boundaries inside ``(since, until]`` of each kind of node (kinds with none left
    out) and of each kind of link asked, and the yearly facts of the years that begin or
    end inside (``fact_years``) counted by (name, year) (none: left out)."""

    since: date
    until: date
    nodes: dict[NodeKind, Boundaries]
    links: dict[LinkKind, Boundaries]
    facts: dict[tuple[str, int], int]


def tally(
    items: Iterable[tuple[Hashable, date, date | None]], since: date, until: date
) -> Boundaries:
    """The boundaries of ``items`` (``(id, valid_from, valid_to)``, of one kind) inside
    ``(since, until]``, record by record.

    >>> d = date
    >>> tally([("a", d(2015, 1, 1), d(2016, 1, 1)), ("a", d(2016, 1, 1), None),
    ...        ("b", d(2010, 1, 1), d(2017, 3, 1))], d(2014, 12, 31), d(2019, 6, 30))
    Boundaries(began=1, changed=1, ended=1)
    """
    inside = [
        (key, start, end)
        for key, start, end in items
        if since < start <= until or (end is not None and since < end <= until)
    ]
    keys = Counter(key for key, _, _ in inside)
    twice = [item for item in inside if keys[item[0]] > 1]
    starts = {(key, start) for key, start, _ in twice}
    ends = {(key, end) for key, _, end in twice if end is not None}
    began = changed = ended = 0
    for key, start, end in inside:
        if since < start <= until:
            if (key, start) in ends:
                changed += 1
            else:
                began += 1
        if end is not None and since < end <= until and (key, end) not in starts:
            ended += 1
    return Boundaries(began=began, changed=changed, ended=ended)


def counted(
    nodes: Iterable[Node],
    links: Iterable[Link],
    facts: Iterable[tuple[str, int, str]],
    since: date,
    until: date,
    link_kinds: Collection[LinkKind],
) -> WindowCounts:
    """``WindowCounts`` of the versions of a window (``VersionWindow``), record by record."""
    by_node: dict[NodeKind, list[tuple[Hashable, date, date | None]]] = {}
    for node in nodes:
        by_node.setdefault(node.kind, []).append((node.id, node.valid_from, node.valid_to))
    by_link: dict[LinkKind, list[tuple[Hashable, date, date | None]]] = {}
    for link in links:
        if link.kind in link_kinds:
            by_link.setdefault(link.kind, []).append((link.id, link.valid_from, link.valid_to))
    node_counts = {k: tally(by_node[k], since, until) for k in NodeKind if k in by_node}
    return WindowCounts(
        since=since,
        until=until,
        nodes={k: b for k, b in node_counts.items() if b},
        links={k: tally(by_link.get(k, []), since, until) for k in link_kinds},
        facts=dict(Counter((name, year) for _, year, name in facts)),
    )


def column_counts(
    table: NodeColumns,
    written: Mapping[str, list[Node]],
    links: Mapping[LinkKind, tuple[LinkColumns | None, Mapping[int, list[Link]], Any]],
    facts: Facts,
    since: date,
    until: date,
    years: range,
) -> WindowCounts:
    """``WindowCounts`` of the embedded store: the node versions of ``table`` but those of
    the ids ``written`` since (every version of each, as records), the links of each kind
    asked (its columns, if any, but the links held since as records, ``over``; and the
    records of its graph, a networkx ``DiGraph`` whose edges map link ids to versions),
    and the facts of ``years``."""
    low, high = since.toordinal(), until.toordinal()
    rewritten = [table.index[i] for i in list(written) if i in table.index]
    per_kind = _rows_counted(
        table.group,
        np.frombuffer(table.start, dtype=np.int32),
        np.frombuffer(table.end, dtype=np.int32),
        low,
        high,
        np.frombuffer(table.kind, dtype=np.int8),
        len(_KINDS),
        rewritten,
    )
    records: dict[NodeKind, list[tuple[Hashable, date, date | None]]] = {}
    for node_id, versions in list(written.items()):
        for v in list(versions):
            records.setdefault(v.kind, []).append((node_id, v.valid_from, v.valid_to))
    node_counts: dict[NodeKind, Boundaries] = {}
    for code, kind in enumerate(_KINDS):
        found = per_kind[code] + tally(records.get(kind, []), since, until)
        if found:
            node_counts[kind] = found
    link_counts: dict[LinkKind, Boundaries] = {}
    for link_kind, (cols, over, graph) in links.items():
        counts = Boundaries()
        if cols is not None:
            link = np.frombuffer(cols.link, dtype=np.int32)
            start = np.frombuffer(cols.start, dtype=np.int32)
            end = np.frombuffer(cols.end, dtype=np.int32)
            counts = _rows_counted(link, start, end, low, high, None, 1, list(over))[0]
        # Each list holds one link's versions: its place in ``held`` is its key.
        held: list[list[Link]] = list(over.values())
        for keyed in list(graph._succ.values()):
            for edge in list(keyed.values()):
                held.extend(edge.values())
        items = ((n, v.valid_from, v.valid_to) for n, each in enumerate(held) for v in each)
        link_counts[link_kind] = counts + tally(items, since, until)
    return WindowCounts(
        since=since,
        until=until,
        nodes=node_counts,
        links=link_counts,
        facts=_fact_counts(facts, years),
    )


def _rows_counted(
    key: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    low: int,
    high: int,
    code: np.ndarray | None,
    codes: int,
    left_out: list[int],
) -> list[Boundaries]:
    """The boundaries inside ``(low, high]`` of rows sorted by ``key`` (then start), for
    each ``code`` (a kind: ids are matched within one), keys in ``left_out`` not counted.

    As ``tally``: only a key with two rows in the window (neighbours, in key order) can
    change on a day; for those, (key, code, day) as one integer finds a start on another
    row's end."""
    opens = (low < start) & (start <= high)
    closes = (low < end) & (end <= high)
    rows = np.flatnonzero(opens | closes)
    if left_out:
        rows = rows[~np.isin(key[rows], np.asarray(left_out, dtype=np.int64))]
    keys = key[rows].astype(np.int64)
    starts, ends = start[rows].astype(np.int64), end[rows].astype(np.int64)
    opened, closed = opens[rows], closes[rows]
    kinds = np.zeros(len(rows), dtype=np.int64) if code is None else code[rows].astype(np.int64)
    changed = np.zeros(len(rows), dtype=bool)
    if len(rows) > 1:
        twice = np.zeros(len(rows), dtype=bool)
        same = keys[1:] == keys[:-1]
        twice[1:] |= same
        twice[:-1] |= same
        at = np.flatnonzero(twice)
        base = (keys[at] * codes + kinds[at]) * _SPAN
        at_start, at_end = base + starts[at], base + ends[at]
        changed[at] = opened[at] & _among(at_start, at_end[ends[at] != NEVER])
        closed = closed.copy()
        closed[at] &= ~_among(at_end, at_start)
    began = np.bincount(kinds[opened & ~changed], minlength=codes)
    moved = np.bincount(kinds[changed], minlength=codes)
    ended = np.bincount(kinds[closed], minlength=codes)
    return [
        Boundaries(began=int(b), changed=int(c), ended=int(e))
        for b, c, e in zip(began.tolist(), moved.tolist(), ended.tolist(), strict=True)
    ]


def _among(values: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in ``pool`` (``np.isin``): one stable sort of the pool,
    nearly in order already (rows by id, then start: a merge sort's runs), and one
    search, where ``isin`` hashes both (twice the time at ×10's 10^5 keys)."""
    if not len(pool):
        return np.zeros(len(values), dtype=bool)
    pool = np.sort(pool, kind="stable")
    at = np.minimum(np.searchsorted(pool, values), len(pool) - 1)
    return np.asarray(pool[at] == values, dtype=bool)


def _fact_counts(facts: Facts, years: range) -> dict[tuple[str, int], int]:
    """The facts of ``years`` by (name, year): the file's in one count over their rows,
    those of the pairs written since (which hold all of a pair's facts) in their place."""
    if not years:
        return {}
    base = facts.base
    first, span = years.start, len(years)
    # By (node, year) pair first, then the rows of those kept: no number per row made for
    # the facts of other years (at ×10 a million rows, the pairs of every year).
    key_year = np.asarray(base.key_year)
    rows = np.diff(np.asarray(base.key_rows))
    pairs = (first <= key_year) & (key_year < first + span)
    year = np.repeat(key_year[pairs] - first, rows[pairs])
    names = np.asarray(base.name_codes)[np.repeat(pairs, rows)].astype(np.int64)
    counts = np.bincount(names * span + year, minlength=len(base.names) * span).tolist()
    out: Counter[tuple[str, int]] = Counter()
    for at, n in enumerate(counts):
        if n:
            out[(base.names[at // span], first + at % span)] = n
    for (node_id, pair_year), values in list(facts.written.items()):
        if pair_year in years:
            out.subtract((name, pair_year) for name in base.get(node_id, pair_year) or ())
            out.update((name, pair_year) for name in list(values))
    return {pair: n for pair, n in out.items() if n > 0}
