"""The Neo4j store: the ``GraphStore`` contract in parameterised Cypher over the official driver.

The store owns one driver. A write runs ``execute_write`` with a module-level transaction
function, so the driver may retry it; a read is one auto-commit query (one round trip),
sent through ``execute_read`` (retried) when the server cannot be reached. A batch is one
write transaction, its rows sent with ``UNWIND`` in chunks of ``BATCH_ROWS``: the versions
the plan adds are created, the ones it closes matched on their keys, and the audit record
keyed by a write id made once per write, outside the retry loop; a retried transaction
finds that record and writes nothing again. Traversals (``ancestors``, ``subtree``,
``hierarchy``) are one Cypher query each, the date checked on every relationship; nothing
loads the whole graph into Python (the ``all_*`` iterators page through the keys, for
``digest`` and ``orggraph sync``). A bulk load into an empty store (``bulk_load``,
``orggraph sync``) builds the indexes only reads use once, at its end. Bulk reads are kept
while the graph is unchanged (``_cached``: its version and token checked by every read).

Driver errors are translated at this boundary: a server that cannot be reached is
``StoreUnavailable`` (retryable; the driver reconnects by itself when the server is back),
bad credentials or an unknown database ``ConfigError``. The transaction functions and the
rows they send and read are in ``orggraph.store.neo4j_tx``; the data model and every
statement in ``orggraph.store.neo4j_cypher``; docs/NEO4J.md explains the choices.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, LiteralString, TypeVar
from urllib.parse import urlsplit, urlunsplit

import neo4j
import orjson
from neo4j import exceptions as neo4j_errors

from orggraph.errors import ConfigError, OrgGraphError, StoreUnavailable
from orggraph.model import (
    LINK_ENDS,
    Changes,
    Fact,
    Link,
    LinkKind,
    Node,
    NodeKind,
    WriteBatch,
)
from orggraph.model.codec import attrs_from_json
from orggraph.store import neo4j_cypher as q
from orggraph.store.base import (
    DataReach,
    GraphStore,
    Hierarchy,
    VersionWindow,
    WriteResult,
    fact_years,
    written_nothing,
)
from orggraph.store.neo4j_tx import (
    _SCALARS,
    BATCH_ROWS,
    AlreadyWritten,
    _apply_schema,
    _apply_schemas,
    _audit_params,
    _clear_batch,
    _fact,
    _link,
    _link_kind_of_id,
    _node,
    _values,
    _write_audit,
    _WriteConflict,
    changes_payload,
    paged_rows,
    read_all_records,
    refreshed_later,
    restore_changes,
    statement_rows,
    write_changes,
)

if TYPE_CHECKING:
    from orggraph.store.accounts import AccountStore

__all__ = ["BATCH_ROWS", "Neo4jStore", "changes_payload", "read_all_records", "write_changes"]

#: Times a write is planned again when another process wrote first, before giving up.
WRITE_ATTEMPTS = 5
#: How long the end of a bulk load waits for its indexes to come online.
BULK_AWAIT_SECONDS = 3_600
#: Batches a bulk load writes at once: two sessions wrote the demo's node versions 1.1 to
#: 1.4 times as fast as one on a warm server with two cores (one session leaves a core to
#: the client building the next rows); three were no faster than two.
BULK_WRITERS = 2
#: Organizations whose member roll-ups one transaction builds (``Neo4jStore._build_rollups``).
ROLLUP_BATCH = 2_000
#: Bulk reads a store keeps, answered again while the graph is unchanged (``_cached``):
#: the web view's home asks the same ones of every visitor (the organizations three
#: times per ``mapState``, the hierarchy of all 4,600 with the chain's links: 0.3–0.6 s).
READ_CACHE_ENTRIES = 32
#: Nodes read one by id (``node``) a store keeps beside them, in a pool of their own.
SINGLE_READS_KEPT = 256
#: Organizations' nodes read with their hierarchy (``Neo4jStore.node``) that no read of
#: that hierarchy followed, before nodes are read alone again.
FOLLOW_UNUSED = 32
#: No answer kept under a key (``Neo4jStore._cached``).
_MISSING = object()

T = TypeVar("T")
_log = logging.getLogger(__name__)


# -- statements made here from the fixed tables ----------------------------------------
def _drop_schema(name: str) -> LiteralString:
    """The ``DROP`` of an obsolete or a deferred orggraph index or constraint.

    The name is one of the fixed tables', never input; a constraint is dropped as one.
    """
    if name in q.OBSOLETE_INDEXES:
        return f"DROP INDEX {name} IF EXISTS"
    if name not in q.DEFERRED_SCHEMA:
        raise ValueError(f"{name!r} is not an orggraph index that may be dropped")
    what = "CONSTRAINT" if name in q.CONSTRAINT_NAMES else "INDEX"
    return f"DROP {what} {name} IF EXISTS"


@functools.cache
def _hierarchy_query(first: tuple[LinkKind, ...], second: tuple[LinkKind, ...]) -> LiteralString:
    return q.hierarchy_query(first, second)


@functools.cache
def _node_hierarchy_query(
    first: tuple[LinkKind, ...], second: tuple[LinkKind, ...]
) -> LiteralString:
    return q.node_with_hierarchy(first, second)


#: Each read statement's columns (``_columns``), or None when it cannot be collected.
_COLUMNS: dict[str, LiteralString | None] = {}
#: Each read statement's one-record forms (``_wrapped``): plain, and with the state first.
_WRAPPED: dict[tuple[str, bool], LiteralString] = {}
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _columns(
    session: neo4j.Session, query: LiteralString, params: dict[str, Any]
) -> LiteralString | None:
    """``query``'s columns, learnt once per statement and process with ``EXPLAIN`` (one
    round trip, nothing run); None for a statement whose columns are not plain names
    (``RETURN 1``) or that a subquery cannot hold (``SHOW``)."""
    try:
        return _COLUMNS[query]
    except KeyError:
        pass
    names: LiteralString | None = None
    if not query.lstrip().upper().startswith("SHOW"):
        explained = session.run("EXPLAIN " + query, params)
        columns = explained.keys()
        explained.consume()
        if columns and all(_COLUMN.fullmatch(c) for c in columns):
            # The names are the statement's own RETURN aliases, checked to be plain names.
            names = ", ".join(columns)
    _COLUMNS[query] = names
    return names


def _wrapped(
    session: neo4j.Session, query: LiteralString, params: dict[str, Any], stated: bool
) -> LiteralString | None:
    """``query``'s rows as one record: ``CALL () { query } RETURN collect([columns…])``;
    with ``stated``, the graph's state read first in the same statement (``q.stated``).

    The Python driver spends about 20 µs of the client's CPU on each record it receives
    (13,800 records of three columns: 250–380 ms, against 10 ms of the server's), and a
    few long lists almost nothing (the same rows collected: 25 ms). So a read is sent
    collected on the server, in the order the statement gives (``collect`` keeps the
    order of the rows it gets). None: the statement is sent as it is (``_columns``).
    """
    try:
        return _WRAPPED[query, stated]
    except KeyError:
        pass
    names = _columns(session, query, params)
    if names is None:
        return None
    if stated:
        wrapped = q.stated(query, names)
    else:
        wrapped = "CALL () { " + query + " } RETURN collect([" + names + "]) AS rows"
    _WRAPPED[query, stated] = wrapped
    return wrapped


def _state(born: Any, version: Any) -> tuple[str, int] | None:
    """The graph's state as a cached read is kept under; None without a token."""
    return None if born is None else (str(born), int(version))


def _older(state: tuple[str, int] | None, than: tuple[str, int] | None) -> bool:
    """Whether ``state`` is an earlier version of the same counter (token) as ``than``."""
    return state is not None and than is not None and state[0] == than[0] and state[1] < than[1]


@dataclass(frozen=True, slots=True)
class _Touch:
    """What one write touched (``neo4j_tx.touched``): None for ids means too many to name."""

    nodes: frozenset[str] | None
    kinds: frozenset[str]
    closes: bool
    links: frozenset[str]
    ends: frozenset[str] | None
    years: frozenset[int]

    @classmethod
    def parse(cls, text: str) -> _Touch:
        found = orjson.loads(text)
        nodes, ends = found["nodes"], found["ends"]
        return cls(
            nodes=None if nodes is None else frozenset(nodes),
            kinds=frozenset(found["kinds"]),
            closes=bool(found["closes"]),
            links=frozenset(found["links"]),
            ends=None if ends is None else frozenset(ends),
            years=frozenset(found["years"]),
        )

    def node(self, node_id: str) -> bool:
        return self.nodes is None or node_id in self.nodes

    def any_node(self, ids: Collection[str]) -> bool:
        return self.nodes is None or not self.nodes.isdisjoint(ids)

    def kind(self, kind: NodeKind) -> bool:
        return self.closes or kind.value in self.kinds

    def link(self, *kinds: LinkKind) -> bool:
        return "?" in self.links or any(k.value in self.links for k in kinds)


def _affected(key: tuple[Any, ...], kept: Any, touch: _Touch) -> bool:
    """Whether a write that touched ``touch`` can change the answer ``kept`` for ``key``
    (``Neo4jStore._cached``'s keys); true for anything not known to be untouched. A
    ``hierarchy`` is read again in part instead (``_hierarchy_targets``)."""
    what = key[0]
    if what == "node":
        return touch.node(key[1])
    if what == "nodes":  # ("nodes", kind, as_of, ids or None)
        return touch.kind(key[1]) and (key[3] is None or touch.any_node(key[3]))
    if what == "nodes_where":  # ("nodes_where", kind, as_of, where)
        return touch.kind(key[1])
    if what in ("links", "count_links"):
        return touch.link(key[1])
    if what == "count_links_from":  # the sources' versions decide what is counted
        return touch.link(key[1]) or touch.kind(LINK_ENDS[key[1]][0])
    if what == "facts":  # ("facts", ids, year, names)
        return key[2] in touch.years
    if what == "node_versions":
        return touch.any_node(key[1])
    if what == "links_touching":
        return bool(touch.links) and (touch.ends is None or not touch.ends.isdisjoint(key[1]))
    return True  # data_reach, and any read not listed here


@dataclass(frozen=True, slots=True)
class _Patch:
    """A kept answer that writes since touched in part (a ``hierarchy``, a member count):
    ``targets``, the organizations to read again before it is served, and for a count of
    full members ``members``, whose organizations are (``Neo4jStore._cached``)."""

    kept: Any
    targets: frozenset[str]
    members: frozenset[str] = frozenset()


_NOTHING: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


def _member_count(key: tuple[Any, ...]) -> bool:
    """Whether ``key`` is a member count read from the roll-ups (members, full members)."""
    if key[0] == "count_links":
        return bool(key[1] is LinkKind.MEMBER_OF)
    return (
        key[0] == "count_links_from"
        and key[1] is LinkKind.MEMBER_OF
        and (dict(key[4]) == q.ROLLUP_FULL)
    )


def _count_patch(
    key: tuple[Any, ...], touch: _Touch
) -> tuple[frozenset[str], frozenset[str]] | None:
    """What of a kept member count (``_member_count``) a write touched: the organizations
    among its targets that a membership joins, and for full members the members with a
    new version (whose organizations the read again finds); None: read it whole."""
    organizations: frozenset[str] = frozenset()
    if touch.link(LinkKind.MEMBER_OF):
        if touch.ends is None or "?" in touch.links:
            return None
        organizations = touch.ends.intersection(key[3])
    members: frozenset[str] = frozenset()
    if key[0] == "count_links_from" and touch.kind(NodeKind.MEMBER):
        if touch.nodes is None:
            return None
        members = touch.nodes
    return organizations, members


def _to_read_again(
    key: tuple[Any, ...], kept: Any, touch: _Touch
) -> tuple[frozenset[str], frozenset[str]] | None:
    """What of a kept answer a write touched: (organizations, members) to read again
    (both empty: nothing), or None when the answer is to be read whole."""
    if key[0] == "hierarchy":
        found = _hierarchy_targets(key[3], kept, touch)
        return None if found is None else (found, frozenset())
    if _member_count(key):
        return _count_patch(key, touch)
    return None if _affected(key, kept, touch) else _NOTHING


def _split_kinds(kinds: Collection[LinkKind]) -> tuple[list[LinkKind], list[LinkKind]]:
    """A hierarchy's link kinds: those reaching its organizations, and those reaching the
    sources of the first (a working group's leaders)."""
    first = [k for k in kinds if LINK_ENDS[k][1] is NodeKind.ORGANIZATION]
    return first, [k for k in kinds if k not in first]


def _hierarchy_targets(
    kinds: tuple[LinkKind, ...], found: Hierarchy, touch: _Touch
) -> frozenset[str] | None:
    """The organizations of a kept ``hierarchy`` answer to read again after ``touch``:
    none when the write cannot change it; None when only reading it all will do (a
    subordination link at one of its organizations, ids or ends too many to name).

    The answer is read again for an organization climbed whose version, or whose links of
    the kinds read, were touched, and for the organizations a touched source reaches (a
    post holder's, a contact's; a working group's, and its leaders', through its covers).
    """
    climbed = found.parents.keys()
    if "?" in touch.links or touch.nodes is None:
        return None
    read = {k for k in (LinkKind.SUBORDINATE_TO, *kinds) if k.value in touch.links}
    if read and touch.ends is None:
        return None
    ends = touch.ends or frozenset()
    if LinkKind.SUBORDINATE_TO in read and not ends.isdisjoint(climbed):
        return None  # the climb itself may change
    first, second = _split_kinds(kinds)
    reach: dict[str, set[str]] = defaultdict(set)  # source → the organizations it reaches
    for kind in first:
        for x in found.links[kind]:
            reach[x.source].add(x.target)
    groups = {source: set(targets) for source, targets in reach.items()}
    for kind in second:
        for x in found.links[kind]:
            reach[x.source].update(groups.get(x.target, ()))
    out: set[str] = set()
    for kind in read - {LinkKind.SUBORDINATE_TO}:
        if kind in first:
            out.update(ends.intersection(climbed))
        else:
            out.update(o for g in ends for o in groups.get(g, ()))
    out.update(touch.nodes.intersection(climbed))
    for node_id in touch.nodes:
        out.update(reach.get(node_id, ()))
    return frozenset(out)


def _spliced(kept: Hierarchy, fresh: Hierarchy, kinds: Collection[LinkKind]) -> Hierarchy:
    """``kept`` with the organizations ``fresh`` read again (those asked, and all above
    them), their links and the nodes those come from taken from ``fresh``: what
    ``hierarchy`` of ``kept``'s organizations reads now, when no write between touched
    the climb (``_hierarchy_targets``)."""
    first, second = _split_kinds(kinds)
    again = fresh.parents.keys()
    made: dict[LinkKind, list[Link]] = {}
    for kind in first:
        made[kind] = [x for x in kept.links[kind] if x.target not in again] + fresh.links[kind]
    fresh_sources = {x.source for kind in first for x in fresh.links[kind]}
    for kind in second:
        reached = {
            x.source for k in first if LINK_ENDS[k][0] is LINK_ENDS[kind][1] for x in made[k]
        }
        made[kind] = [
            x
            for x in (
                *(y for y in kept.links[kind] if y.target not in fresh_sources),
                *fresh.links[kind],
            )
            if x.target in reached
        ]
    links = {kind: sorted(made[kind], key=lambda x: (x.target, x.id)) for kind in kinds}
    nodes = dict(kept.nodes)
    for org_id in again:
        node = fresh.nodes.get(org_id)
        if node is not None:
            nodes[org_id] = node
        else:
            nodes.pop(org_id, None)
    for source in {x.source for found in fresh.links.values() for x in found}:
        node = fresh.nodes.get(source)
        if node is not None:
            nodes[source] = node
        elif source not in kept.parents:
            nodes.pop(source, None)
    sources = {x.source for found in links.values() for x in found}
    for node_id in [i for i in nodes if i not in kept.parents and i not in sources]:
        del nodes[node_id]
    return Hierarchy(parents=dict(kept.parents), nodes=nodes, links=links)


def _hierarchy_of(asked: list[str], kinds: Collection[LinkKind], row: list[Any]) -> Hierarchy:
    """A ``Hierarchy`` from the rows of ``q.hierarchy_query`` (parents, organizations,
    links of the first kinds and of the second, their sources' nodes)."""
    parent_rows, org_rows, first_rows, second_rows, end_rows = row
    first, second = _split_kinds(kinds)
    # Climb from the ids asked through one parent each, as the default does.
    up: dict[str, str] = {}
    for source, target, _ in sorted(parent_rows, key=lambda row: row[2]):
        up[source] = target
    parents: dict[str, str | None] = {}
    frontier = asked
    while frontier:
        frontier = [o for o in dict.fromkeys(frontier) if o not in parents]
        for org_id in frontier:
            parents[org_id] = up.get(org_id)
        frontier = [p for o in frontier if (p := parents[o]) is not None]
    links: dict[LinkKind, list[Link]] = {k: [] for k in kinds}
    for row in first_rows:
        if row[3] in parents:
            links[q.KIND_OF_TYPE[row[0]]].append(_link(q.KIND_OF_TYPE[row[0]], row))
    for kind in second:
        reached = {
            x.source for k in first if LINK_ENDS[k][0] is LINK_ENDS[kind][1] for x in links[k]
        }
        links[kind] = [
            _link(kind, row)
            for row in second_rows
            if row[0] == q.REL_TYPES[kind] and row[3] in reached
        ]
    for found in links.values():
        found.sort(key=lambda x: (x.target, x.id))
    nodes = {n.id: n for n in map(_node, org_rows) if n.id in parents}
    sources = {(x.source, LINK_ENDS[k][0]) for k, found in links.items() for x in found}
    for node in map(_node, end_rows):
        if (node.id, node.kind) in sources:
            nodes[node.id] = node
    return Hierarchy(parents=parents, nodes=nodes, links=links)


def _node_at(rows: list[list[Any]], as_of: date) -> Node | None:
    """The node ``q.NODE``'s rows give, if valid at ``as_of``."""
    if not rows:
        return None
    node = _node(rows[0])
    return node if node.valid_to is None or as_of < node.valid_to else None


def _key(values: list[str] | None) -> tuple[str, ...] | None:
    """A list of ids as part of a cached read's key (``Neo4jStore._cached``)."""
    return None if values is None else tuple(values)


def _copy_hierarchy(kept: Hierarchy) -> Hierarchy:
    return Hierarchy(
        parents=dict(kept.parents),
        nodes=dict(kept.nodes),
        links={kind: list(found) for kind, found in kept.links.items()},
    )


def _same(kept: T) -> T:
    """A kept answer that is frozen (``DataReach``), handed out as it is."""
    return kept


def _copy_lists(kept: dict[str, list[Node]]) -> dict[str, list[Node]]:
    return {i: list(found) for i, found in kept.items()}


def _copy_facts(kept: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each node's facts a map of its own; a value that is a list or a map is copied."""
    return {
        i: {
            n: orjson.loads(orjson.dumps(v)) if isinstance(v, list | dict) else v
            for n, v in values.items()
        }
        for i, values in kept.items()
    }


# -- errors ---------------------------------------------------------------------------
#: Errors of an auto-commit read that a managed (retried) read may get past.
_RETRY_MANAGED = (
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.SessionExpired,
    neo4j_errors.TransientError,
)


@contextmanager
def _translated(url: str) -> Iterator[None]:
    """Driver errors become orggraph's, with the cause kept (``raise … from exc``)."""
    try:
        yield
    except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as exc:
        raise StoreUnavailable(
            f"Neo4j at {url} cannot be reached ({exc.__class__.__name__}: {exc}); "
            "the call can be retried once the server is back"
        ) from exc
    except neo4j_errors.TransientError as exc:
        if exc.code and "MemoryPoolOutOfMemoryError" in exc.code:
            raise OrgGraphError(
                f"Neo4j at {url} refused a transaction too large for its memory "
                f"({exc.message}); nothing was written: write smaller batches, or raise "
                "db.memory.transaction.max, db.memory.transaction.total.max and the heap"
            ) from exc
        raise StoreUnavailable(
            f"Neo4j at {url} could not complete the transaction ({exc.code}); retry later"
        ) from exc
    except (neo4j_errors.AuthError, neo4j_errors.ConfigurationError) as exc:
        raise ConfigError(
            f"Neo4j at {url} refused the connection settings ({exc}); check the URL, "
            "ORGGRAPH_NEO4J_USER and ORGGRAPH_NEO4J_PASSWORD"
        ) from exc
    except neo4j_errors.ClientError as exc:
        if exc.code and "DatabaseNotFound" in exc.code:
            raise ConfigError(
                f"Neo4j at {url} has no such database ({exc.message}); "
                "check ORGGRAPH_NEO4J_DATABASE"
            ) from exc
        raise OrgGraphError(f"Neo4j at {url} rejected a statement: {exc}") from exc
    except neo4j_errors.DatabaseError as exc:
        if exc.code and exc.code.endswith("ConstraintCreationFailed"):
            # A bulk load's key built at its end found two records with one key.
            message = " ".join((exc.message or "").split())
            raise OrgGraphError(
                f"Neo4j at {url} cannot build a key over the records written: {message} "
                "(the records stay as written; `orggraph sync --replace` copies again)"
            ) from exc
        raise StoreUnavailable(f"Neo4j at {url} failed: {exc}") from exc
    except neo4j_errors.Neo4jError as exc:
        raise StoreUnavailable(f"Neo4j at {url} failed: {exc}") from exc
    except neo4j_errors.DriverError as exc:
        raise StoreUnavailable(f"Neo4j driver error talking to {url}: {exc}") from exc


class Neo4jStore(GraphStore):
    """The graph in a Neo4j 5 database (Community or Enterprise, one instance or a cluster).

    ``url`` is ``neo4j://``, ``neo4j+s://`` or ``bolt://`` (credentials may also be given
    in it as ``user:password@``). Opening applies the schema (idempotent). With
    ``max_retry_time`` the driver keeps retrying a transaction that hit a lost server
    before giving up with ``StoreUnavailable``.
    """

    bulk_writers = BULK_WRITERS
    counts_links_natively = True

    def __init__(
        self,
        url: str,
        *,
        user: str = "neo4j",
        password: str = "",
        database: str = "neo4j",
        max_retry_time: float = 15.0,
        connection_timeout: float = 10.0,
        apply_schema: bool = True,
    ) -> None:
        super().__init__()
        self._expected_version: int | None = None  # the graph's version a write was planned at
        self._bulk_loading = False  # in a bulk load into an empty store (``bulk_load``)
        # Bulk reads by their arguments, valid at one state of the graph (``_cached``).
        self.read_cache_entries = READ_CACHE_ENTRIES
        self.single_reads_kept = SINGLE_READS_KEPT
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._singles: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_state: tuple[str, int] | None = None
        self._cache_lock = threading.Lock()
        # The state ``refresh`` caught up with (a request's), while no write of this
        # process has moved it since: cached reads are then served with no statement.
        self._pinned: tuple[str, int] | None = None
        self._writing = 0  # this process's graph writes under way, and those done
        # The link kinds of the hierarchy a node read was followed by (``node``), and the
        # node reads since that no such hierarchy followed.
        self._follow: tuple[LinkKind, ...] | None = None
        self._follow_unused = 0
        self._writes_done = 0
        # Per thread: whether the next statement is to read the graph's state first, and
        # the state it read (``_cached``, ``_rows``).
        self._local = threading.local()
        parts = urlsplit(url)
        if parts.username:
            user = parts.username
            password = parts.password or password
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        self._uri = urlunsplit((parts.scheme, netloc, "", parts.query, ""))
        self.url = self._uri if database == "neo4j" else f"{self._uri}/{database}"
        self._database = database
        try:
            self._driver = neo4j.GraphDatabase.driver(
                self._uri,
                auth=(user, password) if password else None,
                max_transaction_retry_time=max_retry_time,
                connection_timeout=connection_timeout,
                connection_acquisition_timeout=max(connection_timeout, 1.0) * 2,
                user_agent="orggraph",
                # Hints such as "property key does not exist" on an empty database would be
                # logged on every read; the statements are checked once, by the tests.
                notifications_min_severity="OFF",
            )
        except (neo4j_errors.ConfigurationError, ValueError) as exc:
            raise ConfigError(f"Neo4j URL {self._uri!r} cannot be used: {exc}") from exc
        try:
            if apply_schema:
                self._open_schema()
                self._open_rollups()
                self._open_reach()
                self._open_graph_state()
            else:
                self._rows(q.PING)
        except BaseException:
            self._driver.close()
            raise

    def _open_schema(self) -> None:
        """The schema applied on opening; a store a bulk load left unfinished still opens.

        Such a store may hold two records with one key (the load builds the keys at its
        end): their key cannot be built, and the store opens without it, logged, so
        that ``orggraph sync --replace`` can clear it and copy again (``sync`` refuses
        it until then).
        """
        try:
            self.apply_schema()
        except StoreUnavailable:
            raise
        except OrgGraphError as exc:
            marker = self.unfinished_bulk_load()
            if marker is None:
                raise
            _log.warning("%s; opened as a bulk load cut short (began %s)", exc, marker["started"])

    def _open_rollups(self) -> None:
        """The member roll-ups built when the store has none (``q.ROLLUP_BUILD``): written
        by an older version or an offline import. A bulk load in progress or cut short
        builds them at its end (or ``sync --replace`` does)."""
        if self._rows(q.ROLLUP_READY)[0][0] or self.unfinished_bulk_load() is not None:
            return
        _log.info("building the member roll-ups of %s", self.url)
        self._build_rollups()

    def _open_reach(self) -> None:
        """How far the data reaches, worked out once (``q.REACH_BUILD``) in a store that
        does not keep it: written by an older version, imported offline, wiped by hand."""
        if self._rows(q.REACH)[0][0] or self.unfinished_bulk_load() is not None:
            return
        self._write(_values, q.REACH_BUILD)

    def _build_rollups(self) -> None:
        """Every organization's member roll-ups, ``ROLLUP_BATCH`` organizations a
        transaction (a country's in one would be held on the server's heap), then the
        marker that lets reads use them."""
        due = [row[0] for row in self._rows(q.ROLLUP_DUE_IDS)]  # built below, whatever they are
        ids = [row[0] for row in self._rows(q.ROLLUP_TARGETS)]
        for start in range(0, len(ids), ROLLUP_BATCH):
            self._write(_values, q.ROLLUP_BUILD, ids=ids[start : start + ROLLUP_BATCH])
        self._write(_values, q.ROLLUP_DUE_DONE, ids=due)
        self._write(_values, q.ROLLUP_MARK)

    def _open_graph_state(self) -> None:
        """The graph's counter with a token (``q.GRAPH_STATE``), so that reads are cached
        (``_cached``) in a store written before tokens, or imported offline: written once,
        only when it is missing."""
        ((born, _),) = self._rows(q.GRAPH_STATE)
        if born is None:
            self._write(_values, q.GRAPH_BORN)

    def _cached(
        self,
        key: tuple[Any, ...],
        read: Callable[[], T],
        copy: Callable[[T], T],
        patch: Callable[[T, _Patch], T] | None = None,
    ) -> T:
        """``read()``, or what it gave before for ``key`` if the graph has not changed since.

        An answer is kept under the graph's state (its version, which every write of any
        process moves, and the counter's token) read before it, in the same statement as
        its first read (``q.stated``: one round trip), so it is never older than that
        state; it is served again only while the state is the same. Serving it costs one
        small statement, the state, except after ``refresh`` (a request's start): until
        this process writes, or the next ``refresh``, the state it found is taken as
        current, as the embedded store answers from the index its ``refresh`` caught up
        with. The caller gets ``copy`` of it (lists and maps of its own; the frozen nodes
        and links are shared, as the embedded store shares them). Without a counter with a
        token nothing is kept.
        """
        if self.read_cache_entries <= 0:
            return read()
        kept: Any = _MISSING
        with self._cache_lock:
            known = self._cache_state
            pool = self._pool(key)
            if known is not None and key in pool:
                kept = pool[key]
                pool.move_to_end(key)
            pinned = self._pinned
        if kept is not _MISSING and known is not None:
            if pinned is None or pinned != known:
                ((born, version, touches),) = self._rows(q.STATE_SINCE, since=known[1])
                now = _state(born, version)
                if now != known:
                    with self._cache_lock:
                        if self._cache_state == known:
                            self._advance(now, touches)
                        pool = self._pool(key)  # what the writes since left of it
                        moved_on = self._cache_state == now and now is not None
                        kept = pool.get(key, _MISSING) if moved_on else _MISSING
            if isinstance(kept, _Patch):
                if patch is not None:
                    return self._patched(key, kept, patch, copy)
            elif kept is not _MISSING:
                return copy(kept)
        local = self._local
        local.want_state, local.state, local.extra = True, None, None
        try:
            value = read()
        finally:
            local.want_state = False
        state, local.state = local.state, None
        extra, local.extra = local.extra, None  # an answer read with this one (``node``)
        if state is None:
            return value
        with self._cache_lock:
            current = self._cache_state
        if _older(state, current):
            return copy(value)  # an older state than one seen since: not kept
        if current is not None and _older(current, state):
            # What the writes between touched (one more statement, once a write).
            ((_, _, touches),) = self._rows(q.STATE_SINCE, since=current[1])
            with self._cache_lock:
                if self._cache_state == current:
                    self._advance(state, touches)
        with self._cache_lock:
            if self._cache_state != state:
                if _older(state, self._cache_state):
                    return copy(value)
                self._forget(state)
            if self._pinned is not None:
                self._pinned = state  # as new as what ``refresh`` found, or newer
            for kept_key, kept in ((key, value), *([extra] if extra else [])):
                pool = self._pool(kept_key)
                pool[kept_key] = kept
                limit = self.single_reads_kept if pool is self._singles else self.read_cache_entries
                while len(pool) > limit:
                    pool.popitem(last=False)
        return copy(value)

    def _patched(
        self,
        key: tuple[Any, ...],
        due: _Patch,
        patch: Callable[[T, _Patch], T],
        copy: Callable[[T], T],
    ) -> T:
        """A kept answer that writes touched in part, read again there (``patch``); kept
        again when no write came between."""
        local = self._local
        local.want_state, local.state = True, None
        try:
            value = patch(due.kept, due)
        finally:
            local.want_state = False
        state, local.state = local.state, None
        with self._cache_lock:
            pool = self._pool(key)
            if state is not None and state == self._cache_state and pool.get(key) is due:
                pool[key] = value
        return copy(value)

    def _pool(self, key: tuple[Any, ...]) -> OrderedDict[tuple[Any, ...], Any]:
        """Where ``key``'s answer is kept: one node by id among its own kind, so that
        the many of those a request may read do not push out the bulk reads."""
        return self._singles if key[0] == "node" else self._cache

    def _advance(self, state: tuple[str, int] | None, touches: list[list[Any]]) -> None:
        """Move the kept answers on to ``state``: those a write since touched are dropped
        (``_affected``), a hierarchy touched in part marked to be read again there
        (``_Patch``), every one dropped when a version in between has no touch (``clear``,
        a write of an older version, a wipe) or the token changed (the lock is held)."""
        known = self._cache_state
        if state is None or known is None or state[0] != known[0] or state[1] < known[1]:
            self._forget(state)
            return
        between = {int(v): t for v, t in touches if v is not None and known[1] < v <= state[1]}
        if len(between) != state[1] - known[1]:
            self._forget(state)
            return
        for touch in map(_Touch.parse, between.values()):
            for pool in (self._cache, self._singles):
                for key, kept in list(pool.items()):
                    due = kept if isinstance(kept, _Patch) else _Patch(kept, frozenset())
                    found = _to_read_again(key, due.kept, touch)
                    if found is None:
                        del pool[key]
                    elif found[0] or found[1]:  # read again in part, where it was touched
                        targets, members = due.targets | found[0], due.members | found[1]
                        pool[key] = _Patch(due.kept, targets, members)
        self._cache_state = state

    def _forget(self, state: tuple[str, int] | None) -> None:
        """Drop every kept answer: the graph is now at ``state`` (the lock is held)."""
        self._cache.clear()
        self._singles.clear()
        self._cache_state = state

    def refresh(self) -> bool:
        """Catch up with the graph's state, one small statement (before each request:
        ``orggraph.api.fresh``); true when it moved since this store last saw it.

        Until this process writes, or until the next ``refresh``, the cached reads take
        the state found as current and are served with no statement: a request's reads
        see the graph as of its start, or newer (as the embedded store's, whose index a
        ``refresh`` catches up). Without a ``refresh`` every cached read checks the state.
        """
        with self._cache_lock:
            writes, known = self._writes_done, self._cache_state
        since = -1 if known is None else known[1]
        local = self._local
        local.no_retry = True
        try:
            ((born, version, touches),) = self._rows(q.STATE_SINCE, since=since)
        except OrgGraphError:
            # The server cannot be reached (or refuses): nothing is pinned, and the
            # request's own reads report it (503 with Retry-After), as they would without
            # this look; it waits for no retry, so the request does not wait twice.
            with self._cache_lock:
                self._pinned = None
            return False
        finally:
            local.no_retry = False
        state = _state(born, version)
        with self._cache_lock:
            moved = state != self._cache_state
            if moved and self._cache_state == known:
                self._advance(state, touches)
            elif moved:
                self._forget(state)
            # A write of this process under way, or committed since the state was read,
            # moves it on: then each read checks again, until the next ``refresh``.
            quiet = not self._writing and self._writes_done == writes
            self._pinned = state if quiet else None
        return moved

    @contextmanager
    def _moving(self) -> Iterator[None]:
        """Around a write of the graph: nothing is served as pinned by ``refresh`` while
        it runs, nor after it (its reads see it: each checks the state again)."""
        with self._cache_lock:
            self._writing += 1
            self._pinned = None
        self._local.last_node = None  # a hierarchy after this is not handed the node's state
        try:
            yield
        finally:
            with self._cache_lock:
                self._writing -= 1
                self._writes_done += 1
                self._pinned = None

    def current(self) -> bool:
        """False: whether another process wrote cannot be told without asking the server
        (``refresh``, on a thread that may wait)."""
        return False

    # -- plumbing --------------------------------------------------------------------
    def _read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with (
            _translated(self.url),
            self._driver.session(
                database=self._database, default_access_mode=neo4j.READ_ACCESS
            ) as session,
        ):
            return session.execute_read(fn, *args, **kwargs)

    def _write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # No cached read is dropped here: the state each one checks tells (a write of the
        # graph moves its version), and an audit record or an account written on every
        # request would empty the cache for nothing.
        with _translated(self.url), self._driver.session(database=self._database) as session:
            return session.execute_write(fn, *args, **kwargs)

    def _rows(self, query: LiteralString, **params: Any) -> list[list[Any]]:
        """The rows of one read statement, in one round trip when the server is there.

        A managed read (``execute_read``) costs a second round trip for its COMMIT; one
        statement needs no transaction of its own, so it runs as an auto-commit query
        (RUN and PULL: one round trip). The driver does not retry those: a connection
        error or a transient one sends the read through ``execute_read``, which retries
        for ``max_retry_time`` and recovers as every other call does. The first statement
        of a cached read's ``read`` also reads the graph's state, first (``_cached``).
        """
        local = self._local
        stated = getattr(local, "want_state", False)
        if stated:
            local.want_state = False
        with _translated(self.url):
            try:
                with self._driver.session(
                    database=self._database, default_access_mode=neo4j.READ_ACCESS
                ) as session:
                    sent = _wrapped(session, query, params, stated)
                    if sent is None:
                        if stated:
                            ((born, version),) = session.run(q.GRAPH_STATE).values()
                            local.state = _state(born, version)
                        return session.run(query, params).values()
                    values = session.run(sent, params).values()
                    if stated:
                        ((born, version, rows),) = values
                        local.state = _state(born, version)
                    else:
                        ((rows,),) = values
                    return list(rows)
            except _RETRY_MANAGED:
                if getattr(local, "no_retry", False):
                    raise  # translated: StoreUnavailable
        if stated:
            ((born, version),) = self._read(_values, q.GRAPH_STATE)
            local.state = _state(born, version)
        return self._read(_values, query, **params)

    def apply_schema(
        self,
        *,
        await_seconds: int = 300,
        await_always: bool = False,
        only: Collection[str] | None = None,
    ) -> list[str]:
        """Create the constraints and indexes that are missing (of ``only``); their names.

        Each is created on its own: a key that cannot be built over the data (two records
        with one key, after a bulk load) does not keep the others from being built, and
        its error is raised once they are online. Returns once the indexes made are
        online (``db.awaitIndexes``; with ``await_always`` even when this call made
        none), or fails after ``await_seconds``.
        """
        existing = self.schema_names()
        for name in q.OBSOLETE_INDEXES:
            if name in existing:
                self._write(_apply_schema, _drop_schema(name))
        created: list[str] = []
        refused: OrgGraphError | None = None
        # Indexes first: one is populated in the background, while a constraint's CREATE
        # returns only once its index is built and checked; so the two overlap.
        for statement in sorted(q.SCHEMA, key=lambda s: s.startswith("CREATE CONSTRAINT")):
            name = q.schema_name(statement)
            if name in existing or (only is not None and name not in only):
                continue
            try:
                self._write(_apply_schema, statement)
            except StoreUnavailable:
                raise
            except OrgGraphError as exc:
                refused = refused or exc
            else:
                created.append(name)
        if created or await_always:
            self._write(_apply_schema, q.AWAIT_INDEXES, seconds=await_seconds)
        if refused is not None:
            raise refused
        return created

    @contextmanager
    def bulk_load(self, actor: str = "system") -> Iterator[Callable[[str], None]]:
        """Fill an empty store, each part's keys and read-only indexes built once it is written.

        On an empty store ``q.DEFERRED_SCHEMA`` is dropped (the node and link versions'
        key constraints, ``search``'s text index, the facts' node index) and the block's
        writes run with the constraints they look things up by (entity ids, fact keys, the
        audit's write id). The block calls the function it is given with each part of the
        copy once that part is written (``"node_versions"``, …): the items of
        ``q.DEFERRED_BY_PART`` for it are then created and awaited. On the way out
        everything missing is created and awaited: the store is fully indexed when the
        block ends, as after ``db init``. Building a key checks it over every loaded
        version at once: two versions with one key refuse the load there
        (``OrgGraphError`` naming the key).

        Each write stays one transaction with its audit record, and may run beside another
        (``bulk_writers``): a write moves the graph's version, which serialises writes,
        only once its versions are written (``write_changes``). A ``:BulkLoad`` marker is
        written first and removed only when the block ends without an error: a load cut
        short leaves it, and ``unfinished_bulk_load`` reports it (the schema is built
        again on the way out of a failed block, or by the next open if the process died).
        On a store that holds data the block runs as plain writes.
        """
        if not self._rows(q.IS_EMPTY)[0][0]:
            yield written_nothing
            return
        started = datetime.now(UTC).isoformat()
        self._write(_values, q.BULK_LOAD_BEGIN, started=started, actor=actor)
        self._write(_apply_schemas, [_drop_schema(name) for name in q.DEFERRED_SCHEMA])
        self._write(_values, q.ROLLUP_DROP)  # built once at the end, not batch by batch
        self._bulk_loading = True
        try:
            yield self._part_written
        except BaseException:
            # Leave the store indexed for the reads to come; the marker stays. The error
            # that stopped the load is the one to report, not a second one of this.
            with suppress(OrgGraphError):
                self._finish_bulk_load()
            raise
        finally:
            self._bulk_loading = False
        self._finish_bulk_load()
        self._write(_values, q.BULK_LOAD_END)

    def _part_written(self, part: str) -> None:
        self.apply_schema(
            await_seconds=BULK_AWAIT_SECONDS, await_always=True, only=q.DEFERRED_BY_PART[part]
        )

    def _finish_bulk_load(self) -> None:
        # Awaited even when nothing was created here: another process opening the store
        # meanwhile may have created the indexes, still being populated.
        self.apply_schema(await_seconds=BULK_AWAIT_SECONDS, await_always=True)
        self._build_rollups()

    def unfinished_bulk_load(self) -> dict[str, str] | None:
        """The marker of a bulk load that did not finish (``started``, ``actor``), or ``None``."""
        rows = self._rows(q.BULK_LOAD_STATE)
        return {"started": rows[0][0], "actor": rows[0][1]} if rows else None

    def schema_names(self) -> set[str]:
        """The names of the constraints and indexes the database has."""
        rows = self._rows(q.SHOW_CONSTRAINTS) + self._rows(q.SHOW_INDEXES)
        return {row[0] for row in rows}

    def clear(self, *, keep_audit: bool = True) -> None:
        """Delete every node version, link and fact, in batches of ``BATCH_ROWS``.

        With ``keep_audit`` (the default) the audit trail, the accounts and anything else in
        the database stay; without it (tests), every node and relationship goes. The schema
        stays either way.
        """
        query = q.CLEAR_BATCH if keep_audit else q.CLEAR_ALL_BATCH
        with self._moving():
            while self._write(_clear_batch, query, BATCH_ROWS):
                pass
            self._write(_values, q.ROLLUP_DUE_CLEAR)
            self._write(_values, q.ROLLUP_MARK)  # an empty graph's roll-ups are all there
            self._write(_values, q.REACH_EMPTY)  # and it reaches nowhere
            # A new state for the cached reads; without the audit the counter went too.
            self._write(_values, q.GRAPH_MOVE)

    def close(self) -> None:
        self._driver.close()

    # -- reads at a date -------------------------------------------------------------
    def node(self, node_id: str, as_of: date) -> Node | None:
        """As ``GraphStore.node``, kept as the bulk reads are.

        A responsibility chain asks its subject's node, then the hierarchy of that one
        organization: once this store has seen that (``hierarchy``), an organization's
        node is read with its hierarchy of the same link kinds in one statement
        (``q.node_with_hierarchy``), and the hierarchy kept for the read that follows:
        a chain is then one round trip. ``FOLLOW_UNUSED`` such reads with no hierarchy
        asked after them, and it reads nodes alone again.
        """
        local = self._local
        follow = self._follow

        def read() -> Node | None:
            if follow is None:
                return _node_at(self._rows(q.NODE, id=node_id, as_of=as_of), as_of)
            first, second = _split_kinds(follow)
            query = _node_hierarchy_query(tuple(first), tuple(second))
            ((found, _, *row),) = self._rows(query, id=node_id, ids=[node_id], as_of=as_of)
            node = _node_at(found, as_of)
            if node is not None and node.kind is NodeKind.ORGANIZATION:
                key = ("hierarchy", as_of, (node_id,), follow)
                local.extra = (key, _hierarchy_of([node_id], follow, row))
                self._follow_unused += 1
                if self._follow_unused > FOLLOW_UNUSED:
                    self._follow = None
            return node

        key = ("node", node_id, as_of)
        if follow is not None:
            with self._cache_lock:
                kept = self._singles.get(key)
                if (
                    isinstance(kept, Node)
                    and kept.kind is NodeKind.ORGANIZATION
                    and ("hierarchy", as_of, (node_id,), follow) not in self._cache
                ):
                    # Its hierarchy is not kept: read both, one round trip, rather than
                    # check the state for the node and read the hierarchy after it.
                    del self._singles[key]
        found = self._cached(key, read, _same)
        with self._cache_lock:  # the state the node was read or checked at, or newer
            local.last_node = (node_id, as_of, self._cache_state)
        return found

    def nodes(
        self, kind: NodeKind, as_of: date, *, ids: Collection[str] | None = None
    ) -> list[Node]:
        wanted = None if ids is None else list(ids)

        def read() -> list[Node]:
            if wanted is None:
                rows = self._rows(q.NODES_OF_KIND[kind], as_of=as_of)
            else:
                rows = self._rows(q.NODES_BY_ID[kind], ids=wanted, as_of=as_of)
            return [_node(row) for row in rows]

        return self._cached(("nodes", kind, as_of, _key(wanted)), read, list)

    def nodes_where(self, kind: NodeKind, as_of: date, where: Mapping[str, object]) -> list[Node]:
        """As ``GraphStore.nodes_where``, in one query when ``where`` names facets."""
        facets = q.FACETS[kind]
        if not where or not all(k in facets and isinstance(v, _SCALARS) for k, v in where.items()):
            return super().nodes_where(kind, as_of, where)
        values = dict(where)

        def read() -> list[Node]:
            rows = self._rows(q.NODES_OF_KIND_WHERE[kind], where=values, as_of=as_of)
            return [_node(row) for row in rows]

        return self._cached(("nodes_where", kind, as_of, tuple(sorted(values.items()))), read, list)

    def links(
        self,
        kind: LinkKind,
        as_of: date,
        *,
        sources: Collection[str] | None = None,
        targets: Collection[str] | None = None,
    ) -> list[Link]:
        wanted = None if targets is None else list(targets)
        starts = None if sources is None else list(sources)

        def read() -> list[Link]:
            if starts is not None:
                rows = self._rows(q.LINKS_FROM[kind], sources=starts, targets=wanted, as_of=as_of)
            elif wanted is not None:
                rows = self._rows(q.LINKS_TO[kind], targets=wanted, as_of=as_of)
            else:
                rows = self._rows(q.LINKS_ALL[kind], as_of=as_of)
            return [_link(kind, row) for row in rows]

        return self._cached(("links", kind, as_of, _key(starts), _key(wanted)), read, list)

    def count_links(
        self, kind: LinkKind, as_of: date, *, targets: Collection[str]
    ) -> dict[str, int]:
        """As ``GraphStore.count_links``; members from the roll-ups (one anchor a target)."""
        wanted = list(targets)

        def read() -> dict[str, int]:
            if kind is LinkKind.MEMBER_OF:
                found = self._rolled_up(q.ROLLUP_MEMBERS, wanted, as_of)
                if found is not None:
                    return found
            rows = self._rows(q.LINK_COUNTS_TO[kind], targets=wanted, as_of=as_of)
            return {str(target): int(n) for target, n in rows if n}

        def patch(kept: dict[str, int], due: _Patch) -> dict[str, int]:
            return self._count_patched(q.ROLLUP_MEMBERS_OF, kept, due, wanted, as_of, read)

        key = ("count_links", kind, as_of, tuple(wanted))
        return self._cached(key, read, dict, patch)

    def _count_patched(
        self,
        query: LiteralString,
        kept: dict[str, int],
        due: _Patch,
        wanted: list[str],
        as_of: date,
        read: Callable[[], dict[str, int]],
    ) -> dict[str, int]:
        """A kept member count with the organizations writes touched read again from
        their roll-ups (``_count_patch``); read whole when the roll-ups are not ready."""
        ((ready, rows),) = self._rows(
            query,
            orgs=sorted(due.targets),
            members=sorted(due.members),
            targets=wanted,
            as_of=as_of,
        )
        if not ready:
            return read()
        merged = dict(kept)
        for target, n in rows:
            if n:
                merged[str(target)] = int(n)
            else:
                merged.pop(str(target), None)
        return {t: merged[t] for t in wanted if t in merged}  # in the order a read gives

    def _rolled_up(
        self, query: LiteralString, targets: Collection[str], as_of: date
    ) -> dict[str, int] | None:
        """Counts at ``as_of`` from the member roll-ups, or None when the store has none."""
        ((ready, rows),) = self._rows(query, targets=list(targets), as_of=as_of)
        return {str(target): int(n) for target, n in rows} if ready else None

    def count_links_from(
        self,
        kind: LinkKind,
        as_of: date,
        *,
        targets: Collection[str],
        where: Mapping[str, object],
    ) -> dict[str, int]:
        """As ``GraphStore.count_links_from``, in one query when ``where`` names facets."""
        facets = q.FACETS[LINK_ENDS[kind][0]]
        if not all(k in facets and isinstance(v, _SCALARS) for k, v in where.items()):
            return super().count_links_from(kind, as_of, targets=targets, where=where)
        wanted, facet_values = list(targets), dict(where)

        def read() -> dict[str, int]:
            if kind is LinkKind.MEMBER_OF and facet_values == q.ROLLUP_FULL:
                found = self._rolled_up(q.ROLLUP_FULL_MEMBERS, wanted, as_of)
                if found is not None:
                    return found
            rows = self._rows(
                q.LINK_COUNTS_FROM_WHERE[kind], targets=wanted, where=facet_values, as_of=as_of
            )
            return {str(target): int(n) for target, n in rows if n}

        def patch(kept: dict[str, int], due: _Patch) -> dict[str, int]:
            return self._count_patched(q.ROLLUP_FULL_OF, kept, due, wanted, as_of, read)

        key = ("count_links_from", kind, as_of, tuple(wanted), tuple(sorted(facet_values.items())))
        return self._cached(key, read, dict, patch)

    def parent(self, org_id: str, as_of: date) -> str | None:
        rows = self._rows(q.PARENT, id=org_id, as_of=as_of)
        return str(rows[0][0]) if rows else None

    def children(self, org_id: str, as_of: date) -> list[str]:
        return [row[0] for row in self._rows(q.CHILDREN, id=org_id, as_of=as_of)]

    def ancestors(self, org_id: str, as_of: date) -> list[str]:
        out: list[str] = []
        for (ancestor,) in self._rows(q.ANCESTORS, id=org_id, as_of=as_of):
            if ancestor in out or ancestor == org_id:
                break  # a cycle: stop where the embedded store's walk stops
            out.append(ancestor)
        return out

    def subtree(self, org_id: str, as_of: date) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        for (node_id,) in self._rows(q.SUBTREE, id=org_id, as_of=as_of):
            if node_id not in seen:
                seen.add(node_id)
                out.append(node_id)
        if not out and self.node(org_id, as_of) is not None:
            return [org_id]  # no link joins it, so it has no anchor: a subtree of one
        return out

    def hierarchy(
        self, org_ids: Collection[str], as_of: date, link_kinds: Collection[LinkKind] = ()
    ) -> Hierarchy:
        """As ``GraphStore.hierarchy``, in one query (one round trip) instead of a dozen."""
        asked = list(dict.fromkeys(org_ids))
        kinds = list(dict.fromkeys(link_kinds))
        local = self._local
        last, local.last_node = getattr(local, "last_node", None), None
        key = ("hierarchy", as_of, tuple(asked), tuple(kinds))
        chain = len(asked) == 1 and last is not None and last[:2] == (asked[0], as_of)
        if kinds and chain and last is not None and self.read_cache_entries > 0:
            self._follow = tuple(kinds)  # a node read, then its hierarchy: a chain (``node``)
            self._follow_unused = 0
            # The node was read or checked at the state the cache is at: its hierarchy,
            # read with it or kept, is served as of that state, as one read of both.
            with self._cache_lock:
                kept = self._cache.get(key) if last[2] == self._cache_state else None
            if last[2] is not None and isinstance(kept, Hierarchy):
                return _copy_hierarchy(kept)
        return self._cached(
            key,
            lambda: self._hierarchy(asked, as_of, kinds),
            _copy_hierarchy,
            # After a write that touched some of it: those organizations read again.
            lambda kept, due: _spliced(
                kept, self._hierarchy(sorted(due.targets), as_of, kinds), kinds
            ),
        )

    def _hierarchy(self, asked: list[str], as_of: date, kinds: list[LinkKind]) -> Hierarchy:
        first, second = _split_kinds(kinds)
        ((_, *row),) = self._rows(
            _hierarchy_query(tuple(first), tuple(second)), ids=asked, as_of=as_of
        )
        return _hierarchy_of(asked, kinds, row)

    def count_nodes(self, kind: NodeKind, as_of: date, group_by: str) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        if group_by in q.FACETS[kind]:
            for value, n in self._rows(q.COUNT_FACET[kind], prop=group_by, as_of=as_of):
                counts[str(value)] += n
        else:  # not a facet: group the attributes of the distinct versions here
            for attrs, n in self._rows(q.COUNT_ATTRS[kind], as_of=as_of):
                value = attrs_from_json(kind, orjson.loads(attrs)).get(group_by)
                counts[str(value)] += n
        return dict(counts)

    def search(
        self, text: str, as_of: date, kinds: Collection[NodeKind] | None = None, limit: int = 20
    ) -> list[Node]:
        needle = text.strip().lower()
        if not needle or limit <= 0:
            return []
        labels = [q.NODE_LABELS[k] for k in (kinds or list(NodeKind))]
        rows = self._rows(q.SEARCH, needle=needle, labels=labels, as_of=as_of, limit=limit)
        return [_node(row) for row in rows]

    def facts(
        self, node_ids: Collection[str], year: int, names: Collection[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        ids = list(dict.fromkeys(node_ids))
        named = None if names is None else list(names)

        def read() -> dict[str, dict[str, Any]]:
            if named is None:
                rows = self._rows(q.FACTS, ids=ids, year=year)
            else:
                rows = self._rows(q.FACTS_NAMED, ids=ids, year=year, names=named)
            found: dict[str, dict[str, Any]] = defaultdict(dict)
            for node_id, name, value in rows:
                found[node_id][name] = orjson.loads(value)
            return {i: found[i] for i in ids if i in found}

        return self._cached(("facts", tuple(ids), year, _key(named)), read, _copy_facts)

    # -- history ---------------------------------------------------------------------
    def node_versions(self, ids: Collection[str]) -> dict[str, list[Node]]:
        wanted = list(dict.fromkeys(ids))

        def read() -> dict[str, list[Node]]:
            found: dict[str, list[Node]] = defaultdict(list)
            for row in self._rows(q.NODE_VERSIONS, ids=wanted):
                node = _node(row)
                found[node.id].append(node)
            return {i: found[i] for i in wanted if i in found}

        return self._cached(("node_versions", tuple(wanted)), read, _copy_lists)

    def link_versions(self, ids: Collection[str]) -> dict[str, list[Link]]:
        wanted = list(dict.fromkeys(ids))
        by_kind: dict[LinkKind, list[str]] = defaultdict(list)
        for link_id in wanted:
            kind = _link_kind_of_id(link_id)
            if kind is not None:
                by_kind[kind].append(link_id)
        found: dict[str, list[Link]] = defaultdict(list)
        for kind in by_kind:
            for row in self._rows(q.LINK_VERSIONS[kind], ids=by_kind[kind]):
                link = _link(kind, row)
                found[link.id].append(link)
        return {i: found[i] for i in wanted if i in found}

    def links_touching(self, node_ids: Collection[str]) -> list[Link]:
        wanted = list(node_ids)

        def read() -> list[Link]:
            rows = self._rows(q.LINKS_TOUCHING, ids=wanted)
            return [_link(q.KIND_OF_TYPE[row[0]], row) for row in rows if row[0] in q.KIND_OF_TYPE]

        return self._cached(("links_touching", tuple(wanted)), read, list)

    def outgoing_versions(self, kind: LinkKind, sources: Collection[str]) -> list[Link]:
        rows = self._rows(q.OUTGOING_VERSIONS[kind], sources=list(sources))
        return [_link(kind, row) for row in rows]

    def incoming_versions(self, kind: LinkKind, targets: Collection[str]) -> list[Link]:
        rows = self._rows(q.INCOMING_VERSIONS[kind], targets=list(targets))
        return [_link(kind, row) for row in rows]

    def all_nodes(self) -> Iterator[Node]:
        for kind in q.NODE_KINDS_IN_ORDER:
            for row in paged_rows(self._rows, q.ALL_NODES_PAGE[kind]):
                yield _node(row)

    def all_links(self) -> Iterator[Link]:
        for kind in q.LINK_KINDS_IN_ID_ORDER:
            for row in paged_rows(self._rows, q.ALL_LINKS_PAGE[kind]):
                yield _link(kind, row)

    def all_facts(self) -> Iterator[Fact]:
        for row in paged_rows(self._rows, q.ALL_FACTS_PAGE):
            yield _fact(row)

    def versions_between(self, since: date, until: date) -> VersionWindow:
        """One statement over the version dates (``VERSIONS_BETWEEN``), one row back."""
        years = fact_years(since, until)
        ((nodes, links, facts),) = self._rows(
            q.VERSIONS_BETWEEN, since=since, until=until, first=years.start, last=years.stop - 1
        )
        return VersionWindow(
            since=since,
            until=until,
            nodes=[_node(row) for row in nodes],
            links=[_link(q.KIND_OF_TYPE[row[0]], row) for row in links if row[0] in q.KIND_OF_TYPE],
            facts=[(node_id, year, name) for year, name, ids in facts for node_id in ids],
        )

    def change_dates(self) -> list[date]:
        return sorted({date.fromisoformat(row[0]) for row in self._rows(q.CHANGE_DATES)})

    def data_reach(self) -> DataReach:
        """Read from ``(:Counter {name: 'reach'})``, which every write keeps current; worked
        out from every version (``q.DATA_REACH``) in a store without it. Kept as the bulk
        reads are (``_cached``)."""

        def read() -> DataReach:
            ((kept, latest, years),) = self._rows(q.REACH)
            if kept:  # kept current on write (``q.REACH_KEEP``)
                return DataReach(
                    latest=None if latest is None else date.fromisoformat(latest),
                    fact_years=tuple(int(y) for y in years or ()),
                )
            *ends, years = self._rows(q.DATA_REACH)[0]
            days = [date.fromisoformat(d) for d in ends if d]
            return DataReach(
                latest=max(days, default=None), fact_years=tuple(sorted(int(y) for y in years))
            )

        return self._cached(("data_reach",), read, _same)

    def counts(self) -> dict[str, int]:
        node_versions, link_versions, facts = self._rows(q.COUNTS)[0]
        return {"node_versions": node_versions, "link_versions": link_versions, "facts": facts}

    # -- writes ----------------------------------------------------------------------
    def write(
        self, batch: WriteBatch, *, actor: str = "system", validate: bool = True
    ) -> WriteResult:
        """As ``GraphStore.write``, planned again when another process wrote meanwhile.

        The process lock serialises this process's writes; the graph's version (checked
        and moved in the write transaction, under Neo4j's lock) serialises them with every
        other process's, so the rules are always checked against what the write commits on.
        """
        for _ in range(WRITE_ATTEMPTS):
            with self._write_lock:
                self._expected_version = self._rows(q.GRAPH_VERSION)[0][0]
                try:
                    return super().write(batch, actor=actor, validate=validate)
                except _WriteConflict:
                    continue
                finally:
                    self._expected_version = None
        raise StoreUnavailable(
            f"Neo4j at {self.url}: other writers kept changing the graph while this write "
            f"was checked ({WRITE_ATTEMPTS} attempts); retry"
        )

    def _apply(self, changes: Changes, actor: str) -> None:
        payload = changes_payload(changes, actor)
        payload["expected_version"] = self._expected_version
        payload["lock_last"] = self._bulk_loading
        with self._moving(), suppress(AlreadyWritten):
            self._write(write_changes, payload)
        if not self._bulk_loading and any(payload["rollup"].values()) and refreshed_later(payload):
            self._refresh_rollups(payload)

    def _refresh_rollups(self, payload: dict[str, Any]) -> None:
        """The member roll-ups of a write too large to refresh in its own transaction,
        after its commit: ``ROLLUP_BATCH`` organizations a transaction under the graph's
        lock (``q.ROLLUP_BUILD``), then its ``(:RollupDue)`` removed; until then reads
        count the links. Cut short (the server lost, the process stopped), the marker
        stays and the next open builds them all; the write itself is done either way."""
        write_id = payload["audit"]["write_id"]
        try:
            ids = [row[0] for row in self._rows(q.ROLLUP_TOUCHED, **payload["rollup"])]
            for start in range(0, len(ids), ROLLUP_BATCH):
                self._write(_values, q.ROLLUP_BUILD, ids=ids[start : start + ROLLUP_BATCH])
            self._write(_values, q.ROLLUP_DUE_DONE, ids=[write_id])
        except OrgGraphError as exc:
            _log.warning(
                "the member roll-ups of write %s are left to the next open: %s", write_id, exc
            )

    def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._rows(q.AUDIT_LOG, limit=max(limit, 0))
        return [
            {"seq": seq, "at": at, "actor": actor, "action": action, "detail": orjson.loads(d)}
            for seq, at, actor, action, d in rows
        ]

    def record_audit(self, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Append one audit record outside a write (a read of sensitive data, a sign-in)."""
        self._write(_write_audit, _audit_params(actor, action, detail))

    # -- capabilities (declared in GraphStore) ----------------------------------------
    def account_store(self) -> AccountStore:
        """Accounts as ``:Account`` and ``:Credential`` nodes, through this driver."""
        from orggraph.store.accounts import Neo4jAccounts

        def read(query: LiteralString, params: dict[str, Any]) -> list[list[Any]]:
            return self._read(statement_rows, query, params)

        def write(query: LiteralString, params: dict[str, Any]) -> list[list[Any]]:
            return self._write(statement_rows, query, params)

        return Neo4jAccounts(self, read=read, write=write, schema_names=self.schema_names)

    def backup_to(self, target: str | Path) -> None:
        """A snapshot (one write transaction holding the writers' lock, so no write commits
        while it reads) written at ``target`` as an embedded store's file."""
        from orggraph.store.backup import snapshot_tx, write_snapshot

        nodes, links, facts, audit = self._write(snapshot_tx)
        write_snapshot(Path(target), nodes, links, facts, audit)

    def restore_records(
        self,
        changes: Changes,
        trail: list[dict[str, Any]],
        detail: dict[str, Any],
        *,
        actor: str,
        replace: bool,
    ) -> int:
        """Emptied first in batches (``clear``) with ``replace``; then one write
        transaction: the trail (into an empty one), the records, the restore record."""
        from orggraph.store.backup import neo4j_restore_audit

        if replace:
            self.clear(keep_audit=True)
        copied = [] if self.audit_log(limit=1) else trail
        payload = changes_payload(changes, actor, "restore", detail)
        with self._moving():
            self._write(restore_changes, neo4j_restore_audit(copied), payload)
        return len(copied)
