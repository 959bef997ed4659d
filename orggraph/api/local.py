"""Running a GraphQL document in-process (``orggraph query``), with typed ``--var`` values.

A command-line value is text; the document's variable definitions say what it should be:
``ID``, ``String``, ``Date`` and enums stay text, ``Int``/``Float``/``Boolean`` and input
objects are read as JSON, and a single value given for a list variable becomes a list.

The schema is built once per ``Settings`` (``schema_for``) and reused: a schema carries
its caches (plans, validation results), so one built per call was planned and validated
again each time, and 50 saved-query exports held 51 schemas.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from graphql import (
    GraphQLError,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
    parse,
)

from orggraph.api.context import LOCAL_ADMIN, Actor, make_context
from orggraph.api.schema import OrgGraphSchema, build_schema
from orggraph.errors import Problem, ValidationFailed
from orggraph.settings import Settings
from orggraph.store.base import GraphStore

__all__ = ["QueryFailed", "parse_variables", "run_document", "schema_for"]

_TEXT_TYPES = {"ID", "String", "Date"}
#: Schemas kept, one per distinct ``Settings`` (a process has one or two).
SCHEMAS_KEPT = 4


@functools.lru_cache(maxsize=SCHEMAS_KEPT)
def schema_for(settings: Settings) -> OrgGraphSchema:
    """The schema for ``settings``: built on first use, then the same one."""
    return build_schema(settings)


class QueryFailed(ValidationFailed):
    """The document or its variables were refused, or its execution reported errors."""

    code = "QUERY_FAILED"

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems)
        lines = [f"{p.rule}: {p.message}" + (f" ({p.value})" if p.value else "") for p in problems]
        self.args = (f"the query failed with {len(lines)} error(s):\n" + "\n".join(lines),)


def _unwrap(node: TypeNode) -> tuple[str, bool]:
    """The named type under a type node, and whether a list wraps it."""
    is_list = False
    while isinstance(node, ListTypeNode | NonNullTypeNode):
        is_list = is_list or isinstance(node, ListTypeNode)
        node = node.type
    assert isinstance(node, NamedTypeNode)
    return node.name.value, is_list


def parse_variables(text: str, pairs: Iterable[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs typed by the document's variable definitions.

    Unknown keys and malformed pairs are reported together as ``ValidationFailed``.
    """
    try:
        document = parse(text)
    except GraphQLError as exc:
        raise QueryFailed([Problem(rule="graphql-syntax", message=exc.message)]) from exc
    types: dict[str, tuple[str, bool]] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for var in definition.variable_definitions or ():
                types[var.variable.name.value] = _unwrap(var.type)
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            problems.append(
                Problem(rule="variables", column="--var", value=pair, message="expected KEY=VALUE")
            )
            continue
        if key not in types:
            known = ", ".join(sorted(types)) or "(none)"
            problems.append(
                Problem(
                    rule="variables",
                    column="--var",
                    value=pair,
                    message=f"the query has no variable ${key}; it has: {known}",
                )
            )
            continue
        name, is_list = types[key]
        value: Any = raw
        if name not in _TEXT_TYPES or raw.startswith("["):
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw  # an enum value or a bare word: let GraphQL judge it
        if is_list and not isinstance(value, list):
            value = [value]
        values[key] = value
    if problems:
        raise QueryFailed(problems)
    return values


def run_document(
    store: GraphStore,
    settings: Settings,
    text: str,
    variables: Mapping[str, Any],
    *,
    actor: Actor = LOCAL_ADMIN,
    today: date | None = None,
) -> dict[str, Any]:
    """Execute ``text`` in-process for ``actor``; the result's ``data``.

    Raises ``QueryFailed`` with one problem per GraphQL error (message, path and code).
    """
    schema = schema_for(settings)
    context = make_context(store, settings, actor, today=today)
    result = schema.execute_sync(text, variable_values=dict(variables), context_value=context)
    if result.errors:
        raise QueryFailed(
            [
                Problem(
                    rule=str((e.extensions or {}).get("code", "GRAPHQL_ERROR")),
                    message=e.message,
                    value=".".join(str(p) for p in e.path or ()) or None,
                )
                for e in result.errors
            ]
        )
    return dict(result.data or {})
