"""The analyses as root fields, and the writes that belong to them (cases, pairings).

Each field calls one function of ``orggraph.analysis`` with the actor's scope (narrowed by
the optional ``scope``/``sectors`` arguments, never widened) and returns its result, typed
by the mirror of its result dataclass. Business rules stay in the analysis modules.
"""

# strawberry's field decorators are typed as returning Any when given keyword arguments.
# mypy: disallow-untyped-decorators=False

from __future__ import annotations

from datetime import date
from enum import StrEnum
from types import GenericAlias
from typing import Annotated, Any

import strawberry

from orggraph.analysis.chain import (
    BREAK_LABELS_ZH,
    BreakKind,
    Chain,
    Post,
    Responsibilities,
    responsibilities,
    responsibility_chain,
)
from orggraph.analysis.changes import ChangeReport, changes_between
from orggraph.analysis.config import load_rules
from orggraph.analysis.coverage import (
    CoverageChange,
    CoverageRate,
    UnitCoverage,
    coverage_change,
    coverage_rates,
    coverage_total,
    unit_coverage,
)
from orggraph.analysis.gaps import GAP_LABELS_ZH, Gap, GapKind, coverage_gaps
from orggraph.analysis.pairing import PairingPlan, Suggestion, apply_suggestion, pairing_suggestions
from orggraph.analysis.remediation import (
    Case,
    open_case,
    overdue_cases,
    remediation_cases,
    stalled_cases,
    transition,
)
from orggraph.analysis.report import SeedReport, seed_report
from orggraph.analysis.weak import WeakBranch, facts_year, weak_branches
from orggraph.analysis.whatif import (
    DissolveOrganization,
    EndLinks,
    Impact,
    LeavePosts,
    MoveOrganization,
    Proposal,
    what_if,
)
from orggraph.api.context import Context, Info
from orggraph.api.types.links import LinkInterface
from orggraph.api.types.mirror import mirror, mirror_enum, name, remember
from orggraph.api.types.mutations import LinkPayload, UserError, user_errors
from orggraph.errors import NotFound, OrgGraphError, PermissionDenied, Problem, ValidationFailed
from orggraph.model import CaseState, Link, LinkKind, Sector
from orggraph.store.masking import hide_unseen, refuse_result
from orggraph.store.scope import Scope

__all__ = ["ANALYSIS_MUTATIONS", "ANALYSIS_QUERIES", "analysis_scope"]

# Names that would clash with the graph's own types, or read badly.
name(Post, "HeldPost")
name(Case, "CaseReport")
name(Proposal, "Proposal")
mirror_enum(BreakKind, BREAK_LABELS_ZH)
mirror_enum(GapKind, GAP_LABELS_ZH)


def list_of(item: Any) -> Any:
    """``list[item]`` for a type made at run time."""
    return GenericAlias(list, (item,))


ChainType = mirror(Chain)
ResponsibilitiesType = mirror(Responsibilities)
GapType = mirror(Gap)
UnitCoverageType = mirror(UnitCoverage)
WeakBranchType = mirror(WeakBranch)
CaseType = mirror(Case)
PairingPlanType = mirror(PairingPlan)
ChangeReportType = mirror(ChangeReport)
CoverageRateType = mirror(CoverageRate)
CoverageChangeType = mirror(CoverageChange)
SeedReportType = mirror(SeedReport)
ImpactType = mirror(Impact)

SCOPE = "只看这些组织的下级 Narrow to these organizations' subtrees (within your own scope)"
SECTORS = "只看这些领域 Narrow to these sectors (within your own scope)"
AS_OF = "截至日期 The date to ask at (default: today, or the data's date when today is past it)"


def analysis_scope(
    ctx: Context, when: date, roots: list[strawberry.ID] | None, sectors: list[Sector] | None
) -> Scope:
    """The actor's scope narrowed to ``roots`` and ``sectors``; never wider than the actor's.

    A root the actor cannot see is ``NOT_FOUND`` (the same answer as for an unknown id);
    sectors outside the actor's are ``PERMISSION_DENIED``.
    """
    own = ctx.actor.scope
    if not roots and not sectors:
        return own
    view = ctx.loaders.view(when)
    for root in roots or ():
        if ctx.store.node(str(root), when) is None or not view.sees_org(str(root)):
            raise NotFound(f"no organization {str(root)!r} at {when} (or not in your scope)")
    wanted = frozenset(sectors or ())
    if wanted and own.sectors and not wanted <= own.sectors:
        outside = ", ".join(sorted(s.value for s in wanted - own.sectors))
        raise PermissionDenied(f"sectors outside your scope: {outside}")
    return Scope(
        roots=frozenset(str(r) for r in roots) if roots else own.roots,
        sectors=wanted or own.sectors,
    )


class ProposalKind(StrEnum):
    """推演类别 The kind of a what-if proposal"""

    LEAVE = "leave"
    END_LINKS = "end_links"
    MOVE = "move"
    DISSOLVE = "dissolve"


mirror_enum(
    ProposalKind,
    {
        ProposalKind.LEAVE: "离任: the person leaves every post and the links of office",
        ProposalKind.END_LINKS: "联点等终止: the person's contact links end",
        ProposalKind.MOVE: "调整隶属: the organization moves under newParent",
        ProposalKind.DISSOLVE: "撤销: the organization is dissolved",
    },
)


class CoverageGrouping(StrEnum):
    """覆盖率分组 How coverage rates are grouped"""

    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    TOWNSHIP = "township"
    SECTOR = "sector"
    ALL = "all"


mirror_enum(
    CoverageGrouping,
    {
        CoverageGrouping.PROVINCE: "按省(区)",
        CoverageGrouping.CITY: "按市(州)",
        CoverageGrouping.DISTRICT: "按县(区)",
        CoverageGrouping.TOWNSHIP: "按乡镇(街道)",
        CoverageGrouping.SECTOR: "按领域(非公企业、社会组织)",
        CoverageGrouping.ALL: "全部合计",
    },
)


def _group_by(grouping: CoverageGrouping) -> str | None:
    return None if grouping is CoverageGrouping.ALL else grouping.value


#: What each proposal kind needs besides its kind.
_NEEDS: dict[ProposalKind, tuple[str, ...]] = {
    ProposalKind.LEAVE: ("person",),
    ProposalKind.END_LINKS: ("person",),
    ProposalKind.MOVE: ("organization", "new_parent"),
    ProposalKind.DISSOLVE: ("organization",),
}


@strawberry.input(description="推演 One proposed change (nothing is written)")
class ProposalInput:
    kind: ProposalKind
    person: strawberry.ID | None = strawberry.field(default=None, description="leave, end_links")
    organization: strawberry.ID | None = strawberry.field(
        default=None, description="move, dissolve"
    )
    new_parent: strawberry.ID | None = strawberry.field(default=None, description="move")


def _proposal(item: ProposalInput, index: int) -> Proposal:
    missing = [f for f in _NEEDS[item.kind] if getattr(item, f) is None]
    if missing:
        raise ValidationFailed(
            [
                Problem(
                    rule="required",
                    column=f,
                    row=index,
                    message=f"proposal {index} ({item.kind.value}) needs {f}",
                )
                for f in missing
            ]
        )
    if item.kind is ProposalKind.LEAVE:
        return LeavePosts(person=str(item.person))
    if item.kind is ProposalKind.END_LINKS:
        return EndLinks(person=str(item.person))
    if item.kind is ProposalKind.MOVE:
        return MoveOrganization(
            organization=str(item.organization), new_parent=str(item.new_parent)
        )
    return DissolveOrganization(organization=str(item.organization))


def _asked(
    info: Info, as_of: date | None, scope: list[strawberry.ID] | None, sectors: list[Sector] | None
) -> tuple[Context, date, Scope]:
    """The request's context, the date asked at, and the actor's scope narrowed for it."""
    ctx: Context = info.context
    when = ctx.as_of(as_of)
    return ctx, when, analysis_scope(ctx, when, scope, sectors)


@strawberry.type
class AnalysisQuery:
    """The questions of DOMAIN.md, one root field each."""

    @strawberry.field(
        graphql_type=ChainType,
        description="责任链 Who answers for a node at each level up to the city committee, "
        "which working group covers it, its contact leaders and partners, and where the "
        "chain is broken",
    )
    def responsibility_chain(
        self, info: Info, id: strawberry.ID, as_of: date | None = None
    ) -> Chain:
        ctx = info.context
        when = ctx.as_of(as_of)
        result = responsibility_chain(ctx.store, str(id), when, ctx.actor.scope)
        return remember(info, when, result)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=ResponsibilitiesType,
        description="责任清单 Everything a person answers for: posts, contacts, working groups, "
        "experts, units and open remediation cases",
    )
    def responsibilities(
        self, info: Info, person: strawberry.ID, as_of: date | None = None
    ) -> Responsibilities:
        ctx = info.context
        when = ctx.as_of(as_of)
        result = responsibilities(ctx.store, str(person), when, ctx.actor.scope)
        result = hide_unseen(result, ctx.loaders.view(when))
        return remember(info, when, result)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=list_of(GapType),
        description="覆盖缺口 Coverage gaps: units with no organization, vacant secretaries, "
        "no contact leader, too few members, uncovered areas, unserved experts, leaders over "
        "capacity, overdue terms",
    )
    def coverage_gaps(
        self,
        info: Info,
        scope: list[strawberry.ID] | None = None,
        sectors: list[Sector] | None = None,
        kinds: list[GapKind] | None = None,
        as_of: date | None = None,
    ) -> list[Gap]:
        ctx, when, narrowed = _asked(info, as_of, scope, sectors)
        result = coverage_gaps(ctx.store, when, narrowed, kinds=kinds or None)
        return remember(info, when, result)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=list_of(UnitCoverageType),
        description='"两新"组织覆盖 How each two-new unit is covered: own, joint, work or none',
    )
    def unit_coverage(
        self,
        info: Info,
        scope: list[strawberry.ID] | None = None,
        sectors: list[Sector] | None = None,
        status: str | None = None,
        as_of: date | None = None,
    ) -> list[UnitCoverage]:
        ctx, when, narrowed = _asked(info, as_of, scope, sectors)
        found = unit_coverage(ctx.store, when, narrowed)
        result = [found[k] for k in sorted(found) if status is None or found[k].status == status]
        return remember(info, when, result)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=list_of(CoverageRateType),
        description="覆盖率 Party-organization coverage of the two-new units by district, "
        "township or sector at a date: own + joint organizations ÷ operating units; the "
        'last row (group "") is the total when withTotal. [internal: refused with '
        "PERMISSION_DENIED to a role that may not read internal data]",
    )
    def coverage_rates(
        self,
        info: Info,
        group_by: CoverageGrouping = CoverageGrouping.DISTRICT,
        with_total: bool = True,
        scope: list[strawberry.ID] | None = None,
        sectors: list[Sector] | None = None,
        as_of: date | None = None,
    ) -> list[CoverageRate]:
        refuse_result(CoverageRate, info.context.actor.clearance)
        ctx, when, narrowed = _asked(info, as_of, scope, sectors)
        rows = coverage_rates(ctx.store, when, narrowed, _group_by(group_by))
        if with_total and group_by is not CoverageGrouping.ALL:
            rows = [*rows, coverage_total(rows)]
        return remember(info, when, rows)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=list_of(CoverageChangeType),
        description="覆盖率变化 Coverage at two dates side by side, by group, with the change "
        "in percentage points (e.g. since 2014-12-31). [internal: refused with "
        "PERMISSION_DENIED to a role that may not read internal data]",
    )
    def coverage_change(
        self,
        info: Info,
        since: date,
        group_by: CoverageGrouping = CoverageGrouping.SECTOR,
        scope: list[strawberry.ID] | None = None,
        sectors: list[Sector] | None = None,
        as_of: date | None = None,
    ) -> list[CoverageChange]:
        refuse_result(CoverageChange, info.context.actor.clearance)
        ctx, when, narrowed = _asked(info, as_of, scope, sectors)
        result = coverage_change(ctx.store, since, when, narrowed, _group_by(group_by))
        return remember(info, when, result)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=SeedReportType,
        description="主要数据 The seed document's figures computed from the graph at a date "
        "(working groups, coverage rates, members admitted, structure, leaders and experts…)",
    )
    def report(
        self,
        info: Info,
        since: date | None = None,
        scope: list[strawberry.ID] | None = None,
        sectors: list[Sector] | None = None,
        as_of: date | None = None,
    ) -> SeedReport:
        ctx, when, narrowed = _asked(info, as_of, scope, sectors)
        result = seed_report(ctx.store, when, narrowed, since=since)
        return remember(info, when, result)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=list_of(WeakBranchType),
        description="软弱涣散基层党组织 Weak branches at the date and the rules each fails",
    )
    def weak_branches(
        self,
        info: Info,
        scope: list[strawberry.ID] | None = None,
        sectors: list[Sector] | None = None,
        as_of: date | None = None,
    ) -> list[WeakBranch]:
        ctx, when, narrowed = _asked(info, as_of, scope, sectors)
        ctx.dating.facts_year(facts_year(when))  # noted when an earlier year's facts are read
        result = weak_branches(ctx.store, when, narrowed, rules=load_rules(ctx.settings.rules))
        return remember(info, when, result)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=list_of(CaseType),
        description="整顿转化 Remediation cases with their steps; overdue: past the deadline "
        "(most late first); stalled: no step for too long. [internal: refused with "
        "PERMISSION_DENIED to a role that may not read internal data; a responsible "
        "leader or partner outside your scope is null]",
    )
    def remediation_cases(
        self,
        info: Info,
        scope: list[strawberry.ID] | None = None,
        sectors: list[Sector] | None = None,
        state: CaseState | None = None,
        overdue: bool = False,
        stalled: bool = False,
        as_of: date | None = None,
    ) -> list[Case]:
        refuse_result(Case, info.context.actor.clearance)
        ctx, when, narrowed = _asked(info, as_of, scope, sectors)
        if overdue:
            result = overdue_cases(ctx.store, when, narrowed)
        elif stalled:
            result = stalled_cases(ctx.store, when, narrowed, rules=load_rules(ctx.settings.rules))
        else:
            result = remediation_cases(ctx.store, when, narrowed, state=state)
        if state is not None:
            result = [c for c in result if c.state is state]
        # The responsible leader and partner outside the actor's scope: null, as everywhere.
        result = hide_unseen(result, ctx.loaders.view(when))
        return remember(info, when, result)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=PairingPlanType,
        description="结对建议 Suggested strong partners and contact leaders for weak branches, "
        "under capacity limits",
    )
    def pairing_suggestions(
        self,
        info: Info,
        scope: list[strawberry.ID] | None = None,
        sectors: list[Sector] | None = None,
        kinds: list[LinkKind] | None = None,
        as_of: date | None = None,
    ) -> PairingPlan:
        ctx, when, narrowed = _asked(info, as_of, scope, sectors)
        ctx.dating.facts_year(facts_year(when))  # the weak branches' facts, as above
        result = pairing_suggestions(
            ctx.store, when, narrowed, rules=load_rules(ctx.settings.rules), kinds=kinds or None
        )
        return remember(info, when, result)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=ChangeReportType,
        description="变化 Every change after `since` up to `until`, from the history: "
        "organizations founded, dissolved and moved, posts filled and vacated, links made "
        "and ended, nodes begun, changed and ended, yearly facts; with `net`, the two dates "
        "compared instead",
    )
    def changes(
        self,
        info: Info,
        since: date,
        until: date | None = None,
        scope: list[strawberry.ID] | None = None,
        sectors: list[Sector] | None = None,
        net: Annotated[
            bool,
            strawberry.argument(
                description="净变化 Compare the graph at the two dates only (what a report "
                "on each date shows), not every change between them"
            ),
        ] = False,
    ) -> ChangeReport:
        ctx: Context = info.context
        # Left out, ``until`` is the data's date, or ``since`` itself when the data ends
        # before it (an empty window, not a refusal).
        end = ctx.as_of(until) if until is not None else max(ctx.as_of(None), since)
        narrowed = analysis_scope(ctx, end, scope, sectors)
        result = changes_between(ctx.store, since, end, narrowed, net=net)
        return remember(info, end, result)  # type: ignore[no-any-return]

    @strawberry.field(
        graphql_type=ImpactType,
        description="推演 What-if: which chains would break and which gaps open or close "
        "under some proposed changes (nothing is written)",
    )
    def what_if(
        self,
        info: Info,
        proposals: list[ProposalInput],
        scope: list[strawberry.ID] | None = None,
        sectors: list[Sector] | None = None,
        as_of: date | None = None,
    ) -> Impact:
        ctx, when, narrowed = _asked(info, as_of, scope, sectors)
        made = [_proposal(p, i) for i, p in enumerate(proposals, start=1)]
        result = what_if(ctx.store, made, when, narrowed)
        return remember(info, when, result)  # type: ignore[no-any-return]


@strawberry.type(description="整顿转化写入结果 The case as written, or the errors")
class CasePayload:
    case: CaseType | None  # type: ignore[valid-type]
    errors: list[UserError]


def _case_payload(info: Info, on: date, action: Any) -> CasePayload:
    try:
        case = action()
    except OrgGraphError as exc:
        return CasePayload(case=None, errors=user_errors(exc))
    info.context.loaders.forget()
    remember(info, on, case)
    return CasePayload(case=case, errors=[])


@strawberry.type
class AnalysisMutation:
    """Writes that belong to an analysis: remediation steps and pairing decisions."""

    @strawberry.mutation(description="认定整顿 Open a remediation case for a weak organization")
    def open_case(
        self,
        info: Info,
        organization: strawberry.ID,
        on: date | None = None,
        reasons: list[str] | None = None,
        responsible: strawberry.ID | None = None,
        partner: strawberry.ID | None = None,
        deadline: date | None = None,
    ) -> CasePayload:
        ctx = info.context
        when = ctx.as_of(on)
        return _case_payload(
            info,
            when,
            lambda: open_case(
                ctx.store,
                str(organization),
                when,
                actor=ctx.actor.name,
                reasons=reasons,
                responsible=None if responsible is None else str(responsible),
                partner=None if partner is None else str(partner),
                deadline=deadline,
                scope=ctx.actor.scope,
                rules=load_rules(ctx.settings.rules),
            ),
        )

    @strawberry.mutation(
        description="整顿转化进展 Move a case to its next state (identified → rectifying → "
        "under review → converted or extended)"
    )
    def transition_case(
        self,
        info: Info,
        id: strawberry.ID,
        to: CaseState,
        on: date | None = None,
        responsible: strawberry.ID | None = None,
        partner: strawberry.ID | None = None,
        deadline: date | None = None,
        evidence: str | None = None,
    ) -> CasePayload:
        ctx = info.context
        when = ctx.as_of(on)
        return _case_payload(
            info,
            when,
            lambda: transition(
                ctx.store,
                str(id),
                to,
                when,
                actor=ctx.actor.name,
                responsible=None if responsible is None else str(responsible),
                partner=None if partner is None else str(partner),
                deadline=deadline,
                evidence=evidence,
                scope=ctx.actor.scope,
            ),
        )

    @strawberry.mutation(
        description="采纳结对建议 Write a suggested pairing (PAIRED_WITH: a strong organization) "
        "or contact (CONTACTS: a leader) for a weak branch, after checking it still holds"
    )
    def apply_pairing_suggestion(
        self,
        info: Info,
        kind: LinkKind,
        weak: strawberry.ID,
        candidate: strawberry.ID,
        on: date | None = None,
    ) -> LinkPayload:
        ctx = info.context
        when = ctx.as_of(on)
        suggestion = Suggestion(
            kind=kind,
            weak=str(weak),
            weak_name="",
            district=None,
            candidate=str(candidate),
            candidate_name="",
            cost=0.0,
            terms=(),
        )
        try:
            apply_suggestion(
                ctx.store,
                suggestion,
                when,
                ctx.actor.name,
                scope=ctx.actor.scope,
                rules=load_rules(ctx.settings.rules),
            )
        except OrgGraphError as exc:
            return LinkPayload(link=None, errors=user_errors(exc))
        ctx.loaders.forget()
        link = Link(kind=kind, source=str(candidate), target=str(weak), valid_from=when)
        return LinkPayload(link=_written_link(ctx, link, when), errors=[])


def _written_link(ctx: Context, link: Link, when: date) -> LinkInterface | None:
    from orggraph.api.types.mutations import _link_payload

    return _link_payload(ctx, link, when)


ANALYSIS_QUERIES: tuple[type, ...] = (AnalysisQuery,)
ANALYSIS_MUTATIONS: tuple[type, ...] = (AnalysisMutation,)
