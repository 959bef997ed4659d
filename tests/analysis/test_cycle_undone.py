"""A duty never done shows in gaps (责任事项未完成) and in next year's list, once each.

The graph (from 2010), worked out by hand::

    630100 西宁市委 (secretary C)
    ├── 630102 城东区委 (secretary D, contact leader of B)
    │   └── B 某村党支部 (3 full members, secretary B-m1)
    └── 630103 城中区委 (secretary E)
        └── Q 城中村党支部 (3 full members, secretary Q-m1, contact E)

- 2018, B's list: 001 讲习所 (observed 100 %: done), 002 阵地 (observed 40 %: not done),
  003 发展党员 (committed, never observed: not done); graded 2018-12-20 → two gaps.
- 2019, opened for 630102: B's list carries 002 and 003 once each (not again through
  their gaps); the gaps stay, one row each, until the carrying duties close. 002's
  carrier is done, 003's is not: at the end of 2019 one gap, the carrier's.
- Q's 2018 list (one duty, not done); Q has no 2019 list, so in 2020 the duty comes back
  through its gap, marked with its year.
- B-m1's printed 2019 list shows each undone duty once: the gap's row, with the stages of
  the kept duty carrying it.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from orggraph.analysis.cycle import CycleActor, duty_list
from orggraph.analysis.cycle_open import HandDuty, open_year
from orggraph.analysis.cycle_steps import commit, grade, observe, report
from orggraph.analysis.gaps import GAP_LABELS_ZH, GapKind, coverage_gaps, parse_gap_kind
from orggraph.exports.render import render_export
from orggraph.model import LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.masking import clearance_for, mask_result
from orggraph.store.scope import Scope
from tests.graphs import link, member, org, staffed_branch

ADMIN = CycleActor(name="组织部", role="admin")
UNDONE = [GapKind.DUTY_UNDONE]
ALL = Scope()


def build(store: GraphStore) -> None:
    post, sub = LinkKind.HOLDS_POST, LinkKind.SUBORDINATE_TO
    store.write(
        WriteBatch(
            nodes=(
                org("630100", "西宁市委", "city"),
                org("630102", "城东区委", "county"),
                org("630103", "城中区委", "county"),
                member("C", "市委书记"),
                member("D", "区委书记", leader=True),
                member("E", "城中书记", leader=True),
            ),
            links=(
                link(sub, "630102", "630100"),
                link(sub, "630103", "630100"),
                link(LinkKind.MEMBER_OF, "C", "630100"),
                link(LinkKind.MEMBER_OF, "D", "630102"),
                link(LinkKind.MEMBER_OF, "E", "630103"),
                link(post, "C", "630100", role="secretary"),
                link(post, "D", "630102", role="secretary"),
                link(post, "E", "630103", role="secretary"),
            ),
        )
    )
    store.write(staffed_branch("B", "630102", name="某村党支部"))
    store.write(staffed_branch("Q", "630103", name="城中村党支部"))
    store.write(
        WriteBatch(links=(link(LinkKind.CONTACTS, "D", "B"), link(LinkKind.CONTACTS, "E", "Q")))
    )


def close_year(
    store: GraphStore, year: int, list_ref: str, progress: dict[str, int | None]
) -> None:
    """Commit every duty of ``progress``, observe those with a figure, report and grade."""
    for duty, seen in progress.items():
        commit(
            store,
            duty,
            date(year, 2, 1),
            actor=ADMIN,
            commitment="按期完成",
            target="完成",
            due=date(year, 11, 30),
        )
        if seen is not None:
            observe(store, duty, date(year, 6, 15), actor=ADMIN, progress=seen, evidence="现场")
    report(store, list_ref, date(year, 12, 5), actor=ADMIN, text="述职")
    grade(store, list_ref, date(year, 12, 20), actor=ADMIN, grade="一般", score=70)


def rows(store: GraphStore, on: date, scope: Scope = ALL) -> list[tuple[object, ...]]:
    return [
        (g.subject, g.name, g.organization, g.year, g.since, g.related, g.detail)
        for g in coverage_gaps(store, on, scope, kinds=UNDONE)
    ]


def year_2018(store: GraphStore) -> None:
    build(store)
    hand = [
        HandDuty(organization="B", text="办好新时代讲习所"),
        HandDuty(organization="B", text="建好村级阵地"),
        HandDuty(organization="B", text="发展党员2名"),
    ]
    open_year(store, 2018, "B", date(2018, 1, 10), actor=ADMIN, hand=hand)
    open_year(
        store,
        2018,
        "Q",
        date(2018, 1, 10),
        actor=ADMIN,
        hand=[HandDuty(organization="Q", text="修缮活动室")],
    )
    close_year(
        store, 2018, "dl-2018-B", {"du-2018-B-001": 100, "du-2018-B-002": 40, "du-2018-B-003": None}
    )
    close_year(store, 2018, "dl-2018-Q", {"du-2018-Q-001": 80})


def test_the_kind_and_its_label() -> None:
    assert GAP_LABELS_ZH[GapKind.DUTY_UNDONE] == "责任事项未完成"
    assert parse_gap_kind("责任事项未完成") is GapKind.DUTY_UNDONE
    assert list(GapKind)[-1] is GapKind.DUTY_UNDONE  # reported after the others


def test_a_graded_year_leaves_its_undone_duties_as_gaps(store: GraphStore) -> None:
    year_2018(store)
    assert rows(store, date(2018, 12, 19)) == []  # not graded yet: nothing is undone
    graded = date(2018, 12, 20)
    detail = "2018年度责任清单事项，2018-12-20评议未完成"
    assert rows(store, date(2018, 12, 31)) == [
        ("du-2018-B-002", "建好村级阵地", "B", 2018, graded, ("B-m1",), detail),
        ("du-2018-B-003", "发展党员2名", "B", 2018, graded, ("B-m1",), detail),
        ("du-2018-Q-001", "修缮活动室", "Q", 2018, graded, ("Q-m1",), detail),
    ]
    # The district's scope sees its own; the secretaries up B's chain close them (the
    # city's is above the scope: hidden, as for every gap).
    district = Scope(roots=frozenset({"630102"}))
    assert [r[0] for r in rows(store, date(2018, 12, 31), district)] == [
        "du-2018-B-002",
        "du-2018-B-003",
    ]
    gap = coverage_gaps(store, date(2018, 12, 31), district, kinds=UNDONE)[0]
    assert [(o.organization, o.secretary and o.secretary.id, o.hidden) for o in gap.owners] == [
        ("B", "B-m1", False),
        ("630102", "D", False),
        ("630100", None, True),
    ]
    # Who may see it follows the gaps: a viewer gets the rows, not the duty's (internal) text.
    masked = mask_result(
        coverage_gaps(store, date(2018, 12, 31), ALL, kinds=UNDONE),
        clearance_for("viewer"),
        store,
        date(2018, 12, 31),
    )
    assert [(g.subject, g.name) for g in masked] == [
        ("du-2018-B-002", None),
        ("du-2018-B-003", None),
        ("du-2018-Q-001", None),
    ]


def test_next_year_carries_each_undone_duty_once(store: GraphStore) -> None:
    year_2018(store)
    open_year(store, 2019, "630102", date(2019, 1, 10), actor=ADMIN)
    opened = date(2019, 1, 10)
    carried = [
        (d.id, d.kind, d.subject, d.carried_from, d.text)
        for d in duty_list(store, "dl-2019-B", opened, ALL).duties
    ]
    assert carried == [
        (
            "du-2019-B-001",
            "duty_undone",
            "du-2018-B-002",
            "du-2018-B-002",
            "（上年未完成）建好村级阵地",
        ),
        (
            "du-2019-B-002",
            "duty_undone",
            "du-2018-B-003",
            "du-2018-B-003",
            "（上年未完成）发展党员2名",
        ),
    ]
    district = duty_list(store, "dl-2019-630102", opened, ALL).duties
    assert [d.kind for d in district] == ["area_uncovered", "contact"]
    # Carried and under way: still one gap each, saying where it is carried.
    mid = rows(store, date(2019, 3, 1), Scope(roots=frozenset({"630102"})))
    assert [(r[0], r[6]) for r in mid] == [
        ("du-2018-B-002", "2018年度责任清单事项，2018-12-20评议未完成，已列入du-2019-B-001"),
        ("du-2018-B-003", "2018年度责任清单事项，2018-12-20评议未完成，已列入du-2019-B-002"),
    ]
    # 2019 closes: 阵地 done this time, 发展党员 not again: one gap, the 2019 duty's.
    close_year(store, 2019, "dl-2019-B", {"du-2019-B-001": 100, "du-2019-B-002": 50})
    end = rows(store, date(2019, 12, 31), Scope(roots=frozenset({"630102"})))
    assert end == [
        (
            "du-2019-B-002",
            "（上年未完成）发展党员2名",
            "B",
            2019,
            date(2019, 12, 20),
            ("B-m1",),
            "2019年度责任清单事项，2019-12-20评议未完成",
        )
    ]
    # 2020 carries it once more, with one mark; Q's 2018 duty (no 2019 list) comes back
    # through its gap, marked with its year, to Q's list and not to the district's.
    open_year(store, 2020, "630100", date(2020, 1, 10), actor=ADMIN)
    opened = date(2020, 1, 10)
    undone = [
        (d.organization, d.carried_from, d.text)
        for x in ("dl-2020-B", "dl-2020-Q", "dl-2020-630103", "dl-2020-630102", "dl-2020-630100")
        for d in duty_list(store, x, opened, ALL).duties
        if d.kind == "duty_undone"
    ]
    assert undone == [
        ("B", "du-2019-B-002", "（上年未完成）发展党员2名"),
        ("Q", "du-2018-Q-001", "（2018年度未完成）修缮活动室"),
    ]
    assert [r[0] for r in rows(store, opened)] == ["du-2018-Q-001", "du-2019-B-002"]


@pytest.mark.parametrize("scope", [ALL, Scope(roots=frozenset({"630103"}))])
def test_a_year_not_graded_leaves_no_gap(store: GraphStore, scope: Scope) -> None:
    build(store)
    open_year(
        store,
        2018,
        "Q",
        date(2018, 1, 10),
        actor=ADMIN,
        hand=[HandDuty(organization="Q", text="x")],
    )
    assert rows(store, date(2018, 12, 31), scope) == []


def test_the_printed_list_shows_an_undone_duty_once(store: GraphStore) -> None:
    """B-m1's printed 2019 list: the gap row of each undone duty carries the stages of the
    kept duty carrying it; no row of its own for the kept duty."""
    year_2018(store)
    open_year(store, 2019, "630102", date(2019, 1, 10), actor=ADMIN)
    commit(
        store,
        "du-2019-B-001",
        date(2019, 2, 1),
        actor=ADMIN,
        commitment="年内建成",
        target="1处",
        due=date(2019, 10, 1),
    )
    params = {"year": "2019", "as_of": "2019-03-01"}
    content, _, _ = render_export("responsibility-list", store, params, ALL, "csv")
    printed = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    assert [
        (r["职责类别"], r["对象"], r["年初话"])
        for r in printed
        if r["人员编号"] == "B-m1" and r["职责类别"] != "书记职责"
    ] == [
        ("覆盖缺口", "建好村级阵地（du-2018-B-002）", "年内建成；目标1处；2019-10-01前"),
        ("覆盖缺口", "发展党员2名（du-2018-B-003）", ""),
    ]
