# mypy: disallow-untyped-decorators=False
"""The yearly cycle in GraphQL: lists, the dashboard, and the steps as mutations.

Queries: ``dutyList`` (one list with its duties and history), ``dutyLists`` (a year's
lists in scope, or ``mine``: the signed-in secretary's own), ``cycleDashboard`` (each
area's progress). Mutations: ``openYear``, ``addDuty``, ``handOverList``, ``commitDuty``,
``observeDuty``, ``reportYear``, ``gradeYear``. Who may take each step is the policy's
(``orggraph.store.policy.check_cycle_step``): ``commitDuty`` and ``reportYear`` are the
secretary's own, so they are not behind the editors' gate (``SELF_SERVICE``); the account
is a secretary through the member it is linked to (``AccountStore.member_of``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from orggraph.analysis.config import load_rules
from orggraph.analysis.cycle import (
    CycleActor,
    CycleProgress,
    Duty,
    DutyList,
    cycle_dashboard,
    duty_list,
    duty_lists,
)
from orggraph.analysis.cycle_open import add_duty, hand_over, open_year
from orggraph.analysis.cycle_steps import commit, grade, observe, report
from orggraph.api.context import Info
from orggraph.api.types.analysis import analysis_scope, list_of
from orggraph.api.types.mirror import mirror, mirror_enum, remember
from orggraph.api.types.mutations import UserError, user_errors
from orggraph.errors import ConfigError, OrgGraphError
from orggraph.model import DutyState, Level, ListStage, ReviewGrade
from orggraph.store.accounts import account_store
from orggraph.store.masking import refuse_result
from orggraph.store.scope import Scope

__all__ = ["CYCLE_MUTATIONS", "CYCLE_QUERIES", "SELF_SERVICE"]

#: Mutations a secretary takes on their own list, whatever their role (the policy decides).
SELF_SERVICE = frozenset({"commit_duty", "report_year"})

mirror_enum(ListStage)
mirror_enum(DutyState)
mirror_enum(ReviewGrade)
DutyListType = mirror(DutyList)
DutyType = mirror(Duty)
CycleProgressType = mirror(CycleProgress)


def cycle_actor(info: Info) -> CycleActor:
    """The request's actor as the cycle sees it: with the member its account is linked to."""
    ctx = info.context
    try:
        member = account_store(ctx.store).member_of(ctx.actor.name)
    except ConfigError:  # a store that keeps no accounts: nobody is a secretary
        member = None
    return CycleActor(
        name=ctx.actor.name, role=ctx.actor.role, member=member, scope=ctx.actor.scope
    )


@strawberry.type
class CycleQuery:
    """年初话、年中看、年末评: the lists kept."""

    @strawberry.field(
        graphql_type=DutyListType | None,
        description="年度责任清单 One list with its duties and every step [internal]",
    )
    def duty_list(self, info: Info, id: strawberry.ID, as_of: date | None = None) -> Any:
        refuse_result(DutyList, info.context.actor.clearance)
        ctx = info.context
        when = ctx.as_of(as_of)
        actor = cycle_actor(info)
        scope = actor.scope
        mine = (
            duty_lists(
                ctx.store, _year_of(str(id)), when, Scope(), holder=actor.member, history=False
            )
            if actor.member
            else []
        )
        if any(x.id == str(id) for x in mine):
            scope = Scope()  # a secretary reads their own list wherever their scope
        try:
            found = duty_list(ctx.store, str(id), when, scope)
        except OrgGraphError:
            return None
        return remember(info, when, found)

    @strawberry.field(
        graphql_type=list_of(DutyListType),
        description="年度责任清单 A year's lists in scope (mine: the signed-in secretary's "
        "own, wherever they are) [internal]",
    )
    def duty_lists(
        self,
        info: Info,
        year: int,
        scope: list[strawberry.ID] | None = None,
        mine: bool = False,
        as_of: date | None = None,
    ) -> Any:
        refuse_result(DutyList, info.context.actor.clearance)
        ctx = info.context
        when = ctx.as_of(as_of)
        if mine:
            member = cycle_actor(info).member
            found = (
                duty_lists(ctx.store, year, when, Scope(), holder=member, history=True)
                if member
                else []
            )
        else:
            found = duty_lists(ctx.store, year, when, analysis_scope(ctx, when, scope, None))
        return remember(info, when, found)

    @strawberry.field(
        graphql_type=list_of(CycleProgressType),
        description="责任清单进度 Each district's (or township's) progress through the year's "
        'three stages, then the whole scope (organization "") [internal]',
    )
    def cycle_dashboard(
        self,
        info: Info,
        year: int,
        scope: list[strawberry.ID] | None = None,
        townships: bool = False,
        as_of: date | None = None,
    ) -> Any:
        refuse_result(CycleProgress, info.context.actor.clearance)
        ctx = info.context
        when = ctx.as_of(as_of)
        level = Level.TOWNSHIP if townships else Level.COUNTY
        narrowed = analysis_scope(ctx, when, scope, None)
        return remember(info, when, cycle_dashboard(ctx.store, year, when, narrowed, level=level))


def _year_of(list_ref: str) -> int:
    parts = list_ref.split("-")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0


@strawberry.type(description="年度责任清单写入结果 The list as written, or the errors")
class DutyListPayload:
    duty_list: DutyListType | None  # type: ignore[valid-type]
    errors: list[UserError]


@strawberry.type(description="责任事项写入结果 The duty as written, or the errors")
class DutyPayload:
    duty: DutyType | None  # type: ignore[valid-type]
    errors: list[UserError]


@strawberry.type(description="建立年度责任清单 What opening a year wrote, or the errors")
class OpenYearPayload:
    lists: int
    duties: int
    skipped: int
    errors: list[UserError]


@strawberry.input(description="质询 A question asked at the year-end review, and its answer")
class QuestionInput:
    question: str
    answer: str


def _list_payload(info: Info, on: date, action: Any) -> DutyListPayload:
    try:
        found = action()
    except OrgGraphError as exc:
        return DutyListPayload(duty_list=None, errors=user_errors(exc))
    info.context.loaders.forget()
    return DutyListPayload(duty_list=remember(info, on, found), errors=[])


def _duty_payload(info: Info, on: date, action: Any) -> DutyPayload:
    try:
        found = action()
    except OrgGraphError as exc:
        return DutyPayload(duty=None, errors=user_errors(exc))
    info.context.loaders.forget()
    return DutyPayload(duty=remember(info, on, found), errors=[])


@strawberry.type
class CycleMutation:
    """The steps of the year, each dated (``on``, default today) and attributed."""

    @strawberry.mutation(
        description="建立年度责任清单 Open a year for an organization's subtree: each "
        "organization's list, its duties frozen from the graph that day"
    )
    def open_year(
        self, info: Info, year: int, organization: strawberry.ID, on: date | None = None
    ) -> OpenYearPayload:
        when = info.context.as_of(on)
        try:
            done = open_year(
                info.context.store,
                year,
                str(organization),
                when,
                actor=cycle_actor(info),
                rules=load_rules(info.context.settings.rules),
            )
        except OrgGraphError as exc:
            return OpenYearPayload(lists=0, duties=0, skipped=0, errors=user_errors(exc))
        info.context.loaders.forget()
        return OpenYearPayload(
            lists=done.lists, duties=done.duties, skipped=done.skipped, errors=[]
        )

    @strawberry.mutation(description="增加责任事项 Add a duty by hand to an open list")
    def add_duty(
        self,
        info: Info,
        list_id: strawberry.ID,
        text: str,
        due: date | None = None,
        on: date | None = None,
    ) -> DutyListPayload:
        when = info.context.as_of(on)
        return _list_payload(
            info,
            when,
            lambda: add_duty(
                info.context.store, str(list_id), text, when, actor=cycle_actor(info), due=due
            ),
        )

    @strawberry.mutation(
        description="清单交接 Hand a list to the successor secretary (default: the one in "
        "post that day)"
    )
    def hand_over_list(
        self,
        info: Info,
        list_id: strawberry.ID,
        to: strawberry.ID | None = None,
        on: date | None = None,
    ) -> DutyListPayload:
        when = info.context.as_of(on)
        return _list_payload(
            info,
            when,
            lambda: hand_over(
                info.context.store,
                str(list_id),
                when,
                actor=cycle_actor(info),
                to=None if to is None else str(to),
            ),
        )

    @strawberry.mutation(
        description="年初话 The secretary's commitment to a duty: what, a measurable target, "
        "a due date"
    )
    def commit_duty(
        self,
        info: Info,
        duty: strawberry.ID,
        commitment: str,
        target: str,
        due: date,
        on: date | None = None,
    ) -> DutyPayload:
        when = info.context.as_of(on)
        return _duty_payload(
            info,
            when,
            lambda: commit(
                info.context.store,
                str(duty),
                when,
                actor=cycle_actor(info),
                commitment=commitment,
                target=target,
                due=due,
            ),
        )

    @strawberry.mutation(
        description="年中看 What the superior committee saw of a duty: progress (%) and evidence"
    )
    def observe_duty(
        self,
        info: Info,
        duty: strawberry.ID,
        progress: int,
        evidence: str,
        on: date | None = None,
    ) -> DutyPayload:
        when = info.context.as_of(on)
        return _duty_payload(
            info,
            when,
            lambda: observe(
                info.context.store,
                str(duty),
                when,
                actor=cycle_actor(info),
                progress=progress,
                evidence=evidence,
            ),
        )

    @strawberry.mutation(description="述职 The secretary's year-end report")
    def report_year(
        self, info: Info, list_id: strawberry.ID, text: str, on: date | None = None
    ) -> DutyListPayload:
        when = info.context.as_of(on)
        return _list_payload(
            info,
            when,
            lambda: report(
                info.context.store, str(list_id), when, actor=cycle_actor(info), text=text
            ),
        )

    @strawberry.mutation(
        description="质询评议 The questions and answers, the grade (好/较好/一般/差) and the "
        "score; the grade becomes the organization's 考核等次 of the year"
    )
    def grade_year(
        self,
        info: Info,
        list_id: strawberry.ID,
        grade: ReviewGrade,
        score: float,
        questions: list[QuestionInput] | None = None,
        on: date | None = None,
    ) -> DutyListPayload:
        when = info.context.as_of(on)
        asked = [(q.question, q.answer) for q in questions or ()]
        return _list_payload(
            info,
            when,
            lambda: _grade(info, str(list_id), when, grade, score, asked),
        )


def _grade(
    info: Info, ref: str, on: date, value: ReviewGrade, score: float, asked: list[tuple[str, str]]
) -> DutyList:
    return grade(
        info.context.store,
        ref,
        on,
        actor=cycle_actor(info),
        grade=value,
        score=score,
        questions=asked,
    )


CYCLE_QUERIES = (CycleQuery,)
CYCLE_MUTATIONS = (CycleMutation,)
