"""A planned executor for queries: graphql-core's answer, at a fraction of its cost per field.

graphql-core executes a selection field by field and value by value: for each of the
45,000 fields of a list of 5,000 branches it builds a resolve info, a response path,
looks up the field, asks which kind of type it completes, and strawberry wraps every
resolver call in argument conversion and extension handling. That generality costs
4–10 µs per field here, several times the work of reading the value.

``PlannedExecutor`` does what compiled executors (graphql-jit for graphql-js) do: it
plans each selection set once, for its object type, into a list of
``(response key, step)`` whose steps already know how to read and complete their value,
made one function whose body is the response object's dict display (``_fill``).
A field with no resolver is read as an attribute; a resolver that takes only ``self``
and is given no arguments is called directly; every other field goes through its
resolver exactly as graphql-core calls it, with a resolve info and a response path.

A plan is kept across requests (``_plan``): for one schema, parsed document (strawberry's
parser cache hands out the same one for the same text), operation, and the values of the
variables that its ``@skip``/``@include`` read. Arguments are read by each execution.

**Only the successful path is planned.** Queries are reads, so when anything is not as
the plan expects (a resolver raises, a non-null field is null, a value is of an
unexpected kind, a resolver is asynchronous, the operation defers), the planned run is
dropped and the operation runs again through graphql-core, whose answer (partial data,
located errors) is then the answer. Mutations always run through graphql-core, once.
That run does not compute again what the planned run computed: the root fields' results
(or their errors) are kept in the executor (``roots``), and graphql-core completes the
kept ones instead of calling their resolvers again (``execute_field``), so one bad id
beside a city's coverage gaps runs the gaps once. Each fallback is counted by its reason
(``fallback_counts``) and logged at INFO.

**A query has a deadline**: ``request_seconds`` (a setting) after it starts. Python cannot
stop a thread, so the run checks the clock where work piles up: before each root field
(each analysis), on each list and every ``CHECK_EVERY`` items of it, and before each field
graphql-core executes. Past the deadline the whole query stops with one ``TIMEOUT`` error
(``Expired`` is a ``BaseException``, so that no resolver's or graphql-core's ``except
Exception`` takes it for a field's error). A time measured with ``time.monotonic``: the
operation runs synchronously, on whatever thread, and needs no event loop.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections import Counter
from collections.abc import Awaitable, Callable
from enum import StrEnum
from operator import attrgetter
from typing import Any

from graphql import (
    DirectiveNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    is_abstract_type,
    visit,
)
from graphql.execution.collect_fields import FieldDetailsList, collect_fields, collect_subfields
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, is_iterable
from graphql.type import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLString,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from orggraph.api.caches import Kept, caches_of
from orggraph.api.context import Context

__all__ = [
    "CHECK_EVERY",
    "Expired",
    "PlannedExecutor",
    "Unplanned",
    "fallback_counts",
    "last_plans",
]

log = logging.getLogger("orggraph.api")

_BACKREF = "strawberry-definition"
#: strawberry's ``is_type_of`` checks the value's class and never reads the resolve info.
_NO_INFO: Any = None
#: Items of a list completed between two looks at the clock.
CHECK_EVERY = 512
#: Root results kept by the planned run, by response key: ``(True, value)`` or
#: ``(False, the exception its resolver raised)``.
Roots = dict[str, tuple[bool, Any]]
_NONE_KEPT: Roots = {}

_now = time.monotonic


class Unplanned(Exception):
    """The planned run cannot give graphql-core's answer: graphql-core runs instead."""


class Expired(BaseException):  # a signal, not an error: no ``except Exception`` takes it
    """The query passed its deadline: it stops whole, with one ``TIMEOUT`` error."""


_counting = threading.Lock()
_FALLBACKS: Counter[str] = Counter()


def fallback_counts() -> dict[str, int]:
    """How many queries graphql-core answered after the planned run, by reason."""
    with _counting:
        return dict(_FALLBACKS)


class PlannedExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, with the planned run tried first for queries."""

    #: How many operations fell back to graphql-core (read by the tests and the bench).
    fallbacks = 0
    #: When the operation must stop (``time.monotonic``); none for mutations.
    deadline = math.inf
    roots = _NONE_KEPT

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self.operation.operation is not OperationType.QUERY:
            return super().execute_operation(serially)
        context = self.context_value
        if isinstance(context, Context):
            self.deadline = _now() + context.settings.request_seconds
        self.roots = {}
        middleware = self.middleware_manager
        try:
            if not (middleware and middleware.middlewares):
                try:
                    fill = _plan(self)
                    self.arguments: dict[int, dict[str, Any]] = {}
                    data = fill(self.root_value, None, self)
                except Exception as exc:  # any surprise: graphql-core's run gives the answer
                    self._fell_back(exc)
                else:
                    return self.finish(self.build_response(data))
            result = super().execute_operation(serially)
            if self.is_awaitable(result):  # an asynchronous resolver: stopped when awaited
                return self._guarded(result)
            return result
        except Expired:
            return self._expired()
        finally:
            # Let the results go with the operation, by reference counting (``ReleaseGroups``).
            self.roots = _NONE_KEPT

    async def _guarded(self, result: Awaitable[Any]) -> Any:
        try:
            return await result
        except Expired:
            return self._expired()

    def _fell_back(self, exc: Exception) -> None:
        reason = str(exc) if isinstance(exc, Unplanned) else f"{type(exc).__name__} raised"
        with _counting:
            PlannedExecutor.fallbacks += 1
            _FALLBACKS[reason] += 1
            total = PlannedExecutor.fallbacks
        log.info(
            "query %s answered by graphql-core (%s; %d root result(s) kept; fallback %d)",
            _name(self.operation),
            reason,
            len(self.roots),
            total,
        )

    def _expired(self) -> ExecutionResult:
        context = self.context_value
        seconds = context.settings.request_seconds if isinstance(context, Context) else 0.0
        log.warning("query %s stopped at its time limit, %g s", _name(self.operation), seconds)
        error = GraphQLError(
            f"the query ran past its time limit of {seconds:g} s (setting request_seconds) "
            "and was stopped: narrow it (an analysis's scope argument, fewer aliases, "
            "smaller pages) or split it",
            self.operation,
            extensions={"code": "TIMEOUT"},
        )
        return ExecutionResult(None, [error])

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """graphql-core's, checking the deadline first, and completing a root field whose
        result the planned run kept instead of resolving it again."""
        if _now() > self.deadline:
            raise Expired
        kept = self.roots.get(path.key) if path.prev is None else None  # type: ignore[arg-type]
        if kept is None:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        field = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
        assert field is not None  # the planned run resolved it
        nodes = [d.node for d in field_details_list]
        info = self.build_resolve_info(field, nodes, parent_type, path)
        try:
            ok, value = kept
            if not ok:
                raise value
            return self.complete_value(
                field.type, field_details_list, info, path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, field_details_list, path)
            return None


def _name(operation: OperationDefinitionNode) -> str:
    return operation.name.value if operation.name else "(anonymous)"


#: A response path as the planned run carries it: graphql-core's ``Path`` is a named tuple
#: ``(prev, key, typename)``, whose constructor costs 0.2 µs in Python; the run chains plain
#: tuples of the same shape and makes a ``Path`` only for a resolver's info (``_path``).
Where = tuple[Any, str | int, str | None] | None
#: A step: (source object, path of the object, executor) -> the completed value.
Step = Callable[[Any, Where, PlannedExecutor], Any]
#: A completion: (resolved value, path of the field, executor) -> the response's value.
Complete = Callable[[Any, Where, PlannedExecutor], Any]
#: A read of a field straight from its object (an attribute, a ``self``-only resolver).
Read = Callable[[Any], Any]
#: An object's steps by response key: ``(key, read, complete)`` for a field read straight
#: and completed without its path (a leaf), ``(key, None, step)`` for any other.
Steps = list[tuple[str, Read | None, Step]]
#: A selection's steps made one function (``_fill``): (object, its path, executor) -> the
#: response object.
Fill = Callable[[Any, Where, PlannedExecutor], dict[str, Any]]


def _plan(ex: PlannedExecutor) -> Fill:
    """The root steps for this executor's operation: planned once per schema (its own
    caches, ``orggraph.api.caches``), document, operation and values of the variables its
    ``@skip``/``@include`` read; the values of other variables are read by each
    execution."""
    if any(f.variable_definitions for f in ex.fragment_definitions.values()):
        return _Planner(ex).root()  # fragment arguments: planned for this execution only
    global _last
    caches = caches_of(ex.schema)
    if _last() is not caches.plans:
        _last = weakref.ref(caches.plans)
    switches = _switch_variables(caches.switches, ex.operation, ex.fragment_definitions)
    coerced = ex.variable_values.coerced
    key = (id(ex.operation), _name(ex.operation), tuple(coerced.get(n) for n in switches))
    kept = caches.plans.found(key)
    if kept is not None and kept[0] is ex.operation:
        return kept[1]  # type: ignore[no-any-return]
    steps = _Planner(ex).root()
    # The operation is kept with the plan: the key holds its identity, which must not be
    # reused while the plan is kept (an operation belongs to one parsed document, which
    # strawberry's parser cache hands out again for the same text).
    caches.plans.keep(key, (ex.operation, steps))
    return steps


def _nothing() -> None:
    return None


_last: Callable[[], Kept[Any, Any] | None] = _nothing


def last_plans() -> Kept[Any, Any]:
    """The plans of the schema that planned last (for the tests and the bench)."""
    plans = _last()
    return Kept() if plans is None else plans


def _switch_variables(
    kept: Kept[int, Any],
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
) -> tuple[str, ...]:
    """The variables the operation's ``@skip``/``@include`` directives read (found once
    per operation)."""
    found = kept.found(id(operation))
    if found is not None and found[0] is operation:
        return found[1]  # type: ignore[no-any-return]
    names: set[str] = set()

    class Switches(Visitor):
        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            if node.name.value in ("skip", "include"):
                for argument in node.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        names.add(argument.value.name.value)

    for part in (operation, *fragments.values()):
        visit(part, Switches())
    switches = tuple(sorted(names))
    kept.keep(id(operation), (operation, switches))
    return switches


class _Planner:
    """Plans one operation: what each selection reads and how it completes each value."""

    def __init__(self, ex: PlannedExecutor) -> None:
        self.schema = ex.schema
        self.fragments = ex.fragments
        self.variable_values = ex.variable_values
        self.operation = ex.operation
        self.hide_suggestions = ex.hide_suggestions
        self.field_resolver = ex.field_resolver
        # Kept with the plans: the memo key is the list's identity, which must outlive it.
        self.plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Fill]] = {}

    def root(self) -> Fill:
        root_type = self.schema.get_root_type(self.operation.operation)
        if root_type is None:
            raise Unplanned("no root type")
        grouped, defers, _forbidden = collect_fields(
            self.schema,
            self.fragments,
            self.variable_values,
            root_type,
            self.operation,
            self.hide_suggestions,
        )
        if defers:
            raise Unplanned("@defer")
        return _fill(
            [(key, *self._step(root_type, key, d, root=True)) for key, d in grouped.items()]
        )

    def selection(self, object_type: GraphQLObjectType, details: FieldDetailsList) -> Fill:
        """The fill of a selection on ``object_type`` (planned on first use)."""
        memo = (object_type, id(details))
        known = self.plans.get(memo)
        if known is not None:
            return known[1]
        grouped, defers, _forbidden = collect_subfields(
            self.schema,
            self.fragments,
            self.variable_values,
            self.operation,
            object_type,
            details,
            self.hide_suggestions,
        )
        if defers:
            raise Unplanned("@defer")
        fill = _fill([(key, *self._step(object_type, key, d)) for key, d in grouped.items()])
        self.plans[memo] = (details, fill)
        return fill

    def _step(
        self, parent: GraphQLObjectType, key: str, details: FieldDetailsList, *, root: bool = False
    ) -> tuple[Read | None, Step]:
        """How to read and complete one response key of an object of type ``parent``:
        ``(read, complete)`` for a leaf read straight, ``(None, step)`` for any other.

        A root field's step looks at the clock first, and keeps its resolver's result (or
        exception) in ``ex.roots``, for graphql-core's run should the plan give up."""
        node = details[0].node
        name = node.name.value
        typename = parent.name
        if name == "__typename":
            return None, lambda _source, _path, _ex: typename
        field = self.schema.get_field(parent, name)
        if field is None:
            raise Unplanned(f"no field {name}")
        complete, needs_path = self._completion(field.type, details)
        # Without arguments in the query, a field's arguments are its defaults: the same
        # for every execution. With them, each execution reads its variables' values.
        fixed = None if node.arguments else get_argument_values(field, node)
        read = None if fixed is None else _direct_read(field, fixed)
        if read is not None:
            if needs_path:
                return None, lambda source, path, ex: complete(
                    read(source), (path, key, typename), ex
                )
            return read, complete

        resolve = field.resolve or self.field_resolver
        nodes = [d.node for d in details]
        first = details[0]

        def step(source: Any, path: Where, ex: PlannedExecutor) -> Any:
            here = Path(_path(path), key, typename)
            args = fixed
            if args is None:
                args = ex.arguments.get(id(first))
                if args is None:
                    args = ex.arguments[id(first)] = get_argument_values(
                        field,
                        node,
                        ex.variable_values,
                        first.fragment_variable_values,
                        ex.hide_suggestions,
                    )
            value = resolve(source, ex.build_resolve_info(field, nodes, parent, here), **args)
            if ex.is_awaitable(value):
                close = getattr(value, "close", None)
                if close is not None:
                    close()  # never to be awaited: closed, so that nothing warns
                raise Unplanned("asynchronous resolver")
            return complete(value, here, ex)

        if not root:
            return None, step

        def root_step(source: Any, path: Where, ex: PlannedExecutor) -> Any:
            if _now() > ex.deadline:
                raise Expired
            here = Path(None, key, typename)
            args = fixed
            if args is None:
                args = get_argument_values(
                    field,
                    node,
                    ex.variable_values,
                    first.fragment_variable_values,
                    ex.hide_suggestions,
                )
            try:
                value = resolve(source, ex.build_resolve_info(field, nodes, parent, here), **args)
            except Exception as exc:
                ex.roots[key] = (False, exc)
                raise
            if ex.is_awaitable(value):
                close = getattr(value, "close", None)
                if close is not None:
                    close()  # never to be awaited: closed, so that nothing warns
                raise Unplanned("asynchronous resolver")
            if not hasattr(value, "__next__"):  # an iterator is read once: not kept
                ex.roots[key] = (True, value)
            return complete(value, here, ex)

        return None, root_step

    def _completion(
        self, return_type: GraphQLOutputType, details: FieldDetailsList
    ) -> tuple[Complete, bool]:
        """How to complete a resolved value of ``return_type`` (planned before any value),
        and whether that needs the field's response path (objects below do: their
        resolvers may ask for it)."""
        if isinstance(return_type, GraphQLNonNull):
            # A non-null leaf checks for null itself (one call a field, not two).
            if isinstance(return_type.of_type, GraphQLScalarType):
                return _scalar(return_type.of_type, required=True), False
            if isinstance(return_type.of_type, GraphQLEnumType):
                return _enum(return_type.of_type, required=True), False
            inner, needs_path = self._completion(return_type.of_type, details)

            def non_null(value: Any, path: Where, ex: PlannedExecutor) -> Any:
                done = inner(value, path, ex)
                if done is None:
                    raise Unplanned("null for a non-null field")
                return done

            return non_null, needs_path
        if isinstance(return_type, GraphQLList):
            item, needs_path = self._completion(return_type.of_type, details)

            def items(value: Any, path: Where, ex: PlannedExecutor) -> Any:
                if value is None:
                    return None
                if type(value) is not list and type(value) is not tuple:
                    if not is_iterable(value):
                        raise Unplanned("a list that is not iterable")
                    value = list(value)
                if _now() > ex.deadline:
                    raise Expired
                if len(value) > CHECK_EVERY:
                    return _chunked(item, value, path if needs_path else _NO_PATH, ex)
                if needs_path:
                    return [item(v, (path, i, None), ex) for i, v in enumerate(value)]
                return [item(v, None, ex) for v in value]

            return items, needs_path
        if isinstance(return_type, GraphQLScalarType):
            return _scalar(return_type), False
        if isinstance(return_type, GraphQLEnumType):
            return _enum(return_type), False
        if isinstance(return_type, GraphQLObjectType):
            return self._object(return_type, details), True
        if is_abstract_type(return_type):
            return self._abstract(return_type, details), True
        raise Unplanned(f"type {return_type}")

    def _object(self, object_type: GraphQLObjectType, details: FieldDetailsList) -> Complete:
        origin = _origin(object_type)
        is_type_of = object_type.is_type_of
        # Planned on first use: a type reached only through data that never comes costs
        # nothing, and a recursive selection is planned as deep as the data goes.
        planned: list[Fill] = []

        def complete(value: Any, path: Where, ex: PlannedExecutor) -> Any:
            if value is None or value is Undefined:
                return None
            if (
                is_type_of is not None
                and type(value) is not origin
                and not is_type_of(value, _NO_INFO)
            ):
                raise Unplanned("a value of another type")
            if not planned:
                planned.append(self.selection(object_type, details))
            return planned[0](value, path, ex)

        return complete

    def _abstract(self, abstract: Any, details: FieldDetailsList) -> Complete:
        possible = {_origin(t): t for t in self.schema.get_possible_types(abstract)}
        possible.pop(None, None)
        objects: dict[Any, Complete] = {}

        def complete(value: Any, path: Where, ex: PlannedExecutor) -> Any:
            if value is None or value is Undefined:
                return None
            cls = type(value)
            done = objects.get(cls)
            if done is None:
                runtime = possible.get(cls)
                if runtime is None:
                    raise Unplanned("a runtime type not known by its class")
                done = objects[cls] = self._object(runtime, details)
            return done(value, path, ex)

        return complete


_NO_PATH: Any = object()


def _chunked(item: Complete, value: Any, path: Any, ex: PlannedExecutor) -> list[Any]:
    """A long list completed ``CHECK_EVERY`` items at a time, the clock looked at between."""
    done: list[Any] = []
    for start in range(0, len(value), CHECK_EVERY):
        if _now() > ex.deadline:
            raise Expired
        part = value[start : start + CHECK_EVERY]
        if path is _NO_PATH:
            done.extend([item(v, None, ex) for v in part])
        else:
            done.extend([item(v, (path, i, None), ex) for i, v in enumerate(part, start)])
    return done


def _direct_read(field: GraphQLField, args: dict[str, Any]) -> Callable[[Any], Any] | None:
    """A direct way to read ``field`` when strawberry's wrapper would add nothing: an
    attribute for a field without resolver, the resolver itself when it takes only
    ``self`` and no argument is given (none: call through the wrapper)."""
    definition = field.extensions.get(_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions or args:
        return None
    resolver = definition.base_resolver
    if resolver is None:
        if definition.default_resolver is not getattr:  # a schema with its own default
            return None
        return attrgetter(definition.python_name)
    if (
        definition.is_async
        or resolver.info_parameter
        or resolver.root_parameter
        or resolver.parent_parameter
    ):
        return None
    function = resolver.wrapped_func
    if not callable(function):
        return None
    if resolver.self_parameter:
        return function
    return lambda _source: function()


def _origin(object_type: Any) -> type | None:
    """The Python class strawberry made ``object_type`` from (none for others)."""
    definition = object_type.extensions.get(_BACKREF)
    origin = getattr(definition, "origin", None)
    if origin is None or getattr(definition, "is_graphql_generic", True):
        return None
    return origin  # type: ignore[no-any-return]


def _path(path: Where) -> Path | None:
    """graphql-core's ``Path`` of a planned run's path."""
    if path is None or type(path) is Path:
        return path
    prev, key, typename = path
    return Path(_path(prev), key, typename)


def _fill(steps: Steps) -> Fill:
    """The steps of a selection as one function, whose body is the response object's dict
    display: each key's step called by name, or its read and completion.

    As graphql-jit compiles a query for graphql-js: a list of 4,512 branches completes
    13,500 objects, and looping over each one's steps took 8% more of the list's CPU.
    The text is made here: the keys written as Python literals (``repr``), the steps
    and reads passed by name.
    """
    names: dict[str, Any] = {}
    entries = []
    for i, (key, read, step) in enumerate(steps):
        names[f"step{i}"] = step
        if read is None:
            entries.append(f"{key!r}: step{i}(value, path, ex)")
        else:
            names[f"read{i}"] = read
            entries.append(f"{key!r}: step{i}(read{i}(value), None, ex)")
    source = f"def fill(value, path, ex):\n    return {{{', '.join(entries)}}}\n"
    exec(source, names)
    fill: Fill = names["fill"]
    return fill


def _null(required: bool) -> None:
    """A leaf's null: ``None``, or for a non-null field graphql-core's run (its error)."""
    if required:
        raise Unplanned("null for a non-null field")


def _enum(enum: GraphQLEnumType, *, required: bool = False) -> Complete:
    """strawberry's enums come as their Python members, or as the text of a ``StrEnum``'s
    member (an attribute as stored): named by a lookup, not a scan."""
    wrapped = getattr(enum, "wrapped_cls", None)
    names = {v.value: n for n, v in enum.values.items()}
    coerce = enum.coerce_output_value
    by_text = isinstance(wrapped, type) and issubclass(wrapped, StrEnum)

    def complete(value: Any, _path: Where, _ex: Any) -> Any:
        if value is None:
            return _null(required)
        if type(value) is wrapped:
            found = names.get(value.value)
            if found is not None:
                return found
        elif by_text and type(value) is str:
            found = names.get(value)
            if found is not None:
                return found
        return _leaf(coerce(value))

    return complete


def _leaf(coerced: Any) -> Any:
    if coerced is None or coerced is Undefined:
        raise Unplanned("a leaf that coerces to nothing")
    return coerced


def _scalar(scalar: GraphQLScalarType, *, required: bool = False) -> Complete:
    """Built-in scalars of their own Python type pass as they are; anything else is
    coerced by the scalar, as graphql-core does."""
    coerce = scalar.coerce_output_value
    if scalar is GraphQLString or scalar is GraphQLID:
        exact: type = str
    elif scalar is GraphQLBoolean:
        exact = bool
    elif scalar is GraphQLInt:

        def integer(value: Any, _path: Where, _ex: Any) -> Any:
            if value is None:
                return _null(required)
            if type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT:
                return value
            return _leaf(coerce(value))

        return integer
    elif scalar is GraphQLFloat:

        def real(value: Any, _path: Where, _ex: Any) -> Any:
            if value is None:
                return _null(required)
            if type(value) is float and math.isfinite(value):
                return value
            return _leaf(coerce(value))

        return real
    else:
        return lambda value, _path, _ex: _null(required) if value is None else _leaf(coerce(value))

    def same(value: Any, _path: Where, _ex: Any) -> Any:
        if type(value) is exact:
            return value
        if value is None:
            return _null(required)
        return _leaf(coerce(value))

    return same
