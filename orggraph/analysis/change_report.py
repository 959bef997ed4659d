"""What a change report holds (变化): the events and counts of ``orggraph.analysis.changes``.

Kept apart from the two ways of working them out (every change from the history, or the
two dates compared: ``changes_net``), which both fill them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orggraph.analysis.chainindex import Person
from orggraph.model import LinkKind, NodeKind

__all__ = [
    "ChangeReport",
    "FactCount",
    "LinkCount",
    "LinkEvent",
    "NodeCount",
    "OrgEvent",
    "OrgMove",
    "PostEvent",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class OrgEvent:
    """An organization founded or dissolved, with its parent at that time."""

    organization: str
    name: str
    date: date
    parent: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class OrgMove:
    """An organization moved under another parent (``None``: a root, or outside the scope)."""

    organization: str
    name: str
    date: date
    old_parent: str | None
    new_parent: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class PostEvent:
    """A post filled (a tenure began) or vacated (a tenure ended)."""

    organization: str
    name: str
    role: str
    person: Person
    date: date


@dataclass(frozen=True, kw_only=True, slots=True)
class LinkEvent:
    """A link made or ended; an end outside the scope is ``None``."""

    kind: LinkKind
    source: str | None
    target: str | None
    date: date


@dataclass(frozen=True, kw_only=True, slots=True)
class LinkCount:
    """Links of one kind made and ended in the period."""

    kind: LinkKind
    made: int
    ended: int


@dataclass(frozen=True, kw_only=True, slots=True)
class NodeCount:
    """Nodes of one kind begun (a first version, or a first after a gap), changed (a new
    version on the day the last one ended) and ended in the period."""

    kind: NodeKind
    began: int
    changed: int
    ended: int


@dataclass(frozen=True, kw_only=True, slots=True)
class FactCount:
    """Yearly facts of one name (``fact``: 考核等次 is assessment_grade) for one year whose
    year begins or ends in the period."""

    fact: str
    year: int
    count: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ChangeReport:
    """What changed in the scope from ``since`` to ``until``.

    ``net``: the two dates compared (what a report on the two dates shows), not every
    change between them; ``nodes`` and ``facts`` are then empty.
    """

    since: date
    until: date
    founded: tuple[OrgEvent, ...]
    dissolved: tuple[OrgEvent, ...]
    moved: tuple[OrgMove, ...]
    posts_filled: tuple[PostEvent, ...]
    posts_vacated: tuple[PostEvent, ...]
    links: tuple[LinkCount, ...]
    links_made: tuple[LinkEvent, ...]
    links_ended: tuple[LinkEvent, ...]
    nodes: tuple[NodeCount, ...] = ()
    facts: tuple[FactCount, ...] = ()
    net: bool = False
