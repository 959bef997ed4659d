"""The records the graph is made of: dated node versions, dated link versions, yearly facts.

A version is valid on the half-open interval ``[valid_from, valid_to)``; ``valid_to=None``
means still valid. Changing a fact never overwrites: the open version is closed at the
change date and a new version opens there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from orggraph.model.kinds import LinkKind, NodeKind

__all__ = ["Fact", "Link", "Node", "link_id", "valid_at"]

FactValue = int | float | str | bool


def valid_at(valid_from: date, valid_to: date | None, as_of: date) -> bool:
    """Whether ``[valid_from, valid_to)`` contains ``as_of``."""
    return valid_from <= as_of and (valid_to is None or as_of < valid_to)


@dataclass(frozen=True, kw_only=True, slots=True)
class Node:
    """One version of a node: an organization, working group, member, expert, unit or case."""

    id: str
    kind: NodeKind
    name: str
    valid_from: date
    valid_to: date | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def valid_at(self, as_of: date) -> bool:
        return valid_at(self.valid_from, self.valid_to, as_of)

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)


def link_id(kind: LinkKind, source: str, target: str, qualifier: str | None = None) -> str:
    """The stable id of the link ``source -kind-> target`` (qualified by a post's role)."""
    base = f"{kind}:{source}>{target}"  # a StrEnum formats as its value (cheaper than .value)
    return f"{base}#{qualifier}" if qualifier else base


@dataclass(frozen=True, kw_only=True, slots=True)
class Link:
    """One version of a directed, dated link between two nodes."""

    kind: LinkKind
    source: str
    target: str
    valid_from: date
    valid_to: date | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        qualifier = self.attrs.get("role") if self.kind is LinkKind.HOLDS_POST else None
        return link_id(self.kind, self.source, self.target, qualifier)

    def valid_at(self, as_of: date) -> bool:
        return valid_at(self.valid_from, self.valid_to, as_of)

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)


@dataclass(frozen=True, kw_only=True, slots=True)
class Fact:
    """A yearly fact about a node (an organization's assessment grade, a member's index)."""

    node_id: str
    year: int
    name: str
    value: FactValue
