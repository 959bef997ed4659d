"""Each row's ``n`` nearest pairs (``nearest_pairs``): no optimum is lost, none is changed.

``solve_assignment`` gives the solver, for each row, only its ``n`` nearest candidates
(``n``: the rows of the problem) when the id tie-break is in force. The docstring of
``nearest_pairs`` argues that every optimum of the integer costs keeps to those pairs; here
a small problem is worked out by hand, and random small problems, full of equal costs, are
checked against brute force: every optimum of the whole problem keeps to the pairs kept,
the solver reaches the optimum, and where the optimum is one assignment the solver returns
that one, as it did on the whole matrix.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from orggraph.analysis.assignment import (
    AssignmentProblem,
    IntegerCosts,
    _cost_matrix,
    integer_costs,
    nearest_pairs,
    solve_assignment,
)
from orggraph.model import LinkKind


def problem(
    values: dict[tuple[int, int], int],
    rows: int,
    cands: int,
    *,
    held: list[int] | None = None,
    capacity: int = 2,
    load_weight: float = 0.0,
) -> AssignmentProblem:
    """One-term problem: the pair (row, candidate) has distance ``values[pair]`` (weight 1)."""
    keys = sorted(values)
    held = held or [0] * cands
    return AssignmentProblem(
        kind=LinkKind.PAIRED_WITH,
        rows=tuple(f"w{i}" for i in range(rows)),
        candidates=tuple(f"c{j}" for j in range(cands)),
        terms=("distance",),
        weights=(1.0,),
        pairs=np.array(keys, dtype=np.int64).reshape(len(keys), 2),
        values=np.array([[values[k]] for k in keys], dtype=np.float64).reshape(len(keys), 1),
        held=tuple(held),
        free=tuple(max(capacity - h, 0) for h in held),
        degree=tuple(sum(1 for _, j in keys if j == c) for c in range(cands)),
        load_weight=load_weight,
    )


def kept(p: AssignmentProblem) -> set[tuple[int, int]]:
    keep = nearest_pairs(p, integer_costs(p))
    return {
        (int(i), int(j)) for (i, j), k in zip(p.pairs.tolist(), keep.tolist(), strict=True) if k
    }


def test_one_row_keeps_its_nearest_and_of_equals_the_later() -> None:
    # w0: c0 at 2, c1 and c2 at 1. One row: one pair kept; c1 and c2 tie, and the
    # tie-break (i + 1) × (C − j) is lower for c2.
    p = problem({(0, 0): 2, (0, 1): 1, (0, 2): 1}, rows=1, cands=3)
    assert kept(p) == {(0, 2)}
    assert [(i, j) for i, j, _ in solve_assignment(p)] == [(0, 2)]


def test_two_rows_keep_two_each_and_the_optimum_is_among_them() -> None:
    # Distances (C = 4):      c0  c1  c2  c3
    #                    w0    1   3   2   2     nearest two: c0 (1), then c3 (2, later than c2)
    #                    w1    5   1   1   1     nearest two: c3, c2 (1 each, the later first)
    # Optimum: w0-c0 and w1 at 1 with any of c1..c3: real cost 2 each way; the tie-break
    # 1 × (4 − 0) + 2 × (4 − j) is least at j = 3. So w0-c0, w1-c3, both kept.
    values = {(0, 0): 1, (0, 1): 3, (0, 2): 2, (0, 3): 2, (1, 0): 5, (1, 1): 1, (1, 2): 1}
    values[(1, 3)] = 1
    p = problem(values, rows=2, cands=4)
    assert kept(p) == {(0, 0), (0, 3), (1, 3), (1, 2)}
    assert sorted((i, j) for i, j, _ in solve_assignment(p)) == [(0, 0), (1, 3)]


def test_the_load_of_the_first_slot_counts_in_the_level() -> None:
    # One row, load weight 1: c0 at distance 1 holds 2 already (level 1 + 2 = 3); c1 at
    # distance 2 holds none (level 2). c1 is the nearest.
    p = problem({(0, 0): 1, (0, 1): 2}, rows=1, cands=2, held=[2, 0], capacity=3, load_weight=1.0)
    assert kept(p) == {(0, 1)}
    assert [(i, j) for i, j, _ in solve_assignment(p)] == [(0, 1)]


def test_a_full_candidate_is_neither_kept_nor_counted() -> None:
    # c0 (distance 1) has no free slot; of the others c1 (2) is the nearest.
    p = problem({(0, 0): 1, (0, 1): 2, (0, 2): 3}, rows=1, cands=3, held=[2, 0, 0])
    assert kept(p) == {(0, 1)}


# -- against brute force ----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    rows: int
    cands: int
    values: dict[tuple[int, int], int]
    held: list[int]
    capacity: int
    load_weight: float


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n_rows = draw(st.integers(1, 3))
    n_cands = draw(st.integers(1, 7))
    # Few distinct distances: equal costs everywhere, the case the tie-break is for.
    values = {
        (i, j): draw(st.integers(0, 2))
        for i in range(n_rows)
        for j in range(n_cands)
        if draw(st.integers(0, 3))
    }
    return Case(
        rows=n_rows,
        cands=n_cands,
        values=values,
        held=[draw(st.integers(0, 2)) for _ in range(n_cands)],
        capacity=draw(st.integers(1, 3)),
        load_weight=draw(st.sampled_from([0.0, 0.5, 1.0])),
    )


def objective(costs: IntegerCosts, rows: int, pick: tuple[int | None, ...]) -> int | None:
    """The integer objective of giving row ``i`` candidate ``pick[i]`` (``None``: unpaired),
    each candidate's rows in its lowest slots; ``None`` when not allowed."""
    edge = dict(
        zip(
            zip(costs.rows.tolist(), costs.cols.tolist(), strict=True),
            costs.edge.tolist(),
            strict=True,
        )
    )
    total = 0
    for i, j in enumerate(pick):
        if j is None:
            total += costs.unmatched
        elif (i, j) not in edge:
            return None
        else:
            total += edge[(i, j)]
    for j in set(pick) - {None}:
        assert j is not None
        taken = pick.count(j)
        if taken > int(costs.slots[j]):
            return None
        total += int(costs.slot[j, :taken].sum())
    return total


@settings(max_examples=400, deadline=None)
@given(cases())
def test_every_optimum_keeps_to_the_nearest_pairs(case: Case) -> None:
    p = problem(
        case.values,
        case.rows,
        case.cands,
        held=case.held,
        capacity=case.capacity,
        load_weight=case.load_weight,
    )
    costs = integer_costs(p)
    assert costs.factor > 1  # small problems: the tie-break is in force
    near = kept(p)
    scored = {}
    for pick in itertools.product([None, *range(case.cands)], repeat=case.rows):
        cost = objective(costs, case.rows, pick)
        if cost is not None:
            scored[pick] = cost
    best = min(scored.values())
    optima = [pick for pick, cost in scored.items() if cost == best]
    for pick in optima:
        assert {(i, j) for i, j in enumerate(pick) if j is not None} <= near
    chosen = solve_assignment(p)
    got: list[int | None] = [None] * case.rows
    for i, j, _ in chosen:
        got[i] = j
    assert scored.get(tuple(got)) == best
    if len(optima) == 1:
        # The one optimum: found on the pairs kept as on the whole matrix.
        assert tuple(got) == optima[0]
        matrix, owner, _ = _cost_matrix(p, costs)
        rr, cc = linear_sum_assignment(matrix)
        whole: list[int | None] = [None] * case.rows
        for i, c in zip(rr.tolist(), cc.tolist(), strict=True):
            if c < len(owner):
                whole[i] = int(owner[c])
        assert tuple(whole) == optima[0]
