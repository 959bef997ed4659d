"""``facts`` of many nodes on the embedded store: the file's pairs found as arrays
(``FactColumns.keys_of``) must answer as the lookups one node at a time do.

Worked out by hand: 300 branches b000…b299 (``WIDE_READ`` or more, a wide read), each
with ``meetings_held`` = its number in 2018, the even ones also ``collective_income`` =
its number in 2018 and ``meetings_held`` = 1 in 2016; written, then the store opened
again. After opening, b001's 2018 meetings become 99 and b003 gets its first 2016 fact.
"""

from __future__ import annotations

from pathlib import Path

from orggraph.model import WriteBatch
from orggraph.store.embedded import WIDE_READ, EmbeddedStore
from tests.graphs import fact, org

COUNT = 300
BRANCHES = [f"b{i:03d}" for i in range(COUNT)]
ASKED = [*BRANCHES, "nowhere"]  # an id with no facts: left out


def _open(tmp_path: Path) -> EmbeddedStore:
    assert COUNT >= WIDE_READ
    path = tmp_path / "facts.db"
    with EmbeddedStore(path) as store:
        nodes = [org(b, f"第{i}党支部", "grassroots", "branch") for i, b in enumerate(BRANCHES)]
        facts = [fact(b, 2018, "meetings_held", i) for i, b in enumerate(BRANCHES)]
        facts += [fact(b, 2018, "collective_income", float(i)) for i, b in enumerate(BRANCHES)][::2]
        facts += [fact(b, 2016, "meetings_held", 1) for b in BRANCHES[::2]]
        store.write(WriteBatch(nodes=tuple(nodes), facts=tuple(facts)))
    return EmbeddedStore(path, index_snapshot=False)


def test_a_wide_read_of_the_files_facts(tmp_path: Path) -> None:
    with _open(tmp_path) as store:
        got = store.facts(ASKED, 2018)
        assert len(got) == COUNT and "nowhere" not in got
        assert got["b000"] == {"collective_income": 0.0, "meetings_held": 0}
        assert got["b001"] == {"meetings_held": 1}
        assert got["b298"] == {"collective_income": 298.0, "meetings_held": 298}
        assert store.facts(ASKED, 2016) == {b: {"meetings_held": 1} for b in BRANCHES[::2]}
        assert store.facts(ASKED, 2017) == {}
        # A node with facts that year but none of the names asked: an empty dict.
        only = store.facts(ASKED, 2018, names=["collective_income"])
        assert only == {
            b: {"collective_income": float(i)} if i % 2 == 0 else {} for i, b in enumerate(BRANCHES)
        }
        # The same as one node at a time.
        assert got == {b: v for b in ASKED for v in store.facts([b], 2018).values()}


def test_facts_written_since_opening_answer_first(tmp_path: Path) -> None:
    with _open(tmp_path) as store:
        store.write(
            WriteBatch(
                facts=(
                    fact("b001", 2018, "meetings_held", 99),
                    fact("b003", 2016, "meetings_held", 2),
                )
            )
        )
        got = store.facts(ASKED, 2018)
        assert got["b001"] == {"meetings_held": 99}
        assert got["b002"] == {"collective_income": 2.0, "meetings_held": 2}
        earlier = store.facts(ASKED, 2016)
        assert earlier["b003"] == {"meetings_held": 2}
        assert len(earlier) == COUNT // 2 + 1
