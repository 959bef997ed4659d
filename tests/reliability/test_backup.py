"""``orggraph backup`` and ``orggraph restore``: round trips checked by digest, refusals, and
a backup taken while the API is writing.

The round trip writes a small city with some history (a branch moved on 2015-01-01, a
fact), backs it up through the CLI, and restores it into an empty embedded store (and, in
the Neo4j test, from one store into the other): the restored store's ``digest()`` equals
the source's, and b2's parent is 630102001 before 2015-01-01 and 630103 from then on, as
written by hand below.

The backup under load runs ``orggraph serve`` with one writer creating branches s00001,
s00002, … one after the other, each with its parent link. A consistent backup holds
exactly the first j of them for some j, each with its link (a prefix: the writes are
sequential and each is one transaction), and every branch acknowledged before the backup
began.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from contextlib import closing
from datetime import date
from pathlib import Path

import orjson
import pytest

from orggraph.errors import OrgGraphError
from orggraph.model import Fact, Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.backup import backup
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.neo4j import Neo4jStore
from tests.api.graphs import small_city
from tests.neo4j_server import ServerInfo
from tests.reliability.conftest import Target, neo4j_env
from tests.reliability.harness import (
    CREATE_ORG,
    DISTRICTS,
    SCALE,
    SEED_DAY,
    admin_token,
    api_client,
    org_input,
    post,
    seed_forest,
    serving,
)
from tests.reliability.harness import (
    run_cli as run,
)

MOVED = date(2015, 1, 1)


def write_history(store: GraphStore) -> None:
    """small_city; b2 moved from 630102001 to 630103 on 2015-01-01; a fact of b1 for 2018."""
    store.write(small_city())
    sub = LinkKind.SUBORDINATE_TO
    store.write(
        WriteBatch(
            links=(Link(kind=sub, source="b2", target="630103", valid_from=MOVED),),
            end_links=((f"{sub}:b2>630102001", MOVED),),
        )
    )
    store.write(WriteBatch(facts=(Fact(node_id="b1", year=2018, name="meetings_held", value=12),)))


def _check_b2(store: GraphStore) -> None:
    assert store.parent("b2", date(2014, 12, 31)) == "630102001"
    assert store.parent("b2", MOVED) == "630103"
    assert store.facts(["b1"], 2018) == {"b1": {"meetings_held": 12}}


def test_backup_and_restore_round_trip(target: Target, tmp_path: Path) -> None:
    write_history(target.store)
    expected = target.store.digest()
    file = tmp_path / "backup.db"
    code, output = run(["--store", target.url, "backup", "-o", str(file)], env=target.env)
    assert code == 0, output
    assert expected in output  # the digest is shown

    code, output = run(["restore", str(file), "--info", "--json"])
    assert code == 0, output
    info = orjson.loads(output)
    assert info["format"] == "orggraph-backup/1" and info["digest"] == expected
    # By hand: small_city has 15 nodes (6 organizations, 6 people, wg01, e1, u1) and 21
    # links (5 of the hierarchy, 16 listed in tests/api/graphs.py, u1's place among them);
    # the move closes one version and adds one: 22 link versions. One fact.
    assert (info["node_versions"], info["link_versions"], info["facts"]) == (15, 22, 1)

    into = tmp_path / "restored.db"
    code, output = run(["--store", f"sqlite:///{into}", "restore", str(file)])
    assert code == 0, output
    with EmbeddedStore(into) as restored:
        assert restored.digest() == expected
        _check_b2(restored)
        actions = [a["action"] for a in restored.audit_log()]
        assert actions[0] == "restore" and actions.count("write") == 3  # the trail came along

    # A backup is a working embedded store by itself.
    code, output = run(["--store", f"sqlite:///{file}", "check"])
    assert code == 0, output


def test_restore_refuses_what_it_cannot_restore_whole(tmp_path: Path) -> None:
    source = tmp_path / "source.db"
    with EmbeddedStore(source) as store:
        write_history(store)
        expected = store.digest()
    file = tmp_path / "backup.db"
    assert run(["--store", f"sqlite:///{source}", "backup", "-o", str(file)])[0] == 0
    code, output = run(["--store", f"sqlite:///{source}", "backup", "-o", str(file)])
    assert code == 2 and "already exists" in output  # no silent overwrite

    # Into a store that holds data: refused, the store untouched; --replace replaces.
    other = tmp_path / "other.db"
    with EmbeddedStore(other) as store:
        store.write(seed_forest())
        before = store.digest()
    code, output = run(["--store", f"sqlite:///{other}", "restore", str(file)])
    assert code == 2 and "restore-target-not-empty" in output
    with EmbeddedStore(other) as store:
        assert store.digest() == before
    code, output = run(["--store", f"sqlite:///{other}", "restore", str(file), "--replace"])
    assert code == 0, output
    with EmbeddedStore(other) as store:
        assert store.digest() == expected
        assert store.node("630101", SEED_DAY) is None  # the seed is gone
        # The audit trail is append-only: the seed's write stays, then the restore.
        assert [a["action"] for a in store.audit_log()][:2] == ["restore", "write"]

    # A damaged or edited backup: refused before anything is written.
    tampered = tmp_path / "tampered.db"
    tampered.write_bytes(file.read_bytes())
    with closing(sqlite3.connect(tampered)) as db:
        db.execute("UPDATE nodes SET name = '改过的名字' WHERE id = 'b1'")
        db.commit()
    empty = tmp_path / "empty.db"
    code, output = run(["--store", f"sqlite:///{empty}", "restore", str(tampered)])
    assert code == 2 and "backup-digest" in output, output
    with EmbeddedStore(empty) as store:
        assert next(store.all_nodes(), None) is None

    not_a_backup = tmp_path / "notes.db"
    not_a_backup.write_text("这不是备份 not a backup\n")
    code, output = run(["--store", f"sqlite:///{empty}", "restore", str(not_a_backup)])
    assert code == 2 and "backup-format" in output
    code, output = run(["--store", f"sqlite:///{empty}", "restore", str(tmp_path / "none.db")])
    assert code == 2 and "file-not-found" in output


@pytest.mark.neo4j
def test_backups_move_between_stores(tmp_path: Path, neo4j_server: ServerInfo) -> None:
    env = neo4j_env(neo4j_server)
    source = tmp_path / "source.db"
    with EmbeddedStore(source) as store:
        write_history(store)
        expected = store.digest()
    file = tmp_path / "embedded-backup.db"
    assert run(["--store", f"sqlite:///{source}", "backup", "-o", str(file)])[0] == 0

    info = neo4j_server
    with Neo4jStore(info.uri, user=info.user, password=info.password) as neo4j:
        neo4j.clear(keep_audit=False)
        neo4j.write(seed_forest())  # something to replace
    code, output = run(["--store", info.uri, "restore", str(file), "--replace"], env=env)
    assert code == 0, output
    with Neo4jStore(info.uri, user=info.user, password=info.password) as neo4j:
        assert neo4j.digest() == expected
        _check_b2(neo4j)
        neo4j.write(
            WriteBatch(
                nodes=(
                    Node(
                        id="e9",
                        kind=NodeKind.EXPERT,
                        name="新专家",
                        valid_from=SEED_DAY,
                        attrs={"field": "水利"},
                    ),
                )
            )
        )
        expected = neo4j.digest()

    back = tmp_path / "neo4j-backup.db"
    code, output = run(["--store", info.uri, "backup", "-o", str(back)], env=env)
    assert code == 0, output
    into = tmp_path / "restored.db"
    code, output = run(["--store", f"sqlite:///{into}", "restore", str(back)])
    assert code == 0, output
    with EmbeddedStore(into) as restored:
        assert restored.digest() == expected
        assert restored.node("e9", SEED_DAY) is not None


@pytest.mark.neo4j
@pytest.mark.timeout(110)
def test_backups_never_set_the_audit_counter_back(neo4j_server: ServerInfo, tmp_path: Path) -> None:
    """Backups taken while other connections append audit records: every record gets its
    own ``seq``. (The backup's lock once read the counter before locking it and wrote that
    value back: a record committed in between was then followed by a second record with
    its ``seq``, refused by the unique constraint, and so every write after it.)

    By hand: one record at the start, ``ROUNDS`` from each of two appenders, one per
    backup; with no collision the trail's ``seq`` values are exactly 1 … their sum.
    """
    info = neo4j_server
    with Neo4jStore(info.uri, user=info.user, password=info.password) as first:
        first.clear(keep_audit=False)
        first.record_audit("reliability", "start", {})
    rounds = 60 * SCALE
    errors: list[str] = []
    backups = 0
    stop = threading.Event()

    def append(name: str) -> None:
        with Neo4jStore(info.uri, user=info.user, password=info.password) as store:
            for i in range(rounds):
                try:
                    store.record_audit(name, "read", {"i": i})
                except OrgGraphError as exc:
                    errors.append(f"{name} {i}: {exc}")

    def back_up() -> None:
        nonlocal backups
        with Neo4jStore(info.uri, user=info.user, password=info.password) as store:
            while not stop.is_set():
                try:
                    backup(store, tmp_path / f"b{backups}.db")
                except OrgGraphError as exc:
                    errors.append(f"backup {backups}: {exc}")
                    return
                backups += 1

    backer = threading.Thread(target=back_up)
    backer.start()
    appenders = [threading.Thread(target=append, args=(n,)) for n in ("a", "b")]
    for thread in appenders:
        thread.start()
    for thread in appenders:
        thread.join(timeout=100)
    stop.set()
    backer.join(timeout=100)
    assert errors == []
    assert backups >= 1
    with Neo4jStore(info.uri, user=info.user, password=info.password) as store:
        seqs = sorted(record["seq"] for record in store.audit_log(limit=10_000))
    assert seqs == list(range(1, 1 + 2 * rounds + backups + 1))
    print(f"\n[neo4j] {backups} backups raced {2 * rounds} audit records: no seq reused")


def _bulk(count: int) -> WriteBatch:
    """``count`` members of 630101: enough rows that a backup takes a moment."""
    nodes = tuple(
        Node(
            id=f"bulk{i:05d}",
            kind=NodeKind.MEMBER,
            name=f"党员{i}",
            valid_from=SEED_DAY,
            attrs={
                "gender": "male",
                "ethnicity": "汉族",
                "education": "bachelor",
                "birth_year": 1980,
                "join_date": date(2005, 7, 1),
                "status": "full",
                "is_leader": False,
            },
        )
        for i in range(count)
    )
    links = tuple(
        Link(kind=LinkKind.MEMBER_OF, source=n.id, target="630101", valid_from=SEED_DAY)
        for n in nodes
    )
    return WriteBatch(nodes=nodes, links=links)


@pytest.mark.timeout(110)
def test_a_backup_taken_while_the_api_writes(target: Target, tmp_path: Path) -> None:
    target.store.write(seed_forest())
    target.store.write(_bulk(3000))
    token = admin_token(target.store)
    acked: list[tuple[float, str]] = []
    stop = threading.Event()
    failures: list[str] = []

    def writer(base: str) -> None:
        with api_client(token, timeout=60) as client:
            n = 0
            while not stop.is_set():
                n += 1
                oid = f"s{n:05d}"
                variables = {"input": org_input(oid, DISTRICTS[n % 3])}
                answer = post(client, base, CREATE_ORG, variables)
                if not answer.acknowledged("createOrganization"):
                    failures.append(f"{oid}: {answer.status} {answer.text[:1000]}")
                    return
                acked.append((time.monotonic(), oid))

    file = tmp_path / "live.db"
    with serving(target.url, tmp_path, env=target.env) as server:
        thread = threading.Thread(target=writer, args=(server.url,))
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while len(acked) < 5 and time.monotonic() < deadline and not failures:
                time.sleep(0.05)
            began = time.monotonic()
            code, output = run(["--store", target.url, "backup", "-o", str(file)], env=target.env)
            ended = time.monotonic()
            after = len(acked)
            deadline = time.monotonic() + 30
            while len(acked) < after + 3 and time.monotonic() < deadline and not failures:
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join(timeout=60)
    assert failures == []
    assert code == 0, output

    with closing(sqlite3.connect(file)) as db:
        present = sorted(r[0] for r in db.execute("SELECT id FROM nodes WHERE id LIKE 's%'"))
        linked = sorted(
            r[0]
            for r in db.execute(
                "SELECT source FROM links WHERE source LIKE 's%' AND kind = 'subordinate_to'"
            )
        )
    j = len(present)
    assert present == [f"s{n:05d}" for n in range(1, j + 1)]  # a prefix: a snapshot
    assert linked == present  # each branch whole: node and link
    before = [oid for t, oid in acked if t < began]
    assert set(before) <= set(present)
    during = sum(began <= t <= ended for t, _ in acked)
    print(
        f"\n[{target.backend}] backup under load: {len(acked)} writes acknowledged "
        f"({len(before)} before the backup, {during} while it ran), the backup holds the "
        f"first {j}; took {ended - began:.2f} s"
    )
    into = tmp_path / "restored.db"
    code, output = run(["--store", f"sqlite:///{into}", "restore", str(file)])
    assert code == 0, output
    recorded = re.search(r"digest verified: ([0-9a-f]{64})", output)
    assert recorded is not None
    with EmbeddedStore(into) as restored:
        assert restored.digest() == recorded.group(1)
        assert restored.count_nodes(NodeKind.MEMBER, SEED_DAY, "status") == {"full": 3000}
