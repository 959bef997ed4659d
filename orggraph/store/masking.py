"""What a role may read: each attribute's classification against the role's clearance.

Every node and link attribute, every yearly fact and every node kind's name carries a
classification in ``orggraph.model.fields`` (``public`` < ``internal`` < ``personal`` <
``sensitive``). A role is cleared for some of them (``CLEARANCE``); the rest is masked in
every answer: the GraphQL types give ``null`` and list the field in ``masked``, analysis
results lose their people's names (``mask_result``), exports refuse a document whose
columns the role may not read. docs/SECURITY.md has the table.

What is hidden has one shape (``Hidden``): a person or node the actor may not see is
``范围外 (outside scope)`` when the scope leaves it out, ``无权查看 (not permitted)`` when
the role may not read it. GraphQL gives ``null`` (and lists masked fields in ``masked``);
tables (exports, CLI) print ``hidden_text``; docs/SECURITY.md, "What is hidden, and how
each surface shows it", has every surface.

Analysis results carry the classifications of the data they expose: a result dataclass
is declared with ``classify`` (the whole result's classification, each field's, and the
fields that refer to nodes by id). ``mask_result`` applies them for a role (refusing a
result the role may read nothing of, nulling the fields above its clearance), and
``hide_unseen`` for a scope (nulling references to nodes outside it), so GraphQL and the
exports of one analysis hide the same things.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from orggraph.errors import PermissionDenied
from orggraph.model import FACTS, LINK_FIELDS, NODE_FIELDS, LinkKind, NodeKind
from orggraph.model.fields import NAME_CLASSIFICATION
from orggraph.store.base import GraphStore

if TYPE_CHECKING:
    from orggraph.store.scope import ScopeView

__all__ = [
    "CASE_REF_RESULT",
    "CASE_RESULT",
    "CASE_STEP_RESULT",
    "CLEARANCE",
    "Clearance",
    "Hidden",
    "ResultClassification",
    "classify",
    "clearance_for",
    "declare",
    "declared_result",
    "fact_allowed",
    "hidden_text",
    "hide_unseen",
    "link_attr_allowed",
    "mask_result",
    "masked_node_fields",
    "name_allowed",
    "node_attr_allowed",
    "person_ids",
    "readable_node_attrs",
    "refuse_result",
    "result_classification",
]

T = TypeVar("T")

Clearance = frozenset[str]

_ALL: Clearance = frozenset({"public", "internal", "personal", "sensitive"})

#: The classifications each role may read.
CLEARANCE: dict[str, Clearance] = {
    "viewer": frozenset({"public"}),
    "analyst": frozenset({"public", "internal", "personal"}),
    "editor": _ALL,
    "admin": _ALL,
}

_NODE_CLASS: dict[tuple[NodeKind, str], str] = {
    (kind, spec.name): spec.classification for kind, specs in NODE_FIELDS.items() for spec in specs
}
_LINK_CLASS: dict[tuple[LinkKind, str], str] = {
    (kind, spec.name): spec.classification for kind, specs in LINK_FIELDS.items() for spec in specs
}

#: Node kinds that are people: their names are masked with ``personal`` data.
PEOPLE = frozenset(kind for kind, cls in NAME_CLASSIFICATION.items() if cls != "public")


def clearance_for(role: str) -> Clearance:
    """The classifications ``role`` may read (an unknown role: public only)."""
    return CLEARANCE.get(role, frozenset({"public"}))


def node_attr_allowed(kind: NodeKind, name: str, clearance: Clearance) -> bool:
    """Whether attribute ``name`` of a ``kind`` node may be read (unlisted: sensitive)."""
    return _NODE_CLASS.get((kind, name), "sensitive") in clearance


def link_attr_allowed(kind: LinkKind, name: str, clearance: Clearance) -> bool:
    """Whether attribute ``name`` of a ``kind`` link may be read (unlisted: sensitive)."""
    return _LINK_CLASS.get((kind, name), "sensitive") in clearance


def fact_allowed(name: str, clearance: Clearance) -> bool:
    """Whether the yearly fact ``name`` may be read."""
    spec = FACTS.get(name)
    return (spec.classification if spec else "sensitive") in clearance


def name_allowed(kind: NodeKind, clearance: Clearance) -> bool:
    """Whether the name of a ``kind`` node may be read (a member's name is personal)."""
    return NAME_CLASSIFICATION.get(kind, "personal") in clearance


@functools.cache
def readable_node_attrs(kind: NodeKind, clearance: Clearance) -> frozenset[str] | None:
    """The listed attributes of a ``kind`` node that ``clearance`` may read, or ``None``
    when it may read every attribute (listed or not): the common case, checked once."""
    if "sensitive" in clearance and all(
        s.classification in clearance for s in NODE_FIELDS.get(kind, ())
    ):
        return None
    return frozenset(s.name for s in NODE_FIELDS.get(kind, ()) if s.classification in clearance)


@functools.cache
def masked_node_fields(kind: NodeKind, clearance: Clearance) -> tuple[str, ...]:
    """The attributes (and ``name``) of a ``kind`` node that ``clearance`` hides, in order."""
    hidden = [] if name_allowed(kind, clearance) else ["name"]
    hidden += [s.name for s in NODE_FIELDS.get(kind, ()) if s.classification not in clearance]
    return tuple(hidden)


def sensitive_fields(kind: NodeKind) -> frozenset[str]:
    """The attributes of a ``kind`` node classified ``sensitive`` (their reads are audited)."""
    return frozenset(s.name for s in NODE_FIELDS.get(kind, ()) if s.classification == "sensitive")


def person_ids(store: GraphStore, ids: Iterable[str], as_of: date) -> set[str]:
    """Those of ``ids`` that are people (members, experts) at ``as_of``: one call per kind."""
    wanted = sorted({i for i in ids if i})
    found: set[str] = set()
    if not wanted:
        return found
    for kind in sorted(PEOPLE):
        found.update(n.id for n in store.nodes(kind, as_of, ids=wanted))
    return found


# Which field names a "…name" field: ``candidate_name`` the ``candidate``'s; ``name`` the
# record's own id (under one of these names).
_OWN_IDS = ("id", "person", "subject", "member", "leader")


def _strings(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        out.add(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _strings(getattr(value, f.name), out)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _strings(item, out)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)


def _masker(people: set[str]) -> Callable[[Any], Any]:
    def mask(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes: dict[str, Any] = {}
            names = {f.name for f in dataclasses.fields(value)}
            for f in dataclasses.fields(value):
                current = getattr(value, f.name)
                if f.name.endswith("name") and isinstance(current, str):
                    base = f.name[: -len("name")].rstrip("_")
                    owners = (base,) if base else _OWN_IDS
                    if any(getattr(value, o, None) in people for o in owners if o in names):
                        changes[f.name] = None
                        continue
                masked = mask(current)
                if masked is not current:
                    changes[f.name] = masked
            return dataclasses.replace(value, **changes) if changes else value
        if isinstance(value, list):
            items = [mask(v) for v in value]
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        if isinstance(value, tuple):
            items = [mask(v) for v in value]
            changed = any(a is not b for a, b in zip(items, value, strict=True))
            return tuple(items) if changed else value
        if isinstance(value, dict):
            out = {k: mask(v) for k, v in value.items()}
            return out if any(out[k] is not value[k] for k in value) else value
        return value

    return mask


def mask_result(value: Any, clearance: Clearance, store: GraphStore, as_of: date) -> Any:
    """An analysis result as ``clearance`` may read it; the one place a role's masking of
    analysis results is decided.

    - A result whose declared classification (``classify``) is above ``clearance`` is
      refused: ``PermissionDenied`` (as the export of the same data is refused).
    - Fields declared above ``clearance`` are ``None``, and named in the result's
      ``masked`` field when it has one.
    - The names of people are ``None`` where ``clearance`` may not read them (their ids
      stay: an id is no personal datum). A "name" field (``name``, ``candidate_name``…) is
      a person's when the id beside it (``id``/``person``/``subject``…, or ``candidate``
      for ``candidate_name``) is a member's or an expert's; people are found with one
      store call per kind.
    """
    _refuse(value, clearance)
    value = _mask_fields(value, clearance)
    if all(name_allowed(kind, clearance) for kind in PEOPLE):
        return value
    found: set[str] = set()
    _strings(value, found)
    people = person_ids(store, found, as_of)
    if not people:
        return value
    return _masker(people)(value)


# -- what is hidden: one shape -------------------------------------------------------------


class Hidden(StrEnum):
    """Why something is not shown: the one shape of a hidden person or node (范围外 / 无权查看)."""

    OUT_OF_SCOPE = "out_of_scope"
    NOT_PERMITTED = "not_permitted"

    @property
    def zh(self) -> str:
        return _HIDDEN_TEXT[self][0]

    @property
    def en(self) -> str:
        return _HIDDEN_TEXT[self][1]


_HIDDEN_TEXT: dict[Hidden, tuple[str, str]] = {
    Hidden.OUT_OF_SCOPE: ("范围外", "outside scope"),
    Hidden.NOT_PERMITTED: ("无权查看", "not permitted"),
}


def hidden_text(reason: Hidden = Hidden.OUT_OF_SCOPE, lang: str = "zh") -> str:
    """A hidden person or node as a table cell shows it (exports, CLI, web panel).

    >>> hidden_text(), hidden_text(Hidden.NOT_PERMITTED, "en")
    ('(范围外)', '(not permitted)')
    """
    return f"({reason.en if lang == 'en' else reason.zh})"


# -- the classifications of analysis results ----------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class ResultClassification:
    """What an analysis result exposes: the whole result's classification (a role below it
    is refused), each field's (a role below it reads ``None``), and the fields that refer
    to nodes by id (``None`` where the scope does not see the node)."""

    result: str = "public"
    fields: Mapping[str, str] = field(default_factory=dict)
    refs: Mapping[str, NodeKind] = field(default_factory=dict)


_RESULTS: dict[type, ResultClassification] = {}


def classify(
    cls: type[T],
    *,
    result: str = "public",
    refs: Mapping[str, NodeKind] | None = None,
    **fields: str,
) -> type[T]:
    """Declare what the result dataclass ``cls`` exposes (``ResultClassification``);
    returns ``cls``, so it reads as a line beside the class."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = (set(fields) | set(refs or ())) - names
    if unknown:
        raise TypeError(f"{cls.__name__} has no fields {sorted(unknown)}")
    _RESULTS[cls] = ResultClassification(result=result, fields=fields, refs=dict(refs or {}))
    return cls


_CASE_FIELDS = {s.name: s.classification for s in NODE_FIELDS[NodeKind.CASE]}
_CASE_REFS = {"responsible": NodeKind.MEMBER, "partner": NodeKind.ORGANIZATION}

#: A remediation case (``Case``) and its steps report the case node's fields, with the
#: case node's classifications (the fields table); every field of them is ``internal``,
#: so a role below is refused the result, as it reads every field of the case node as
#: ``null``. Declared beside their classes (``declare``), which live a layer up.
CASE_RESULT = ResultClassification(
    result=NAME_CLASSIFICATION[NodeKind.CASE],
    fields={k: v for k, v in _CASE_FIELDS.items() if k != "evidence"},
    refs=_CASE_REFS,
)
#: An open case in a person's responsibilities (its partner already hidden by scope).
CASE_REF_RESULT = ResultClassification(
    result=NAME_CLASSIFICATION[NodeKind.CASE],
    fields={k: _CASE_FIELDS[k] for k in ("organization", "state", "reasons", "deadline")},
)
CASE_STEP_RESULT = ResultClassification(
    result=NAME_CLASSIFICATION[NodeKind.CASE],
    fields={k: _CASE_FIELDS[k] for k in ("responsible", "partner", "deadline", "evidence")},
    refs=_CASE_REFS,
)


def declare(cls: type[T], classification: ResultClassification) -> type[T]:
    """Declare that the result dataclass ``cls`` exposes ``classification`` (one made
    here, from the fields table: the cases'); returns ``cls``."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = (set(classification.fields) | set(classification.refs)) - names
    if unknown:
        raise TypeError(f"{cls.__name__} has no fields {sorted(unknown)}")
    _RESULTS[cls] = classification
    return cls


def result_classification(cls: type) -> ResultClassification | None:
    """What ``cls`` was declared to expose (``classify``, ``declare``), or ``None``."""
    return _RESULTS.get(cls)


def declared_result(qualname: str) -> ResultClassification | None:
    """What the result class named ``qualname`` (``module.Class``) was declared to expose,
    or ``None``: read by name (the declarations sit beside the analysis classes, a layer
    up), importing the class's module so that its ``classify`` lines have run. For the
    documentation of the policy (``orggraph.store.surfaces``), never on a request."""
    module, _, name = qualname.rpartition(".")
    cls = getattr(importlib.import_module(module), name, None)
    if not isinstance(cls, type):
        raise LookupError(f"no result class {qualname!r}")
    return result_classification(cls)


def _items(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list | tuple) else (value,)


def refuse_result(cls: type, clearance: Clearance) -> None:
    """Raise ``PermissionDenied`` when ``clearance`` may not read ``cls`` results at all:
    asked before an analysis runs, so even an empty answer is refused."""
    declared = result_classification(cls)
    if declared is not None and declared.result not in clearance:
        raise PermissionDenied(
            f"{cls.__name__} holds {declared.result} data, which your role may not read"
        )


def _refuse(value: Any, clearance: Clearance) -> None:
    for item in _items(value):
        if dataclasses.is_dataclass(item):
            refuse_result(type(item), clearance)


_DROP = object()  # what ``change`` returns for an item to leave out (None in a field)


def _rebuild(value: Any, change: Callable[[Any], Any]) -> Any:
    """``value`` with ``change`` applied to every dataclass inside it, bottom up; the same
    object where nothing changed."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            current = getattr(value, f.name)
            new = _rebuild(current, change)
            if new is not current:
                changes[f.name] = None if new is _DROP else new
        rebuilt = dataclasses.replace(value, **changes) if changes else value
        return change(rebuilt)
    if isinstance(value, list | tuple):
        items = [_rebuild(v, change) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        kept = [item for item in items if item is not _DROP]
        return kept if isinstance(value, list) else tuple(kept)
    return value


def _mask_fields(value: Any, clearance: Clearance) -> Any:
    def change(item: Any) -> Any:
        declared = result_classification(type(item))
        if declared is None:
            return item
        if declared.result not in clearance:  # inside another result: left out
            return _DROP
        hidden = [n for n, cls in declared.fields.items() if cls not in clearance]
        if not hidden:
            return item
        updates: dict[str, Any] = dict.fromkeys(hidden)
        if "masked" in {f.name for f in dataclasses.fields(item)}:
            updates["masked"] = tuple(hidden)
        return dataclasses.replace(item, **updates)

    return _rebuild(value, change)


def hide_unseen(value: Any, view: ScopeView) -> Any:
    """``value`` with every declared reference (``classify(refs=…)``) to a node outside
    ``view`` set to ``None``: the scope's half of the one hidden shape.

    Visibility is decided by ``view.sees_id`` (a few store calls per distinct id).
    """
    if view.organizations is None:
        return value
    seen: dict[str, bool] = {}

    def visible(node_id: str) -> bool:
        if node_id not in seen:
            seen[node_id] = view.sees_id(node_id)
        return seen[node_id]

    def change(item: Any) -> Any:
        declared = result_classification(type(item))
        if declared is None or not declared.refs:
            return item
        updates = {
            name: None
            for name in declared.refs
            if isinstance(getattr(item, name), str) and not visible(getattr(item, name))
        }
        return dataclasses.replace(item, **updates) if updates else item

    return _rebuild(value, change)
