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
    "TERM_LABELS",
    "AssignmentProblem",
    "CostTerm",
    "IntegerCosts",
    "assignment_cost",
    "integer_costs",
    "solve_assignment",
]

from dataclasses import dataclass
from typing import TYPE_CHECKING

from orggraph.model import LinkKind

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Integer cost units per unit of cost.
SCALE = 1000

#: Chinese labels of the cost terms.
TERM_LABELS = {
    "distance": "组织树距离",
    "grade": "考核等次",
    "area": "包联片区",
    "load": "已承担数",
}


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

    ``pairs[n] = (i, j)``: row ``i`` may take candidate ``j`` (sorted by row, then
    candidate); ``values[n]`` holds the values of its cost terms, named ``terms`` and
    weighted by ``weights`` (the load is apart). ``held[j]`` is what candidate ``j`` holds
    now, ``free[j]`` its free slots and ``degree[j]`` the rows it may take.
    """

    kind: LinkKind
    rows: tuple[str, ...]
    candidates: tuple[str, ...]
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    pairs: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    held: tuple[int, ...]
    free: tuple[int, ...]
    degree: tuple[int, ...]
    load_weight: float

    def slots(self, j: int) -> int:
        """Columns candidate ``j`` gets: its free slots, no more than the rows it may take."""
        return min(self.free[j], self.degree[j])

    def explain(self, chosen: list[tuple[int, int, int]]) -> list[tuple[CostTerm, ...]]:
        """The cost terms of each ``(row, candidate, slot)`` of ``chosen``."""
        import numpy as np

        width = max(len(self.candidates), 1)
        keys = self.pairs[:, 0] * width + self.pairs[:, 1]
        wanted = np.array([i * width + j for i, j, _ in chosen], dtype=np.int64)
        at = np.searchsorted(keys, wanted).tolist()
        names = (*self.terms, "load")
        weights = (*self.weights, self.load_weight)
        out = []
        for n, (_, j, slot) in zip(at, chosen, strict=True):
            values = (*(_plain(v) for v in self.values[n].tolist()), self.held[j] + slot)
            out.append(
                tuple(
                    CostTerm(
                        name=name,
                        label=TERM_LABELS.get(name, name),
                        value=value,
                        weight=weight,
                        cost=round(value * weight, 3),
                    )
                    for name, value, weight in zip(names, values, weights, strict=True)
                )
            )
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class IntegerCosts:
    """The exact integer costs both solvers minimise.

    For the ``n``-th allowed pair, row ``rows[n]`` with candidate ``cols[n]`` costs
    ``edge[n]``: its real cost in thousandths × ``factor``, plus the tie-break
    ``(row + 1) × (candidates − candidate)``. ``slot[j, k]`` is the load of candidate
    ``j``'s slot ``k`` (× ``factor``) for ``k < slots[j]`` (zero past it); ``unmatched``
    the cost of leaving a row unpaired.

    The tie-break sums to less than ``factor`` over any assignment, so it only decides
    between assignments of equal real cost; minimising ``Σ (i+1)(C−j)`` gives the earlier
    rows the earlier candidates (the rearrangement inequality).
    """

    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    edge: npt.NDArray[np.int64]
    slots: npt.NDArray[np.int64]
    slot: npt.NDArray[np.int64]
    unmatched: int
    factor: int


def integer_costs(problem: AssignmentProblem) -> IntegerCosts:
    """The integer costs of ``problem``; see ``IntegerCosts``."""
    import numpy as np

    n_rows, n_cands = len(problem.rows), len(problem.candidates)
    pairs = problem.pairs.reshape(-1, 2)
    values = problem.values.reshape(len(pairs), len(problem.terms))
    real = np.rint(values @ np.array(problem.weights, dtype=np.float64) * SCALE).astype(np.int64)
    slots = np.minimum(
        np.array(problem.free, dtype=np.int64), np.array(problem.degree, dtype=np.int64)
    ).reshape(n_cands)
    depth = int(slots.max(initial=0))
    held = np.array(problem.held, dtype=np.int64).reshape(n_cands, 1)
    # Slot k of candidate j: the load weight × (held + k) in thousandths, rounded half to
    # even (as ``round``); zero where j has no slot k.
    load = np.rint(problem.load_weight * (held + np.arange(depth)) * SCALE).astype(np.int64)
    load[np.arange(depth) >= slots[:, None]] = 0
    top = int(real.max(initial=0)) + int(load.max(initial=0))
    factor = n_cands * n_rows * (n_rows + 1) // 2 + 1
    # Every sum must stay exact in a float64 (2**53); a part too large for the tie-break
    # drops it: still deterministic for the same input, only not tie-broken by id.
    if (top + 1) * factor * (n_rows + 1) ** 2 >= 2**53:
        factor = 1
    rows, cols = pairs[:, 0], pairs[:, 1]
    edge = real * factor
    if factor > 1:
        edge += (rows + 1) * (n_cands - cols)
    # Above any set of real pairs: pairing one more row always beats any saving in cost.
    unmatched = (top + 1) * factor * n_rows + 1
    return IntegerCosts(
        rows=rows,
        cols=cols,
        edge=edge,
        slots=slots,
        slot=load * factor,
        unmatched=unmatched,
        factor=factor,
    )


def solve_assignment(problem: AssignmentProblem) -> list[tuple[int, int, int]]:
    """The optimal ``(row, candidate, slot)`` triples of ``problem`` (unpaired rows left out).

    Solved by ``scipy.optimize.linear_sum_assignment`` over a matrix with one column per
    free slot of each candidate (entry: pair + slot cost) and one "unpaired" column per row.
    """
    from scipy.optimize import linear_sum_assignment

    matrix, owner, slot = _cost_matrix(problem, integer_costs(problem))
    rows, cols = linear_sum_assignment(matrix)
    paired = cols < len(owner)
    return list(
        zip(
            rows[paired].tolist(),
            owner[cols[paired]].tolist(),
            slot[cols[paired]].tolist(),
            strict=True,
        )
    )


def assignment_cost(costs: IntegerCosts, rows: int, chosen: list[tuple[int, int, int]]) -> int:
    """The integer objective of ``chosen`` (unpaired rows at ``costs.unmatched``)."""
    lookup = dict(
        zip(
            zip(costs.rows.tolist(), costs.cols.tolist(), strict=True),
            costs.edge.tolist(),
            strict=True,
        )
    )
    total = sum(lookup[(i, j)] + int(costs.slot[j, k]) for i, j, k in chosen)
    return int(total) + costs.unmatched * (rows - len(chosen))


def _cost_matrix(
    problem: AssignmentProblem, costs: IntegerCosts
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The matrix: slot columns first, candidate by candidate (column ``c`` is slot
    ``slot[c]`` of candidate ``owner[c]``), then one "unpaired" column per row; forbidden
    entries are infinite."""
    import numpy as np

    n_rows = len(problem.rows)
    counts = costs.slots
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    start = np.cumsum(counts) - counts
    slot = np.arange(len(owner), dtype=np.int64) - start[owner]
    matrix = np.full((n_rows, len(owner) + n_rows), np.inf)
    if len(owner):
        have = counts[costs.cols]
        for k in range(int(counts.max())):
            mask = have > k
            rows, cols = costs.rows[mask], costs.cols[mask]
            matrix[rows, start[cols] + k] = (costs.edge[mask] + costs.slot[cols, k]).astype(
                np.float64
            )
    matrix[:, len(owner) :] = float(costs.unmatched)
    return matrix, owner, slot


def _plain(value: float) -> float | int:
    """``3.0`` as ``3``: term values that are counts read as counts."""
    return int(value) if float(value).is_integer() else value
