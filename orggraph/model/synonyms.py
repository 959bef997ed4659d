"""Labels as people write them (同义词): the one table of other spellings of enum values.

A spreadsheet says 本科 where the model's label is 大学本科, 高中 for 中专及高中, 男性 for
男. ``SYNONYMS`` maps each enum value to the other words that mean it; ``TEXT_SYNONYMS``
does the same for free-text columns whose values are still a closed set in practice
(民族: 汉 → 汉族). ``parse_enum`` (``orggraph.model.kinds``) accepts a value's code, its
Chinese label, its name, or one of these words; anything else gets ``not_allowed``'s
message, which lists what is accepted. docs/IMPORT.md prints this table
(``synonyms_markdown``), and a test checks the copy there and that no word means two
values of one enum.

>>> parse_label(Education, "本科")
<Education.BACHELOR: 'bachelor'>
>>> print(not_allowed(Gender, "未知"))  # doctest: +NORMALIZE_WHITESPACE
'未知' is not a valid 性别 (gender): allowed 男, 女
(codes male, female; synonyms: 男性/M→男; 女性/F→女)
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import TypeVar

from orggraph.model.kinds import (
    LABELS_ZH,
    AssessmentGrade,
    CaseState,
    Education,
    Establishment,
    Gender,
    Level,
    MemberStatus,
    OrgKind,
    Role,
    Sector,
    UnitKind,
)

__all__ = [
    "ENUM_NAMES",
    "SYNONYMS",
    "TEXT_NAMES",
    "TEXT_SYNONYMS",
    "not_allowed",
    "parse_label",
    "synonyms_markdown",
    "text_synonym",
]

E = TypeVar("E", bound=StrEnum)

#: The Chinese and English name of each enum, as messages name it.
ENUM_NAMES: dict[type[StrEnum], str] = {
    Education: "学历 (education)",
    Gender: "性别 (gender)",
    MemberStatus: "党员类别 (status)",
    OrgKind: "组织类别 (org_kind)",
    Level: "层级 (level)",
    Sector: "领域 (sector)",
    UnitKind: "单位类别 (unit_kind)",
    Role: "职务 (role)",
    Establishment: "组建方式 (mode)",
    AssessmentGrade: "考核等次 (assessment_grade)",
    CaseState: "整顿状态 (state)",
}

#: Other words for each enum value, beside its code and its Chinese label (``LABELS_ZH``).
SYNONYMS: dict[StrEnum, tuple[str, ...]] = {
    Education.POSTGRADUATE: ("研究生及以上", "博士研究生", "硕士研究生", "博士", "硕士"),
    Education.BACHELOR: ("本科", "大学", "本科学历", "学士"),
    Education.COLLEGE: ("大学专科", "专科", "高职", "高职高专"),
    Education.SECONDARY: ("高中", "中专", "中技", "技校", "职高", "高中及中专"),
    Education.PRIMARY: ("初中", "小学", "初中以下", "小学及以下", "文盲"),
    Gender.MALE: ("男性", "M"),
    Gender.FEMALE: ("女性", "F"),
    MemberStatus.FULL: ("正式",),
    MemberStatus.PROBATIONARY: ("预备",),
    OrgKind.COMMITTEE: ("基层党委", "党委员会"),
    OrgKind.WORKING_COMMITTEE: ("工委", "街道党工委"),
    OrgKind.GENERAL_BRANCH: ("总支", "党总支部"),
    OrgKind.BRANCH: ("支部", "联合党支部", "联合支部"),
    Level.NATIONAL: ("中央级", "全国", "党中央"),
    Level.PROVINCE: ("省", "省委", "省级党委"),
    Level.CITY: ("市", "市委", "市(州)级", "州级", "地市级"),
    Level.COUNTY: ("县级", "区级", "县区级", "县(区)"),
    Level.TOWNSHIP: ("乡镇级", "街道级", "乡镇", "街道"),
    Level.GRASSROOTS: ("基层党组织",),
    Sector.RURAL: ("村", "乡村"),
    Sector.COMMUNITY: ("社区",),
    Sector.AGENCY: ("党政机关",),
    Sector.INSTITUTION: ("事业",),
    Sector.STATE_ENTERPRISE: ("国企", "国有"),
    Sector.NON_PUBLIC_ENTERPRISE: ("非公有制企业", "民营企业", "私营企业"),
    Sector.SOCIAL_ORGANIZATION: ("社团",),
    UnitKind.NON_PUBLIC_ENTERPRISE: ("非公有制企业", "民营企业", "私营企业"),
    UnitKind.SOCIAL_ORGANIZATION: ("社团",),
    Role.SECRETARY: ("党支部书记", "党委书记", "支部书记"),
    Role.COMMITTEE_MEMBER: ("支委", "支部委员", "党委委员"),
    Establishment.OWN: ("单独", "独立组建"),
    Establishment.JOINT: ("联合",),
    AssessmentGrade.GOOD: ("较好",),
}

#: The free-text columns below, named as messages name them.
TEXT_NAMES: dict[str, str] = {"ethnicity": "民族 (ethnicity)"}

#: Free-text columns (by attribute name) whose usual short forms are written out in full.
TEXT_SYNONYMS: dict[str, dict[str, str]] = {
    "ethnicity": {
        "汉": "汉族",
        "回": "回族",
        "藏": "藏族",
        "土": "土族",
        "撒拉": "撒拉族",
        "蒙古": "蒙古族",
        "满": "满族",
    },
}


@functools.cache
def _words(kind: type[StrEnum]) -> dict[str, StrEnum]:
    """Every accepted spelling of ``kind``'s values (case-folded for Latin letters)."""
    out: dict[str, StrEnum] = {}
    for member in kind:
        for word in (member.value, member.name, LABELS_ZH.get(member), *SYNONYMS.get(member, ())):
            if word:
                out[word.casefold()] = member
    return out


def parse_label(kind: type[E], raw: str) -> E | None:
    """The value of ``kind`` that ``raw`` spells, or ``None``."""
    found = _words(kind).get(raw.strip().casefold())
    return found if isinstance(found, kind) else None


def not_allowed(kind: type[StrEnum], raw: object, what: str | None = None) -> str:
    """The message for a value of ``kind`` that is none of its spellings."""
    name = what or ENUM_NAMES.get(kind, kind.__name__)
    labels = ", ".join(LABELS_ZH.get(m, m.value) for m in kind)
    codes = ", ".join(m.value for m in kind)
    words = "; ".join(
        f"{'/'.join(SYNONYMS[m])}→{LABELS_ZH.get(m, m.value)}" for m in kind if SYNONYMS.get(m)
    )
    more = f"; synonyms: {words}" if words else ""
    return f"{raw!r} is not a valid {name}: allowed {labels} (codes {codes}{more})"


def text_synonym(attribute: str, value: str) -> str:
    """``value`` of a free-text ``attribute`` written out in full (汉 → 汉族)."""
    return TEXT_SYNONYMS.get(attribute, {}).get(value, value)


def synonyms_markdown() -> str:
    """The table as docs/IMPORT.md prints it (checked by tests/imports/test_synonyms.py)."""
    lines = ["| 字段 field | 值 value | 同义词 synonyms |", "|---|---|---|"]
    for kind, name in ENUM_NAMES.items():
        for member in kind:
            words = SYNONYMS.get(member, ())
            if words:
                shown = f"{LABELS_ZH.get(member, member.value)} `{member.value}`"
                lines.append(f"| {name} | {shown} | {'、'.join(words)} |")
    for attribute, table in TEXT_SYNONYMS.items():
        for short, full in table.items():
            lines.append(f"| {TEXT_NAMES.get(attribute, attribute)} | {full} | {short} |")
    return "\n".join(lines) + "\n"
