"""Limits: the request body at the HTTP edge, and the cost of a GraphQL document.

A ``Content-Length`` over ``max_request_bytes`` is refused (413) before the body is read;
a body sent in chunks is refused as soon as it passes the limit. What passes is read whole
here and handed on unchanged, so nothing behind this middleware ever holds more than the
limit.

``QueryCost`` refuses an operation whose estimated cost, with its variables' values,
passes ``max_query_cost``, or whose analyses would read more than the actor's budget
(``max_analysis_cost``, ``orggraph.api.budget``), before any resolver runs;
``page_rule`` refuses a literal page out of range while validating (with the depth, alias
and token limits in ``orggraph.api.schema``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_list_type,
)
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext

from orggraph.api.budget import analysis_fields, analysis_refusal
from orggraph.api.caches import caches_of
from orggraph.api.types.connection import DEFAULT_PAGE, MAX_PAGE

__all__ = ["BodyLimit", "QueryCost", "operation_cost", "page_rule"]


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


def _multiplier(
    node: FieldNode, field_type: GraphQLOutputType, in_connection: bool, pages: dict[str, int]
) -> int:
    """How many times a field's selection runs: ``first``/``last`` (a literal, or a
    variable's value), a guess for lists."""
    for argument in node.arguments or ():
        if argument.name.value in ("first", "last"):
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 0)
            if isinstance(value, VariableNode) and value.name.value in pages:
                return max(pages[value.name.value], 0)
            return MAX_PAGE  # not known: assume the largest page
    named = get_named_type(field_type)
    if named is not None and named.name.endswith("Connection"):
        return DEFAULT_PAGE
    if is_list_type(get_nullable_type(field_type)) and not in_connection:
        return LIST_GUESS
    return 1


def _cost(
    selections: SelectionSetNode | None,
    parent: GraphQLNamedType | None,
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    visiting: frozenset[str],
    pages: dict[str, int],
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
                total += 1 + _cost(
                    selection.selection_set, None, schema, fragments, visiting, pages
                )
                continue
            times = _multiplier(selection, definition.type, in_connection, pages)
            child = get_named_type(definition.type)
            inner = _cost(selection.selection_set, child, schema, fragments, visiting, pages)
            total += 1 + times * inner
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = schema.get_type(condition.name.value) if condition else parent
            total += _cost(selection.selection_set, target, schema, fragments, visiting, pages)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:  # unknown or a cycle: other rules report
                continue
            target = schema.get_type(fragment.type_condition.name.value)
            total += _cost(
                fragment.selection_set, target, schema, fragments, visiting | {name}, pages
            )
    return total


def _pages(operation: OperationDefinitionNode, variables: dict[str, Any] | None) -> dict[str, int]:
    """The integer variables' values: given, or else their literal defaults. A value that
    is no GraphQL ``Int`` is left out (the largest page is assumed, and the variable's
    coercion refuses it with its own message)."""
    given = variables or {}
    pages: dict[str, int] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        value = given.get(name)
        default = definition.default_value
        if type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT:
            pages[name] = value
        elif name not in given and isinstance(default, IntValueNode):
            pages[name] = int(default.value)
    return pages


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    pages: dict[str, int],
) -> int | None:
    """The estimated cost of ``operation`` with the page sizes its variables give
    (``_pages``); ``None`` when the schema has no root type for it (execution reports that).

    The cost of a field is 1 plus its selection's cost times how many times it runs: its
    ``first``/``last`` (a literal, or the variable's value or default; the largest page,
    ``MAX_PAGE``, when neither is known), 50 for a connection without either, 10 for
    another list.
    """
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _cost(operation.selection_set, root, schema, fragments, frozenset(), pages)


class QueryCost(SchemaExtension):
    """Refuse, before any resolver runs, an operation whose cost passes ``max_cost``, or
    whose analyses would read more than the actor's role may (``budgets``, by
    ``orggraph.api.budget``).

    The cost depends on the variables (a page size may be one), so it is checked for each
    request, after validation (``ValidationMemo``), and kept per document, operation and
    values of the integer variables, in the schema's own caches, with the document's
    analysis fields: a saved query asked again costs one lookup, and one without
    analyses nothing more.
    """

    def __init__(self, *, max_cost: int, budgets: dict[str, int] | None = None) -> None:
        self.max_cost = max_cost
        self.budgets = budgets or {}

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and not context.pre_execution_errors:
            error = self._refusal(context.schema._schema, document, context)
            if error is not None:
                context.pre_execution_errors = [error]
        yield

    def _refusal(
        self, schema: GraphQLSchema, document: DocumentNode, context: ExecutionContext
    ) -> GraphQLError | None:
        operation = get_operation_ast(document, context.operation_name)
        if operation is None:
            return None
        pages = _pages(operation, context.variables)
        costs = caches_of(schema).costs
        key = (id(document), context.operation_name, tuple(sorted(pages.items())))
        kept = costs.found(key)
        if kept is not None and kept[0] is document:
            found, analyses = kept[1], kept[2]
        else:
            found = operation_cost(schema, document, operation, pages)
            analyses = analysis_fields(document, operation)
            costs.keep(key, (document, found, analyses))
        if found is not None and found > self.max_cost:
            return GraphQLError(
                f"the operation would cost {found:,} (fields × the items they run for); the "
                f"limit is {self.max_cost:,} (setting max_query_cost): ask for smaller pages "
                "or fewer nested lists",
                operation,
                extensions={"code": "QUERY_TOO_COMPLEX"},
            )
        if analyses and self.budgets:
            return analysis_refusal(
                analyses, context.context, context.variables, self.budgets, operation
            )
        return None


def page_rule() -> type[ValidationRule]:
    """A validation rule refusing a literal ``first``/``last`` outside ``[0, MAX_PAGE]``,
    so that a huge list never reaches a resolver (a variable's value is checked by the
    connection, and counted by ``QueryCost``)."""

    class PageSize(ValidationRule):
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

    return PageSize
