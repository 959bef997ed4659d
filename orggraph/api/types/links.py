"""Links as GraphQL objects: each kind names its two ends and carries its properties.

Every link type implements the ``Link`` interface (id, kind, validFrom, validTo); the ends
are objects already loaded by the group that reached them.
"""

# strawberry's field decorators are typed as returning Any when given keyword arguments.
# mypy: disallow-untyped-decorators=False

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from orggraph.model import Establishment, Link, LinkKind, Role, Sector, label
from orggraph.store.masking import CLEARANCE, Clearance, link_attr_allowed

if TYPE_CHECKING:
    from orggraph.api.types.nodes import Expert, Member, Organization, Unit, WorkingGroup

__all__ = [
    "LINK_TYPES",
    "Contact",
    "ExpertService",
    "GroupArea",
    "GroupLead",
    "Instruction",
    "LinkInterface",
    "Membership",
    "Pairing",
    "Post",
    "Subordination",
    "UnitOrganization",
    "UnitPlace",
    "link_object",
]

_NODES = "orggraph.api.types.nodes"
OrganizationRef = Annotated["Organization", strawberry.lazy(_NODES)]
MemberRef = Annotated["Member", strawberry.lazy(_NODES)]
WorkingGroupRef = Annotated["WorkingGroup", strawberry.lazy(_NODES)]
ExpertRef = Annotated["Expert", strawberry.lazy(_NODES)]
UnitRef = Annotated["Unit", strawberry.lazy(_NODES)]


@strawberry.interface(name="Link", description="关系 A dated link between two nodes")
class LinkInterface:
    id: strawberry.ID = strawberry.field(description="The link's stable id")
    kind: LinkKind
    valid_from: date = strawberry.field(description="起始日期 First day the link holds")
    valid_to: date | None = strawberry.field(
        description="终止日期 First day it no longer holds (null: still holds)"
    )

    @strawberry.field(description="关系类别(中文)")
    def kind_label(self) -> str:
        return label(self.kind)


def _base(link: Link) -> dict[str, Any]:
    return {
        "id": strawberry.ID(link.id),
        "kind": link.kind,
        "valid_from": link.valid_from,
        "valid_to": link.valid_to,
    }


@strawberry.type(description="隶属 An organization's place under its parent")
class Subordination(LinkInterface):
    organization: OrganizationRef
    parent: OrganizationRef


@strawberry.type(description="党员隶属 A member's membership of an organization")
class Membership(LinkInterface):
    member: MemberRef
    organization: OrganizationRef


@strawberry.type(description="任职 A post a member holds in an organization's committee")
class Post(LinkInterface):
    member: MemberRef
    organization: OrganizationRef
    role: Role = strawberry.field(description="职务")
    term_ends: date | None = strawberry.field(description="任期届满")

    @strawberry.field(description="职务(中文)")
    def role_label(self) -> str:
        return label(self.role)


@strawberry.type(description="包联 A working group's responsibility for an area")
class GroupArea(LinkInterface):
    working_group: WorkingGroupRef
    organization: OrganizationRef
    sector: Sector | None = strawberry.field(description="包联领域")


@strawberry.type(description="牵头 A leader at the head of a working group")
class GroupLead(LinkInterface):
    leader: MemberRef
    working_group: WorkingGroupRef


@strawberry.type(description="联点 A leader's contact point at an organization")
class Contact(LinkInterface):
    leader: MemberRef
    organization: OrganizationRef


@strawberry.type(description="联系服务 A leader serving an expert")
class ExpertService(LinkInterface):
    leader: MemberRef
    expert: ExpertRef


@strawberry.type(description="结对共建 A strong organization paired with a weak one")
class Pairing(LinkInterface):
    strong: OrganizationRef
    weak: OrganizationRef


@strawberry.type(description="建在 An organization established in a two-new unit")
class UnitOrganization(LinkInterface):
    organization: OrganizationRef
    unit: UnitRef
    mode: Establishment = strawberry.field(description="组建方式")

    @strawberry.field(description="组建方式(中文)")
    def mode_label(self) -> str:
        return label(self.mode)


@strawberry.type(description="党建指导 A party-building instructor at a unit")
class Instruction(LinkInterface):
    instructor: MemberRef
    unit: UnitRef


@strawberry.type(description="所在 The territorial organization a two-new unit sits in")
class UnitPlace(LinkInterface):
    unit: UnitRef
    organization: OrganizationRef


def link_object(
    link: Link, source: Any, target: Any, clearance: Clearance = CLEARANCE["admin"]
) -> LinkInterface:
    """The GraphQL object of ``link`` between two already loaded end objects.

    Attributes ``clearance`` may not read are ``null``.
    """
    base = _base(link)
    kind = link.kind
    if any(not link_attr_allowed(kind, k, clearance) for k in link.attrs):
        shown = {k: v for k, v in link.attrs.items() if link_attr_allowed(kind, k, clearance)}
        link = replace(link, attrs=shown)
    if kind is LinkKind.SUBORDINATE_TO:
        return Subordination(**base, organization=source, parent=target)
    if kind is LinkKind.MEMBER_OF:
        return Membership(**base, member=source, organization=target)
    if kind is LinkKind.HOLDS_POST:
        return Post(
            **base,
            member=source,
            organization=target,
            role=Role(link.attrs["role"]),
            term_ends=link.attrs.get("term_ends"),
        )
    if kind is LinkKind.COVERS:
        sector = link.attrs.get("sector")
        return GroupArea(
            **base,
            working_group=source,
            organization=target,
            sector=Sector(sector) if sector else None,
        )
    if kind is LinkKind.LEADS:
        return GroupLead(**base, leader=source, working_group=target)
    if kind is LinkKind.CONTACTS:
        return Contact(**base, leader=source, organization=target)
    if kind is LinkKind.SERVES:
        return ExpertService(**base, leader=source, expert=target)
    if kind is LinkKind.PAIRED_WITH:
        return Pairing(**base, strong=source, weak=target)
    if kind is LinkKind.ESTABLISHED_IN:
        return UnitOrganization(
            **base, organization=source, unit=target, mode=Establishment(link.attrs["mode"])
        )
    if kind is LinkKind.LOCATED_IN:
        return UnitPlace(**base, unit=source, organization=target)
    return Instruction(**base, instructor=source, unit=target)


#: Every concrete link type, for the schema's ``types=`` (they are reached via interfaces).
LINK_TYPES: tuple[type, ...] = (
    Subordination,
    Membership,
    Post,
    GroupArea,
    GroupLead,
    Contact,
    ExpertService,
    Pairing,
    UnitOrganization,
    Instruction,
    UnitPlace,
)
