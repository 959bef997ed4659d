"""Duties a closed year left undone (责任事项未完成): the yearly cycle's coverage gap.

The year-end grade (``cycle_steps.grade``) closes each duty of a list: ``done`` when the
last observation saw 100 %, else ``not_done``. A duty not done stays a gap until one of
the lists after it carries it (``carried_from``) and gets it done. Each undone duty is one
row, whatever the number of years it has been carried:

- a ``not_done`` duty nothing carries yet: a row for it;
- carried into a later list and still under way there (listed, committed, observed): a row
  for the duty not done, until the later list closes it;
- carried and ``done`` there: no row (closed);
- carried and ``not_done`` there too: the row is the later duty's (the earlier one is
  represented by it).

Opening a year (``cycle_open``) carries these rows into the new lists, each once (by the
undone duty's id), so a next year's list derived from the gaps does not list a duty twice.
"""

from __future__ import annotations

__all__ = ["Undone", "undone_duties"]

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from orggraph.model import DutyState, Node, NodeKind
from orggraph.store.base import GraphStore

_CLOSED = (DutyState.DONE.value, DutyState.NOT_DONE.value)


@dataclass(frozen=True, kw_only=True, slots=True)
class Undone:
    """One undone duty at a date: the ``duty`` node graded not done, the secretary who
    held its list then (``holder``; ``None``: vacant), the day it was graded (``graded``),
    and the later list's duty carrying it, if one does (``carried_by``)."""

    duty: Node
    year: int
    organization: str
    holder: str | None
    graded: date
    carried_by: str | None = None


def undone_duties(
    store: GraphStore, as_of: date, organizations: frozenset[str] | None = None
) -> list[Undone]:
    """The undone duties at ``as_of`` (see the module) of ``organizations`` (``None``:
    every one), by duty id: two store calls whatever the number of duties."""
    duties = store.nodes(NodeKind.DUTY, as_of)
    carriers: dict[str, list[Node]] = defaultdict(list)
    for node in duties:
        source = node.get("carried_from")
        if source:
            carriers[str(source)].append(node)
    rows: list[tuple[Node, str | None]] = []
    for node in duties:
        if node.get("state") != DutyState.NOT_DONE.value:
            continue
        if organizations is not None and node.get("organization") not in organizations:
            continue
        later = carriers.get(node.id, [])
        if any(c.get("state") in _CLOSED for c in later):
            continue  # done since, or its carrier is the row now
        rows.append((node, min((c.id for c in later), default=None)))
    lists = {
        n.id: n
        for n in store.nodes(
            NodeKind.DUTY_LIST, as_of, ids=sorted({str(d.get("list")) for d, _ in rows})
        )
    }
    out = []
    for node, carried_by in sorted(rows, key=lambda r: r[0].id):
        kept = lists.get(str(node.get("list")))
        holder = None if kept is None else kept.get("holder")
        out.append(
            Undone(
                duty=node,
                year=int(node.attrs["year"]),
                organization=str(node.attrs["organization"]),
                holder=None if holder is None else str(holder),
                graded=node.valid_from,
                carried_by=carried_by,
            )
        )
    return out
