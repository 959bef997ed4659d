"""The generator's working state: one seeded ``random.Random``, the planned organizations,
and the records made so far, kept in creation order (never in set order) so that a seed
always gives the same graph.
"""

from __future__ import annotations

__all__ = ["REFERENCE_DATE", "OrgPlan", "World", "add_years", "between", "days"]

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from orggraph.demo.divisions import Divisions, load_divisions
from orggraph.model import Fact, Level, Link, LinkKind, Node, NodeKind, OrgKind, Sector

#: The demo's "today": the seed document's figures hold at this date; nothing is dated later.
REFERENCE_DATE = date(2019, 6, 30)


def between(rng: random.Random, start: date, end: date) -> date:
    """A day drawn uniformly from ``[start, end]``."""
    if end <= start:
        return start
    first = start.toordinal()
    return date.fromordinal(first + int(rng.random() * (end.toordinal() - first + 1)))


def add_years(day: date, years: int) -> date:
    """``day`` moved by whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(kw_only=True, slots=True)
class OrgPlan:
    """An organization to be written, with what the generator needs to know about it."""

    id: str
    name: str
    org_kind: OrgKind
    level: Level
    sector: Sector | None
    start: date
    parent: str | None
    district: str | None  # district code, None for city-level organizations
    township: str | None  # township code, None above or beside townships
    tag: str  # city, district, township, village, community, agency, institution, school,
    # hospital, soe, npe, social, sub (a branch under a grassroots committee)
    end: date | None = None
    code: str | None = None
    weight: float = 0.0  # share of the members to place in it (0: none directly)
    size: int | None = None  # exact number of members at the reference date, when fixed
    extra: dict[str, Any] = field(default_factory=dict)  # more attributes of the first version
    # Attribute changes after ``start``: (from, attrs to merge), oldest first.
    changes: list[tuple[date, dict[str, Any]]] = field(default_factory=list)
    # Villages and communities: the two committees' terms (换届), (start, end), oldest first.
    terms: list[tuple[date, date]] = field(default_factory=list)

    def alive(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    @property
    def grassroots(self) -> bool:
        return self.level is Level.GRASSROOTS


class World:
    """Everything the generator has planned and made, for one seed and scale."""

    def __init__(
        self, seed: int, scale: int, *, divisions: Divisions | None = None, prefix: str = ""
    ) -> None:
        if scale < 1:
            raise ValueError(f"scale must be a whole number ≥ 1, not {scale!r}")
        self.seed = seed
        self.scale = scale
        self.rng = random.Random(seed)
        # Xining by default; another city of the province demo with its own id ``prefix``
        # (ids made by ``new_id``), so that several worlds' records can share one store.
        self.divisions: Divisions = divisions if divisions is not None else load_divisions()
        self.prefix = prefix
        self.orgs: dict[str, OrgPlan] = {}
        self._counters: dict[str, int] = {}
        self.fallback: dict[str, str] = {}  # area code → its own agency branch (机关党支部)
        self.nodes: list[Node] = []
        self.links: list[Link] = []
        self.facts: list[Fact] = []

    def new_id(self, prefix: str, width: int) -> str:
        number = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = number
        return f"{self.prefix}{prefix}{number:0{width}d}"

    def day(self, start: date, end: date) -> date:
        return between(self.rng, start, end)

    def add_org(self, plan: OrgPlan) -> OrgPlan:
        if plan.id in self.orgs:
            raise ValueError(f"organization id {plan.id!r} planned twice")
        self.orgs[plan.id] = plan
        return plan

    def link(
        self,
        kind: LinkKind,
        source: str,
        target: str,
        start: date,
        end: date | None = None,
        **attrs: Any,
    ) -> None:
        self.links.append(
            Link(
                kind=kind, source=source, target=target, valid_from=start, valid_to=end, attrs=attrs
            )
        )

    def fact(self, node_id: str, year: int, name: str, value: int | float | str | bool) -> None:
        self.facts.append(Fact(node_id=node_id, year=year, name=name, value=value))

    def org_nodes(self) -> list[Node]:
        """Every planned organization as its versions, and its ``subordinate_to`` links."""
        out: list[Node] = []
        for plan in self.orgs.values():
            attrs: dict[str, Any] = {
                "org_kind": plan.org_kind.value,
                "level": plan.level.value,
                "sector": plan.sector.value if plan.sector else None,
            }
            if plan.code:
                attrs["code"] = plan.code
            attrs.update(plan.extra)
            starts = [plan.start, *(when for when, _ in plan.changes)]
            ends: list[date | None] = [*starts[1:], plan.end]
            merged = dict(attrs)
            updates = [{}, *(change for _, change in plan.changes)]
            for start, end, update in zip(starts, ends, updates, strict=True):
                merged = {**merged, **update}
                out.append(
                    Node(
                        id=plan.id,
                        kind=NodeKind.ORGANIZATION,
                        name=plan.name,
                        valid_from=start,
                        valid_to=end,
                        attrs={k: v for k, v in merged.items() if v is not None},
                    )
                )
        return out

    def hierarchy_links(self) -> list[Link]:
        return [
            Link(
                kind=LinkKind.SUBORDINATE_TO,
                source=plan.id,
                target=plan.parent,
                valid_from=plan.start,
                valid_to=plan.end,
            )
            for plan in self.orgs.values()
            if plan.parent is not None
        ]

    def member_orgs(self, day: date) -> list[OrgPlan]:
        """Organizations alive at ``day`` that hold members directly."""
        return [p for p in self.orgs.values() if p.alive(day) and (p.weight > 0 or p.size)]


def days(n: int) -> timedelta:
    return timedelta(days=n)
