"""The transaction functions the Neo4j store's driver runs, and the rows they send and read.

They are module level because the driver may run one more than once (``execute_write``
retries a transaction that hit a lost server): each takes the ``ManagedTransaction`` and
plain parameters, nothing of the store. ``write_changes`` applies one planned batch, made
idempotent by its audit record's write id (``changes_payload`` makes the id once per write,
outside the retry loop). Rows travel as lists, not maps (no column name repeated per row),
dates as ISO text, in ``UNWIND`` chunks of ``BATCH_ROWS`` whose ``repr`` is only their
length (``_Rows``); rows read back become records through ``_node``, ``_link`` and
``_fact``. ``paged_rows`` reads a whole kind a page at a time, never splitting the versions
of one id. ``Neo4jStore`` (``orggraph.store.neo4j``) runs these and translates the driver's
errors; the statements are in ``orggraph.store.neo4j_cypher``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any, LiteralString

import neo4j
import orjson

from orggraph.model import Changes, Fact, Link, LinkKind, Node, NodeKind
from orggraph.model.codec import attrs_from_json
from orggraph.store import neo4j_cypher as q
from orggraph.store.base import DataReach, audit_detail

__all__ = [
    "BATCH_ROWS",
    "PAGE_ROWS",
    "AlreadyWritten",
    "changes_payload",
    "fact_row",
    "link_row",
    "node_row",
    "paged_rows",
    "read_all_records",
    "restore_changes",
    "statement_rows",
    "write_changes",
]

#: Rows sent in one ``UNWIND`` statement.
BATCH_ROWS = 10_000
#: Versions fetched per page by the ``all_*`` iterators.
PAGE_ROWS = 10_000


# -- rows: records to parameters and back -----------------------------------------------
_SCALARS = (str, int, float, bool)


def _facet_value(value: Any) -> Any:
    """A facet as a property: a scalar as it is, anything else as its text.

    ``count_nodes`` groups by ``str(value)`` of the attributes read back (a tuple comes
    back a list): the text of a list gives the same string.
    """
    if value is None or isinstance(value, _SCALARS):
        return value
    return str(list(value) if isinstance(value, tuple) else value)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _attrs_text(attrs: Mapping[str, Any]) -> str:
    """The attributes as the JSON text both stores keep (``attrs_to_json``'s, dumped).

    orjson writes dates as ISO strings and tuples as lists by itself, which is all
    ``attrs_to_json`` does besides dropping ``None``: this is its text, made at C speed
    (and with no copy of the mapping when nothing is ``None``, as is usual).
    """
    if None in attrs.values():
        attrs = {k: v for k, v in attrs.items() if v is not None}
    return orjson.dumps(attrs).decode()


# Dates travel as ISO text and Cypher's date() makes them dates: a Python date is packed
# by a Python hook of the driver, six times the cost of the string (on 136,586 versions,
# 0.8 s of the client's CPU).
def node_row(node: Node) -> list[Any]:
    """The row of one node version: the columns of ``NODE_PROPERTIES``, then its facets."""
    attrs = node.attrs
    code = attrs.get("code")
    search_text = f"{node.name.lower()}\x00{node.id.lower()}"
    if code and code != node.id:  # an empty or repeated haystack finds nothing more
        search_text = f"{search_text}\x00{code}"
    row: list[Any] = [
        node.id,
        node.valid_from.isoformat(),
        _iso(node.valid_to),
        node.name,
        _attrs_text(attrs),
        search_text,
    ]
    for name in q.FACETS[node.kind]:
        value = attrs.get(name)
        row.append(value if value is None or isinstance(value, _SCALARS) else _facet_value(value))
    return row


def link_row(link: Link) -> list[Any]:
    """The row of one link version: id, source, target, valid_from, valid_to, attrs."""
    return [
        link.id,
        link.source,
        link.target,
        link.valid_from.isoformat(),
        _iso(link.valid_to),
        _attrs_text(link.attrs),
    ]


def fact_row(fact: Fact) -> list[Any]:
    """The row of one yearly fact (the value as JSON, so 1 and 1.0 stay apart)."""
    return [fact.node_id, fact.year, fact.name, orjson.dumps(fact.value).decode()]


def _node(row: list[Any]) -> Node:
    node_id, label, name, start, end, attrs = row[-6:]
    kind = q.KIND_OF_LABEL[label]
    return Node(
        id=node_id,
        kind=kind,
        name=name,
        valid_from=date.fromisoformat(start),
        valid_to=date.fromisoformat(end) if end else None,
        attrs=attrs_from_json(kind, orjson.loads(attrs)),
    )


def _link(kind: LinkKind, row: list[Any]) -> Link:
    source, target, start, end, attrs = row[-5:]
    return Link(
        kind=kind,
        source=source,
        target=target,
        valid_from=date.fromisoformat(start),
        valid_to=date.fromisoformat(end) if end else None,
        attrs=attrs_from_json(kind, orjson.loads(attrs)),
    )


def _fact(row: list[Any]) -> Fact:
    node_id, year, name, value = row[-4:]
    return Fact(node_id=node_id, year=year, name=name, value=orjson.loads(value))


def _link_kind_of_id(link_id: str) -> LinkKind | None:
    """The kind a link id names (ids are ``<kind>:<source>><target>``)."""
    try:
        return LinkKind(link_id.split(":", 1)[0])
    except ValueError:
        return None


class _Rows(list[Any]):
    """The rows of one ``UNWIND`` parameter: a list whose ``repr`` is only its length.

    The driver makes the text of its debug line for every RUN whether debug logging is on
    or not (``" ".join(map(repr, fields))``): the repr of 10,000 rows was a fifth of the
    client's CPU in a copy (0.25 s for the demo's 136,586 node versions), and with logging
    on it would write members' names and attributes into the log.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def _send(
    tx: neo4j.ManagedTransaction, query: LiteralString, rows: list[Any], name: str = "rows"
) -> None:
    """Run ``query`` once per chunk of ``BATCH_ROWS`` rows (the parameter ``name``).

    Each chunk is emptied once sent: the driver keeps a statement's parameters in a
    reference cycle (its result and the connection's handlers) that only the cyclic
    collector frees, and a copy pauses that collector: every row of the demo's copy
    (456,000 lists) stayed alive to its end, then cost a collection of them all (0.3 s;
    5.8 s for ten times the demo). The payload keeps its rows, for a retry.
    """
    for start in range(0, len(rows), BATCH_ROWS):
        chunk = _Rows(rows[start : start + BATCH_ROWS])
        tx.run(query, {name: chunk}).consume()
        chunk.clear()


# -- transaction functions (module level: the driver may call them more than once) -------
def _values(tx: neo4j.ManagedTransaction, query: LiteralString, **params: Any) -> list[list[Any]]:
    return tx.run(query, params).values()


class _WriteConflict(Exception):
    """The graph moved on since the batch was planned (another process wrote): plan again."""


class AlreadyWritten(Exception):
    """An earlier attempt of this write committed: this one is rolled back, and is done."""


def _begin(tx: neo4j.ManagedTransaction, payload: dict[str, Any]) -> int | None:
    """Move the graph's version (locked until the commit): the version this write makes,
    or None when it is done already.

    A write whose audit record is already there (an earlier attempt committed) is done;
    one planned at another version (``expected_version``) raises ``_WriteConflict``.
    """
    begun = tx.run(q.BEGIN_WRITE, write_id=payload["audit"]["write_id"]).single(strict=True)
    if begun["done"]:
        return None
    expected = payload.get("expected_version")
    if expected is not None and begun["before"] != expected:
        raise _WriteConflict(f"planned at version {expected}, the graph is at {begun['before']}")
    return int(begun["before"]) + 1


def write_changes(tx: neo4j.ManagedTransaction, payload: dict[str, Any]) -> None:
    """Apply one planned batch; running it again leaves the same graph and one audit record.

    First it moves the graph's version, which locks it until the commit (``_begin``): a
    write already done stops there. With ``lock_last`` (a bulk load's batches, which may
    run side by side) the version moves after the versions are written, so that only the
    commits wait for each other; a write found done then raises ``AlreadyWritten``,
    which rolls back what this attempt wrote.
    """
    lock_last = payload.get("lock_last", False)
    version = None if lock_last else _begin(tx, payload)
    if not lock_last and version is None:
        return
    for kind, rows in payload["nodes"].items():
        _send(tx, q.ADD_NODES[kind], rows)
    _send(tx, q.CLOSE_NODES, payload["close_nodes"])
    _send(tx, q.ADD_ENTITIES, payload["entities"], name="ids")
    for kind, rows in payload["links"].items():
        _send(tx, q.ADD_LINKS[kind], rows)
    closed_ends: set[str] = set()
    for kind, rows in payload["close_links"].items():
        for start in range(0, len(rows), BATCH_ROWS):
            chunk = _Rows(rows[start : start + BATCH_ROWS])
            closed_ends.update(tx.run(q.CLOSE_LINKS[kind], rows=chunk).single(strict=True)[0])
            chunk.clear()
    _send(tx, q.PUT_FACTS, payload["facts"])
    touched = payload.get("rollup")
    if touched and any(touched.values()) and not lock_last:  # a bulk load builds them at its end
        if not refreshed_later(payload):
            tx.run(q.ROLLUP_REFRESH, touched).consume()
        else:
            # A large write (an import, a city's batch): refreshed in this transaction it
            # ran for many minutes (a province city's 17,000 records). Marked due instead:
            # reads count the links until the store refreshes them in batches after the
            # commit (``Neo4jStore._refresh_rollups``), or the next open builds them.
            tx.run(q.ROLLUP_DUE, write_id=payload["audit"]["write_id"]).consume()
    if lock_last:
        version = _begin(tx, payload)
        if version is None:
            raise AlreadyWritten(payload["audit"]["write_id"])
    reach = payload.get("reach")
    if reach and (reach["latest"] is not None or reach["years"]):
        tx.run(q.REACH_KEEP, reach).consume()  # under the graph's lock, taken by now
    if "touched" in payload:
        text = _touch_text(payload["touched"], closed_ends)
        tx.run(q.TOUCH, version=version, touched=text, keep=q.TOUCHES_KEPT).consume()
    tx.run(q.AUDIT, payload["audit"]).consume()


#: The most organizations, closed links and members one write refreshes the member roll-ups
#: of in its own transaction; a larger write's are refreshed after it (``write_changes``).
ROLLUP_REFRESH_MAX = 2_000


def refreshed_later(payload: dict[str, Any]) -> bool:
    """Whether a write's member roll-ups are too many to refresh in its transaction."""
    return sum(len(ids) for ids in payload["rollup"].values()) > ROLLUP_REFRESH_MAX


def changes_payload(
    changes: Changes, actor: str, action: str = "write", detail: Any = None
) -> dict[str, Any]:
    """The parameters of ``write_changes`` for ``changes``, with a fresh write id."""
    nodes: dict[NodeKind, list[list[Any]]] = defaultdict(list)
    for node in changes.add_nodes:
        nodes[node.kind].append(node_row(node))
    links: dict[LinkKind, list[list[Any]]] = defaultdict(list)
    ends: dict[str, None] = {}
    for link in changes.add_links:
        links[link.kind].append(link_row(link))
        ends[link.source] = ends[link.target] = None
    close_links: dict[LinkKind, list[list[Any]]] = defaultdict(list)
    for link_id, start, end in changes.close_links:
        kind = _link_kind_of_id(link_id)
        if kind is not None:
            close_links[kind].append([link_id, start.isoformat(), end.isoformat()])
    reach = DataReach(latest=None).reached_by(changes)
    return {
        "touched": touched(changes),
        "nodes": dict(nodes),
        # How far what this write adds reaches (q.REACH_KEEP): the latest date, the years.
        "reach": {"latest": _iso(reach.latest), "years": list(reach.fact_years)},
        # The organizations whose member roll-ups this write changes (q.ROLLUP_REFRESH).
        "rollup": {
            "orgs": sorted({row[2] for row in links.get(LinkKind.MEMBER_OF, ())}),
            "links": [row[0] for row in close_links.get(LinkKind.MEMBER_OF, ())],
            "members": sorted(
                {row[0] for row in nodes.get(NodeKind.MEMBER, ())}
                | {i for i, _, _ in changes.close_nodes}
            ),
        },
        "close_nodes": [[i, s.isoformat(), e.isoformat()] for i, s, e in changes.close_nodes],
        "entities": list(ends),
        "links": dict(links),
        "close_links": dict(close_links),
        "facts": [fact_row(f) for f in changes.facts],
        "audit": _audit_params(actor, action, audit_detail(changes) if detail is None else detail),
    }


#: The most ids a touch names (``touched``); a write touching more names none: every kept
#: answer that could depend on an id is then dropped.
TOUCH_IDS_MAX = 2_000


def touched(changes: Changes) -> dict[str, Any]:
    """What a write touched: its ``(:Touch)`` (``q.TOUCH``) but the ends of the links it
    closes, which the transaction learns (``_touch_text``).

    ``nodes``: the ids whose versions it adds or closes (None: more than
    ``TOUCH_IDS_MAX``); ``kinds``: the node kinds of the versions it adds, and
    ``closes`` whether it closes a version of an id it adds none for (whose kind the
    write does not know: any kind, then); ``links``: the link kinds it adds or closes;
    ``ends``: the ids the links it adds or closes join (None: too many); ``years``: the
    years of its facts.
    """
    added = {node.id for node in changes.add_nodes}
    closed = {node_id for node_id, _, _ in changes.close_nodes}
    nodes = added | closed
    ends = {i for x in changes.add_links for i in (x.source, x.target)}
    links = {x.kind.value for x in changes.add_links}
    for link_id, _, _ in changes.close_links:
        kind = _link_kind_of_id(link_id)
        links.add(kind.value if kind is not None else "?")
    return {
        "nodes": sorted(nodes) if len(nodes) <= TOUCH_IDS_MAX else None,
        "kinds": sorted({node.kind.value for node in changes.add_nodes}),
        "closes": not closed <= added,
        "links": sorted(links),
        "ends": sorted(ends) if len(ends) <= TOUCH_IDS_MAX else None,
        "years": sorted({f.year for f in changes.facts}),
    }


def _touch_text(touched: dict[str, Any], closed_ends: set[str]) -> str:
    """The touch's JSON, with the ends of the links the transaction closed."""
    ends = touched["ends"]
    if ends is not None and closed_ends:
        joined = set(ends) | closed_ends
        ends = sorted(joined) if len(joined) <= TOUCH_IDS_MAX else None
    return orjson.dumps({**touched, "ends": ends}).decode()


def _audit_params(actor: str, action: str, detail: Any) -> dict[str, Any]:
    return {
        "write_id": uuid.uuid4().hex,
        "at": datetime.now(UTC).isoformat(),
        "actor": actor,
        "action": action,
        "detail": orjson.dumps(detail).decode(),
    }


def _write_audit(tx: neo4j.ManagedTransaction, params: dict[str, Any]) -> None:
    tx.run(q.AUDIT, params).consume()


def _apply_schema(tx: neo4j.ManagedTransaction, statement: LiteralString, **params: Any) -> None:
    tx.run(statement, params).consume()


def _apply_schemas(tx: neo4j.ManagedTransaction, statements: list[LiteralString]) -> None:
    """Several schema statements, all or none (a bulk load's drops: one round of locks)."""
    for statement in statements:
        tx.run(statement).consume()


def _clear_batch(tx: neo4j.ManagedTransaction, query: LiteralString, limit: int) -> int:
    record = tx.run(query, limit=limit).single(strict=True)
    return int(record["deleted"])


# -- whole-graph reads, in pages --------------------------------------------------------
Run = Callable[..., list[list[Any]]]


def paged_rows(run: Run, query: LiteralString) -> Iterator[list[Any]]:
    """Every row of an ``ALL_*_PAGE`` query, in its order, a page at a time.

    ``run(query, start=…, limit=…)`` returns one page (the store's own read, or a
    transaction's). A full page may end inside the versions of one id: those are kept back
    and the next page starts at that id (``>=``). A page that is all one id cannot move on
    that way: it is then doubled until the id fits.
    """
    start, size = "", PAGE_ROWS
    while True:
        rows = run(query, start=start, limit=size)
        if len(rows) < size:
            yield from rows
            return
        last = rows[-1][0]
        complete = [row for row in rows if row[0] != last]
        if not complete:
            size *= 2
            continue
        yield from complete
        start, size = last, PAGE_ROWS


def read_all_records(tx: neo4j.ManagedTransaction) -> tuple[list[Node], list[Link], list[Fact]]:
    """Every node version, link version and fact, in the contract's order, in ``tx``.

    One transaction sees one state of the graph: what a backup needs (``all_*`` instead
    read a page per transaction and stream).
    """

    def run(query: LiteralString, **params: Any) -> list[list[Any]]:
        return tx.run(query, params).values()

    nodes = [
        _node(row)
        for kind in q.NODE_KINDS_IN_ORDER
        for row in paged_rows(run, q.ALL_NODES_PAGE[kind])
    ]
    links = [
        _link(kind, row)
        for kind in q.LINK_KINDS_IN_ID_ORDER
        for row in paged_rows(run, q.ALL_LINKS_PAGE[kind])
    ]
    facts = [_fact(row) for row in paged_rows(run, q.ALL_FACTS_PAGE)]
    return nodes, links, facts


def statement_rows(
    tx: neo4j.ManagedTransaction, query: LiteralString, params: dict[str, Any]
) -> list[list[Any]]:
    """The rows of one parameterised statement (the accounts' reads and writes)."""
    rows: list[list[Any]] = tx.run(query, params).values()
    return rows


def restore_changes(
    tx: neo4j.ManagedTransaction, audit: list[dict[str, Any]], payload: dict[str, Any]
) -> None:
    """A restore in one transaction: the backup's audit trail (``q.AUDIT`` merges on each
    record's write id, so a retry adds no second copy), then its records."""
    for params in audit:
        tx.run(q.AUDIT, params).consume()
    write_changes(tx, payload)
