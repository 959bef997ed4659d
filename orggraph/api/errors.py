"""The one GraphQL error formatter: every error gets a stable ``extensions.code``.

- an ``OrgGraphError`` keeps its message and carries its ``code`` (``NOT_FOUND``,
  ``VALIDATION_FAILED`` with every ``Problem``, ``PERMISSION_DENIED``…);
- a GraphQL syntax or validation error keeps its message, code ``GRAPHQL_VALIDATION_FAILED``;
- anything else is a bug: the client sees ``INTERNAL_SERVER_ERROR`` and a fixed message,
  never a stack trace; the server log gets the traceback (``OrgGraphSchema.process_errors``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from orggraph.errors import OrgGraphError, Problem, ValidationFailed

__all__ = ["ErrorFormatter", "format_error", "is_expected", "log_unexpected", "problem_json"]

log = logging.getLogger("orggraph.api")

INTERNAL_MESSAGE = "内部错误 Internal server error"


def problem_json(problem: Problem) -> dict[str, Any]:
    """One ``Problem`` as JSON, leaving out the places it does not have."""
    fields = ("rule", "message", "file", "sheet", "row", "column", "value", "severity")
    return {name: getattr(problem, name) for name in fields if getattr(problem, name) is not None}


def is_expected(error: GraphQLError) -> bool:
    """Whether ``error`` is one we raise on purpose (or the client's query), not a bug."""
    original = error.original_error
    return original is None or isinstance(original, OrgGraphError | GraphQLError)


def format_error(error: GraphQLError) -> GraphQLError:
    """``error`` with a stable code, and masked when it is not an expected one."""
    original = error.original_error
    if isinstance(original, OrgGraphError):
        extensions: dict[str, Any] = {"code": original.code}
        message = str(original)
        if isinstance(original, ValidationFailed):
            extensions["problems"] = [problem_json(p) for p in original.problems]
            message = "; ".join(p.message for p in original.problems) or message
        return GraphQLError(
            message,
            nodes=error.nodes,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )
    if is_expected(error):
        if error.extensions and "code" in error.extensions:
            return error
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"},
        )
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        path=error.path,
        original_error=None,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )


class ErrorFormatter(SchemaExtension):
    """Applies ``format_error`` to every error of every operation."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [format_error(e) for e in errors]


def log_unexpected(errors: list[GraphQLError]) -> None:
    """Log the bugs among ``errors`` with their tracebacks; expected ones are not logged."""
    for error in errors:
        if not is_expected(error):
            original = error.original_error
            log.error(
                "unexpected error in %s",
                ".".join(str(p) for p in error.path or ()) or "operation",
                exc_info=(type(original), original, original.__traceback__) if original else None,
            )
