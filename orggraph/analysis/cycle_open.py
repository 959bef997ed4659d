"""Opening a year's responsibility lists (年度责任清单), adding duties, handing lists over.

``open_year`` freezes, for every organization of a subtree, the duties the graph assigns
its secretary on the day (``orggraph.analysis.duties``' rule: the nearest serving
secretary answers), so that later changes in the graph do not rewrite what was agreed:

- ``gap`` / ``term_due``: the coverage gaps (vacancies, no contact leader, too few
  members…) and the terms due this year whose nearest serving secretary is the list's;
- ``contact``: the organizations the secretary is contact leader of (支部联点);
- ``pairing``: the weak organizations the organization is paired with (结对共建);
- ``weak_branch``: the weak organizations directly below with an open remediation case;
- ``carried``: last year's duties of the organization that were not done, and the older
  ones still undone (the ``duty_undone`` gaps), each carried once (kind ``duty_undone``,
  subject and ``carried_from`` the undone duty);
- ``manual``: duties entered by hand (``HandDuty``), then or later (``add_duty``).

A list's secretary (``holder``) is the member holding the secretary post on the day
(``None``: vacant). ``hand_over`` gives a list to the successor, dated.
"""

from __future__ import annotations

__all__ = [
    "STAGES",
    "HandDuty",
    "OpenResult",
    "add_duty",
    "allow",
    "clean",
    "hand_over",
    "hand_over_all",
    "handovers_due",
    "latest",
    "one_step_a_day",
    "open_year",
    "problem",
]

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from orggraph.analysis.config import RulesConfig
from orggraph.analysis.cycle import CycleActor, DutyList, Windows, duty_list, list_id
from orggraph.analysis.duties import TERM_DUE, duty_items, nearest_secretary
from orggraph.analysis.gaps import GAP_LABELS_ZH, GapKind
from orggraph.errors import NotFound, Problem, ValidationFailed
from orggraph.model import (
    CaseState,
    DutyState,
    LinkKind,
    ListStage,
    Node,
    NodeKind,
    Role,
    WriteBatch,
)
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore
from orggraph.store.policy import check_cycle_step, check_write, visible_node
from orggraph.store.scope import Scope

#: What ``open_year`` reports to its ``progress`` callback, in order.
STAGES = ("核查缺口与换届", "汇总书记职责", "写入责任清单")


@dataclass(frozen=True, kw_only=True, slots=True)
class HandDuty:
    """A duty entered by hand for an organization's list: its text and due date."""

    organization: str
    text: str
    due: date | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class OpenResult:
    """What opening a year wrote: lists and duties, and the lists already open."""

    year: int
    on: date
    lists: int
    duties: int
    skipped: int  # lists of the subtree already open for the year


@dataclass(kw_only=True, slots=True)
class _Draft:
    kind: str
    text: str
    source: str = "derived"
    subject: str | None = None
    due: date | None = None
    carried_from: str | None = None


def open_year(
    store: GraphStore,
    year: int,
    root: str,
    on: date,
    *,
    actor: CycleActor,
    windows: Windows | None = None,
    rules: RulesConfig | None = None,
    hand: Sequence[HandDuty] = (),
    progress: Progress = silent,
) -> OpenResult:
    """Open ``year`` on ``on`` for ``root`` and every organization below it (and in the
    actor's scope): one list each, its duties frozen. Lists already open are left as they
    are (``skipped``); ``ValidationFailed`` when every one is, or for a date outside the
    year's opening (``open_from`` to ``commit_by``: ``windows``, else those of ``rules``'
    ``[cycle]`` section) or a hand duty whose organization gets no list. An editor or
    administrator opens (``check_cycle_step``)."""
    wins = windows or Windows.default(year, rules)
    scope = actor.scope
    visible_node(store, scope, root, NodeKind.ORGANIZATION, on, actor=actor.name, action="openYear")
    check_cycle_step(
        store,
        scope,
        actor=actor.name,
        role=actor.role,
        member=actor.member,
        organization=root,
        holder=None,
        step="open",
        on=on,
    )
    problems: list[Problem] = []
    if not wins.open_from <= on <= wins.commit_by:
        problems.append(
            problem(
                "cycle-open-date",
                "on",
                on,
                f"a {year} list opens from {wins.open_from} to {wins.commit_by}",
            )
        )
    view = scope.view(store, on)
    orgs = [o for o in store.subtree(root, on) if view.sees_org(o)]
    existing = store.node_versions([list_id(year, o) for o in orgs])
    todo = [o for o in orgs if o not in {str(n[0].get("organization")) for n in existing.values()}]
    todo_set = set(todo)
    for duty in hand:
        if duty.organization not in todo_set:
            problems.append(
                problem(
                    "cycle-hand-duty",
                    "organization",
                    duty.organization,
                    f"no list of {year} is being opened for it",
                )
            )
    if not todo and not problems:
        problems.append(
            problem(
                "cycle-open-again", "root", root, f"every list of {year} under it is open already"
            )
        )
    if problems:
        raise ValidationFailed(problems)
    drafts = _derive(store, year, on, scope, root, todo_set, progress)
    for duty in hand:
        drafts.setdefault(duty.organization, []).append(
            _Draft(kind="manual", source="manual", text=duty.text, due=duty.due)
        )
    holders = _secretaries(store, on, todo)
    nodes: list[Node] = []
    names = {n.id: n.name for n in store.nodes(NodeKind.ORGANIZATION, on, ids=todo)}
    total = len(todo)
    for done, org in enumerate(todo):
        if done % 256 == 0:
            progress(STAGES[2], done, total)
        lid = list_id(year, org)
        nodes.append(
            Node(
                id=lid,
                kind=NodeKind.DUTY_LIST,
                name=f"{names.get(org, org)}{year}年度抓党建责任清单",
                valid_from=on,
                attrs=clean(
                    organization=org,
                    year=year,
                    stage=ListStage.OPENED.value,
                    holder=holders.get(org),
                    by=actor.name,
                    open_from=wins.open_from,
                    commit_by=wins.commit_by,
                    observe_from=wins.observe_from,
                    observe_to=wins.observe_to,
                    review_from=wins.review_from,
                    review_by=wins.review_by,
                ),
            )
        )
        for i, draft in enumerate(drafts.get(org, []), start=1):
            nodes.append(_duty_node(lid, org, year, i, draft, on, actor.name))
    progress(STAGES[2], total, total)
    batch = WriteBatch(nodes=tuple(nodes), effective=on)
    check_write(store, batch, scope, actor=actor.name, action="openYear")
    store.write(batch, actor=actor.name)
    return OpenResult(
        year=year,
        on=on,
        lists=len(todo),
        duties=len(nodes) - len(todo),
        skipped=len(orgs) - len(todo),
    )


def add_duty(
    store: GraphStore,
    list_ref: str,
    text: str,
    on: date,
    *,
    actor: CycleActor,
    due: date | None = None,
) -> DutyList:
    """Add a duty entered by hand to an open list on ``on`` (by the superior committee)."""
    current = duty_list(store, list_ref, on, actor.scope)
    allow(store, actor, current.organization, current.holder, "addDuty", on)
    if not text.strip():
        raise ValidationFailed([problem("cycle-duty-text", "text", text, "a duty needs a text")])
    if current.stage is not ListStage.OPENED:
        raise ValidationFailed(
            [
                problem(
                    "cycle-stage",
                    "list",
                    list_ref,
                    f"the list is {current.stage.value}; duties are added while it is opened",
                )
            ]
        )
    taken = store.node_versions([d.id for d in current.duties])
    number = len(taken) + 1
    while store.node_versions([_duty_id(current.id, number)]):
        number += 1
    draft = _Draft(kind="manual", source="manual", text=text.strip(), due=due)
    node = _duty_node(current.id, current.organization, current.year, number, draft, on, actor.name)
    batch = WriteBatch(nodes=(node,), effective=on)
    check_write(store, batch, actor.scope, actor=actor.name, action="addDuty")
    store.write(batch, actor=actor.name)
    return duty_list(store, list_ref, on, actor.scope)


def hand_over(
    store: GraphStore,
    list_ref: str,
    on: date,
    *,
    actor: CycleActor,
    to: str | None = None,
) -> DutyList:
    """Hand the list to the successor on ``on``: ``to``, or the member holding the
    organization's secretary post that day. The stage and the duties stay; the new
    version names the predecessor (``handed_from``)."""
    current = duty_list(store, list_ref, on, actor.scope)
    allow(store, actor, current.organization, current.holder, "handOver", on)
    successor = (
        to
        if to is not None
        else _secretaries(store, on, [current.organization]).get(current.organization)
    )
    problems = []
    if successor is None:
        problems.append(
            problem(
                "cycle-handover",
                "to",
                None,
                f"{current.organization!r} has no secretary on {on}; name the successor",
            )
        )
    elif successor == current.holder:
        problems.append(problem("cycle-handover", "to", successor, "already holds the list"))
    else:
        member = store.node(successor, on)
        if member is None or member.kind is not NodeKind.MEMBER:
            problems.append(problem("cycle-handover", "to", successor, f"no member on {on}"))
    if problems:
        raise ValidationFailed(problems)
    node = latest(store, list_ref)
    one_step_a_day(node, on)
    attrs = dict(node.attrs, holder=successor, handed_from=current.holder, by=actor.name)
    new = Node(id=node.id, kind=node.kind, name=node.name, valid_from=on, attrs=clean(**attrs))
    batch = WriteBatch(nodes=(new,), effective=on)
    check_write(store, batch, actor.scope, actor=actor.name, action="handOver")
    store.write(batch, actor=actor.name)
    return duty_list(store, list_ref, on, actor.scope)


def handovers_due(
    store: GraphStore, year: int, root: str, on: date, scope: Scope
) -> list[tuple[Node, str]]:
    """The open lists of ``year`` under ``root`` whose holder is not the secretary in post
    on ``on``, with that successor (lists of a vacant post are left out: nobody to hand
    them to), by list id."""
    view = scope.view(store, on)
    orgs = [o for o in store.subtree(root, on) if view.sees_org(o)]
    lists = [
        n
        for n in store.nodes(NodeKind.DUTY_LIST, on, ids=[list_id(year, o) for o in orgs])
        if n.get("stage") == ListStage.OPENED.value
    ]
    posts = _secretaries(store, on, [str(n.get("organization")) for n in lists])
    due = []
    for node in sorted(lists, key=lambda n: n.id):
        successor = posts.get(str(node.get("organization")))
        if successor is not None and successor != node.get("holder"):
            due.append((node, successor))
    return due


def hand_over_all(store: GraphStore, year: int, root: str, on: date, *, actor: CycleActor) -> int:
    """Hand every list under ``root`` whose secretary changed (``handovers_due``) to the
    successor on ``on``, in one write; how many were handed over."""
    due = handovers_due(store, year, root, on, actor.scope)
    nodes = []
    for node, successor in due:
        organization = str(node.get("organization"))
        allow(store, actor, organization, node.get("holder"), "handOver", on)
        one_step_a_day(latest(store, node.id), on)
        attrs = dict(node.attrs, holder=successor, handed_from=node.get("holder"), by=actor.name)
        nodes.append(
            Node(id=node.id, kind=node.kind, name=node.name, valid_from=on, attrs=clean(**attrs))
        )
    if nodes:
        batch = WriteBatch(nodes=tuple(nodes), effective=on)
        check_write(store, batch, actor.scope, actor=actor.name, action="handOver")
        store.write(batch, actor=actor.name)
    return len(nodes)


# -- deriving the duties ------------------------------------------------------------------


def _derive(
    store: GraphStore,
    year: int,
    on: date,
    scope: Scope,
    root: str,
    todo: set[str],
    progress: Progress,
) -> dict[str, list[_Draft]]:
    out: dict[str, list[_Draft]] = {}

    def add(org: str | None, draft: _Draft) -> None:
        if org is not None and org in todo:
            out.setdefault(org, []).append(draft)

    progress(STAGES[0], 0, 1)
    # Undone duties come back once each: last year's to their own organization's list
    # (``carried``), older ones and those of an organization with no list opening now
    # through their gap (``duty_undone``), none that a list carries already.
    duties = store.nodes(NodeKind.DUTY, on)
    carried = {str(d.get("carried_from")) for d in duties if d.get("carried_from")}
    last = [
        d
        for d in duties
        if d.get("year") == year - 1
        and d.get("organization") in todo
        and d.get("state") == DutyState.NOT_DONE.value
        and d.id not in carried
    ]
    carried.update(d.id for d in last)
    below = Scope(roots=frozenset({root}), sectors=scope.sectors)
    for item in duty_items(store, on, year, below):
        owner = nearest_secretary(item.owners)
        if owner is None:
            continue
        if item.kind == GapKind.DUTY_UNDONE:
            if item.subject not in carried and item.gap is not None:
                add(owner.organization, _carried(item.subject, item.name, item.gap.year))
            continue
        if item.kind == TERM_DUE:
            text = f"组织{item.name}两委换届（届满 {item.deadline}）"
        else:
            text = f"解决{GAP_LABELS_ZH[GapKind(item.kind)]}：{item.name}"
        add(
            owner.organization,
            _Draft(kind=item.kind, text=text, subject=item.subject, due=item.deadline),
        )
    progress(STAGES[0], 1, 1)
    orgs = sorted(todo)
    names = {n.id: n.name for n in store.nodes(NodeKind.ORGANIZATION, on)} if orgs else {}
    holders = _secretaries(store, on, orgs)
    org_of_holder: dict[str, list[str]] = {}
    for org, member in holders.items():
        org_of_holder.setdefault(member, []).append(org)
    progress(STAGES[1], 0, 3)
    for link in store.links(LinkKind.CONTACTS, on, sources=sorted(org_of_holder)):
        for org in org_of_holder[link.source]:
            name = names.get(link.target, link.target)
            add(
                org,
                _Draft(kind="contact", text=f"联点{name}，指导抓好党建工作", subject=link.target),
            )
    for link in store.links(LinkKind.PAIRED_WITH, on, sources=orgs):
        name = names.get(link.target, link.target)
        add(
            link.source,
            _Draft(kind="pairing", text=f"与{name}结对共建，帮助整顿提升", subject=link.target),
        )
    progress(STAGES[1], 1, 3)
    cases = [
        c
        for c in store.nodes(NodeKind.CASE, on)
        if c.get("state") != CaseState.CONVERTED.value and c.get("organization") in names
    ]
    for case in sorted(cases, key=lambda c: c.id):
        weak = str(case.get("organization"))
        parent = store.parent(weak, on)
        deadline = case.get("deadline")
        add(
            parent,
            _Draft(
                kind="weak_branch",
                text=f"抓好软弱涣散的{names.get(weak, weak)}整顿转化",
                subject=weak,
                due=deadline if isinstance(deadline, date) else None,
            ),
        )
    progress(STAGES[1], 2, 3)
    for duty in sorted(last, key=lambda d: d.id):
        add(str(duty.get("organization")), _carried(duty.id, str(duty.get("text")), None))
    progress(STAGES[1], 3, 3)
    return out


#: The mark of a carried duty's text, left off when it is carried again (one mark).
_CARRIED = re.compile(r"^（[^）]*未完成）")


def _carried(duty: str, text: str, year: int | None) -> _Draft:
    """A duty not done, carried (the kind and subject of its gap, so that the printed list
    finds its row by them): from last year (``year`` ``None``) or an older one."""
    when = "上年" if year is None else f"{year}年度"
    return _Draft(
        kind=GapKind.DUTY_UNDONE.value,
        source="carried",
        text=f"（{when}未完成）{_CARRIED.sub('', text)}",
        subject=duty,
        carried_from=duty,
    )


def _secretaries(store: GraphStore, on: date, orgs: Iterable[str]) -> dict[str, str]:
    """The member holding each organization's secretary post on ``on`` (the lowest id
    when the data holds two)."""
    wanted = sorted(set(orgs))
    out: dict[str, str] = {}
    if not wanted:
        return out
    for link in sorted(
        store.links(LinkKind.HOLDS_POST, on, targets=wanted), key=lambda x: x.source
    ):
        if link.get("role") == Role.SECRETARY.value:
            out.setdefault(link.target, link.source)
    return out


def _duty_id(lid: str, number: int) -> str:
    return f"du{lid[2:]}-{number:03d}"


def _duty_node(
    lid: str, org: str, year: int, number: int, draft: _Draft, on: date, by: str
) -> Node:
    return Node(
        id=_duty_id(lid, number),
        kind=NodeKind.DUTY,
        name=draft.text[:60],
        valid_from=on,
        attrs=clean(
            list=lid,
            organization=org,
            year=year,
            state=DutyState.LISTED.value,
            source=draft.source,
            duty_kind=draft.kind,
            subject=draft.subject,
            text=draft.text,
            due=draft.due,
            carried_from=draft.carried_from,
            by=by,
        ),
    )


def clean(**attrs: Any) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None}


def allow(
    store: GraphStore,
    actor: CycleActor,
    organization: str,
    holder: str | None,
    step: str,
    on: date,
) -> None:
    """Refuse ``step`` on ``organization`` 's list unless the policy lets ``actor`` take it
    (``orggraph.store.policy.check_cycle_step``)."""
    check_cycle_step(
        store,
        actor.scope,
        actor=actor.name,
        role=actor.role,
        member=actor.member,
        organization=organization,
        holder=holder,
        step=step,
        on=on,
    )


def latest(store: GraphStore, node_id: str) -> Node:
    """The latest version of a list or duty (its current state, whatever the date)."""
    versions = store.node_versions([node_id]).get(node_id, [])
    if not versions:
        raise NotFound(f"no list or duty {node_id!r}")
    return max(versions, key=lambda v: v.valid_from)


def one_step_a_day(node: Node, on: date) -> None:
    """A step dated on or before the node's last one is refused (a version a day)."""
    if on <= node.valid_from:
        raise ValidationFailed(
            [
                problem(
                    "cycle-step-order",
                    "on",
                    on,
                    f"{node.id!r} took its last step on {node.valid_from}; "
                    "a new step must be dated after it",
                )
            ]
        )


def problem(rule: str, column: str, value: object, message: str) -> Problem:
    return Problem(
        rule=rule,
        column=column,
        value=None if value is None else str(value),
        message=f"{column}: {message}",
    )
