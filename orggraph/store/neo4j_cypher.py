"""The Neo4j data model, its schema, and every Cypher statement the Neo4j store runs.

Model (docs/NEO4J.md has the picture)::

    (:NodeVersion:<Kind> {id, valid_from, valid_to, kind, name, attrs, a_<attr>…, …})
    (:Entity {id})-[:<LINK_KIND> {id, valid_from, valid_to, attrs, order_key}]->(:Entity)
    (:Fact {node_id, year, name, value, order_key})
    (:Audit {write_id, seq, at, actor, action, detail})   (:Counter {name, value})

One ``NodeVersion`` per node version, labelled with its kind; one ``Entity`` anchor per id
that links join; one relationship per link version, typed by its link kind. Dates are
Neo4j ``date`` values (``valid_to`` absent: still valid). ``attrs`` is the JSON text the
embedded store keeps too, so attributes round trip exactly; the scalar attributes are
copied as ``a_<name>`` properties to group by in Cypher. ``order_key`` gives the contract's
stable order (kind, id, valid_from) as one indexed string, so the ``all_*`` iterators page
through an index instead of sorting the whole graph.

Labels and relationship types come only from the fixed tables below, never from input;
every value is a parameter.
"""

from __future__ import annotations

from typing import LiteralString

from orggraph.model import LinkKind, NodeKind

__all__ = ["NODE_LABELS", "REL_TYPES", "SCHEMA", "schema_text"]

NODE_LABELS: dict[NodeKind, str] = {
    NodeKind.ORGANIZATION: "Organization",
    NodeKind.WORKING_GROUP: "WorkingGroup",
    NodeKind.MEMBER: "Member",
    NodeKind.EXPERT: "Expert",
    NodeKind.UNIT: "Unit",
    NodeKind.CASE: "Case",
}
REL_TYPES: dict[LinkKind, str] = {kind: kind.value.upper() for kind in LinkKind}
KIND_OF_TYPE: dict[str, LinkKind] = {t: k for k, t in REL_TYPES.items()}

#: Link kinds in the order of their ids (an id starts with ``<kind>:``).
LINK_KINDS_IN_ID_ORDER: tuple[LinkKind, ...] = tuple(sorted(LinkKind, key=lambda k: k.value + ":"))


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
    out += [
        "CREATE INDEX node_version_id IF NOT EXISTS FOR (v:NodeVersion) ON (v.id)",
        "CREATE INDEX node_version_order IF NOT EXISTS FOR (v:NodeVersion) ON (v.order_key)",
        "CREATE TEXT INDEX node_version_search IF NOT EXISTS "
        "FOR (v:NodeVersion) ON (v.search_text)",
        "CREATE INDEX fact_node IF NOT EXISTS FOR (f:Fact) ON (f.node_id)",
        "CREATE INDEX fact_order IF NOT EXISTS FOR (f:Fact) ON (f.order_key)",
    ]
    for kind in LinkKind:
        tokens = {"k": kind.value, "T": REL_TYPES[kind]}
        out.append(
            _fill("CREATE INDEX link_<k>_id IF NOT EXISTS FOR ()-[r:<T>]-() ON (r.id)", **tokens)
        )
        out.append(
            _fill(
                "CREATE INDEX link_<k>_order IF NOT EXISTS FOR ()-[r:<T>]-() ON (r.order_key)",
                **tokens,
            )
        )
    return tuple(out)


#: Every constraint and index, idempotent (``IF NOT EXISTS``), in the order to apply them.
SCHEMA: tuple[LiteralString, ...] = _schema()


def schema_name(statement: str) -> str:
    """The name a schema statement gives its constraint or index."""
    words = statement.split()
    return words[words.index("IF") - 1]


def schema_text() -> str:
    """The text of ``schema/neo4j/schema.cypher``: what ``orggraph db init`` applies."""
    head = (
        "// orggraph: Neo4j constraints and indexes (Neo4j 5.26 Community and later).\n"
        "// Generated from orggraph/store/neo4j_cypher.py (SCHEMA); a test checks it for\n"
        "// drift. Idempotent: the store applies it when it opens, and `orggraph db init`.\n"
        "// Run by hand: cypher-shell -f schema/neo4j/schema.cypher\n\n"
    )
    return head + "".join(statement + ";\n" for statement in SCHEMA)


SHOW_CONSTRAINTS: LiteralString = "SHOW CONSTRAINTS YIELD name RETURN name"
SHOW_INDEXES: LiteralString = "SHOW INDEXES YIELD name RETURN name"
PING: LiteralString = "RETURN 1"
AWAIT_INDEXES: LiteralString = "CALL db.awaitIndexes(300)"

# -- fragments ------------------------------------------------------------------------
_V_VALID = "v.valid_from <= $as_of AND (v.valid_to IS NULL OR v.valid_to > $as_of)"
_R_VALID = "r.valid_from <= $as_of AND (r.valid_to IS NULL OR r.valid_to > $as_of)"
_NODE_COLS = (
    "v.id AS id, v.kind AS kind, v.name AS name, toString(v.valid_from) AS valid_from, "
    "toString(v.valid_to) AS valid_to, v.attrs AS attrs"
)
_LINK_COLS = (
    "s.id AS source, t.id AS target, toString(r.valid_from) AS valid_from, "
    "toString(r.valid_to) AS valid_to, r.attrs AS attrs"
)

# -- writes ---------------------------------------------------------------------------
# MERGE on the business keys, then SET every property: running a batch twice (the
# driver retries a transaction whose commit it could not confirm) leaves one copy.
ADD_NODES: dict[NodeKind, LiteralString] = {
    kind: _fill(
        "UNWIND $rows AS row "
        "MERGE (v:NodeVersion {id: row.id, valid_from: row.valid_from}) "
        "SET v:<L>, v += row.props "
        "MERGE (:Entity {id: row.id})",
        L=label,
    )
    for kind, label in NODE_LABELS.items()
}
CLOSE_NODES: LiteralString = (
    "UNWIND $rows AS row "
    "MATCH (v:NodeVersion {id: row.id, valid_from: row.valid_from}) "
    "SET v.valid_to = row.valid_to"
)
ADD_LINKS: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "UNWIND $rows AS row "
        "MERGE (s:Entity {id: row.source}) "
        "MERGE (t:Entity {id: row.target}) "
        "MERGE (s)-[r:<T> {id: row.id, valid_from: row.valid_from}]->(t) "
        "SET r.valid_to = row.valid_to, r.attrs = row.attrs, r.order_key = row.order_key",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
CLOSE_LINKS: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "UNWIND $rows AS row "
        "MATCH ()-[r:<T> {id: row.id}]->() WHERE r.valid_from = row.valid_from "
        "SET r.valid_to = row.valid_to",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
PUT_FACTS: LiteralString = (
    "UNWIND $rows AS row "
    "MERGE (f:Fact {node_id: row.node_id, year: row.year, name: row.name}) "
    "SET f.value = row.value, f.order_key = row.order_key"
)
# The audit record is keyed by a write id made once per write, outside the retry loop:
# a retried transaction finds its record and does not count it twice.
AUDIT: LiteralString = (
    "MERGE (a:Audit {write_id: $write_id}) "
    "ON CREATE SET a.at = $at, a.actor = $actor, a.action = $action, a.detail = $detail "
    "WITH a WHERE a.seq IS NULL "
    "MERGE (c:Counter {name: 'audit'}) "
    "SET c.value = coalesce(c.value, 0) + 1 "
    "SET a.seq = c.value"
)
CLEAR_BATCH: LiteralString = (
    "MATCH (n) WHERE n:NodeVersion OR n:Entity OR n:Fact "
    "WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"
)
CLEAR_AUDIT_BATCH: LiteralString = (
    "MATCH (n) WHERE n:Audit OR n:Counter WITH n LIMIT $limit DELETE n RETURN count(*) AS deleted"
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
# Breadth first with children sorted = by depth, then by the ids on the path from the
# root: the order the embedded store's walk gives.
SUBTREE: LiteralString = (
    "MATCH (v:NodeVersion {id: $id}) WHERE v.valid_from <= $as_of "
    "WITH v ORDER BY v.valid_from DESC LIMIT 1 "
    "WITH v WHERE v.valid_to IS NULL OR v.valid_to > $as_of "
    "MATCH (root:Entity {id: $id}) "
    "MATCH p = (c:Entity)-[:SUBORDINATE_TO*0..]->(root) "
    "WHERE all(r IN relationships(p) WHERE " + _R_VALID + ") "
    "RETURN c.id AS id ORDER BY length(p), [n IN reverse(nodes(p)) | n.id]"
)
COUNT_NODES: dict[NodeKind, LiteralString] = {
    kind: _fill(
        "MATCH (v:<L>) WHERE " + _V_VALID + " RETURN v[$prop] AS value, count(*) AS n",
        L=label,
    )
    for kind, label in NODE_LABELS.items()
}
# ``search_text`` holds the three haystacks (lowercased name, lowercased id, code) joined
# by NUL, for the text index; the exact test and the ranking then look at each one (made by
# Python, so they match the embedded store's lower() and len()).
SEARCH: LiteralString = (
    "MATCH (v:NodeVersion) WHERE v.search_text CONTAINS $needle AND v.kind IN $kinds "
    "AND " + _V_VALID + " "
    "WITH v, split(v.search_text, '\\u0000') AS hay "
    "WHERE any(h IN hay WHERE h CONTAINS $needle) "
    "WITH v, CASE WHEN $needle IN hay THEN 0 "
    "WHEN any(h IN hay WHERE h STARTS WITH $needle) THEN 1 ELSE 2 END AS rank "
    "RETURN " + _NODE_COLS + " ORDER BY rank, v.name_len, v.id LIMIT $limit"
)
FACTS: LiteralString = (
    "UNWIND $rows AS row "
    "MERGE (f:Fact {node_id: row.node_id, year: row.year, name: row.name}) "
    "SET f.value = row.value, f.order_key = row.order_key"
)
# The audit record is keyed by a write id made once per write, outside the retry loop:
# a retried transaction finds its record and does not count it twice.
AUDIT: LiteralString = (
    "MERGE (a:Audit {write_id: $write_id}) "
    "ON CREATE SET a.at = $at, a.actor = $actor, a.action = $action, a.detail = $detail "
    "WITH a WHERE a.seq IS NULL "
    "MERGE (c:Counter {name: 'audit'}) "
    "SET c.value = coalesce(c.value, 0) + 1 "
    "SET a.seq = c.value"
)
CLEAR_BATCH: LiteralString = (
    "MATCH (n) WHERE n:NodeVersion OR n:Entity OR n:Fact "
    "WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"
)
CLEAR_AUDIT_BATCH: LiteralString = (
    "MATCH (n) WHERE n:Audit OR n:Counter WITH n LIMIT $limit DELETE n RETURN count(*) AS deleted"
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
# Breadth first with children sorted = by depth, then by the ids on the path from the
# root: the order the embedded store's walk gives.
SUBTREE: LiteralString = (
    "MATCH (v:NodeVersion {id: $id}) WHERE v.valid_from <= $as_of "
    "WITH v ORDER BY v.valid_from DESC LIMIT 1 "
    "WITH v WHERE v.valid_to IS NULL OR v.valid_to > $as_of "
    "MATCH (root:Entity {id: $id}) "
    "MATCH p = (c:Entity)-[:SUBORDINATE_TO*0..]->(root) "
    "WHERE all(r IN relationships(p) WHERE " + _R_VALID + ") "
    "RETURN c.id AS id ORDER BY length(p), [n IN reverse(nodes(p)) | n.id]"
)
COUNT_NODES: dict[NodeKind, LiteralString] = {
    kind: _fill(
        "MATCH (v:<L>) WHERE " + _V_VALID + " RETURN v[$prop] AS value, count(*) AS n",
        L=label,
    )
    for kind, label in NODE_LABELS.items()
}
# ``search_text`` holds the three haystacks joined, for the text index; the exact test
# and the ranking then look at each one (values made by Python, so they match the
# embedded store's lower() and len()).
SEARCH: LiteralString = (
    "MATCH (v:NodeVersion) WHERE v.search_text CONTAINS $needle AND v.kind IN $kinds "
    "AND (v.s_name CONTAINS $needle OR v.s_id CONTAINS $needle OR v.s_code CONTAINS $needle) "
    "AND " + _V_VALID + " "
    "WITH v, CASE WHEN $needle IN [v.s_name, v.s_id, v.s_code] THEN 0 "
    "WHEN v.s_name STARTS WITH $needle OR v.s_id STARTS WITH $needle "
    "OR v.s_code STARTS WITH $needle THEN 1 ELSE 2 END AS rank "
    "RETURN " + _NODE_COLS + " ORDER BY rank, v.name_len, v.id LIMIT $limit"
)
FACTS: LiteralString = (
    "MATCH (f:Fact) WHERE f.node_id IN $ids AND f.year = $year "
    "AND ($names IS NULL OR f.name IN $names) "
    "RETURN f.node_id AS node_id, f.name AS name, f.value AS value ORDER BY node_id, name"
)

# -- history --------------------------------------------------------------------------
NODE_VERSIONS: LiteralString = (
    "MATCH (v:NodeVersion) WHERE v.id IN $ids RETURN " + _NODE_COLS + " ORDER BY v.id, v.valid_from"
)
LINK_VERSIONS: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "MATCH (s:Entity)-[r:<T>]->(t:Entity) WHERE r.id IN $ids "
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
# Pages for the ``all_*`` iterators: an index seek from the last key seen, in index order.
ALL_NODES_PAGE: LiteralString = (
    "MATCH (v:NodeVersion) WHERE v.order_key > $after "
    "RETURN v.order_key AS key, " + _NODE_COLS + " ORDER BY v.order_key LIMIT $limit"
)
ALL_LINKS_PAGE: dict[LinkKind, LiteralString] = {
    kind: _fill(
        "MATCH (s:Entity)-[r:<T>]->(t:Entity) WHERE r.order_key > $after "
        "RETURN r.order_key AS key, " + _LINK_COLS + " ORDER BY r.order_key LIMIT $limit",
        T=rel,
    )
    for kind, rel in REL_TYPES.items()
}
ALL_FACTS_PAGE: LiteralString = (
    "MATCH (f:Fact) WHERE f.order_key > $after "
    "RETURN f.order_key AS key, f.node_id AS node_id, f.year AS year, f.name AS name, "
    "f.value AS value ORDER BY f.order_key LIMIT $limit"
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
