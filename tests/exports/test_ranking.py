"""The year-end ranking (评议排名) on the small graph of tests/analysis/test_cycle.py.

Its 2019 lists opened on 2019-01-10 (630102, T1, W, OK). T commits to T1's contact duty
and the district sees it done (100%) in June; in December T1, W and OK report and the
district grades them: OK 好 90, T1 较好 85, W 较好 85; 630102's list is not graded.
Worked out by hand: OK first; T1 and W equal in score and grade share the second place
(T1 before W by id) and the next would be fourth; T1 has 1 of 3 duties done (the contact
one), W 0 of 2, OK 0 of 1; one list not graded, not ranked.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from orggraph.analysis.cycle import year_ranking
from orggraph.analysis.cycle_steps import commit, grade, observe, report
from orggraph.exports.render import render_export
from orggraph.model import ReviewGrade
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.analysis.test_cycle import ADMIN, DISTRICT, T, opened

HEADER = ["名次", "县(区)", "乡镇(街道)", "党组织", "组织编号", "书记", "评议等次", "得分"]
AREA = ["城东区委", "东关街道党工委"]


def year_graded(store: GraphStore) -> None:
    opened(store)
    account_store(store).add("t", "analyst", roots=frozenset({"T1"}))
    account_store(store).link_member("t", "T")
    commit(
        store,
        "du-2019-T1-001",
        date(2019, 2, 15),
        actor=T,
        commitment="每季度指导一次",
        target="4次",
        due=date(2019, 12, 15),
    )
    observe(
        store, "du-2019-T1-001", date(2019, 6, 20), actor=DISTRICT, progress=100, evidence="4次"
    )
    for org, grade_, score in (
        ("OK", ReviewGrade.GOOD, 90),
        ("T1", ReviewGrade.FAIRLY_GOOD, 85),
        ("W", ReviewGrade.FAIRLY_GOOD, 85),
    ):
        report(store, f"dl-2019-{org}", date(2019, 12, 2), actor=ADMIN, text="述职")
        grade(store, f"dl-2019-{org}", date(2019, 12, 3), actor=DISTRICT, grade=grade_, score=score)


def test_ranked_by_score_then_grade_with_shared_places(store: GraphStore) -> None:
    year_graded(store)
    ranked = year_ranking(store, 2019, date(2019, 12, 31), Scope())
    assert [(r.rank, r.list.organization, r.done, r.not_done) for r in ranked] == [
        (1, "OK", 0, 1),
        (2, "T1", 1, 2),
        (2, "W", 0, 2),
    ]
    content, _, name = render_export(
        "ranking", store, {"year": "2019", "as_of": "2019-12-31"}, Scope(), "csv"
    )
    assert name == "评议排名-2019.csv"
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:8] == HEADER
    assert [r[:8] + r[9:] for r in rows[1:]] == [
        ["1", *AREA, "OK党支部", "OK", "OK党员1", "好", "90", "0", "1"],
        ["2", *AREA, "东关街道党工委", "T1", "街道书记", "较好", "85", "1", "2"],
        ["2", *AREA, "某村党支部", "W", "W党员1", "较好", "85", "0", "2"],
    ]
    assert [r[8] for r in rows[1:]] == ["1", "3", "2"]


def test_a_scope_ranks_only_what_it_sees(store: GraphStore) -> None:
    year_graded(store)
    ranked = year_ranking(store, 2019, date(2019, 12, 31), Scope(roots=frozenset({"W"})))
    assert [(r.rank, r.list.organization) for r in ranked] == [(1, "W")]
