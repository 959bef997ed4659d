"""The year-end ranking (年末述职评议排名): every graded list of the year, best first.

One row per secretary's list graded at the year's end (``analysis.cycle.year_ranking``:
by score, then grade; equal ones share a rank), with the district and township the
organization sits in, the secretary, the grade and score, and how many of the list's
duties were done. Lists not graded yet are counted in a note, not ranked.
"""

from __future__ import annotations

from datetime import date

from orggraph.analysis.cycle import duty_lists, year_ranking
from orggraph.exports._common import area_of, hidden_label, names, scope_caption
from orggraph.exports.table import Book, Cell, Column, Form, Label, Table, enum_label
from orggraph.model import Level, NodeKind
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

__all__ = ["COLUMNS", "STAGES", "year_end_ranking"]

#: What ``year_end_ranking`` reports, in order: the lists ranked, then laid out.
STAGES = ("汇总年末评议", "排列评议排名")

COLUMNS = (
    Column(key="rank", zh="名次", en="Rank", kind="int", nowrap=True),
    Column(key="district", zh="县(区)", en="District", nowrap=True),
    Column(key="township", zh="乡镇(街道)", en="Township", nowrap=True),
    Column(key="organization", zh="党组织", en="Organization"),
    Column(key="org_id", zh="组织编号", en="Org ID", nowrap=True),
    Column(key="secretary", zh="书记", en="Secretary", nowrap=True),
    Column(key="grade", zh="评议等次", en="Grade", nowrap=True),
    Column(key="score", zh="得分", en="Score", kind="number", nowrap=True),
    Column(key="duties", zh="职责数", en="Duties", kind="int"),
    Column(key="done", zh="已完成", en="Done", kind="int"),
    Column(key="not_done", zh="未完成", en="Not done", kind="int"),
)

FORM = Form(
    fields=(Label("填报单位", "Filed by"), Label("填报日期", "Date"), Label("审核人", "Reviewer"))
)


def year_end_ranking(
    store: GraphStore, *, year: int, as_of: date, scope: Scope, progress: Progress = silent
) -> Book:
    """The ranking of ``year``'s graded lists in ``scope`` at ``as_of``; see the module."""
    progress(STAGES[0], 0, 1)
    ranked = year_ranking(store, year, as_of, scope)
    listed = len(duty_lists(store, year, as_of, scope))
    progress(STAGES[0], 1, 1)
    orgs = sorted({r.list.organization for r in ranked})
    districts = area_of(store, orgs, as_of, Level.COUNTY)
    townships = area_of(store, orgs, as_of, Level.TOWNSHIP)
    areas = [*districts.values(), *townships.values()]
    org_names = names(store, NodeKind.ORGANIZATION, [*orgs, *(a or "" for a in areas)], as_of)
    people = names(store, NodeKind.MEMBER, (r.list.holder or "" for r in ranked), as_of)

    def area(code: str | None) -> Cell:
        return org_names.get(code, code) if code else None

    records: list[dict[str, Cell]] = []
    for i, r in enumerate(ranked):
        if i % 256 == 0:
            progress(STAGES[1], i, len(ranked))
        holder = r.list.holder
        org = r.list.organization
        records.append(
            {
                "rank": r.rank,
                "district": area(districts.get(org)),
                "township": area(townships.get(org)),
                "organization": org_names.get(org, r.list.organization_name or org),
                "org_id": org,
                "secretary": people.get(holder, hidden_label()) if holder else None,
                "grade": enum_label(r.list.grade) if r.list.grade else None,
                "score": r.list.score,
                "duties": len(r.list.duties),
                "done": r.done,
                "not_done": r.not_done,
            }
        )
    progress(STAGES[1], len(ranked), len(ranked))
    notes = (
        Label(
            f"已评议{len(ranked)}个，未评议{listed - len(ranked)}个（不排名）。"
            "按得分、再按评议等次排名，得分与等次相同者名次并列。",
            f"{len(ranked)} lists graded, {listed - len(ranked)} not graded (not ranked). "
            "Ranked by score, then grade; equal score and grade share a rank.",
        ),
    )
    table = Table.from_records(
        title=Label(f"{year}年度书记抓党建述职评议排名", f"{year} year-end review ranking"),
        columns=COLUMNS,
        records=records,
        subtitle=scope_caption(store, scope, as_of),
        notes=notes,
        sheet=Label("评议排名", "Ranking"),
        form=FORM,
    )
    return Book.of(table)
