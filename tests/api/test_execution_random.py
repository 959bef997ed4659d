"""Random queries: the planned executor answers each exactly as graphql-core does.

hypothesis-graphql writes random valid queries from the schema: one or two root fields
(chosen evenly), their arguments, nested selections, inline fragments on the ``Node``
interface's types. Each is asked of the small city twice, as ``test_execution`` does:
through the planned executor, then through graphql-core's own execution. The two answers
must be equal, keys in the same order; one with errors must be graphql-core's own, after
one fallback; one without errors must not have fallen back: the plan covered it.

The arguments are steered to the city's data: ``ID`` is one of its ids (or one that is
nowhere), ``Date`` one of the dates its history turns on, ``Int`` a small page or depth,
``String`` a search text; ``year`` is drawn from years with and without facts,
``after``/``before`` from cursors, an analysis' ``scope`` from its organizations.

The second property dresses each query: arguments become variables (some left to their
defaults), ``@include``/``@skip`` switches and ``__typename`` are added, fields repeated
(under an alias with other ids and dates, or as they are, for graphql-core to merge),
inline fragments turned into named ones; then the same text is asked again with other
values, so that a plan kept from the first request must follow the second's variables.

Each example is asked as one of three actors (the administrator; an analyst scoped to
城东区, who may not read sensitive fields; a viewer, who reads public fields only), so
masked values, hidden people and refused filters are compared too.

The embedded store answers the hundreds of examples; Neo4j, ten times slower per query
here, answers ten of the dressed ones, enough to meet the values it hands back.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

import graphql
import pytest
from graphql import (
    ArgumentNode,
    BooleanValueNode,
    ConstValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from orggraph.api import execution
from orggraph.api.context import LOCAL_ADMIN, Actor
from orggraph.api.schema import build_schema
from orggraph.api.types.connection import encode_cursor
from orggraph.model import LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope
from tests.api.conftest import Api
from tests.api.graphs import small_city
from tests.api.test_execution import both
from tests.graphs import fact, link

SCHEMA = build_schema()._schema


def _query_type() -> GraphQLObjectType:
    query = SCHEMA.query_type
    assert query is not None
    return query


QUERY = _query_type()

#: Every root field but ``auditLog``: a read of a sensitive field is audited after the
#: operation, so the planned run's own record would be in graphql-core's auditLog answer.
ROOTS = tuple(name for name in QUERY.fields if name != "auditLog")

CASE = "case-b2-20190701"
#: The small city's ids (tests/api/graphs.py), the case ``more_city`` adds, and an id
#: that is nowhere.
IDS = (
    "630100", "630102", "630102001", "630103", "b1", "b2", "m1", "m2", "m3", "m4",
    "w1", "d1", "wg01", "e1", "u1", CASE, "nobody",
)  # fmt: skip
#: Before anything, the first day, b2's founding, m2's deputy post, the default date of
#: the other tests, after the case opened, past its deadline.
DATES = (
    "2009-12-31", "2010-01-01", "2012-01-01", "2015-01-01",
    "2019-06-30", "2019-08-01", "2020-06-30",
)  # fmt: skip
TEXTS = ("", "党", "社区", "张", "b", "6301", "u")
#: Cursors of ids in the lists (this server's), and one it did not make.
CURSORS = (*(encode_cursor(i) for i in ("b1", "630102", "m2", "u1", "e1")), "x")
YEARS = (2018, 2019, 2020)


def _string(value: str) -> ValueNode:
    return StringValueNode(value=value)


def _int(value: int) -> ValueNode:
    return IntValueNode(value=str(value))


SCALARS: dict[str, st.SearchStrategy[ValueNode]] = {
    "ID": st.sampled_from(IDS).map(_string),
    "Date": st.sampled_from(DATES).map(_string),
    # Pages, depths, counts: small. A page outside [0, 1000] is refused by validation,
    # which would compare nothing.
    "Int": st.integers(min_value=0, max_value=3).map(_int),
    "String": st.sampled_from(TEXTS).map(_string),
}
#: Arguments whose literal values are drawn by name, not by type.
BY_NAME: dict[str, st.SearchStrategy[ValueNode]] = {
    "year": st.sampled_from(YEARS).map(_int),
    "after": st.sampled_from(CURSORS).map(_string),
    "before": st.sampled_from(CURSORS).map(_string),
}
#: A scope: organizations of the city (all there from 2010 on but b2, from 2012).
ORG = st.sampled_from(("630100", "630102", "630102001", "630103", "b1", "b2")).map(_string)
SCOPES: st.SearchStrategy[ValueNode] = st.lists(ORG, max_size=2).map(
    lambda values: graphql.ListValueNode(values=tuple(values))
)
#: Kept literal: the cost rule counts a variable page as the largest page.
PAGES = frozenset({"first", "last"})

#: Who asks: the administrator sees everything; an analyst of 城东区 sees a subtree and
#: no sensitive fields; a viewer sees public fields only (the rest masked, some refused).
ACTORS = {
    "admin": LOCAL_ADMIN,
    "analyst": Actor(name="a", role="analyst", scope=Scope(roots=frozenset({"630102"}))),
    "viewer": Actor(name="v", role="viewer", scope=Scope()),
}

#: Error codes that say the document was refused before execution: nothing compared.
REFUSED = {"GRAPHQL_VALIDATION_FAILED", "QUERY_TOO_COMPLEX"}

#: Fixed examples, no database: the same queries on every run.
LITERAL = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Each dressed example is asked twice.
DRESSED = settings(LITERAL, max_examples=120)
OVER_NEO4J = settings(LITERAL, max_examples=24)


def more_city(store: GraphStore) -> None:
    """The small city, with what it lacks for the fields below to hold values: yearly
    facts, a pairing, a unit's organization, an ended contact, and a remediation case of
    b2 (rectifying since 2019-07-01, d1 responsible, b1 its partner), in one write."""
    city, k = small_city(), LinkKind
    facts = (
        fact("b1", 2019, "assessment_grade", "good"),
        fact("b1", 2019, "meetings_held", 12),
        fact("b1", 2019, "collective_income", 3.5),
        fact("b1", 2019, "venue_upgraded", True),
        fact("b1", 2019, "vanguard_index", 87.5),
        fact("b2", 2019, "assessment_grade", "poor"),
        fact("b2", 2018, "meetings_held", 2),
    )
    links = (
        link(k.PAIRED_WITH, "b1", "b2", start=date(2019, 1, 1)),
        link(k.ESTABLISHED_IN, "b1", "u1", mode="own"),
        link(k.CONTACTS, "w1", "b2", start=date(2012, 1, 1), end=date(2015, 1, 1)),
    )
    case = Node(
        id=CASE,
        kind=NodeKind.CASE,
        name="某村党支部整顿转化",
        valid_from=date(2019, 7, 1),
        attrs={
            "organization": "b2",
            "state": "rectifying",
            "reasons": ["secretary_vacant"],
            "responsible": "d1",
            "partner": "b1",
            "deadline": date(2019, 12, 31),
            "evidence": "整改方案",
        },
    )
    batch = WriteBatch(nodes=(*city.nodes, case), links=(*city.links, *links), facts=facts)
    store.write(batch, actor="test")


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Api]]:
    """The city in an embedded store, built once, and a client for each actor."""
    store = EmbeddedStore(Path(tmp_path_factory.mktemp("random")) / "city.db")
    more_city(store)
    try:
        yield {name: Api(store, actor=actor) for name, actor in ACTORS.items()}
    finally:
        store.close()


# -- what to ask --------------------------------------------------------------------------
@dataclass(frozen=True)
class Ask:
    """A query, its variables, and other values for a second request of the same text."""

    query: str
    variables: dict[str, Any] | None = None
    again: dict[str, Any] | None = None


def _document(node: DocumentNode) -> DocumentNode:
    return node


@functools.cache
def _generated(roots: tuple[str, ...]) -> st.SearchStrategy[DocumentNode]:
    # A schema whose Query has only these roots: hypothesis-graphql sizes a query for the
    # whole root type, so one root gets the whole size (9 fields on average, up to 30)
    # where ``fields=`` would give it its share (3 on average, median 2). Same types,
    # same names: what it writes is valid in the real schema.
    root = GraphQLObjectType("Query", {name: QUERY.fields[name] for name in roots})
    others = [t for n, t in SCHEMA.type_map.items() if n not in ("Query", "Mutation")]
    narrow = GraphQLSchema(query=root, types=others)
    return queries(narrow, custom_scalars=SCALARS, print_ast=_document)


class _Rewrite:
    """Rewrites a generated document: arguments drawn by name; ``dress`` also makes
    arguments variables (some with defaults), adds ``@include``/``@skip`` switches and
    ``__typename``, repeats fields (aliased, with other ids and dates; or as they are, for
    graphql-core to merge) and turns inline fragments into named ones."""

    def __init__(self, draw: st.DrawFn, dress: bool) -> None:
        self.draw = draw
        self.dress = dress
        self.definitions: list[VariableDefinitionNode] = []
        self.fragments: list[FragmentDefinitionNode] = []
        self.variables: dict[str, Any] = {}
        self.again: dict[str, Any] = {}
        self.aliases = 0

    def _one_in(self, n: int) -> bool:
        return self.dress and self.draw(st.integers(min_value=1, max_value=n)) == 1

    def _variable(self, type_text: str, value: ValueNode, again: Any) -> VariableNode:
        name = f"v{len(self.definitions)}"
        variable = VariableNode(name=NameNode(value=name))
        default = None
        if self._one_in(4):  # not sent: the variable's default gives the value
            default = cast(ConstValueNode, value)  # a literal, as hypothesis-graphql writes
        else:
            self.variables[name] = graphql.value_from_ast_untyped(value)
            self.again[name] = again
        self.definitions.append(
            VariableDefinitionNode(
                variable=variable,
                type=graphql.parse_type(type_text),
                default_value=default,
                directives=(),
            )
        )
        return variable

    def _other(self, argument: GraphQLArgument, value: ValueNode) -> Any:
        """Another value of ``argument`` for the second request: ids and dates change."""
        name = graphql.get_named_type(argument.type).name
        if isinstance(value, StringValueNode) and name in ("ID", "Date"):
            return self.draw(st.sampled_from(IDS if name == "ID" else DATES))
        return graphql.value_from_ast_untyped(value)

    def arguments(
        self, nodes: Sequence[ArgumentNode], definition: GraphQLField, redraw: bool = False
    ) -> tuple[ArgumentNode, ...]:
        out = []
        for node in nodes:
            name = node.name.value
            argument = definition.args[name]
            value: ValueNode = node.value
            if isinstance(value, graphql.NullValueNode):
                pass
            elif name in BY_NAME:
                value = self.draw(BY_NAME[name])
            elif name == "scope":  # an analysis' scope: organizations, most of the time
                value = self.draw(SCOPES if isinstance(value, graphql.ListValueNode) else ORG)
            elif redraw and isinstance(value, StringValueNode):
                value = self.draw(SCALARS[graphql.get_named_type(argument.type).name])
            if name not in PAGES and self._one_in(2):
                value = self._variable(str(argument.type), value, self._other(argument, value))
            out.append(ArgumentNode(name=node.name, value=value))
        return tuple(out)

    def _switch(self) -> tuple[DirectiveNode, ...]:
        if not self._one_in(8):
            return ()
        directive = self.draw(st.sampled_from(("include", "skip")))
        yes = BooleanValueNode(value=self.draw(st.booleans()))
        condition = self._variable("Boolean!", yes, self.draw(st.booleans()))
        argument = ArgumentNode(name=NameNode(value="if"), value=condition)
        return (DirectiveNode(name=NameNode(value=directive), arguments=(argument,)),)

    def selections(self, node: SelectionSetNode, parent: GraphQLNamedType) -> SelectionSetNode:
        out: list[SelectionNode] = []
        for selection in node.selections:
            if isinstance(selection, InlineFragmentNode):
                out.append(self._fragment(selection))
                continue
            assert isinstance(selection, FieldNode)
            assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
            definition = parent.fields[selection.name.value]
            rewritten = self.field(selection, definition)
            out.append(rewritten)
            if self._one_in(8):
                # The same field again, under an alias, with other ids and dates.
                self.aliases += 1
                alias = NameNode(value=f"again{self.aliases}")
                out.append(self.field(selection, definition, alias=alias))
            elif self._one_in(10):
                # The same field again, without its switch: graphql-core merges the two.
                out.append(
                    FieldNode(
                        name=rewritten.name,
                        alias=rewritten.alias,
                        arguments=rewritten.arguments,
                        directives=(),
                        selection_set=rewritten.selection_set,
                    )
                )
        if self._one_in(6):
            typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
            out.insert(self.draw(st.integers(min_value=0, max_value=len(out))), typename)
        return SelectionSetNode(selections=tuple(out))

    def _fragment(self, node: InlineFragmentNode) -> SelectionNode:
        condition = node.type_condition
        assert condition is not None  # hypothesis-graphql always names the type
        inner = SCHEMA.get_type(condition.name.value)
        assert inner is not None
        selection = self.selections(node.selection_set, inner)
        directives = self._switch()
        if not self._one_in(3):
            return InlineFragmentNode(
                type_condition=condition, directives=directives, selection_set=selection
            )
        name = NameNode(value=f"F{len(self.fragments)}")
        self.fragments.append(
            FragmentDefinitionNode(
                name=name,
                type_condition=condition,
                variable_definitions=(),
                directives=(),
                selection_set=selection,
            )
        )
        return FragmentSpreadNode(name=name, directives=directives)

    def field(
        self, node: FieldNode, definition: GraphQLField, alias: NameNode | None = None
    ) -> FieldNode:
        inner = None
        if node.selection_set is not None:
            inner = self.selections(node.selection_set, graphql.get_named_type(definition.type))
        return FieldNode(
            name=node.name,
            alias=alias or node.alias,
            arguments=self.arguments(node.arguments or (), definition, redraw=alias is not None),
            directives=self._switch(),
            selection_set=inner,
        )


@st.composite
def asks(draw: st.DrawFn, dress: bool = False) -> Ask:
    """A random query over one or two root fields (chosen evenly: the generator alone
    favours a few), with its arguments steered to the city's data."""
    roots = draw(st.lists(st.sampled_from(ROOTS), min_size=1, max_size=2, unique=True))
    generated = draw(_generated(tuple(sorted(roots))))
    (operation,) = generated.definitions
    assert isinstance(operation, OperationDefinitionNode)
    rewrite = _Rewrite(draw, dress)
    selection = rewrite.selections(operation.selection_set, QUERY)
    rewritten = OperationDefinitionNode(
        operation=operation.operation,
        name=NameNode(value="Random") if rewrite.definitions else None,
        variable_definitions=tuple(rewrite.definitions),
        directives=(),
        selection_set=selection,
    )
    query = graphql.print_ast(DocumentNode(definitions=(rewritten, *rewrite.fragments)))
    if not rewrite.definitions:
        return Ask(query=query)
    return Ask(query=query, variables=rewrite.variables, again=rewrite.again)


# -- the comparison -----------------------------------------------------------------------
@dataclass
class Tally:
    """What the examples covered, so that a vacuous run (all refused, all errors) fails."""

    asks: set[str] = field(default_factory=set)  # distinct texts with their variables
    planned: int = 0  # answered without error, by the plan
    errors: int = 0  # answered with errors: graphql-core's partial answer, after a fallback
    reused: int = 0  # planned with a plan kept from an earlier request
    fields: Counter[str] = field(default_factory=Counter)  # "Type.field" in planned answers
    kinds: Counter[str] = field(default_factory=Counter)  # kinds of output type planned
    codes: Counter[str] = field(default_factory=Counter)  # error codes of the other answers


def compare(api: Api, query: str, variables: dict[str, Any] | None, tally: Tally) -> None:
    """Ask both ways: equal answers, and no fallback when graphql-core had no error."""
    kept = set(execution.last_plans())
    with pytest.MonkeyPatch.context() as patch:
        planned, reference, gave_up = both(api, patch, query, variables)
    assert planned == reference
    # And in the same order: the response's keys follow the query's (dicts compare without).
    assert json.dumps(planned) == json.dumps(reference)
    errors = reference.get("errors", [])
    codes = [e.get("extensions", {}).get("code", "") for e in errors]
    assume(not REFUSED.intersection(codes))
    tally.asks.add(json.dumps([query, variables], sort_keys=True))
    # The values are valid: any error was met while executing, where the plan gave up.
    assert gave_up == (1 if errors else 0), "planned unless graphql-core met an error"
    if errors:
        tally.errors += 1
        tally.codes.update(codes)
        return
    tally.planned += 1
    # The plan used is the one last touched: made now, or kept and moved to the end.
    plans = execution.last_plans()
    if plans and next(reversed(plans)) in kept:
        tally.reused += 1
    _count(graphql.parse(query), tally)


def compare_twice(api: Api, ask: Ask, tally: Tally) -> None:
    """``compare`` the ask, then the same text with its other values (ids, dates, switches):
    the plan kept from the first request (or made for other switches) must follow them."""
    compare(api, ask.query, ask.variables, tally)
    if ask.again is not None:
        compare(api, ask.query, ask.again, tally)


def _count(document: DocumentNode, tally: Tally) -> None:
    info = graphql.TypeInfo(SCHEMA)

    class Fields(graphql.Visitor):
        def enter_field(self, node: FieldNode, *_args: Any) -> None:
            parent, output = info.get_parent_type(), info.get_type()
            if parent is None or output is None:
                return
            tally.fields[f"{parent.name}.{node.name.value}"] += 1
            named = graphql.get_named_type(output)
            if graphql.is_list_type(graphql.get_nullable_type(output)):
                tally.kinds["list"] += 1
            if isinstance(named, GraphQLEnumType):
                tally.kinds["enum"] += 1
            elif isinstance(named, GraphQLScalarType):
                tally.kinds[f"scalar {named.name}"] += 1
            elif graphql.is_abstract_type(named):
                tally.kinds[f"interface {named.name}"] += 1
            elif named.name.endswith("Connection") and parent.name != "Query":
                tally.kinds["nested connection"] += 1

        def enter_inline_fragment(self, *_args: Any) -> None:
            tally.kinds["inline fragment"] += 1

        def enter_fragment_spread(self, *_args: Any) -> None:
            tally.kinds["named fragment"] += 1

        def enter_directive(self, *_args: Any) -> None:
            tally.kinds["switch"] += 1

    graphql.visit(document, graphql.TypeInfoVisitor(info, Fields()))


def _not_vacuous(tally: Tally, examples: int) -> None:
    # Most examples were compared (duplicates aside), most of those through the plan, and
    # the plan met lists, enums, the Date scalar and the Node interface's fragments.
    summary = f"{len(tally.asks)} asks, {tally.planned} planned, {tally.errors} with errors"
    assert len(tally.asks) > examples * 0.75, summary
    assert tally.planned > tally.errors * 2, (summary, tally.codes)
    for kind in ("list", "enum", "scalar Date", "interface Node", "inline fragment"):
        assert tally.kinds[kind] > 0, (kind, tally.kinds)


def test_random_queries_are_answered_as_graphql_core_answers_them(apis: dict[str, Api]) -> None:
    tally = Tally()

    @LITERAL
    @given(ask=asks(), who=st.sampled_from(sorted(ACTORS)))
    def asked(ask: Ask, who: str) -> None:
        compare(apis[who], ask.query, None, tally)

    asked()
    _not_vacuous(tally, LITERAL.max_examples)


def test_random_variables_and_switches_are_followed_by_the_kept_plan(
    apis: dict[str, Api],
) -> None:
    tally = Tally()

    @DRESSED
    @given(ask=asks(dress=True), who=st.sampled_from(sorted(ACTORS)))
    def asked(ask: Ask, who: str) -> None:
        compare_twice(apis[who], ask, tally)

    asked()
    _not_vacuous(tally, DRESSED.max_examples)
    assert tally.reused > 0
    assert tally.kinds["switch"] > 0
    assert tally.kinds["named fragment"] > 0


@pytest.mark.parametrize("store", [pytest.param("neo4j", marks=pytest.mark.neo4j)], indirect=True)
def test_random_queries_over_neo4j_are_answered_as_graphql_core_answers_them(
    store: GraphStore,
) -> None:
    # Fewer examples (about 0.5 s each here, ten times the embedded store's): enough to
    # meet the values Neo4j hands back on each path.
    more_city(store)
    apis = {name: Api(store, actor=actor) for name, actor in ACTORS.items()}
    tally = Tally()

    @OVER_NEO4J
    @given(ask=asks(dress=True), who=st.sampled_from(sorted(ACTORS)))
    def asked(ask: Ask, who: str) -> None:
        compare_twice(apis[who], ask, tally)

    asked()
    assert tally.planned > tally.errors * 2, (tally.planned, tally.codes)
