"""Coverage gaps (覆盖空白): what is missing in the organization graph at a date, and who closes it.

Each ``Gap`` names its kind, the node it is about, since when (where known), whether it is
flagged, and the chain of secretaries who answer for closing it (``owners``, nearest
first). The kinds:

=============================  ==================  ============================================
kind                           中文                 a gap when
=============================  ==================  ============================================
``unit_without_organization``  两新组织未建党组织     a two-new unit has no own or joint
                                                   organization
``vacant_secretary``           书记空缺              an organization has no secretary (flagged
                                                   after ``[organization] vacancy_flag_months``)
``no_contact_leader``          无联点领导            a grassroots organization has no contact leader
``too_few_members``            正式党员不足          a branch has fewer than ``min_full_members``
``area_uncovered``             工作组未包联          no working group covers a district/township
                                                   or an area above it (the topmost such area)
``area_multiply_covered``      多个工作组包联        several working groups cover the same area
                                                   for the same sector
``expert_unserved``            专家无人联系          no leader serves an expert (whole-city scope)
``leader_over_capacity``       领导联点超量          a leader holds over ``[leaders] max_contacts``
``term_overdue``               两委换届逾期          a village/community organization is past its
                                                   ``term_ends`` (``[terms] sectors``)
``duty_undone``                责任事项未完成        a duty of a graded year's list was not done
                                                   and no later list has done it (one row a
                                                   duty: ``orggraph.analysis.cycle_undone``)
=============================  ==================  ============================================

All maps are read once per call with batched store reads (``ChainIndex``), so the gaps of
a whole city cost a few dozen store calls, not one chain per gap.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from orggraph.analysis.chainindex import AREA_LEVELS, ROOT_LEVELS, ChainIndex, Owner
from orggraph.analysis.config import load_rules
from orggraph.analysis.coverage import unit_coverage
from orggraph.analysis.cycle_undone import undone_duties
from orggraph.analysis.weak import full_members_below
from orggraph.model import Level, LinkKind, Node, NodeKind, OrgKind
from orggraph.store.base import GraphStore, gc_paused
from orggraph.store.scope import Scope

__all__ = ["GAP_LABELS_ZH", "Gap", "GapKind", "add_months", "coverage_gaps", "parse_gap_kind"]


class GapKind(StrEnum):
    """The kinds of coverage gap, in the order they are reported."""

    UNIT_WITHOUT_ORGANIZATION = "unit_without_organization"
    VACANT_SECRETARY = "vacant_secretary"
    NO_CONTACT_LEADER = "no_contact_leader"
    TOO_FEW_MEMBERS = "too_few_members"
    AREA_UNCOVERED = "area_uncovered"
    AREA_MULTIPLY_COVERED = "area_multiply_covered"
    EXPERT_UNSERVED = "expert_unserved"
    LEADER_OVER_CAPACITY = "leader_over_capacity"
    TERM_OVERDUE = "term_overdue"
    DUTY_UNDONE = "duty_undone"


GAP_LABELS_ZH: dict[GapKind, str] = {
    GapKind.UNIT_WITHOUT_ORGANIZATION: "两新组织未建党组织",
    GapKind.VACANT_SECRETARY: "书记空缺",
    GapKind.NO_CONTACT_LEADER: "无联点领导",
    GapKind.TOO_FEW_MEMBERS: "正式党员不足",
    GapKind.AREA_UNCOVERED: "工作组未包联",
    GapKind.AREA_MULTIPLY_COVERED: "多个工作组包联",
    GapKind.EXPERT_UNSERVED: "专家无人联系服务",
    GapKind.LEADER_OVER_CAPACITY: "领导联点超量",
    GapKind.TERM_OVERDUE: "两委换届逾期",
    GapKind.DUTY_UNDONE: "责任事项未完成",
}

_ORDER = {kind: i for i, kind in enumerate(GapKind)}


@dataclass(frozen=True, kw_only=True, slots=True)
class Gap:
    """One coverage gap.

    ``subject`` is the node the gap is about (an organization, unit, expert or leader);
    ``organization`` the one whose chain of secretaries (``owners``) should close it;
    ``count`` the figure behind it (full members, contact links, covering groups, areas
    below); ``remedy`` for a unit ``own`` (qualifies for its own organization) or ``joint``;
    ``related`` the other ids involved (a unit's instructors, the covering groups, the
    secretary who held an undone duty's list); ``year`` the year of an undone duty's list.
    """

    kind: GapKind
    subject: str
    name: str
    organization: str | None
    since: date | None = None
    flagged: bool = False
    count: int | None = None
    remedy: str | None = None
    related: tuple[str, ...] = ()
    detail: str = ""
    owners: tuple[Owner, ...] = ()
    year: int | None = None


def parse_gap_kind(text: str | GapKind) -> GapKind:
    """A gap kind from its code or Chinese label; ``ValueError`` names the allowed values."""
    if isinstance(text, GapKind):
        return text
    raw = text.strip()
    for kind in GapKind:
        if raw in (kind.value, GAP_LABELS_ZH[kind]):
            return kind
    allowed = ", ".join(f"{k.value}/{GAP_LABELS_ZH[k]}" for k in GapKind)
    raise ValueError(f"{text!r} is not a gap kind; expected one of: {allowed}")


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (clamped to the month's last day).

    >>> add_months(date(2019, 1, 31), 1)
    datetime.date(2019, 2, 28)
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)  # pragma: no cover - some day of every month exists


def coverage_gaps(
    store: GraphStore,
    as_of: date,
    scope: Scope,
    kinds: Collection[GapKind | str] | None = None,
) -> list[Gap]:
    """Every coverage gap in ``scope`` at ``as_of``, by kind then subject.

    Parameters
    ----------
    store : GraphStore
    as_of : date
    scope : Scope
    kinds : collection of GapKind, optional
        Only these kinds (codes or Chinese labels accepted); all by default.

    Returns
    -------
    list of Gap
        Each with the secretaries who should close it, nearest first; secretaries above
        the scope are ``hidden``.

    The cyclic collector is paused meanwhile (``gc_paused``): the records made here hold
    no cycle, and a full collection in the middle would walk the whole store's index
    (measured at ×10: one in two calls had one, 0.9 s on top of 0.9 s).
    """
    with gc_paused():
        return _coverage_gaps(store, as_of, scope, kinds)


def _coverage_gaps(
    store: GraphStore,
    as_of: date,
    scope: Scope,
    kinds: Collection[GapKind | str] | None,
) -> list[Gap]:
    wanted = set(GapKind) if kinds is None else {parse_gap_kind(k) for k in kinds}
    rules = load_rules()
    view = scope.view(store, as_of)
    if view.organizations is None:
        orgs = store.nodes(NodeKind.ORGANIZATION, as_of)
    else:
        orgs = store.nodes(NodeKind.ORGANIZATION, as_of, ids=sorted(view.organizations))
    orgs.sort(key=lambda n: n.id)
    index = ChainIndex(store, as_of, view)
    index.load(o.id for o in orgs)
    parts = _sort_organizations(
        orgs, index, wanted, {str(s) for s in rules.get("terms", "sectors")}
    )
    gaps: list[Gap] = []

    if GapKind.UNIT_WITHOUT_ORGANIZATION in wanted:
        gaps += _unit_gaps(
            store, as_of, scope, index, int(rules.get("organization", "min_full_members"))
        )
    if GapKind.VACANT_SECRETARY in wanted:
        months = int(rules.get("organization", "vacancy_flag_months"))
        gaps += _vacancy_gaps(parts.vacant, index, months)
    if GapKind.NO_CONTACT_LEADER in wanted:
        gaps += [
            _gap(index, GapKind.NO_CONTACT_LEADER, org, org.id, count=0, detail="无联点领导")
            for org in parts.no_contact
        ]
    if GapKind.TOO_FEW_MEMBERS in wanted:
        min_full = int(rules.get("organization", "min_full_members"))
        branches = parts.branches
        # Counted up to ``min_full`` only (exact below it, which is all a gap reports): the
        # status of every member of every branch (a million at ×10) is not read.
        counts = full_members_below(store, as_of, [b.id for b in branches], min_full)
        gaps += [
            _gap(
                index,
                GapKind.TOO_FEW_MEMBERS,
                org,
                org.id,
                count=counts.get(org.id, 0),
                detail=f"正式党员{counts.get(org.id, 0)}人，少于{min_full}人",
            )
            for org in branches
            if counts.get(org.id, 0) < min_full
        ]
    if wanted & {GapKind.AREA_UNCOVERED, GapKind.AREA_MULTIPLY_COVERED}:
        gaps += _area_gaps(parts.areas, index, wanted)
    if GapKind.EXPERT_UNSERVED in wanted and view.organizations is None:
        gaps += _expert_gaps(store, as_of, parts.roots, index)
    if GapKind.LEADER_OVER_CAPACITY in wanted:
        gaps += _capacity_gaps(store, as_of, index, int(rules.get("leaders", "max_contacts")))
    if GapKind.TERM_OVERDUE in wanted:
        gaps += [
            _gap(
                index,
                GapKind.TERM_OVERDUE,
                org,
                org.id,
                since=ends,
                flagged=True,
                detail=f"两委任期{ends.isoformat()}届满，尚未换届",
            )
            for org, ends in parts.overdue
        ]
    if GapKind.DUTY_UNDONE in wanted:
        gaps += _undone_gaps(store, as_of, index)
    gaps.sort(key=lambda g: (_ORDER[g.kind], g.subject))
    return gaps


@dataclass(kw_only=True, slots=True)
class _Parts:
    """The organizations each kind of gap looks at, in id order (``_sort_organizations``)."""

    vacant: list[Node]  # no secretary
    no_contact: list[Node]  # grassroots, no contact leader
    branches: list[Node]
    areas: list[Node]  # counties and townships
    roots: list[tuple[int, str]]  # (level's rank, id) of each top organization
    overdue: list[tuple[Node, date]]  # past its term's end, in a sector with terms


def _sort_organizations(
    orgs: list[Node], index: ChainIndex, wanted: set[GapKind], sectors: set[str]
) -> _Parts:
    """Each organization to the kinds of gap that look at it, in one pass.

    At ×10 each pass over 28,000 organizations' records (one a kind of gap) missed the
    caches; one pass reads each one's attributes once.
    """
    parts = _Parts(vacant=[], no_contact=[], branches=[], areas=[], roots=[], overdue=[])
    secretaries = index.secretaries if GapKind.VACANT_SECRETARY in wanted else None
    contacts = index.contacts if GapKind.NO_CONTACT_LEADER in wanted else None
    parent = index.parent
    day = index.as_of
    for org in orgs:
        attrs = org.attrs
        level = attrs.get("level")
        if secretaries is not None and not secretaries.get(org.id):
            parts.vacant.append(org)
        if level == Level.GRASSROOTS:
            if contacts is not None and not contacts.get(org.id):
                parts.no_contact.append(org)
        elif level in AREA_LEVELS:
            parts.areas.append(org)
        elif level in ROOT_LEVELS and parent.get(org.id) is None:
            parts.roots.append((Level(str(level)).rank, org.id))
        if attrs.get("org_kind") == OrgKind.BRANCH:
            parts.branches.append(org)
        ends = attrs.get("term_ends")
        if isinstance(ends, date) and ends < day and str(attrs.get("sector")) in sectors:
            parts.overdue.append((org, ends))
    parts.roots.sort()
    return parts


def _gap(
    index: ChainIndex,
    kind: GapKind,
    subject: Node,
    organization: str | None,
    *,
    since: date | None = None,
    flagged: bool = False,
    count: int | None = None,
    remedy: str | None = None,
    related: tuple[str, ...] = (),
    detail: str = "",
) -> Gap:
    return Gap(
        kind=kind,
        subject=subject.id,
        name=subject.name,
        organization=organization,
        since=since,
        flagged=flagged,
        count=count,
        remedy=remedy,
        related=related,
        detail=detail,
        owners=index.owners(organization) if organization is not None else (),
    )


def _unit_gaps(
    store: GraphStore, as_of: date, scope: Scope, index: ChainIndex, min_full: int
) -> list[Gap]:
    """Two-new units with neither their own nor a joint organization."""
    covered = unit_coverage(store, as_of, scope, unorganized=True)
    uncovered = sorted(covered.values(), key=lambda c: c.unit.id)
    area_of = {c.unit.id: c.place for c in uncovered}  # its place (located_in) at the date
    index.load(a for a in area_of.values() if a is not None)
    index.load_people(i for c in uncovered for i in c.instructors)
    out = []
    for cov in uncovered:
        unit = cov.unit
        full = int(unit.get("full_members") or 0)
        remedy = "own" if full >= min_full else "joint"
        area = area_of[unit.id]
        text = f"正式党员{full}人，" + ("具备单独组建条件" if remedy == "own" else "宜联合组建")
        if cov.status == "work":
            text += f"；已有党建指导员{len(cov.instructors)}名（仅工作覆盖）"
        out.append(
            _gap(
                index,
                GapKind.UNIT_WITHOUT_ORGANIZATION,
                unit,
                area if area in index.orgs else None,
                count=full,
                remedy=remedy,
                related=tuple(i for i in cov.instructors if i in index.visible),
                detail=text,
            )
        )
    return out


def _vacancy_gaps(vacant: list[Node], index: ChainIndex, months: int) -> list[Gap]:
    since = index.vacancy_since(o.id for o in vacant)
    out = []
    for org in vacant:
        start = since[org.id]
        flagged = start is not None and add_months(start, months) < index.as_of
        text = f"自{start.isoformat()}起书记空缺" if start is not None else "书记空缺"
        out.append(
            _gap(
                index,
                GapKind.VACANT_SECRETARY,
                org,
                org.id,
                since=start,
                flagged=flagged,
                detail=text + (f"，超过{months}个月" if flagged else ""),
            )
        )
    return out


def _expert_gaps(
    store: GraphStore, as_of: date, roots: list[tuple[int, str]], index: ChainIndex
) -> list[Gap]:
    # An unserved expert belongs to no scope (experts are seen through their leaders), so
    # only the whole view lists them; the top committee (a city's, or a province's) answers
    # for them.
    experts = sorted(store.nodes(NodeKind.EXPERT, as_of), key=lambda n: n.id)
    ids = [e.id for e in experts]
    served = {x.target for x in store.links(LinkKind.SERVES, as_of, targets=ids)}
    return [
        _gap(
            index,
            GapKind.EXPERT_UNSERVED,
            expert,
            roots[0][1] if roots else None,
            count=0,
            detail="无领导干部联系服务",
        )
        for expert in experts
        if expert.id not in served
    ]


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _area_gaps(areas: list[Node], index: ChainIndex, wanted: set[GapKind]) -> list[Gap]:
    out: list[Gap] = []
    uncovered = {a.id for a in areas if index.covering(index.path(a.id))[0] is None}
    below: Counter[str] = Counter()
    for area_id in uncovered:
        # Count each uncovered area toward the topmost uncovered area above it in view.
        top = area_id
        for up in index.path(area_id)[1:]:
            if up in uncovered:
                top = up
        below[top] += 1
    for area in areas:
        if GapKind.AREA_UNCOVERED in wanted and area.id in below:
            n = below[area.id]
            out.append(
                _gap(
                    index,
                    GapKind.AREA_UNCOVERED,
                    area,
                    area.id,
                    count=n,
                    detail=f"本级及以下{n}个县区/乡镇(街道)无全域党建工作组包联",
                )
            )
        if GapKind.AREA_MULTIPLY_COVERED in wanted:
            by_sector: dict[str | None, set[str]] = defaultdict(set)
            for link in index.covers.get(area.id, []):
                sector = link.get("sector")
                by_sector[None if sector is None else str(sector)].add(link.source)
            groups = sorted({g for gs in by_sector.values() if len(gs) > 1 for g in gs})
            if groups:
                out.append(
                    _gap(
                        index,
                        GapKind.AREA_MULTIPLY_COVERED,
                        area,
                        area.id,
                        count=len(groups),
                        related=tuple(groups),
                        detail=f"{len(groups)}个工作组同时包联：" + "、".join(groups),
                    )
                )
    return out


def _undone_gaps(store: GraphStore, as_of: date, index: ChainIndex) -> list[Gap]:
    """Duties of graded lists not done (``cycle_undone``): the subject is the duty, its
    organization's secretaries close it, ``related`` names the list's secretary then."""
    rows = [
        u
        for u in undone_duties(store, as_of, index.view.organizations)
        if u.organization in index.orgs
    ]
    index.load_people(u.holder for u in rows if u.holder is not None)
    out = []
    for row in rows:
        carried = f"，已列入{row.carried_by}" if row.carried_by else ""
        out.append(
            Gap(
                kind=GapKind.DUTY_UNDONE,
                subject=row.duty.id,
                name=str(row.duty.get("text") or row.duty.name),
                organization=row.organization,
                since=row.graded,
                year=row.year,
                related=tuple(h for h in (row.holder,) if h is not None and h in index.visible),
                detail=f"{row.year}年度责任清单事项，{row.graded.isoformat()}评议未完成{carried}",
                owners=index.owners(row.organization),
            )
        )
    return out


def _capacity_gaps(
    store: GraphStore, as_of: date, index: ChainIndex, max_contacts: int
) -> list[Gap]:
    organizations = index.view.organizations
    if organizations is None:
        links = store.links(LinkKind.CONTACTS, as_of)
    else:
        leaders = {
            x.source for x in store.links(LinkKind.CONTACTS, as_of, targets=sorted(organizations))
        }
        links = store.links(LinkKind.CONTACTS, as_of, sources=sorted(leaders))
    counts = Counter(x.source for x in links)
    over = sorted(p for p, n in counts.items() if n > max_contacts)
    if not over:
        return []
    index.load_people(over)
    home: dict[str, str] = {}
    for kind in (LinkKind.MEMBER_OF, LinkKind.HOLDS_POST):  # a post wins over a membership
        for link in sorted(store.links(kind, as_of, sources=over), key=lambda x: x.target):
            if index.view.sees_org(link.target):
                home[link.source] = link.target
    index.load(home.values())
    out = []
    for person in over:
        node = index.people.get(person)
        if node is None or person not in index.visible:
            continue
        n = counts[person]
        out.append(
            _gap(
                index,
                GapKind.LEADER_OVER_CAPACITY,
                node,
                home.get(person),
                count=n,
                detail=f"联点{n}个，超过上限{max_contacts}个",
            )
        )
    return out
