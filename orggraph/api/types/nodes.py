"""The node kinds as GraphQL types, their attributes typed from ``orggraph.model.fields``.

Each object keeps the loader group it was listed with (``_group``); a relation asked of
one object is loaded for the whole group at once (see ``orggraph.api.loaders``).
"""

# strawberry's field decorators are typed as returning Any when given keyword arguments.
# mypy: disallow-untyped-decorators=False

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

import strawberry
from strawberry.scalars import JSON

from orggraph.analysis.places import UnitAreas, unit_areas
from orggraph.api.context import Info
from orggraph.api.loaders import Group, link_counts, relation
from orggraph.api.types.connection import Connection, paginate
from orggraph.api.types.links import (
    Contact,
    ExpertService,
    GroupArea,
    GroupLead,
    Instruction,
    Membership,
    Pairing,
    Post,
    UnitOrganization,
    UnitPlace,
    link_object,
)
from orggraph.errors import PermissionDenied
from orggraph.model import (
    NODE_FIELDS,
    AssessmentGrade,
    CaseState,
    Education,
    Gender,
    Level,
    LinkKind,
    MemberStatus,
    Node,
    NodeKind,
    OrgKind,
    Role,
    Sector,
    UnitKind,
    label,
)
from orggraph.store.masking import (
    Clearance,
    fact_allowed,
    masked_node_fields,
    node_attr_allowed,
    readable_node_attrs,
)

__all__ = [
    "NODE_TYPES",
    "Expert",
    "Member",
    "NodeInterface",
    "Organization",
    "RemediationCase",
    "Unit",
    "WorkingGroup",
    "YearFacts",
    "wrap",
]

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def _d(kind: NodeKind, name: str) -> str:
    """A field's description from the fields table: Chinese label, classification, help."""
    spec = next(s for s in NODE_FIELDS[kind] if s.name == name)
    text = f"{spec.label_zh} [{spec.classification}]"
    return f"{text} {spec.help}" if spec.help else text


def _enum(kind: type[E], value: Any) -> E | None:
    return None if value is None else kind(value)


@strawberry.interface(name="Node", description="节点 Any node of the graph, by its stable id")
class NodeInterface:
    id: strawberry.ID = strawberry.field(
        description="Stable id: administrative code for territorial organizations"
    )
    name: str | None = strawberry.field(
        description="名称 (null: a person's name, masked for your role; see masked)"
    )
    kind: NodeKind
    valid_from: date = strawberry.field(description="起始日期 First day this version holds")
    valid_to: date | None = strawberry.field(
        description="终止日期 First day it no longer holds (null: still holds)"
    )
    masked: list[str] = strawberry.field(
        description="被隐藏的字段 Fields your role may not read: null in this answer"
    )

    @strawberry.field(description="节点类别(中文)")
    def kind_label(self) -> str:
        return label(self.kind)


def _base(node: Node, group: Group) -> dict[str, Any]:
    masked = masked_node_fields(node.kind, group.loaders.clearance)
    return {
        "id": node.id,
        "name": None if "name" in masked else node.name,
        "kind": node.kind,
        "valid_from": node.valid_from,
        "valid_to": node.valid_to,
        "masked": list(masked),
    }


def _made(cls: type[T], node: Node, group: Group) -> T:
    """An ``Organization`` or ``Member`` of ``node``: its instance dictionary set at once.

    What the dataclass ``__init__`` would set (``_base``'s fields, the group, the readable
    attributes; every other field is a resolver) at a fraction of its cost, what the actor
    may read worked out once per kind (``_policy``): a list of 4,512 branches makes 9,000
    of them, in 6–8 ms against 12–14 ms through ``_base``. Checked against the fields at
    import (``_check_made``).
    """
    hides_name, masked, every_attr = _policy(node.kind, group.loaders.clearance)
    made = _new(cls)
    made.__dict__ = {
        "id": node.id,
        "name": None if hides_name else node.name,
        "kind": node.kind,
        "valid_from": node.valid_from,
        "valid_to": node.valid_to,
        "masked": list(masked),
        "_group": group,
        "_attrs": node.attrs if every_attr else _attrs(node, group),
    }
    return made


@functools.cache
def _policy(kind: NodeKind, clearance: Clearance) -> tuple[bool, tuple[str, ...], bool]:
    """What ``clearance`` shows of a ``kind`` node: whether it hides the name, the fields it
    masks, and whether it reads every attribute (the node's own mapping is handed on)."""
    masked = masked_node_fields(kind, clearance)
    return "name" in masked, masked, readable_node_attrs(kind, clearance) is None


_new = object.__new__
_MADE_FIELDS = frozenset(
    ("id", "name", "kind", "valid_from", "valid_to", "masked", "_group", "_attrs")
)


def _check_made(cls: type) -> None:
    """``_made`` sets exactly the fields ``cls``'s ``__init__`` takes, and nothing runs after."""
    taken = {f.name for f in dataclasses.fields(cls) if f.init}
    if taken != _MADE_FIELDS or hasattr(cls, "__post_init__"):
        raise TypeError(f"_made does not match {cls.__name__}'s fields: {sorted(taken)}")


def _may(group: Group, kind: NodeKind, attr: str) -> bool:
    return node_attr_allowed(kind, attr, group.loaders.clearance)


def _may_filter(group: Group, kind: NodeKind, attr: str) -> None:
    """Filtering on an attribute one may not read would reveal it: refused."""
    if not _may(group, kind, attr):
        raise PermissionDenied(f"your role may not read {kind.value}.{attr}, nor filter on it")


def _attrs(node: Node, group: Group) -> Mapping[str, Any]:
    """The node's attributes the actor may read (the others left out: read as null)."""
    clearance = group.loaders.clearance
    if readable_node_attrs(node.kind, clearance) is None:  # every one: the node's own
        return node.attrs
    return {k: v for k, v in node.attrs.items() if node_attr_allowed(node.kind, k, clearance)}


def _attribute(kind: NodeKind, name: str, graphql_type: Any) -> Any:
    """A field read from the object's readable attributes (``_attrs``) when it is asked
    for, not when the object is made: a list of 5,000 branches asking two fields of
    twelve reads two. A masked attribute is not in ``_attrs``: null. An enum's value is
    handed out as stored, its text: the kinds are ``StrEnum``, whose members are equal to
    their text and hash as it does, so the enum type names it as it would the member."""

    def read(self: Any) -> Any:
        return self._attrs.get(name)

    return strawberry.field(resolver=read, graphql_type=graphql_type, description=_d(kind, name))


@strawberry.type(description="年度数据 Yearly facts about a node")
class YearFacts:
    year: int
    assessment_grade: AssessmentGrade | None = strawberry.field(description="考核等次")
    meetings_held: int | None = strawberry.field(description="组织生活会议次数")
    collective_income: float | None = strawberry.field(description="村集体经济收入(万元)")
    venue_upgraded: bool | None = strawberry.field(description="阵地升级改造")
    vanguard_index: float | None = strawberry.field(description="先锋指数")
    masked: list[str] = strawberry.field(
        description="被隐藏的字段 Facts your role may not read: null in this answer"
    )


_YEAR_FACTS = (
    "assessment_grade",
    "meetings_held",
    "collective_income",
    "venue_upgraded",
    "vanguard_index",
)


#: ``facts(year:)``: the default year, and what it falls back to (``orggraph.analysis.dating``).
_FACTS_YEAR = (
    "年度数据 Facts for a year (default: the year asked at, or when it has none the latest "
    "year before it that has them, said in the response's extensions)"
)


def _facts_year(info: Info, group: Group, year: int | None) -> int:
    """``year``, or the year asked at (the latest one before it with facts, noted)."""
    return year if year is not None else info.context.dating.facts_year(group.as_of.year)


def _facts(group: Group, node_id: str, year: int) -> YearFacts:
    clearance = group.loaders.clearance
    found = group.facts(year).get(node_id, {})
    values = {k: v for k, v in found.items() if fact_allowed(k, clearance)}
    return YearFacts(
        masked=[f for f in _YEAR_FACTS if not fact_allowed(f, clearance)],
        year=year,
        assessment_grade=_enum(AssessmentGrade, values.get("assessment_grade")),
        meetings_held=values.get("meetings_held"),
        collective_income=values.get("collective_income"),
        venue_upgraded=values.get("venue_upgraded"),
        vanguard_index=values.get("vanguard_index"),
    )


def _links(group: Group, node_id: str, obj: Any, kind: LinkKind, outward: bool) -> list[Any]:
    related = group.neighbours(kind, "out" if outward else "in")
    clearance = group.loaders.clearance
    if outward:
        return [link_object(link, obj, far, clearance) for link, far in related.pairs(node_id)]
    return [link_object(link, far, obj, clearance) for link, far in related.pairs(node_id)]


_ORG = NodeKind.ORGANIZATION
# The relations a list asks once per row, named once (``Group.load``).
_PARENTS = relation(LinkKind.SUBORDINATE_TO, "out")
_SECRETARIES = relation(LinkKind.HOLDS_POST, "in", ("role", Role.SECRETARY.value))
_MEMBER_COUNTS = link_counts(LinkKind.MEMBER_OF)


@strawberry.type(description="党组织 A party organization: committee, general branch or branch")
class Organization(NodeInterface):
    org_kind = _attribute(_ORG, "org_kind", OrgKind)
    level = _attribute(_ORG, "level", Level)
    sector = _attribute(_ORG, "sector", Sector | None)
    code = _attribute(_ORG, "code", str | None)
    term_ends = _attribute(_ORG, "term_ends", date | None)
    _group: strawberry.Private[Group]
    _attrs: strawberry.Private[Mapping[str, Any]]

    @classmethod
    def of(cls, node: Node, group: Group) -> Organization:
        return _made(cls, node, group)

    @strawberry.field(description="组织类别(中文)")
    def org_kind_label(self) -> str:
        return label(OrgKind(self._attrs["org_kind"]))

    @strawberry.field(description="层级(中文)")
    def level_label(self) -> str:
        return label(Level(self._attrs["level"]))

    @strawberry.field(description="领域(中文)")
    def sector_label(self) -> str | None:
        sector = self._attrs.get("sector")
        return None if sector is None else label(Sector(sector))

    @strawberry.field(description="上级党组织 The organization this one is subordinate to")
    def parent(self) -> Organization | None:
        return self.parent_object()

    @strawberry.field(description="下级党组织 Organizations directly below, by id")
    def children(self) -> list[Organization]:
        found = self._group.neighbours(LinkKind.SUBORDINATE_TO, "in").objects(self.id)
        return sorted(found, key=lambda o: o.id)

    @strawberry.field(description="上级链 Parents, nearest first, up to the city committee")
    def ancestors(self) -> list[Organization]:
        out: list[Organization] = []
        current = self.parent_object()
        while current is not None and all(o.id != current.id for o in out):
            out.append(current)
            current = current.parent_object()
        return out

    def parent_object(self) -> Organization | None:
        """The parent, loaded for the whole group (one level of a walk up per call)."""
        found: Organization | None = self._group.load(_PARENTS).first(self.id)
        return found

    @strawberry.field(description="班子成员 Posts held in this organization's committee")
    def posts(self, role: Role | None = None) -> list[Post]:
        posts = _links(self._group, self.id, self, LinkKind.HOLDS_POST, outward=False)
        return [p for p in posts if role is None or p.role is role]

    @strawberry.field(description="书记 The secretary (null: the post is vacant)")
    def secretary(self) -> Member | None:
        found: Member | None = self._group.load(_SECRETARIES).first(self.id)  # oldest first
        return found

    @strawberry.field(description="党员 Members of this organization, by id")
    def members(
        self,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: MemberStatus | None = None,
    ) -> Connection[Member]:
        if status is not None:
            _may_filter(self._group, NodeKind.MEMBER, "status")
        related = self._group.neighbours(LinkKind.MEMBER_OF, "in")
        nodes = sorted(
            (n for n in related.nodes(self.id) if status is None or n.attrs["status"] == status),
            key=lambda n: n.id,
        )
        return paginate(
            nodes,
            key=lambda n: n.id,
            make=lambda page: [related.far.obj(n.id) for n in page],
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(description="党员数 How many members (of a status) belong here")
    def member_count(self, status: MemberStatus | None = strawberry.UNSET) -> int:
        # UNSET, not None: an argument without a default is left out of the call when the
        # query leaves it out, which spares strawberry's argument conversion (10 µs per
        # object, a third of a list of branches' time).
        if not status:  # the members of a visible organization are visible: count links
            return self._group.load(_MEMBER_COUNTS).get(self.id, 0)
        _may_filter(self._group, NodeKind.MEMBER, "status")
        nodes = self._group.neighbours(LinkKind.MEMBER_OF, "in").nodes(self.id)
        return sum(1 for n in nodes if n.attrs["status"] == status)

    @strawberry.field(description="联点 Leaders' contact points at this organization")
    def contacts(self) -> list[Contact]:
        return _links(self._group, self.id, self, LinkKind.CONTACTS, outward=False)

    @strawberry.field(description="联点领导 The leaders in contact with this organization")
    def contact_leaders(self) -> list[Member]:
        found: list[Member] = self._group.neighbours(LinkKind.CONTACTS, "in").objects(self.id)
        return found

    @strawberry.field(description="包联工作组 Working groups covering this organization directly")
    def covered_by(self) -> list[GroupArea]:
        return _links(self._group, self.id, self, LinkKind.COVERS, outward=False)

    @strawberry.field(description="结对党组织 Strong organizations paired with this one")
    def partners(self) -> list[Pairing]:
        return _links(self._group, self.id, self, LinkKind.PAIRED_WITH, outward=False)

    @strawberry.field(description="结对帮扶 Weak organizations this one is paired with")
    def pairs(self) -> list[Pairing]:
        return _links(self._group, self.id, self, LinkKind.PAIRED_WITH, outward=True)

    @strawberry.field(description="所建单位 Two-new units this organization is established in")
    def units(self) -> list[UnitOrganization]:
        return _links(self._group, self.id, self, LinkKind.ESTABLISHED_IN, outward=True)

    @strawberry.field(description="整顿转化案例 Remediation cases about this organization")
    def cases(self) -> list[RemediationCase]:
        by_org = self._group.load(_cases_by_organization)
        return [by_org.far.obj(i) for i in by_org.ids.get(self.id, ())]

    @strawberry.field(description=_FACTS_YEAR)
    def facts(self, info: Info, year: int | None = None) -> YearFacts:
        return _facts(self._group, self.id, _facts_year(info, self._group, year))


class _CasesByOrganization:
    __slots__ = ("far", "ids")

    def __init__(self, far: Group, ids: dict[str, list[str]]) -> None:
        self.far = far
        self.ids = ids


def _cases_by_organization(group: Group) -> _CasesByOrganization:
    cases = group.store.nodes(NodeKind.CASE, group.as_of)
    mine = [c for c in cases if c.attrs.get("organization") in group.nodes]
    far = group.related(mine)
    ids: dict[str, list[str]] = {}
    for case in sorted(far.nodes.values(), key=lambda c: c.id):
        ids.setdefault(str(case.attrs["organization"]), []).append(case.id)
    return _CasesByOrganization(far, ids)


_MEMBER = NodeKind.MEMBER


@strawberry.type(description="党员 A party member (fields your role may not read are null)")
class Member(NodeInterface):
    gender = _attribute(_MEMBER, "gender", Gender | None)
    education = _attribute(_MEMBER, "education", Education | None)
    join_date = _attribute(_MEMBER, "join_date", date | None)
    status = _attribute(_MEMBER, "status", MemberStatus | None)

    @strawberry.field(description=_d(_MEMBER, "is_leader"))
    def is_leader(self) -> bool | None:
        if not _may(self._group, _MEMBER, "is_leader"):
            return None
        return bool(self._attrs.get("is_leader"))

    position = _attribute(_MEMBER, "position", str | None)
    _group: strawberry.Private[Group]
    _attrs: strawberry.Private[Mapping[str, Any]]

    @classmethod
    def of(cls, node: Node, group: Group) -> Member:
        return _made(cls, node, group)

    @strawberry.field(description=_d(_MEMBER, "ethnicity") + " (reads are audited)")
    def ethnicity(self, info: Info) -> str | None:
        value: str | None = self._attrs.get("ethnicity")
        if value is not None:
            info.context.sensitive_reads.add((str(self.id), "ethnicity"))
        return value

    @strawberry.field(description=_d(_MEMBER, "birth_year") + " (reads are audited)")
    def birth_year(self, info: Info) -> int | None:
        value: int | None = self._attrs.get("birth_year")
        if value is not None:
            info.context.sensitive_reads.add((str(self.id), "birth_year"))
        return value

    @strawberry.field(description="所在党组织 The organization the member belongs to")
    def organization(self) -> Organization | None:
        found = self._group.neighbours(LinkKind.MEMBER_OF, "out").objects(self.id)
        return found[0] if found else None

    @strawberry.field(description="组织关系 Memberships (normally one)")
    def memberships(self) -> list[Membership]:
        return _links(self._group, self.id, self, LinkKind.MEMBER_OF, outward=True)

    @strawberry.field(description="任职 Posts the member holds")
    def posts(self) -> list[Post]:
        return _links(self._group, self.id, self, LinkKind.HOLDS_POST, outward=True)

    @strawberry.field(description="联点 Organizations this leader is in contact with")
    def contacts(self) -> list[Contact]:
        return _links(self._group, self.id, self, LinkKind.CONTACTS, outward=True)

    @strawberry.field(description="联系服务专家 Experts this leader serves")
    def serves(self) -> list[ExpertService]:
        return _links(self._group, self.id, self, LinkKind.SERVES, outward=True)

    @strawberry.field(description="牵头工作组 Working groups this leader heads")
    def leads(self) -> list[GroupLead]:
        return _links(self._group, self.id, self, LinkKind.LEADS, outward=True)

    @strawberry.field(description="党建指导 Units this member instructs")
    def instructs(self) -> list[Instruction]:
        return _links(self._group, self.id, self, LinkKind.INSTRUCTS, outward=True)

    @strawberry.field(description=_FACTS_YEAR)
    def facts(self, info: Info, year: int | None = None) -> YearFacts:
        return _facts(self._group, self.id, _facts_year(info, self._group, year))


_WG = NodeKind.WORKING_GROUP


@strawberry.type(description="全域党建工作组 A city-level full-area party-building working group")
class WorkingGroup(NodeInterface):
    number: int | None = strawberry.field(description=_d(_WG, "number"))
    _group: strawberry.Private[Group]

    @classmethod
    def of(cls, node: Node, group: Group) -> WorkingGroup:
        attrs = _attrs(node, group)
        return cls(**_base(node, group), number=attrs.get("number"), _group=group)

    @strawberry.field(description="牵头领导 Leaders at the head of the group")
    def leaders(self) -> list[GroupLead]:
        return _links(self._group, self.id, self, LinkKind.LEADS, outward=False)

    @strawberry.field(description="包联区域 Areas and sectors the group covers")
    def areas(self) -> list[GroupArea]:
        return _links(self._group, self.id, self, LinkKind.COVERS, outward=True)


_EXPERT = NodeKind.EXPERT


@strawberry.type(description="专家人才 A high-level expert served by leaders")
class Expert(NodeInterface):
    field: str | None = strawberry.field(description=_d(_EXPERT, "field"))
    title: str | None = strawberry.field(description=_d(_EXPERT, "title"))
    employer: str | None = strawberry.field(description=_d(_EXPERT, "employer"))
    _group: strawberry.Private[Group]

    @classmethod
    def of(cls, node: Node, group: Group) -> Expert:
        attrs = _attrs(node, group)
        return cls(
            **_base(node, group),
            field=attrs.get("field"),
            title=attrs.get("title"),
            employer=attrs.get("employer"),
            _group=group,
        )

    @strawberry.field(description="联系领导 Leaders serving this expert")
    def served_by(self) -> list[ExpertService]:
        return _links(self._group, self.id, self, LinkKind.SERVES, outward=False)


_UNIT = NodeKind.UNIT


def _unit_areas(group: Group) -> dict[str, UnitAreas]:
    """The place, township and district of every unit of the group (two store calls)."""
    return unit_areas(group.store, group.as_of, group.ids)


@strawberry.type(description='"两新"组织 A non-public enterprise or social organization')
class Unit(NodeInterface):
    unit_kind: UnitKind = strawberry.field(description=_d(_UNIT, "unit_kind"))
    full_members: int | None = strawberry.field(description=_d(_UNIT, "full_members"))
    employees: int | None = strawberry.field(description=_d(_UNIT, "employees"))
    industry: str | None = strawberry.field(description=_d(_UNIT, "industry"))
    _group: strawberry.Private[Group]

    @classmethod
    def of(cls, node: Node, group: Group) -> Unit:
        attrs = _attrs(node, group)
        return cls(
            **_base(node, group),
            unit_kind=UnitKind(attrs["unit_kind"]),
            full_members=attrs.get("full_members"),
            employees=attrs.get("employees"),
            industry=attrs.get("industry"),
            _group=group,
        )

    @strawberry.field(
        description="所在 The organization it sits in at the date (village, community or "
        "township): the located_in link"
    )
    def place(self) -> list[UnitPlace]:
        return _links(self._group, self.id, self, LinkKind.LOCATED_IN, outward=True)

    @strawberry.field(
        description="所在区县代码 [public] The county-level organization above its place at "
        "the date, from the hierarchy (no longer stored on the unit)"
    )
    def district(self) -> str | None:
        areas = self._group.load(_unit_areas).get(self.id)
        return areas.district if areas is not None else None

    @strawberry.field(
        description="所在乡镇(街道)代码 [public] The township-level organization above its "
        "place at the date, from the hierarchy (no longer stored on the unit)"
    )
    def township(self) -> str | None:
        areas = self._group.load(_unit_areas).get(self.id)
        return areas.township if areas is not None else None

    @strawberry.field(description="党组织 Organizations established in this unit")
    def organizations(self) -> list[UnitOrganization]:
        return _links(self._group, self.id, self, LinkKind.ESTABLISHED_IN, outward=False)

    @strawberry.field(description="党建指导员 Party-building instructors at this unit")
    def instructors(self) -> list[Instruction]:
        return _links(self._group, self.id, self, LinkKind.INSTRUCTS, outward=False)


_CASE = NodeKind.CASE


@strawberry.type(description="整顿转化案例 The case that turns a weak branch around")
class RemediationCase(NodeInterface):
    state: CaseState | None = strawberry.field(description=_d(_CASE, "state"))
    reasons: list[str] | None = strawberry.field(description=_d(_CASE, "reasons"))
    deadline: date | None = strawberry.field(description=_d(_CASE, "deadline"))
    evidence: str | None = strawberry.field(description=_d(_CASE, "evidence"))
    organization_id: strawberry.ID | None = strawberry.field(description=_d(_CASE, "organization"))
    _group: strawberry.Private[Group]

    @classmethod
    def of(cls, node: Node, group: Group) -> RemediationCase:
        attrs = _attrs(node, group)
        organization = attrs.get("organization")
        return cls(
            **_base(node, group),
            state=_enum(CaseState, attrs.get("state")),
            reasons=[str(r) for r in attrs.get("reasons") or ()]
            if _may(group, _CASE, "reasons")
            else None,
            deadline=attrs.get("deadline"),
            evidence=attrs.get("evidence"),
            organization_id=None if organization is None else strawberry.ID(str(organization)),
            _group=group,
        )

    def _may(self, attr: str) -> bool:
        return node_attr_allowed(NodeKind.CASE, attr, self._group.loaders.clearance)

    @strawberry.field(description="状态(中文)")
    def state_label(self) -> str | None:
        return None if self.state is None else label(self.state)

    @strawberry.field(description="整顿对象 The weak organization")
    def organization(self) -> Organization | None:
        if not self._may("organization"):
            return None
        found: Organization | None = self._group.refs("organization", _ORG).get(self.id)
        return found

    @strawberry.field(description=_d(_CASE, "responsible") + " The responsible leader")
    def responsible(self) -> Member | None:
        if not self._may("responsible"):
            return None
        found: Member | None = self._group.refs("responsible", NodeKind.MEMBER).get(self.id)
        return found

    @strawberry.field(description=_d(_CASE, "partner") + " The paired strong organization")
    def partner(self) -> Organization | None:
        if not self._may("partner"):
            return None
        found: Organization | None = self._group.refs("partner", _ORG).get(self.id)
        return found


def _cycle_type(kind: NodeKind, type_name: str, description: str) -> Any:
    """The node type of a kind of the yearly cycle: every attribute of the fields table
    as a field, read as ``Organization`` 's are (``_attribute``, ``_made``); the cycle's
    own views are ``dutyList`` and ``cycleDashboard``."""
    scalars: dict[str, Any] = {"str": str, "int": int, "float": float, "date": date}
    fields: dict[str, Any] = {}
    for spec in NODE_FIELDS[kind]:
        base: Any = spec.enum or scalars.get(str(spec.value_type), JSON)
        fields[spec.name] = _attribute(kind, spec.name, base | None)
    fields["__annotations__"] = {
        "_group": strawberry.Private[Group],
        "_attrs": strawberry.Private[Mapping[str, Any]],
    }
    made = type(type_name, (NodeInterface,), fields)
    made.of = classmethod(lambda cls, node, group: _made(cls, node, group))  # type: ignore[attr-defined]
    return strawberry.type(made, name=type_name, description=description)


DutyListNode = _cycle_type(
    NodeKind.DUTY_LIST, "DutyListNode", "年度责任清单 A secretary's list of a year, as a node"
)
DutyNode = _cycle_type(NodeKind.DUTY, "DutyNode", "责任清单事项 One duty of a list, as a node")


_check_made(Organization)
_check_made(Member)

_MAKERS: dict[NodeKind, Any] = {
    NodeKind.ORGANIZATION: functools.partial(_made, Organization),
    NodeKind.MEMBER: functools.partial(_made, Member),
    NodeKind.WORKING_GROUP: WorkingGroup.of,
    NodeKind.EXPERT: Expert.of,
    NodeKind.UNIT: Unit.of,
    NodeKind.CASE: RemediationCase.of,
    NodeKind.DUTY_LIST: DutyListNode.of,
    NodeKind.DUTY: DutyNode.of,
}

#: The GraphQL type of each node kind.
NODE_TYPES: dict[NodeKind, type[NodeInterface]] = {
    NodeKind.ORGANIZATION: Organization,
    NodeKind.MEMBER: Member,
    NodeKind.WORKING_GROUP: WorkingGroup,
    NodeKind.EXPERT: Expert,
    NodeKind.UNIT: Unit,
    NodeKind.CASE: RemediationCase,
    NodeKind.DUTY_LIST: DutyListNode,
    NodeKind.DUTY: DutyNode,
}


def wrap(node: Node, group: Group) -> NodeInterface:
    """The GraphQL object of ``node``, listed in ``group``."""
    made: NodeInterface = _MAKERS[node.kind](node, group)
    return made
