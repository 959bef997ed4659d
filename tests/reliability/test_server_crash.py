"""The server killed with SIGKILL under a write load, again and again (embedded store).

Each cycle starts ``orggraph serve`` (its child imported everything beforehand, so a
restart costs the store's opening), checks the restarted server against the file, puts
three writers to work (new branches, each with its parent link; new members), and kills
the server with SIGKILL at a random moment. After each kill:

- every write the server acknowledged is in the SQLite file, with its link;
- every write in flight at the kill (sent, not answered) is wholly there or wholly absent;
- ``orggraph check`` passes.

After each restart, the index the server answers from equals the file: the digest it
reports (``/healthz?deep=1``) is the digest of the file opened anew, and it answers for a
sample of the acknowledged branches with the parent they were created under.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from orggraph.store.embedded import EmbeddedStore
from tests.reliability.harness import (
    CREATE_MEMBER,
    CREATE_ORG,
    DISTRICTS,
    READ_ORG,
    SCALE,
    ServerProcess,
    admin_token,
    api_client,
    deep_health,
    member_input,
    org_input,
    post,
    run_cli,
    seed_forest,
)

CYCLES = 12 * SCALE
WRITERS = 3


@dataclass
class Writes:
    lock: threading.Lock = field(default_factory=threading.Lock)
    # id → the organization its link goes to (a branch's parent, a member's branch)
    acked: dict[str, str] = field(default_factory=dict)
    in_flight: dict[str, str] = field(default_factory=dict)
    odd: list[str] = field(default_factory=list)


def _writer(
    base: str, token: str, cycle: int, number: int, writes: Writes, stop: threading.Event
) -> None:
    rng = random.Random(cycle * 10 + number)
    step = 0
    with api_client(token, timeout=30) as client:
        while not stop.is_set():
            step += 1
            parent = rng.choice(DISTRICTS)
            if rng.random() < 0.7:
                name = f"k{cycle:02d}-w{number}-org{step:04d}"
                query, variables = CREATE_ORG, {"input": org_input(name, parent)}
                field_name = "createOrganization"
            else:
                name = f"k{cycle:02d}-w{number}-member{step:04d}"
                query, variables = CREATE_MEMBER, {"input": member_input(name, parent)}
                field_name = "createMember"
            with writes.lock:
                writes.in_flight[name] = parent
            answer = post(client, base, query, variables)
            with writes.lock:
                if answer.acknowledged(field_name):
                    writes.acked[name] = writes.in_flight.pop(name)
                elif answer.status is None:
                    return  # the server is gone: this write stays "in flight"
                else:
                    writes.in_flight.pop(name)
                    writes.odd.append(f"{name}: {answer.status} {answer.text[:200]}")


def _in_file(db: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """Node ids and (source, target) of links, read from the file by SQLite alone."""
    with closing(sqlite3.connect(db)) as con:
        nodes = {row[0] for row in con.execute("SELECT id FROM nodes")}
        links = {(row[0], row[1]) for row in con.execute("SELECT source, target FROM links")}
    return nodes, links


@pytest.mark.slow
@pytest.mark.timeout(115 * SCALE)
def test_sigkill_under_write_load(tmp_path: Path) -> None:
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    db = tmp_path / "crash.db"
    url = f"sqlite:///{db}"
    with EmbeddedStore(db) as store:
        store.write(seed_forest(), actor="seed")
        token = admin_token(store)
    writes = Writes()
    crashes = 0
    in_flight_total = in_flight_committed = 0
    started = time.monotonic()
    server = ServerProcess(url, tmp_path / "server.log")
    children = [server]
    try:
        for cycle in range(CYCLES + 1):
            server.start()
            # The next one imports while this one serves (it opens the store only on "go").
            following = ServerProcess(url, tmp_path / "server.log", port=server.port)
            children.append(following)
            # The restarted server's index equals the file, and it answers from it.
            reported = deep_health(server.url, token)
            with EmbeddedStore(db) as fresh:
                assert reported["digest"] == fresh.digest(), f"cycle {cycle}"
            branches = sorted(k for k in writes.acked if "-org" in k)
            sample = rng.sample(branches, min(5, len(branches)))
            with api_client(token, timeout=30) as client:
                for oid in sample:
                    answer = post(client, server.url, READ_ORG, {"id": oid, "asOf": "2020-01-01"})
                    org = answer.body["data"]["organization"]
                    assert org["parent"]["id"] == writes.acked[oid], answer.text
            if cycle == CYCLES:
                break
            stop = threading.Event()
            threads = [
                threading.Thread(target=_writer, args=(server.url, token, cycle, n, writes, stop))
                for n in range(WRITERS)
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.3, 1.2))
            server.kill()
            crashes += 1
            stop.set()
            for thread in threads:
                thread.join(timeout=30)

            nodes, links = _in_file(db)
            lost = [k for k, p in writes.acked.items() if k not in nodes or (k, p) not in links]
            assert lost == [], f"cycle {cycle}: acknowledged writes lost: {lost[:10]}"
            with writes.lock:
                pending, writes.in_flight = writes.in_flight, {}
            for name, parent in pending.items():
                whole = name in nodes and (name, parent) in links
                absent = name not in nodes and not any(s == name for s, _ in links)
                assert whole or absent, f"cycle {cycle}: {name} half written"
                in_flight_total += 1
                in_flight_committed += whole
            code, output = run_cli(["--store", url, "check"])
            assert code == 0, f"cycle {cycle}: orggraph check: {output}"
            server = following
    finally:
        for child in children:
            child.kill()
    assert writes.odd == [], writes.odd[:5]
    print(
        f"\nseed {seed}: crashes survived {crashes}, writes acknowledged {len(writes.acked)}, "
        f"writes lost 0, in flight at a kill {in_flight_total} "
        f"({in_flight_committed} committed, {in_flight_total - in_flight_committed} not), "
        f"{time.monotonic() - started:.1f} s"
    )
    assert crashes == CYCLES and len(writes.acked) > CYCLES
