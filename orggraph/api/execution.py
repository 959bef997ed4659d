"""A planned executor for queries: graphql-core's answer, at a fraction of its cost per field.

graphql-core executes a selection field by field and value by value: for each of the
45,000 fields of a list of 5,000 branches it builds a resolve info, a response path,
looks up the field, asks which kind of type it completes, and strawberry wraps every
resolver call in argument conversion and extension handling. That generality costs
4–10 µs per field here, several times the work of reading the value.

``PlannedExecutor`` does what compiled executors (graphql-jit for graphql-js) do: it
plans each selection set once per execution, for its object type, into a list of
``(response key, step)`` whose steps already know how to read and complete their value.
A field with no resolver is read as an attribute; a resolver that takes only ``self``
and is given no arguments is called directly; every other field goes through its
resolver exactly as graphql-core calls it, with a resolve info and a response path.

**Only the successful path is planned.** Queries are reads, so when anything is not as
the plan expects (a resolver raises, a non-null field is null, a value is of an
unexpected kind, a resolver is asynchronous, the operation defers), the planned run is
dropped and the operation runs again through graphql-core, whose answer (partial data,
located errors) is then the answer. Mutations always run through graphql-core, once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    OperationType,
    is_abstract_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, collect_fields
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, is_iterable
from graphql.type import (
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLString,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

__all__ = ["PlannedExecutor", "Unplanned"]

#: A step: (source object, path of the object it is read from) -> completed value.
Step = Callable[[Any, Path | None], Any]
#: A completion: (resolved value, path of the field) -> value for the response.
Complete = Callable[[Any, Path | None], Any]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_BACKREF = "strawberry-definition"
#: strawberry's ``is_type_of`` checks the value's class and never reads the resolve info.
_NO_INFO: Any = None


class Unplanned(Exception):
    """The planned run cannot give graphql-core's answer: graphql-core runs instead."""


def _unplanned(reason: str) -> Unplanned:
    return Unplanned(reason)


class PlannedExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, with the planned run tried first for queries."""

    #: How many operations fell back to graphql-core (read by the tests and the bench).
    fallbacks = 0

    def execute_operation(self, serially: bool | None = None) -> Any:
        middleware = self.middleware_manager
        if self.operation.operation is OperationType.QUERY and not (
            middleware and middleware.middlewares
        ):
            try:
                data = self._planned_root()
            except Exception:  # any surprise: graphql-core's own run gives the answer
                PlannedExecutor.fallbacks += 1
            else:
                return self.finish(self.build_response(data))
        return super().execute_operation(serially)

    # -- planning ------------------------------------------------------------------------
    def _planned_root(self) -> dict[str, Any]:
        schema, operation = self.schema, self.operation
        root_type = schema.get_root_type(operation.operation)
        if root_type is None:
            raise _unplanned("no root type")
        grouped, defers, _forbidden = collect_fields(
            schema,
            self.fragments,
            self.variable_values,
            root_type,
            operation,
            self.hide_suggestions,
        )
        if defers:
            raise _unplanned("@defer")
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[Any, list[tuple[str, Step]]]] = {}
        steps = [(key, self._step(root_type, key, details)) for key, details in grouped.items()]
        root = self.root_value
        return {key: step(root, None) for key, step in steps}

    def _object_steps(
        self, object_type: GraphQLObjectType, details: FieldDetailsList
    ) -> list[tuple[str, Step]]:
        """The steps of a selection on ``object_type``, planned once per execution."""
        memo = (object_type, id(details))
        known = self._plans.get(memo)
        if known is not None:
            return known[1]
        grouped, defers, _forbidden = self.collect_subfields(object_type, details)
        if defers:
            raise _unplanned("@defer")
        steps: list[tuple[str, Step]] = []
        # Kept with the plan: the memo key is the list's identity, which must outlive it.
        self._plans[memo] = (details, steps)
        for key, field_details in grouped.items():
            steps.append((key, self._step(object_type, key, field_details)))
        return steps

    def _step(self, parent: GraphQLObjectType, key: str, details: FieldDetailsList) -> Step:
        """How to read and complete one response key of an object of type ``parent``."""
        node = details[0].node
        name = node.name.value
        typename = parent.name
        if name == "__typename":
            return lambda _source, _path: typename
        field = self.schema.get_field(parent, name)
        if field is None:
            raise _unplanned(f"no field {name}")
        args = (
            get_argument_values(
                field,
                node,
                self.variable_values,
                details[0].fragment_variable_values,
                self.hide_suggestions,
            )
            if field.args or node.arguments
            else {}
        )
        complete, needs_path = self._completion(field.type, details)
        read = _direct_read(field, args)
        if read is not None:
            if needs_path:
                return lambda source, path: complete(read(source), Path(path, key, typename))
            return lambda source, _path: complete(read(source), None)

        resolve = field.resolve or self.field_resolver
        nodes = [d.node for d in details]
        build_info = self.build_resolve_info
        awaitable = self.is_awaitable

        def step(source: Any, path: Path | None) -> Any:
            here = Path(path, key, typename)
            value = resolve(source, build_info(field, nodes, parent, here), **args)
            if awaitable(value):
                close = getattr(value, "close", None)
                if close is not None:
                    close()  # never awaited: say so to nobody
                raise _unplanned("asynchronous resolver")
            return complete(value, here)

        return step

    def _completion(
        self, return_type: GraphQLOutputType, details: FieldDetailsList
    ) -> tuple[Complete, bool]:
        """How to complete a resolved value of ``return_type`` (planned before any value),
        and whether that needs the field's response path (objects below do: their
        resolvers may ask for it)."""
        if isinstance(return_type, GraphQLNonNull):
            inner, needs_path = self._completion(return_type.of_type, details)

            def non_null(value: Any, path: Path | None) -> Any:
                done = inner(value, path)
                if done is None:
                    raise _unplanned("null for a non-null field")
                return done

            return non_null, needs_path
        if isinstance(return_type, GraphQLList):
            item, needs_path = self._completion(return_type.of_type, details)

            def items(value: Any, path: Path | None) -> Any:
                if value is None:
                    return None
                if type(value) is not list and type(value) is not tuple:
                    if not is_iterable(value):
                        raise _unplanned("a list that is not iterable")
                    value = list(value)
                if needs_path:
                    return [item(v, Path(path, i, None)) for i, v in enumerate(value)]
                return [item(v, None) for v in value]

            return items, needs_path
        if isinstance(return_type, GraphQLScalarType):
            return _scalar(return_type), False
        if isinstance(return_type, GraphQLEnumType):
            return _enum(return_type), False
        if is_object_type(return_type):
            return self._object(return_type, details), True
        if is_abstract_type(return_type):
            return self._abstract(return_type, details), True
        raise _unplanned(f"type {return_type}")

    def _object(self, object_type: GraphQLObjectType, details: FieldDetailsList) -> Complete:
        origin = _origin(object_type)
        is_type_of = object_type.is_type_of
        # Planned on first use: a type reached only through data that never comes costs
        # nothing, and a recursive selection is planned as deep as the data goes.
        planned: list[list[tuple[str, Step]]] = []

        def complete(value: Any, path: Path | None) -> Any:
            if value is None or value is Undefined:
                return None
            if (
                is_type_of is not None
                and type(value) is not origin
                and not is_type_of(value, _NO_INFO)
            ):
                raise _unplanned("a value of another type")
            if not planned:
                planned.append(self._object_steps(object_type, details))
            return {key: step(value, path) for key, step in planned[0]}

        return complete

    def _abstract(self, abstract: Any, details: FieldDetailsList) -> Complete:
        possible = {_origin(t): t for t in self.schema.get_possible_types(abstract)}
        possible.pop(None, None)
        objects: dict[Any, Complete] = {}

        def complete(value: Any, path: Path | None) -> Any:
            if value is None or value is Undefined:
                return None
            cls = type(value)
            done = objects.get(cls)
            if done is None:
                runtime = possible.get(cls)
                if runtime is None:
                    raise _unplanned("a runtime type not known by its class")
                done = objects[cls] = self._object(runtime, details)
            return done(value, path)

        return complete


def _direct_read(field: GraphQLField, args: dict[str, Any]) -> Callable[[Any], Any] | None:
    """A direct way to read ``field`` when strawberry's wrapper would add nothing: an
    attribute for a field without resolver, the resolver itself when it takes only
    ``self`` and no argument is given (none: call through the wrapper)."""
    definition = field.extensions.get(_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions or args:
        return None
    resolver = definition.base_resolver
    if resolver is None:
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


def _enum(enum: GraphQLEnumType) -> Complete:
    """strawberry's enums come as their Python members: named by a lookup, not a scan."""
    wrapped = getattr(enum, "wrapped_cls", None)
    names = {v.value: n for n, v in enum.values.items()}
    coerce = enum.coerce_output_value

    def complete(value: Any, _path: Path | None) -> Any:
        if value is None:
            return None
        if type(value) is wrapped:
            found = names.get(value.value)
            if found is not None:
                return found
        return _leaf(coerce(value))

    return complete


def _leaf(coerced: Any) -> Any:
    if coerced is None or coerced is Undefined:
        raise _unplanned("a leaf that coerces to nothing")
    return coerced


def _scalar(scalar: GraphQLScalarType) -> Complete:
    """Built-in scalars of their own Python type pass as they are; anything else is
    coerced by the scalar, as graphql-core does."""
    coerce = scalar.coerce_output_value
    if scalar is GraphQLString or scalar is GraphQLID:
        exact: type = str
    elif scalar is GraphQLBoolean:
        exact = bool
    elif scalar is GraphQLInt:

        def integer(value: Any, _path: Path | None) -> Any:
            if value is None:
                return None
            if type(value) is int and _INT_MIN <= value <= _INT_MAX:
                return value
            return _leaf(coerce(value))

        return integer
    elif scalar is GraphQLFloat:

        def real(value: Any, _path: Path | None) -> Any:
            if value is None:
                return None
            if type(value) is float and math.isfinite(value):
                return value
            return _leaf(coerce(value))

        return real
    else:
        return lambda value, _path: None if value is None else _leaf(coerce(value))

    def same(value: Any, _path: Path | None) -> Any:
        if value is None or type(value) is exact:
            return value
        return _leaf(coerce(value))

    return same
