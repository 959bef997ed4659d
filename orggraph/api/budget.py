"""The analysis budget: what a request's analyses would read, refused before they run.

The field cost (``orggraph.api.limits.QueryCost``) counts ``coverageGaps`` as one field;
what it costs is the scope it runs over. Here an analysis field costs, for each date it
reads, the organizations, members and two-new units in its scope at that date (the
actor's scope narrowed by its ``scope``/``sectors`` arguments, as the resolver narrows
it), times its weight (how many passes its analysis makes). Every alias is a field of
its own, so thirty aliases cost thirty times one. A request whose analyses pass the
actor's role's budget (setting ``max_analysis_cost``) is refused with
``QUERY_TOO_COMPLEX`` before any resolver runs, saying how to narrow it: checked by
``orggraph.api.limits.QueryCost`` after the field cost, which keeps the analysis fields of
each document (a query without any costs nothing more).

A scope's size is counted from the store's index (subtrees, the units at the date by
area, membership links counted by target), once per (scope, date) in a request: thirty aliases
over the city cost one count. On the demo city (4,600 organizations, 91,000 members,
2,497 units: 98,097) the count takes about 2.5 ms once the store's index is warm (0.2 s
on a cold one, the first time a process reads the date).

>>> parse_budgets("viewer=300000, admin=3000000")
{'viewer': 300000, 'admin': 3000000}
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    value_from_ast_untyped,
)

from orggraph.api.context import Context
from orggraph.errors import ConfigError
from orggraph.model import LinkKind, NodeKind, Sector
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

__all__ = [
    "ANALYSIS_FIELDS",
    "ScopeSizes",
    "analysis_cost",
    "analysis_fields",
    "analysis_refusal",
    "parse_budgets",
]

#: The root fields that run an analysis over a scope: (weight, the arguments naming the
#: dates it reads; a date not given is today). The weight is how many passes over the
#: scope the analysis makes (``mapState``: coverage, gaps and weak branches; ``whatIf``:
#: the gaps before and after).
ANALYSIS_FIELDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "coverageGaps": (1, ("asOf",)),
    "unitCoverage": (1, ("asOf",)),
    "coverageRates": (1, ("asOf",)),
    "coverageChange": (1, ("since", "asOf")),
    "report": (1, ("asOf", "since")),
    "weakBranches": (1, ("asOf",)),
    "remediationCases": (1, ("asOf",)),
    "pairingSuggestions": (1, ("asOf",)),
    "changes": (1, ("since", "until")),
    "whatIf": (2, ("asOf",)),
    "mapState": (3, ("asOf",)),
}


def parse_budgets(text: str) -> dict[str, int]:
    """``ROLE=N`` pairs, comma-separated, as ``{role: N}``; a bad pair is a ``ConfigError``
    quoting it."""
    budgets: dict[str, int] = {}
    for pair in (p.strip() for p in text.split(",")):
        if not pair:
            continue
        role, sep, number = pair.partition("=")
        try:
            value = int(number.strip().replace("_", ""))
        except ValueError:
            value = -1
        if not sep or not role.strip() or value < 0:
            raise ConfigError(
                f"setting 'max_analysis_cost' (ORGGRAPH_MAX_ANALYSIS_COST) has pair {pair!r}; "
                "expected ROLE=N with N a whole number ≥ 0, e.g. 'viewer=300000,admin=3000000'"
            )
        budgets[role.strip()] = value
    if not budgets:
        raise ConfigError(
            f"setting 'max_analysis_cost' (ORGGRAPH_MAX_ANALYSIS_COST) has value {text!r}; "
            "expected at least one ROLE=N pair"
        )
    return budgets


@dataclass(slots=True)
class ScopeSizes:
    """Sizes of scopes at dates for one actor, each counted once (one request's worth)."""

    store: GraphStore
    own: Scope
    _sizes: dict[tuple[frozenset[str], frozenset[Sector], date], int] = field(default_factory=dict)
    _own: dict[date, frozenset[str] | None] = field(default_factory=dict)
    _areas: dict[date, dict[str, int]] = field(default_factory=dict)

    def size(self, roots: frozenset[str], sectors: frozenset[Sector], when: date) -> int:
        """Organizations + members + units in the actor's scope narrowed to ``roots`` and
        ``sectors`` at ``when``."""
        key = (roots, sectors, when)
        found = self._sizes.get(key)
        if found is None:
            found = self._sizes[key] = self._count(roots, sectors, when)
        return found

    def _units_by_area(self, when: date) -> dict[str, int]:
        """Units at ``when`` by area: a unit belongs to its place (its ``located_in``
        organization), as ``ScopeView.sees`` places it."""
        found = self._areas.get(when)
        if found is None:
            found = {}
            for link in self.store.links(LinkKind.LOCATED_IN, when):
                found[link.target] = found.get(link.target, 0) + 1
            self._areas[when] = found
        return found

    def _count(self, roots: frozenset[str], sectors: frozenset[Sector], when: date) -> int:
        own = self.own
        narrowed = Scope(roots=roots or own.roots, sectors=sectors or own.sectors)
        orgs = narrowed.view(self.store, when).organizations
        if orgs is not None and roots and own.roots:  # never wider than the actor's own
            if when not in self._own:
                self._own[when] = own.view(self.store, when).organizations
            mine = self._own[when]
            orgs = orgs if mine is None else orgs & mine
        if orgs is None:  # everything: the organizations at the date, from the index
            orgs = frozenset(n.id for n in self.store.nodes(NodeKind.ORGANIZATION, when))
        if not orgs:
            return 0
        members = self.store.count_links(LinkKind.MEMBER_OF, when, targets=sorted(orgs))
        units = sum(n for area, n in self._units_by_area(when).items() if area in orgs)
        return len(orgs) + sum(members.values()) + units


@dataclass(frozen=True, slots=True)
class Asked:
    """One analysis field as asked: its response key, name and cost."""

    key: str
    name: str
    cost: int


def _root_fields(
    selections: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> Iterator[FieldNode]:
    """The root fields of an operation, through its fragments (each spread counted)."""
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                yield from _root_fields(fragment.selection_set, fragments, seen | {name})


def _argument(node: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    for argument in node.arguments or ():
        if argument.name.value == name:
            try:
                return value_from_ast_untyped(argument.value, variables)
            except (TypeError, ValueError):  # judged again, precisely, by coercion
                return None
    return None


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _sector(value: Any) -> Sector | None:
    text = str(value)
    for member in Sector:
        if text in (member.name, member.value):
            return member
    return None


def _date(value: Any, today: date) -> date:
    try:
        return date.fromisoformat(str(value)) if value is not None else today
    except ValueError:  # refused by the Date scalar later, with its own message
        return today


def analysis_fields(
    document: DocumentNode, operation: OperationDefinitionNode
) -> tuple[FieldNode, ...]:
    """The analysis fields among a query ``operation``'s root fields, through its
    fragments (found once per document and operation, by ``QueryCost``)."""
    if operation.operation is not OperationType.QUERY:
        return ()
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return tuple(
        node
        for node in _root_fields(operation.selection_set, fragments)
        if node.name.value in ANALYSIS_FIELDS
    )


def analysis_cost(
    sizes: ScopeSizes,
    fields: tuple[FieldNode, ...],
    variables: dict[str, Any] | None,
    today: date,
) -> list[Asked]:
    """Each of the analysis ``fields`` with its cost, for these variables (the module)."""
    given = variables or {}
    asked: list[Asked] = []
    for node in fields:
        weight, date_names = ANALYSIS_FIELDS[node.name.value]
        roots = frozenset(str(r) for r in _listed(_argument(node, "scope", given)))
        sectors = frozenset(
            s for s in map(_sector, _listed(_argument(node, "sectors", given))) if s is not None
        )
        dates = {
            _date(_argument(node, name, given), today)
            for name in date_names
            if name in ("asOf", "until") or _argument(node, name, given) is not None
        }
        cost = weight * sum(sizes.size(roots, sectors, when) for when in sorted(dates))
        key = node.alias.value if node.alias else node.name.value
        asked.append(Asked(key=key, name=node.name.value, cost=cost))
    return asked


def analysis_refusal(
    fields: tuple[FieldNode, ...],
    request: Any,
    variables: dict[str, Any] | None,
    budgets: dict[str, int],
    node: Node,
) -> GraphQLError | None:
    """The refusal of analysis ``fields`` asked by ``request`` (the context: its store,
    actor and day) when they would read more than the actor's role may (``budgets``; a
    role not listed gets the smallest); ``None`` when they fit."""
    if not fields or not isinstance(request, Context):
        return None
    actor = request.actor
    budget = budgets.get(actor.role, min(budgets.values()))
    sizes = ScopeSizes(store=request.store, own=actor.scope)
    asked = analysis_cost(sizes, fields, variables, request.today)
    request.analysis_cost = sum(a.cost for a in asked)
    if request.analysis_cost <= budget:
        return None
    return _refusal(asked, actor.role, budget, node)


def _refusal(asked: list[Asked], role: str, budget: int, node: Any) -> GraphQLError:
    total = sum(a.cost for a in asked)
    by_name: dict[str, list[Asked]] = {}
    for a in asked:
        by_name.setdefault(a.name, []).append(a)
    parts = ", ".join(
        f"{name} ×{len(items)} ({sum(i.cost for i in items):,})"
        for name, items in sorted(by_name.items(), key=lambda kv: -sum(i.cost for i in kv[1]))
    )
    return GraphQLError(
        f"the operation's analyses would read {total:,} organizations, members and units "
        f"({parts}); the limit for a {role} is {budget:,} (setting max_analysis_cost): "
        "narrow each analysis with its scope argument (an organization's subtree) or its "
        "sectors, ask fewer aliases, or split the request",
        node,
        extensions={"code": "QUERY_TOO_COMPLEX", "cost": total, "limit": budget},
    )
