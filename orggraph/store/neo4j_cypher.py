"""The Neo4j data model, its schema, and every Cypher statement the Neo4j store runs.

Model (docs/NEO4J.md has the picture)::

    (:NodeVersion:<Kind> {id, valid_from, valid_to, name, attrs, search_text, <facets>…})
    (:Entity {id})-[:<LINK_KIND> {id, valid_from, valid_to, attrs}]->(:Entity)
    (:Fact {node_id, year, name, value})
    (:Audit {write_id, seq, at, actor, action, detail})   (:Counter {name, value})

One ``NodeVersion`` per node version, labelled with its kind; one ``Entity`` anchor per id
that links join; one relationship per link version, typed by its link kind. Dates are
Neo4j ``date`` values (``valid_to`` absent: still valid). ``attrs`` is the JSON text the
embedded store keeps too, so attributes round trip exactly; the facets (enumerated and
yes/no attributes, and ``code``) are copied as properties of their own name, to filter and
group by in Cypher. The ``all_*`` iterators page through the ``(id, valid_from)`` keys in
the contract's stable order instead of sorting the whole graph.

Rows are sent as lists, not maps: the column names are then not repeated in every row of
a ten-thousand-row ``UNWIND``; dates in rows as ISO text, made dates by ``date()``.

Labels and relationship types come only from the fixed tables below, never from input;
every value is a parameter.
"""

from __future__ import annotations

import re
from typing import LiteralString

from orggraph.model import LINK_ENDS, NODE_FIELDS, LinkKind, NodeKind

__all__ = ["FACETS", "NODE_LABELS", "REL_TYPES", "SCHEMA", "schema_text"]

NODE_LABELS: dict[NodeKind, str] = {
    NodeKind.ORGANIZATION: "Organization",
    NodeKind.WORKING_GROUP: "WorkingGroup",
    NodeKind.MEMBER: "Member",
    NodeKind.EXPERT: "Expert",
    NodeKind.UNIT: "Unit",
    NodeKind.CASE: "Case",
    NodeKind.DUTY_LIST: "DutyList",
    NodeKind.DUTY: "Duty",
}
REL_TYPES: dict[LinkKind, str] = {kind: kind.value.upper() for kind in LinkKind}
KIND_OF_TYPE: dict[str, LinkKind] = {t: k for k, t in REL_TYPES.items()}
KIND_OF_LABEL: dict[str, NodeKind] = {label: k for k, label in NODE_LABELS.items()}

#: Link kinds in the order of their ids (an id starts with ``<kind>:``).
LINK_KINDS_IN_ID_ORDER: tuple[LinkKind, ...] = tuple(sorted(LinkKind, key=lambda k: k.value + ":"))
#: Node kinds in the order ``all_nodes`` gives (by kind code).
NODE_KINDS_IN_ORDER: tuple[NodeKind, ...] = tuple(sorted(NodeKind, key=lambda k: k.value))

#: Properties of every node version, in the column order of a node row.
NODE_PROPERTIES = ("id", "valid_from", "valid_to", "name", "attrs", "search_text")


def _facets(kind: NodeKind) -> tuple[str, ...]:
    names = tuple(
        spec.name
        for spec in NODE_FIELDS[kind]
        if spec.enum is not None or spec.value_type == "bool" or spec.name == "code"
    )
    for name in names:
        if name in NODE_PROPERTIES or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"attribute {name!r} of {kind} cannot be a Neo4j facet property")
    return names


#: Attributes copied to properties of their own name (after the common columns of a row).
FACETS: dict[NodeKind, tuple[str, ...]] = {kind: _facets(kind) for kind in NodeKind}


def _fill(template: str, **tokens: str) -> LiteralString:
    """A statement whose only non-literal parts are names from the tables above."""
    text = template
    for key, value in tokens.items():
        text = text.replace(f"<{key}>", value)
    # mypy treats LiteralString as str; the names come from the tables above, not input.
    return text


# -- schema ---------------------------------------------------------------------------
def _schema() -> tuple[LiteralString, ...]:
    out: list[LiteralString] = [
        "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE e.id IS UNIQUE",
        "CREATE CONSTRAINT node_version_key IF NOT EXISTS "
        "FOR (v:NodeVersion) REQUIRE (v.id, v.valid_from) IS UNIQUE",
        "CREATE CONSTRAINT fact_key IF NOT EXISTS "
        "FOR (f:Fact) REQUIRE (f.node_id, f.year, f.name) IS UNIQUE",
        "CREATE CONSTRAINT audit_write_id IF NOT EXISTS FOR (a:Audit) REQUIRE a.write_id IS UNIQUE",
        "CREATE CONSTRAINT audit_seq IF NOT EXISTS FOR (a:Audit) REQUIRE a.seq IS UNIQUE",
        "CREATE CONSTRAINT counter_name IF NOT EXISTS FOR (c:Counter) REQUIRE c.name IS UNIQUE",
    ]
    for kind in LinkKind:
        out.append(
            _fill(
                "CREATE CONSTRAINT link_<k>_key IF NOT EXISTS "
                "FOR ()-[r:<T>]-() REQUIRE (r.id, r.valid_from) IS UNIQUE",
                k=kind.value,
                T=REL_TYPES[kind],
            )
        )
    # Lookups by id alone use the (id, valid_from) keys above: a composite range index
    # serves a predicate on its first property when the second is tested for existence
    # (``valid_from IS NOT NULL``, true of every version), in (id, valid_from) order. No
    # separate id indexes, then: each one costs every write of a version.
    out += [
        "CREATE TEXT INDEX node_version_search IF NOT EXISTS "
        "FOR (v:NodeVersion) ON (v.search_text)",
        "CREATE INDEX fact_node IF NOT EXISTS FOR (f:Fact) ON (f.node_id)",
    ]
    return tuple(out)


#: Every constraint and index, idempotent (``IF NOT EXISTS``), in the order to apply them.
SCHEMA: tuple[LiteralString, ...] = _schema()
#: What a bulk load into an empty store drops and builds once, when the part of the copy it
#: indexes is written (``Neo4jStore.bulk_load``): the versions' keys (each CREATE would
#: probe its key's index; building the index over the loaded versions checks every key
#: once, and refuses the load if two versions share one) and the indexes only reads use
#: (``search``'s text index, the facts' node index). Writes keep the rest: ``entity_id``
#: finds a link's ends, ``fact_key`` serves the facts' MERGE and ``audit_write_id`` keeps a
#: retried write from counting twice. Keyed by the parts of ``orggraph.store.sync.PARTS``.
DEFERRED_BY_PART: dict[str, tuple[str, ...]] = {
    "node_versions": ("node_version_key", "node_version_search"),
    "link_versions": tuple(f"link_{kind.value}_key" for kind in LinkKind),
    "facts": ("fact_node",),
}
DEFERRED_SCHEMA: tuple[str, ...] = tuple(
    name for names in DEFERRED_BY_PART.values() for name in names
)
#: Indexes earlier versions made and this one drops (the keys serve their lookups).
OBSOLETE_INDEXES: tuple[str, ...] = (
    "node_version_id",
    *(f"link_{kind.value}_id" for kind in LinkKind),
)


def schema_name(statement: str) -> str:
    """The name a schema statement gives its constraint or index."""
    words = statement.split()
    return words[words.index("IF") - 1]


#: The names of the constraints among ``SCHEMA``.
CONSTRAINT_NAMES: frozenset[str] = frozenset(
    schema_name(s) for s in SCHEMA if s.startswith("CREATE CONSTRAINT")
)


def schema_text() -> str:
    """The text of ``schema/neo4j/schema.cypher``: what ``orggraph db init`` applies."""
    head = (
        "// orggraph: Neo4j constraints and indexes (Neo4j 5.26 Community and later).\n"
        "// Generated from orggraph/store/neo4j_cypher.py (SCHEMA) by `orggraph db init\n"
        "// --print`; a test checks it for drift. Idempotent: the store applies it when it\n"
        "// opens, and `orggraph db init`. By hand: cypher-shell -f schema/neo4j/schema.cypher\n\n"
    )
    drops = "".join(f"DROP INDEX {name} IF EXISTS;\n" for name in OBSOLETE_INDEXES)
    return (
        head
        + "".join(statement + ";\n" for statement in SCHEMA)
        + "\n// Made by earlier versions; the (id, valid_from) keys serve their lookups.\n"
        + drops
    )


SHOW_CONSTRAINTS: LiteralString = "SHOW CONSTRAINTS YIELD name RETURN name"
SHOW_INDEXES: LiteralString = "SHOW INDEXES YIELD name RETURN name"
PING: LiteralString = "RETURN 1"
AWAIT_INDEXES: LiteralString = "CALL db.awaitIndexes($seconds)"

# -- fragments ------------------------------------------------------------------------
_V_VALID = "v.valid_from <= $as_of AND (v.valid_to IS NULL OR v.valid_to > $as_of)"
_R_VALID = "r.valid_from <= $as_of AND (r.valid_to IS NULL OR r.valid_to > $as_of)"
_NODE_COLS = (
    "v.id AS id, [l IN labels(v) WHERE l <> 'NodeVersion'][0] AS label, v.name AS name, "
    "toString(v.valid_from) AS valid_from, toString(v.valid_to) AS valid_to, v.attrs AS attrs"
)
_LINK_COLS = (
    "r.id AS id, s.id AS source, t.id AS target, toString(r.valid_from) AS valid_from, "
    "toString(r.valid_to) AS valid_to, r.attrs AS attrs"
)


# -- writes ---------------------------------------------------------------------------
# A write adds versions the plan knows are new (``Changes.add_nodes``/``add_links``: not
# stored when planned, and the graph's version proves nothing was written since), so
# they are CREATEd, with no lookup; the keys' uniqueness constraints refuse a duplicate,
# and the whole transaction with it. Closings MATCH the stored version on its key. A
# transaction the driver runs again after a commit it could not confirm finds its audit
# record (``BEGIN_WRITE``) and writes nothing: that is what keeps a retry idempotent.
def _add_nodes(kind: NodeKind) -> LiteralString:
    props = ", ".join(
        f"{name}: date(row[{i}])" if name in ("valid_from", "valid_to") else f"{name}: row[{i}]"
        for i, name in enumerate((*NODE_PROPERTIES, *FACETS[kind]))
    )
    return _fill(
        "UNWIND $rows AS row CREATE (v:NodeVersion:<L> {<PROPS>})",
        L=NODE_LABELS[kind],
        PROPS=props,
    )


ADD_NODES: dict[NodeKind, LiteralString] = {kind: _add_nodes(kind) for kind in NodeKind}
CLOSE_NODES: LiteralString = (
    "UNWIND $rows AS row "
    "MATCH (v:NodeVersion {id: row[0], valid_from: date(row[1])}) "
    "SET v.valid_to = date(row[2])"
)
# The anchors of a batch's link ends, each id once (a node that no link joins has none).
ADD_ENTITIES: LiteralString = "UNWIND $ids AS id MERGE (:Entity {id: id})"
# Rows: [id, source, target, valid_from, valid_to, attrs]; the anchors exist by then.
ADD_LINKS: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "UNWIND $rows AS row "
        "MATCH (s:Entity {id: row[1]}) "
        "MATCH (t:Entity {id: row[2]}) "
        "CREATE (s)-[:<T> {id: row[0], valid_from: date(row[3]), valid_to: date(row[4]), "
        "attrs: row[5]}]->(t)",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
# The ends of the links closed come back, for the write's touch (``q.TOUCH``).
CLOSE_LINKS: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "UNWIND $rows AS row "
        "MATCH (s)-[r:<T> {id: row[0], valid_from: date(row[1])}]->(t) "
        "SET r.valid_to = date(row[2]) "
        "RETURN collect(DISTINCT s.id) + collect(DISTINCT t.id) AS ends",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
# Rows: [node_id, year, name, value as JSON].
PUT_FACTS: LiteralString = (
    "UNWIND $rows AS row "
    "MERGE (f:Fact {node_id: row[0], year: row[1], name: row[2]}) "
    "SET f.value = row[3]"
)
# The audit record is keyed by a write id made once per write, outside the retry loop:
# a retried transaction finds its record and does not count it twice. The counter is
# locked (a write) before it is read, or two writers could both read 7 and both write 8.
AUDIT: LiteralString = (
    "MERGE (a:Audit {write_id: $write_id}) "
    "ON CREATE SET a.at = $at, a.actor = $actor, a.action = $action, a.detail = $detail "
    "WITH a WHERE a.seq IS NULL "
    "MERGE (c:Counter {name: 'audit'}) "
    "SET c._lock = true "
    "WITH a, c "
    "SET c.value = coalesce(c.value, 0) + 1 "
    "REMOVE c._lock "
    "SET a.seq = c.value"
)
# The graph's version: every write moves it first, under its lock, and a write planned at
# another version is refused (``Neo4jStore.write`` plans it again). Two API processes
# can then not both commit moves that are each sound and together make a cycle. The
# lock is taken (a write to ``_lock``) before the value is read: read committed would
# otherwise let two writers read the same value (Neo4j's "lost update"). Whether this
# write's audit record exists is asked once the lock is held: an earlier attempt of the
# same write (the driver retrying a commit it could not confirm) has then either
# committed, and the write is done, or left nothing.
BEGIN_WRITE: LiteralString = (
    "MERGE (c:Counter {name: 'graph'}) ON CREATE SET c.value = 0, c.born = randomUUID() "
    "SET c._lock = true "
    "WITH c, c.value AS before "
    "SET c.value = before + 1, c.born = coalesce(c.born, randomUUID()) REMOVE c._lock "
    "RETURN before, EXISTS { MATCH (a:Audit {write_id: $write_id}) } AS done"
)
GRAPH_VERSION: LiteralString = (
    "OPTIONAL MATCH (c:Counter {name: 'graph'}) RETURN coalesce(c.value, 0) AS version"
)
# What a cached read is kept under (``Neo4jStore._cached``): the counter's version, which
# every write moves, and its ``born`` token, drawn when the counter is made. A counter
# deleted with the data (``clear(keep_audit=False)``, a test's wipe) and made again counts
# from 0 once more, but with another token; without a counter, or without a token (until
# the store's next write or open), nothing is cached.
GRAPH_STATE: LiteralString = (
    "OPTIONAL MATCH (c:Counter {name: 'graph'}) RETURN c.born AS born, c.value AS version"
)


# A read and the state it is kept under (``Neo4jStore._cached``) in one statement, one
# round trip: the counter is read first (the left side of the ``Apply`` the correlated
# subquery makes: a test checks the plan), then the read, collected into one record as
# every read is (``Neo4jStore._rows``). Neo4j reads committed data, with no snapshot of a
# statement: read in this order, the rows are never older than the state they are kept
# under, as when the state was its own statement before the read.
def stated(query: LiteralString, columns: LiteralString) -> LiteralString:
    """``query`` (whose columns are ``columns``) with the graph's state read first."""
    return (
        "OPTIONAL MATCH (_c:Counter {name: 'graph'}) "
        "WITH _c.born AS _born, _c.value AS _version "
        "CALL (_born) { CALL () { " + query + " } RETURN collect([" + columns + "]) AS _rows } "
        "RETURN _born, _version, _rows"
    )


# On opening a store whose counter has no token (made before tokens) or that has no
# counter (never written since a wipe, or imported offline): the counter with a token.
GRAPH_BORN: LiteralString = (
    "MERGE (c:Counter {name: 'graph'}) ON CREATE SET c.value = 0 "
    "SET c.born = coalesce(c.born, randomUUID())"
)
# ``clear`` moves the version (under its lock, as a write does): it keeps the counter.
GRAPH_MOVE: LiteralString = (
    "MATCH (c:Counter {name: 'graph'}) SET c._lock = true "
    "WITH c, c.value AS before SET c.value = before + 1 REMOVE c._lock"
)
CLEAR_BATCH: LiteralString = (
    "MATCH (n) WHERE n:NodeVersion OR n:Entity OR n:Fact "
    "WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"
)
# Whether the graph holds nothing (the audit trail and accounts aside): a bulk load's test.
IS_EMPTY: LiteralString = (
    "RETURN NOT (EXISTS { MATCH (:NodeVersion) } OR EXISTS { MATCH (:Entity) } "
    "OR EXISTS { MATCH (:Fact) }) AS empty"
)
# A bulk load's marker: written before the indexes are dropped, removed once they are built
# again and the load went through. Found later, it says the store holds a copy cut short.
BULK_LOAD_BEGIN: LiteralString = (
    "MERGE (b:BulkLoad) SET b.started = $started, b.actor = $actor RETURN b.started AS started"
)
BULK_LOAD_END: LiteralString = "MATCH (b:BulkLoad) DELETE b RETURN count(b) AS removed"
BULK_LOAD_STATE: LiteralString = (
    "MATCH (b:BulkLoad) RETURN b.started AS started, b.actor AS actor ORDER BY started LIMIT 1"
)
CLEAR_ALL_BATCH: LiteralString = (
    "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"
)

# -- reads at a date ------------------------------------------------------------------
NODE: LiteralString = (
    "MATCH (v:NodeVersion {id: $id}) WHERE v.valid_from <= $as_of "
    "RETURN " + _NODE_COLS + " ORDER BY v.valid_from DESC LIMIT 1"
)
NODES_OF_KIND: dict[NodeKind, LiteralString] = {
    kind: _fill(
        "MATCH (v:<L>) WHERE " + _V_VALID + " RETURN " + _NODE_COLS + " ORDER BY v.id",
        L=label,
    )
    for kind, label in NODE_LABELS.items()
}
# ``nodes_where``: the versions at the date whose facets are those of $where.
NODES_OF_KIND_WHERE: dict[NodeKind, LiteralString] = {
    kind: _fill(
        "MATCH (v:<L>) WHERE " + _V_VALID + " AND all(k IN keys($where) WHERE v[k] = $where[k]) "
        "RETURN " + _NODE_COLS + " ORDER BY v.id",
        L=label,
    )
    for kind, label in NODE_LABELS.items()
}
NODES_BY_ID: dict[NodeKind, LiteralString] = {
    kind: _fill(
        "UNWIND range(0, size($ids) - 1) AS i "
        "MATCH (v:NodeVersion {id: $ids[i]}) WHERE v:<L> AND " + _V_VALID + " "
        "RETURN " + _NODE_COLS + " ORDER BY i",
        L=label,
    )
    for kind, label in NODE_LABELS.items()
}
LINKS_FROM: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "UNWIND range(0, size($sources) - 1) AS i "
        "MATCH (s:Entity {id: $sources[i]})-[r:<T>]->(t:Entity) "
        "WHERE " + _R_VALID + " AND ($targets IS NULL OR t.id IN $targets) "
        "RETURN " + _LINK_COLS + " ORDER BY i, r.id",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
LINKS_TO: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "UNWIND range(0, size($targets) - 1) AS i "
        "MATCH (s:Entity)-[r:<T>]->(t:Entity {id: $targets[i]}) "
        "WHERE " + _R_VALID + " "
        "RETURN " + _LINK_COLS + " ORDER BY i, r.id",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
LINK_COUNTS_TO: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "UNWIND $targets AS target "
        "MATCH (s:Entity)-[r:<T>]->(t:Entity {id: target}) "
        "WHERE " + _R_VALID + " "
        "RETURN target, count(r) AS n",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
# Links counted only from sources whose version at the date has the facets of $where
# (``count_links_from``: full members of branches, without reading the members).
LINK_COUNTS_FROM_WHERE: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "UNWIND $targets AS target "
        "MATCH (s:Entity)-[r:<T>]->(t:Entity {id: target}) "
        "WHERE " + _R_VALID + " AND EXISTS { MATCH (v:NodeVersion {id: s.id}) "
        "WHERE v:<L> AND " + _V_VALID + " AND all(k IN keys($where) WHERE v[k] = $where[k]) } "
        "RETURN target, count(r) AS n",
        T=rel,
        L=NODE_LABELS[LINK_ENDS[kind][0]],
    )
    for kind, rel in REL_TYPES.items()
}
LINKS_ALL: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "MATCH (s:Entity)-[r:<T>]->(t:Entity) WHERE " + _R_VALID + " "
        "RETURN " + _LINK_COLS + " ORDER BY r.id",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
PARENT: LiteralString = (
    "MATCH (:Entity {id: $id})-[r:SUBORDINATE_TO]->(p:Entity) WHERE " + _R_VALID + " "
    "RETURN p.id AS id ORDER BY r.valid_from DESC, p.id LIMIT 1"
)
CHILDREN: LiteralString = (
    "MATCH (c:Entity)-[r:SUBORDINATE_TO]->(:Entity {id: $id}) WHERE " + _R_VALID + " "
    "RETURN DISTINCT c.id AS id ORDER BY id"
)
# One variable-length pattern each, the date checked on every relationship of the path.
ANCESTORS: LiteralString = (
    "MATCH p = (:Entity {id: $id})-[:SUBORDINATE_TO*1..]->(a:Entity) "
    "WHERE all(r IN relationships(p) WHERE " + _R_VALID + ") "
    "RETURN a.id AS id ORDER BY length(p)"
)
# ``GraphStore.hierarchy`` in one statement: the organizations above $ids (every path of
# relationships valid at the date), the parent links of all of them, their versions, the
# links of the first kinds reaching them, the links of the second kinds reaching the nodes
# those come from, and the versions of every node a link comes from. The store keeps what
# the contract asks for (it climbs from $ids through one parent each). Rows are lists.
_H_LINK = "[type(r), r.id, s.id, t.id, toString(r.valid_from), toString(r.valid_to), r.attrs]"
_H_NODE = (
    "[v.id, [l IN labels(v) WHERE l <> 'NodeVersion'][0], v.name, "
    "toString(v.valid_from), toString(v.valid_to), v.attrs]"
)
# The organizations above $ids: their parents, and what is above the parents that are not
# among $ids (what is above one that is, its own parent brings). Walking up from every id
# gave a row per id and ancestor (26,000 for the city's 4,600 organizations); this walks
# only from the tops of the ids' forest.
_H_HEAD = (
    "CALL () { "
    "UNWIND $ids AS id "
    "MATCH (:Entity {id: id})-[r:SUBORDINATE_TO]->(p:Entity) WHERE " + _R_VALID + " "
    "WITH collect(DISTINCT p.id) AS parents "
    "CALL (parents) { "
    "UNWIND [t IN parents WHERE NOT t IN $ids] AS top "
    "MATCH p = (:Entity {id: top})-[:SUBORDINATE_TO*1..]->(a:Entity) "
    "WHERE all(r IN relationships(p) WHERE " + _R_VALID + ") "
    "RETURN collect(DISTINCT a.id) AS higher "
    "} "
    "RETURN parents + [h IN higher WHERE NOT h IN parents] AS above "
    "} "
    "WITH [i IN $ids WHERE NOT i IN above] + above AS orgs "
    "CALL (orgs) { "
    "UNWIND orgs AS oid "
    "MATCH (:Entity {id: oid})-[r:SUBORDINATE_TO]->(p:Entity) WHERE " + _R_VALID + " "
    "RETURN collect([oid, p.id, r.id]) AS parents "
    "} "
    "CALL (orgs) { "
    "UNWIND orgs AS oid "
    "MATCH (v:NodeVersion {id: oid}) WHERE v:Organization AND " + _V_VALID + " "
    "RETURN collect(" + _H_NODE + ") AS nodes "
    "} "
)
_H_FIRST = (
    "CALL (orgs) { "
    "UNWIND orgs AS oid "
    "MATCH (s:Entity)-[r:<FIRST>]->(t:Entity {id: oid}) WHERE " + _R_VALID + " "
    "RETURN collect(" + _H_LINK + ") AS first "
    "} "
)
_H_SECOND = (
    "CALL (first) { "
    "UNWIND first AS l "
    "WITH DISTINCT l[2] AS sid "
    "MATCH (s:Entity)-[r:<SECOND>]->(t:Entity {id: sid}) WHERE " + _R_VALID + " "
    "RETURN collect(" + _H_LINK + ") AS second "
    "} "
)
_H_TAIL = (
    "CALL (first, second) { "
    "UNWIND first + second AS l "
    "WITH DISTINCT l[2] AS sid "
    "MATCH (v:NodeVersion {id: sid}) WHERE " + _V_VALID + " "
    "RETURN collect(" + _H_NODE + ") AS ends "
    "} "
    "RETURN orgs, parents, nodes, first, second, ends"
)


def hierarchy_query(first: tuple[LinkKind, ...], second: tuple[LinkKind, ...]) -> LiteralString:
    """The ``HIERARCHY`` statement for links of ``first`` kinds reaching the organizations
    and of ``second`` kinds reaching the nodes those come from (types from ``REL_TYPES``)."""
    text = _H_HEAD
    if first:
        text += _fill(_H_FIRST, FIRST="|".join(REL_TYPES[k] for k in first))
    else:
        text += "WITH orgs, parents, nodes, [] AS first "
    if first and second:
        text += _fill(_H_SECOND, SECOND="|".join(REL_TYPES[k] for k in second))
    else:
        text += "WITH orgs, parents, nodes, first, [] AS second "
    return text + _H_TAIL


def node_with_hierarchy(first: tuple[LinkKind, ...], second: tuple[LinkKind, ...]) -> LiteralString:
    """``NODE`` of ``$id`` and ``hierarchy_query`` of ``$ids`` (``[$id]``) in one statement:
    what a responsibility chain reads of its subject, in one round trip
    (``Neo4jStore.node``, once it has seen a node read followed by that read)."""
    return (
        "CALL () { " + NODE + " } "
        "WITH collect([id, label, name, valid_from, valid_to, attrs]) AS found "
        "CALL () { " + hierarchy_query(first, second) + " } "
        "RETURN found, orgs, parents, nodes, first, second, ends"
    )


#: What a responsibility chain reads (``ChainIndex``): posts, contacts, partners, covers,
#: then the leaders of the covering groups.
HIERARCHY: LiteralString = hierarchy_query(
    (LinkKind.HOLDS_POST, LinkKind.CONTACTS, LinkKind.PAIRED_WITH, LinkKind.COVERS),
    (LinkKind.LEADS,),
)
# Breadth first with children sorted = by depth, then by the ids on the path from the
# root: the order the embedded store's walk gives. The root must be valid at the date;
# a root no link joins has no anchor, and the store answers [root] itself.
SUBTREE: LiteralString = (
    "MATCH (v:NodeVersion {id: $id}) WHERE v.valid_from <= $as_of "
    "WITH v ORDER BY v.valid_from DESC LIMIT 1 "
    "WITH v WHERE v.valid_to IS NULL OR v.valid_to > $as_of "
    "MATCH (root:Entity {id: $id}) "
    "MATCH p = (c:Entity)-[:SUBORDINATE_TO*0..]->(root) "
    "WHERE all(r IN relationships(p) WHERE " + _R_VALID + ") "
    "RETURN c.id AS id ORDER BY length(p), [n IN reverse(nodes(p)) | n.id]"
)
COUNT_FACET: dict[NodeKind, LiteralString] = {
    kind: _fill(
        "MATCH (v:<L>) WHERE " + _V_VALID + " RETURN v[$prop] AS value, count(*) AS n",
        L=label,
    )
    for kind, label in NODE_LABELS.items()
}
COUNT_ATTRS: dict[NodeKind, LiteralString] = {
    kind: _fill(
        "MATCH (v:<L>) WHERE " + _V_VALID + " RETURN v.attrs AS attrs, count(*) AS n",
        L=label,
    )
    for kind, label in NODE_LABELS.items()
}
# ``search_text`` holds the haystacks (lowercased name, lowercased id, and the code when
# there is one other than the id) joined by NUL, for the text index; the exact test and
# the ranking then look at each one (made by Python, so they match the embedded store's
# lower(); size() counts code points, as len() does). A code equal to the id finds
# nothing its lowercased id does not: the needle is lowercased too.
SEARCH: LiteralString = (
    "MATCH (v:NodeVersion) WHERE v.search_text CONTAINS $needle "
    "AND any(l IN labels(v) WHERE l IN $labels) AND " + _V_VALID + " "
    "WITH v, split(v.search_text, '\\u0000') AS hay "
    "WHERE any(h IN hay WHERE h CONTAINS $needle) "
    "WITH v, CASE WHEN $needle IN hay THEN 0 "
    "WHEN any(h IN hay WHERE h STARTS WITH $needle) THEN 1 ELSE 2 END AS rank "
    "RETURN " + _NODE_COLS + " ORDER BY rank, size(v.name), v.id LIMIT $limit"
)
# The facts' key (node_id, year, name) seeks one year's facts of each id; the planner
# would take the ``fact_node`` index and read every year's (68,000 facts for the city's
# organizations, to keep 12,000).
FACTS: LiteralString = (
    "MATCH (f:Fact) USING INDEX f:Fact(node_id, year, name) "
    "WHERE f.node_id IN $ids AND f.year = $year AND f.name IS NOT NULL "
    "RETURN f.node_id AS node_id, f.name AS name, f.value AS value ORDER BY node_id, name"
)
# The facts of some names: the key is sought for each id and name.
FACTS_NAMED: LiteralString = (
    "MATCH (f:Fact) USING INDEX f:Fact(node_id, year, name) "
    "WHERE f.node_id IN $ids AND f.year = $year AND f.name IN $names "
    "RETURN f.node_id AS node_id, f.name AS name, f.value AS value ORDER BY node_id, name"
)

# -- history --------------------------------------------------------------------------
NODE_VERSIONS: LiteralString = (
    "MATCH (v:NodeVersion) WHERE v.id IN $ids AND v.valid_from IS NOT NULL "
    "RETURN " + _NODE_COLS + " ORDER BY v.id, v.valid_from"
)
LINK_VERSIONS: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "MATCH (s:Entity)-[r:<T>]->(t:Entity) WHERE r.id IN $ids AND r.valid_from IS NOT NULL "
        "RETURN " + _LINK_COLS + " ORDER BY r.id, r.valid_from",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
LINKS_TOUCHING: LiteralString = (
    "MATCH (e:Entity) WHERE e.id IN $ids "
    "MATCH (e)-[r]-() "
    "WITH DISTINCT r "
    "WITH r, startNode(r) AS s, endNode(r) AS t "
    "RETURN type(r) AS type, " + _LINK_COLS + " ORDER BY r.id, r.valid_from"
)

OUTGOING_VERSIONS: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "MATCH (s:Entity)-[r:<T>]->(t:Entity) WHERE s.id IN $sources "
        "RETURN " + _LINK_COLS + " ORDER BY r.id, r.valid_from",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
# ``incoming_versions``: as ``OUTGOING_VERSIONS``, by the end the links reach.
INCOMING_VERSIONS: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "MATCH (s:Entity)-[r:<T>]->(t:Entity) WHERE t.id IN $targets "
        "RETURN " + _LINK_COLS + " ORDER BY r.id, r.valid_from",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
# Pages for the ``all_*`` iterators, in the contract's order: from an id on (``>=``: the
# store starts the next page at the last id of a full page, whose versions it keeps back).
ALL_NODES_PAGE: dict[NodeKind, LiteralString] = {
    kind: _fill(
        "MATCH (v:NodeVersion) WHERE v.id >= $start AND v.valid_from IS NOT NULL AND v:<L> "
        "RETURN " + _NODE_COLS + " ORDER BY v.id, v.valid_from LIMIT $limit",
        L=label,
    )
    for kind, label in NODE_LABELS.items()
}
ALL_LINKS_PAGE: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "MATCH (s:Entity)-[r:<T>]->(t:Entity) WHERE r.id >= $start AND r.valid_from IS NOT NULL "
        "RETURN " + _LINK_COLS + " ORDER BY r.id, r.valid_from LIMIT $limit",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
ALL_FACTS_PAGE: LiteralString = (
    "MATCH (f:Fact) WHERE f.node_id >= $start "
    "RETURN f.node_id AS id, f.year AS year, f.name AS name, f.value AS value "
    "ORDER BY f.node_id, f.year, f.name LIMIT $limit"
)
CHANGE_DATES: LiteralString = (
    "MATCH (v:NodeVersion) RETURN DISTINCT toString(v.valid_from) AS d "
    "UNION MATCH (v:NodeVersion) WHERE v.valid_to IS NOT NULL "
    "RETURN DISTINCT toString(v.valid_to) AS d "
    "UNION MATCH ()-[r]->() WHERE r.valid_from IS NOT NULL "
    "RETURN DISTINCT toString(r.valid_from) AS d "
    "UNION MATCH ()-[r]->() WHERE r.valid_to IS NOT NULL "
    "RETURN DISTINCT toString(r.valid_to) AS d"
)
# How far the data reaches (``DataReach``): one pass over each kind of record.
DATA_REACH: LiteralString = (
    "CALL () { MATCH (v:NodeVersion) RETURN max(v.valid_from) AS a, max(v.valid_to) AS b } "
    "CALL () { MATCH ()-[r]->() RETURN max(r.valid_from) AS c, max(r.valid_to) AS d } "
    "CALL () { MATCH (f:Fact) RETURN collect(DISTINCT f.year) AS years } "
    "RETURN toString(a), toString(b), toString(c), toString(d), years"
)
# Every version with a date inside (since, until], and the facts of the years whose
# 1 January is inside or ends one (``GraphStore.versions_between``): one statement, one
# row of three lists (node rows, link rows, and per year and fact name the ids that have
# it). Collected on the server: the driver reads a few long lists much faster than a
# record per version (the demo's 270,000: about a third of the time).
_IN_WINDOW = (
    "((<x>.valid_from > $since AND <x>.valid_from <= $until) OR "
    "(<x>.valid_to > $since AND <x>.valid_to <= $until))"
)
VERSIONS_BETWEEN: LiteralString = _fill(
    "CALL () { MATCH (v:NodeVersion) WHERE <V> RETURN collect(" + _H_NODE + ") AS nodes } "
    "CALL () { MATCH (s:Entity)-[r]->(t:Entity) WHERE <R> "
    "RETURN collect(" + _H_LINK + ") AS links } "
    "CALL () { MATCH (f:Fact) WHERE f.year >= $first AND f.year <= $last "
    "WITH f.year AS year, f.name AS name, collect(f.node_id) AS ids "
    "RETURN collect([year, name, ids]) AS facts } "
    "RETURN nodes, links, facts",
    V=_IN_WINDOW.replace("<x>", "v"),
    R=_IN_WINDOW.replace("<x>", "r"),
)
COUNTS: LiteralString = (
    "CALL () { MATCH (v:NodeVersion) RETURN count(v) AS node_versions } "
    "CALL () { MATCH ()-[r]->() RETURN count(r) AS link_versions } "
    "CALL () { MATCH (f:Fact) RETURN count(f) AS facts } "
    "RETURN node_versions, link_versions, facts"
)
AUDIT_LOG: LiteralString = (
    "MATCH (a:Audit) WHERE a.seq IS NOT NULL "
    "RETURN a.seq AS seq, a.at AS at, a.actor AS actor, a.action AS action, "
    "a.detail AS detail ORDER BY a.seq DESC LIMIT $limit"
)

# -- roll-ups kept current on write ---------------------------------------------------
# Each organization's member count as a step function of the date, on its anchor:
# ``rollup_days`` (the dates the count changes, ascending) and ``rollup_members`` (the count
# from that date on); ``rollup_full_days``/``rollup_full`` the same for the members whose
# version at the date is a full member (``ROLLUP_FULL``). Counting the members of the
# city's 4,600 organizations at a date read 135,817 relationships (and 105,525 member
# versions for the full ones); from the roll-ups it reads one anchor each. They exist
# while ``(:Counter {name: 'rollup'})`` does: every write keeps the organizations it
# touches current in its own transaction (a link into them, or a version of one of their
# members, added or closed), under the graph's lock; a bulk load drops the marker and
# builds them all at its end; a store without it (an older version's, an offline
# import's) gets them when it is opened, a batch of organizations per transaction.
# Without the marker reads count the links.
#: The facets of the full members' roll-up (``count_links_from(MEMBER_OF, where=…)``).
ROLLUP_FULL: dict[str, object] = {"status": "full"}
# The events ([date, +1 or -1]) as the dates the count changes and the count from each on.
_ROLLUP_STEPS = (
    "UNWIND events AS e "
    "WITH e WHERE e[0] IS NOT NULL "
    "WITH e[0] AS day, sum(e[1]) AS delta ORDER BY day "
    "WITH collect(day) AS days, collect(delta) AS deltas "
    "RETURN days AS <DAYS>, "
    "reduce(acc = [], d IN deltas | acc + (coalesce(last(acc), 0) + d)) AS <COUNTS>"
)
_ROLLUP_OF = (
    "CALL (t) { "
    "OPTIONAL MATCH (:Entity)-[r:MEMBER_OF]->(t) "
    "WITH collect([r.valid_from, 1]) + collect([r.valid_to, -1]) AS events "
    + _fill(_ROLLUP_STEPS, DAYS="days", COUNTS="counts")
    + " } "
    "CALL (t) { "
    "OPTIONAL MATCH (s:Entity)-[r:MEMBER_OF]->(t) "
    "OPTIONAL MATCH (v:NodeVersion {id: s.id}) WHERE v:Member AND v.valid_from IS NOT NULL "
    "AND v.status = 'full' "
    "WITH r, v, CASE WHEN r.valid_from > v.valid_from THEN r.valid_from "
    "ELSE v.valid_from END AS a, "
    "CASE WHEN r.valid_to IS NULL THEN v.valid_to WHEN v.valid_to IS NULL THEN r.valid_to "
    "WHEN r.valid_to < v.valid_to THEN r.valid_to ELSE v.valid_to END AS b "
    "WHERE v IS NOT NULL AND (b IS NULL OR a < b) "
    "WITH collect([a, 1]) + collect([b, -1]) AS events "
    + _fill(_ROLLUP_STEPS, DAYS="full_days", COUNTS="full_counts")
    + " } "
)
_ROLLUP_SET = (
    "SET t.rollup_days = days, t.rollup_members = counts, "
    "t.rollup_full_days = full_days, t.rollup_full = full_counts "
)
# After a write: the organizations whose links ($orgs: targets of new links; $links: ids
# of closed ones) or whose members' versions ($members) it changed. Every write but a bulk
# load's keeps them so, marker or not: a build in batches (``ROLLUP_BUILD``) then misses
# no write that commits between two of its batches.
_ROLLUP_TOUCHED = (
    "CALL () { "
    "UNWIND $orgs AS oid MATCH (t:Entity {id: oid}) RETURN t "
    "UNION "
    "UNWIND $links AS lid MATCH ()-[r:MEMBER_OF]->(t:Entity) "
    "WHERE r.id = lid AND r.valid_from IS NOT NULL RETURN t "
    "UNION "
    "UNWIND $members AS mid MATCH (:Entity {id: mid})-[:MEMBER_OF]->(t:Entity) RETURN t "
    "} "
    "WITH DISTINCT t "
)
ROLLUP_REFRESH: LiteralString = _ROLLUP_TOUCHED + _ROLLUP_OF + _ROLLUP_SET
# The same organizations' ids, for a write too large to refresh in its own transaction:
# it leaves a ``(:RollupDue {write_id})`` instead (reads count the links while one is
# there), and its process refreshes them after the commit, ``ROLLUP_BUILD`` in batches,
# then removes it (``Neo4jStore._refresh_rollups``); cut short, the next open builds all.
ROLLUP_TOUCHED: LiteralString = _ROLLUP_TOUCHED + "RETURN t.id AS id ORDER BY id"
ROLLUP_DUE: LiteralString = "CREATE (:RollupDue {write_id: $write_id})"
ROLLUP_DUE_IDS: LiteralString = "MATCH (d:RollupDue) RETURN d.write_id AS write_id"
ROLLUP_DUE_DONE: LiteralString = "UNWIND $ids AS w MATCH (d:RollupDue {write_id: w}) DELETE d"
ROLLUP_DUE_CLEAR: LiteralString = "MATCH (d:RollupDue) DELETE d"
# The organizations that have members (ever): what ``ROLLUP_BUILD`` builds, in batches.
ROLLUP_TARGETS: LiteralString = (
    "MATCH (t:Entity) WHERE EXISTS { (:Entity)-[:MEMBER_OF]->(t) } RETURN t.id AS id"
)
# The roll-ups of the organizations $ids, under the graph's lock (as a write takes it), so
# that no write commits unseen while they are built; ``ROLLUP_MARK`` once all are.
ROLLUP_BUILD: LiteralString = (
    "MERGE (c:Counter {name: 'graph'}) ON CREATE SET c.value = 0, c.born = randomUUID() "
    "SET c._lock = true REMOVE c._lock "
    "WITH c "
    "UNWIND $ids AS oid "
    "MATCH (t:Entity {id: oid}) " + _ROLLUP_OF + _ROLLUP_SET
)
ROLLUP_MARK: LiteralString = "MERGE (:Counter {name: 'rollup'})"
ROLLUP_DROP: LiteralString = "MATCH (m:Counter {name: 'rollup'}) DELETE m"
ROLLUP_READY: LiteralString = (
    "RETURN EXISTS { MATCH (:Counter {name: 'rollup'}) } "
    "AND NOT EXISTS { MATCH (:RollupDue) } AS ready"
)
# Counts at a date from the roll-ups: one anchor per target (``ready`` false without the
# marker: the store then counts the links).
_ROLLUP_COUNTS = (
    "OPTIONAL MATCH (m:Counter {name: 'rollup'}) WHERE NOT EXISTS { MATCH (:RollupDue) } "
    "CALL (m) { "
    "WITH m WHERE m IS NOT NULL "
    "UNWIND $targets AS target "
    "MATCH (t:Entity {id: target}) "
    "WITH target, t.<D> AS days, t.<N> AS counts "
    "WITH target, counts, size([d IN coalesce(days, []) WHERE d <= $as_of]) AS k "
    "WHERE k > 0 AND counts[k - 1] > 0 "
    "RETURN collect([target, counts[k - 1]]) AS counts "
    "} "
    "RETURN m IS NOT NULL AS ready, counts"
)
ROLLUP_MEMBERS: LiteralString = _fill(_ROLLUP_COUNTS, D="rollup_days", N="rollup_members")
ROLLUP_FULL_MEMBERS: LiteralString = _fill(_ROLLUP_COUNTS, D="rollup_full_days", N="rollup_full")
# The same for the organizations among $targets that $orgs names or that a member among
# $members belongs or belonged to, 0 included: what a kept count reads again after
# writes that touched only those (``Neo4jStore._count_patch``).
_ROLLUP_COUNTS_OF = (
    "OPTIONAL MATCH (m:Counter {name: 'rollup'}) WHERE NOT EXISTS { MATCH (:RollupDue) } "
    "CALL (m) { "
    "WITH m WHERE m IS NOT NULL "
    "CALL () { "
    "UNWIND $orgs AS oid MATCH (t:Entity {id: oid}) RETURN t "
    "UNION "
    "UNWIND $members AS mid MATCH (:Entity {id: mid})-[:MEMBER_OF]->(t:Entity) RETURN t "
    "} "
    "WITH DISTINCT t WHERE t.id IN $targets "
    "WITH t.id AS target, t.<D> AS days, t.<N> AS counts "
    "WITH target, counts, size([d IN coalesce(days, []) WHERE d <= $as_of]) AS k "
    "RETURN collect([target, CASE WHEN k > 0 THEN counts[k - 1] ELSE 0 END]) AS counts "
    "} "
    "RETURN m IS NOT NULL AS ready, counts"
)
ROLLUP_MEMBERS_OF: LiteralString = _fill(_ROLLUP_COUNTS_OF, D="rollup_days", N="rollup_members")
ROLLUP_FULL_OF: LiteralString = _fill(_ROLLUP_COUNTS_OF, D="rollup_full_days", N="rollup_full")

# -- how far the data reaches, kept current on write ----------------------------------
# ``DATA_REACH`` reads every version and relationship (0.2–0.5 s for the city), and every
# read that leaves its date out asks it: after each write, the first request paid it.
# ``(:Counter {name: 'reach'})`` keeps its answer: ``latest``, the latest date of any
# version, and ``years``, the years with facts, ascending. Every write moves them on under
# the graph's lock, with the dates and years it writes (dates only ever move on: versions
# are added and closed, never deleted, as the embedded store's ``DataReach.reached_by``
# assumes); ``clear`` empties them; a store without the counter (an older version's, an
# offline import, a wipe by hand) gets it when it is opened, worked out under the lock.
# Without it reads work the reach out (``DATA_REACH``).
REACH_KEEP: LiteralString = (
    "MATCH (r:Counter {name: 'reach'}) "
    "SET r.latest = CASE WHEN $latest IS NULL THEN r.latest "
    "WHEN r.latest IS NULL OR date($latest) > r.latest THEN date($latest) ELSE r.latest END, "
    "r.years = COLLECT { UNWIND coalesce(r.years, []) + $years AS y "
    "RETURN DISTINCT y ORDER BY y }"
)
REACH: LiteralString = (
    "OPTIONAL MATCH (r:Counter {name: 'reach'}) "
    "RETURN r IS NOT NULL AS kept, toString(r.latest) AS latest, r.years AS years"
)
REACH_EMPTY: LiteralString = "MERGE (r:Counter {name: 'reach'}) SET r.latest = null, r.years = []"
# Worked out once, under the graph's lock (as a write takes it): no write commits unseen.
REACH_BUILD: LiteralString = (
    "MERGE (c:Counter {name: 'graph'}) ON CREATE SET c.value = 0, c.born = randomUUID() "
    "SET c._lock = true REMOVE c._lock "
    "WITH c "
    "CALL () { MATCH (v:NodeVersion) RETURN max(v.valid_from) AS a, max(v.valid_to) AS b } "
    "CALL () { MATCH ()-[r]->() RETURN max(r.valid_from) AS e, max(r.valid_to) AS d } "
    "WITH reduce(m = null, x IN [a, b, e, d] | "
    "CASE WHEN x IS NULL THEN m WHEN m IS NULL OR x > m THEN x ELSE m END) AS latest, "
    "COLLECT { MATCH (f:Fact) RETURN DISTINCT f.year AS y ORDER BY y } AS years "
    "MERGE (r:Counter {name: 'reach'}) SET r.latest = latest, r.years = years"
)

# -- what each write touched: kept answers that it cannot change survive it -----------
# Every write leaves a ``(:Touch {version, touched})``: the graph's version it moved to,
# and as JSON what it wrote (``neo4j_tx.touched``: the ids of the nodes whose versions it
# added or closed, the node and link kinds, the ends of the links it added, the years of
# its facts). A reader whose kept answers are at version K and finds the graph at N reads
# the touches of (K, N] and drops only the answers one of them can change
# (``Neo4jStore._advance``); a version without its touch (``clear``, a write of an older
# version, a wipe) drops them all. The last ``TOUCHES_KEPT`` are kept; no index: a label
# scan of that many nodes.
TOUCHES_KEPT = 64
TOUCH: LiteralString = (
    "CREATE (:Touch {version: $version, touched: $touched}) "
    "WITH 1 AS one "
    "MATCH (t:Touch) WHERE t.version <= $version - $keep DELETE t"
)
# The graph's state and the touches since version $since (up to the state).
STATE_SINCE: LiteralString = (
    "OPTIONAL MATCH (c:Counter {name: 'graph'}) "
    "CALL (c) { "
    "OPTIONAL MATCH (t:Touch) WHERE t.version > $since AND t.version <= c.value "
    "RETURN collect([t.version, t.touched]) AS touches "
    "} "
    "RETURN c.born AS born, c.value AS version, touches"
)
