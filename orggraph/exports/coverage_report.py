"""The coverage report (两新组织党组织覆盖情况): rates by district and sector, and the gaps.

Two sheets:

1. **覆盖率**: for each district, each township's rows, one per kind of two-new unit
   (非公企业、社会组织) and its subtotal (小计); then the district's rows by kind and its
   total (县(区)合计); at the end the totals. Each row: operating units (the denominator),
   units with their own organization, with a joint one, both together (the numerator,
   组织覆盖), the rate, units reached only by an instructor (工作覆盖) and units not reached
   at all. Printed documents show one section per district. With ``since``,
   the same denominator, numerator and rate at that date and the change in percentage
   points (the seed reports 6.3% in 2014 → 87.98%).
2. **未覆盖单位**: every operating unit without an organization, how it should be closed
   (own organization or joint, from its full members) and the nearest serving secretary who
   answers for it (``analysis.duties.nearest_secretary``).

Statuses and the rate's definition are ``analysis.coverage`` 's; this module only counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from orggraph.analysis.coverage import UnitCoverage, unit_coverage
from orggraph.analysis.duties import nearest_secretary
from orggraph.analysis.gaps import GapKind, coverage_gaps
from orggraph.analysis.places import UnitAreas, unit_areas
from orggraph.exports._common import AREA_BLANKS, AREAS, each, names, run_groups, scope_caption
from orggraph.exports.table import Book, Cell, Column, Group, Label, Table, enum_label
from orggraph.model import NodeKind, UnitKind
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

__all__ = ["RATE_COLUMNS", "SINCE_COLUMNS", "STAGES", "UNIT_COLUMNS", "coverage_report"]

#: What ``coverage_report`` reports, in order: each unit's coverage at the date (and at
#: ``since``), the rates per district, then the uncovered units' gaps.
STAGES = ("统计两新组织覆盖", "汇总各县区覆盖率", "列出未覆盖单位")

RATE_COLUMNS = (
    Column(key="district", zh="县(区)", en="District", nowrap=True, grouped=True),
    Column(key="township", zh="乡镇(街道)", en="Township", nowrap=True),
    Column(key="kind", zh="类别", en="Kind", nowrap=True),
    Column(key="units", zh="在营单位数", en="Operating units", kind="int"),
    Column(key="own", zh="单独组建", en="Own organization", kind="int"),
    Column(key="joint", zh="联合组建", en="Joint organization", kind="int"),
    Column(key="organized", zh="组织覆盖数", en="Organized", kind="int"),
    Column(key="rate", zh="覆盖率", en="Coverage rate", kind="percent"),
    Column(key="work", zh="仅工作覆盖", en="Instructor only", kind="int"),
    Column(key="none", zh="未覆盖", en="Not reached", kind="int"),
)
SINCE_COLUMNS = (
    Column(key="units_then", zh="基期单位数", en="Units then", kind="int"),
    Column(key="organized_then", zh="基期覆盖数", en="Organized then", kind="int"),
    Column(key="rate_then", zh="基期覆盖率", en="Rate then", kind="percent"),
    Column(key="change", zh="变化(百分点)", en="Change (points)", kind="number"),
)
UNIT_COLUMNS = (
    Column(key="district", zh="县(区)", en="District", nowrap=True, grouped=True),
    Column(key="township", zh="乡镇(街道)", en="Township", nowrap=True, grouped=True),
    Column(key="unit", zh="单位名称", en="Unit"),
    Column(key="unit_id", zh="单位编号", en="Unit ID", nowrap=True),
    Column(key="kind", zh="类别", en="Kind"),
    Column(key="status", zh="覆盖状态", en="Status"),
    Column(key="full_members", zh="正式党员数", en="Full members", kind="int"),
    Column(key="remedy", zh="组建方式建议", en="Suggested"),
    Column(key="owner", zh="负责书记", en="Secretary responsible", nowrap=True),
    Column(key="owner_org", zh="所在党组织", en="Of"),
)

STATUS = {
    "work": Label("仅工作覆盖", "instructor only"),
    "none": Label("未覆盖", "not reached"),
}
REMEDY = {"own": Label("单独组建", "own"), "joint": Label("联合组建", "joint")}
SUBTOTAL = Label("小计", "subtotal")
TOTAL = Label("合计", "total")
DISTRICT_TOTAL = Label("县(区)合计", "district total")
DIRECT = Label("（县区直属）", "(directly under)")
UNMARKED = Label("（未标注）", "(not recorded)")

_Key = tuple[str, str, str]  # (district code, township code, unit kind)


def _count(
    coverage: Iterable[UnitCoverage], areas: Mapping[str, UnitAreas]
) -> dict[_Key, Counter[str]]:
    """Counts by (district, township, kind): the areas above each unit's place (``areas``)."""
    out: dict[_Key, Counter[str]] = {}
    for cov in coverage:
        unit = cov.unit
        area = areas.get(unit.id)
        key = (
            (area.district if area else None) or "",
            (area.township if area else None) or "",
            str(unit.get("unit_kind") or ""),
        )
        counts = out.setdefault(key, Counter())
        counts["units"] += 1
        counts[cov.status] += 1
        counts["organized"] += cov.organized
    return out


def _figures(counts: Counter[str], then: Counter[str] | None) -> dict[str, Cell]:
    units, organized = counts["units"], counts["organized"]
    rate = organized / units if units else None
    row: dict[str, Cell] = {
        "units": units,
        "own": counts["own"],
        "joint": counts["joint"],
        "organized": organized,
        "rate": rate,
        "work": counts["work"],
        "none": counts["none"],
    }
    if then is not None:
        units_then, organized_then = then["units"], then["organized"]
        rate_then = organized_then / units_then if units_then else None
        row |= {
            "units_then": units_then,
            "organized_then": organized_then,
            "rate_then": rate_then,
            "change": round((rate - rate_then) * 100, 2)
            if rate is not None and rate_then is not None
            else None,
        }
    return row


def _sum(parts: Iterable[Counter[str]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for part in parts:
        total.update(part)
    return total


def _kind_label(code: str) -> Label:
    try:
        return enum_label(UnitKind(code)) or UNMARKED
    except ValueError:
        return UNMARKED if not code else Label.same(code)


def coverage_report(
    store: GraphStore,
    *,
    as_of: date,
    scope: Scope,
    since: date | None = None,
    progress: Progress = silent,
) -> Book:
    """The coverage report of ``scope`` at ``as_of`` (compared with ``since`` when given).
    ``progress`` hears ``STAGES``."""
    dates = 1 if since is None else 2
    progress(STAGES[0], 0, dates)
    now = unit_coverage(store, as_of, scope)
    placed = unit_areas(store, as_of, now)
    progress(STAGES[0], 1, dates)
    counts = _count(now.values(), placed)
    then_counts = None
    if since is not None:  # grouped by the hierarchy of that date: where the units were then
        then = unit_coverage(store, since, scope)
        then_counts = _count(then.values(), unit_areas(store, since, then))
    progress(STAGES[0], dates, dates)
    keys = sorted(set(counts) | set(then_counts or {}))
    districts = sorted({d for d, _, _ in keys}, key=lambda d: (d == "", d))
    kinds = sorted({k for _, _, k in keys}, key=lambda k: (k == "", k))
    areas = names(store, NodeKind.ORGANIZATION, {a for d, t, _ in keys for a in (d, t)}, as_of)

    def area_label(code: str, blank: Label) -> Label:
        return Label.same(areas.get(code, code)) if code else blank

    def row(
        where: tuple[Label, Label | None, Label], pattern: tuple[str | None, ...]
    ) -> dict[str, Cell]:
        """The figures, now and then, of the keys that ``pattern`` (district, township,
        kind; ``None`` for any) selects."""

        def match(key: _Key) -> bool:
            return all(p is None or p == k for p, k in zip(pattern, key, strict=True))

        now = _sum(c for key, c in counts.items() if match(key))
        then = (
            _sum(c for key, c in then_counts.items() if match(key))
            if then_counts is not None
            else None
        )
        district, township, kind = where
        return {"district": district, "township": township, "kind": kind, **_figures(now, then)}

    records: list[dict[str, Cell]] = []
    groups: list[Group] = []
    for district in each(districts, progress, STAGES[1], every=1):
        start = len(records)
        name = area_label(district, UNMARKED)
        towns = sorted({t for d, t, _ in keys if d == district}, key=lambda t: (t == "", t))
        for town in towns:
            town_name = area_label(town, DIRECT)
            for kind in kinds:
                if any(key[0] == district and key[1:] == (town, kind) for key in keys):
                    records.append(
                        row(
                            (name, town_name, _kind_label(kind)),
                            (district, town, kind),
                        )
                    )
            records.append(row((name, town_name, SUBTOTAL), (district, town, None)))
        for kind in kinds:
            if any(key[0] == district and key[2] == kind for key in keys):
                records.append(
                    row(
                        (name, DISTRICT_TOTAL, _kind_label(kind)),
                        (district, None, kind),
                    )
                )
        records.append(row((name, DISTRICT_TOTAL, TOTAL), (district, None, None)))
        groups.append(_area_group(name, start, len(records)))
    start = len(records)
    for kind in kinds:
        records.append(row((TOTAL, None, _kind_label(kind)), (None, None, kind)))
    records.append(row((TOTAL, None, TOTAL), (None, None, None)))
    groups.append(_area_group(TOTAL, start, len(records)))

    caption = scope_caption(store, scope, as_of)
    if since is not None:
        caption = Label(
            f"{caption.zh}；对比基期 {since.isoformat()}",
            f"{caption.en}; compared with {since.isoformat()}",
        )
    rates = Table.from_records(
        title=Label("两新组织党组织覆盖率", "Party-organization coverage of two-new units"),
        columns=RATE_COLUMNS + (SINCE_COLUMNS if since is not None else ()),
        records=records,
        subtitle=caption,
        notes=(
            Label(
                "覆盖率 =（单独组建 + 联合组建）÷ 在营单位数；仅有党建指导员的单位为工作覆盖，"
                "不计入覆盖率。",
                "Coverage rate = (own + joint organizations) ÷ operating units; units reached "
                "only by a party-building instructor are work coverage, not counted.",
            ),
        ),
        sheet=Label("覆盖率", "Rates"),
        groups=groups,
    )
    progress(STAGES[2], 0, 1)
    uncovered = _uncovered(store, as_of, scope, now, placed, caption)
    progress(STAGES[2], 1, 1)
    return Book(
        title=Label("两新组织党组织覆盖情况", "Coverage of two-new units"),
        tables=(rates, uncovered),
    )


def _area_group(name: Label, start: int, stop: int) -> Group:
    """A district's section of the rates (or the totals'), headed ``县(区)：城东区委``."""
    return Group(
        heading=Label(f"县(区)：{name.zh}", f"District: {name.en}"), start=start, stop=stop
    )


def _uncovered(
    store: GraphStore,
    as_of: date,
    scope: Scope,
    coverage: dict[str, UnitCoverage],
    placed: Mapping[str, UnitAreas],
    caption: Label,
) -> Table:
    gaps = coverage_gaps(store, as_of, scope, kinds=[GapKind.UNIT_WITHOUT_ORGANIZATION])
    here = [placed[g.subject] for g in gaps if g.subject in coverage and g.subject in placed]
    areas = names(
        store,
        NodeKind.ORGANIZATION,
        (code for a in here for code in (a.district, a.township) if code),
        as_of,
    )
    records: list[dict[str, Cell]] = []
    for gap in gaps:
        cov = coverage.get(gap.subject)
        if cov is None:
            continue
        unit = cov.unit
        owner = nearest_secretary(gap.owners)
        area = placed.get(unit.id)
        district = (area.district if area else None) or ""
        township = (area.township if area else None) or ""
        records.append(
            {
                "district": areas.get(district, district) or None,
                "township": areas.get(township, township) or None,
                "unit": unit.name,
                "unit_id": unit.id,
                "kind": _kind_label(str(unit.get("unit_kind") or "")),
                "status": STATUS.get(cov.status, Label.same(cov.status)),
                "full_members": gap.count,
                "remedy": REMEDY.get(gap.remedy or ""),
                "owner": owner.secretary.name if owner and owner.secretary else None,
                "owner_org": owner.name if owner else None,
            }
        )
    records.sort(
        key=lambda r: (str(r["district"] or "~"), str(r["township"] or "~"), str(r["unit_id"]))
    )
    return Table.from_records(
        title=Label("未建立党组织的两新组织", "Two-new units without a party organization"),
        columns=UNIT_COLUMNS,
        records=records,
        subtitle=caption,
        notes=(
            Label(
                "组建方式建议：正式党员3人以上的单独组建，不足3人的联合组建；负责书记为向上"
                "最近的在任书记。",
                "Suggested: own organization with 3 or more full members, else joint; the "
                "secretary responsible is the nearest serving secretary above the unit.",
            ),
        ),
        sheet=Label("未覆盖单位", "Uncovered units"),
        groups=run_groups(
            records,
            AREAS,
            _units_subtotal,
            blanks=AREA_BLANKS,
        ),
    )


def _units_subtotal(name: Label, rows: Sequence[dict[str, Any]]) -> Label:
    """``东关街道党工委小计：3 个单位未建党组织（仅工作覆盖 1 个）``."""
    work = sum(1 for r in rows if r["status"] == STATUS["work"])
    return Label(
        f"{name.zh}小计：{len(rows)} 个单位未建党组织（仅工作覆盖 {work} 个）",
        f"Subtotal, {name.en}: {len(rows)} units without an organization ({work} instructor only)",
    )
