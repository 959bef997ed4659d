"""Which rows each write of the embedded store touched, so that an index of an earlier state
catches up by reading those rows, not the whole tables.

Two indexes fall behind the file: another process's (a second API worker, a server while
``orggraph import`` writes), and the snapshot beside the file (``orggraph.store.snapshot``)
after any write. At a province (2.8 million rows) reading the tables again takes some 10 s
of one core; a write touches a few rows.

Every counted write through ``EmbeddedStore`` (``_apply``) adds, in its own transaction,
one row here: the count it reached (``n``, ``graph_version``), the file's token before and
after it (the one ``snapshot.IDENTITY_SCHEMA``'s trigger draws at every count), and the
keys of the node, link and fact rows it inserted or changed. An index of the state at count
``n0`` with token ``t0`` catches up to the file's state ``(n, t)`` (``since``) only when the
journal proves it may:

- its rows run from ``n0 + 1`` to ``n``, the first begun at ``t0`` (the index is of this
  file's history, not of a copy or a restored backup that reached the same count by other
  writes), each begun at the token the one before it left, the last leaving ``t``: no
  write in between went around it (a restore counts its write without a row here, and so
  breaks the chain);
- each of those writes kept its keys (a write of more than ``MAX_KEYS`` rows keeps none:
  reading the tables is then as quick), and together they are at most ``MAX_CATCH_UP``.

Otherwise the caller reads the tables. The current rows of the keys are read in the
caller's transaction and handed back as one ``Changes`` whose records replace the versions
of the same start (an insert adds one, a changed end replaces one), as the index takes a
write of its own. Only the last ``KEEP`` writes are kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from orggraph.model import Changes, Fact
from orggraph.model.codec import link_from_row, node_from_row

__all__ = ["KEEP", "MAX_CATCH_UP", "MAX_KEYS", "SCHEMA", "CatchUp", "record", "since", "token"]

#: Run at every open with the store's schema.
SCHEMA = """
CREATE TABLE IF NOT EXISTS graph_journal (
    n INTEGER PRIMARY KEY, before BLOB NOT NULL, token BLOB NOT NULL, keys BLOB
);
"""

#: The writes kept: an index further behind reads the tables.
KEEP = 1_000
#: A write of more rows than this keeps no keys (its readers read the tables).
MAX_KEYS = 20_000
#: The most rows a catch-up reads; past it, the tables.
MAX_CATCH_UP = 50_000

_TOKEN_SQL = "SELECT hex(token) FROM graph_identity"
_NODE_SQL = (
    "SELECT id, kind, name, valid_from, valid_to, attrs FROM nodes WHERE id = ? AND valid_from = ?"
)
_LINK_SQL = (
    "SELECT kind, source, target, valid_from, valid_to, attrs FROM links"
    " WHERE id = ? AND valid_from = ?"
)
_FACT_SQL = "SELECT value FROM facts WHERE node_id = ? AND year = ? AND name = ?"


def token(db: sqlite3.Connection) -> str:
    """The file's token now (hex), read in the caller's transaction."""
    return str(db.execute(_TOKEN_SQL).fetchone()[0])


def record(db: sqlite3.Connection, before: str, n: int, changes: Changes) -> str:
    """Journal the write that just counted ``n`` (inside its transaction), begun at the
    token ``before``; the token it left."""
    nodes = [(x.id, x.valid_from.isoformat()) for x in changes.add_nodes]
    nodes += [(i, s.isoformat()) for i, s, _ in changes.close_nodes]
    links = [(x.id, x.valid_from.isoformat()) for x in changes.add_links]
    links += [(i, s.isoformat()) for i, s, _ in changes.close_links]
    facts = [(f.node_id, f.year, f.name) for f in changes.facts]
    keys = None
    if len(nodes) + len(links) + len(facts) <= MAX_KEYS:
        keys = orjson.dumps(
            {"nodes": nodes, "links": links, "facts": facts, "added": _added(changes)}
        )
    (kept,) = db.execute(
        "INSERT INTO graph_journal SELECT ?, ?, token, ? FROM graph_identity RETURNING hex(token)",
        (n, bytes.fromhex(before), keys),
    ).fetchone()
    db.execute("DELETE FROM graph_journal WHERE n <= ?", (n - KEEP,))
    return str(kept)


def _added(changes: Changes) -> list[int]:
    return [len(changes.add_nodes), len(changes.add_links)]


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What brings an index of an earlier state to the file's: the current records of
    every row written since (``changes``), and how many rows those writes added."""

    changes: Changes
    added_nodes: int
    added_links: int


def since(
    db: sqlite3.Connection,
    start: tuple[int, str],
    now: tuple[int, str],
    *,
    facts: bool = True,
) -> CatchUp | None:
    """The catch-up from the state ``start`` (count, token) to ``now``, read in the
    caller's transaction; None when the journal cannot prove it (see the module's rules).
    ``facts``: read the facts written since too (an index that holds them)."""
    (n0, t0), (n, t) = start, now
    if n < n0 or n - n0 > KEEP:
        return None
    rows = db.execute(
        "SELECT hex(before), hex(token), keys FROM graph_journal WHERE n > ? AND n <= ? ORDER BY n",
        (n0, n),
    ).fetchall()
    if len(rows) != n - n0:
        return None
    left = t0
    for began, ended, _ in rows:
        if began != left:
            return None
        left = ended
    if left != t:
        return None
    node_keys: dict[tuple[str, str], None] = {}
    link_keys: dict[tuple[str, str], None] = {}
    fact_keys: dict[tuple[str, int, str], None] = {}
    added = [0, 0]
    for _, _, keys in rows:
        if keys is None:
            return None
        kept = orjson.loads(keys)
        node_keys.update((tuple(k), None) for k in kept["nodes"])
        link_keys.update((tuple(k), None) for k in kept["links"])
        fact_keys.update((tuple(k), None) for k in kept["facts"])
        added[0] += kept["added"][0]
        added[1] += kept["added"][1]
        if len(node_keys) + len(link_keys) + len(fact_keys) > MAX_CATCH_UP:
            return None
    changes = Changes(
        add_nodes=[node_from_row(row) for row in _rows(db, _NODE_SQL, node_keys)],
        add_links=[link_from_row(row) for row in _rows(db, _LINK_SQL, link_keys)],
        facts=list(_facts(db, fact_keys)) if facts else [],
    )
    return CatchUp(changes, added_nodes=added[0], added_links=added[1])


def _rows(
    db: sqlite3.Connection, sql: str, keys: Iterable[tuple[str, str]]
) -> Iterator[dict[str, Any]]:
    """The row of each key, by column name, its attributes decoded from JSON."""
    for key in keys:
        cursor = db.execute(sql, key)
        names = [d[0] for d in cursor.description]
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            row["attrs"] = orjson.loads(row["attrs"]) if row["attrs"] else {}
            yield row


def _facts(db: sqlite3.Connection, keys: Iterable[tuple[str, int, str]]) -> Iterator[Fact]:
    for node_id, year, name in keys:
        for (value,) in db.execute(_FACT_SQL, (node_id, year, name)):
            yield Fact(node_id=node_id, year=year, name=name, value=orjson.loads(value))
