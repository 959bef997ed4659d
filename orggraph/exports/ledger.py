"""The remediation ledger (软弱涣散基层党组织整顿台账): every weak branch and case in scope.

One row per remediation case in scope at the date (``remediation_cases``), and one per
weak branch (``weak_branches``) that has no case yet (state 未立案). Converted cases stay on
the ledger with their struck-off date (销号日期: the day the case moved to ``converted``),
except those struck off before ``since`` (default: the first day of the year), so a
year's ledger shows what was open at any time in the year. Sorted by district, then
organization, then case. A responsible leader or partner outside the scope is shown as
hidden (``(范围外)`` / ``(outside scope)``), never by name: the shape GraphQL gives as
``null``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from orggraph.analysis.remediation import Case, remediation_cases
from orggraph.analysis.weak import RULES, WeakBranch, weak_branches
from orggraph.exports._common import (
    AREA_BLANKS,
    AREAS,
    area_of,
    district_of,
    each,
    hidden_label,
    names,
    run_groups,
    scope_caption,
)
from orggraph.exports.table import Book, Cell, Column, Form, Label, Table, enum_label
from orggraph.model import CaseState, Level, NodeKind, Sector
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore
from orggraph.store.masking import hide_unseen
from orggraph.store.scope import Scope

__all__ = ["COLUMNS", "NO_CASE", "STAGES", "remediation_ledger"]

#: What ``remediation_ledger`` reports, in order: the cases and weak branches found (two
#: analyses), then each entry laid out.
STAGES = ("核查整顿案例与软弱涣散", "排列整顿台账")

COLUMNS = (
    Column(key="district", zh="县(区)", en="District", nowrap=True, grouped=True),
    Column(key="organization", zh="党组织", en="Organization"),
    Column(key="org_id", zh="组织编号", en="Org ID", nowrap=True),
    Column(key="sector", zh="领域", en="Sector"),
    Column(key="reasons", zh="软弱涣散原因", en="Reasons"),
    Column(key="findings", zh="认定依据", en="Findings", width=40),
    Column(key="responsible", zh="责任领导", en="Responsible leader"),
    Column(key="partner", zh="结对党组织", en="Partner"),
    Column(key="deadline", zh="整顿期限", en="Deadline", kind="date", nowrap=True),
    Column(key="state", zh="状态", en="State", nowrap=True),
    Column(key="days_overdue", zh="逾期天数", en="Days overdue", kind="int"),
    Column(key="struck_off", zh="销号日期", en="Struck off", kind="date", nowrap=True),
    Column(key="case", zh="案例编号", en="Case ID", nowrap=True),
)

#: The title block of the printed ledger.
FORM = Form(
    fields=(Label("填报单位", "Filed by"), Label("填报日期", "Date"), Label("审核人", "Reviewer"))
)

NO_CASE = Label("未立案", "no case")


@dataclass(frozen=True, kw_only=True, slots=True)
class _Entry:
    org_id: str
    case: Case | None
    weak: WeakBranch | None


def _reasons(codes: tuple[str, ...]) -> Label:
    labels = [RULES.get(c, (c, c)) for c in codes]
    return Label("、".join(z for z, _ in labels), ", ".join(e for _, e in labels))


def _ref(shown: str | None, given: str | None, known: dict[str, str]) -> Cell:
    """A case's person or partner: its name, the hidden shape when the scope does not see
    it (``shown`` is ``None`` while the case names one), or empty when it names none."""
    if given is None:
        return None
    if shown is None:
        return hidden_label()
    return known.get(shown, shown)


def _struck_off(case: Case) -> date | None:
    return next((s.on for s in case.steps if s.state is CaseState.CONVERTED), None)


def remediation_ledger(
    store: GraphStore,
    *,
    year: int,
    as_of: date,
    scope: Scope,
    since: date | None = None,
    progress: Progress = silent,
) -> Book:
    """The remediation ledger of ``scope`` at ``as_of``; see the module docstring.
    ``progress`` hears ``STAGES``."""
    since = since or date(year, 1, 1)
    progress(STAGES[0], 0, 2)
    cases = [
        c
        for c in remediation_cases(store, as_of, scope)
        if not ((off := _struck_off(c)) is not None and off < since)
    ]
    # A responsible leader or partner outside the scope is hidden: one shape everywhere.
    shown_cases = {c.id: c for c in hide_unseen(cases, scope.view(store, as_of))}
    progress(STAGES[0], 1, 2)
    weak = {w.organization.id: w for w in weak_branches(store, as_of, scope)}
    progress(STAGES[0], 2, 2)
    entries = [_Entry(org_id=c.organization, case=c, weak=weak.get(c.organization)) for c in cases]
    with_case = {c.organization for c in cases}
    entries += [_Entry(org_id=o, case=None, weak=w) for o, w in weak.items() if o not in with_case]
    org_ids = {e.org_id for e in entries}
    partners = {e.case.partner for e in entries if e.case and e.case.partner}
    orgs = {
        n.id: n for n in store.nodes(NodeKind.ORGANIZATION, as_of, ids=sorted(org_ids | partners))
    }
    districts = district_of(store, sorted(org_ids & set(orgs)), as_of)
    townships = area_of(store, sorted(org_ids & set(orgs)), as_of, Level.TOWNSHIP)
    district_names = names(
        store,
        NodeKind.ORGANIZATION,
        (d or "" for d in [*districts.values(), *townships.values()]),
        as_of,
    )
    people = names(
        store, NodeKind.MEMBER, (c.responsible or "" for c in shown_cases.values()), as_of
    )
    partner_names = {p: orgs[p].name for p in partners if p in orgs}

    def sort_key(e: _Entry) -> tuple[str, str, str, str]:
        district, township = districts.get(e.org_id), townships.get(e.org_id)
        return (district or "~", township or "", e.org_id, e.case.id if e.case else "")

    records: list[dict[str, Cell]] = []
    areas: list[dict[str, Any]] = []
    for entry in each(sorted(entries, key=sort_key), progress, STAGES[1]):
        org = orgs.get(entry.org_id)
        case, weak_branch = entry.case, entry.weak
        district = districts.get(entry.org_id)
        sector = org.get("sector") if org is not None else None
        codes = (
            case.reasons if case and case.reasons else (weak_branch.rules if weak_branch else ())
        )
        record: dict[str, Cell] = {
            "district": district_names.get(district, district) if district else None,
            "organization": org.name
            if org is not None
            else (case.organization_name if case else None),
            "org_id": entry.org_id,
            "sector": enum_label(Sector(sector)) if sector in set(Sector) else None,
            "reasons": _reasons(codes),
            "findings": Label.same("；".join(f.detail or f.label for f in weak_branch.failures))
            if weak_branch
            else None,
            "state": NO_CASE,
        }
        if case is not None:
            shown = shown_cases[case.id]
            record |= {
                "responsible": _ref(shown.responsible, case.responsible, people),
                "partner": _ref(shown.partner, case.partner, partner_names),
                "deadline": case.deadline,
                "state": enum_label(case.state),
                "days_overdue": case.days_overdue or None,
                "struck_off": _struck_off(case),
                "case": case.id,
            }
        township = townships.get(entry.org_id)
        areas.append(
            {
                "district": record["district"],
                "township": district_names.get(township, township) if township else None,
                "open": entry.case is None or entry.case.state is not CaseState.CONVERTED,
            }
        )
        records.append(record)

    open_count = sum(
        1 for e in entries if e.case is None or e.case.state is not CaseState.CONVERTED
    )
    notes = (
        Label(
            f"共{len(entries)}条；未销号{open_count}条。认定依据为截至统计日仍未达标的规则。",
            f"{len(entries)} entries, {open_count} not struck off. Findings: the rules the "
            "organization still fails at the date.",
        ),
    )
    table = Table.from_records(
        title=Label(
            f"{year}年软弱涣散基层党组织整顿台账", f"{year} remediation ledger of weak branches"
        ),
        columns=COLUMNS,
        records=records,
        subtitle=scope_caption(store, scope, as_of),
        notes=notes,
        sheet=Label("整顿台账", "Ledger"),
        groups=run_groups(
            areas,
            AREAS,
            _subtotal,
            blanks=AREA_BLANKS,
        ),
        form=FORM,
    )
    return Book.of(table)


def _subtotal(name: Label, rows: Sequence[dict[str, Any]]) -> Label:
    """``城东区委小计：12 条，未销号 9 条``."""
    total, still = len(rows), sum(1 for r in rows if r["open"])
    return Label(
        f"{name.zh}小计：{total} 条，未销号 {still} 条",
        f"Subtotal, {name.en}: {total} entries, {still} not struck off",
    )
