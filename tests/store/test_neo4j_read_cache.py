"""The Neo4j store's cached reads: answered again only while the graph is unchanged.

``tiny_city`` (tests/graphs.py) at 2019-06-30: the organizations 630100, 630102, 630103,
630102001, b1 and b2; b1's ancestors 630102001 → 630102 → 630100. Each test reads, then
writes (through this store, through a second store as another process would, by
``clear``, or by wiping the database with Cypher), then reads again: the second answer
must show the write, worked out by hand below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from orggraph.model import LinkKind, NodeKind, WriteBatch
from orggraph.store import neo4j_cypher as q
from orggraph.store.neo4j import Neo4jStore
from orggraph.store.neo4j_tx import _values
from tests.graphs import fact, link, member, org, tiny_city
from tests.neo4j_server import ServerInfo

pytestmark = pytest.mark.neo4j

AS_OF = date(2019, 6, 30)
ORG = NodeKind.ORGANIZATION
CITY = {"630100", "630102", "630103", "630102001", "b1", "b2"}
B3 = WriteBatch(
    nodes=(org("b3", "新建党支部", "grassroots", "branch", sector="community"),),
    links=(link(LinkKind.SUBORDINATE_TO, "b3", "630102001"),),
    facts=(fact("b3", 2018, "score", 90),),
)


@pytest.fixture
def pair(neo4j_server: ServerInfo) -> Iterator[tuple[Neo4jStore, Neo4jStore]]:
    """Two stores on one database, as two processes (an API replica and an import)."""
    first, second = neo4j_server.open_store(), neo4j_server.open_store()
    first.clear(keep_audit=False)
    first.write(tiny_city())
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def _org_ids(store: Neo4jStore) -> set[str]:
    return {n.id for n in store.nodes(ORG, AS_OF)}


#: In ``_statements``: a read sent with the graph's state read first, in the same statement.
STATED = "stated: "


def _statements(store: Neo4jStore) -> list[str]:
    """The statements ``store`` sends from now on (its reads all go through ``_rows``), each
    one round trip; a read that also reads the graph's state (``q.stated``) as
    ``STATED + query``."""
    sent: list[str] = []
    rows = store._rows

    def counted(query: Any, **params: Any) -> list[list[Any]]:
        stated = getattr(store._local, "want_state", False)
        sent.append(STATED + query if stated else query)
        return rows(query, **params)

    store._rows = counted  # type: ignore[method-assign]
    return sent


def test_the_same_read_is_answered_from_the_cache(pair: tuple[Neo4jStore, Neo4jStore]) -> None:
    store, _ = pair
    assert _org_ids(store) == CITY
    sent = _statements(store)
    assert _org_ids(store) == CITY
    assert store.hierarchy(["b1"], AS_OF).parents == {
        "b1": "630102001",
        "630102001": "630102",
        "630102": "630100",
        "630100": None,
    }
    store.hierarchy(["b1"], AS_OF)
    # A kept answer costs one small statement, the graph's state (and the touches since,
    # none here); the first hierarchy read reads the state in its own statement: one round
    # trip each.
    assert sent == [q.STATE_SINCE, STATED + sent[1].removeprefix(STATED), q.STATE_SINCE]
    assert sent[1].removeprefix(STATED).startswith("CALL () { UNWIND $ids")


def test_a_write_of_this_store_is_read_at_once(pair: tuple[Neo4jStore, Neo4jStore]) -> None:
    store, _ = pair
    assert _org_ids(store) == CITY
    assert store.facts(["b3"], 2018) == {}
    assert store.hierarchy(["b1", "b3"], AS_OF).parents["b3"] is None  # asked, not there
    store.write(B3)
    assert _org_ids(store) == CITY | {"b3"}
    assert store.facts(["b3"], 2018) == {"b3": {"score": 90}}
    assert store.hierarchy(["b1", "b3"], AS_OF).parents["b3"] == "630102001"


def test_another_process_s_write_is_read(pair: tuple[Neo4jStore, Neo4jStore]) -> None:
    store, other = pair
    assert _org_ids(store) == CITY
    assert store.count_links(LinkKind.SUBORDINATE_TO, AS_OF, targets=["630102001"]) == {
        "630102001": 2
    }
    other.write(B3)
    assert _org_ids(store) == CITY | {"b3"}
    assert store.count_links(LinkKind.SUBORDINATE_TO, AS_OF, targets=["630102001"]) == {
        "630102001": 3
    }


@pytest.mark.parametrize("keep_audit", [True, False])
def test_a_clear_is_read(pair: tuple[Neo4jStore, Neo4jStore], keep_audit: bool) -> None:
    store, other = pair
    assert _org_ids(store) == CITY
    other.clear(keep_audit=keep_audit)
    assert _org_ids(store) == set()
    # Written again from nothing: without the audit the graph's counter went with the
    # data and counts from 0 again; the answer is still the new graph's.
    other.write(WriteBatch(nodes=(org("630100", "西宁市委", "city"),)))
    assert _org_ids(store) == {"630100"}


def test_a_wipe_by_cypher_is_read(pair: tuple[Neo4jStore, Neo4jStore]) -> None:
    store, other = pair
    assert _org_ids(store) == CITY
    # What the test suite does between tests: everything deleted, the counter too.
    other._write(_values, "MATCH (n) DETACH DELETE n")
    assert _org_ids(store) == set()
    other.write(WriteBatch(nodes=(org("630100", "西宁市委", "city"),)))
    assert _org_ids(store) == {"630100"}
    # A counter made again counts from the start, with another token.
    other._write(_values, "MATCH (n) DETACH DELETE n")
    other.write(WriteBatch(nodes=(org("630103", "城中区委", "county"),)))
    assert _org_ids(store) == {"630103"}


def test_an_answer_changed_by_its_caller_is_not_kept(pair: tuple[Neo4jStore, Neo4jStore]) -> None:
    store, _ = pair
    store.write(B3)
    store.nodes(ORG, AS_OF).clear()
    store.hierarchy(["b1"], AS_OF).parents.clear()
    store.facts(["b3"], 2018)["b3"]["score"] = 0
    store.links(LinkKind.SUBORDINATE_TO, AS_OF, targets=["630102001"]).clear()
    assert _org_ids(store) == CITY | {"b3"}
    assert len(store.hierarchy(["b1"], AS_OF).parents) == 4
    assert store.facts(["b3"], 2018) == {"b3": {"score": 90}}
    found = store.links(LinkKind.SUBORDINATE_TO, AS_OF, targets=["630102001"])
    assert sorted(x.source for x in found) == ["b1", "b2", "b3"]


def test_a_store_without_a_token_gets_one_on_opening(neo4j_server: ServerInfo) -> None:
    store = neo4j_server.open_store()
    try:
        store.clear(keep_audit=False)
        store.write(tiny_city())
        # As a store written before tokens: the counter without one caches nothing.
        store._write(_values, "MATCH (c:Counter {name: 'graph'}) REMOVE c.born")
        sent = _statements(store)
        assert _org_ids(store) == CITY
        assert _org_ids(store) == CITY
        assert sent == [sent[0], sent[0]] and sent[0].startswith(STATED)  # read twice
        again = neo4j_server.open_store()
        try:
            ((born, _),) = again._rows(q.GRAPH_STATE)
            assert born is not None
        finally:
            again.close()
    finally:
        store.close()


def test_an_audit_record_keeps_what_is_cached(pair: tuple[Neo4jStore, Neo4jStore]) -> None:
    # A sensitive read's audit record is written per request; it moves no version.
    store, _ = pair
    assert _org_ids(store) == CITY
    store.record_audit("tester", "read_sensitive", {"fields": ["phone"]})
    sent = _statements(store)
    assert _org_ids(store) == CITY
    assert sent == [q.STATE_SINCE]


def _operators(plan: Any) -> list[str]:
    """The plan's operators, depth first, left side before right."""
    out = [str(plan["operatorType"]).split("@")[0] + " " + str(plan.get("args", {}).get("Details"))]
    for child in plan.get("children", []):
        out += _operators(child)
    return out


def test_a_stated_read_reads_the_state_before_the_rows(pair: tuple[Neo4jStore, Neo4jStore]) -> None:
    # Neo4j reads committed data with no snapshot of a statement: the counter must be read
    # before the rows, or an answer could be kept under a state newer than its rows. The
    # correlated subquery makes an Apply whose left side is the counter's seek.
    store, _ = pair
    statement = q.stated(q.NODES_OF_KIND[ORG], "id, label, name, valid_from, valid_to, attrs")
    with store._driver.session(database=store._database) as session:
        plan = session.run("EXPLAIN " + statement, as_of=AS_OF).consume().plan
    assert plan is not None
    top = plan["children"][0]
    assert str(top["operatorType"]).startswith("Apply")
    left, right = top["children"]
    assert any("Counter(name)" in op for op in _operators(left))
    assert not any("Counter" in op for op in _operators(right))
    assert any("Organization" in op for op in _operators(right))


def test_after_refresh_kept_answers_cost_no_statement(pair: tuple[Neo4jStore, Neo4jStore]) -> None:
    store, other = pair
    assert _org_ids(store) == CITY
    assert store.refresh() is False  # the state the organizations were read at
    sent = _statements(store)
    assert _org_ids(store) == CITY
    assert store.node("b1", AS_OF) is not None  # read once, then kept
    assert store.node("b1", AS_OF) is not None
    assert sent == [STATED + q.NODE]
    # Another process writes: as the embedded store, the request already under way (the
    # state ``refresh`` found) does not see it; the next request's ``refresh`` does.
    other.write(B3)
    assert _org_ids(store) == CITY
    assert store.refresh() is True
    assert _org_ids(store) == CITY | {"b3"}
    assert store.node("b3", AS_OF) is not None


def test_a_write_of_this_store_is_read_at_once_after_refresh(
    pair: tuple[Neo4jStore, Neo4jStore],
) -> None:
    store, _ = pair
    assert _org_ids(store) == CITY
    assert store.node("b3", AS_OF) is None
    store.refresh()
    store.write(B3)
    sent = _statements(store)
    assert _org_ids(store) == CITY | {"b3"}
    node = store.node("b3", AS_OF)
    assert node is not None and node.name == "新建党支部"
    # Until the next refresh, each kept answer checks the state again: the first finds
    # it moved (the organizations are read again), then b3's node is read, and kept.
    assert _org_ids(store) == CITY | {"b3"}
    assert store.node("b3", AS_OF) == node
    expected = [q.STATE_SINCE, STATED + q.NODES_OF_KIND[ORG], STATED + q.NODE]
    assert sent == [*expected, q.STATE_SINCE, q.STATE_SINCE]
    store.refresh()
    assert _org_ids(store) == CITY | {"b3"}
    assert len(sent) == 6  # the refresh's state only


def test_a_refresh_under_way_while_this_store_writes_does_not_pin(
    pair: tuple[Neo4jStore, Neo4jStore],
) -> None:
    # A refresh that read the state before this store's write committed must not serve the
    # answers of that older state afterwards.
    store, _ = pair
    assert _org_ids(store) == CITY
    rows = store._rows

    def write_meanwhile(query: Any, **params: Any) -> list[list[Any]]:
        found = rows(query, **params)
        if query == q.STATE_SINCE:
            store._rows = rows  # type: ignore[method-assign]
            store.write(B3)  # commits after the refresh read the state
        return found

    store._rows = write_meanwhile  # type: ignore[method-assign]
    store.refresh()
    assert _org_ids(store) == CITY | {"b3"}


# -- kept answers a write cannot change survive it ---------------------------------------
MEM, POST, SUB = LinkKind.MEMBER_OF, LinkKind.HOLDS_POST, LinkKind.SUBORDINATE_TO
D6 = date(2019, 6, 1)
AROUND = (POST, LinkKind.CONTACTS)


#: The reads a home page makes, by name (each kept by a caching store).
READS: dict[str, Callable[[Neo4jStore], Any]] = {
    "orgs": lambda s: s.nodes(ORG, AS_OF),
    "members": lambda s: s.nodes(NodeKind.MEMBER, AS_OF, ids=["m1", "m2"]),
    "b1": lambda s: s.node("b1", AS_OF),
    "m2": lambda s: s.node("m2", AS_OF),
    "hierarchy": lambda s: s.hierarchy(["b1", "b2"], AS_OF, AROUND),
    "facts": lambda s: s.facts(["b1", "b2"], 2018),
    "under": lambda s: s.links(SUB, AS_OF, targets=["630102001"]),
    "members_of": lambda s: s.count_links(MEM, AS_OF, targets=["b1", "b2"]),
    "full": lambda s: s.count_links_from(
        MEM, AS_OF, targets=["b1", "b2"], where={"status": "full"}
    ),
    "versions": lambda s: s.node_versions(["b1", "m1"]),
    "touching": lambda s: s.links_touching(["m2"]),
    "reach": lambda s: s.data_reach(),
}


def _read_all(store: Neo4jStore) -> tuple[dict[str, Any], set[str]]:
    """Every read of ``READS``, and the names of those read from the graph again."""
    sent = _statements(store)
    found: dict[str, Any] = {}
    again: set[str] = set()
    try:
        for name, read in READS.items():
            before = len(sent)
            found[name] = read(store)
            if any(x.startswith(STATED) for x in sent[before:]):
                again.add(name)
    finally:
        del store._rows  # the method again
    return found, again


def test_kept_answers_a_write_cannot_change_survive_it_and_equal_a_recount(
    pair: tuple[Neo4jStore, Neo4jStore],
) -> None:
    store, other = pair
    other.read_cache_entries = 0  # the recount: every answer read from the graph
    other.write(
        WriteBatch(
            nodes=(member("m1", "张三"), member("m2", "李四", status="probationary")),
            links=(
                link(MEM, "m1", "b1"),
                link(MEM, "m2", "b1"),
                link(POST, "m1", "b1", role="secretary"),
            ),
            facts=(fact("b1", 2018, "score", 90),),
        )
    )
    first, _ = _read_all(store)
    assert first == {name: read(other) for name, read in READS.items()}
    # Each write below, by another process, then: the kept answers read again (worked
    # out from what it touched), and every answer equal to the recount's.
    b1_renamed = org(
        "b1",
        "夏都花园社区第一党支部",
        "grassroots",
        "branch",
        sector="community",
        start=date(2019, 5, 1),
    )
    steps: list[tuple[WriteBatch, set[str]]] = [
        # A member no answer names: the full members' count (a member's status decides
        # it) is read again, and the reach (every write).
        (WriteBatch(nodes=(member("m3", "王五"),)), {"full", "reach"}),
        # m2 becomes a full member: the members, its node, the full count.
        (
            WriteBatch(nodes=(member("m2", "李四", start=date(2019, 1, 1)),)),
            {"members", "m2", "full", "reach"},
        ),
        # The secretary m1 renamed: the hierarchy names them, and m1's versions.
        (
            WriteBatch(nodes=(member("m1", "张三丰", start=date(2019, 2, 1)),)),
            {"members", "hierarchy", "full", "versions", "reach"},
        ),
        # A fact of 2018, then one of 2017: only the 2018 facts.
        (WriteBatch(facts=(fact("b2", 2018, "score", 70),)), {"facts", "reach"}),
        (WriteBatch(facts=(fact("b2", 2017, "score", 60),)), {"reach"}),
        # A post: the hierarchy (its links), and the links touching m2 (its source).
        (
            WriteBatch(links=(link(POST, "m2", "b2", role="secretary", start=date(2019, 3, 1)),)),
            {"hierarchy", "touching", "reach"},
        ),
        # m2 leaves b1 (a link closed, whose ends the write does not hold): the counts,
        # and every read of links touching an id.
        (
            WriteBatch(end_links=((link(MEM, "m2", "b1").id, date(2019, 4, 1)),)),
            {"members_of", "full", "touching", "reach"},
        ),
        # An organization renamed: the organizations, b1, the hierarchy, b1's versions.
        (WriteBatch(nodes=(b1_renamed,)), {"orgs", "b1", "hierarchy", "versions", "reach"}),
        # A post at an organization the hierarchy does not climb (630103): nothing.
        (WriteBatch(links=(link(POST, "m3", "630103", role="secretary"),)), {"reach"}),
        # The secretary's post at b1 ended (the ends come from the closed link): the
        # hierarchy, read again at b1.
        (
            WriteBatch(end_links=((link(POST, "m1", "b1", role="secretary").id, D6),)),
            {"hierarchy", "reach"},
        ),
        # A contact of b2's: the hierarchy (contacts are among the kinds it reads).
        (
            WriteBatch(links=(link(LinkKind.CONTACTS, "m3", "b2", start=D6),)),
            {"hierarchy", "reach"},
        ),
        # A new branch under 630102001, which the hierarchy climbs: read again whole, and
        # the organizations and the links under 630102001.
        (
            WriteBatch(
                nodes=(org("b4", "新建党支部", "grassroots", "branch"),),
                links=(link(SUB, "b4", "630102001"),),
            ),
            {"orgs", "hierarchy", "under", "reach"},
        ),
    ]
    for batch, changed in steps:
        other.write(batch)
        found, again = _read_all(store)
        assert again == changed, batch
        assert found == {name: read(other) for name, read in READS.items()}, batch


def test_a_post_written_reads_its_organization_again_not_the_whole_hierarchy(
    pair: tuple[Neo4jStore, Neo4jStore],
) -> None:
    store, other = pair
    other.read_cache_entries = 0  # the recount
    other.write(
        WriteBatch(
            nodes=(member("m1", "张三"), member("m2", "李四")),
            links=(link(POST, "m1", "b1", role="secretary"), link(MEM, "m1", "b1")),
        )
    )
    everything = sorted(CITY)
    store.hierarchy(everything, AS_OF, AROUND)
    asked: list[list[str]] = []
    read = store._hierarchy

    def counted(ids: list[str], as_of: date, kinds: list[LinkKind]) -> Any:
        asked.append(list(ids))
        return read(ids, as_of, kinds)

    store._hierarchy = counted  # type: ignore[method-assign, assignment]
    other.write(WriteBatch(links=(link(POST, "m2", "b2", role="secretary", start=D6),)))
    found = store.hierarchy(everything, AS_OF, AROUND)
    assert asked == [["b2"]]  # b2 and what is above it, not the six
    assert found == other.hierarchy(everything, AS_OF, AROUND)
    assert [(x.source, x.target) for x in found.links[POST]] == [("m1", "b1"), ("m2", "b2")]
    assert found.nodes["m2"].name == "李四"
    # The post ended, and m1 renamed: b1 again; m2's name is still kept.
    ended = date(2019, 6, 2)
    other.write(WriteBatch(end_links=((link(POST, "m1", "b1", role="secretary").id, ended),)))
    other.write(WriteBatch(nodes=(member("m1", "张三丰", start=ended),)))
    found = store.hierarchy(everything, AS_OF, AROUND)
    assert asked == [["b2"], ["b1"]]
    assert found == other.hierarchy(everything, AS_OF, AROUND)
    assert [(x.source, x.target) for x in found.links[POST]] == [("m2", "b2")]
    assert "m1" not in found.nodes  # no link of the answer comes from m1 any more


def test_a_member_written_reads_the_counts_of_its_organizations_again(
    pair: tuple[Neo4jStore, Neo4jStore],
) -> None:
    # b1: m1 (full) and m2 (probationary until 2019-06-01); b2: m3 (full).
    store, other = pair
    other.read_cache_entries = 0  # the recount
    other.write(
        WriteBatch(
            nodes=(member("m1", "张三"), member("m2", "李四", status="probationary")),
            links=(link(MEM, "m1", "b1"), link(MEM, "m2", "b1")),
        )
    )
    start = date(2012, 1, 1)
    other.write(
        WriteBatch(
            nodes=(member("m3", "王五", start=start),), links=(link(MEM, "m3", "b2", start=start),)
        )
    )
    targets = sorted(CITY)

    def full(s: Neo4jStore) -> dict[str, int]:
        return s.count_links_from(MEM, AS_OF, targets=targets, where={"status": "full"})

    assert full(store) == {"b1": 1, "b2": 1}
    assert store.count_links(MEM, AS_OF, targets=targets) == {"b1": 2, "b2": 1}
    # m2 a full member from 2019-06-01: the full count read again for m2's organizations.
    sent = _statements(store)
    other.write(WriteBatch(nodes=(member("m2", "李四", start=D6),)))
    assert full(store) == {"b1": 2, "b2": 1} == full(other)
    assert store.count_links(MEM, AS_OF, targets=targets) == {"b1": 2, "b2": 1}
    assert sent == [q.STATE_SINCE, STATED + q.ROLLUP_FULL_OF, q.STATE_SINCE]
    # m1 leaves b1 on 2019-06-01: both counts read again, at b1 only.
    sent.clear()
    other.write(WriteBatch(end_links=((link(MEM, "m1", "b1").id, D6),)))
    assert full(store) == {"b1": 1, "b2": 1} == full(other)
    assert store.count_links(MEM, AS_OF, targets=targets) == {"b1": 1, "b2": 1}
    patched = [STATED + q.ROLLUP_FULL_OF, q.STATE_SINCE, STATED + q.ROLLUP_MEMBERS_OF]
    assert sent == [q.STATE_SINCE, *patched]
    # m3 leaves b2's only membership: b2 drops out of both counts.
    sent.clear()
    other.write(WriteBatch(end_links=((link(MEM, "m3", "b2", start=start).id, D6),)))
    assert full(store) == {"b1": 1} == full(other)
    assert store.count_links(MEM, AS_OF, targets=targets) == {"b1": 1}


def test_a_chain_s_node_and_hierarchy_are_read_in_one_statement(
    pair: tuple[Neo4jStore, Neo4jStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A responsibility chain reads its subject's node, then that one organization's
    # hierarchy. Once the store has seen that, an organization's node is read with its
    # hierarchy (one statement), and the hierarchy that follows costs none.
    store, other = pair
    other.read_cache_entries = 0  # the recount
    other.write(
        WriteBatch(
            nodes=(member("m1", "张三"),),
            links=(link(MEM, "m1", "b1"), link(POST, "m1", "b1", role="secretary")),
        )
    )
    store.node("b1", AS_OF)
    store.hierarchy(["b1"], AS_OF, AROUND)  # learnt here
    sent = _statements(store)
    for org_id in ("b2", "630102001"):
        assert store.node(org_id, AS_OF) == other.node(org_id, AS_OF)
        assert store.hierarchy([org_id], AS_OF, AROUND) == other.hierarchy([org_id], AS_OF, AROUND)
    assert len(sent) == 2 and all(
        x.startswith(STATED + "CALL () { MATCH (v:NodeVersion") for x in sent
    )
    # A member's node: one statement too (its hierarchy part finds nothing, kept nothing).
    del store._rows
    sent = _statements(store)
    assert store.node("m1", AS_OF) == other.node("m1", AS_OF)
    assert len(sent) == 1
    # A write at b2: its kept hierarchy is read again there, after the node's check.
    other.write(WriteBatch(links=(link(POST, "m1", "b2", role="secretary", start=D6),)))
    assert store.node("b2", AS_OF) == other.node("b2", AS_OF)
    found = store.hierarchy(["b2"], AS_OF, AROUND)
    assert found == other.hierarchy(["b2"], AS_OF, AROUND)
    assert [(x.source, x.target) for x in found.links[POST]] == [("m1", "b2")]
    # Organizations' nodes read with no hierarchy after them: nodes are read alone again.
    monkeypatch.setattr("orggraph.store.neo4j.FOLLOW_UNUSED", 1)
    for org_id in ("630100", "630102", "630103"):
        store.node(org_id, AS_OF)
    assert store._follow is None


def test_a_chain_s_hierarchy_after_this_store_wrote_is_read_again(
    pair: tuple[Neo4jStore, Neo4jStore],
) -> None:
    # A node read, then a write of this store at that organization, then its hierarchy:
    # the hierarchy is not served as of the node's state.
    store, _ = pair
    store.node("b1", AS_OF)
    store.hierarchy(["b1"], AS_OF, AROUND)  # a chain seen
    store.node("b2", AS_OF)  # with its hierarchy
    store.write(
        WriteBatch(
            nodes=(member("m1", "张三"),),
            links=(link(POST, "m1", "b2", role="secretary", start=D6),),
        )
    )
    found = store.hierarchy(["b2"], AS_OF, AROUND)
    assert [(x.source, x.target) for x in found.links[POST]] == [("m1", "b2")]
