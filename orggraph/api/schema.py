"""The GraphQL schema: the graph's reads and writes, the analyses, the extensions.

``build_schema(settings)`` makes a fresh schema with the parser and validation caches,
the depth, alias, token and cost limits and the analysis budget from the settings (all
checked before any resolver runs), the one error formatter, the role check on every
mutation and the audit of sensitive reads. ``sdl()`` prints the schema as committed in
``schema/schema.graphql`` (the limits do not change it).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, IntValueNode, Visitor, visit
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.permission import PermissionExtension
from strawberry.schema.schema import validate_document
from strawberry.tools import merge_types
from strawberry.types.execution import ExecutionContext
from strawberry.types.graphql import OperationType

from orggraph.analysis.dating import Notice
from orggraph.api.budget import parse_budgets
from orggraph.api.caches import KEPT_ENTRIES, caches_of
from orggraph.api.context import Context
from orggraph.api.errors import ErrorFormatter, log_unexpected
from orggraph.api.execution import PlannedExecutor
from orggraph.api.heavy import relayed_result
from orggraph.api.lanes import HEAVY_COST
from orggraph.api.limits import QueryCost, page_rule
from orggraph.api.types import enums  # noqa: F401 - registers the model enums
from orggraph.api.types.analysis import ANALYSIS_MUTATIONS, ANALYSIS_QUERIES
from orggraph.api.types.audit import AuditQuery, CanWrite
from orggraph.api.types.cycle import CYCLE_MUTATIONS, CYCLE_QUERIES, SELF_SERVICE
from orggraph.api.types.drawing import DrawingQuery
from orggraph.api.types.links import LINK_TYPES
from orggraph.api.types.mutations import GraphMutation
from orggraph.api.types.nodes import NODE_TYPES
from orggraph.api.types.query import GraphQuery
from orggraph.settings import Settings
from orggraph.store.base import gc_paused

__all__ = [
    "DataDateWarnings",
    "HeavyTurn",
    "OrgGraphSchema",
    "ReadAudit",
    "ReleaseGroups",
    "ValidationMemo",
    "build_schema",
    "sdl",
]

#: Distinct documents kept parsed and validated.
CACHE_SIZE = KEPT_ENTRIES  # the same bound as the executor's plans
#: Ids named in one read-audit record (the count is always whole).
AUDITED_IDS = 1000

Query = merge_types(
    "Query", (GraphQuery, *ANALYSIS_QUERIES, *CYCLE_QUERIES, DrawingQuery, AuditQuery)
)
Mutation = merge_types("Mutation", (GraphMutation, *ANALYSIS_MUTATIONS, *CYCLE_MUTATIONS))

# Every mutation needs a role that may write (editor, admin), checked before its resolver
# runs; scope is checked by the write itself. Added once, to the merged type's fields.
# A secretary's own steps of the yearly cycle (SELF_SERVICE) are decided by the policy alone.
for _field in Mutation.__strawberry_definition__.fields:  # type: ignore[attr-defined]
    if _field.python_name in SELF_SERVICE:
        continue
    _field.extensions.append(PermissionExtension(permissions=[CanWrite()], use_directives=False))


class ReadAudit(SchemaExtension):
    """Records, after each operation, the sensitive fields it read: who, which fields of
    which ids (never the values), in the store's append-only audit trail."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        reads = getattr(context, "sensitive_reads", None)
        if not reads:
            return
        ids = sorted({node for node, _ in reads})
        detail = {
            "operation": self.execution_context.operation_name,
            "fields": sorted({name for _, name in reads}),
            "count": len(ids),
            "ids": ids[:AUDITED_IDS],
        }
        context.store.record_audit(context.actor.name, "read-sensitive", detail)


class DataDateWarnings(SchemaExtension):
    """The data's date (数据截至) in the response's ``extensions`` when an answer needs it.

    A field that left its date out and was asked at the data's date (today is past it), a
    date asked past the data, yearly facts read from an earlier year than the one wanted
    (``orggraph.analysis.dating``): each is one warning, where GraphQL clients look for
    what the server adds to an answer (the spec's ``extensions``, beside ``data``)::

        "extensions": {"dataDate": "2019-06-30", "warnings": [{"code": "PAST_DATA_DATE",
          "message": "数据截至 2019-06-30：所问日期 2026-12-06 晚于数据 (data as of …)",
          "dataDate": "2019-06-30", "asOf": "2026-12-06"}]}
    """

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if not isinstance(context, Context):
            return {}
        notices = context.dating.notices
        if not notices:
            return {}
        return {
            "dataDate": notices[0].data_date.isoformat(),
            "warnings": [warning_json(n) for n in notices],
        }


def warning_json(notice: Notice) -> dict[str, Any]:
    """One notice as a warning of the response's ``extensions``."""
    out: dict[str, Any] = {
        "code": notice.code,
        "message": notice.text,
        "dataDate": notice.data_date.isoformat(),
    }
    if notice.asked is not None:
        out["asOf"] = notice.asked.isoformat()
    if notice.year_used is not None:
        out["year"], out["yearUsed"] = notice.year_wanted, notice.year_used
    return out


class HeavyTurn(SchemaExtension):
    """An operation whose analyses read more than ``HEAVY_COST`` runs in its turn in the
    server's heavy lane (``orggraph.api.lanes``): city-wide analyses one at a time, so the
    quick questions beside them keep their pace. Its time limit starts with its turn.

    When the lane has child processes (``orggraph.api.heavy``) a query runs in one of them,
    whole (the same schema, limits, masking and read audit), and its answer stands for the
    execution here: its data and errors as the result, its extensions (the data's date)
    over this process's.
    """

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        lane = context.lane if isinstance(context, Context) else None
        if lane is None or context.analysis_cost <= HEAVY_COST:
            yield
            return
        with lane.turn(f"analyses reading {context.analysis_cost:,} records"):
            if lane.pool is not None and execution.operation_type is OperationType.QUERY:
                assert execution.query is not None  # a parsed document came from its text
                answer = lane.pool.graphql(
                    context.actor,
                    context.today,
                    execution.query,
                    execution.variables,
                    execution.operation_name,
                )
                execution.result = relayed_result(answer)
                execution.extensions_results.update(answer.get("extensions") or {})
            yield


class ReleaseGroups(SchemaExtension):
    """After each operation, the request's groups let go of their objects
    (``Loaders.release``): freed by reference counting, not left to the cyclic collector.

    The collector is paused meanwhile (``gc_paused``). A list of 4,512 branches makes some
    40,000 objects that all live until the release; a young generation collected every
    700 allocations walked them again and again for nothing, 8 ms of the list's 90.
    """

    def on_operation(self) -> Iterator[None]:
        with gc_paused():
            try:
                yield
            finally:
                loaders = getattr(self.execution_context.context, "loaders", None)
                if loaders is not None:
                    loaders.release()


class ValidationMemo(SchemaExtension):
    """Validation results kept per parsed document, found by the document's identity.

    strawberry's ``ValidationCache`` keys an LRU cache by the document itself, and
    graphql-core hashes a document by walking every node of it, on every request: about
    0.2 ms for a saved query. The parser cache hands out the same document object for
    the same text, so its identity is key enough (the document is kept with its entry,
    so that its identity is not reused while the entry lives). Kept in the schema's own
    caches (``orggraph.api.caches``).
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        schema, document = context.schema._schema, context.graphql_document
        assert document is not None  # parsed before validation, or the request ended
        rules = tuple(context.validation_rules)
        validated = caches_of(schema).validated
        key = (id(document), tuple(map(id, rules)))
        kept = validated.found(key)
        if kept is not None and kept[0] is document:
            errors = kept[2]
        else:
            errors = unreadable_numbers(document) or validate_document(schema, document, rules)
            validated.keep(key, (document, rules, errors))
        context.pre_execution_errors = errors
        yield


def unreadable_numbers(document: DocumentNode) -> list[GraphQLError]:
    """Integer literals longer than Python reads (``sys.get_int_max_str_digits``), as
    errors: validation's rules convert every literal and would fail unexpectedly on them
    (an ``Int`` of 5,000 digits was an internal error). Checked before the rules run."""
    longest = sys.get_int_max_str_digits() or math.inf
    found: list[GraphQLError] = []

    class Numbers(Visitor):
        def enter_int_value(self, node: IntValueNode, *_: Any) -> None:
            if len(node.value.lstrip("-")) > longest:
                found.append(
                    GraphQLError(
                        f"an integer of {len(node.value):,} digits: more than the "
                        f"{longest:,} a number may have",
                        node,
                    )
                )

    visit(document, Numbers())
    return found


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
        page_rule(),
    ]
    # Factories: a fresh extension per request; the two caches live at module level in
    # strawberry, shared by every request (and keyed by their size).
    tokens = settings.max_query_tokens
    max_cost = settings.max_query_cost
    budgets = parse_budgets(settings.max_analysis_cost)
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=tokens),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(limits),
        ValidationMemo,
        # After validation (it reads its errors): the field cost, then the analysis budget.
        lambda: QueryCost(max_cost=max_cost, budgets=budgets),
        HeavyTurn,  # after the analysis budget: it reads what the analyses cost
        ErrorFormatter,
        ReadAudit,
        DataDateWarnings,
        # Last: an extension entered after it that failed on entering would leave the
        # collector paused (strawberry exits only the hooks of a completed entry).
        ReleaseGroups,
    ]
    types: list[Any] = [*NODE_TYPES.values(), *LINK_TYPES]
    return OrgGraphSchema(
        query=Query,
        mutation=Mutation,
        types=types,
        extensions=extensions,
        execution_context_class=PlannedExecutor,
    )


def sdl() -> str:
    """The schema in SDL, as ``orggraph schema export`` writes it."""
    return build_schema().as_str() + "\n"
