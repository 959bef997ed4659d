"""Node kinds, link kinds and every enumerated value, each with its Chinese label.

Enum values are the stable English codes stored and exchanged; ``LABELS_ZH`` gives the
Chinese label shown to people. Imports accept either the code or the Chinese label.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

__all__ = [
    "LABELS_ZH",
    "LINK_ENDS",
    "AssessmentGrade",
    "CaseState",
    "DutyState",
    "Education",
    "Establishment",
    "Gender",
    "Level",
    "LinkKind",
    "ListStage",
    "MemberStatus",
    "NodeKind",
    "OrgKind",
    "ReviewGrade",
    "Role",
    "Sector",
    "UnitKind",
    "label",
    "parse_enum",
]

E = TypeVar("E", bound=StrEnum)


class NodeKind(StrEnum):
    ORGANIZATION = "organization"  # 党组织
    WORKING_GROUP = "working_group"  # 全域党建工作组
    MEMBER = "member"  # 党员
    EXPERT = "expert"  # 专家人才
    UNIT = "unit"  # "两新"组织
    CASE = "case"  # 整顿转化案例
    DUTY_LIST = "duty_list"  # 年度抓党建责任清单 (one secretary's list for a year)
    DUTY = "duty"  # 责任清单事项 (one duty on a list)


class OrgKind(StrEnum):
    COMMITTEE = "committee"  # 党委
    WORKING_COMMITTEE = "working_committee"  # 党工委
    GENERAL_BRANCH = "general_branch"  # 党总支
    BRANCH = "branch"  # 党支部


class Level(StrEnum):
    """Levels of the hierarchy, top first (the enum's order is the hierarchy's).

    A territorial committee sits at its territory's level (省委 province, 市(州)委 city…);
    a committee between a territorial one and its organizations (市直机关工委) takes the
    level of the committee above it, and grassroots organizations nest at any depth
    (an enterprise's 党委 → 党总支 → 党支部 are all ``grassroots``).
    """

    NATIONAL = "national"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    GRASSROOTS = "grassroots"

    @property
    def rank(self) -> int:
        """0 for the top level (national), counting down the hierarchy."""
        return _LEVEL_RANKS[self]


_LEVEL_RANKS = {level: rank for rank, level in enumerate(Level)}


class Sector(StrEnum):
    RURAL = "rural"
    COMMUNITY = "community"
    AGENCY = "agency"
    INSTITUTION = "institution"
    STATE_ENTERPRISE = "state_enterprise"
    NON_PUBLIC_ENTERPRISE = "non_public_enterprise"
    SOCIAL_ORGANIZATION = "social_organization"


class UnitKind(StrEnum):
    NON_PUBLIC_ENTERPRISE = "non_public_enterprise"
    SOCIAL_ORGANIZATION = "social_organization"


class Establishment(StrEnum):
    OWN = "own"  # 单独组建
    JOINT = "joint"  # 联合组建


class Role(StrEnum):
    SECRETARY = "secretary"
    DEPUTY_SECRETARY = "deputy_secretary"
    COMMITTEE_MEMBER = "committee_member"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Education(StrEnum):
    POSTGRADUATE = "postgraduate"
    BACHELOR = "bachelor"
    COLLEGE = "college"  # 大专
    SECONDARY = "secondary"  # 中专、高中
    PRIMARY = "primary"  # 初中及以下


class MemberStatus(StrEnum):
    FULL = "full"
    PROBATIONARY = "probationary"


class AssessmentGrade(StrEnum):
    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class CaseState(StrEnum):
    IDENTIFIED = "identified"
    RECTIFYING = "rectifying"
    UNDER_REVIEW = "under_review"
    CONVERTED = "converted"
    EXTENDED = "extended"


class ListStage(StrEnum):
    """Where a year's responsibility list stands (orggraph.analysis.cycle)."""

    OPENED = "opened"  # 已建立: duties frozen, commitments being stated (年初话)
    REPORTED = "reported"  # 已述职: the secretary has reported (年末评)
    GRADED = "graded"  # 已评定: the reviewers have graded it


class DutyState(StrEnum):
    """Where one duty of a list stands."""

    LISTED = "listed"  # 待承诺
    COMMITTED = "committed"  # 已承诺 (年初话)
    OBSERVED = "observed"  # 已观摩 (年中看)
    DONE = "done"  # 已完成
    NOT_DONE = "not_done"  # 未完成 (carried into next year's list)


class ReviewGrade(StrEnum):
    """The reviewers' grade of a secretary's year (述职评议考核): 好 / 较好 / 一般 / 差."""

    # Codes apart from AssessmentGrade's: StrEnum members equal to the same text are one
    # key in the label and synonym tables.
    GOOD = "review_good"
    FAIRLY_GOOD = "review_fairly_good"
    AVERAGE = "review_average"
    POOR = "review_poor"


class LinkKind(StrEnum):
    SUBORDINATE_TO = "subordinate_to"  # organization → parent organization
    MEMBER_OF = "member_of"  # member → organization
    HOLDS_POST = "holds_post"  # member → organization (role, term)
    COVERS = "covers"  # working group → organization (an area)
    LEADS = "leads"  # member → working group
    CONTACTS = "contacts"  # leader → organization (支部联点)
    SERVES = "serves"  # leader → expert (联系服务专家)
    PAIRED_WITH = "paired_with"  # strong organization → weak organization (结对共建)
    ESTABLISHED_IN = "established_in"  # organization → unit (own or joint)
    INSTRUCTS = "instructs"  # member → unit (党建指导员)
    LOCATED_IN = "located_in"  # unit → territorial organization it sits in (所在)


#: The kinds of node each link kind joins: (source kind, target kind).
LINK_ENDS: dict[LinkKind, tuple[NodeKind, NodeKind]] = {
    LinkKind.SUBORDINATE_TO: (NodeKind.ORGANIZATION, NodeKind.ORGANIZATION),
    LinkKind.MEMBER_OF: (NodeKind.MEMBER, NodeKind.ORGANIZATION),
    LinkKind.HOLDS_POST: (NodeKind.MEMBER, NodeKind.ORGANIZATION),
    LinkKind.COVERS: (NodeKind.WORKING_GROUP, NodeKind.ORGANIZATION),
    LinkKind.LEADS: (NodeKind.MEMBER, NodeKind.WORKING_GROUP),
    LinkKind.CONTACTS: (NodeKind.MEMBER, NodeKind.ORGANIZATION),
    LinkKind.SERVES: (NodeKind.MEMBER, NodeKind.EXPERT),
    LinkKind.PAIRED_WITH: (NodeKind.ORGANIZATION, NodeKind.ORGANIZATION),
    LinkKind.ESTABLISHED_IN: (NodeKind.ORGANIZATION, NodeKind.UNIT),
    LinkKind.INSTRUCTS: (NodeKind.MEMBER, NodeKind.UNIT),
    LinkKind.LOCATED_IN: (NodeKind.UNIT, NodeKind.ORGANIZATION),
}

LABELS_ZH: dict[StrEnum, str] = {
    NodeKind.ORGANIZATION: "党组织",
    NodeKind.WORKING_GROUP: "全域党建工作组",
    NodeKind.MEMBER: "党员",
    NodeKind.EXPERT: "专家人才",
    NodeKind.UNIT: "两新组织",
    NodeKind.CASE: "整顿转化案例",
    NodeKind.DUTY_LIST: "年度责任清单",
    NodeKind.DUTY: "责任清单事项",
    OrgKind.COMMITTEE: "党委",
    OrgKind.WORKING_COMMITTEE: "党工委",
    OrgKind.GENERAL_BRANCH: "党总支",
    OrgKind.BRANCH: "党支部",
    Level.NATIONAL: "中央",
    Level.PROVINCE: "省级",
    Level.CITY: "市级",
    Level.COUNTY: "县(区)级",
    Level.TOWNSHIP: "乡镇(街道)级",
    Level.GRASSROOTS: "基层",
    Sector.RURAL: "农村",
    Sector.COMMUNITY: "城市社区",
    Sector.AGENCY: "机关",
    Sector.INSTITUTION: "事业单位",
    Sector.STATE_ENTERPRISE: "国有企业",
    Sector.NON_PUBLIC_ENTERPRISE: "非公企业",
    Sector.SOCIAL_ORGANIZATION: "社会组织",
    UnitKind.NON_PUBLIC_ENTERPRISE: "非公企业",
    UnitKind.SOCIAL_ORGANIZATION: "社会组织",
    Establishment.OWN: "单独组建",
    Establishment.JOINT: "联合组建",
    Role.SECRETARY: "书记",
    Role.DEPUTY_SECRETARY: "副书记",
    Role.COMMITTEE_MEMBER: "委员",
    Gender.MALE: "男",
    Gender.FEMALE: "女",
    Education.POSTGRADUATE: "研究生",
    Education.BACHELOR: "大学本科",
    Education.COLLEGE: "大专",
    Education.SECONDARY: "中专及高中",
    Education.PRIMARY: "初中及以下",
    MemberStatus.FULL: "正式党员",
    MemberStatus.PROBATIONARY: "预备党员",
    AssessmentGrade.EXCELLENT: "优秀",
    AssessmentGrade.GOOD: "好",
    AssessmentGrade.FAIR: "一般",
    AssessmentGrade.POOR: "差",
    CaseState.IDENTIFIED: "已认定",
    CaseState.RECTIFYING: "整顿中",
    CaseState.UNDER_REVIEW: "验收中",
    CaseState.CONVERTED: "已转化",
    CaseState.EXTENDED: "延期整顿",
    ListStage.OPENED: "已建立",
    ListStage.REPORTED: "已述职",
    ListStage.GRADED: "已评定",
    DutyState.LISTED: "待承诺",
    DutyState.COMMITTED: "已承诺",
    DutyState.OBSERVED: "已观摩",
    DutyState.DONE: "已完成",
    DutyState.NOT_DONE: "未完成",
    ReviewGrade.GOOD: "好",
    ReviewGrade.FAIRLY_GOOD: "较好",
    ReviewGrade.AVERAGE: "一般",
    ReviewGrade.POOR: "差",
    LinkKind.SUBORDINATE_TO: "隶属",
    LinkKind.MEMBER_OF: "党员隶属",
    LinkKind.HOLDS_POST: "任职",
    LinkKind.COVERS: "包联",
    LinkKind.LEADS: "牵头",
    LinkKind.CONTACTS: "联点",
    LinkKind.SERVES: "联系服务",
    LinkKind.PAIRED_WITH: "结对共建",
    LinkKind.ESTABLISHED_IN: "建在",
    LinkKind.INSTRUCTS: "党建指导",
    LinkKind.LOCATED_IN: "所在",
}


def label(value: StrEnum, lang: str = "zh") -> str:
    """The label of an enum value: Chinese by default, the English code for ``lang="en"``."""
    if lang == "zh":
        return LABELS_ZH.get(value, str(value))
    return str(value).replace("_", " ")


def parse_enum(kind: type[E], raw: str) -> E:
    """Parse a code, a Chinese label or a synonym (``orggraph.model.synonyms``: 本科 for
    大学本科) into ``kind``; ``ValueError`` names the allowed values."""
    from orggraph.model.synonyms import not_allowed, parse_label  # it imports this module

    text = raw.strip()
    try:
        return kind(text)
    except ValueError:
        pass
    found = parse_label(kind, text)
    if found is None:
        raise ValueError(not_allowed(kind, raw))
    return found
