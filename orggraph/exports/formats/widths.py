"""Column widths of a printed table, shared by the document writers (PDF, DOCX).

One rule for both, so the PDF and the Word document print alike: names, ids, dates and
numbers (``Column.nowrap`` or not text) as wide as their widest value; the hand-fill
columns (``Column.hand``) a ``HAND_SHARE`` of the width together; the free text columns
share the rest, each at least as wide as the widest piece it must not break (an id in
full-width brackets, the hidden shape). The writer passes how it measures text: the PDF
measures with the font it embeds, the DOCX estimates (it does not know the reader's font).

>>> approximate_width("王三（m3）", 10.0) > approximate_width("m3", 10.0)
True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from orggraph.exports.table import Column, Table, as_text
from orggraph.store.masking import Hidden, hidden_text

__all__ = ["HAND_SHARE", "HIDDEN", "KEEP", "PT", "approximate_width", "head_words", "plan_widths"]

HAND_SHARE = 0.27  # of the table's width, for the hand-fill columns together
PT = 25.4 / 72  # mm per point

# The hidden shape ((outside scope)) and a name's id in full-width brackets (王三（m3）):
# a column is at least as wide as the widest of these, so they are never broken.
HIDDEN = "|".join(re.escape(hidden_text(h, lang)) for h in Hidden for lang in ("zh", "en"))
KEEP = re.compile(rf"{HIDDEN}|（[A-Za-z0-9_.:/@+-]+）")

#: Half-width characters in a proportional font (Arial, Liberation Sans): about 0.56 em.
_NARROW_EM = 0.56


def approximate_width(text: str, pt: float) -> float:
    """The width in mm of ``text``'s longest line at ``pt`` points, estimated: a Chinese
    character is one em, any other about ``_NARROW_EM`` of one."""
    widest = 0.0
    for line in text.split("\n"):
        ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else _NARROW_EM for ch in line)
        widest = max(widest, ems)
    return widest * pt * PT


def head_words(header: str) -> list[str]:
    """A header may wrap between Chinese characters (two at least on a line) and words."""
    if header.isascii():
        return header.split() or [""]
    return [header[i : i + 2] for i in range(0, len(header), 2)] or [""]


def plan_widths(
    table: Table,
    columns: Sequence[Column],
    keep: Sequence[int],
    lang: str,
    width_of: Callable[[str], float],
    total: float,
    pad: float,
) -> list[float]:
    """Each printed column's width in mm (``columns``, at ``keep`` in ``table.columns``),
    for a table ``total`` mm wide with ``pad`` mm inside each cell on either side;
    ``width_of(text)`` is the width of ``text`` in mm at the table's text size.

    The widths add up to ``total`` unless the fixed columns alone are wider (the writer
    then sets smaller text, or scales every column).
    """
    natural: list[float] = []
    least: list[float] = []  # the widest piece that must not break: an id, (范围外)
    for i, column in zip(keep, columns, strict=True):
        head = max(width_of(w) for w in head_words(column.header(lang)))
        fixed = column.nowrap or column.kind != "text"
        sample = table.rows if fixed else table.rows[:2000]
        texts = [as_text(r[i], column.kind, lang) for r in sample]
        widest = max((width_of(t) for t in texts), default=0.0)
        natural.append(max(head, widest) + 2 * pad)
        whole = [k for t in texts for k in KEEP.findall(t)]
        least.append(max((width_of(k) for k in whole), default=0.0) + 2 * pad)
    hands = [i for i, c in enumerate(columns) if c.hand]
    fixed_cols = [i for i, c in enumerate(columns) if (c.nowrap or c.kind != "text")]
    out = list(natural)
    hand_total = max(HAND_SHARE * total, sum(natural[i] for i in hands)) if hands else 0.0
    for i in hands:
        out[i] = hand_total / len(hands)
    rest = total - hand_total - sum(natural[i] for i in fixed_cols if i not in hands)
    free = [i for i in range(len(columns)) if i not in hands and i not in fixed_cols]
    if free:
        # Each free column gets up to a floor, then the rest in proportion to its natural
        # width (dampened: long text gets more, short text is not starved).
        floor = min(18.0, max(10.0, rest / len(free)))
        base = {i: max(min(natural[i], floor), least[i]) for i in free}
        spare = max(0.0, rest - sum(base.values()))
        weights = {
            i: min(natural[i], total / 2) ** 0.75 * (2 if columns[i].width else 1) for i in free
        }
        total_weight = sum(weights.values())
        for i in free:
            out[i] = base[i] + spare * weights[i] / total_weight
    elif fixed_cols and not hands:
        spare = max(0.0, total - sum(out)) / len(out)
        out = [w + spare for w in out]
    return out
