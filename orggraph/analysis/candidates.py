"""Who may pair with which weak branch, and the values of the cost terms (结对、联点候选).

Builds the ``AssignmentProblem`` parts behind ``orggraph.analysis.pairing``: the allowed
(weak branch, candidate) pairs with their term values, split into connected parts. A
city has hundreds of weak branches and thousands of candidates, so the pairs are worked
out as arrays: tree distances through the lowest common ancestor come from comparing
root-first ancestor codes, row against column, all at once, each weak branch against only
the candidates under the highest common ancestor within reach (``near_pairs``: for a
partner, its district), so a province costs its districts, not its size squared.
"""

from __future__ import annotations

__all__ = ["Built", "leader_problems", "near_pairs", "partner_problems", "split_pairs"]

import threading
import weakref
from collections import defaultdict
from collections.abc import Sequence
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


def partner_problems(
    store: GraphStore,
    as_of: date,
    view: ScopeView,
    tree: OrgTree,
    weak: Sequence[Node],
    grades_by_org: dict[str, str],
    cfg: dict[str, Any],
) -> Built:
    """Strong partners (``paired_with``) for the weak branches without one.

    ``grades_by_org``: the assessment grade of the facts year of every organization that
    has one; ``cfg``: the ``[pairing.partner]`` table.
    """
    import numpy as np

    built = Built()
    rows = _lacking(store, as_of, LinkKind.PAIRED_WITH, weak)
    if not rows:
        return built
    weak_ids = {w.id for w in weak}
    grades: list[str] = list(cfg["grades"])
    strong = sorted(
        (
            n
            for n in tree.orgs.values()
            if n.attrs.get("level") == Level.GRASSROOTS
            and n.id not in weak_ids
            and grades_by_org.get(n.id) in grades
            and view.sees_org(n.id)
        ),
        key=lambda n: n.id,
    )
    built.names.update((n.id, n.name) for n in strong)
    cand_ids = [n.id for n in strong]
    held = _held(store, as_of, LinkKind.PAIRED_WITH, cand_ids)
    same_sector = bool(cfg["same_sector"])
    reach = int(cfg["max_distance"])
    ancestry = _ancestry(tree)
    row_codes, row_depth = ancestry.of([w.id for w in rows], pad=-1)
    cand_codes, cand_depth = ancestry.of(cand_ids, pad=-2)
    rank = np.array([grades.index(grades_by_org[c]) for c in cand_ids], dtype=np.float64)
    groups_r: dict[str, list[int]] = defaultdict(list)
    groups_c: dict[str, list[int]] = defaultdict(list)
    for i, w in enumerate(rows):
        groups_r[str(w.get("sector")) if same_sector else ""].append(i)
    for j, n in enumerate(strong):
        groups_c[str(n.get("sector")) if same_sector else ""].append(j)
    found_r, found_c, found_v = [], [], []
    for key, ri_list in groups_r.items():
        if key not in groups_c:
            continue
        ri = np.array(ri_list, dtype=np.int64)
        ci = np.array(groups_c[key], dtype=np.int64)
        rr, cc, d = near_pairs(row_codes[ri], row_depth[ri], cand_codes[ci], cand_depth[ci], reach)
        found_r.append(ri[rr])
        found_c.append(ci[cc])
        found_v.append(d)
    capacity = int(cfg["capacity"])
    split_pairs(
        built,
        LinkKind.PAIRED_WITH,
        [w.id for w in rows],
        cand_ids,
        ("distance", "grade"),
        (float(cfg["weight_distance"]), float(cfg["weight_grade"])),
        _concat(found_r, found_c, found_v),
        [held.get(c, 0) for c in cand_ids],
        capacity,
        float(cfg["weight_load"]),
        f"无同领域、距离不超过{reach}的考核好或优秀的非软弱党组织",
        by_candidate=rank[:, None],
    )
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
    allowed = covered | (row_district[:, None] == home_district[None, :])
    rr, cc = np.nonzero(allowed)
    d = _paired_distances(row_codes, row_depth, rr, home_codes, home_depth, cc)
    area = np.where(covered[rr, cc], 0.0, 1.0)
    split_pairs(
        built,
        LinkKind.CONTACTS,
        [w.id for w in rows],
        ids,
        ("area", "distance"),
        (float(cfg["weight_area"]), float(cfg["weight_distance"])),
        (rr, cc, np.stack([area, d.astype(np.float64)], axis=1)),
        [held.get(m, 0) for m in ids],
        capacity,
        float(cfg["weight_load"]),
        "无包联该片区或同区县的领导干部",
    )
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
    """Root-first ancestor codes of organizations, for distances by array comparison.

    Worked out for every organization of the tree at once, level by level up the
    parents (``OrgTree.path`` as arrays): a province's 20,000 candidates are then one
    lookup, not a path each."""

    def __init__(self, tree: OrgTree) -> None:
        import numpy as np

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


def near_pairs(
    a: IntArray, a_depth: IntArray, b: IntArray, b_depth: IntArray, reach: int
) -> tuple[IntArray, IntArray, IntArray]:
    """The pairs ``(a index, b index, distance)`` at most ``reach`` apart.

    Each ``a`` is compared only with the ``b`` under its ancestor at depth ``h``, the
    highest a common ancestor within reach can be: ``a`` and ``b`` at distance
    ``da + db − 2·dc ≤ reach`` (``dc`` the depth of the lowest common ancestor) have
    ``dc ≥ (da + min db − reach) / 2`` and ``dc ≥ da − reach``. A city's weak branch is so
    compared with its own district, not the whole city. An ``a`` that could reach ``b`` in
    another tree (``da + min db + 2 ≤ reach``) is compared with every ``b``.
    """
    import numpy as np

    empty = np.zeros(0, dtype=np.int64)
    if not len(a) or not len(b):
        return empty, empty, empty
    low = int(b_depth.min())
    # ceil((da + low - reach) / 2), written with floor division.
    top = np.clip(np.maximum(a_depth - reach, -((reach - a_depth - low) // 2)), 0, a_depth)
    loose = a_depth + low + 2 <= reach
    key = np.where(loose, -1, a[np.arange(len(a)), top])
    found_a, found_b, found_d = [empty], [empty], [empty]

    def compare(ai: IntArray, bi: IntArray, h: int = -1) -> None:
        # All under one ancestor at depth ``h``: the paths agree down to it, so only the
        # codes below it are compared, as trees of their own (depths counted from h + 1).
        # Two in different ones are then "as far apart as both roots, plus one each":
        # through that ancestor, as they are.
        d = _distances(a[ai, h + 1 :], a_depth[ai] - h - 1, b[bi, h + 1 :], b_depth[bi] - h - 1)
        rr, cc = np.nonzero(d <= reach)
        found_a.append(ai[rr])
        found_b.append(bi[cc])
        found_d.append(d[rr, cc])

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
    return np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_d)


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


def _paired_distances(
    a: IntArray, a_depth: IntArray, ai: IntArray, b: IntArray, b_depth: IntArray, bi: IntArray
) -> IntArray:
    """``_distances`` of ``a[ai[n]]`` and ``b[bi[n]]``, for each ``n``: a province's
    quarter of a million leader pairs compared a code column at a time, each column looked
    up for the pairs (never the pairs' whole rows of codes, padded, copied).

    ``a`` and ``b`` are padded apart below each organization (``_Ancestry.of``: ``a``
    with -1, ``b`` with -2), so the shared root-first codes end at the shallower one."""
    import numpy as np

    common = np.zeros(len(ai), dtype=np.int64)
    agree = np.ones(len(ai), dtype=bool)
    for column in range(min(a.shape[1], b.shape[1])):
        agree &= a[:, column][ai] == b[:, column][bi]
        if not agree.any():
            break
        common += agree
    # As ``_distances``: the lowest shared ancestor at depth ``common − 1``; none: each
    # root one more edge from the other's.
    result: IntArray = a_depth[ai] + b_depth[bi] + 2 - 2 * common
    return result


def _concat(
    rows: list[IntArray], cols: list[IntArray], values: list[IntArray]
) -> tuple[IntArray, IntArray, IntArray]:
    """The pairs found in each group, one after the other (one value a pair: a column)."""
    import numpy as np

    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty.reshape(0, 1)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(values)[:, None]


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
    kind: LinkKind,
    row_ids: list[str],
    cand_ids: list[str],
    terms: tuple[str, ...],
    weights: tuple[float, ...],
    found: tuple[IntArray, IntArray, npt.NDArray[np.float64] | IntArray],
    held: list[int],
    capacity: int,
    load_weight: float,
    no_candidate: str,
    *,
    by_candidate: npt.NDArray[np.float64] | None = None,
) -> None:
    """Split the allowed pairs (row index, candidate index, term values) into connected
    parts, each an ``AssignmentProblem``; rows with no allowed candidate, or only full
    ones, are reported unmatched.

    The values of the last terms may be the candidate's alone (``by_candidate``, a row a
    candidate): they are then looked up for the pairs of each part, not made for every
    pair found (a province's partners: a million pairs, some 20,000 candidates).

    A province has a million allowed pairs, so the split is a few passes over arrays: the
    pairs sorted once by (row, candidate), the parts found on the sparse graph of pairs,
    and each row and candidate numbered inside its part by a lookup table.
    """
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    pair_r, pair_c, values = found
    n_rows, n_cands = len(row_ids), len(cand_ids)
    free = np.maximum(capacity - np.array(held, dtype=np.int64), 0)
    any_pair = np.bincount(pair_r, minlength=n_rows) > 0
    usable = np.nonzero(free[pair_c] > 0)[0]
    # Stable (a merge of sorted runs): the pairs come in runs sorted by (row, candidate).
    usable = usable[np.argsort(pair_r[usable] * n_cands + pair_c[usable], kind="stable")]
    pair_r, pair_c = pair_r[usable], pair_c[usable]
    per_row = np.bincount(pair_r, minlength=n_rows)
    for i in np.nonzero(per_row == 0)[0].tolist():
        if not any_pair[i]:
            built.unmatched.append((row_ids[i], "no_candidate", no_candidate))
        else:
            built.unmatched.append((row_ids[i], "capacity_full", "符合条件的候选均已满额"))
    if not len(pair_r):
        return
    indptr = np.concatenate(([0], np.cumsum(per_row)))
    # In the types the graph routines work in (float64 weights, int32 indices): not copied.
    graph = csr_matrix(
        (
            np.ones(len(pair_c), dtype=np.float64),
            (pair_c + n_rows).astype(np.int32),
            np.pad(indptr, (0, n_cands), mode="edge").astype(np.int32),
        ),
        shape=(n_rows + n_cands, n_rows + n_cands),
    )
    _, label = connected_components(graph, directed=False)
    # Parts in the order of their first row (rows are in id order); inside a part, rows and
    # candidates numbered in id order.
    has = per_row > 0
    firsts = np.full(label.max() + 1, n_rows, dtype=np.int64)
    np.minimum.at(firsts, label[:n_rows][has], np.nonzero(has)[0])
    rank = np.argsort(np.argsort(firsts, kind="stable"), kind="stable")
    row_part = rank[label[:n_rows]]
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
                kind=kind,
                rows=tuple(row_ids[i] for i in rows_in.tolist()),
                candidates=tuple(cand_ids[j] for j in cands_in.tolist()),
                terms=terms,
                weights=weights,
                pairs=pairs,
                values=_values(values, usable[take], by_candidate, pair_c[take]),
                held=tuple(held[j] for j in cands_in.tolist()),
                free=tuple(free[cands_in].tolist()),
                degree=tuple(degree[cands_in].tolist()),
                load_weight=load_weight,
            )
        )


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
