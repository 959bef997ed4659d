"""The pairing problem's parts and solver against brute force on small random problems.

``split_pairs`` cuts the allowed pairs into connected parts (``split_blocks`` too, from a
block of every row against every candidate, each row offered its nearest pairs) and
``solve_assignment`` solves each; together they must reach the optimum of the whole
problem: as many rows paired as possible, then the least total cost (term values ×
weights, plus for each candidate the load weight × (held + k) of its k-th new pairing).
The brute force below tries every way of giving each row one allowed candidate or none
within the free slots, and works the cost out on its own, in exact thousandths.

``near_blocks`` must hold exactly the pairs at most ``reach`` apart in a forest, each row
in one block, against breadth-first distances (networkx) on the same random forest.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from orggraph.analysis.assignment import solve_assignment
from orggraph.analysis.candidates import Built, Pool, near_blocks, split_blocks, split_pairs
from orggraph.model import LinkKind

#: Weights and load weights in thousandths, so brute-force costs are exact integers.
THOUSANDTHS = [0, 250, 500, 1000, 2000]


@dataclass(frozen=True)
class Case:
    rows: int
    cands: int
    allowed: dict[tuple[int, int], tuple[int, int]]  # (row, cand) → (distance, grade)
    weights: tuple[int, int]  # thousandths
    load: int  # thousandths
    held: list[int]
    capacity: int


@st.composite
def problems(draw: st.DrawFn) -> Case:
    n_rows = draw(st.integers(1, 5))
    n_cands = draw(st.integers(1, 4))
    allowed = {
        (i, j): (draw(st.integers(0, 4)), draw(st.integers(0, 2)))
        for i in range(n_rows)
        for j in range(n_cands)
        if draw(st.booleans())
    }
    return Case(
        rows=n_rows,
        cands=n_cands,
        allowed=allowed,
        weights=(draw(st.sampled_from(THOUSANDTHS)), draw(st.sampled_from(THOUSANDTHS))),
        load=draw(st.sampled_from(THOUSANDTHS)),
        held=[draw(st.integers(0, 2)) for _ in range(n_cands)],
        capacity=draw(st.integers(0, 3)),
    )


def cost_of(p: Case, chosen: dict[int, int]) -> int:
    """The real cost of ``chosen`` (row → candidate) in thousandths, worked out directly."""
    total = 0
    for i, j in chosen.items():
        d, g = p.allowed[(i, j)]
        total += p.weights[0] * d + p.weights[1] * g
    for j in set(chosen.values()):
        taken = sum(1 for c in chosen.values() if c == j)
        total += sum(p.load * (p.held[j] + k) for k in range(taken))
    return total


def brute_force(p: Case) -> tuple[int, int]:
    """The best (rows paired, cost in thousandths) over every feasible assignment."""
    options = [[None, *(j for j in range(p.cands) if (i, j) in p.allowed)] for i in range(p.rows)]
    best: tuple[int, int] | None = None
    for pick in itertools.product(*options):
        chosen = {i: j for i, j in enumerate(pick) if j is not None}
        if any(
            sum(1 for c in chosen.values() if c == j) > max(p.capacity - p.held[j], 0)
            for j in set(chosen.values())
        ):
            continue
        key = (-len(chosen), cost_of(p, chosen))
        best = key if best is None or key < best else best
    assert best is not None  # pairing nobody is always feasible
    return -best[0], best[1]


@settings(max_examples=300, deadline=None)
@given(problems(), st.booleans())
def test_the_parts_solved_apart_reach_the_brute_force_optimum(p: Case, blocks: bool) -> None:
    rows = [f"w{i}" for i in range(p.rows)]
    cands = [f"c{j}" for j in range(p.cands)]
    pool = Pool(
        kind=LinkKind.PAIRED_WITH,
        rows=rows,
        candidates=cands,
        terms=("distance", "grade"),
        weights=(p.weights[0] / 1000, p.weights[1] / 1000),
        held=p.held,
        capacity=p.capacity,
        load_weight=p.load / 1000,
        no_candidate="none",
    )
    built = Built()
    if blocks:  # one block, every row against every candidate, each offered its nearest
        allowed = np.zeros((p.rows, p.cands), dtype=bool)
        values = np.zeros((2, p.rows, p.cands), dtype=np.int64)
        for (i, j), (distance, grade) in p.allowed.items():
            allowed[i, j] = True
            values[:, i, j] = (distance, grade)
        everyone = (np.arange(p.rows), np.arange(p.cands))
        split_blocks(built, pool, [(*everyone, allowed, (values[0], values[1]))])
    else:
        keys = sorted(p.allowed)
        found = (
            np.array([i for i, _ in keys], dtype=np.int64),
            np.array([j for _, j in keys], dtype=np.int64),
            np.array([p.allowed[k] for k in keys], dtype=np.float64).reshape(len(keys), 2),
        )
        split_pairs(built, pool, found)
    chosen: dict[int, int] = {}
    for problem in built.problems:
        for i, j, _ in solve_assignment(problem):
            row, cand = rows.index(problem.rows[i]), cands.index(problem.candidates[j])
            assert row not in chosen
            chosen[row] = cand
    # Feasible: allowed pairs, within each candidate's free slots.
    assert all((i, j) in p.allowed for i, j in chosen.items())
    for j in set(chosen.values()):
        assert sum(1 for c in chosen.values() if c == j) <= p.capacity - p.held[j]
    assert (len(chosen), cost_of(p, chosen)) == brute_force(p)
    # Every row is in exactly one part or reported unmatched, for the right reason.
    in_parts = [r for problem in built.problems for r in problem.rows]
    out = {row: reason for row, reason, _ in built.unmatched}
    assert sorted(in_parts + list(out)) == rows
    for i, name in enumerate(rows):
        mine = [j for (r, j) in p.allowed if r == i]
        if not mine:
            assert out.get(name) == "no_candidate"
        elif all(p.capacity - p.held[j] <= 0 for j in mine):
            assert out.get(name) == "capacity_full"
        else:
            assert name in in_parts


@st.composite
def forests(draw: st.DrawFn) -> tuple[list[int | None], list[int], list[int], int]:
    """Parents of a random forest (node n's parent is an earlier node, or none), two
    random lists of its nodes, and a reach."""
    size = draw(st.integers(1, 14))
    parents: list[int | None] = [None]
    for n in range(1, size):
        parents.append(draw(st.one_of(st.none(), st.integers(0, n - 1))))
    a = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=6))
    b = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=8))
    return parents, a, b, draw(st.integers(0, 7))


def codes(
    parents: list[int | None], nodes: list[int], pad: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    paths = []
    for n in nodes:
        path: list[int] = [n]
        while (up := parents[path[-1]]) is not None:
            path.append(up)
        paths.append(path[::-1])
    width = max(len(x) for x in paths)
    out = np.full((len(nodes), width), pad, dtype=np.int64)
    for k, path in enumerate(paths):
        out[k, : len(path)] = path
    return out, np.array([len(x) - 1 for x in paths], dtype=np.int64)


@settings(max_examples=300, deadline=None)
@given(forests())
def test_near_blocks_hold_every_pair_within_reach(
    case: tuple[list[int | None], list[int], list[int], int],
) -> None:
    parents, a, b, reach = case
    graph = nx.Graph()
    graph.add_nodes_from(range(len(parents)))
    graph.add_edges_from((n, p) for n, p in enumerate(parents) if p is not None)
    a_codes, a_depth = codes(parents, a, -1)
    b_codes, b_depth = codes(parents, b, -2)
    expected = set()
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if nx.has_path(graph, x, y):
                d = nx.shortest_path_length(graph, x, y)
            else:  # different trees: as far apart as both roots, plus one each
                d = int(a_depth[i] + b_depth[j]) + 2
            if d <= reach:
                expected.add((i, j, d))
    blocks = near_blocks(a_codes, a_depth, b_codes, b_depth, reach)
    rows = [i for ai, _, _ in blocks for i in ai.tolist()]
    assert len(rows) == len(set(rows))
    got = [
        (ai[r], bi[c], d[r, c])
        for ai, bi, d in blocks
        for r in range(len(ai))
        for c in range(len(bi))
        if d[r, c] <= reach
    ]
    assert len(got) == len(set(got))
    assert set(got) == expected
