"""An assignment under capacities: rows to candidates' free slots, at least cost.

Each candidate ``j`` holds ``held[j]`` assignments already and has ``free[j]`` slots left;
slot ``k`` costs the load of ``held[j] + k`` (so loads spread when ``load_weight`` > 0). The
objective pairs as many rows as possible, then minimises the total cost. Costs are exact
integers (thousandths of a cost unit) scaled above a tie-break that, among assignments of
equal real cost, gives the earlier rows (in id order) the earlier candidates, so the
answer does not hang on one solver's choice between equal optima
(``bench/bench_pairing.py`` checks ``networkx.network_simplex`` reaches the same total).
Under that tie-break the solver is given each row's ``n`` nearest pairs only
(``nearest_pairs``): the optima are the same, on a much smaller matrix.
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
    "nearest_of_rows",
    "nearest_pairs",
    "nearness",
    "real_costs",
    "slot_loads",
    "solve_assignment",
]

from collections.abc import Sequence
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
    the cost of leaving a row unpaired. ``real`` and ``load`` are ``edge`` and ``slot``
    before the scaling and the tie-break (real costs and slot loads in thousandths).

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
    real: npt.NDArray[np.int64]
    load: npt.NDArray[np.int64]


def integer_costs(problem: AssignmentProblem) -> IntegerCosts:
    """The integer costs of ``problem``; see ``IntegerCosts``."""
    import numpy as np

    n_rows, n_cands = len(problem.rows), len(problem.candidates)
    pairs = problem.pairs.reshape(-1, 2)
    values = problem.values.reshape(len(pairs), len(problem.terms))
    real = real_costs([values[:, n] for n in range(len(problem.terms))], problem.weights)
    slots = np.minimum(
        np.array(problem.free, dtype=np.int64), np.array(problem.degree, dtype=np.int64)
    ).reshape(n_cands)
    depth = int(slots.max(initial=0))
    held = np.array(problem.held, dtype=np.int64).reshape(n_cands, 1)
    # Slot k of candidate j: the load of held + k; zero where j has no slot k.
    load = slot_loads(problem.load_weight, held + np.arange(depth))
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
        real=real,
        load=load,
    )


def solve_assignment(problem: AssignmentProblem) -> list[tuple[int, int, int]]:
    """The optimal ``(row, candidate, slot)`` triples of ``problem`` (unpaired rows left out).

    Solved by ``scipy.optimize.linear_sum_assignment`` over a matrix with one column per
    free slot of each candidate (entry: pair + slot cost) and one "unpaired" column per row.
    """
    from scipy.optimize import linear_sum_assignment

    costs = integer_costs(problem)
    # Pruned only under the id tie-break: without it, equal optima are common and the
    # solver's pick among them would follow the matrix it is given.
    keep = nearest_pairs(problem, costs) if costs.factor > 1 else None
    matrix, owner, slot = _cost_matrix(problem, costs, keep)
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


def nearest_pairs(problem: AssignmentProblem, costs: IntegerCosts) -> npt.NDArray[np.bool_]:
    """The allowed pairs every optimum of ``costs`` is among: for each row, its ``n``
    nearest (``n``: the rows of the problem), nearest first by *level* (real cost plus
    the load of the candidate's first slot, in thousandths), then by the later
    candidate (the one the tie-break prefers for a row).

    Why no optimum is lost: say an assignment gives row ``i`` a candidate ``j`` not
    among its ``n`` nearest. The other ``n − 1`` rows hold at most ``n − 1`` candidates,
    so one of the ``n`` nearest, ``j'``, is held by no row. Move ``i`` from ``j`` to
    ``j'``'s first slot: the real cost gains ``level(i, j')`` and loses ``real(i, j)`` and
    at least ``load(j, 0)`` (``j``'s other rows move down to its lower slots, and slot
    loads never fall with ``k``), so it changes by at most ``level(i, j') − level(i, j)``.
    Either ``level(i, j') < level(i, j)``: at least one thousandth less, worth ``factor``,
    more than any change of the tie-break (one row's is below ``n × candidates``); or
    the levels are equal, the real cost does not rise and ``j' > j`` lowers the tie-break
    ``(i + 1) × (candidates − j)``. Either way the assignment was not optimal. So every
    optimum keeps to the pairs kept here: the problem on them has exactly the same
    optima, with the same real cost and the same tie-break, and a solver that finds
    the one optimum finds it on either. (With ``factor`` 1 there is no tie-break: the
    pairs kept still reach the least cost, but not every optimum of equal cost, and a
    solver's pick among equal optima depends on the matrix it is given, so
    ``solve_assignment`` keeps every pair.)
    """
    import numpy as np

    n_rows, n_cands = len(problem.rows), len(problem.candidates)
    # A candidate without a slot cannot be moved to: its pairs neither count nor stay.
    keep = costs.slots[costs.cols] > 0
    if not keep.any():
        return keep
    key = nearness(costs.real + costs.load[costs.cols, 0], costs.cols, n_cands)
    key[~keep] = np.iinfo(np.int64).max
    order = np.argsort(costs.rows, kind="stable")  # pairs come sorted by row: a no-op
    key, keep = key[order], keep[order]
    per_row = np.bincount(costs.rows, minlength=n_rows)
    ends = np.cumsum(per_row).tolist()
    for i in np.nonzero(per_row > n_rows)[0].tolist():
        lo, hi = ends[i] - int(per_row[i]), ends[i]
        mine = key[lo:hi]
        keep[lo:hi] &= mine <= np.partition(mine, n_rows - 1)[n_rows - 1]
    kept = np.empty_like(keep)
    kept[order] = keep
    return kept


def nearest_of_rows(key: npt.NDArray[np.int64], n: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Each row's ``n[row]`` smallest entries of ``key`` (a row's keys unique but for
    pairs never kept, which sort last), all where the row has no more: a block of rows
    against candidates cut as ``nearest_pairs`` cuts a part's pairs."""
    import numpy as np

    keep = np.ones(key.shape, dtype=bool)
    for size in np.unique(n[n < key.shape[1]]).tolist():
        at = np.nonzero(n == size)[0]
        mine = key[at]
        keep[at] = mine <= np.partition(mine, size - 1, axis=1)[:, size - 1 : size]
    return keep


def real_costs(
    columns: Sequence[npt.NDArray[np.float64] | npt.NDArray[np.int64]], weights: Sequence[float]
) -> npt.NDArray[np.int64]:
    """The real costs of pairs in thousandths, rounded half to even (as ``round``): the
    sum of each term's ``columns[n]`` × ``weights[n]``, in that order (arrays that
    broadcast: a column of pairs, or a block of rows × candidates), so the same pair costs
    the same to the last bit wherever it is worked out.

    Term by term, not ``values @ weights``: a product through BLAS wakes OpenBLAS's
    threads, which then spin on the other core (more CPU than wall, and a busy machine's
    second core taken), for a sum of two or three products a pair."""
    import numpy as np

    weighted = np.zeros(np.broadcast_shapes(*(c.shape for c in columns)), dtype=np.float64)
    for column, weight in zip(columns, weights, strict=True):
        weighted += column * weight
    real: npt.NDArray[np.int64] = np.rint(weighted * SCALE).astype(np.int64)
    return real


def slot_loads(load_weight: float, load: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The load term of a slot taken with ``load`` pairings held before it, in
    thousandths, rounded half to even."""
    import numpy as np

    out: npt.NDArray[np.int64] = np.rint(load_weight * load * SCALE).astype(np.int64)
    return out


def nearness(
    level: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], n_cands: int
) -> npt.NDArray[np.int64]:
    """The order ``nearest_pairs`` keeps a row's pairs in, as one integer a pair: by
    ``level`` (real cost plus the load of the candidate's first slot), then the later
    candidate ``cols`` first; unique within a row."""
    out: npt.NDArray[np.int64] = level * (n_cands + 1) + (n_cands - cols)
    return out


def _cost_matrix(
    problem: AssignmentProblem,
    costs: IntegerCosts,
    keep: npt.NDArray[np.bool_] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The matrix: slot columns first, candidate by candidate (column ``c`` is slot
    ``slot[c]`` of candidate ``owner[c]``), then one "unpaired" column per row; forbidden
    entries are infinite. With ``keep``, only those pairs. Each candidate has no more
    slots than the rows it is offered to (a problem's ``degree`` may count rows it was not
    offered to, ``candidates.split_blocks``)."""
    import numpy as np

    n_rows = len(problem.rows)
    pair_rows, pair_cols, edge = costs.rows, costs.cols, costs.edge
    if keep is not None:
        pair_rows, pair_cols, edge = pair_rows[keep], pair_cols[keep], edge[keep]
    counts = np.minimum(costs.slots, np.bincount(pair_cols, minlength=len(costs.slots)))
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    start = np.cumsum(counts) - counts
    slot = np.arange(len(owner), dtype=np.int64) - start[owner]
    matrix = np.full((n_rows, len(owner) + n_rows), np.inf)
    if len(owner):
        have = counts[pair_cols]
        for k in range(int(counts.max())):
            mask = have > k
            rows, cols = pair_rows[mask], pair_cols[mask]
            matrix[rows, start[cols] + k] = (edge[mask] + costs.slot[cols, k]).astype(np.float64)
    matrix[:, len(owner) :] = float(costs.unmatched)
    return matrix, owner, slot


def _plain(value: float) -> float | int:
    """``3.0`` as ``3``: term values that are counts read as counts."""
    return int(value) if float(value).is_integer() else value
