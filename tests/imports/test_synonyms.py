"""Labels as people write them: the one synonyms table, read by imports, printed in the docs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orggraph.imports.schema import SYNONYMS_BEGIN, SYNONYMS_END
from orggraph.model import LABELS_ZH, Education, Gender, OrgKind, Sector, parse_enum
from orggraph.model.synonyms import ENUM_NAMES, SYNONYMS, synonyms_markdown
from orggraph.store.base import GraphStore
from tests.imports.samples import ORGS, imported, only, refused, write

ROOT = Path(__file__).resolve().parents[2]


def test_no_word_means_two_values_of_one_enum() -> None:
    for kind in ENUM_NAMES:
        seen: dict[str, object] = {}
        for member in kind:
            words = [member.value, LABELS_ZH.get(member, ""), *SYNONYMS.get(member, ())]
            for word in filter(None, words):
                key = word.casefold()
                assert seen.setdefault(key, member) is member, (kind, word)


def test_the_docs_print_the_table() -> None:
    text = (ROOT / "docs" / "IMPORT.md").read_text(encoding="utf-8")
    section = text.split(SYNONYMS_BEGIN, 1)[1].split(SYNONYMS_END, 1)[0]
    assert section == "\n" + synonyms_markdown(), "run: python -m orggraph.imports.schema"


@pytest.mark.parametrize(
    ("kind", "word", "value"),
    [
        (Education, "本科", Education.BACHELOR),
        (Education, "高中", Education.SECONDARY),
        (Education, "初中", Education.PRIMARY),
        (Education, "大专", Education.COLLEGE),  # the label itself
        (Education, "硕士研究生", Education.POSTGRADUATE),
        (Gender, "男性", Gender.MALE),
        (Gender, "f", Gender.FEMALE),
        (OrgKind, "支部", OrgKind.BRANCH),
        (Sector, "社区", Sector.COMMUNITY),
        (Sector, "民营企业", Sector.NON_PUBLIC_ENTERPRISE),
    ],
)
def test_a_synonym_reads_as_its_value(kind: type, word: str, value: object) -> None:
    assert parse_enum(kind, f" {word} ") is value


def test_an_unknown_label_names_the_field_and_everything_allowed() -> None:
    with pytest.raises(ValueError) as caught:
        parse_enum(Gender, "未知")
    assert str(caught.value) == (
        "'未知' is not a valid 性别 (gender): allowed 男, 女 "
        "(codes male, female; synonyms: 男性/M→男; 女性/F→女)"
    )


MEMBERS = """标识,姓名,起始日期,性别,民族,学历,出生年份,入党日期,党员类别,所在党组织
m1,张三,2010-01-01,男性,汉,本科,1975,2000-07-01,正式,b1
m2,李四,2010-01-01,女,回族,高中,1980,2005-07-01,正式党员,b1
m3,王五,2010-01-01,男,土,初中,1985,2010-01-01,预备,b1
"""


def test_an_import_reads_synonyms_as_the_model_values(store: GraphStore, tmp_path: Path) -> None:
    files = [write(tmp_path / "党组织.csv", ORGS), write(tmp_path / "党员.csv", MEMBERS)]
    imported(store, files)
    found = store.node_versions(["m1", "m2", "m3"])
    got = {
        key: (v[0].get("gender"), v[0].get("ethnicity"), v[0].get("education"), v[0].get("status"))
        for key, v in found.items()
    }
    assert got == {
        "m1": ("male", "汉族", "bachelor", "full"),
        "m2": ("female", "回族", "secondary", "full"),
        "m3": ("male", "土族", "primary", "probationary"),
    }
    assert store.node("m1", date(2020, 1, 1)) is not None


def test_an_unknown_education_is_refused_with_its_place(store: GraphStore, tmp_path: Path) -> None:
    bad = MEMBERS.replace("m3,王五,2010-01-01,男,土,初中", "m3,王五,2010-01-01,男,土,博士后")
    files = [write(tmp_path / "党组织.csv", ORGS), write(tmp_path / "党员.csv", bad)]
    problem = only(refused(store, files), "enum")
    assert (problem.file, problem.row, problem.column, problem.value) == (
        str(tmp_path / "党员.csv"),
        4,
        "学历",
        "博士后",
    )
    assert problem.message.startswith(
        "'博士后' is not a valid 学历 (education): allowed 研究生, 大学本科, 大专, 中专及高中, "
        "初中及以下 (codes postgraduate, bachelor, college, secondary, primary; synonyms: "
    )
    assert "本科/大学/本科学历/学士→大学本科" in problem.message
