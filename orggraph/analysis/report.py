"""The seed document's figures (全市组织工作主要数据), computed from the graph at a date.

Each figure of DOMAIN.md's table is computed here, from the graph only, by the public
functions below; a figure the graph does not hold is reported as not tracked, never
filled in. The change figures compare with a baseline: coverage with the end of 2014,
admissions count from 2014-01-01, the members' structure compares with the 18th Congress
(2012-11-08); ``since`` moves every baseline to one date.

======================  ======================================================  =========
figure                  how                                                     rounding
======================  ======================================================  =========
working groups          working-group nodes valid at the date                   count
coverage (2 figures)    ``coverage_rates`` by sector: (own + joint) ÷ operating  2 / 1 dp
admitted members        members valid at the date, joined in [since, as_of]     count
structure (3 figures)   share among members valid at each date, difference      1 dp
leaders and experts     leaders with a ``serves`` link at the date; experts     count
venues, lecture halls   organizations with the yearly fact true since baseline  count
======================  ======================================================  =========
"""

from __future__ import annotations

__all__ = [
    "CONGRESS_18",
    "ExpertService",
    "Figure",
    "MemberStructure",
    "SeedReport",
    "admissions",
    "expert_service",
    "member_structure",
    "organizations_with_fact",
    "seed_report",
    "working_groups",
]

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from orggraph.analysis.coverage import coverage_rates
from orggraph.model import Education, LinkKind, NodeKind, UnitKind
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

#: The 18th Party Congress opened: the seed's "before the 18th Congress" baseline.
CONGRESS_18 = date(2012, 11, 8)
_COLLEGE = frozenset({Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE})
_MAJORITY = "汉族"


@dataclass(frozen=True, kw_only=True, slots=True)
class MemberStructure:
    """Members valid at a date, and how many have each trait (党员队伍结构)."""

    as_of: date
    members: int
    college_or_above: int  # 大专以上: college, bachelor, postgraduate
    minority: int  # 少数民族: any ethnicity but 汉族
    women: int

    def share(self, trait: str) -> float | None:
        """The percentage of members with ``trait`` (a field name above)."""
        count: int = getattr(self, trait)
        return 100.0 * count / self.members if self.members else None


@dataclass(frozen=True, kw_only=True, slots=True)
class ExpertService:
    """Leaders serving experts (党员领导干部联系服务专家) at a date."""

    leaders: int  # distinct leaders with at least one serves link
    experts: int  # distinct experts served
    experts_total: int  # experts valid at the date, served or not


@dataclass(frozen=True, kw_only=True, slots=True)
class Figure:
    """One figure: label, value rounded as the seed prints it, and how it was computed.

    ``value`` is ``None`` when the graph does not track it (``tracked`` false); ``exact``
    is the unrounded value; ``baseline`` the value at ``since`` for change figures.
    """

    key: str
    label: str
    label_en: str
    value: float | int | None
    unit: str
    display: str
    how: str
    tracked: bool = True
    exact: float | int | None = None
    baseline: float | int | None = None
    since: date | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class SeedReport:
    """The seed's figures at ``as_of``."""

    as_of: date
    figures: tuple[Figure, ...]

    def get(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def working_groups(store: GraphStore, as_of: date, scope: Scope) -> int:
    """Full-area working groups (全域党建工作组) valid at ``as_of`` and in scope."""
    view = scope.view(store, as_of)
    return sum(1 for g in store.nodes(NodeKind.WORKING_GROUP, as_of) if view.sees(g))


def admissions(store: GraphStore, since: date, as_of: date, scope: Scope) -> int:
    """Members admitted (发展党员) from ``since`` to ``as_of``: members valid at ``as_of``
    whose join date falls in ``[since, as_of]`` (those who left since are not counted)."""
    view = scope.view(store, as_of)
    count = 0
    for member in store.nodes(NodeKind.MEMBER, as_of):
        joined = member.attrs.get("join_date")
        if isinstance(joined, date) and since <= joined <= as_of and view.sees(member):
            count += 1
    return count


def member_structure(store: GraphStore, as_of: date, scope: Scope) -> MemberStructure:
    """How many members valid at ``as_of`` have college education or above, belong to an
    ethnic minority, are women."""
    view = scope.view(store, as_of)
    total = college = minority = women = 0
    for member in store.nodes(NodeKind.MEMBER, as_of):
        if view.organizations is not None and not view.sees(member):
            continue
        attrs = member.attrs
        total += 1
        college += attrs.get("education") in _COLLEGE
        ethnicity = attrs.get("ethnicity")
        minority += bool(ethnicity) and ethnicity != _MAJORITY
        women += attrs.get("gender") == "female"
    return MemberStructure(
        as_of=as_of, members=total, college_or_above=college, minority=minority, women=women
    )


def expert_service(store: GraphStore, as_of: date, scope: Scope) -> ExpertService:
    """Leaders who serve experts, and the experts served, at ``as_of``."""
    view = scope.view(store, as_of)
    experts = [e for e in store.nodes(NodeKind.EXPERT, as_of) if view.sees(e)]
    ids = [e.id for e in experts]
    links = store.links(LinkKind.SERVES, as_of, targets=ids)
    leaders = {
        m.id
        for m in store.nodes(NodeKind.MEMBER, as_of, ids=sorted({x.source for x in links}))
        if m.attrs.get("is_leader")
    }
    served = {x.target for x in links if x.source in leaders}
    return ExpertService(leaders=len(leaders), experts=len(served), experts_total=len(ids))


def organizations_with_fact(
    store: GraphStore, fact: str, since: date, as_of: date, scope: Scope
) -> int:
    """Organizations valid at ``as_of`` (in scope) with the yearly fact ``fact`` true in a
    year from ``since`` to ``as_of`` (升级改造的阵地: ``venue_upgraded``; 新时代讲习所:
    ``lecture_hall``)."""
    view = scope.view(store, as_of)
    ids = [o.id for o in store.nodes(NodeKind.ORGANIZATION, as_of) if view.sees(o)]
    found: set[str] = set()
    for year in range(since.year, as_of.year + 1):
        # An organization found in one year is not asked about the next ones.
        asked = [org_id for org_id in ids if org_id not in found] if found else ids
        for org_id, values in store.facts(asked, year, [fact]).items():
            if values.get(fact) is True:
                found.add(org_id)
    return len(found)


def _round(value: float, places: int) -> float:
    """Half up, as printed figures are (not Python's half-to-even on binary floats)."""
    step = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def _show(value: float | int | None, places: int, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


def _count(key: str, label: str, label_en: str, value: int, unit: str, how: str) -> Figure:
    return Figure(
        key=key,
        label=label,
        label_en=label_en,
        value=value,
        exact=value,
        unit=unit,
        display=_show(value, 0, unit),
        how=how,
    )


def _untracked(key: str, label: str, label_en: str, unit: str) -> Figure:
    return Figure(
        key=key,
        label=label,
        label_en=label_en,
        value=None,
        unit=unit,
        display="未纳入图谱",
        how="not tracked in the graph (图谱未记录此项)",
        tracked=False,
    )


def seed_report(
    store: GraphStore, as_of: date, scope: Scope, since: date | None = None
) -> SeedReport:
    """DOMAIN.md's table computed from the graph at ``as_of``.

    Baselines: coverage at 2014-12-31, admissions from 2014-01-01, structure at the 18th
    Congress (2012-11-08), venues and lecture halls since the 18th Congress; ``since``
    replaces them all. On the demo at 2019-06-30 this gives the seed's figures (87.98%,
    85.7%, 6,899, +22.7/+8.7/+11.2 points, 394 leaders and 613 experts, 357 venues).
    """
    coverage_since = since or date(2014, 12, 31)
    admitted_since = since or date(2014, 1, 1)
    structure_since = since or CONGRESS_18
    figures: list[Figure] = [
        _count(
            "working_groups",
            "全域党建工作组",
            "full-area party-building working groups",
            working_groups(store, as_of, scope),
            "个",
            "working-group nodes valid at the date",
        )
    ]
    now = {r.group: r for r in coverage_rates(store, as_of, scope, "sector")}
    then = {r.group: r for r in coverage_rates(store, coverage_since, scope, "sector")}
    for kind, key, label, label_en, places in (
        (
            UnitKind.NON_PUBLIC_ENTERPRISE,
            "coverage_non_public_enterprises",
            "非公企业党组织覆盖率",
            "non-public enterprises with a party organization",
            2,
        ),
        (
            UnitKind.SOCIAL_ORGANIZATION,
            "coverage_social_organizations",
            "社会组织党组织覆盖率",
            "social organizations with a party organization",
            1,
        ),
    ):
        rate = now[kind.value].rate if kind.value in now else None
        before = then[kind.value].rate if kind.value in then else None
        row = now.get(kind.value)
        counts = f"{row.organized}/{row.units}" if row else "0/0"
        figures.append(
            Figure(
                key=key,
                label=label,
                label_en=label_en,
                value=None if rate is None else _round(rate, places),
                exact=rate,
                unit="%",
                display=_show(None if rate is None else _round(rate, places), places, "%"),
                how=f"(own + joint organizations) ÷ operating units = {counts} "
                "(coverage_rates by sector)",
                baseline=None if before is None else _round(before, places),
                since=coverage_since,
            )
        )
    figures.append(
        _count(
            "admitted_members",
            "发展党员",
            "members admitted",
            admissions(store, admitted_since, as_of, scope),
            "名",
            f"members valid at the date who joined from {admitted_since} on",
        )
    )
    old = member_structure(store, structure_since, scope)
    new = member_structure(store, as_of, scope)
    for trait, key, label, label_en in (
        (
            "college_or_above",
            "college_share_change",
            "大专以上学历党员占比提高",
            "share with college education or above, change",
        ),
        (
            "minority",
            "minority_share_change",
            "少数民族党员占比提高",
            "ethnic-minority share, change",
        ),
        ("women", "women_share_change", "妇女党员占比提高", "women's share, change"),
    ):
        a, b = old.share(trait), new.share(trait)
        change = None if a is None or b is None else b - a
        value = None if change is None else _round(change, 1)
        figures.append(
            Figure(
                key=key,
                label=label,
                label_en=label_en,
                value=value,
                exact=change,
                unit="个百分点",
                display=_show(value, 1, "个百分点"),
                how=f"share among the {new.members:,} members valid at the date minus the share "
                f"among the {old.members:,} valid at {structure_since}",
                baseline=None if a is None else _round(a, 1),
                since=structure_since,
            )
        )
    service = expert_service(store, as_of, scope)
    figures += [
        _count(
            "serving_leaders",
            "联系服务专家的党员领导干部",
            "party-member leaders serving experts",
            service.leaders,
            "名",
            "leaders (is_leader) with a serves link valid at the date",
        ),
        _count(
            "experts_served",
            "联系服务的专家人才",
            "experts served",
            service.experts,
            "名",
            f"experts a leader serves at the date (of {service.experts_total:,} experts)",
        ),
        _count(
            "venues_upgraded",
            "升级改造的村(社区)综合办公服务中心",
            "village/community service centres upgraded",
            organizations_with_fact(store, "venue_upgraded", structure_since, as_of, scope),
            "个",
            f"organizations with the yearly fact venue_upgraded true since {structure_since}",
        ),
        _count(
            "lecture_halls",
            "新时代讲习所",
            "new-era lecture halls",
            organizations_with_fact(store, "lecture_hall", structure_since, as_of, scope),
            "个",
            f"organizations with the yearly fact lecture_hall true since {structure_since}",
        ),
        _untracked(
            "service_funds", "村(社区)服务群众专项经费", "village/community service funds", "元"
        ),
        _untracked("education_bases", "市级党员教育基地", "city party-education bases", "个"),
        _untracked("key_projects", "省市重点党建项目", "key party-building projects", "项"),
        _untracked(
            "cadres_promoted",
            "从基层一线提任市管干部",
            "city-managed cadres promoted from the front line",
            "名",
        ),
    ]
    return SeedReport(as_of=as_of, figures=tuple(figures))
