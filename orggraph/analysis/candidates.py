"""Who may pair with which weak branch, and the values of the cost terms (结对、联点候选).

Builds the ``AssignmentProblem`` parts behind ``orggraph.analysis.pairing``: the allowed
(weak branch, candidate) pairs with their term values, split into connected parts. A
city has hundreds of weak branches and thousands of candidates, so the pairs are worked
out as arrays: tree distances through the lowest common ancestor come from comparing
root-first ancestor codes, row against column, all at once, each weak branch against only
the candidates under the highest common ancestor within reach (``near_blocks``: for a
partner, its district; a contact leader: the district's and those covering it), so a
province costs its districts, not its size squared. Of a part's pairs, each weak branch is
given only its ``n`` nearest, ``n`` the weak branches of its part (``split_blocks``), the
pairs every optimum keeps to (``assignment.nearest_pairs``).
"""

from __future__ import annotations

__all__ = [
    "Built",
    "Pool",
    "leader_problems",
    "near_blocks",
    "partner_problems",
    "split_blocks",
    "split_pairs",
]

import threading
import weakref
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from orggraph.analysis.assignment import AssignmentProblem
from orggraph.analysis.orgtree import OrgTree
from orggraph.model import Level, LinkKind, Node, NodeKind
from orggraph.store.base import GraphStore
from orggraph.store.scope import ScopeView

_ID = attrgetter("id")

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]


@dataclass(kw_only=True, slots=True)
class Built:
    """The parts of one kind of problem, the rows left out (id, reason, detail), names."""

    problems: list[AssignmentProblem] = field(default_factory=list)
    unmatched: list[tuple[str, str, str]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class Pool:
    """The weak branches (``rows``) and candidates of one kind of pairing, and its costs:
    the term names and weights, what each candidate holds (``held``) of ``capacity``, the
    load weight, and why a branch with no allowed candidate has none (``no_candidate``).

    The values of the last terms may be the candidate's alone (``by_candidate``, a row a
    candidate): they are then looked up for the pairs of each part, not made for every
    pair found (a province's partners: a million pairs, some 20,000 candidates).
    """

    kind: LinkKind
    rows: list[str]
    candidates: list[str]
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    held: list[int]
    capacity: int
    load_weight: float
    no_candidate: str
    by_candidate: npt.NDArray[np.float64] | None = None


def partner_problems(
    store: GraphStore,
    as_of: date,
    view: ScopeView,
    tree: OrgTree,
    weak: Sequence[Node],
    facts: Mapping[str, Mapping[str, Any]],
    cfg: dict[str, Any],
) -> Built:
    """Strong partners (``paired_with``) for the weak branches without one.

    ``facts``: the facts of the facts year by organization (``Judgement.facts``), where
    the candidates' grades are read; ``cfg``: the ``[pairing.partner]`` table.
    """
    import numpy as np

    built = Built()
    rows = _lacking(store, as_of, LinkKind.PAIRED_WITH, weak)
    if not rows:
        return built
    weak_ids = {w.id for w in weak}
    rank_of: dict[str, int] = {}
    for position, grade in enumerate(cfg["grades"]):
        rank_of.setdefault(str(grade), position)
    seen = view.organizations
    ancestry = _ancestry(tree)
    strong: list[Node] = []
    ranks: list[int] = []
    for n in ancestry.grassroots:  # in id order
        found = facts.get(n.id)
        grade = None if found is None else found.get("assessment_grade")
        if grade is None or n.id in weak_ids or (seen is not None and n.id not in seen):
            continue
        rank = rank_of.get(str(grade))
        if rank is not None:
            strong.append(n)
            ranks.append(rank)
    built.names.update((n.id, n.name) for n in strong)
    cand_ids = [n.id for n in strong]
    held = _held(store, as_of, LinkKind.PAIRED_WITH, cand_ids)
    same_sector = bool(cfg["same_sector"])
    reach = int(cfg["max_distance"])
    own_line = bool(cfg["own_line"])
    row_codes, row_depth = ancestry.of([w.id for w in rows], pad=-1)
    cand_codes, cand_depth = ancestry.of(cand_ids, pad=-2)
    groups_r: dict[str, list[int]] = defaultdict(list)
    groups_c: dict[str, list[int]] = defaultdict(list)
    for i, w in enumerate(rows):
        groups_r[str(w.get("sector")) if same_sector else ""].append(i)
    sector = ancestry.sector
    for j, n in enumerate(strong):
        groups_c[sector[n.id] if same_sector else ""].append(j)
    blocks = []
    for key, ri_list in groups_r.items():
        if key not in groups_c:
            continue
        ri = np.array(ri_list, dtype=np.int64)
        ci = np.array(groups_c[key], dtype=np.int64)
        for rr, cc, d in near_blocks(
            row_codes[ri], row_depth[ri], cand_codes[ci], cand_depth[ci], reach
        ):
            allowed = d <= reach
            if not own_line:  # one above the other: as far apart as their depths
                apart = row_depth[ri[rr]][:, None] - cand_depth[ci[cc]][None, :]
                allowed &= d != np.abs(apart)
            blocks.append((ri[rr], ci[cc], allowed, (d,)))
    pool = Pool(
        kind=LinkKind.PAIRED_WITH,
        rows=[w.id for w in rows],
        candidates=cand_ids,
        terms=("distance", "grade"),
        weights=(float(cfg["weight_distance"]), float(cfg["weight_grade"])),
        held=[held.get(c, 0) for c in cand_ids],
        capacity=int(cfg["capacity"]),
        load_weight=float(cfg["weight_load"]),
        no_candidate=(
            f"无同领域、距离不超过{reach}"
            + ("" if own_line else "、非本组织上下级")
            + "的考核好或优秀的非软弱党组织"
        ),
        by_candidate=np.array(ranks, dtype=np.float64)[:, None],
    )
    split_blocks(built, pool, blocks)
    return built


def leader_problems(
    store: GraphStore,
    as_of: date,
    view: ScopeView,
    tree: OrgTree,
    weak: Sequence[Node],
    capacity: int,
    cfg: dict[str, Any],
) -> Built:
    """Contact leaders (``contacts``) for the weak branches without one.

    ``capacity``: ``[leaders] max_contacts``; ``cfg``: the ``[pairing.leader]`` table.
    """
    import numpy as np

    built = Built()
    rows = _lacking(store, as_of, LinkKind.CONTACTS, weak)
    if not rows:
        return built
    # Picked by the store (a province's 900,000 members are not each made and asked).
    leaders = store.nodes_where(NodeKind.MEMBER, as_of, {"is_leader": True})
    leaders.sort(key=_ID)
    ids = [m.id for m in leaders]
    home: dict[str, str] = {}
    for link in sorted(
        store.links(LinkKind.MEMBER_OF, as_of, sources=ids), key=lambda x: (x.source, x.target)
    ):
        if link.target in tree.orgs:
            home.setdefault(link.source, link.target)
    if view.organizations is not None:
        posts = store.links(LinkKind.HOLDS_POST, as_of, sources=ids)
        seen = {x.source for x in posts if view.sees_org(x.target)}
        seen |= {m for m, org in home.items() if view.sees_org(org)}
        leaders = [m for m in leaders if m.id in seen]
    leaders = [m for m in leaders if m.id in home]  # a leader belongs to an organization
    ids = [m.id for m in leaders]
    built.names.update((m.id, m.name) for m in leaders)
    held = _held(store, as_of, LinkKind.CONTACTS, ids)
    led: dict[str, list[int]] = defaultdict(list)
    position = {m: j for j, m in enumerate(ids)}
    for link in store.links(LinkKind.LEADS, as_of, sources=ids):
        led[link.target].append(position[link.source])
    ancestry = _ancestry(tree)
    row_codes, row_depth = ancestry.of([w.id for w in rows], pad=-1)
    home_codes, home_depth = ancestry.of([home[m] for m in ids], pad=-2)
    row_sector = np.array([str(w.get("sector")) for w in rows], dtype=object)
    # Area: the leader leads a working group covering an ancestor of the branch (and, when
    # the cover names a sector, the branch is of that sector).
    covered = np.zeros((len(rows), len(ids)), dtype=bool)
    for link in store.links(LinkKind.COVERS, as_of, sources=sorted(led)):
        code = ancestry.code.get(link.target)
        if code is None:
            continue
        under = (row_codes == code).any(axis=1)
        sector = link.get("sector")
        if sector is not None:
            under &= row_sector == str(sector)
        covered[np.ix_(under.nonzero()[0], np.array(led[link.source], dtype=np.int64))] = True
    row_district = np.array(
        [ancestry.code_of(tree.district(w.id), -1) for w in rows], dtype=np.int64
    )
    home_district = np.array(
        [ancestry.code_of(tree.district(home[m]), -2) for m in ids], dtype=np.int64
    )
    # One block a district: its weak branches against its leaders and those covering any.
    blocks = []
    for district in np.unique(row_district).tolist():
        ri = np.nonzero(row_district == district)[0]
        mine = covered[ri]
        ci = np.nonzero((home_district == district) | mine.any(axis=0))[0]
        if not len(ci):
            continue
        mine = mine[:, ci]
        allowed = mine | (home_district[ci] == district)[None, :]
        d = _distances(row_codes[ri], row_depth[ri], home_codes[ci], home_depth[ci])
        blocks.append((ri, ci, allowed, (np.where(mine, 0.0, 1.0), d)))
    pool = Pool(
        kind=LinkKind.CONTACTS,
        rows=[w.id for w in rows],
        candidates=ids,
        terms=("area", "distance"),
        weights=(float(cfg["weight_area"]), float(cfg["weight_distance"])),
        held=[held.get(m, 0) for m in ids],
        capacity=capacity,
        load_weight=float(cfg["weight_load"]),
        no_candidate="无包联该片区或同区县的领导干部",
    )
    split_blocks(built, pool, blocks)
    return built


# -- helpers ------------------------------------------------------------------------------


#: The ancestry of each tree, while the tree lives: a tree kept with the weak branches'
#: judgement (``orggraph.analysis.weak``) is asked by both kinds of pairing, call after call.
_ANCESTRIES: weakref.WeakKeyDictionary[OrgTree, _Ancestry] = weakref.WeakKeyDictionary()
_ANCESTRIES_LOCK = threading.Lock()


def _ancestry(tree: OrgTree) -> _Ancestry:
    """``_Ancestry(tree)``, made once for each tree (a tree is never changed once read)."""
    with _ANCESTRIES_LOCK:
        found = _ANCESTRIES.get(tree)
    if found is None:
        found = _Ancestry(tree)
        with _ANCESTRIES_LOCK:
            _ANCESTRIES[tree] = found
    return found


class _Ancestry:
    """Root-first ancestor codes of organizations, for distances by array comparison, and
    the tree's grassroots organizations (``grassroots``, in id order; ``sector``: the
    sector of each, as text), the partners' candidates.

    Worked out for every organization of the tree at once, level by level up the
    parents (``OrgTree.path`` as arrays): a province's 20,000 candidates are then one
    lookup, not a path each."""

    def __init__(self, tree: OrgTree) -> None:
        import numpy as np

        self.grassroots: list[Node] = sorted(
            (n for n in tree.orgs.values() if n.attrs.get("level") == Level.GRASSROOTS), key=_ID
        )
        self.sector: dict[str, str] = {n.id: str(n.get("sector")) for n in self.grassroots}

        self.code: dict[str, int] = {org: n for n, org in enumerate(sorted(tree.orgs))}
        n = len(self.code)
        parent = np.full(n, -1, dtype=np.int64)
        for child, up in tree.parent.items():
            if up != child:  # a loop on itself is a root (``OrgTree.path``)
                parent[self.code[child]] = self.code[up]
        # ups[i, k]: the k-th ancestor of i, nearest first (-1 past the root).
        chain = [np.arange(n, dtype=np.int64)]
        while len(chain) <= n and (chain[-1] >= 0).any():
            last = chain[-1]
            chain.append(np.where(last >= 0, parent[np.maximum(last, 0)], -1))
        if len(chain) > n:
            raise ValueError("the organization tree has a cycle")
        ups = np.stack(chain[:-1] if len(chain) > 1 else chain, axis=1)
        self._depth = (ups >= 0).sum(axis=1) - 1
        # Root first: column k holds the ancestor at depth k (-1 below the organization).
        below = self._depth[:, None] - np.arange(ups.shape[1])[None, :]
        self._codes = np.where(
            below >= 0, np.take_along_axis(ups, np.maximum(below, 0), axis=1), -1
        )

    def code_of(self, org_id: str | None, missing: int) -> int:
        """The code of ``org_id``, ``missing`` when it has none."""
        return missing if org_id is None else self.code.get(org_id, missing)

    def of(self, ids: Sequence[str], pad: int) -> tuple[IntArray, IntArray]:
        """Codes (one row per id, root first, padded with ``pad``) and depths (root: 0)."""
        import numpy as np

        code = self.code
        at = np.fromiter((code[i] for i in ids), dtype=np.int64, count=len(ids))
        depth: IntArray = self._depth[at]
        width = int(depth.max()) + 1 if len(ids) else 1
        codes: IntArray = self._codes[at, :width]
        if pad != -1:
            codes = np.where(codes >= 0, codes, pad)
        return codes, depth


def near_blocks(
    a: IntArray, a_depth: IntArray, b: IntArray, b_depth: IntArray, reach: int
) -> list[tuple[IntArray, IntArray, IntArray]]:
    """Blocks ``(a indices, b indices, distances)`` holding every pair at most ``reach``
    apart (and others): each ``a`` is in one block, with the distance to each ``b`` of
    its block (one row an ``a``).

    Each ``a`` is compared only with the ``b`` under its ancestor at depth ``h``, the
    highest a common ancestor within reach can be: ``a`` and ``b`` at distance
    ``da + db − 2·dc ≤ reach`` (``dc`` the depth of the lowest common ancestor) have
    ``dc ≥ (da + min db − reach) / 2`` and ``dc ≥ da − reach``. A city's weak branch is so
    compared with its own district, not the whole city. An ``a`` that could reach ``b`` in
    another tree (``da + min db + 2 ≤ reach``) is compared with every ``b``.
    """
    import numpy as np

    if not len(a) or not len(b):
        return []
    low = int(b_depth.min())
    # ceil((da + low - reach) / 2), written with floor division.
    top = np.clip(np.maximum(a_depth - reach, -((reach - a_depth - low) // 2)), 0, a_depth)
    loose = a_depth + low + 2 <= reach
    key = np.where(loose, -1, a[np.arange(len(a)), top])
    blocks = []

    def compare(ai: IntArray, bi: IntArray, h: int = -1) -> None:
        # All under one ancestor at depth ``h``: the paths agree down to it, so only the
        # codes below it are compared, as trees of their own (depths counted from h + 1).
        # Two in different ones are then "as far apart as both roots, plus one each":
        # through that ancestor, as they are.
        d = _distances(a[ai, h + 1 :], a_depth[ai] - h - 1, b[bi, h + 1 :], b_depth[bi] - h - 1)
        blocks.append((ai, bi, d))

    if loose.any():
        compare(np.nonzero(loose)[0], np.arange(len(b)))
    for h in np.unique(top[~loose]).tolist():
        column = b[:, h] if h < b.shape[1] else np.full(len(b), -3, dtype=np.int64)
        order = np.argsort(column, kind="stable")
        ranked = column[order]
        at = np.nonzero((top == h) & ~loose)[0]
        keys, which = np.unique(key[at], return_inverse=True)
        lo = np.searchsorted(ranked, keys, side="left")
        hi = np.searchsorted(ranked, keys, side="right")
        for n in range(len(keys)):
            if hi[n] > lo[n]:
                compare(at[which == n], order[lo[n] : hi[n]], h)
    return blocks


def _distances(a: IntArray, a_depth: IntArray, b: IntArray, b_depth: IntArray) -> IntArray:
    """Tree distances through the lowest common ancestor: every ``a`` against every ``b``.

    Two organizations in different trees are as far apart as both roots, plus one each.
    """
    import numpy as np

    width = max(a.shape[1], b.shape[1])
    a = np.pad(a, ((0, 0), (0, width - a.shape[1])), constant_values=-1)
    b = np.pad(b, ((0, 0), (0, width - b.shape[1])), constant_values=-2)
    # Column by column, root first: the pairs still agreeing, and how long they have.
    common = np.zeros((len(a), len(b)), dtype=np.int64)
    agree = np.ones((len(a), len(b)), dtype=bool)
    for column in range(width):
        agree &= a[:, column, None] == b[None, :, column]
        if not agree.any():
            break
        common += agree
    total = a_depth[:, None] + b_depth[None, :]
    # ``common`` shared ancestors: the lowest at depth ``common − 1``; none (different
    # trees): each root one more edge from the other's.
    result: IntArray = total + 2 - 2 * common
    return result


def _lacking(store: GraphStore, as_of: date, kind: LinkKind, weak: Sequence[Node]) -> list[Node]:
    have = {link.target for link in store.links(kind, as_of, targets=[w.id for w in weak])}
    return sorted((w for w in weak if w.id not in have), key=lambda w: w.id)


def _held(store: GraphStore, as_of: date, kind: LinkKind, sources: list[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for link in store.links(kind, as_of, sources=sources):
        counts[link.source] += 1
    return counts


def split_pairs(
    built: Built,
    pool: Pool,
    found: tuple[IntArray, IntArray, npt.NDArray[np.float64] | IntArray],
    *,
    joins: tuple[IntArray, IntArray] | None = None,
    degree: IntArray | None = None,
) -> None:
    """Split the allowed pairs of ``pool`` (row index, candidate index, values of the
    terms not ``by_candidate``) into connected parts, each an ``AssignmentProblem``; rows
    with no allowed candidate, or only full ones, are reported unmatched.

    ``split_blocks`` hands over only the pairs worth offering, with ``joins`` (row,
    candidate) that join the parts as every allowed pair would, and each candidate's
    ``degree`` among every allowed pair.

    A province has a million allowed pairs, so the split is a few passes over arrays: the
    pairs sorted once by (row, candidate), the parts found on the sparse graph of pairs,
    and each row and candidate numbered inside its part by a lookup table.
    """
    import numpy as np

    row_ids, cand_ids, held = pool.rows, pool.candidates, pool.held
    pair_r, pair_c, values = found
    n_rows, n_cands = len(row_ids), len(cand_ids)
    free = np.maximum(pool.capacity - np.array(held, dtype=np.int64), 0)
    any_pair = np.bincount(pair_r, minlength=n_rows) > 0
    usable = np.nonzero(free[pair_c] > 0)[0]
    # Stable (a merge of sorted runs): the pairs come in runs sorted by (row, candidate).
    usable = usable[np.argsort(pair_r[usable] * n_cands + pair_c[usable], kind="stable")]
    pair_r, pair_c = pair_r[usable], pair_c[usable]
    per_row = np.bincount(pair_r, minlength=n_rows)
    for i in np.nonzero(per_row == 0)[0].tolist():
        if not any_pair[i]:
            built.unmatched.append((row_ids[i], "no_candidate", pool.no_candidate))
        else:
            built.unmatched.append((row_ids[i], "capacity_full", "符合条件的候选均已满额"))
    if not len(pair_r):
        return
    indptr = np.concatenate(([0], np.cumsum(per_row)))
    join_r, join_c = joins if joins is not None else (pair_r[:0], pair_c[:0])
    label = _components(
        n_rows, n_cands, np.concatenate([pair_r, join_r]), np.concatenate([pair_c, join_c])
    )
    # Parts in the order of their first row (rows are in id order); inside a part, rows and
    # candidates numbered in id order.
    has = per_row > 0
    firsts = np.full(label.max() + 1, n_rows, dtype=np.int64)
    np.minimum.at(firsts, label[:n_rows][has], np.nonzero(has)[0])
    rank = np.argsort(np.argsort(firsts, kind="stable"), kind="stable")
    row_part = rank[label[:n_rows]]
    if degree is None:
        degree = np.bincount(pair_c, minlength=n_cands)
    cand_part = rank[label[n_rows:]]
    # Only the parts with a row (the first ones): a candidate no row may take is a part
    # of its own, thousands of them in a province, each a few array calls to skip.
    parts = int(np.count_nonzero(firsts < n_rows))
    rows_by_part = _grouped(row_part, has, parts)
    cands_by_part = _grouped(cand_part, degree > 0, parts)
    local = np.zeros(n_rows + n_cands, dtype=np.int64)  # rows, then candidates
    for members, offset in [*((m, 0) for m in rows_by_part), *((m, n_rows) for m in cands_by_part)]:
        local[members + offset] = np.arange(len(members))
    for rows_in, cands_in in zip(rows_by_part, cands_by_part, strict=True):
        if not len(rows_in):
            continue
        # The part's pairs: the slices of its rows, in row order (pairs sorted by row).
        counts = per_row[rows_in]
        before = np.cumsum(counts) - counts
        take = np.repeat(indptr[rows_in] - before, counts) + np.arange(int(counts.sum()))
        pairs = np.stack([local[pair_r[take]], local[pair_c[take] + n_rows]], axis=1)
        built.problems.append(
            AssignmentProblem(
                kind=pool.kind,
                rows=tuple(row_ids[i] for i in rows_in.tolist()),
                candidates=tuple(cand_ids[j] for j in cands_in.tolist()),
                terms=pool.terms,
                weights=pool.weights,
                pairs=pairs,
                values=_values(values, usable[take], pool.by_candidate, pair_c[take]),
                held=tuple(held[j] for j in cands_in.tolist()),
                free=tuple(free[cands_in].tolist()),
                degree=tuple(degree[cands_in].tolist()),
                load_weight=pool.load_weight,
            )
        )


def _components(n_rows: int, n_cands: int, rows: IntArray, cols: IntArray) -> IntArray:
    """The connected part of each row, then of each candidate, on the pairs
    ``(rows[n], cols[n])``."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    size = n_rows + n_cands
    # In the types the graph routines work in (float64 weights, int32 indices).
    graph = coo_matrix(
        (
            np.ones(len(cols), dtype=np.float64),
            (rows.astype(np.int32), (cols + n_rows).astype(np.int32)),
        ),
        shape=(size, size),
    ).tocsr()
    label: IntArray = connected_components(graph, directed=False)[1].astype(np.int64)
    return label


def split_blocks(
    built: Built,
    pool: Pool,
    blocks: list[tuple[IntArray, IntArray, npt.NDArray[np.bool_], tuple[Any, ...]]],
) -> None:
    """``split_pairs`` for pairs found in blocks, every row against every candidate of its
    block: ``(rows, candidates, allowed, values)``, ``allowed[r, c]`` and the pair's
    value of each of the first terms ``values[n][r, c]`` (the others are
    ``by_candidate``); each row is in one block, a candidate may be in several. Each row
    is offered only its ``n`` nearest candidates, ``n`` the rows of its part: the pairs
    ``assignment.nearest_pairs`` keeps of the part, in the same parts with the same
    candidates, each counting the rows that may take it (``degree``) as before.

    Where the id tie-break is in force, the problem so has the same optima as with every
    pair (``nearest_pairs`` gives the proof); where a part is too large for it, an
    optimum of the same cost (the proof's first half).

    A district's weak branches may each take most of its candidates of their sector: at
    province size, a million and a third allowed pairs, of which a tenth are kept. The
    blocks are so split and cut as matrices, not as a million pairs: a block where every
    row may take one same candidate is one part (its rows joined through that candidate,
    its candidates through its first row), any other is joined pair by pair, and each
    row's ``n`` nearest are a partition of its row of the block.
    """
    import numpy as np

    from orggraph.analysis.assignment import nearest_of_rows, nearness, real_costs, slot_loads

    n_rows, n_cands = len(pool.rows), len(pool.candidates)
    by_candidate = pool.by_candidate
    load = np.array(pool.held, dtype=np.int64)
    open_ = pool.capacity - load > 0
    degree = np.zeros(n_cands, dtype=np.int64)
    join_r: list[IntArray] = [np.zeros(0, dtype=np.int64)]
    join_c: list[IntArray] = [np.zeros(0, dtype=np.int64)]
    for rows, cands, allowed, _ in blocks:
        ok = allowed & open_[cands][None, :]
        degree[cands] += ok.sum(axis=0)  # a candidate is in a block once
        live = ok.any(axis=1)
        if not live.any():
            continue
        shared = np.nonzero(ok[live].all(axis=0))[0]
        if len(shared):
            reached = cands[ok.any(axis=0)]
            join_r += [rows[live], np.full(len(reached), rows[live][0])]
            join_c += [np.full(int(live.sum()), cands[shared[0]]), reached]
        else:
            rr, cc = np.nonzero(ok)
            join_r.append(rows[rr])
            join_c.append(cands[cc])
    joins = (np.concatenate(join_r), np.concatenate(join_c))
    label = _components(n_rows, n_cands, *joins)[:n_rows]
    in_joins = np.zeros(n_rows, dtype=bool)
    in_joins[joins[0]] = True
    part_rows = np.bincount(label[in_joins], minlength=n_rows + n_cands)
    # A row with only full candidates keeps its nearest full one: reported capacity_full.
    wanted = np.maximum(part_rows[label], 1)
    empty = np.zeros(0, dtype=np.int64)
    extra = 0 if by_candidate is None else by_candidate.shape[1]
    found_r, found_c, found_v = [], [], []
    for rows, cands, allowed, values in blocks:
        columns = [
            *values,
            *(by_candidate[cands].T[:, None, :] if by_candidate is not None else []),
        ]
        level = (
            real_costs(columns, pool.weights) + slot_loads(pool.load_weight, load[cands])[None, :]
        )
        key = nearness(level, cands[None, :], n_cands)
        # Full candidates after every open one; pairs not allowed never.
        key[:, ~open_[cands]] = np.iinfo(np.int64).max - 1
        key[~allowed] = np.iinfo(np.int64).max
        rr, cc = np.nonzero(allowed & nearest_of_rows(key, wanted[rows]))
        found_r.append(rows[rr])
        found_c.append(cands[cc])
        found_v.append(np.stack([value[rr, cc] for value in values], axis=1))
    found = (
        np.concatenate([empty, *found_r]),
        np.concatenate([empty, *found_c]),
        np.concatenate([np.zeros((0, len(pool.terms) - extra)), *found_v]),
    )
    split_pairs(built, pool, found, joins=joins, degree=degree)


def _values(
    values: npt.NDArray[np.float64] | IntArray,
    at: IntArray,
    by_candidate: npt.NDArray[np.float64] | None,
    cands: IntArray,
) -> npt.NDArray[np.float64]:
    """The term values of the pairs ``at`` (their candidates ``cands``), as floats: the
    pairs' own, then the candidates' (``split_pairs``)."""
    import numpy as np

    own = values[at].astype(np.float64, copy=False)
    if by_candidate is None:
        return own
    return np.concatenate([own, by_candidate[cands]], axis=1)


def _grouped(part: IntArray, keep: npt.NDArray[np.bool_], parts: int) -> list[IntArray]:
    """The indices where ``keep`` holds, grouped by ``part`` (0 … ``parts`` − 1), each
    group ascending."""
    import numpy as np

    at = np.nonzero(keep)[0]
    at = at[np.argsort(part[at], kind="stable")]
    bounds = np.searchsorted(part[at], np.arange(parts + 1))
    return [at[bounds[n] : bounds[n + 1]] for n in range(len(bounds) - 1)]
