"""The embedded store's node versions and facts as columns, not as Python objects.

A record per version (a ``Node``, its dict of attributes, its strings) cost about a
kilobyte of the process's memory each; the same version as columns costs its numbers and
the bytes of its JSON. ``NodeColumns`` holds every node version the file held when the
index was read, sorted by (id, valid_from) as the file hands them over: the id of row
``r`` is ``ids[group[r]]`` and the rows of id ``i`` are ``first[i]:first[i + 1]``, oldest
first. A ``Node`` is made from its row when a read hands it out (``node_at``), its
attributes decoded then (the file's JSON, kept as one bytes object); a few of the last made
are kept (``MADE_KEPT``) for reads that repeat. ``FactColumns`` holds the yearly facts
the same way, by (node id, year, name), their values as the file's JSON.

Both are read-only once made: the store keeps the versions and facts written since in an
overlay of its own (``orggraph.store.embedded``) and reads it first.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from datetime import date
from itertools import repeat
from typing import Any, cast

import numpy as np
import orjson

from orggraph.model import Link, LinkKind, Node, NodeKind
from orggraph.model.codec import DATE_FIELDS

#: The node ids in the order of their versions' rows, each with its count of versions.
_NODE_IDS_BY_ROW_SQL = "SELECT id FROM nodes GROUP BY id ORDER BY id"
_NODE_IDS_SQL = (
    "SELECT group_concat(id, char(31)), group_concat(c, ',')"
    " FROM (SELECT id, count(*) AS c FROM nodes GROUP BY id ORDER BY id)"
)

__all__ = [
    "MADE_KEPT",
    "NEVER",
    "Ends",
    "FactColumns",
    "LinkColumns",
    "NodeColumns",
    "Ordinals",
    "columns_where",
    "decoded",
    "slot_setters",
]

#: The day number of a version that has not ended (later than any date).
NEVER = date.max.toordinal() + 1

#: Nodes made from rows kept for the next read of the same row (a chain, a page).
MADE_KEPT = 1 << 14

_KINDS = list(NodeKind)
_KIND_CODE = {k.value: i for i, k in enumerate(_KINDS)}
_DATED = [DATE_FIELDS.get(k, frozenset()) for k in _KINDS]
_LINK_DATED = {k: DATE_FIELDS.get(k, frozenset()) for k in LinkKind}

#: The attributes of every link without any: one shared, read-only by ``Link``'s type.
_NO_LINK_ATTRS: Mapping[str, Any] = {}


def slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Any, ...]:
    """The slot setters of a frozen dataclass's fields, ``names`` being all of them in order.

    The loaders make records with ``object.__new__`` and these setters: a frozen
    dataclass's ``__init__`` sets each field through ``object.__setattr__`` and costs four
    times as much, a third of a second at a city's 300,000 versions. The records have no
    ``__post_init__``; the check here fails at import if their fields change.
    """
    found = tuple(f.name for f in fields(cls))
    if found != names or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} fields are {found}, the loader sets {names}")
    return tuple(cls.__dict__[name].__set__ for name in names)


_LINK_SETTERS = slot_setters(Link, ("kind", "source", "target", "valid_from", "valid_to", "attrs"))


_NODE_SETTERS = slot_setters(Node, ("id", "kind", "name", "valid_from", "valid_to", "attrs"))


def _numbers(text: str | None) -> np.ndarray:
    """Whole numbers from SQLite's ``group_concat(n, ',')`` (None: no row)."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


def _ints(values: np.ndarray, typecode: str = "i") -> array[int]:
    """``values`` as an ``array`` (a scalar read from one is a plain ``int``, quickly)."""
    dtype = {"i": np.int32, "b": np.int8, "B": np.uint8}[typecode]
    return array(typecode, values.astype(dtype).tobytes())


#: A date column as a day number (``date.toordinal``), computed by SQLite; -1 if it is
#: not a date, ``NEVER`` if empty (a version that has not ended).
_DAY = "COALESCE(CAST(julianday({0}) - 1721424.5 AS INTEGER), -1)"
_END_DAY = f"CASE WHEN {{0}} IS NULL OR {{0}} = '' THEN {NEVER} ELSE {_DAY} END"

#: A whole column in one value, in the order of the subquery ``rows``: SQLite does the
#: per-row work, Python parses a few long values (``_numbers``, ``_Blob``).
_TOGETHER = "SELECT {columns} FROM ({rows})"


def _read_together(db: Any, columns: dict[str, str], rows: str) -> dict[str, Any]:
    """Each of ``columns`` (name: expression over ``rows``) as one value."""
    cells = ", ".join(columns.values())
    found = db.execute(_TOGETHER.format(columns=cells, rows=rows)).fetchone()
    return dict(zip(columns, found, strict=True))


def _numbers_of(column: str) -> str:
    return f"group_concat({column}, ',')"


def _bytes_of(column: str) -> tuple[str, str]:
    """The column's values joined, and their lengths in bytes."""
    return (
        f"CAST(group_concat({column}, '') AS BLOB)",
        f"group_concat(length(CAST({column} AS BLOB)), ',')",
    )


def _checked_days(days: np.ndarray, table: str) -> np.ndarray:
    if len(days) and int(days.min()) < 0:
        raise ValueError(f"{table}: a valid_from or valid_to that is not a date")
    return days


class Ordinals(dict[int, date]):
    """Day numbers to dates, each made the first time it is looked up (one per day)."""

    def __missing__(self, day: int) -> date:
        found = self[day] = date.fromordinal(day)
        return found


def decoded(text: bytes | bytearray, dated: Collection[str]) -> dict[str, Any]:
    """Attributes read from the file's JSON, with the kind's date attributes made dates."""
    values: dict[str, Any] = orjson.loads(text)
    for key in dated:
        value = values.get(key)
        if value.__class__ is str:
            values[key] = date.fromisoformat(value)
    return values


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _utf8(text: bytes | str) -> bytes:
    return text if text.__class__ is bytes else cast(str, text).encode()


class _Blob:
    """Many byte strings as one, with their offsets: ``blob[i]`` is the ``i``-th.

    Filled a part at a time (``add``): no object per part is held meanwhile."""

    __slots__ = ("data", "starts")

    def __init__(self, data: bytes | None = None, lengths: str | None = None) -> None:
        """Empty, to be filled by ``add``; or ``data`` cut by ``lengths`` (comma separated)."""
        self.data: bytes | bytearray = bytearray() if data is None else data
        starts = np.zeros(1, dtype=np.int64)
        if lengths:
            starts = np.concatenate([starts, np.cumsum(_numbers(lengths))])
        self.starts = array("q", starts.tobytes())

    @classmethod
    def of(cls, data: bytes | bytearray, starts: array[int]) -> _Blob:
        """The parts of ``data`` that ``starts`` (``len + 1`` offsets) cut."""
        made: _Blob = object.__new__(cls)
        made.data, made.starts = data, starts
        return made

    def add(self, part: bytes) -> None:
        self.data += part
        self.starts.append(len(self.data))

    def __getitem__(self, i: int) -> bytes:
        starts = self.starts
        return bytes(self.data[starts[i] : starts[i + 1]])

    def __len__(self) -> int:
        return len(self.starts) - 1

    def nbytes(self) -> int:
        return len(self.data) + len(self.starts) * 8


class NodeColumns:
    """The node versions read from the file, as columns (see the module's docstring)."""

    __slots__ = (
        "_made",
        "attrs",
        "days",
        "end",
        "first",
        "group",
        "ids",
        "index",
        "kind",
        "last_made",
        "names",
        "start",
    )

    def __init__(self, db: Any, days: Ordinals) -> None:
        """Every node version of the file that ``db`` (a connection) reads."""
        joined, numbers = db.execute(_NODE_IDS_SQL).fetchone()
        counts = _numbers(numbers)
        ids: list[str] = joined.split(_SEPARATOR) if joined else []
        if len(ids) != len(counts):  # an id holds the separator: row by row
            ids = [node_id for (node_id,) in db.execute(_NODE_IDS_BY_ROW_SQL)]
        kind_code = " ".join(f"WHEN '{k.value}' THEN {i}" for i, k in enumerate(_KINDS))
        rows = (
            f"SELECT COALESCE(CASE kind {kind_code} END, -1) AS k,"
            f" {_DAY.format('valid_from')} AS s, {_END_DAY.format('valid_to')} AS e,"
            " name, attrs FROM nodes ORDER BY id, valid_from"
        )
        name, name_lengths = _bytes_of("name")
        attrs, attrs_lengths = _bytes_of("attrs")
        got = _read_together(
            db,
            {
                "kind": _numbers_of("k"),
                "start": _numbers_of("s"),
                "end": _numbers_of("e"),
                "name": name,
                "name_lengths": name_lengths,
                "attrs": attrs,
                "attrs_lengths": attrs_lengths,
            },
            rows,
        )
        kind = _numbers(got["kind"])
        if len(kind) and int(kind.min()) < 0:
            raise ValueError("nodes: a kind of node this version does not know")
        first = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(counts, out=first[1:])
        self.ids = ids
        self.index = {node_id: i for i, node_id in enumerate(ids)}
        self.first = _ints(first)
        self.kind = _ints(kind, "b")
        self.start = _ints(_checked_days(_numbers(got["start"]), "nodes"))
        self.end = _ints(_checked_days(_numbers(got["end"]), "nodes"))
        self.names = _Blob(got["name"], got["name_lengths"])
        self.attrs = _Blob(got["attrs"], got["attrs_lengths"])
        # The id of each row, for the vectorised reads.
        self.group = np.repeat(np.arange(len(ids), dtype=np.int32), counts)
        self.days = days
        self._made: dict[int, Node] = {}
        #: The versions of each kind valid at the date last asked, by id (the store's
        #: ``_file_nodes``): the next date's reuse them.
        self.last_made: dict[NodeKind, dict[str, Node]] = {}

    def parts(self) -> dict[str, Any]:
        """What ``from_parts`` makes these columns again from (``orggraph.store.snapshot``
        keeps them in a file): the columns themselves, not what is worked out from them."""
        return {
            "ids": self.ids,
            "first": self.first,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "names": self.names.data,
            "name_starts": self.names.starts,
            "attrs": self.attrs.data,
            "attrs_starts": self.attrs.starts,
        }

    @classmethod
    def from_parts(cls, parts: Mapping[str, Any], days: Ordinals) -> NodeColumns:
        """The columns ``parts`` (``parts()``) held, as reading the file made them."""
        made: NodeColumns = object.__new__(cls)
        ids: list[str] = parts["ids"]
        made.ids = ids
        made.index = dict(zip(ids, range(len(ids)), strict=True))
        made.first, made.kind = parts["first"], parts["kind"]
        made.start, made.end = parts["start"], parts["end"]
        made.names = _Blob.of(parts["names"], parts["name_starts"])
        made.attrs = _Blob.of(parts["attrs"], parts["attrs_starts"])
        first = np.frombuffer(made.first, dtype=np.int32)
        counts = first[1:] - first[:-1]
        made.group = np.repeat(np.arange(len(ids), dtype=np.int32), counts)
        made.days = days
        made._made = {}
        made.last_made = {}
        return made

    def __len__(self) -> int:
        return len(self.kind)

    def node_at(self, row: int) -> Node:
        """The version at ``row`` as a ``Node``, its attributes decoded."""
        made = self._made.get(row)
        if made is not None:
            return made
        days = self.days
        end = self.end[row]
        code = self.kind[row]
        node = Node(
            id=self.ids[self.group[row]],
            kind=_KINDS[code],
            name=self.names[row].decode(),
            valid_from=days[self.start[row]],
            valid_to=None if end == NEVER else days[end],
            attrs=decoded(self.attrs[row], _DATED[code]),
        )
        kept = self._made
        if len(kept) >= MADE_KEPT:
            kept.clear()  # the next reads make theirs again
        kept[row] = node
        return node

    def nodes_at(self, rows: np.ndarray) -> list[Node]:
        """The versions at ``rows`` as ``Node``s, as ``node_at`` makes each, made in one
        loop for a wide read (a city's members, 10^6 at x10): each record by its slot
        setters, no lookup or call per field, and none kept for the next read."""
        ids, days, new = self.ids, self.days, object.__new__
        kinds, starts, ends = self.kind, self.start, self.end
        names, name_at = self.names.data, self.names.starts
        attrs, attrs_at = self.attrs.data, self.attrs.starts
        set_id, set_kind, set_name, set_from, set_to, set_attrs = _NODE_SETTERS
        out: list[Node] = []
        for row, i in zip(rows.tolist(), self.group[rows].tolist(), strict=True):
            code = kinds[row]
            end = ends[row]
            node = new(Node)
            set_id(node, ids[i])
            set_kind(node, _KINDS[code])
            set_name(node, bytes(names[name_at[row] : name_at[row + 1]]).decode())
            set_from(node, days[starts[row]])
            set_to(node, None if end == NEVER else days[end])
            set_attrs(node, decoded(attrs[attrs_at[row] : attrs_at[row + 1]], _DATED[code]))
            out.append(node)
        return out

    def rows_of(self, node_id: str) -> range:
        """The rows of ``node_id``'s versions, oldest first (empty if the file had none)."""
        i = self.index.get(node_id)
        if i is None:
            return range(0)
        first = self.first
        return range(first[i], first[i + 1])

    def valid_row(self, rows: range, day: int) -> int | None:
        """The row of the version valid at ``day`` among ``rows`` (as ``_valid``)."""
        start, end = self.start, self.end
        for row in reversed(rows):
            if start[row] <= day:
                return row if day < end[row] else None
        return None

    def name_spans(self, ids: Iterable[str]) -> dict[str, list[tuple[date, date | None, str]]]:
        """The name of each version of each of ``ids`` the file holds, with its dates,
        ``(valid_from, valid_to, name)``, oldest first: no ``Node`` made, no attributes
        decoded, one loop for many ids (a report's people, 10^4 at ×10)."""
        index, first, days, start, end = self.index, self.first, self.days, self.start, self.end
        names, at = self.names.data, self.names.starts
        out: dict[str, list[tuple[date, date | None, str]]] = {}
        for node_id in ids:
            i = index.get(node_id)
            if i is None:
                continue
            spans = []
            for r in range(first[i], first[i + 1]):
                stop = end[r]
                name = str(names[at[r] : at[r + 1]], "utf-8")
                spans.append((days[start[r]], None if stop == NEVER else days[stop], name))
            if spans:
                out[node_id] = spans
        return out

    def versions(self, node_id: str) -> list[Node]:
        return [self.node_at(r) for r in self.rows_of(node_id)]

    def valid_rows(
        self, day: int, kind: NodeKind | None = None, *, first: bool = True
    ) -> np.ndarray:
        """The rows valid at ``day``, in id order: for each id the one ``_valid`` finds,
        if any, and (given ``kind``) only those of it whose id's first version is of it
        too (unless not ``first``)."""
        n = len(self.ids)
        if not n:
            return np.zeros(0, dtype=np.int64)
        starts = np.frombuffer(self.first, dtype=np.int32)
        start = np.frombuffer(self.start, dtype=np.int32)
        # The last row of each id starting on or before ``day`` (-1: none does).
        rows = np.arange(len(start), dtype=np.int64)
        latest = np.maximum.reduceat(np.where(start <= day, rows, -1), starts[:-1])
        found = latest >= 0
        chosen = latest[found]
        end = np.frombuffer(self.end, dtype=np.int32)
        valid = day < end[chosen]
        if kind is not None:
            kinds = np.frombuffer(self.kind, dtype=np.int8)
            code = _KIND_CODE[kind.value]
            valid &= kinds[chosen] == code
            if first:
                valid &= kinds[starts[:-1][found]] == code
        return chosen[valid]

    def value_codes(self, kind: NodeKind, key: str) -> tuple[np.ndarray, dict[Any, int]]:
        """Attribute ``key`` of every row of ``kind`` as codes (int32, by row), and the code
        of each value: -1 where a row is of another kind, lacks ``key`` or holds a value
        that cannot be a key (a list). Values are decoded as ``node_at`` decodes them
        (dates made dates); two equal values (``1`` and ``1.0``) share a code, as a
        comparison with ``==`` would have them. Decodes every such row: a second or so
        for the million members at x10, for a store's caller to keep."""
        code = _KIND_CODE[kind.value]
        kinds = np.frombuffer(self.kind, dtype=np.int8)
        rows = np.flatnonzero(kinds == code)
        data, at = self.attrs.data, self.attrs.starts
        loads, dated = orjson.loads, key in _DATED[code]
        values = [loads(data[at[r] : at[r + 1]]).get(key) for r in rows.tolist()]
        if dated:
            values = [date.fromisoformat(v) if v.__class__ is str else v for v in values]
        try:
            distinct = set(values)
        except TypeError:  # a list among them
            distinct = {v for v in values if _hashable(v)}
        distinct.discard(None)
        index = {value: n for n, value in enumerate(distinct)}
        try:
            found = np.fromiter(map(index.get, values, repeat(-1)), np.int32, len(values))
        except TypeError:  # a list among them: row by row
            found = np.array(
                [index.get(v, -1) if _hashable(v) else -1 for v in values], dtype=np.int32
            )
        codes = np.full(len(kinds), -1, dtype=np.int32)
        codes[rows] = found
        return codes, index

    def ids_of_kind(self, kind: NodeKind) -> Iterator[str]:
        """The ids whose first version is of ``kind``, in id order."""
        first = np.frombuffer(self.first, dtype=np.int32)[:-1]
        kinds = np.frombuffer(self.kind, dtype=np.int8)[first]
        ids = self.ids
        for i in np.flatnonzero(kinds == _KIND_CODE[kind.value]).tolist():
            yield ids[i]

    def kind_of(self, node_id: str) -> NodeKind | None:
        """The kind of ``node_id``'s first version (None if the file had none)."""
        rows = self.rows_of(node_id)
        return _KINDS[self.kind[rows[0]]] if rows else None

    def day_numbers(self, left_out: np.ndarray | None = None) -> np.ndarray:
        """Every start and end of a version, as day numbers (``NEVER`` left out, and the
        rows where ``left_out`` is true)."""
        start = np.frombuffer(self.start, dtype=np.int32)
        end = np.frombuffer(self.end, dtype=np.int32)
        ended = end != NEVER
        if left_out is not None:
            start, ended = start[~left_out], ended & ~left_out
        return np.concatenate([start, end[ended]]).astype(np.int64)


class FactColumns:
    """The yearly facts read from the file, by (node id, year, name), as columns.

    The (node id, year) pairs are ``keys``: those of node ``ids[i]`` are
    ``node_keys[i]:node_keys[i + 1]``. The facts of pair ``k`` are one JSON object,
    ``objects[k]`` (their names in order, each with the file's JSON of its value), decoded
    by one ``orjson.loads`` when read; their names are rows ``key_rows[k]:key_rows[k + 1]``
    of ``name_codes`` (into ``names``), for the reads of names alone.
    """

    __slots__ = (
        "ids",
        "index",
        "key_rows",
        "key_year",
        "name_codes",
        "names",
        "node_keys",
        "objects",
    )

    def __init__(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """``rows``: (node id, year, name, value) ordered by node id, year, name."""
        ids: list[str] = []
        node_keys = array("i")
        key_year = array("i")
        key_rows = array("i")
        name_codes = array("B")
        names: dict[str, int] = {}
        #: Each name as a JSON key (``"name":``), by code.
        keys: list[bytes] = []
        objects = _Blob()
        parts: list[bytes] = []
        last_id: str | None = None
        last_year: int | None = None
        row = 0
        for node_id, year, name, value in rows:
            if node_id != last_id or year != last_year:
                if parts:
                    objects.add(b"{" + b",".join(parts) + b"}")
                    parts = []
                if node_id != last_id:
                    last_id = node_id
                    ids.append(node_id)
                    node_keys.append(len(key_year))
                last_year = year
                key_year.append(year)
                key_rows.append(row)
            code = names.get(name)
            if code is None:
                code = names[name] = len(names)
                if code > 255:
                    raise ValueError("more than 256 names of facts")
                keys.append(orjson.dumps(name) + b":")
            name_codes.append(code)
            parts.append(keys[code] + _utf8(value))
            row += 1
        if parts:
            objects.add(b"{" + b",".join(parts) + b"}")
        node_keys.append(len(key_year))
        key_rows.append(row)
        self.ids = ids
        self.index = {node_id: i for i, node_id in enumerate(ids)}
        self.node_keys = node_keys
        self.key_year = key_year
        self.key_rows = key_rows
        self.name_codes = name_codes
        self.names = list(names)
        self.objects = objects

    def __len__(self) -> int:
        return len(self.name_codes)

    def get(self, node_id: str, year: int) -> dict[str, Any] | None:
        """The facts of ``node_id`` in ``year`` (a new dict), None if the file has none."""
        i = self.index.get(node_id)
        if i is None:
            return None
        years = self.key_year
        for key in range(self.node_keys[i], self.node_keys[i + 1]):
            if years[key] == year:
                return self.values_of(key)
        return None

    def keys_of(self, node_ids: Sequence[str], year: int) -> list[int]:
        """The pair of each of ``node_ids`` with ``year`` (the one ``get`` decodes), -1
        where the file has none: a wide read's lookups as a few passes over arrays (a
        node has a pair a year, a dozen at most), not a loop over each node's years."""
        if not self.ids:
            return [-1] * len(node_ids)
        index = self.index
        at = np.fromiter((index.get(i, -1) for i in node_ids), np.int64, len(node_ids))
        first = np.frombuffer(self.node_keys, dtype=np.intc)
        years = np.frombuffer(self.key_year, dtype=np.intc)
        known = at >= 0
        lo = np.where(known, first[np.maximum(at, 0)], 0)
        hi = np.where(known, first[np.maximum(at, 0) + 1], 0)
        found = np.full(len(at), -1, dtype=np.int64)
        for step in range(int((hi - lo).max(initial=0))):
            key = lo + step
            hit = (key < hi) & (years[np.minimum(key, len(years) - 1)] == year)
            found[hit] = key[hit]
        keys: list[int] = found.tolist()
        return keys

    def pairs(self) -> Iterator[tuple[str, int, int]]:
        """(node id, year, key) of every pair, in (node id, year) order."""
        years, node_keys = self.key_year, self.node_keys
        for i, node_id in enumerate(self.ids):
            for key in range(node_keys[i], node_keys[i + 1]):
                yield node_id, years[key], key

    def names_of(self, key: int) -> list[str]:
        names, codes = self.names, self.name_codes
        return [names[codes[r]] for r in range(self.key_rows[key], self.key_rows[key + 1])]

    def values_of(self, key: int) -> dict[str, Any]:
        """The facts of pair ``key``, by name in name order (a new dict)."""
        found: dict[str, Any] = orjson.loads(self.objects[key])
        return found


class Facts:
    """The facts the file held when read (``FactColumns``) and those written since (an
    overlay by (node id, year), holding all of a pair's facts once one is written)."""

    __slots__ = ("base", "written")

    def __init__(self, base: FactColumns) -> None:
        self.base = base
        self.written: dict[tuple[str, int], dict[str, Any]] = {}

    def get(self, key: tuple[str, int]) -> Mapping[str, Any] | None:
        found = self.written.get(key)
        if found is not None:
            return found
        return self.base.get(*key)

    def set(self, node_id: str, year: int, name: str, value: Any) -> None:
        key = (node_id, year)
        values = self.written.get(key)
        if values is None:
            values = self.written[key] = self.base.get(node_id, year) or {}
        values[name] = value

    def items(self) -> Iterator[tuple[tuple[str, int], Mapping[str, Any]]]:
        """Every (node id, year) with its facts: the file's order, then the new pairs'."""
        written = self.written
        seen = 0
        for node_id, year, key in self.base.pairs():
            values = written.get((node_id, year))
            if values is not None:
                seen += 1
                yield (node_id, year), values
            else:
                yield (node_id, year), self.base.values_of(key)
        if seen < len(written):
            base = self.base
            for pair, values in list(written.items()):
                if base.get(*pair) is None:
                    yield pair, values

    def names(self) -> Iterator[tuple[tuple[str, int], list[str]]]:
        """Every (node id, year) with the names of its facts, in ``items``' order."""
        written = self.written
        for node_id, year, key in self.base.pairs():
            values = written.get((node_id, year))
            yield (node_id, year), list(values) if values is not None else self.base.names_of(key)
        base = self.base
        for pair, values in list(written.items()):
            if base.index.get(pair[0]) is None or base.get(*pair) is None:
                yield pair, list(values)

    def count(self) -> int:
        return sum(len(values) for _, values in self.names())


class Ends:
    """The ends of the links in columns as codes: a node's index among the file's node
    ids (``NodeColumns``), or past those, one of the ends no node version names."""

    __slots__ = ("extra", "extra_index", "ids", "index")

    def __init__(self, nodes: NodeColumns) -> None:
        self.ids, self.index = nodes.ids, nodes.index
        self.extra: list[str] = []
        self.extra_index: dict[str, int] = {}

    def code(self, name: str) -> int | None:
        found = self.index.get(name)
        if found is None:
            found = self.extra_index.get(name)
        return found

    def add(self, name: str) -> int:
        found = self.code(name)
        if found is None:
            found = self.extra_index[name] = len(self.ids) + len(self.extra)
            self.extra.append(name)
        return found

    def name(self, code: int) -> str:
        n = len(self.ids)
        return self.ids[code] if code < n else self.extra[code - n]

    def names(self, codes: np.ndarray) -> list[str]:
        """The names of ``codes`` (``name`` of each)."""
        ids, extra, n = self.ids, self.extra, len(self.ids)
        if not extra:
            return [ids[code] for code in codes.tolist()]
        return [ids[code] if code < n else extra[code - n] for code in codes.tolist()]

    def __len__(self) -> int:
        return len(self.ids) + len(self.extra)


#: Between the ends of the links in ``group_concat`` (a control character no id holds;
#: ``LinkColumns._codes`` reads row by row if one does).
_SEPARATOR = "\x1f"
_SEPARATOR_SQL = "char(31)"


def columns_where(kind: LinkKind) -> str:
    """The SQL condition of the links of ``kind`` read into columns: those whose id is
    ``link_id(kind, source, target)`` (all, as the store writes them), in a range of ids."""
    return (
        f"id > '{kind}:' AND id < '{kind};' AND kind = '{kind}'"
        " AND id = kind || ':' || source || '>' || target"
    )


def _by_end(ends: np.ndarray, n: int) -> tuple[np.ndarray, array[int]]:
    """The links ordered by ``ends`` (their codes, stable: then by id), and where those
    of each of the ``n`` codes start in that order (``n + 1`` offsets)."""
    order = np.argsort(ends, kind="stable").astype(np.int32)
    at = np.searchsorted(ends[order], np.arange(n + 1, dtype=ends.dtype), "left")
    return order, _ints(at)


class LinkColumns:
    """The versions of one kind of link read from the file, as columns: those whose id is
    ``link_id(kind, source, target)`` (a kind without qualifier), in id order.

    Link ``i`` goes from ``source[i]`` to ``target[i]`` (codes of ``ends``), its versions
    are rows ``first[i]:first[i + 1]``, oldest first. ``out_order`` lists the links by
    source (then id: the order a ``DiGraph`` built from the rows lists a node's edges),
    those from end ``c`` being ``out_order[out_at[c]:out_at[c + 1]]``; ``in_order`` and
    ``in_at`` the same by target. (Offsets per end, not a search per read: a search of a
    million int32 keys for a Python ``int`` casts the keys first, half a millisecond.)
    """

    __slots__ = (
        "attrs",
        "days",
        "end",
        "ends",
        "first",
        "in_at",
        "in_order",
        "kind",
        "link",
        "out_at",
        "out_order",
        "prefix",
        "source",
        "start",
        "target",
    )

    def __init__(self, db: Any, kind: LinkKind, ends: Ends, days: Ordinals) -> None:
        """The links of ``kind`` in the file ``db`` (a connection) reads whose id is made
        of their ends (``columns_where``)."""
        self.kind = kind
        self.prefix = f"{kind}:"
        self.ends = ends
        self.days = days
        where = columns_where(kind)
        rows = (
            f"SELECT {_DAY.format('valid_from')} AS s, {_END_DAY.format('valid_to')} AS e,"
            " length(attrs) > 2 AS a, source, target"
            f" FROM links WHERE {where} ORDER BY id, valid_from"
        )
        columns = {
            "start": _numbers_of("s"),
            "end": _numbers_of("e"),
            "attrs": _numbers_of("a"),
            "source": f"group_concat(source, {_SEPARATOR_SQL})",
            "target": f"group_concat(target, {_SEPARATOR_SQL})",
        }
        got = _read_together(db, columns, rows)
        start = _checked_days(_numbers(got["start"]), "links")
        # The ends of each row as codes; a row whose ends differ from the row before it
        # starts a new link (the id is made of the ends).
        row_source = self._codes(got["source"], len(start), db, where, "source")
        row_target = self._codes(got["target"], len(start), db, where, "target")
        new = np.ones(len(start), dtype=bool)
        new[1:] = (row_source[1:] != row_source[:-1]) | (row_target[1:] != row_target[:-1])
        starts = np.flatnonzero(new)
        first = np.append(starts, len(start))
        counts = np.diff(first)
        source = row_source[starts]
        target = row_target[starts]
        self.source, self.target = _ints(source), _ints(target)
        self.first = _ints(first)
        self.link = _ints(np.repeat(np.arange(len(counts), dtype=np.int32), counts))
        self.start = _ints(start)
        self.end = _ints(_checked_days(_numbers(got["end"]), "links"))
        #: The attributes of the rows that have any (the file's JSON), by row.
        with_attrs = np.flatnonzero(_numbers(got["attrs"])).tolist()
        texts = db.execute(
            f"SELECT attrs FROM links WHERE {where} AND length(attrs) > 2 ORDER BY id, valid_from"
        )
        self.attrs: dict[int, bytes] = {
            row: _utf8(text) for row, (text,) in zip(with_attrs, texts, strict=True)
        }
        self.out_order, self.out_at = _by_end(source, len(ends))
        self.in_order, self.in_at = _by_end(target, len(ends))

    def parts(self) -> dict[str, Any]:
        """What ``from_parts`` makes these columns again from, ends as codes (of ``ends``,
        whose ``extra`` names the caller keeps)."""
        rows = array("i", self.attrs)
        texts = _Blob()
        for text in self.attrs.values():
            texts.add(text)
        return {
            "source": self.source,
            "target": self.target,
            "first": self.first,
            "link": self.link,
            "start": self.start,
            "end": self.end,
            "attrs_rows": rows,
            "attrs": texts.data,
            "attrs_starts": texts.starts,
            "out_order": self.out_order,
            "out_at": self.out_at,
            "in_order": self.in_order,
            "in_at": self.in_at,
        }

    @classmethod
    def from_parts(
        cls, parts: Mapping[str, Any], kind: LinkKind, ends: Ends, days: Ordinals
    ) -> LinkColumns:
        """The columns ``parts`` (``parts()``) held, their ends codes of ``ends``."""
        made: LinkColumns = object.__new__(cls)
        made.kind, made.prefix, made.ends, made.days = kind, f"{kind}:", ends, days
        for name in ("source", "target", "first", "link", "start", "end", "out_at", "in_at"):
            setattr(made, name, parts[name])
        made.out_order = np.asarray(parts["out_order"], dtype=np.int32)
        made.in_order = np.asarray(parts["in_order"], dtype=np.int32)
        texts = _Blob.of(parts["attrs"], parts["attrs_starts"])
        made.attrs = {row: texts[i] for i, row in enumerate(parts["attrs_rows"])}
        return made

    def _codes(self, joined: str | None, rows: int, db: Any, where: str, column: str) -> Any:
        """The codes of one end column's values, ``joined`` by ``_SEPARATOR``; read row by
        row instead if a value holds the separator."""
        names = joined.split(_SEPARATOR) if joined else []
        if len(names) != rows:
            query = f"SELECT {column} FROM links WHERE {where} ORDER BY id, valid_from"
            names = [name for (name,) in db.execute(query)]
        index, add = self.ends.index, self.ends.add
        codes = [index.get(name) for name in names]
        return np.asarray(
            [add(name) if code is None else code for name, code in zip(names, codes, strict=True)]
            if None in codes
            else codes,
            dtype=np.int32,
        )

    def __len__(self) -> int:
        return len(self.source)

    def rows(self) -> int:
        return len(self.start)

    def key(self, i: int) -> str:
        ends = self.ends
        return f"{self.prefix}{ends.name(self.source[i])}>{ends.name(self.target[i])}"

    def find(self, key: str) -> int | None:
        """The link whose id is ``key``, if the columns hold it."""
        if not key.startswith(self.prefix):
            return None
        rest = key[len(self.prefix) :]
        at = rest.find(">")
        while at >= 0:
            source = self.ends.code(rest[:at])
            target = self.ends.code(rest[at + 1 :])
            if source is not None and target is not None:
                for i in self.outgoing(source).tolist():
                    if self.target[i] == target:
                        return int(i)
            at = rest.find(">", at + 1)
        return None

    def outgoing(self, code: int) -> np.ndarray:
        """The links from end ``code``, in id order."""
        at = self.out_at
        if code + 1 >= len(at):  # an end added after these columns were made
            return self.out_order[:0]
        return self.out_order[at[code] : at[code + 1]]

    def incoming(self, code: int) -> np.ndarray:
        at = self.in_at
        if code + 1 >= len(at):
            return self.in_order[:0]
        return self.in_order[at[code] : at[code + 1]]

    def link_at(self, row: int) -> Link:
        """The version at ``row`` as a ``Link``."""
        i = self.link[row]
        end = self.end[row]
        text = self.attrs.get(row)
        days, ends = self.days, self.ends
        return Link(
            kind=self.kind,
            source=ends.name(self.source[i]),
            target=ends.name(self.target[i]),
            valid_from=days[self.start[row]],
            valid_to=None if end == NEVER else days[end],
            attrs=_NO_LINK_ATTRS if text is None else decoded(text, _LINK_DATED[self.kind]),
        )

    def links_at(self, rows: np.ndarray) -> list[Link]:
        """The versions at ``rows`` as ``Link``s, as ``link_at`` makes each, made in one
        loop for a wide read (a city's memberships, 10^6 at x10)."""
        kind, days, attrs, new = self.kind, self.days, self.attrs, object.__new__
        dated = _LINK_DATED[kind]
        link = np.frombuffer(self.link, dtype=np.int32)[rows]
        sources = self.ends.names(np.frombuffer(self.source, dtype=np.int32)[link])
        targets = self.ends.names(np.frombuffer(self.target, dtype=np.int32)[link])
        starts, ends = self.start, self.end
        set_kind, set_source, set_target, set_from, set_to, set_attrs = _LINK_SETTERS
        out: list[Link] = []
        for row, source, target in zip(rows.tolist(), sources, targets, strict=True):
            end = ends[row]
            text = attrs.get(row)
            found = new(Link)
            set_kind(found, kind)
            set_source(found, source)
            set_target(found, target)
            set_from(found, days[starts[row]])
            set_to(found, None if end == NEVER else days[end])
            set_attrs(found, _NO_LINK_ATTRS if text is None else decoded(text, dated))
            out.append(found)
        return out

    def versions(self, i: int) -> list[Link]:
        return [self.link_at(r) for r in range(self.first[i], self.first[i + 1])]

    def valid_row(self, i: int, day: int) -> int | None:
        start, end = self.start, self.end
        for row in range(self.first[i + 1] - 1, self.first[i] - 1, -1):
            if start[row] <= day:
                return row if day < end[row] else None
        return None

    def valid_rows(self, day: int) -> np.ndarray:
        """For each link, the row ``_valid`` finds at ``day``, if any, in link order."""
        if not len(self.source):
            return np.zeros(0, dtype=np.int64)
        first = np.frombuffer(self.first, dtype=np.int32)
        start = np.frombuffer(self.start, dtype=np.int32)
        rows = np.arange(len(start), dtype=np.int64)
        latest = np.maximum.reduceat(np.where(start <= day, rows, -1), first[:-1])
        chosen = latest[latest >= 0]
        return chosen[day < np.frombuffer(self.end, dtype=np.int32)[chosen]]
