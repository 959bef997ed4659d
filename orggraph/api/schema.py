"""The GraphQL schema: the graph's reads and writes, the analyses, the extensions.

``build_schema(settings)`` makes a fresh schema with the parser and validation caches,
the depth and alias limits from the settings, and the one error formatter. ``sdl()`` prints
the schema as committed in ``schema/schema.graphql`` (the limits do not change it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types.execution import ExecutionContext

from orggraph.api.errors import ErrorFormatter, log_unexpected
from orggraph.api.types import enums  # noqa: F401 - registers the model enums
from orggraph.api.types.analysis import ANALYSIS_MUTATIONS, ANALYSIS_QUERIES
from orggraph.api.types.drawing import DrawingQuery
from orggraph.api.types.links import LINK_TYPES
from orggraph.api.types.mutations import GraphMutation
from orggraph.api.types.nodes import NODE_TYPES
from orggraph.api.types.query import GraphQuery
from orggraph.settings import Settings

__all__ = ["OrgGraphSchema", "build_schema", "sdl"]

#: Distinct documents kept parsed and validated.
CACHE_SIZE = 512

Query = merge_types("Query", (GraphQuery, *ANALYSIS_QUERIES, DrawingQuery))
Mutation = merge_types("Mutation", (GraphMutation, *ANALYSIS_MUTATIONS))


class OrgGraphSchema(strawberry.Schema):
    """Logs only unexpected errors (with tracebacks); expected ones are the client's."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_unexpected(errors)


def build_schema(settings: Settings | None = None) -> OrgGraphSchema:
    """A schema with caches, limits from ``settings`` and the error formatter."""
    settings = settings or Settings()
    # The limits' validation rules are made once: the validation cache is keyed by the
    # document *and* the rules, so rules made anew for each request would never hit it.
    limits = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    # Factories: a fresh extension per request; the two caches live at module level in
    # strawberry, shared by every request (and keyed by their size).
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(limits),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        ErrorFormatter,
    ]
    types: list[Any] = [*NODE_TYPES.values(), *LINK_TYPES]
    return OrgGraphSchema(query=Query, mutation=Mutation, types=types, extensions=extensions)


def sdl() -> str:
    """The schema in SDL, as ``orggraph schema export`` writes it."""
    return build_schema().as_str() + "\n"
