"""The model's enums as GraphQL enums, each value described by its Chinese label.

The GraphQL enums wrap the model's own ``StrEnum`` classes, so resolvers hand back model
values as they are and arguments arrive as model values: no conversion table to drift.
"""

from __future__ import annotations

from enum import StrEnum

import strawberry

from orggraph.model import (
    LABELS_ZH,
    AssessmentGrade,
    CaseState,
    DutyState,
    Education,
    Establishment,
    Gender,
    Level,
    LinkKind,
    ListStage,
    MemberStatus,
    NodeKind,
    OrgKind,
    ReviewGrade,
    Role,
    Sector,
    UnitKind,
)

__all__ = ["ENUMS"]

_DESCRIPTIONS: dict[type[StrEnum], str] = {
    NodeKind: "节点类别 The kind of a node",
    OrgKind: "组织类别 The kind of a party organization",
    Level: "层级 The level of a party organization",
    Sector: "领域 The sector a party organization works in",
    UnitKind: "单位类别 The kind of a two-new unit",
    Establishment: "组建方式 How an organization is established in a unit",
    Role: "职务 A post in an organization's committee",
    Gender: "性别 Gender",
    Education: "学历 Education",
    MemberStatus: "党员类别 Full or probationary member",
    AssessmentGrade: "考核等次 A yearly assessment grade",
    CaseState: "状态 The state of a remediation case",
    LinkKind: "关系类别 The kind of a link",
    ListStage: "阶段 Where a year's responsibility list stands",
    DutyState: "状态 Where one duty of a responsibility list stands",
    ReviewGrade: "评议等次 The year-end grade of a secretary's list: 好/较好/一般/差",
}

#: Every model enum exposed in the schema.
ENUMS: tuple[type[StrEnum], ...] = tuple(_DESCRIPTIONS)


def _register(kind: type[StrEnum]) -> None:
    strawberry.enum(kind, name=kind.__name__, description=_DESCRIPTIONS[kind])
    definition = kind.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = LABELS_ZH.get(kind(value.value))


for _kind in ENUMS:
    _register(_kind)
