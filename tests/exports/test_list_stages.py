"""The printed list's three columns (年初话、年中看、年末评) filled from the year's kept lists.

The small graph of tests/analysis/test_cycle.py, its 2019 lists opened on 2019-01-10. Worked
out by hand at 2019-06-30:

- T (东关街道党工委) commits on 2019-02-15 to the contact duty (OK党支部) and to the weak
  branch's turnaround (某村党支部); the district looks at the first on 2019-06-20 (50%). Their
  printed contact row for OK carries both texts; the case of 某村党支部 is nobody's to turn
  around (no responsible leader), so the kept duty follows as a row of its own (年度清单), as
  does the duty entered by hand, which T has not committed to (three blank columns).
- W-m1's two kept duties are the gaps of W that the printed list derives for W-m1 anyway
  (no contact leader, too few members): they fill those rows (blank: no step yet), and no
  row of its own is added.
- Without an opened year, the columns stay blank and the note says to fill them in.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from orggraph.analysis.cycle_steps import commit, observe
from orggraph.exports.render import render_export
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.analysis.test_cycle import DISTRICT, T, build, opened

PARAMS = {"year": "2019", "as_of": "2019-06-30"}


def rows(store: GraphStore) -> list[dict[str, str]]:
    content, _, _ = render_export("responsibility-list", store, PARAMS, Scope(), "csv")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def stages(row: dict[str, str]) -> tuple[str, str, str, str]:
    return (row["职责类别"], row["年初话"], row["年中看"], row["年末评"])


def test_the_three_columns_come_from_the_kept_lists(store: GraphStore) -> None:
    opened(store)
    account_store(store).add("t", "analyst", roots=frozenset({"T1"}))
    account_store(store).link_member("t", "T")
    for duty, what, target in (("001", "每季度指导一次", "4次"), ("002", "年内转化", "验收通过")):
        commit(
            store,
            f"du-2019-T1-{duty}",
            date(2019, 2, 15),
            actor=T,
            commitment=what,
            target=target,
            due=date(2019, 12, 15),
        )
    observe(
        store,
        "du-2019-T1-001",
        date(2019, 6, 20),
        actor=DISTRICT,
        progress=50,
        evidence="已指导2次",
    )

    printed = rows(store)
    t_rows = [r for r in printed if r["人员编号"] == "T"]
    contact = [stages(r) for r in t_rows if r["对象"] == "OK党支部（OK）"]
    assert contact == [
        ("支部联点", "每季度指导一次；目标4次；2019-12-15前", "进度50%：已指导2次", "")
    ]
    kept = [(r["职责内容"], r["来源"], *stages(r)) for r in t_rows if r["职责类别"] == "年度清单"]
    assert kept == [
        (
            "抓好软弱涣散的某村党支部整顿转化",
            "年度清单",
            "年度清单",
            "年内转化；目标验收通过；2019-12-15前",
            "",
            "",
        ),
        ("办好新时代讲习所", "年度清单", "年度清单", "", "", ""),
    ]
    w_rows = [r for r in printed if r["人员编号"] == "W-m1"]
    assert [r["职责类别"] for r in w_rows].count("年度清单") == 0
    assert [stages(r) for r in w_rows if r["职责类别"] == "覆盖缺口"] == [
        ("覆盖缺口", "", "", ""),
        ("覆盖缺口", "", "", ""),
    ]


def test_without_an_opened_year_the_columns_stay_blank(store: GraphStore) -> None:
    build(store)
    printed = rows(store)
    assert printed and all(stages(r)[1:] == ("", "", "") for r in printed)
    assert not [r for r in printed if r["职责类别"] == "年度清单"]
