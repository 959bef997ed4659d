"""Bulk loads into an empty Neo4j: keys and read-only indexes built once per part."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import neo4j
import pytest

from orggraph.errors import ConfigError, OrgGraphError
from orggraph.model import Changes, Node, NodeKind
from orggraph.settings import Settings
from orggraph.store import neo4j_cypher as q
from orggraph.store.neo4j import Neo4jStore, _drop_schema
from orggraph.store.sync import copy_graph, copy_records, sync_urls
from tests.graphs import org, tiny_city
from tests.neo4j.test_sync import small_city
from tests.neo4j_server import ServerInfo

pytestmark = pytest.mark.neo4j

D = date


def _indexes(store: Neo4jStore) -> set[tuple[Any, ...]]:
    """Every index as what it is (not its id): name, type, entity, labels, properties, state."""
    rows = store._rows(
        "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, "
        "owningConstraint, state "
        "RETURN name, type, entityType, labelsOrTypes, properties, owningConstraint, state"
    )
    return {tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in rows}


def _names(store: Neo4jStore) -> set[str]:
    return {row[0] for row in _indexes(store)}


def test_a_bulk_copy_leaves_the_indexes_db_init_makes(
    neo4j_store: Neo4jStore, tmp_path: Path
) -> None:
    as_opened = _indexes(neo4j_store)  # the store applied the schema when it opened
    assert {row[-1] for row in as_opened} == {"ONLINE"}
    with small_city(tmp_path / "a.db") as source:
        report = copy_graph(source, neo4j_store, batch_size=4)
    assert report.ok, report
    assert set(report.part_seconds) == {"node_versions", "link_versions", "facts", "indexes"}
    assert _indexes(neo4j_store) == as_opened  # the same indexes, all online
    assert neo4j_store.apply_schema() == []  # db init would find nothing missing
    assert neo4j_store.unfinished_bulk_load() is None
    # search reads what was built at the end. small_city: only b1 (夏都花园社区党委 since
    # 2016) has 花园 in its name on 2020-01-01.
    found = neo4j_store.search("花园", D(2020, 1, 1))
    assert [(n.id, n.name) for n in found] == [("b1", "夏都花园社区党委")]


def test_while_loading_only_the_write_path_s_indexes_are_there(
    neo4j_store: Neo4jStore,
) -> None:
    before = _names(neo4j_store)
    # Neo4j's own label and relationship-type lookups stay whatever happens.
    lookups = {row[0] for row in _indexes(neo4j_store) if row[1] == "LOOKUP"}
    with neo4j_store.bulk_load("tester"):
        during = _names(neo4j_store) - lookups
        marker = neo4j_store.unfinished_bulk_load()
        neo4j_store._apply(Changes(add_nodes=[org("630100", "西宁市委", "city")]), "tester")
    # The versions' keys and the two read-only indexes go; what the writes look things
    # up by stays: entity ids (a link's ends), the facts' keys (their MERGE), the audit's
    # write id and sequence, the counters.
    schema = {q.schema_name(s) for s in q.SCHEMA}
    assert during & schema == {
        "entity_id",
        "fact_key",
        "audit_write_id",
        "audit_seq",
        "counter_name",
    }
    assert before - lookups - during == set(q.DEFERRED_SCHEMA)
    assert marker is not None and marker["actor"] == "tester"
    assert _names(neo4j_store) == before
    assert neo4j_store.unfinished_bulk_load() is None
    assert [n.id for n in neo4j_store.search("西宁", D(2020, 1, 1))] == ["630100"]


def test_each_part_s_keys_are_built_once_it_is_written(neo4j_store: Neo4jStore) -> None:
    # Written out by hand: what indexes the node versions, the link versions and the facts.
    node_items = {"node_version_key", "node_version_search"}
    link_items = {f"link_{kind}_key" for kind in ("subordinate_to", "holds_post", "member_of")}
    with neo4j_store.bulk_load("tester") as written:
        neo4j_store._apply(Changes(add_nodes=[org("630100", "西宁市委", "city")]), "tester")
        assert not node_items & _names(neo4j_store)
        written("node_versions")
        after_nodes = _indexes(neo4j_store)
        names = {row[0] for row in after_nodes}
        assert node_items <= names
        assert not link_items & names
        assert "fact_node" not in names
        assert {row[-1] for row in after_nodes if row[0] in node_items} == {"ONLINE"}
        written("link_versions")
        assert link_items <= _names(neo4j_store)
        assert "fact_node" not in _names(neo4j_store)
        # What the node versions' part built serves reads while the load goes on.
        assert [n.id for n in neo4j_store.search("西宁", D(2020, 1, 1))] == ["630100"]
    assert "fact_node" in _names(neo4j_store)  # built on the way out
    assert neo4j_store.unfinished_bulk_load() is None


def test_a_copy_lets_go_of_its_rows_as_it_goes(neo4j_store: Neo4jStore, tmp_path: Path) -> None:
    # A copy pauses the cyclic collector; the driver keeps each statement's parameters in
    # a cycle. The rows sent must still be freed batch by batch, not held to the end.
    with small_city(tmp_path / "a.db") as source:
        nodes = list(source.all_nodes())
    sent = {(n.id, n.valid_from.isoformat()) for n in nodes}
    paused = gc.isenabled()
    gc.collect()  # what earlier tests left in cycles (their payloads, say) is not this copy's
    gc.disable()
    try:
        copy_records(neo4j_store, nodes, [], [], batch_size=3)
        alive = [
            o
            for o in gc.get_objects()
            if type(o) is list
            and len(o) > 5
            and all(type(v) is str for v in o[:2])
            and (o[0], o[1]) in sent  # a node version's row: id, valid_from, …
        ]
    finally:
        if paused:
            gc.enable()
    assert neo4j_store.counts()["node_versions"] == len(nodes) == 10
    assert alive == []


def test_a_store_with_data_is_written_as_usual(neo4j_store: Neo4jStore) -> None:
    neo4j_store.write(tiny_city())
    before = _names(neo4j_store)
    with neo4j_store.bulk_load("tester"):
        assert _names(neo4j_store) == before
        assert neo4j_store.unfinished_bulk_load() is None


def _failing_after(records: list[Node], count: int) -> Iterator[Node]:
    """The first ``count`` records, then the source fails (a lost connection, say)."""
    yield from records[:count]
    raise RuntimeError("source went away")


def test_an_interrupted_bulk_load_leaves_a_clear_state(
    neo4j_store: Neo4jStore, neo4j_server: ServerInfo, tmp_path: Path
) -> None:
    with small_city(tmp_path / "a.db") as source:
        nodes = list(source.all_nodes())
    before = _indexes(neo4j_store)
    with pytest.raises(RuntimeError, match="source went away"):
        copy_records(neo4j_store, _failing_after(nodes, 5), [], [], batch_size=2)
    # Batches of 2: two were written whole (4 versions, each batch one audited
    # transaction); the third was still being gathered when the source failed.
    assert neo4j_store.counts() == {"node_versions": 4, "link_versions": 0, "facts": 0}
    assert [r["actor"] for r in neo4j_store.audit_log()] == ["sync", "sync"]
    # The store is indexed for the reads to come, and says the copy was cut short.
    assert _indexes(neo4j_store) == before
    marker = neo4j_store.unfinished_bulk_load()
    assert marker is not None and marker["actor"] == "sync"
    source_url = f"sqlite:///{tmp_path / 'a.db'}"
    with pytest.raises(ConfigError, match="cut short"):
        sync_urls(source_url, neo4j_server.uri, Settings())
    report = sync_urls(source_url, neo4j_server.uri, Settings(), replace=True)
    assert report.ok and report.target_counts["node_versions"] == 10
    assert neo4j_store.unfinished_bulk_load() is None
    assert _indexes(neo4j_store) == before


def test_a_load_whose_process_died_is_indexed_again_by_the_next_open(
    neo4j_store: Neo4jStore, neo4j_server: ServerInfo
) -> None:
    # What a bulk load leaves if its process is killed mid-way: the marker, the
    # read-only indexes dropped, some versions written.
    started = "2019-06-30T08:00:00+00:00"
    neo4j_store._write(_run, q.BULK_LOAD_BEGIN, started=started, actor="sync")
    for name in q.DEFERRED_SCHEMA:
        neo4j_store._write(_run, _drop_schema(name))
    neo4j_store._apply(Changes(add_nodes=[org("630100", "西宁市委", "city")]), "sync")
    assert not set(q.DEFERRED_SCHEMA) & _names(neo4j_store)
    reopened = _reopen(neo4j_server)
    try:
        assert set(q.DEFERRED_SCHEMA) <= _names(reopened)
        assert reopened.unfinished_bulk_load() == {"started": started, "actor": "sync"}
        assert [n.id for n in reopened.search("西宁", D(2020, 1, 1), [NodeKind.ORGANIZATION])] == [
            "630100"
        ]
    finally:
        reopened.close()


def _reopen(server: ServerInfo) -> Neo4jStore:
    """A second store over the same database, as the next process would open it."""
    return Neo4jStore(
        server.uri, user=server.user, password=server.password, database=server.database
    )


def _run(tx: neo4j.ManagedTransaction, statement: Any, **params: Any) -> None:
    tx.run(statement, params).consume()


def test_a_bulk_load_with_two_versions_of_one_key_is_refused_at_its_end(
    neo4j_store: Neo4jStore, neo4j_server: ServerInfo, tmp_path: Path
) -> None:
    # Two versions of 630100 from the same day: the key (id, valid_from) is checked when
    # the load builds it, at the end, and the load fails there, naming the key.
    first = org("630100", "西宁市委", "city")
    second = org("630100", "西宁市委员会", "city")
    with (
        pytest.raises(OrgGraphError, match=r"node_version_key.*630100") as caught,
        neo4j_store.bulk_load("tester"),
    ):
        neo4j_store._apply(Changes(add_nodes=[first]), "tester")
        neo4j_store._apply(Changes(add_nodes=[second]), "tester")
    assert "Traceback" not in str(caught.value)
    # Both versions stay, as written; the store says the load did not finish, and every
    # other index and constraint is back.
    assert neo4j_store.counts()["node_versions"] == 2
    assert neo4j_store.unfinished_bulk_load() is not None
    schema = {q.schema_name(s) for s in q.SCHEMA}  # the database may hold others (accounts)
    assert _names(neo4j_store) & schema == schema - {"node_version_key"}
    # The store still opens (for sync --replace), and a copy over it builds every key.
    reopened = _reopen(neo4j_server)
    try:
        assert reopened.unfinished_bulk_load() is not None
        with small_city(tmp_path / "a.db"):
            pass
        report = sync_urls(
            f"sqlite:///{tmp_path / 'a.db'}", neo4j_server.uri, Settings(), replace=True
        )
        assert report.ok
        assert reopened.unfinished_bulk_load() is None
        assert _names(reopened) & schema == schema
    finally:
        reopened.close()
