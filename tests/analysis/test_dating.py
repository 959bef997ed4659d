"""The data's date (数据截至): defaults, notices and the yearly facts' year, by hand.

The graph: ``tests.analysis.test_weak``'s skeleton (everything from 2010-01-01) with one
branch ``w1`` under 东关街道 from 2010-01-01, whose secretary leaves on 2016-03-01 (the
latest date of any version), graded 差 (poor) in 2013 and 2015 only. So the data reaches
2016-03-01, and the facts' years are 2013 and 2015.
"""

from __future__ import annotations

from datetime import date

import pytest

from orggraph.analysis.dating import (
    DEFAULTED,
    OLDER_FACTS,
    PAST_DATA,
    Dating,
    Notice,
    data_date,
    default_as_of,
    latest_facts_year,
)
from orggraph.analysis.weak import facts_year, weak_branches
from orggraph.model import LinkKind, WriteBatch, link_id
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.analysis.test_weak import EAST, build
from tests.graphs import fact, staffed_branch

REACHED = date(2016, 3, 1)


@pytest.fixture
def graded(store: GraphStore) -> GraphStore:
    post = link_id(LinkKind.HOLDS_POST, "w1-m1", "w1", "secretary")
    build(
        store,
        staffed_branch("w1", EAST),
        WriteBatch(end_links=((post, REACHED),)),
        WriteBatch(
            facts=(
                fact("w1", 2013, "assessment_grade", "poor"),
                fact("w1", 2015, "assessment_grade", "poor"),
            )
        ),
    )
    return store


def test_the_default_date_is_today_until_today_is_past_the_data(graded: GraphStore) -> None:
    assert data_date(graded) == REACHED
    assert default_as_of(graded, date(2026, 12, 6)) == REACHED
    assert default_as_of(graded, date(2016, 2, 29)) == date(2016, 2, 29)
    assert default_as_of(graded, REACHED) == REACHED


def test_an_empty_store_answers_at_today(store: GraphStore) -> None:
    assert default_as_of(store, date(2026, 12, 6)) == date(2026, 12, 6)
    dating = Dating(store, date(2026, 12, 6))
    assert dating.as_of(None) == date(2026, 12, 6)
    assert dating.as_of(date(2030, 1, 1)) == date(2030, 1, 1)
    assert dating.notices == []


def test_the_notices_of_one_answer(graded: GraphStore) -> None:
    dating = Dating(graded, date(2026, 12, 6))
    assert dating.as_of(None) == REACHED
    assert dating.as_of(date(2015, 6, 30)) == date(2015, 6, 30)  # within the data: nothing
    assert dating.as_of(date(2026, 12, 6)) == date(2026, 12, 6)
    assert dating.as_of(None) == REACHED  # the same notice is said once
    assert dating.notices == [
        Notice(code=DEFAULTED, data_date=REACHED, asked=REACHED),
        Notice(code=PAST_DATA, data_date=REACHED, asked=date(2026, 12, 6)),
    ]
    assert dating.notices[1].text == (
        "数据截至 2016-03-01：所问日期 2026-12-06 晚于数据 "
        "(data as of 2016-03-01: the date asked, 2026-12-06, is past the data)"
    )


def test_today_within_the_data_says_nothing(graded: GraphStore) -> None:
    dating = Dating(graded, date(2016, 1, 15))
    assert dating.as_of(None) == date(2016, 1, 15)
    assert dating.notices == []


def test_a_year_without_facts_reads_the_latest_earlier_one(graded: GraphStore) -> None:
    assert [latest_facts_year(graded, y) for y in (2012, 2013, 2014, 2015, 2016, 2025)] == [
        2012,  # nothing earlier: no data is no data
        2013,
        2013,
        2015,
        2015,
        2015,
    ]
    dating = Dating(graded, date(2026, 12, 6))
    assert dating.facts_year(2015) == 2015
    assert dating.notices == []
    assert dating.facts_year(2025) == 2015
    assert dating.notices == [
        Notice(code=OLDER_FACTS, data_date=REACHED, year_wanted=2025, year_used=2015)
    ]
    assert dating.notices[0].zh == "数据截至 2016-03-01：2025 年无年度数据，按 2015 年度数据"


def test_the_weak_rules_read_the_latest_year_with_facts(graded: GraphStore) -> None:
    # Asked at 2014-06-30 the facts of 2013 count (差): weak; at 2015-06-30 those of 2014,
    # which has none: the latest earlier year's, 2013 (差) again.
    assert facts_year(date(2015, 6, 30)) == 2014
    assert facts_year(date(2015, 6, 30), graded) == 2013
    found = weak_branches(graded, date(2015, 6, 30), Scope())
    assert [(w.organization.id, w.facts_year, w.rules) for w in found] == [
        ("w1", 2013, ("poor_assessment",))
    ]
    # Asked at 2026-12-06 (past the data) 2025 is wanted: the facts of 2015 (差) count,
    # and the secretary has been vacant since 2016-03-01, 129 whole months.
    found = weak_branches(graded, date(2026, 12, 6), Scope())
    assert [(w.facts_year, w.rules) for w in found] == [
        (2015, ("secretary_vacant", "poor_assessment"))
    ]
    assert "空缺129个月" in str(found[0].failures[0].detail)
