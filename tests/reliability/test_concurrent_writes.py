"""Concurrent writes through the API, on each store: nothing acknowledged is lost, nothing
is acknowledged before it is committed, and conflicting moves keep the hierarchy a forest.

A real ``orggraph serve`` runs in a subprocess; four client threads (httpx) send a seeded
random mix of writes (new branches, new members, moves) and reads (an organization, a
search). After each acknowledged write the test reads the store itself (the SQLite file,
or Neo4j through a driver of its own): what was acknowledged must already be committed.

Then pairs of conflicting moves are sent at the same moment: pA<i> under pB<i> and pB<i>
under pA<i>, both from the same day. Each alone is sound; together they make a cycle. One
must be written and the other refused with ``hierarchy-acyclic`` (worked out by hand: the
two branches start side by side under 630101, so whichever commits first leaves the
other's move closing a two-node loop).

Afterwards the store is opened anew: every acknowledged write is there with its parent,
``orggraph check`` finds nothing (the hierarchy is a forest at every date, which covers
every commit, since history is only appended to), and its digest equals the digest the
running server reports (``/healthz?deep=1``).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from orggraph.model import LinkKind
from orggraph.store.integrity import integrity_problems
from tests.reliability.conftest import Target
from tests.reliability.harness import (
    CREATE_MEMBER,
    CREATE_ORG,
    DISTRICTS,
    MOVE_ORG,
    READ_ORG,
    SCALE,
    SEARCH,
    SEED_DAY,
    admin_token,
    api_client,
    deep_health,
    member_input,
    org_input,
    post,
    seed_forest,
    serving,
)

CLIENTS = 4
OPS = 24 * SCALE  # per client
PAIRS = 6 * SCALE
MOVE_DAY = date(2021, 1, 1)
CYCLE_DAY = date(2022, 1, 1)


@dataclass
class Ledger:
    """What the clients were told, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    orgs: dict[str, str] = field(default_factory=dict)  # id → parent it was created under
    members: dict[str, str] = field(default_factory=dict)  # id → organization
    moves: list[tuple[str, str, date]] = field(default_factory=list)  # id, parent, from
    refused: int = 0
    reads: int = 0
    uncommitted_acks: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def any_org(self, rng: random.Random) -> str | None:
        with self.lock:
            return rng.choice(sorted(self.orgs)) if self.orgs else None


def _client(base: str, token: str, number: int, ledger: Ledger, probe: Any, seed: int) -> None:
    rng = random.Random(seed * 100 + number)
    made: list[str] = []  # this client's branches, the only ones it moves
    moved_until: dict[str, date] = {}
    with api_client(token) as client:
        for step in range(OPS):
            roll = rng.random()
            if roll < 0.35 or not made:
                oid = f"c{number}o{step:03d}"
                parent = rng.choice([*DISTRICTS, *made[-3:]])
                answer = post(client, base, CREATE_ORG, {"input": org_input(oid, parent)})
                if answer.acknowledged("createOrganization"):
                    if not (probe.node(oid) and probe.parent_link(oid, parent)):
                        ledger.uncommitted_acks.append(oid)
                    with ledger.lock:
                        ledger.orgs[oid] = parent
                    made.append(oid)
                else:
                    ledger.failures.append(f"create {oid}: {answer.status} {answer.text[:300]}")
            elif roll < 0.55:
                mid = f"c{number}m{step:03d}"
                home = ledger.any_org(rng) or "630101"
                answer = post(client, base, CREATE_MEMBER, {"input": member_input(mid, home)})
                if answer.acknowledged("createMember"):
                    if not probe.node(mid):
                        ledger.uncommitted_acks.append(mid)
                    with ledger.lock:
                        ledger.members[mid] = home
                else:
                    ledger.failures.append(f"member {mid}: {answer.status} {answer.text[:300]}")
            elif roll < 0.70:
                oid = rng.choice(made)
                day = moved_until.get(oid, MOVE_DAY - timedelta(days=1)) + timedelta(days=1)
                moved_until[oid] = day
                target = rng.choice(DISTRICTS)
                variables = {"input": {"id": oid, "parent": target, "effective": day.isoformat()}}
                answer = post(client, base, MOVE_ORG, variables)
                if answer.acknowledged("updateOrganization"):
                    with ledger.lock:
                        ledger.moves.append((oid, target, day))
                elif answer.status == 200 and answer.payload("updateOrganization") is not None:
                    with ledger.lock:
                        ledger.refused += 1  # a sound refusal (e.g. already there)
                else:
                    ledger.failures.append(f"move {oid}: {answer.status} {answer.text[:300]}")
            elif roll < 0.90:
                oid = ledger.any_org(rng) or "630101"
                answer = post(client, base, READ_ORG, {"id": oid, "asOf": "2030-01-01"})
                org = (answer.body or {}).get("data", {}) if answer.status == 200 else {}
                if not org or not org.get("organization") or answer.body.get("errors"):
                    ledger.failures.append(f"read {oid}: {answer.status} {answer.text[:300]}")
                with ledger.lock:
                    ledger.reads += 1
            else:
                answer = post(client, base, SEARCH, {"text": f"c{rng.randrange(CLIENTS)}o"})
                if answer.status != 200 or answer.body.get("errors"):
                    ledger.failures.append(f"search: {answer.status} {answer.text[:300]}")
                with ledger.lock:
                    ledger.reads += 1


def _conflicting_moves(base: str, token: str) -> list[tuple[bool, bool, list[str], list[str]]]:
    """Each pair's two moves sent at once; per pair: (A acked, B acked, A codes, B codes)."""
    out = []
    for i in range(PAIRS):
        day = (CYCLE_DAY + timedelta(days=i)).isoformat()
        barrier = threading.Barrier(2)
        answers: dict[str, Any] = {}

        def move(
            child: str, parent: str, day: str = day, barrier: Any = barrier, answers: Any = answers
        ) -> None:
            with api_client(token) as client:
                client.get(base + "/healthz")  # connect first: the two posts leave together
                barrier.wait()
                variables = {"input": {"id": child, "parent": parent, "effective": day}}
                answers[child] = post(client, base, MOVE_ORG, variables)

        threads = [
            threading.Thread(target=move, args=(f"pA{i}", f"pB{i}")),
            threading.Thread(target=move, args=(f"pB{i}", f"pA{i}")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        a, b = answers[f"pA{i}"], answers[f"pB{i}"]
        out.append(
            (
                a.acknowledged("updateOrganization"),
                b.acknowledged("updateOrganization"),
                a.codes("updateOrganization"),
                b.codes("updateOrganization"),
            )
        )
    return out


@pytest.mark.timeout(110 * SCALE)
def test_concurrent_writes_through_the_api(target: Target, tmp_path: Path) -> None:
    seed = random.randrange(1_000_000)
    target.store.write(seed_forest(PAIRS), actor="seed")
    token = admin_token(target.store)
    ledger = Ledger()
    probe = target.probe()
    started = time.monotonic()
    try:
        with serving(target.url, tmp_path, env=target.env) as server:
            threads = [
                threading.Thread(target=_client, args=(server.url, token, n, ledger, probe, seed))
                for n in range(CLIENTS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            pairs = _conflicting_moves(server.url, token)
            reported = deep_health(server.url, token)
            fresh = target.fresh()
            try:
                stored_digest = fresh.digest()
            finally:
                fresh.close()
    finally:
        probe.close()
    elapsed = time.monotonic() - started

    acked = (
        len(ledger.orgs)
        + len(ledger.members)
        + len(ledger.moves)
        + sum(a + b for a, b, *_ in pairs)
    )
    print(
        f"\n[{target.backend}] seed {seed}: {CLIENTS} clients, {acked} writes acknowledged, "
        f"{ledger.refused} refused, {ledger.reads} reads, {PAIRS} conflicting pairs, "
        f"{len(ledger.uncommitted_acks)} acknowledged before commit, {elapsed:.1f} s"
    )
    assert not ledger.failures, ledger.failures[:5]
    assert ledger.uncommitted_acks == []
    assert ledger.orgs and ledger.members and ledger.moves  # the mix did write
    for i, (a_ok, b_ok, a_codes, b_codes) in enumerate(pairs):
        assert a_ok != b_ok, f"pair {i}: both or neither written ({a_codes}, {b_codes})"
        assert (a_codes or b_codes) == ["hierarchy-acyclic"], (i, a_codes, b_codes)
    # The index the server answers from equals what it stored.
    assert reported["digest"] == stored_digest

    store = target.fresh()
    try:
        assert integrity_problems(store) == []
        lost = []
        for oid, parent in ledger.orgs.items():
            if store.parent(oid, SEED_DAY) != parent:
                lost.append(oid)
        for mid, home in ledger.members.items():
            links = store.links(LinkKind.MEMBER_OF, SEED_DAY, sources=[mid])
            if [x.target for x in links] != [home]:
                lost.append(mid)
        for oid, parent, day in ledger.moves:
            if store.parent(oid, day) != parent:
                lost.append(f"{oid}@{day}")
        for i, (a_ok, _, _, _) in enumerate(pairs):
            day = CYCLE_DAY + timedelta(days=i)
            child, parent = (f"pA{i}", f"pB{i}") if a_ok else (f"pB{i}", f"pA{i}")
            if store.parent(child, day) != parent or store.parent(parent, day) != "630101":
                lost.append(f"pair {i}")
        print(f"[{target.backend}] writes lost: {len(lost)}")
        assert lost == []
    finally:
        store.close()
