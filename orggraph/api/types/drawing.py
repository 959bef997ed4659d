"""What the browser view draws beside the structure: each organization's state at a date.

``mapState`` answers, in one request, the marks the organization tree is drawn with: the
coverage rate of the two-new units in each area (县区、乡镇街道 and the city), the weak
grassroots organizations with their reasons, and the organizations whose secretary post
is vacant or that have no contact leader. ``timeline`` gives the span of dates the
graph's history covers, for the view's date control. The rules are the analyses' own
(``coverage.unit_coverage``, ``weak.weak_branches``, ``gaps.coverage_gaps``).
"""

# strawberry's decorators are untyped; the resolvers' own signatures are checked.
# mypy: disallow-untyped-decorators=False

from __future__ import annotations

from collections import defaultdict
from datetime import date

import strawberry

from orggraph.analysis.coverage import CoverageRate, unit_coverage
from orggraph.analysis.gaps import GapKind, coverage_gaps
from orggraph.analysis.weak import facts_year, weak_branches
from orggraph.api.context import Info
from orggraph.store.masking import result_classification

__all__ = ["AreaCoverage", "DrawingQuery", "MapState", "Timeline", "WeakMark"]


@strawberry.type(description="区域覆盖率 Party-organization coverage of the units in an area")
class AreaCoverage:
    organization: strawberry.ID = strawberry.field(description="The area's committee")
    units: int = strawberry.field(description="运行中的两新组织数 Operating units in the area")
    organized: int = strawberry.field(description="已建党组织数 Units with an own or joint one")
    rate: float = strawberry.field(description="覆盖率 organized ÷ units, in [0, 1]")


@strawberry.type(description="软弱涣散标记 A weak organization and the rules it fails")
class WeakMark:
    organization: strawberry.ID
    reasons: list[str] = strawberry.field(description="未通过的规则(中文)")


@strawberry.type(description="图上状态 The state each organization is drawn with at a date")
class MapState:
    as_of: date
    coverage: list[AreaCoverage] = strawberry.field(
        description="By area, areas with units (empty for a role that may not read "
        "internal data: coverage rates are internal)"
    )
    weak: list[WeakMark]
    vacant_secretary: list[strawberry.ID] = strawberry.field(description="书记空缺")
    no_contact_leader: list[strawberry.ID] = strawberry.field(description="无联点领导")


@strawberry.type(description="时间范围 The dates the graph's history spans")
class Timeline:
    first: date | None = strawberry.field(description="The earliest date anything begins")
    last: date | None = strawberry.field(
        description="The latest date anything begins or ends, up to today"
    )


@strawberry.type
class DrawingQuery:
    """Root fields for the browser view."""

    @strawberry.field(description="图上状态 Coverage rates, weak and vacant marks, for drawing")
    def map_state(self, info: Info, as_of: date | None = None) -> MapState:
        ctx = info.context
        when = ctx.as_of(as_of)
        ctx.dating.facts_year(facts_year(when))  # the weak marks' facts: noted when older
        store, scope = ctx.store, ctx.actor.scope
        # A unit belongs to its place (located_in) and to every area above it.
        units: dict[str, int] = defaultdict(int)
        organized: dict[str, int] = defaultdict(int)
        areas: dict[str, list[str]] = {}
        # Coverage rates are internal (as coverageRates and the coverage export): a role
        # that may not read them is drawn without them, not refused the map.
        rated = result_classification(CoverageRate)
        readable = rated is None or rated.result in ctx.actor.clearance
        placed = [
            (str(area), status)
            for status in (unit_coverage(store, when, scope).values() if readable else ())
            if (area := status.place)
        ]
        # Every area's ancestors in one store call (one query on Neo4j), not one per area.
        above = store.hierarchy(sorted({a for a, _ in placed}), when).parents if placed else {}
        for area, status in placed:
            if area not in areas:
                areas[area] = path = []
                current: str | None = area
                while current is not None and current not in path:
                    path.append(current)
                    current = above.get(current)
            for org in areas[area]:
                units[org] += 1
                organized[org] += int(status.organized)
        view = ctx.loaders.view(when)
        gaps = coverage_gaps(
            store, when, scope, kinds=[GapKind.VACANT_SECRETARY, GapKind.NO_CONTACT_LEADER]
        )
        return MapState(
            as_of=when,
            coverage=[
                AreaCoverage(
                    organization=strawberry.ID(org),
                    units=count,
                    organized=organized[org],
                    rate=organized[org] / count,
                )
                for org, count in sorted(units.items())
                if view.sees_org(org)
            ],
            weak=[
                WeakMark(
                    organization=strawberry.ID(w.organization.id),
                    reasons=[f.label for f in w.failures],
                )
                for w in weak_branches(store, when, scope)
            ],
            vacant_secretary=sorted(
                {strawberry.ID(g.subject) for g in gaps if g.kind is GapKind.VACANT_SECRETARY}
            ),
            no_contact_leader=sorted(
                {strawberry.ID(g.subject) for g in gaps if g.kind is GapKind.NO_CONTACT_LEADER}
            ),
        )

    @strawberry.field(description="时间范围 The span of the graph's history, for a date control")
    def timeline(self, info: Info) -> Timeline:
        ctx = info.context
        dates = [d for d in ctx.store.change_dates() if d <= ctx.today]
        return Timeline(first=dates[0] if dates else None, last=dates[-1] if dates else None)
