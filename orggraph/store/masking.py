"""What a role may read: each attribute's classification against the role's clearance.

Every node and link attribute, every yearly fact and every node kind's name carries a
classification in ``orggraph.model.fields`` (``public`` < ``internal`` < ``personal`` <
``sensitive``). A role is cleared for some of them (``CLEARANCE``); the rest is masked in
every answer: the GraphQL types give ``null`` and list the field in ``masked``, analysis
results lose their people's names (``mask_result``), exports refuse a document whose
columns the role may not read. docs/SECURITY.md has the table.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from orggraph.model import FACTS, LINK_FIELDS, NODE_FIELDS, LinkKind, NodeKind
from orggraph.model.fields import NAME_CLASSIFICATION
from orggraph.store.base import GraphStore

__all__ = [
    "CLEARANCE",
    "Clearance",
    "clearance_for",
    "fact_allowed",
    "link_attr_allowed",
    "mask_result",
    "masked_node_fields",
    "name_allowed",
    "node_attr_allowed",
    "person_ids",
    "readable_node_attrs",
]

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
    """An analysis result with the names of people set to ``None`` where ``clearance``
    may not read them (their ids stay: an id is no personal datum).

    A "name" field (``name``, ``candidate_name``…) is a person's when the id beside it
    (``id``/``person``/``subject``…, or ``candidate`` for ``candidate_name``) is a member's
    or an expert's; people are found with one store call per kind.
    """
    if all(name_allowed(kind, clearance) for kind in PEOPLE):
        return value
    found: set[str] = set()
    _strings(value, found)
    people = person_ids(store, found, as_of)
    if not people:
        return value
    return _masker(people)(value)
