"""An assignment under capacities: rows to candidates' free slots, at least cost.

Each candidate ``j`` holds ``held[j]`` assignments already and has ``free[j]`` slots left;
slot ``k`` costs the load of ``held[j] + k`` (so loads spread when ``load_weight`` > 0). The
objective pairs as many rows as possible, then minimises the total cost. Costs are exact
integers (thousandths of a cost unit) scaled above a tie-break that, among assignments of
equal real cost, gives the earlier rows (in id order) the earlier candidates, so the
answer does not hang on one solver's choice between equal optima
(``bench/bench_pairing.py`` checks ``networkx.network_simplex`` reaches the same total).
"""

from __future__ import annotations

__all__ = [
    "SCALE",
    "AssignmentProblem",
    "CostTerm",
    "IntegerCosts",
    "assignment_cost",
    "integer_costs",
    "solve_assignment",
]

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orggraph.model import LinkKind

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Integer cost units per unit of cost.
SCALE = 1000


@dataclass(frozen=True, kw_only=True, slots=True)
class CostTerm:
    """One term of a pair's cost: ``cost = weight × value``."""

    name: str  # distance | grade | area | load
    label: str
    value: float
    weight: float
    cost: float


@dataclass(frozen=True, kw_only=True, slots=True)
class AssignmentProblem:
    """One independent part of a pairing problem, ready for a solver.

    ``edges`` maps each allowed (row, candidate) index pair to its cost terms without the
    load; ``held[j]`` is what candidate ``j`` holds now, ``free[j]`` its free slots and
    ``degree[j]`` the rows it may take.
    """

    kind: LinkKind
    rows: tuple[str, ...]
    candidates: tuple[str, ...]
    edges: dict[tuple[int, int], tuple[CostTerm, ...]]
    held: tuple[int, ...]
    free: tuple[int, ...]
    degree: tuple[int, ...]
    load_weight: float

    def slots(self, j: int) -> int:
        """Columns candidate ``j`` gets: its free slots, no more than the rows it may take."""
        return min(self.free[j], self.degree[j])


@dataclass(frozen=True, kw_only=True, slots=True)
class IntegerCosts:
    """The exact integer costs both solvers minimise.

    ``edge[(i, j)]``: row ``i`` with candidate ``j`` (real cost in thousandths × ``factor``,
    plus the tie-break ``(i + 1) × (candidates − j)``); ``slot[j][k]``: the load of
    candidate ``j``'s slot ``k`` (× ``factor``); ``unmatched``: leaving a row unpaired.

    The tie-break sums to less than ``factor`` over any assignment, so it only decides
    between assignments of equal real cost; minimising ``Σ (i+1)(C−j)`` gives the earlier
    weak branches (in id order) the earlier candidates (by the rearrangement inequality).
    """

    edge: dict[tuple[int, int], int]
    slot: tuple[tuple[int, ...], ...]
    unmatched: int
    factor: int


def integer_costs(problem: AssignmentProblem) -> IntegerCosts:
    """The integer costs of ``problem``; see ``IntegerCosts``."""
    rows, cands = len(problem.rows), len(problem.candidates)
    real = {
        pair: round(sum(t.cost for t in terms) * SCALE) for pair, terms in problem.edges.items()
    }
    loads = tuple(
        tuple(
            round(problem.load_weight * (problem.held[j] + k) * SCALE)
            for k in range(problem.slots(j))
        )
        for j in range(cands)
    )
    top = max(real.values(), default=0) + max((max(x, default=0) for x in loads), default=0)
    factor = cands * rows * (rows + 1) // 2 + 1
    # Every sum must stay exact in a float64 (2**53); a part too large for the tie-break
    # drops it: still deterministic for the same input, only not tie-broken by id.
    if (top + 1) * factor * (rows + 1) ** 2 >= 2**53:
        factor = 1
    tie = factor > 1
    edge = {
        (i, j): cost * factor + ((i + 1) * (cands - j) if tie else 0)
        for (i, j), cost in real.items()
    }
    slot = tuple(tuple(x * factor for x in per) for per in loads)
    # Above any set of real pairs: pairing one more row always beats any saving in cost.
    unmatched = ((top + 1) * factor) * rows + 1
    return IntegerCosts(edge=edge, slot=slot, unmatched=unmatched, factor=factor)


def solve_assignment(problem: AssignmentProblem) -> list[tuple[int, int, int]]:
    """The optimal ``(row, candidate, slot)`` triples of ``problem`` (unpaired rows left out).

    Solved by ``scipy.optimize.linear_sum_assignment`` over a matrix with one column per
    free slot of each candidate (entry: edge + slot cost) and one "unpaired" column per row.
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    matrix, columns = _cost_matrix(problem, integer_costs(problem), np)
    rows, cols = linear_sum_assignment(matrix)
    picked = [(int(i), columns[int(c)]) for i, c in zip(rows, cols, strict=True)]
    return [(i, col[0], col[1]) for i, col in picked if col is not None]


def assignment_cost(costs: IntegerCosts, rows: int, chosen: list[tuple[int, int, int]]) -> int:
    """The integer objective of ``chosen`` (unpaired rows at ``costs.unmatched``)."""
    total = sum(costs.edge[(i, j)] + costs.slot[j][k] for i, j, k in chosen)
    return total + costs.unmatched * (rows - len(chosen))


def _cost_matrix(
    problem: AssignmentProblem, costs: IntegerCosts, np: Any
) -> tuple[npt.NDArray[np.float64], list[tuple[int, int] | None]]:
    columns: list[tuple[int, int] | None] = []
    start: dict[int, int] = {}
    for j in range(len(problem.candidates)):
        start[j] = len(columns)
        columns.extend((j, k) for k in range(problem.slots(j)))
    n = len(problem.rows)
    columns.extend([None] * n)
    matrix = np.full((n, len(columns)), np.inf)
    for (i, j), base in costs.edge.items():
        for k, load in enumerate(costs.slot[j]):
            matrix[i, start[j] + k] = float(base + load)
    matrix[:, len(columns) - n :] = float(costs.unmatched)
    return matrix, columns
