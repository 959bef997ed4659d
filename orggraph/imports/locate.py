"""The model's rules, run as ``GraphStore.write`` runs them, their problems put on rows.

``plan`` and ``check_changes`` (``orggraph.model``) report problems by record id (and a
cycle by its path); ``Places`` knows the file, sheet, row and column each record came from.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import TypeVar

from orggraph.errors import CycleDetected, Problem, ValidationFailed
from orggraph.imports.convert import Placed, Where
from orggraph.imports.tables import TABLES, TableSpec
from orggraph.model import Changes, Link, LinkKind, Node, WriteBatch, check_changes, plan
from orggraph.store.base import GraphStore

__all__ = ["Places", "end_column", "model_problems"]

V = TypeVar("V", Node, Link)

_LINK_TABLE: dict[LinkKind, TableSpec] = {t.link_kind: t for t in TABLES if t.link_kind}


def end_column(placed: Placed[Link], end: str) -> str:
    """The column that named a link's ``source`` or ``target`` end."""
    if placed.column is not None:  # a shortcut column of a node table: parent, organization
        return "id" if end == "source" else placed.column
    table = _LINK_TABLE[placed.record.kind]
    return next(c.name for c in table.columns if c.role == end)


def model_problems(
    store: GraphStore, batch: WriteBatch
) -> tuple[list[tuple[Problem, tuple[str, ...] | None]], Changes]:
    """What ``plan`` and ``check_changes`` find (with a cycle's path), and the changes."""
    try:
        changes = plan(store, batch)
    except ValidationFailed as exc:
        return [(p, None) for p in exc.problems], Changes()
    try:
        check_changes(store, changes)
    except CycleDetected as exc:
        return [(p, exc.path) for p in exc.problems], changes
    except ValidationFailed as exc:
        found: list[tuple[Problem, tuple[str, ...] | None]] = [(p, None) for p in exc.problems]
        # The model looks for cycles only in otherwise sound changes: look in the sound part,
        # so that a cycle is reported together with the other errors.
        bad = {p.record for p in exc.problems}
        sound = Changes(
            add_nodes=[n for n in changes.add_nodes if n.id not in bad],
            close_nodes=changes.close_nodes,
            add_links=[
                x
                for x in changes.add_links
                if x.kind is LinkKind.SUBORDINATE_TO and x.id not in bad
            ],
            close_links=changes.close_links,
        )
        try:
            check_changes(store, sound)
        except CycleDetected as cycle:
            found += [(p, cycle.path) for p in cycle.problems]
        except ValidationFailed:
            pass
        return found, changes
    return [], changes


class Places:
    """Where each record of the import came from, to put the model's problems on rows."""

    def __init__(self, nodes: Iterable[Placed[Node]], links: Iterable[Placed[Link]]) -> None:
        self.nodes: dict[str, list[Placed[Node]]] = defaultdict(list)
        self.links: dict[str, list[Placed[Link]]] = defaultdict(list)
        self.edges: dict[tuple[str, str], Placed[Link]] = {}
        for n in nodes:
            self.nodes[n.record.id].append(n)
        for x in links:
            self.links[x.record.id].append(x)
            if x.record.kind is LinkKind.SUBORDINATE_TO:
                self.edges.setdefault((x.record.source, x.record.target), x)

    def locate(self, problem: Problem, path: tuple[str, ...] | None) -> Problem:
        if path:
            return self._cycle(problem, path)
        key = problem.record
        if key in self.links:
            placed_link = _row(self.links[key], problem)
            link = placed_link.record
            if problem.rule in ("link-ends-exist", "link-end-kind", "link-within-ends"):
                end = "source" if problem.value == link.source else "target"
                column: str | None = end_column(placed_link, end)
            elif problem.rule == "one-parent":
                column = end_column(placed_link, "target")
            else:
                column = _RULE_COLUMN.get(problem.rule, problem.column)
            return _at(problem, placed_link.where, column)
        if key in self.nodes:
            column = _RULE_COLUMN.get(problem.rule, problem.column)
            return _at(problem, _row(self.nodes[key], problem).where, column)
        return problem

    def _cycle(self, problem: Problem, path: tuple[str, ...]) -> Problem:
        rows = [self.edges[e] for e in itertools.pairwise(path) if e in self.edges]
        if not rows:
            return problem
        more = "; the rows making it: " + ", ".join(str(r.where) for r in rows)
        first = rows[0]
        return _at(
            replace(problem, message=problem.message + more, value=" → ".join(path)),
            first.where,
            end_column(first, "target"),
        )


def _row(rows: list[Placed[V]], problem: Problem) -> Placed[V]:
    """The row of a record that ``problem`` is about: for a history problem, the one whose
    起始日期 it names (its value); else the last."""
    if problem.rule == "history-append-only":
        for placed in rows:
            if placed.record.valid_from.isoformat() == problem.value:
                return placed
    return rows[-1]


_RULE_COLUMN = {
    "dates-ordered": "valid_to",
    "history-append-only": "valid_from",
    "end-open-version": "valid_to",
}


def _at(problem: Problem, where: Where, column: str | None) -> Problem:
    return replace(
        problem,
        file=where.file,
        sheet=where.sheet,
        row=where.row,
        column=where.headers.get(column, column) if column else None,
    )
