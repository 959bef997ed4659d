"""The embedded store's index: how the SQLite file's rows become the in-memory structures.

``EmbeddedStore`` (``orggraph.store.embedded``) reads both tables in one snapshot and hands
the cursors over: the node versions become columns (``orggraph.store.columns``),
``_read_links`` makes one ``DiGraph`` per link kind (edge data ``{link id: its versions}``)
and the versions by link id, every list oldest first (``_valid`` finds the one valid at a
date). The records are made with ``object.__new__`` and their slots' setters
(``_slot_setters``, ``orggraph.store.columns``'s); the new index is moved to the
collector's oldest generation without a walk (``orggraph.store.base.age_new``). Counts of links at
a date read ``_LinkColumns``, the versions of one link kind as numpy columns, made from
the graph on first use.

Nothing here opens the file or takes a lock: the store owns both, runs the statements, and
puts a new index in place whole (``EmbeddedStore._load_all``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any

import networkx as nx
import numpy as np

from orggraph.model import Link, LinkKind, NodeKind
from orggraph.model.codec import DATE_FIELDS
from orggraph.store.columns import LinkColumns, columns_where
from orggraph.store.columns import decoded as _decoded
from orggraph.store.columns import slot_setters as _slot_setters

# Everything else here is the embedded store's own (``orggraph.store.embedded``);
# ``_slot_setters`` (``orggraph.store.columns``'s) is named here too for its tests.
__all__ = ["COLUMN_KINDS", "DATES_KEPT", "_slot_setters"]

#: Dates for which what holds is kept, per kind of answer (today, a report's date…): the
#: store's wide reads (``EmbeddedStore._at``) and the counts of ``_LinkColumns``.
DATES_KEPT = 4


def _valid(versions: list[Any], as_of: date) -> Any:
    """The version valid at ``as_of`` among versions sorted by ``valid_from``."""
    for version in reversed(versions):
        if version.valid_from <= as_of:
            return version if version.valid_to is None or as_of < version.valid_to else None
    return None


# -- reading the tables into the index ---------------------------------------------------
# The node versions and the memberships become columns with SQLite doing the per-row work
# (``orggraph.store.columns``); the loop below runs once per row of the other links (some
# 25k at a city): every call, dict and object made per row counts. At a city (137k node and
# 161k link versions, ≈ 1.1 s of CPU) the nodes take ≈ 0.36 s, the memberships ≈ 0.6 s
# (half of it SQLite's grouping of the rows by id), the other links ≈ 0.28 s.

#: The kinds of link read into columns (``LinkColumns``), not into a ``DiGraph``: the
#: memberships, most of the links (a member's one or two), never walked as a hierarchy.
COLUMN_KINDS = (LinkKind.MEMBER_OF,)

# Most links have no attributes (``{}``): NULL, not a bytes object per row.
_LINKS_SQL = (
    "SELECT id, kind, source, target, valid_from, valid_to,"
    " CASE WHEN length(attrs) > 2 THEN attrs END FROM links"
    f" WHERE NOT ({' OR '.join(f'({columns_where(k)})' for k in COLUMN_KINDS)})"
    " ORDER BY id, valid_from"
)


#: The attributes of every link stored without any (most of them): one shared, read-only
#: by ``Link``'s own type (``Mapping``), as an empty tuple is shared.
_NO_ATTRS: Mapping[str, Any] = {}

#: The attributes of each kind of node or link whose values are dates.
_DATED: dict[object, Collection[str]] = {k: DATE_FIELDS.get(k, ()) for k in (*NodeKind, *LinkKind)}


_LINK_SETTERS = _slot_setters(Link, ("kind", "source", "target", "valid_from", "valid_to", "attrs"))


def _read_links(
    rows: Iterable[Any], day: _Days
) -> tuple[dict[LinkKind, Any], dict[str, list[Link]]]:
    """A ``DiGraph`` per link kind, and the versions (oldest first) by link id; ``rows``
    ordered by id (so by kind, the kind being the id's prefix), without those read into
    columns (``COLUMN_KINDS``).

    An edge's data maps the id of each link between its two ends to that link's versions
    (two posts one member holds in one organization are two ids on one edge), filled as
    ``add_edge`` would fill it.
    """
    graphs: dict[LinkKind, Any] = {kind: nx.DiGraph() for kind in LinkKind}
    links: dict[str, list[Link]] = {}
    adjacency = {k.value: (k, _DATED[k], g._succ, g._pred, g._node) for k, g in graphs.items()}
    # One string per target (the organizations, thousands of times each); the sources
    # (mostly members, once or twice each) are left as read: sharing them with the node
    # ids through a dict of every id costs a fifth of a second for some 10 MB.
    targets: dict[str, str] = {}
    same = targets.setdefault
    new = object.__new__
    set_kind, set_source, set_target, set_from, set_to, set_attrs = _LINK_SETTERS
    no_attrs = _NO_ATTRS
    last, known = None, []
    for kind_text, group in groupby(rows, itemgetter(1)):
        lk, dated, succ, pred, ends = adjacency[kind_text]
        for key, _, source, target, start, end, text in group:
            target = same(target, target)
            link = new(Link)
            set_kind(link, lk)
            set_source(link, source)
            set_target(link, target)
            set_from(link, day[start])
            set_to(link, day[end] if end else None)
            set_attrs(link, _decoded(text, dated) if text else no_attrs)
            if key == last:  # a later version of the link just indexed
                known.append(link)
                continue
            last = key
            known = links[key] = [link]
            out = succ.get(source)
            if out is None:
                out = succ[source] = {}
                if source not in pred:
                    pred[source] = {}
                    ends[source] = {}
            keyed = out.get(target)
            if keyed is None:
                inward = pred.get(target)
                if inward is None:
                    inward = pred[target] = {}
                    if target not in succ:
                        succ[target] = {}
                        ends[target] = {}
                out[target] = inward[source] = {key: known}
            else:
                keyed[key] = known
    return graphs, links


class _LinkColumns:
    """Every version of one link kind as columns: its target, and its start and end as day
    numbers. A count at a date is then one vectorised pass (some 10^5 versions in about a
    millisecond), not a walk through the graph's dicts."""

    __slots__ = ("_at", "end", "names", "start", "target")

    def __init__(self, graph: Any) -> None:
        names: dict[str, int] = {}
        target: list[int] = []
        start: list[int] = []
        end: list[int] = []
        never = date.max.toordinal() + 1
        for node, inward in graph._pred.items():
            code = None
            for keyed in inward.values():
                for versions in keyed.values():
                    if code is None:
                        code = names[node] = len(names)
                    for version in versions:
                        target.append(code)
                        start.append(version.valid_from.toordinal())
                        ends = version.valid_to
                        end.append(never if ends is None else ends.toordinal())
        self.names = names
        #: The counts at the last ``DATES_KEPT`` dates asked, by target code.
        self._at: dict[date, list[int]] = {}
        self.target = np.asarray(target, dtype=np.int64)
        self.start = np.asarray(start, dtype=np.int64)
        self.end = np.asarray(end, dtype=np.int64)

    def count(self, as_of: date, targets: Collection[str]) -> dict[str, int]:
        counts = self._at.get(as_of)
        if counts is None:
            day = as_of.toordinal()
            valid = (self.start <= day) & (day < self.end)
            counts = np.bincount(self.target[valid], minlength=len(self.names)).tolist()
            if len(self._at) >= DATES_KEPT:  # the columns go with the next write anyway
                self._at.pop(next(iter(self._at)))
            self._at[as_of] = counts
        names = self.names
        out: dict[str, int] = {}
        for node in targets:
            code = names.get(node)
            if code is not None:
                n = counts[code]
                if n:
                    out[node] = n
        return out


class _ColumnCounts:
    """Counts at a date of the links of one kind in columns (``LinkColumns``) by target,
    with those written since (their records: ``over``, by link, and the graph's)."""

    __slots__ = ("_at", "cols", "end", "others", "start", "target")

    def __init__(self, cols: LinkColumns, over: Mapping[int, list[Link]], graph: Any) -> None:
        link = np.frombuffer(cols.link, dtype=np.int32)
        keep = ~np.isin(link, np.fromiter(over, dtype=np.int64, count=len(over)))
        self.cols = cols
        self.target = np.frombuffer(cols.target, dtype=np.int32)[link[keep]]
        self.start = np.frombuffer(cols.start, dtype=np.int32)[keep]
        self.end = np.frombuffer(cols.end, dtype=np.int32)[keep]
        self.others = list(over.values()) + [
            versions
            for inward in graph._pred.values()
            for keyed in inward.values()
            for versions in keyed.values()
        ]
        self._at: dict[date, tuple[Any, dict[str, int]]] = {}

    def count(self, as_of: date, targets: Collection[str]) -> dict[str, int]:
        made = self._at.get(as_of)
        if made is None:
            day = as_of.toordinal()
            valid = (self.start <= day) & (day < self.end)
            counts = np.bincount(self.target[valid], minlength=len(self.cols.ends))
            others: dict[str, int] = defaultdict(int)
            for versions in self.others:
                link = _valid(versions, as_of)
                if link is not None:
                    others[link.target] += 1
            if len(self._at) >= DATES_KEPT:
                self._at.pop(next(iter(self._at)))
            made = self._at[as_of] = (counts, others)
        counts, others = made
        code = self.cols.ends.code
        out: dict[str, int] = {}
        for node in targets:
            at = code(node)
            n = (0 if at is None or at >= len(counts) else int(counts[at])) + others.get(node, 0)
            if n:
                out[node] = n
        return out


class _Days(dict[str, date]):
    """ISO day texts to dates, each parsed the first time it is looked up."""

    def __missing__(self, text: str) -> date:
        found = self[text] = date.fromisoformat(text)
        return found


def _add_edge(graph: Any, source: str, target: str, key: str, versions: list[Link]) -> None:
    """``graph.add_edge(source, target, **{key: versions})``, without its overhead.

    Writes the adjacency dicts a ``DiGraph`` keeps, as ``_read_links`` does (the store's
    reads use ``_succ`` and ``_pred`` directly too).
    """
    succ, pred = graph._succ, graph._pred
    for node in (source, target):
        if node not in succ:
            succ[node] = {}
            pred[node] = {}
            graph._node[node] = {}
    keyed = succ[source].get(target)
    if keyed is None:
        keyed = succ[source][target] = {}
        pred[target][source] = keyed
    keyed[key] = versions
