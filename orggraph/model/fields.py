"""The attributes of each node and link kind: type, whether required, label, classification.

One table drives import validation, the import JSON Schemas, the template workbook, the
GraphQL types and the masking of personal data. Classification levels, least to most
guarded: ``public`` < ``internal`` < ``personal`` < ``sensitive``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from orggraph.model.kinds import (
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

__all__ = [
    "CLASSIFICATIONS",
    "FACTS",
    "LINK_FIELDS",
    "NAME_CLASSIFICATION",
    "NODE_FIELDS",
    "FieldSpec",
]

CLASSIFICATIONS = ("public", "internal", "personal", "sensitive")


@dataclass(frozen=True, kw_only=True, slots=True)
class FieldSpec:
    """One attribute: ``type`` is str, int, float, bool, date, list or an enum class."""

    name: str
    value_type: type | str
    label_zh: str
    required: bool = False
    classification: str = "internal"
    help: str = ""

    @property
    def enum(self) -> type[StrEnum] | None:
        kind = self.value_type
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            return kind
        return None


def F(
    name: str,
    kind: type | str,
    label_zh: str,
    *,
    req: bool = False,
    cls: str = "internal",
    help: str = "",
) -> FieldSpec:
    return FieldSpec(
        name=name, value_type=kind, label_zh=label_zh, required=req, classification=cls, help=help
    )


NODE_FIELDS: dict[NodeKind, tuple[FieldSpec, ...]] = {
    NodeKind.ORGANIZATION: (
        F("org_kind", OrgKind, "组织类别", req=True, cls="public"),
        F("level", Level, "层级", req=True, cls="public"),
        F("sector", Sector, "领域", cls="public"),
        F("code", "str", "行政区划代码", cls="public", help="GB/T 2260 or statistical code"),
        F("term_ends", "date", "换届到期日", help="village/community two committees' term end"),
    ),
    NodeKind.WORKING_GROUP: (F("number", "int", "编号", cls="public"),),
    NodeKind.MEMBER: (
        F("gender", Gender, "性别", req=True, cls="personal"),
        F("ethnicity", "str", "民族", req=True, cls="sensitive"),
        F("education", Education, "学历", req=True, cls="personal"),
        F("birth_year", "int", "出生年份", req=True, cls="sensitive"),
        F("join_date", "date", "入党日期", req=True, cls="personal"),
        F("status", MemberStatus, "党员类别", req=True, cls="internal"),
        F("is_leader", "bool", "领导干部", cls="internal"),
        F("position", "str", "职务", cls="internal"),
    ),
    NodeKind.EXPERT: (
        F("field", "str", "专业领域", cls="internal"),
        F("title", "str", "职称", cls="internal"),
        F("employer", "str", "工作单位", cls="internal"),
    ),
    NodeKind.UNIT: (
        F("unit_kind", UnitKind, "单位类别", req=True, cls="public"),
        F("full_members", "int", "正式党员数", req=True, cls="internal"),
        F("employees", "int", "从业人员数", cls="internal"),
        F("industry", "str", "行业", cls="public"),
        # Where a unit is: a dated ``located_in`` link to its village, community or
        # township organization, not an attribute (its district and township are read
        # from the hierarchy at the date: orggraph.analysis.places).
    ),
    NodeKind.CASE: (
        F("organization", "str", "整顿对象", req=True, cls="internal"),
        F("state", CaseState, "状态", req=True, cls="internal"),
        F("reasons", "list", "软弱涣散原因", cls="internal"),
        F("responsible", "str", "责任领导", cls="internal"),
        F("partner", "str", "结对党组织", cls="internal"),
        F("deadline", "date", "整顿期限", cls="internal"),
        F("evidence", "str", "佐证材料", cls="internal"),
    ),
    # The yearly cycle (orggraph.analysis.cycle): each step is a new version, ``by`` the
    # account that took it, ``valid_from`` its date.
    NodeKind.DUTY_LIST: (
        F("organization", "str", "党组织", req=True, cls="internal"),
        F("year", "int", "年度", req=True, cls="internal"),
        F("stage", ListStage, "阶段", req=True, cls="internal"),
        F("holder", "str", "书记", cls="internal", help="member id of the secretary holding it"),
        F("handed_from", "str", "前任书记", cls="internal"),
        F("commit_by", "date", "承诺截止日期", cls="internal"),
        F("observe_from", "date", "观摩开始日期", cls="internal"),
        F("observe_to", "date", "观摩截止日期", cls="internal"),
        F("review_from", "date", "评议开始日期", cls="internal"),
        F("review_by", "date", "评议截止日期", cls="internal"),
        F("report", "str", "述职报告", cls="internal"),
        F("questions", "list", "质询问答", cls="internal"),
        F("grade", ReviewGrade, "评议等次", cls="internal"),
        F("score", "float", "评议得分", cls="internal"),
        F("by", "str", "经办账号", cls="internal"),
    ),
    NodeKind.DUTY: (
        F("list", "str", "所属清单", req=True, cls="internal"),
        F("organization", "str", "党组织", req=True, cls="internal"),
        F("year", "int", "年度", req=True, cls="internal"),
        F("state", DutyState, "状态", req=True, cls="internal"),
        F("source", "str", "来源", cls="internal", help="derived, manual or carried"),
        F("duty_kind", "str", "事项类别", cls="internal"),
        F("subject", "str", "对象", cls="internal"),
        F("text", "str", "责任事项", cls="internal"),
        F("commitment", "str", "承诺事项", cls="internal"),
        F("target", "str", "量化目标", cls="internal"),
        F("due", "date", "完成时限", cls="internal"),
        F("progress", "int", "进度(%)", cls="internal"),
        F("evidence", "str", "观摩所见", cls="internal"),
        F("carried_from", "str", "上年未完成事项", cls="internal"),
        F("by", "str", "经办账号", cls="internal"),
    ),
}

#: The classification of each node kind's name: a person's name is personal data.
NAME_CLASSIFICATION: dict[NodeKind, str] = {
    NodeKind.ORGANIZATION: "public",
    NodeKind.WORKING_GROUP: "public",
    NodeKind.MEMBER: "personal",
    NodeKind.EXPERT: "personal",
    NodeKind.UNIT: "public",
    NodeKind.CASE: "internal",
    NodeKind.DUTY_LIST: "internal",
    NodeKind.DUTY: "internal",
}

LINK_FIELDS: dict[LinkKind, tuple[FieldSpec, ...]] = {
    LinkKind.HOLDS_POST: (
        F("role", Role, "职务", req=True, cls="public"),
        F("term_ends", "date", "任期届满", cls="internal"),
    ),
    LinkKind.ESTABLISHED_IN: (F("mode", Establishment, "组建方式", req=True, cls="public"),),
    LinkKind.COVERS: (F("sector", Sector, "包联领域", cls="public"),),
}

#: Yearly facts: (node kind, fact name) → spec.
FACTS: dict[str, FieldSpec] = {
    "assessment_grade": F("assessment_grade", AssessmentGrade, "考核等次"),
    "assessment_score": F("assessment_score", "float", "考核得分", help="year-end score, 0-100"),
    "meetings_held": F("meetings_held", "int", "组织生活会议次数"),
    "collective_income": F("collective_income", "float", "村集体经济收入(万元)"),
    "venue_upgraded": F("venue_upgraded", "bool", "阵地升级改造"),
    "lecture_hall": F("lecture_hall", "bool", "新时代讲习所", help="set up a new-era lecture hall"),
    "vanguard_index": F("vanguard_index", "float", "先锋指数", cls="personal"),
}
