"""Clipping (``orggraph import --clip-links``): links trimmed to their ends' lives.

Ordinary data often dates a link before its end was recorded: a member joined in 2008 a
branch the file says was founded in 2010. Without clipping that is a
``link-within-ends`` error; with it, the link is trimmed to the part of its dates both
ends exist (the first such stretch) and the trim is a ``link-clipped`` warning on the
link's row, saying which end, which side ("starts before" / "ends after") and the dates
before and after. A link that shares no day with an end is left as it is: the model's
rule refuses it.

The ends' lives are what the write would leave: the stored versions of each end with
the import's own rows planned over them (``orggraph.model.plan``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from orggraph.errors import Problem, ValidationFailed
from orggraph.imports.convert import Placed
from orggraph.model import Link, Node, WriteBatch, plan
from orggraph.store.base import GraphStore

__all__ = ["clip_links", "lives"]

Span = tuple[date, date | None]


def lives(
    store: GraphStore, nodes: Sequence[Node], ids: set[str], effective: date
) -> dict[str, list[Span]]:
    """The stretches of days each of ``ids`` exists once ``nodes`` are written, merged and
    sorted (back-to-back versions are one stretch)."""
    try:
        changes = plan(store, WriteBatch(nodes=tuple(nodes), effective=effective))
    except ValidationFailed:
        return {}  # the rows break history: the import is refused for that, not clipped
    closes = {(i, s): e for i, s, e in changes.close_nodes}
    spans: dict[str, list[Span]] = {}
    for key, versions in store.node_versions(ids).items():
        for v in versions:
            end = closes.get((key, v.valid_from), v.valid_to)
            spans.setdefault(key, []).append((v.valid_from, end))
    for node in changes.add_nodes:
        if node.id in ids:
            spans.setdefault(node.id, []).append((node.valid_from, node.valid_to))
    return {key: _merged(found) for key, found in spans.items()}


def _merged(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans, key=lambda s: s[0]):
        if out and (out[-1][1] is None or out[-1][1] >= start):
            last_end = out[-1][1]
            merged_end = None if last_end is None or end is None else max(last_end, end)
            out[-1] = (out[-1][0], merged_end)
        else:
            out.append((start, end))
    return out


def _overlap(span: Span, start: date, end: date | None) -> Span | None:
    """The days ``[start, end)`` shares with ``span``, if any."""
    s = max(start, span[0])
    e = end if span[1] is None else (span[1] if end is None else min(end, span[1]))
    return (s, e) if e is None or s < e else None


def _show(spans: Sequence[Span]) -> str:
    return ", ".join(f"{s}..{e or ''}" for s, e in spans)


def clip_links(
    store: GraphStore,
    nodes: Sequence[Placed[Node]],
    links: list[Placed[Link]],
    effective: date,
) -> tuple[list[Placed[Link]], list[Problem]]:
    """``links`` trimmed to their ends' lives, and a ``link-clipped`` warning per trim."""
    ids = {e for x in links for e in (x.record.source, x.record.target)}
    life = lives(store, [n.record for n in nodes], ids, effective)
    out: list[Placed[Link]] = []
    warnings: list[Problem] = []
    for placed in links:
        link = placed.record
        start, end = link.valid_from, link.valid_to
        notes: list[tuple[str, str]] = []  # (column, what happened)
        for node_id in (link.source, link.target):
            spans = life.get(node_id)
            first = next((o for sp in spans or () if (o := _overlap(sp, start, end))), None)
            if spans is None or first is None:
                continue  # no day in common: the model's rule refuses it
            shown = f"{node_id!r} ({_show(spans)})"
            if first[0] > start:
                notes.append(("valid_from", f"starts {start}, before {shown} exists"))
            if first[1] != end:
                notes.append(("valid_to", f"ends {end or 'never (open)'}, after {shown} ends"))
            start, end = first
        if not notes:
            out.append(placed)
            continue
        out.append(replace(placed, record=replace(link, valid_from=start, valid_to=end)))
        for column, what in notes:
            warnings.append(
                placed.where.problem(
                    "link-clipped",
                    f"link {link.id} {what}: clipped to {start}..{end or ''}",
                    column=column,
                    value=f"{link.valid_from}..{link.valid_to or ''}",
                    severity="warning",
                )
            )
    return out, warnings
