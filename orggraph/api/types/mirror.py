"""Analysis results as GraphQL types, mirrored from their frozen dataclasses.

The analyses' result dataclasses are the one source: ``mirror(cls)`` makes a strawberry
type with the same fields (``snake_case`` → ``camelCase``), so a field added to a result
shows in the schema, and the drift test on ``schema/schema.graphql`` says so. Resolvers
hand back the analysis objects themselves (a GraphQL object type without interfaces is
duck-typed), except where GraphQL needs another shape:

- a model ``Node`` becomes the graph's ``Node`` with all its relations; the nodes of one
  result form one loader group, so their relations are loaded once for all of them;
- a ``dict`` (or ``Any``) becomes ``JSON``; a set becomes a sorted list;
- a union of dataclasses becomes one type with every member's fields, all nullable.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from orggraph.analysis import jsonable
from orggraph.api.context import Context, Info
from orggraph.api.loaders import Group
from orggraph.api.types.nodes import NodeInterface
from orggraph.model import LABELS_ZH, Node
from orggraph.store.masking import mask_result

__all__ = ["mirror", "mirror_enum", "name", "remember"]

_MIRRORS: dict[Any, Any] = {}
_NAMES: dict[Any, str] = {}
_SCALARS = (str, int, float, bool, date)


def mirror_enum(kind: type[StrEnum], labels: Mapping[Any, str] | None = None) -> type[StrEnum]:
    """Register an analysis enum with GraphQL (once), values described by Chinese labels."""
    if not hasattr(kind, "__strawberry_definition__"):
        doc = inspect.getdoc(kind) or kind.__name__
        strawberry.enum(kind, name=kind.__name__, description=doc.split("\n\n")[0])
        names = {**LABELS_ZH, **(labels or {})}
        for value in kind.__strawberry_definition__.values:  # type: ignore[attr-defined]
            value.description = names.get(kind(value.value))
    return kind


def name(hint: Any, graphql_name: str) -> None:
    """Give the mirror of a dataclass (or a union of them) another GraphQL name.

    For names that would clash (``chain.Post`` and the link type ``Post``) or read badly.
    Call before the first ``mirror`` that reaches ``hint``.
    """
    key = tuple(typing.get_args(hint)) if typing.get_origin(hint) else hint
    _NAMES[key] = graphql_name


def remember(info: Info, as_of: date, result: Any) -> Any:
    """Note the date and result of a root analysis field, for the ``Node`` fields below it.

    The result is handed back with the names of people masked where the actor's role may
    not read them (``orggraph.store.masking.mask_result``); its ``Node`` s are masked by
    their own types.
    """
    ctx = info.context
    result = mask_result(result, ctx.actor.clearance, ctx.store, as_of)
    ctx.results[str(info.path.key)] = _ResultNodes(ctx, as_of, result)
    return result


class _ResultNodes:
    """The model nodes inside one result, made into one loader group on first use."""

    def __init__(self, ctx: Context, as_of: date, result: Any) -> None:
        self.ctx = ctx
        self.as_of = as_of
        self.result = result
        self._group: Group | None = None

    def obj(self, node: Node) -> Any:
        if self._group is None:
            found: dict[str, Node] = {}
            _collect(self.result, found)
            self._group = self.ctx.loaders.group(found.values(), self.as_of)
        if node.id not in self._group.nodes:  # pragma: no cover - every node was collected
            return self.ctx.loaders.objects([node], self.as_of)[0]
        return self._group.obj(node.id)


def _collect(value: Any, found: dict[str, Node]) -> None:
    if isinstance(value, Node):
        found.setdefault(value.id, value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _collect(getattr(value, f.name), found)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _collect(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)


def _node_object(info: Info, node: Node) -> Any:
    path = info.path
    while path.prev is not None:
        path = path.prev
    entry = info.context.results.get(str(path.key))
    if entry is None:  # pragma: no cover - every analysis root field remembers its result
        return info.context.loaders.objects([node], node.valid_from)[0]
    return entry.obj(node)


def _field(name: str, convert: Callable[[Any, Info], Any], graphql_type: Any) -> Any:
    def resolve(root: Any, info: Info) -> Any:
        return convert(getattr(root, name), info)

    return strawberry.field(resolver=resolve, graphql_type=graphql_type)


def _optional_field(
    name: str, convert: Callable[[Any, Info], Any] | None, graphql_type: Any
) -> Any:
    """A field read from whichever union member the value is (absent: ``null``)."""

    def resolve(root: Any, info: Info) -> Any:
        value = getattr(root, name, None)
        return value if convert is None or value is None else convert(value, info)

    return strawberry.field(resolver=resolve, graphql_type=graphql_type)


def _map(hint: Any) -> tuple[Any, Callable[[Any, Info], Any] | None]:
    """The GraphQL type for a Python annotation, and a converter when values need one."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        members = [a for a in args if a is not type(None)]
        optional = len(members) < len(args)
        if len(members) == 1:
            inner, convert = _map(members[0])
        elif set(members) <= {int, float}:
            inner, convert = float, None
        elif all(dataclasses.is_dataclass(m) for m in members):
            inner, convert = _merged(members), None
        else:
            inner, convert = JSON, lambda v, _info: jsonable(v)
        if optional:
            if convert is not None:
                conv = convert
                convert = lambda v, info: None if v is None else conv(v, info)  # noqa: E731
            return inner | None, convert
        return inner, convert
    if origin in (tuple, list, set, frozenset):
        inner, convert = _map(args[0])
        ordered = origin in (set, frozenset)
        if convert is None and not ordered:
            return list[inner], None  # type: ignore[valid-type]
        item = convert or (lambda v, _info: v)

        def convert_all(values: Any, info: Info) -> Any:
            items = sorted(values, key=str) if ordered else values
            return [item(v, info) for v in items]

        return list[inner], convert_all  # type: ignore[valid-type]
    if origin in (dict, Mapping) or hint is Any:
        return JSON, lambda v, _info: jsonable(v)
    if hint is Node:
        return NodeInterface, lambda v, info: _node_object(info, v)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return mirror_enum(hint), None
    if dataclasses.is_dataclass(hint):
        return mirror(hint), None  # type: ignore[arg-type]
    if hint in _SCALARS:
        return hint, None
    raise TypeError(f"no GraphQL type for {hint!r}")


def _describe(cls: type) -> str:
    doc = inspect.getdoc(cls) or cls.__name__
    return doc.split("\n\n")[0].replace("\n", " ")


def mirror(cls: type) -> Any:
    """The strawberry type mirroring the dataclass ``cls`` (made once, then reused)."""
    made = _MIRRORS.get(cls)
    if made is not None:
        return made
    hints = typing.get_type_hints(cls)
    namespace: dict[str, Any] = {"__annotations__": {}, "__doc__": _describe(cls)}
    made_name = _NAMES.get(cls, cls.__name__)
    # Register before the fields, so a type that refers to itself finds its mirror.
    placeholder = type(made_name, (), namespace)
    _MIRRORS[cls] = placeholder
    for f in dataclasses.fields(cls):
        graphql_type, convert = _map(hints[f.name])
        if f.name.endswith("name") and graphql_type is str:
            graphql_type = str | None  # a person's name is null for a role that may not read it
        setattr(
            placeholder,
            f.name,
            _field(f.name, convert, graphql_type) if convert is not None else strawberry.field(),
        )
        placeholder.__annotations__[f.name] = graphql_type
    result = strawberry.type(placeholder, name=made_name, description=_describe(cls))
    _MIRRORS[cls] = result
    return result


def _merged(members: list[Any]) -> Any:
    """One type with the fields of every dataclass in a union, all nullable."""
    key = tuple(members)
    made = _MIRRORS.get(key)
    if made is not None:
        return made
    made_name = _NAMES.get(key, "Or".join(m.__name__ for m in members))
    namespace: dict[str, Any] = {"__annotations__": {}}
    placeholder = type(made_name, (), namespace)
    seen: set[str] = set()
    for member in members:
        hints = typing.get_type_hints(member)
        for f in dataclasses.fields(member):
            if f.name in seen:
                continue
            seen.add(f.name)
            graphql_type, convert = _map(hints[f.name])
            optional = graphql_type | None
            setattr(placeholder, f.name, _optional_field(f.name, convert, optional))
            placeholder.__annotations__[f.name] = optional
    doc = " | ".join(m.__name__ for m in members)
    result = strawberry.type(placeholder, name=made_name, description=f"One of: {doc}")
    _MIRRORS[key] = result
    return result
