"""Tree distances of ``orggraph.analysis.candidates``, worked out by hand on two trees::

    0 ── 1 ── 3        4 ── 5
    └── 2

Codes run root first (``_Ancestry.of``), padded below each organization: -1 for the rows,
-2 for the candidates, so that the two never agree past the shallower one. Two
organizations in different trees are as far apart as both roots, plus one each.
"""

from __future__ import annotations

import numpy as np

from orggraph.analysis.candidates import _distances

# Rows: 3 (depth 2) and 2 (depth 1); candidates: 2, 5 and 3.
ROWS = np.array([[0, 1, 3], [0, 2, -1]], dtype=np.int64)
ROW_DEPTH = np.array([2, 1], dtype=np.int64)
CANDS = np.array([[0, 2, -2], [4, 5, -2], [0, 1, 3]], dtype=np.int64)
CAND_DEPTH = np.array([1, 1, 2], dtype=np.int64)
# 3–2: through 0, 2 + 1; 3–5: apart, 2 + 1 + 2; 3–3: 0; 2–2: 0; 2–5: 1 + 1 + 2; 2–3: 1 + 2.
BY_HAND = [[3, 5, 0], [0, 4, 3]]


def test_every_row_against_every_candidate() -> None:
    assert _distances(ROWS, ROW_DEPTH, CANDS, CAND_DEPTH).tolist() == BY_HAND


def test_narrower_codes_end_the_comparison() -> None:
    # The row 2, its codes two wide, against candidates three wide: padded, not cut.
    found = _distances(ROWS[1:, :2], ROW_DEPTH[1:], CANDS, CAND_DEPTH)
    assert found.tolist() == [BY_HAND[1]]
