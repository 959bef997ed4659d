"""Two API processes over one store (two workers behind a load balancer, or an API and
an import): the rules hold across them, and each sees what the other committed.

The process lock in ``GraphStore.write`` serialises one process's writes only. Across
processes: the embedded store takes SQLite's write lock before planning and brings its
index up to date inside it; the Neo4j store plans at a graph version and commits only at
that version (checked and moved under Neo4j's lock), planning again otherwise.

Pairs of conflicting moves (pA<i> under pB<i>, sent to the first process, and pB<i> under
pA<i>, sent to the second, at the same moment): exactly one of each pair is written and
the other refused with ``hierarchy-acyclic`` (by hand: the two start side by side under
630101, so the second move to commit would close a two-node loop). Without the
cross-process checks both were written in most pairs (``python bench/soak.py
multiprocess``: 30 of 30 on the embedded store, 20 of 30 on Neo4j).

Then a branch created through one process is read through the other at once, and moved
through the other: each process answers with what the other committed.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from orggraph.store.integrity import integrity_problems
from tests.reliability.conftest import Target
from tests.reliability.harness import (
    CREATE_ORG,
    MOVE_ORG,
    READ_ORG,
    SCALE,
    Answer,
    ServerProcess,
    admin_token,
    api_client,
    deep_health,
    org_input,
    post,
    seed_forest,
)

PAIRS = 6 * SCALE
DAY = date(2022, 1, 1)


@pytest.mark.timeout(110 * SCALE)
def test_two_api_processes_keep_the_rules(target: Target, tmp_path: Path) -> None:
    target.store.write(seed_forest(PAIRS), actor="seed")
    token = admin_token(target.store)
    servers = [
        ServerProcess(target.url, tmp_path / f"server{i}.log", env=target.env) for i in range(2)
    ]
    outcomes: list[tuple[Answer, Answer]] = []
    try:
        for server in servers:
            server.start()
        first, second = (s.url for s in servers)
        for i in range(PAIRS):
            barrier = threading.Barrier(2)
            answers: dict[str, Answer] = {}
            day = (DAY + timedelta(days=i)).isoformat()

            def move(
                base: str,
                child: str,
                parent: str,
                day: str = day,
                barrier: Any = barrier,
                answers: dict[str, Answer] = answers,
            ) -> None:
                with api_client(token) as client:
                    client.get(base + "/healthz")  # connected: the two posts leave together
                    barrier.wait()
                    variables = {"input": {"id": child, "parent": parent, "effective": day}}
                    answers[child] = post(client, base, MOVE_ORG, variables)

            threads = [
                threading.Thread(target=move, args=(first, f"pA{i}", f"pB{i}")),
                threading.Thread(target=move, args=(second, f"pB{i}", f"pA{i}")),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            outcomes.append((answers[f"pA{i}"], answers[f"pB{i}"]))

        # Read through one process what the other has just committed, both ways.
        with api_client(token) as client:
            made = post(client, first, CREATE_ORG, {"input": org_input("x1", "630101")})
            assert made.acknowledged("createOrganization"), made.text
            seen = post(client, second, READ_ORG, {"id": "x1", "asOf": "2020-06-30"})
            assert seen.body["data"]["organization"]["parent"]["id"] == "630101", seen.text
            variables = {"input": {"id": "x1", "parent": "630102", "effective": "2021-01-01"}}
            moved = post(client, second, MOVE_ORG, variables)
            assert moved.acknowledged("updateOrganization"), moved.text
            seen = post(client, first, READ_ORG, {"id": "x1", "asOf": "2021-06-30"})
            assert seen.body["data"]["organization"]["parent"]["id"] == "630102", seen.text
        digests = {deep_health(s.url, token)["digest"] for s in servers}
    finally:
        for server in servers:
            server.stop()

    written = [
        (a.acknowledged("updateOrganization"), b.acknowledged("updateOrganization"))
        for a, b in outcomes
    ]
    print(
        f"\n[{target.backend}] 2 API processes, {PAIRS} pairs of conflicting moves: "
        f"both written in {sum(a and b for a, b in written)}, one in "
        f"{sum(a != b for a, b in written)}"
    )
    for i, ((a, b), (a_ok, b_ok)) in enumerate(zip(outcomes, written, strict=True)):
        assert a_ok != b_ok, (i, a.text, b.text)
        refused = b if a_ok else a
        assert refused.codes("updateOrganization") == ["hierarchy-acyclic"], refused.text
    store = target.fresh()
    try:
        assert integrity_problems(store) == []
        assert digests == {store.digest()}  # both processes answer from the same content
    finally:
        store.close()
