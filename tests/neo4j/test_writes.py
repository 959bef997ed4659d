"""Writes on Neo4j: idempotent when retried, exact round trips, the contract's orders."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import neo4j
import pytest

from orggraph.model import Changes, Fact, LinkKind, Node, NodeKind, WriteBatch, plan
from orggraph.store import neo4j_tx
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.neo4j import Neo4jStore, changes_payload, write_changes
from orggraph.store.neo4j_cypher import GRAPH_VERSION
from tests.graphs import link, member, org, tiny_city
from tests.neo4j_server import ServerInfo

pytestmark = pytest.mark.neo4j


def test_a_retried_write_leaves_one_copy_and_one_audit_record(
    neo4j_store: Neo4jStore, tmp_path: Path
) -> None:
    changes = plan(neo4j_store, tiny_city())
    payload = changes_payload(changes, "tester")
    # The driver may run a transaction function again when it cannot tell whether the
    # commit went through: twice in one transaction, then once more in another.
    with neo4j_store._driver.session() as session:
        session.execute_write(lambda tx: (write_changes(tx, payload), write_changes(tx, payload)))
        session.execute_write(write_changes, payload)
    # tiny_city: 6 organizations, 5 hierarchy links, no facts.
    assert neo4j_store.counts() == {"node_versions": 6, "link_versions": 5, "facts": 0}
    with EmbeddedStore(tmp_path / "once.db") as once:
        once.write(tiny_city())
        assert neo4j_store.digest() == once.digest()
    log = neo4j_store.audit_log()
    assert [(r["seq"], r["actor"]) for r in log] == [(1, "tester")]
    assert log[0]["detail"]["counts"]["nodes_added"] == 6


def test_a_retry_after_a_commit_it_could_not_confirm_is_done_not_a_conflict(
    neo4j_store: Neo4jStore,
) -> None:
    # The write was planned at the graph's version; the first attempt committed (and moved
    # the version); the driver, not told so, runs the function again. It must find its
    # audit record and stop: neither a second copy nor a refusal as "planned at another
    # version".
    changes = plan(neo4j_store, tiny_city())
    payload = changes_payload(changes, "tester")
    payload["expected_version"] = neo4j_store._rows(GRAPH_VERSION)[0][0]
    with neo4j_store._driver.session() as session:
        session.execute_write(write_changes, payload)
        session.execute_write(write_changes, payload)
    assert neo4j_store.counts() == {"node_versions": 6, "link_versions": 5, "facts": 0}
    assert [r["actor"] for r in neo4j_store.audit_log()] == ["tester"]


def test_a_bulk_batch_retried_after_its_commit_rolls_back_and_is_done(
    neo4j_store: Neo4jStore,
) -> None:
    # A bulk load's batch moves the graph's version after writing its versions
    # (lock_last), so two batches can be written side by side. Run again after a commit it
    # could not confirm, it finds its audit record only at the end (the load has dropped
    # the keys that would refuse the copy): it must undo what it wrote and say it is
    # done, leaving one copy and one audit record.
    changes = plan(neo4j_store, tiny_city())
    payload = changes_payload(changes, "tester")
    payload["lock_last"] = True
    with neo4j_store.bulk_load("tester"), neo4j_store._driver.session() as session:
        session.execute_write(write_changes, payload)
        with pytest.raises(neo4j_tx.AlreadyWritten):
            session.execute_write(write_changes, payload)
    assert neo4j_store.counts() == {"node_versions": 6, "link_versions": 5, "facts": 0}
    assert [r["actor"] for r in neo4j_store.audit_log()] == ["tester"]


def test_in_a_bulk_load_a_write_found_done_is_undone_quietly(
    neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The store's own path: every payload gets the same write id, as the driver's second
    # attempt of one write would. In a bulk load the keys are not there to refuse the
    # second copy: the audit record found at the end must undo it.
    made = neo4j_tx._audit_params

    def same_write_id(actor: str, action: str, detail: object) -> dict[str, object]:
        return made(actor, action, detail) | {"write_id": "one-write"}

    monkeypatch.setattr(neo4j_tx, "_audit_params", same_write_id)
    changes = plan(neo4j_store, tiny_city())
    with neo4j_store.bulk_load("tester"):
        neo4j_store._apply(changes, "tester")
        neo4j_store._apply(changes, "tester")
    assert neo4j_store.counts() == {"node_versions": 6, "link_versions": 5, "facts": 0}
    assert [r["actor"] for r in neo4j_store.audit_log()] == ["tester"]


def test_a_version_already_stored_is_refused_with_the_whole_batch(
    neo4j_store: Neo4jStore,
) -> None:
    # Versions a plan adds are new; one that is somehow stored already (here: added by hand
    # past the planner) breaks the key, and nothing of its batch is written.
    from orggraph.errors import OrgGraphError

    neo4j_store.write(tiny_city())
    before = neo4j_store.digest()
    again = org("b1", "夏都花园社区党支部", "grassroots", "branch", sector="community")
    fresh = member("m1", "张三")
    with pytest.raises(OrgGraphError) as caught:
        neo4j_store._apply(Changes(add_nodes=[fresh, again]), "tester")
    assert isinstance(caught.value.__cause__, neo4j.exceptions.ConstraintError)
    assert neo4j_store.digest() == before
    assert neo4j_store.node("m1", date(2020, 1, 1)) is None
    assert len(neo4j_store.audit_log()) == 1  # tiny_city's write only


def test_audit_records_are_numbered_newest_first(neo4j_store: Neo4jStore) -> None:
    neo4j_store.write(tiny_city(), actor="a")
    neo4j_store.write(WriteBatch(nodes=(member("m1", "张三"),)), actor="b")
    neo4j_store.record_audit("c", "read", {"what": "member list"})
    log = neo4j_store.audit_log()
    assert [(r["seq"], r["actor"], r["action"]) for r in log] == [
        (3, "c", "read"),
        (2, "b", "write"),
        (1, "a", "write"),
    ]
    assert neo4j_store.audit_log(limit=1)[0]["seq"] == 3


AWKWARD = {
    "term_ends": date(2021, 3, 31),  # a date field: back as a date
    "code": "630102001",
    "sector": "community",
    "score": 1.0,  # a float that looks like an int stays a float
    "size": 1,
    "flag": False,
    "tags": ["甲", "乙"],
    "nested": {"k": [1, "two", None]},  # not a facet, not storable as a property: JSON only
}


def test_attributes_and_facts_round_trip_exactly(neo4j_store: Neo4jStore) -> None:
    node = org("b9", "某社区党支部", "grassroots", "branch", **AWKWARD)
    facts = (
        Fact(node_id="b9", year=2019, name="meetings_held", value=12),
        Fact(node_id="b9", year=2019, name="collective_income", value=12.0),
        Fact(node_id="b9", year=2019, name="venue_upgraded", value=True),
        Fact(node_id="b9", year=2018, name="assessment_grade", value="good"),
    )
    neo4j_store.write(WriteBatch(nodes=(node,), facts=facts), validate=False)
    (stored,) = neo4j_store.node_versions(["b9"])["b9"]
    expected = {k: v for k, v in node.attrs.items() if v is not None}  # None is not kept
    assert dict(stored.attrs) == expected
    assert type(stored.attrs["score"]) is float and type(stored.attrs["size"]) is int
    assert neo4j_store.facts(["b9", "nobody"], 2019) == {
        "b9": {"collective_income": 12.0, "meetings_held": 12, "venue_upgraded": True}
    }
    got = neo4j_store.facts(["b9"], 2019, names=["meetings_held"])["b9"]["meetings_held"]
    assert type(got) is int
    # Grouping by a facet (in Cypher) and by any other attribute (here) agree with str().
    assert neo4j_store.count_nodes(NodeKind.ORGANIZATION, date(2020, 1, 1), "sector") == {
        "community": 1
    }
    assert neo4j_store.count_nodes(NodeKind.ORGANIZATION, date(2020, 1, 1), "tags") == {
        "['甲', '乙']": 1
    }


def test_ids_sort_by_code_point_as_in_python(neo4j_store: Neo4jStore, tmp_path: Path) -> None:
    # U+20BB7 (outside the BMP) sorts after U+FF21 by code point, before it in UTF-16.
    ids = ["\U00020bb7", "\uff21", "a", "a\u00e9", "B", "b"]
    nodes = tuple(org(i, f"组织{n}", "grassroots", "branch") for n, i in enumerate(ids))
    members = (member("\U00020bb7m", "𠮷田"), member("m", "张三"))
    batch = WriteBatch(nodes=nodes + members)
    neo4j_store.write(batch)
    with EmbeddedStore(tmp_path / "e.db") as embedded:
        embedded.write(batch)
        # The contract: (kind, id, valid_from), code point order, as sorted() gives it.
        assert [n.id for n in neo4j_store.all_nodes()] == [n.id for n in embedded.all_nodes()]
        assert [n.id for n in neo4j_store.all_nodes()] == ["m", "\U00020bb7m", *sorted(ids)]
        assert neo4j_store.digest() == embedded.digest()


def test_pages_never_split_the_versions_of_one_id(
    neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three organizations with three versions each (renamed in 2012 and 2014): with pages
    # of two rows, every page ends inside an id; the iterator must still give all nine,
    # in (id, valid_from) order, each once.
    for year, suffix in ((2010, ""), (2012, "二"), (2014, "三")):
        batch = WriteBatch(
            nodes=tuple(
                org(i, f"组织{i}{suffix}", "grassroots", "branch", start=date(year, 1, 1))
                for i in ("x1", "x2", "x3")
            )
        )
        neo4j_store.write(batch)
    monkeypatch.setattr(neo4j_tx, "PAGE_ROWS", 2)
    got = [(n.id, n.valid_from.year) for n in neo4j_store.all_nodes()]
    assert got == [(i, y) for i in ("x1", "x2", "x3") for y in (2010, 2012, 2014)]


def test_reads_at_a_date_on_a_node_without_links(neo4j_store: Neo4jStore) -> None:
    neo4j_store.write(WriteBatch(nodes=(org("solo", "孤立党支部", "grassroots", "branch"),)))
    assert neo4j_store.subtree("solo", date(2020, 1, 1)) == ["solo"]
    assert neo4j_store.subtree("solo", date(2000, 1, 1)) == []
    assert neo4j_store.ancestors("solo", date(2020, 1, 1)) == []
    assert neo4j_store.links_touching(["solo"]) == []


def test_links_keep_the_order_of_the_ids_asked(neo4j_store: Neo4jStore) -> None:
    neo4j_store.write(tiny_city())
    when = date(2020, 1, 1)
    sub = LinkKind.SUBORDINATE_TO
    got = neo4j_store.links(sub, when, sources=["b2", "630103", "b1"])
    assert [(x.source, x.target) for x in got] == [
        ("b2", "630102001"),
        ("630103", "630100"),
        ("b1", "630102001"),
    ]
    got = neo4j_store.links(sub, when, targets=["630102001"])
    assert [x.source for x in got] == ["b1", "b2"]  # one target: then by link id
    got = neo4j_store.links(sub, when, sources=["b1", "b2"], targets=["630100"])
    assert got == []


def test_a_cypher_error_is_not_a_connection_error(neo4j_store: Neo4jStore) -> None:
    from orggraph.errors import OrgGraphError, StoreUnavailable

    with pytest.raises(OrgGraphError) as caught:
        neo4j_store._rows("MATCH (n RETURN n")
    assert not isinstance(caught.value, StoreUnavailable)
    assert isinstance(caught.value.__cause__, neo4j.exceptions.CypherSyntaxError)


def test_search_ranks_exact_then_prefix_then_shorter_names(neo4j_store: Neo4jStore) -> None:
    neo4j_store.write(tiny_city())
    neo4j_store.write(
        WriteBatch(
            nodes=(
                org("630102009", "东关街道第二党工委", "township", "working_committee"),
                Node(
                    id="u1",
                    kind=NodeKind.UNIT,
                    name="东关商贸有限公司",
                    valid_from=date(2010, 1, 1),
                    attrs={"unit_kind": "non_public_enterprise", "full_members": 0},
                ),
            )
        )
    )
    when = date(2020, 1, 1)
    # "东关": no exact match; all three start with it: shorter names first (7 < 8 = 8
    # characters), then by id ("630102001" < "u1").
    assert [n.id for n in neo4j_store.search("东关", when)] == ["630102001", "u1", "630102009"]
    assert [n.id for n in neo4j_store.search("东关", when, kinds=[NodeKind.UNIT])] == ["u1"]
    # An exact id first, then the ids it begins.
    assert [n.id for n in neo4j_store.search("630102", when)] == [
        "630102",
        "630102001",
        "630102009",
    ]
    assert neo4j_store.search("东关", when, limit=1)[0].id == "630102001"
    assert neo4j_store.search("  ", when) == []


def test_link_versions_and_history_reads(neo4j_store: Neo4jStore) -> None:
    neo4j_store.write(tiny_city())
    old = link(LinkKind.SUBORDINATE_TO, "b1", "630102001").id
    neo4j_store.write(
        WriteBatch(
            end_links=((old, date(2015, 1, 1)),),
            links=(link(LinkKind.SUBORDINATE_TO, "b1", "630103", start=date(2015, 1, 1)),),
        )
    )
    versions = neo4j_store.link_versions([old, "nonsense", "covers:x>y"])
    assert list(versions) == [old]
    assert [(v.valid_from, v.valid_to) for v in versions[old]] == [
        (date(2010, 1, 1), date(2015, 1, 1))
    ]
    touching = neo4j_store.links_touching(["b1"])
    assert [(x.target, x.valid_from) for x in touching] == [
        ("630102001", date(2010, 1, 1)),
        ("630103", date(2015, 1, 1)),
    ]
    # Dates where something began or ended: 2010 (the city), 2012 (b2), 2015 (the move).
    assert neo4j_store.change_dates() == [date(2010, 1, 1), date(2012, 1, 1), date(2015, 1, 1)]


def test_a_writer_waiting_for_the_audit_counter_reads_it_after_the_lock(
    neo4j_store: Neo4jStore, neo4j_server: ServerInfo
) -> None:
    # Writer A takes the audit counter (seq 2) and holds its transaction open; writer B, in
    # another driver (another API process), must wait for A's lock and then count on from
    # A's number: 3, not a second 2.
    import threading

    from orggraph.store.neo4j_cypher import AUDIT
    from orggraph.store.neo4j_tx import _audit_params

    neo4j_store.record_audit("first", "read", {})  # seq 1
    errors: list[BaseException] = []

    def writer_b() -> None:
        with Neo4jStore(neo4j_server.uri) as other:
            try:
                other.record_audit("b", "read", {})
            except BaseException as exc:  # reported below
                errors.append(exc)

    with neo4j_store._driver.session() as session, session.begin_transaction() as tx:
        tx.run(AUDIT, _audit_params("a", "read", {})).consume()
        b = threading.Thread(target=writer_b)
        b.start()
        b.join(timeout=2)
        assert b.is_alive()  # B waits for A's lock on the counter
        tx.commit()
    b.join(timeout=60)
    assert errors == []
    log = neo4j_store.audit_log()
    assert [(r["seq"], r["actor"]) for r in log] == [(3, "b"), (2, "a"), (1, "first")]
