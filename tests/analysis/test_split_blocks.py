"""The partners' problems made from blocks (``split_blocks``): the parts every allowed pair
makes, with only the pairs ``nearest_pairs`` would keep of them.

On random small problems, rows in a few blocks, each block against a random set of
candidates (a candidate may be in several blocks), the problems ``split_blocks`` makes must
be those ``split_pairs`` makes from every allowed pair, part for part (rows, candidates,
held, free slots, the rows each candidate may take), but for the pairs: exactly those
``nearest_pairs`` keeps of each part, with their values; the rows left out the same, for
the same reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orggraph.analysis.assignment import integer_costs, nearest_pairs
from orggraph.analysis.candidates import Built, Pool, split_blocks, split_pairs
from orggraph.model import LinkKind

#: Weights in thousandths, so that equal costs are common.
THOUSANDTHS = [0, 250, 500, 1000, 2000]


@dataclass(frozen=True)
class Case:
    rows: int
    cands: int
    blocks: list[tuple[list[int], list[int], list[list[bool]], list[list[int]]]]
    grade: list[int]
    weights: tuple[float, float]
    load: float
    held: list[int]
    capacity: int


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n_rows = draw(st.integers(1, 7))
    n_cands = draw(st.integers(1, 6))
    block_of = [draw(st.integers(0, 2)) for _ in range(n_rows)]
    blocks = []
    for b in sorted(set(block_of)):
        rows = [i for i in range(n_rows) if block_of[i] == b]
        cands = sorted(draw(st.sets(st.integers(0, n_cands - 1), min_size=1)))
        dense = draw(st.integers(1, 3))  # a quarter, a half or three quarters allowed
        allowed = [[draw(st.integers(0, 3)) < dense for _ in cands] for _ in rows]
        value = [[draw(st.integers(0, 4)) for _ in cands] for _ in rows]
        blocks.append((rows, cands, allowed, value))
    return Case(
        rows=n_rows,
        cands=n_cands,
        blocks=blocks,
        grade=[draw(st.integers(0, 2)) for _ in range(n_cands)],
        weights=(
            draw(st.sampled_from(THOUSANDTHS)) / 1000,
            draw(st.sampled_from(THOUSANDTHS)) / 1000,
        ),
        load=draw(st.sampled_from(THOUSANDTHS)) / 1000,
        held=[draw(st.integers(0, 2)) for _ in range(n_cands)],
        capacity=draw(st.integers(0, 3)),
    )


def split(p: Case, *, every_pair: bool) -> Built:
    pool = Pool(
        kind=LinkKind.PAIRED_WITH,
        rows=[f"w{i}" for i in range(p.rows)],
        candidates=[f"c{j}" for j in range(p.cands)],
        terms=("distance", "grade"),
        weights=p.weights,
        held=p.held,
        capacity=p.capacity,
        load_weight=p.load,
        no_candidate="none",
        by_candidate=np.array(p.grade, dtype=np.float64)[:, None],
    )
    built = Built()
    if every_pair:
        found = [
            (i, j, value[r][c])
            for block_rows, block_cands, allowed, value in p.blocks
            for r, i in enumerate(block_rows)
            for c, j in enumerate(block_cands)
            if allowed[r][c]
        ]
        pairs = (
            np.array([i for i, _, _ in found], dtype=np.int64),
            np.array([j for _, j, _ in found], dtype=np.int64),
            np.array([v for _, _, v in found], dtype=np.int64).reshape(len(found), 1),
        )
        split_pairs(built, pool, pairs)
    else:
        blocks = [
            (
                np.array(block_rows, dtype=np.int64),
                np.array(block_cands, dtype=np.int64),
                np.array(allowed, dtype=bool).reshape(len(block_rows), len(block_cands)),
                (np.array(value, dtype=np.int64).reshape(len(block_rows), len(block_cands)),),
            )
            for block_rows, block_cands, allowed, value in p.blocks
        ]
        split_blocks(built, pool, blocks)
    return built


@settings(max_examples=400, deadline=None)
@given(cases())
def test_the_blocks_give_the_parts_of_every_pair_with_their_nearest_pairs(p: Case) -> None:
    whole = split(p, every_pair=True)
    offered = split(p, every_pair=False)
    assert sorted(offered.unmatched) == sorted(whole.unmatched)
    assert len(offered.problems) == len(whole.problems)
    for got, full in zip(offered.problems, whole.problems, strict=True):
        assert (got.rows, got.candidates) == (full.rows, full.candidates)
        assert (got.held, got.free, got.degree) == (full.held, full.free, full.degree)
        keep = nearest_pairs(full, integer_costs(full))
        assert got.pairs.tolist() == full.pairs[keep].tolist()
        assert got.values.tolist() == full.values[keep].tolist()


def test_a_block_where_no_candidate_is_shared_is_joined_pair_by_pair() -> None:
    # One block, three rows, three candidates; allowed (x):
    #        c0  c1  c2
    #   w0    x   .   .
    #   w1    x   x   .
    #   w2    .   x   x
    # No candidate is open to every row, yet all are one part: w0-c0-w1-c1-w2-c2. A fourth
    # row w3 in a block of its own, with c2 only, joins the part through c2. Four rows: each
    # is offered every candidate it may take.
    p = Case(
        rows=4,
        cands=3,
        blocks=[
            (
                [0, 1, 2],
                [0, 1, 2],
                [[True, False, False], [True, True, False], [False, True, True]],
                [[1, 1, 1], [1, 2, 1], [1, 3, 4]],
            ),
            ([3], [2], [[True]], [[2]]),
        ],
        grade=[0, 1, 0],
        weights=(1.0, 1.0),
        load=0.0,
        held=[0, 0, 0],
        capacity=1,
    )
    (problem,) = split(p, every_pair=False).problems
    assert problem.rows == ("w0", "w1", "w2", "w3")
    assert problem.candidates == ("c0", "c1", "c2")
    assert problem.pairs.tolist() == [[0, 0], [1, 0], [1, 1], [2, 1], [2, 2], [3, 2]]
    assert problem.values.tolist() == [[1, 0], [1, 0], [2, 1], [3, 1], [4, 0], [2, 0]]
    assert problem.degree == (2, 2, 2)


def test_rows_of_one_part_keep_as_many_as_the_part_has_rows() -> None:
    # Two rows share c0; each may take all four candidates, distance = j + 1 for w0 and
    # 4 − j for w1 (grade 0, no load). Two rows in the part: w0 keeps c0, c1 (1, 2) and w1
    # keeps c3, c2 (1, 2). c1 and c2 are still counted as taken by both.
    p = Case(
        rows=2,
        cands=4,
        blocks=[([0, 1], [0, 1, 2, 3], [[True] * 4, [True] * 4], [[1, 2, 3, 4], [4, 3, 2, 1]])],
        grade=[0, 0, 0, 0],
        weights=(1.0, 1.0),
        load=0.0,
        held=[0, 0, 0, 0],
        capacity=2,
    )
    (problem,) = split(p, every_pair=False).problems
    assert problem.pairs.tolist() == [[0, 0], [0, 1], [1, 2], [1, 3]]
    assert problem.degree == (2, 2, 2, 2)
