"""Crash safety of the embedded store: SIGKILL in the middle of large batches.

A child process writes batches of about 20,000 records (10,000 nodes and 9,999 links), each
tagged (``t0007-…``, and the audit record's actor ``t0007``), into an embedded store. The
test kills it with SIGKILL at random moments while it writes, many times, then checks that
``orggraph check`` passes (it opens each store through ``EmbeddedStore``), that each batch
is wholly there or wholly absent in the SQLite file (nodes, links and its audit record),
and that every batch the child reported committed is there.

The kills are spread over a few store files, so that no child spends the run loading an
ever larger store: each file still sees several kills and recoveries. The next writer is
started (imports, opens its store, builds its batch) while the current one runs, and waits
for a "go", so the run time goes to writing and killing.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

NODES = 10_000  # per batch: one leader and 9,999 experts, and 9,999 serves links
KILLS = 20
STORES = 5
BUDGET = 35.0  # seconds: no new child is started after this

CHECK = "from orggraph.cli import main; main()"
CHILD = """
import sys, time
from datetime import date
from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.embedded import EmbeddedStore

path, tag, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = EmbeddedStore(path)
start = date(2020, 1, 1)
leader_attrs = {"gender": "male", "ethnicity": "汉族", "education": "bachelor",
                "birth_year": 1970, "join_date": date(1995, 7, 1), "status": "full",
                "is_leader": True}

def batch(tag):
    t = f"t{tag:04d}"
    leader = Node(id=f"{t}-m", kind=NodeKind.MEMBER, name=t, valid_from=start,
                  attrs=leader_attrs)
    experts = [Node(id=f"{t}-e{i:05d}", kind=NodeKind.EXPERT, name=f"专家{i}",
                    valid_from=start, attrs={"field": t}) for i in range(size - 1)]
    links = tuple(Link(kind=LinkKind.SERVES, source=leader.id, target=e.id,
                       valid_from=start) for e in experts)
    return t, WriteBatch(nodes=(leader, *experts), links=links)

first = tag
t, next_batch = batch(tag)
print("ready", flush=True)
if sys.stdin.readline() != "go\\n":
    sys.exit(1)  # the test went away: write nothing
while tag - first < 20:  # a bound, should the test die before it kills this writer
    print("begin", tag, flush=True)
    began = time.perf_counter()
    store.write(next_batch, actor=t)
    print("done", tag, round(time.perf_counter() - began, 3), flush=True)
    tag += 1
    t, next_batch = batch(tag)
"""


class Writer:
    """A child process that writes tagged batches from ``tag`` on, once told to go."""

    def __init__(self, db: Path, tag: int) -> None:
        self.db = db
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db), str(tag), str(NODES)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def stop(self) -> None:
        """Kill it if it still runs (a test that failed half-way)."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def run_and_kill(self, delay: float, commit_first: bool) -> tuple[set[int], dict[int, float]]:
        """Go, SIGKILL ``delay`` seconds into a batch; the tags begun and committed.

        ``commit_first``: let the first batch commit, and kill inside the second.
        """
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        ready = stdout.readline()
        assert ready.startswith("ready"), f"the writer did not start: {ready!r}"
        stdin.write("go\n")
        stdin.flush()
        first = stdout.readline()
        assert first.startswith("begin"), first
        lines = []
        if commit_first:
            lines += [stdout.readline(), stdout.readline()]  # done 1, begin 2
            assert lines[-1].startswith("begin"), lines
        time.sleep(delay)
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        assert self.process.returncode == -signal.SIGKILL
        begun, done = {int(first.split()[1])}, {}
        for line in [*lines, *stdout.read().splitlines()]:
            word, number, *rest = line.split()
            if word == "begin":
                begun.add(int(number))
            elif word == "done":
                done[int(number)] = float(rest[0])
        stdout.close()
        stdin.close()
        return begun, done


def _per_tag(db: Path) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Nodes, links and audit records of each tag, counted in the SQLite file itself."""
    with closing(sqlite3.connect(db)) as con:
        nodes = Counter(
            dict(con.execute("SELECT substr(id, 1, 5), count(*) FROM nodes GROUP BY 1"))
        )
        links = Counter(
            dict(con.execute("SELECT substr(source, 1, 5), count(*) FROM links GROUP BY 1"))
        )
        audit = Counter(dict(con.execute("SELECT actor, count(*) FROM audit GROUP BY actor")))
    return nodes, links, audit


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_sigkill_mid_batch_leaves_whole_batches(tmp_path: Path) -> None:
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    started = time.perf_counter()
    write_time = 0.5  # seconds a batch takes: the median of what the writers report
    times: list[float] = []
    kills = 0
    begun: dict[Path, set[int]] = {}
    acknowledged: dict[Path, set[int]] = {}

    def writer(run: int) -> Writer:
        # Each run has its own range of tags, and the store files take turns.
        return Writer(tmp_path / f"crash{run % STORES}.db", run * 100)

    pending: Writer | None = writer(0)
    running: list[Writer] = [pending]
    try:
        while pending is not None:
            current = pending
            within = kills + 1 < KILLS and time.perf_counter() - started < BUDGET
            pending = writer(kills + 1) if within else None
            running = [w for w in (current, pending) if w is not None]
            # Up to 1.1 batch times into a batch, so most kills land inside a write; every
            # seventh run lets a batch commit first (durability is tested too, and the first
            # run tells how long a batch takes).
            commit_first = kills % 7 == 0
            ran, done = current.run_and_kill(rng.uniform(0.0, 1.1 * write_time), commit_first)
            kills += 1
            begun.setdefault(current.db, set()).update(ran)
            acknowledged.setdefault(current.db, set()).update(done)
            times += done.values()
            write_time = statistics.median(times) if times else write_time
    finally:
        for left in running:
            left.stop()
    elapsed = time.perf_counter() - started
    committed = sum(len(tags) for tags in acknowledged.values())
    print(
        f"{kills} kills in {elapsed:.1f}s; {committed} batches acknowledged; "
        f"write time {write_time:.2f}s; seed {seed}"
    )
    assert kills >= 15, f"only {kills} kills in {elapsed:.0f}s (seed {seed})"

    checks = [
        subprocess.Popen(
            [sys.executable, "-c", CHECK, "--store", f"sqlite:///{db}", "check"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for db in begun
    ]
    rolled_back = 0
    for db, tags in begun.items():
        nodes, links, audit = _per_tag(db)
        for number in sorted(tags):
            t = f"t{number:04d}"
            present = (nodes[t], links[t], audit[t])
            assert present in ((0, 0, 0), (NODES, NODES - 1, 1)), (
                f"batch {t} in {db.name} is torn: {present} (seed {seed})"
            )
            if number in acknowledged[db]:
                assert present == (NODES, NODES - 1, 1), f"acknowledged {t} lost (seed {seed})"
            elif present == (0, 0, 0):
                rolled_back += 1  # killed inside this batch's write
    for check in checks:
        output, _ = check.communicate(timeout=120)
        assert check.returncode == 0, output
    # Most kills must have landed inside a write, or the test proved little.
    assert committed >= 1
    assert rolled_back >= kills // 2, (rolled_back, kills, seed)
