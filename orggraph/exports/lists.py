"""The yearly responsibility list (年度抓党建责任清单): per secretary, per subtree, per district.

One row per duty, grouped by secretary (top of the hierarchy first). The duties derived
from the graph at the date:

- 书记职责: each organization the person is secretary of, with how many they answer for;
- 工作组包联: the working groups they lead and the areas each covers;
- 支部联点: their contact links;
- 整顿转化: the open remediation cases they are responsible for, with the deadlines;
- 覆盖缺口: the coverage gaps whose nearest secretary they are, one row each; gaps further
  down their subtree as one oversight row per kind (督导);
- 换届: village/community terms ending between the date and the year's end, assigned like
  gaps;
- 联系服务专家 and 党建指导: the experts they serve, the units they instruct;

then the duties entered by hand (``duties.read_duties``). The three columns 年初话、年中看、
年末评 (年初相约话党建、年中观摩看党建、年末质询评党建) are left blank for writing in, or,
where the year's lists are kept in the graph (``analysis.cycle``), filled from them: the
commitment, the latest observation and the year-end result of the same duty (the same
secretary, kind and subject); the kept duties that match no derived row follow as rows
of their own (年度清单).

Who answers for a gap or a term due is ``analysis.duties`` 's rule; this module lays out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from orggraph.analysis.chain import Responsibilities, responsibilities
from orggraph.analysis.cycle import duty_lists, stage_texts
from orggraph.analysis.duties import TERM_DUE, DutyItem, assign_duties, duty_items, person_scope
from orggraph.analysis.gaps import GAP_LABELS_ZH, GapKind
from orggraph.analysis.weak import RULES
from orggraph.errors import NotFound, Problem, ValidationFailed
from orggraph.exports._common import (
    LEVEL_ORDER,
    ReadCache,
    each,
    names,
    role_label,
    scope_caption,
)
from orggraph.exports.duties import HandDuty
from orggraph.exports.table import Book, Cell, Column, Form, Group, Label, Table, enum_label
from orggraph.model import CaseState, LinkKind, NodeKind, Role
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

__all__ = ["CATEGORIES", "COLUMNS", "STAGES", "responsibility_list"]

#: What ``responsibility_list`` reports to its ``progress`` callback, in order: each
#: secretary's duties read, the gaps and terms due found, each secretary's rows laid out.
STAGES = ("汇总书记职责", "核查覆盖缺口与换届", "排列责任清单")

COLUMNS = (
    Column(key="secretary", zh="书记", en="Secretary", nowrap=True, grouped=True),
    Column(key="person", zh="人员编号", en="Person ID", nowrap=True, grouped=True),
    Column(key="post", zh="职务", en="Post", grouped=True),
    Column(key="category", zh="职责类别", en="Category", nowrap=True),
    Column(key="duty", zh="职责内容", en="Duty", width=48),
    Column(key="target", zh="对象", en="Target"),
    Column(key="deadline", zh="时限", en="Deadline", kind="date", nowrap=True),
    Column(key="source", zh="来源", en="Source", nowrap=True),
    Column(key="year_start", zh="年初话", en="Year start", width=14, hand=True),
    Column(key="mid_year", zh="年中看", en="Mid-year", width=14, hand=True),
    Column(key="year_end", zh="年末评", en="Year end", width=14, hand=True),
)

#: The title block and the signature lines of the printed list.
FORM = Form(
    fields=(Label("填报单位", "Filed by"), Label("填报日期", "Date"), Label("审核人", "Reviewer")),
    signatures=(
        Label("书记签字", "Secretary's signature"),
        Label("上级党组织意见", "Superior's opinion"),
    ),
)

CATEGORIES: dict[str, Label] = {
    "post": Label("书记职责", "secretary"),
    "group": Label("工作组包联", "working group"),
    "contact": Label("支部联点", "contact link"),
    "case": Label("整顿转化", "remediation"),
    "gap": Label("覆盖缺口", "coverage gap"),
    "oversight": Label("督导", "oversight"),
    "term": Label("换届", "term election"),
    "expert": Label("联系服务专家", "expert served"),
    "unit": Label("党建指导", "instructor"),
    "hand": Label("自定职责", "own duty"),
    "kept": Label("年度清单", "kept list"),
}
FROM_GRAPH = Label("图谱", "graph")
KEPT = Label("年度清单", "kept list")
#: A row's duty (kind, subject), by which the kept list's stages find it; never printed.
_KEY = "_duty"
_Kept = dict[str, tuple[str, date | None, tuple[str, str, str]]]


def _duty_key(kind: str, subject: str | None) -> str:
    return f"{kind}\x1f{subject or ''}"


BY_HAND = Label("手工录入", "entered")


def _ref(name: str, node_id: str) -> Label:
    return Label(f"{name}（{node_id}）", f"{name} ({node_id})")


def responsibility_list(
    store: GraphStore,
    *,
    year: int,
    as_of: date,
    scope: Scope,
    person: str | None = None,
    duties: Sequence[HandDuty] = (),
    progress: Progress = silent,
) -> Book:
    """The responsibility lists of ``year`` at ``as_of``: every secretary in ``scope``.

    With ``person``, that one person's list (their gaps counted over the subtrees they are
    secretary of). ``duties`` entered by hand are added to their person's list (a person
    with hand duties but no secretary post gets a list of their own). Raises ``NotFound``
    for a ``person`` outside the scope, ``ValidationFailed`` naming every hand duty whose
    person is unknown or outside the scope. ``progress`` hears ``STAGES`` (per secretary).
    """
    store = ReadCache.over(store)
    view = scope.view(store, as_of)
    if person is not None:
        people = [person]
    else:
        targets = None if view.organizations is None else sorted(view.organizations)
        posts = store.links(LinkKind.HOLDS_POST, as_of, targets=targets)
        people = sorted({p.source for p in posts if p.get("role") == Role.SECRETARY})
    lists: dict[str, Responsibilities] = {
        p: responsibilities(store, p, as_of, scope)
        for p in each(people, progress, STAGES[0], every=64)
    }
    problems: list[Problem] = []
    for duty in duties:
        if duty.person_id in lists or (person is not None and duty.person_id != person):
            continue
        try:
            lists[duty.person_id] = responsibilities(store, duty.person_id, as_of, scope)
        except NotFound:
            problems.append(
                Problem(
                    rule="duties-person",
                    message=f"no member {duty.person_id!r} at {as_of} in the scope",
                    row=duty.row,
                    column="书记",
                    value=duty.person_id,
                )
            )
    if problems:
        raise ValidationFailed(problems)

    item_scope = person_scope(lists[person], scope) if person is not None else scope
    progress(STAGES[1], 0, 1)
    items = duty_items(store, as_of, year, item_scope) if item_scope is not None else []
    progress(STAGES[1], 1, 1)

    org_names = names(
        store,
        NodeKind.ORGANIZATION,
        [
            *(c.organization for r in lists.values() for c in r.cases),
            *(c.partner or "" for r in lists.values() for c in r.cases),
        ],
        as_of,
    )
    levels = {
        n.id: LEVEL_ORDER.get(str(n.get("level")), 9)
        for n in store.nodes(
            NodeKind.ORGANIZATION,
            as_of,
            ids=sorted({p.organization for r in lists.values() for p in r.secretary_of}),
        )
    }

    def order(resp: Responsibilities) -> tuple[int, str, str]:
        tops = sorted((levels.get(p.organization, 9), p.organization) for p in resp.secretary_of)
        return (*tops[0], resp.person) if tops else (99, "", resp.person)

    assigned = assign_duties(items)
    stages = _kept_stages(store, year, as_of, item_scope)

    by_person: dict[str, list[HandDuty]] = defaultdict(list)
    for duty in duties:
        by_person[duty.person_id].append(duty)

    records: list[dict[str, Cell]] = []
    groups: list[Group] = []
    for resp in each(sorted(lists.values(), key=order), progress, STAGES[2], every=64):
        start = len(records)
        rows = _rows(
            resp,
            org_names,
            assigned.direct.get(resp.person, []),
            assigned.oversight.get(resp.person, Counter()),
        )
        _fill_stages(rows, stages.get(resp.person, {}))
        rows += [
            {
                "category": CATEGORIES["hand"],
                "duty": Label.same(d.duty),
                "deadline": d.deadline,
                "source": BY_HAND,
            }
            for d in by_person[resp.person]
        ]
        post = _post_text(resp)
        for row in rows:
            row.setdefault("source", FROM_GRAPH)
            records.append({"secretary": resp.name, "person": resp.person, "post": post, **row})
        groups.append(_section(resp, post, start, len(records)))

    title = Label(f"{year}年度抓党建责任清单", f"{year} party-building responsibility list")
    stages_note = (
        Label(
            "年初话、年中看、年末评：取自年度清单记录（年初承诺、年中观摩、年末评定），"
            "尚未到来的阶段留空，由各书记填写。",
            "Year start, mid-year, year end: from the year's kept lists (commitments, "
            "observations, grades); stages not yet reached are left blank to fill in.",
        )
        if stages
        else Label(
            "年初话、年中看、年末评：年初相约话党建、年中观摩看党建、年末质询评党建，由各书记填写。",
            "Year start, mid-year, year end: the annual cycle's three check-points, "
            "left blank for each secretary to fill in.",
        )
    )
    notes = (
        stages_note,
        Label(
            "覆盖缺口列给最近的在任书记；上级书记按类别列督导项。",
            "Each coverage gap is listed for its nearest serving secretary; the secretaries "
            "above get one oversight row per kind.",
        ),
    )
    table = Table.from_records(
        title=title,
        columns=COLUMNS,
        records=records,
        subtitle=scope_caption(store, scope, as_of),
        notes=notes,
        sheet=Label("责任清单", "Responsibility list"),
        groups=groups,
        form=FORM,
    )
    return Book.of(table)


def _section(resp: Responsibilities, post: Label, start: int, stop: int) -> Group:
    """One secretary's section: name, id, posts, organization and since when."""
    tops = resp.secretary_of or resp.other_posts
    orgs = "、".join(p.name for p in tops)
    since = min((p.since for p in tops), default=None)
    fields: list[tuple[Label, Cell]] = [
        (Label("姓名", "Name"), resp.name),
        (Label("人员编号", "Person ID"), resp.person),
        (Label("职务", "Post"), post),
        (Label("所在党组织", "Organization"), orgs or None),
        (Label("任职时间", "In post since"), since),
    ]
    return Group(
        heading=Label(f"{resp.name}（{resp.person}）", f"{resp.name} ({resp.person})"),
        start=start,
        stop=stop,
        fields=tuple(fields),
    )


def _post_text(resp: Responsibilities) -> Label:
    posts = [*resp.secretary_of, *resp.other_posts]
    zh = "；".join(f"{p.name}{role_label(p.role).zh}" for p in posts)
    en = "; ".join(f"{role_label(p.role).en.capitalize()}, {p.name}" for p in posts)
    return Label(zh, en)


def _reasons(codes: Iterable[str]) -> Label:
    labels = [RULES.get(c, (c, c)) for c in codes]
    return Label("、".join(z for z, _ in labels), ", ".join(e for _, e in labels))


def _rows(
    resp: Responsibilities,
    org_names: dict[str, str],
    direct: list[DutyItem],
    oversight: Counter[str],
) -> list[dict[str, Cell]]:
    rows: list[dict[str, Cell]] = []
    for post in resp.secretary_of:
        rows.append(
            {
                "category": CATEGORIES["post"],
                "duty": Label(
                    f"履行{post.name}书记抓党建第一责任人职责，所辖党组织{post.subtree_size}个",
                    f"First responsible for party building as secretary of {post.name}; "
                    f"answers for {post.subtree_size} organizations",
                ),
                "target": _ref(post.name, post.organization),
            }
        )
    for group in resp.working_groups:
        areas_zh = "、".join(a.name or "" for a in group.areas) or "（无）"
        areas_en = ", ".join(a.name or "" for a in group.areas) or "(none)"
        rows.append(
            {
                "category": CATEGORIES["group"],
                "duty": Label(
                    f"牵头{group.name}，包联{areas_zh}",
                    f"Leads {group.name}, covering {areas_en}",
                ),
                "target": _ref(group.name, group.id),
            }
        )
    for org in resp.contacts:
        name = org.name or ""
        rows.append(
            {
                "category": CATEGORIES["contact"],
                "duty": Label(f"联点{name}，指导抓好党建工作", f"Contact leader of {name}"),
                "target": _ref(name, org.id or ""),
                _KEY: _duty_key("contact", org.id),
            }
        )
    for case in sorted(resp.cases, key=lambda c: (c.deadline or date.max, c.id)):
        name = org_names.get(case.organization, case.organization)
        partner = org_names.get(case.partner, case.partner) if case.partner else None
        state = enum_label(_state(case.state)) or Label.same(case.state)
        reasons = _reasons(case.reasons)
        rows.append(
            {
                "category": CATEGORIES["case"],
                "duty": Label(
                    f"负责{name}整顿转化（{state.zh}；原因：{reasons.zh or '—'}"
                    + (f"；结对：{partner}" if partner else "")
                    + "）",
                    f"Turn {name} around ({state.en}; reasons: {reasons.en or '-'}"
                    + (f"; partner: {partner}" if partner else "")
                    + ")",
                ),
                "target": _ref(name, case.organization),
                "deadline": case.deadline,
                _KEY: _duty_key("weak_branch", case.organization),
            }
        )
    for item in direct:
        rows.append(
            {
                "category": CATEGORIES["term" if item.kind == TERM_DUE else "gap"],
                "duty": _item_duty(item),
                "target": _ref(item.name, item.subject),
                "deadline": item.deadline,
                _KEY: _duty_key(item.kind, item.subject),
            }
        )
    for kind, count in oversight.items():  # in the order the gaps are reported
        kind_label = _kind_label(kind)
        rows.append(
            {
                "category": CATEGORIES["oversight"],
                "duty": Label(
                    f"督导下级解决“{kind_label.zh}”问题{count}项",
                    f"Oversee {count} item(s) below: {kind_label.en}",
                ),
            }
        )
    for expert in resp.experts:
        rows.append(
            {
                "category": CATEGORIES["expert"],
                "duty": Label(f"联系服务专家{expert.name}", f"Serve the expert {expert.name}"),
                "target": _ref(expert.name, expert.id),
            }
        )
    for unit in resp.units:
        rows.append(
            {
                "category": CATEGORIES["unit"],
                "duty": Label(
                    f"担任{unit.name}党建指导员", f"Party-building instructor of {unit.name}"
                ),
                "target": _ref(unit.name, unit.id),
            }
        )
    return rows


def _kept_stages(
    store: GraphStore, year: int, as_of: date, scope: Scope | None
) -> dict[str, _Kept]:
    """The year's kept lists (``analysis.cycle``) by secretary: each duty's
    ``_duty_key`` to its text, due date and three printed columns (none: no year opened)."""
    out: dict[str, _Kept] = {}
    if scope is None:
        return out
    for kept in duty_lists(store, year, as_of, scope):
        if kept.holder is not None:
            mine = out.setdefault(kept.holder, {})
            for duty in kept.duties:
                key = _duty_key(duty.kind, duty.subject)
                mine[key] = (duty.text, duty.due, stage_texts(kept, duty))
    return out


def _fill_stages(rows: list[dict[str, Cell]], kept: _Kept) -> None:
    """The three columns of ``rows`` from ``kept`` (matched by duty), then the kept duties
    no row matched, as rows of their own; the rows' keys are dropped."""
    left = dict(kept)
    for row in rows:
        key = row.pop(_KEY, None)
        found = left.pop(key, None) if isinstance(key, str) else None
        if found is not None:
            row.update(zip(_STAGE_KEYS, found[2], strict=True))
    for text, due, texts in left.values():
        rows.append(
            {
                "category": CATEGORIES["kept"],
                "duty": Label.same(text),
                "deadline": due,
                "source": KEPT,
                **dict(zip(_STAGE_KEYS, texts, strict=True)),
            }
        )


_STAGE_KEYS = ("year_start", "mid_year", "year_end")


def _state(raw: str) -> CaseState | None:
    try:
        return CaseState(raw)
    except ValueError:
        return None


def _kind_label(kind: str) -> Label:
    """What an oversight row counts: a gap kind's label, or 两委换届."""
    if kind == TERM_DUE:
        return Label("两委换届", "term election due")
    gap_kind = GapKind(kind)
    return Label(GAP_LABELS_ZH[gap_kind], gap_kind.value.replace("_", " "))


def _item_duty(item: DutyItem) -> Label:
    """The duty text of a gap or a term due."""
    if item.gap is None:
        ends = item.deadline.isoformat() if item.deadline else ""
        return Label(
            f"组织{item.name}“两委”换届（任期{ends}届满）",
            f"Hold the election of {item.name} (term ends {ends})",
        )
    kind = _kind_label(item.kind)
    detail = f"，{item.gap.detail}" if item.gap.detail else ""
    return Label(f"{kind.zh}：{item.name}{detail}", f"{kind.en}: {item.name}")
