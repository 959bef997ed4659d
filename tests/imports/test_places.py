"""A unit's place (所在地) in the import: the 所在地党组织 column, the 所在地 table, and the
district / township columns of earlier formats, read once into the link with a warning.

The city (``samples.city``, all from 2010-01-01) gains a village branch and a second
county with a township, worked out by hand::

    630100 西宁市委
    ├── 630102 城东区委 ── 630102001 东关街道党工委 ── b1 (community), v1 (village)
    └── 630103 城中区委 ── 630103001 人民街道党工委
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from orggraph.analysis.coverage import coverage_rates
from orggraph.errors import Problem
from orggraph.model import LinkKind
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.imports.samples import ORGS, city, imported, only, refused, write

MORE_ORGS = ORGS + (
    "v1,东关村党支部,2010-01-01,,党支部,基层,农村,630102001\n"
    "630103,城中区委,2010-01-01,,党委,县(区)级,,630100\n"
    "630103001,人民街道党工委,2010-01-01,,党工委,乡镇(街道)级,,630103\n"
)
NOW = date(2024, 6, 30)
AT = LinkKind.LOCATED_IN


def _city(folder: Path) -> list[Path]:
    files = city(folder)
    write(files[0], MORE_ORGS)
    return files


def placing(warnings: Sequence[Problem]) -> list[Problem]:
    """The warnings about places (v1, a branch without members, is warned about too)."""
    return [w for w in warnings if w.rule != "branch-min-members"]


def places(store: GraphStore, on: date = NOW) -> dict[str, str]:
    return {x.source: x.target for x in store.links(AT, on)}


def test_the_place_column_links_each_unit(store: GraphStore, tmp_path: Path) -> None:
    units = write(
        tmp_path / "两新组织.csv",
        "标识,名称,起始日期,单位类别,正式党员数,所在地党组织\n"
        "u1,某科技公司,2015-01-01,非公企业,3,v1\n"
        "u2,某协会,2016-01-01,社会组织,0,630103001\n",
    )
    report = imported(store, [*_city(tmp_path / "city"), units])
    assert placing(report.warnings) == []
    assert places(store) == {"u1": "v1", "u2": "630103001"}
    (link,) = store.links(AT, NOW, sources=["u1"])
    assert (link.valid_from, link.valid_to) == (date(2015, 1, 1), None)
    # u1's district is 城东区委 through its village and township; u2's is 城中区委.
    rows = coverage_rates(store, NOW, Scope(), "district")
    assert [(r.group, r.units) for r in rows] == [("630102", 1), ("630103", 1)]
    rows = coverage_rates(store, NOW, Scope(), "township")
    assert [(r.group, r.units) for r in rows] == [("630102001", 1), ("630103001", 1)]


def test_the_places_table_dates_a_move(store: GraphStore, tmp_path: Path) -> None:
    units = write(
        tmp_path / "两新组织.csv",
        "标识,名称,起始日期,单位类别,正式党员数\nu1,某科技公司,2015-01-01,非公企业,3\n",
    )
    moves = write(
        tmp_path / "所在地.csv",
        "两新组织,所在地党组织,起始日期,终止日期\n"
        "u1,630102001,2015-01-01,2020-01-01\n"
        "u1,630103001,2020-01-01,\n",
    )
    imported(store, [*_city(tmp_path / "city"), units, moves])
    assert places(store, date(2019, 12, 31)) == {"u1": "630102001"}
    assert places(store) == {"u1": "630103001"}


def test_old_area_columns_become_the_link_with_one_warning_each(
    store: GraphStore, tmp_path: Path
) -> None:
    # u1 names both (the township wins), u2 only a district (placed in the county), u3
    # neither (no place). One warning per old column, none per row.
    units = write(
        tmp_path / "两新组织.csv",
        "标识,名称,起始日期,单位类别,正式党员数,所在区县代码,所在乡镇(街道)代码\n"
        "u1,某科技公司,2015-01-01,非公企业,3,630102,630102001\n"
        "u2,某协会,2016-01-01,社会组织,0,630103,\n"
        "u3,某商行,2016-01-01,非公企业,0,,\n",
    )
    report = imported(store, [*_city(tmp_path / "city"), units])
    assert places(store) == {"u1": "630102001", "u2": "630103"}
    warned = sorted((w.rule, w.column, w.row) for w in placing(report.warnings))
    assert warned == [
        ("replaced-column", "所在乡镇(街道)代码", 1),
        ("replaced-column", "所在区县代码", 1),
    ]
    assert "所在地党组织 (place)" in placing(report.warnings)[0].message
    # The old attributes are not kept on the unit.
    unit = store.node("u1", NOW)
    assert unit is not None and "district" not in unit.attrs and "township" not in unit.attrs


def test_an_old_district_that_disagrees_with_the_hierarchy_is_not_believed(
    store: GraphStore, tmp_path: Path
) -> None:
    # The row says 城中区委 (630103) but the township is under 城东区委: the hierarchy
    # decides, so u1 counts in 630102.
    units = write(
        tmp_path / "units.csv",
        "id,name,valid_from,unit_kind,full_members,district,township\n"
        "u1,某科技公司,2015-01-01,non_public_enterprise,3,630103,630102001\n",
    )
    imported(store, [*_city(tmp_path / "city"), units])
    (row,) = coverage_rates(store, NOW, Scope(), "district")
    assert (row.group, row.units) == ("630102", 1)


def test_a_place_that_does_not_exist_is_refused_where_it_is_written(
    store: GraphStore, tmp_path: Path
) -> None:
    units = write(
        tmp_path / "两新组织.csv",
        "标识,名称,起始日期,单位类别,正式党员数,所在地党组织\nu1,某科技公司,2015-01-01,非公企业,3,630199\n",
    )
    problems = refused(store, [*_city(tmp_path / "city"), units])
    problem = only(problems, "link-ends-exist")
    assert (problem.file, problem.row, problem.column, problem.value) == (
        str(units),
        2,
        "所在地党组织",
        "630199",
    )


def test_a_reimport_with_a_new_place_closes_the_old_one(store: GraphStore, tmp_path: Path) -> None:
    files = _city(tmp_path / "city")
    header = "标识,名称,起始日期,单位类别,正式党员数,所在地党组织\n"
    v1 = write(tmp_path / "两新组织.csv", header + "u1,某科技公司,2015-01-01,非公企业,3,v1\n")
    imported(store, [*files, v1])
    (tmp_path / "v2").mkdir()
    v2 = write(
        tmp_path / "v2" / "两新组织.csv", header + "u1,某科技公司,2015-01-01,非公企业,3,630103001\n"
    )
    report = imported(store, [v2], effective=date(2024, 7, 1))
    assert (report.links_added, report.links_closed) == (1, 1)
    assert places(store) == {"u1": "v1"}
    assert places(store, date(2024, 7, 1)) == {"u1": "630103001"}
