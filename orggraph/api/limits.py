"""Limits: the request body at the HTTP edge, and the cost of a GraphQL document.

A ``Content-Length`` over ``max_request_bytes`` is refused (413) before the body is read;
a body sent in chunks is refused as soon as it passes the limit. What passes is read whole
here and handed on unchanged, so nothing behind this middleware ever holds more than the
limit.

``cost_rule`` is a validation rule: an operation whose estimated cost passes
``max_query_cost`` is refused before any resolver runs (with the depth, alias and token
limits in ``orggraph.api.schema``).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orggraph.api.types.connection import DEFAULT_PAGE, MAX_PAGE

__all__ = ["BodyLimit", "cost_rule"]


class BodyLimit:
    """ASGI middleware: refuse request bodies larger than ``max_bytes`` with 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refuse(self, status: int, message: str) -> JSONResponse:
        code = "REQUEST_TOO_LARGE" if status == 413 else "BAD_REQUEST"
        response = JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
        response.headers["connection"] = "close"
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size < 0:
                bad = self._refuse(400, f"Content-Length {declared!r} is not a byte count")
                await bad(scope, receive, send)
                return
            if size > limit:
                too_big = self._refuse(
                    413,
                    f"the request body is {size:,} bytes; the limit is {limit:,} "
                    "(setting max_request_bytes, ORGGRAPH_MAX_REQUEST_BYTES)",
                )
                await too_big(scope, receive, send)
                return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > limit:
                too_big = self._refuse(
                    413,
                    f"the request body passed {limit:,} bytes, the limit "
                    "(setting max_request_bytes, ORGGRAPH_MAX_REQUEST_BYTES)",
                )
                await too_big(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        handed = False

        async def replay() -> Message:
            nonlocal handed
            if not handed:
                handed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# -- the GraphQL document: cost -----------------------------------------------------------
#: Items a list field is assumed to hold when nothing says how many (``children``, ``posts``).
LIST_GUESS = 10


def _multiplier(node: FieldNode, field_type: GraphQLOutputType, in_connection: bool) -> int:
    """How many times a field's selection runs: ``first``/``last``, a guess for lists."""
    for argument in node.arguments or ():
        if argument.name.value in ("first", "last"):
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 0)
            return MAX_PAGE  # a variable: assume the largest page
    named = get_named_type(field_type)
    if named is not None and named.name.endswith("Connection"):
        return DEFAULT_PAGE
    if is_list_type(get_nullable_type(field_type)) and not in_connection:
        return LIST_GUESS
    return 1


def _cost(
    selections: SelectionSetNode | None,
    parent: GraphQLNamedType | None,
    context: ValidationContext,
    fragments: dict[str, FragmentDefinitionNode],
    visiting: frozenset[str],
) -> int:
    if selections is None:
        return 0
    total = 0
    fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
    in_connection = parent is not None and parent.name.endswith("Connection")
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            definition = fields.get(selection.name.value)
            if definition is None:  # __typename, introspection or unknown: other rules judge
                total += 1 + _cost(selection.selection_set, None, context, fragments, visiting)
                continue
            times = _multiplier(selection, definition.type, in_connection)
            child = get_named_type(definition.type)
            inner = _cost(selection.selection_set, child, context, fragments, visiting)
            total += 1 + times * inner
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = context.schema.get_type(condition.name.value) if condition else parent
            total += _cost(selection.selection_set, target, context, fragments, visiting)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:  # unknown or a cycle: other rules report
                continue
            target = context.schema.get_type(fragment.type_condition.name.value)
            total += _cost(fragment.selection_set, target, context, fragments, visiting | {name})
    return total


def cost_rule(max_cost: int) -> type[ValidationRule]:
    """A validation rule refusing operations that would cost more than ``max_cost``.

    The cost of a field is 1 plus its selection's cost times how many times it runs: the
    literal ``first``/``last`` (a variable counts as the largest page, ``MAX_PAGE``), 50
    for a connection without either, 10 for another list. A literal page outside
    ``[0, MAX_PAGE]`` is refused here too, so a huge list never reaches a resolver.
    """

    class QueryCost(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            context = self.context
            fragments = {
                d.name.value: d
                for d in context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            root = context.schema.get_root_type(node.operation)
            cost = _cost(node.selection_set, root, context, fragments, frozenset())
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"the operation would cost {cost:,} (fields × the items they run "
                        f"for); the limit is {max_cost:,} (setting max_query_cost): ask "
                        "for smaller pages or fewer nested lists",
                        node,
                        extensions={"code": "QUERY_TOO_COMPLEX"},
                    )
                )

        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            if node.name.value in ("first", "last") and isinstance(node.value, IntValueNode):
                value = int(node.value.value)
                if not 0 <= value <= MAX_PAGE:
                    self.report_error(
                        GraphQLError(
                            f"{node.name.value} must be between 0 and {MAX_PAGE}, not {value}",
                            node,
                            extensions={"code": "QUERY_TOO_COMPLEX"},
                        )
                    )

    return QueryCost
