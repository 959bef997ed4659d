"""The writes users make by hand: create, update and end organizations, members, posts, links.

Each mutation builds one ``WriteBatch``, has the write policy check it against the actor's
scope (``orggraph.store.policy.check_write``: every node it creates, changes, ends or
names) and hands it to ``store.write`` with the actor's name, so it is validated exactly
like an import (every broken rule at once, nothing written) and audited. Failures come
back as typed ``errors { code field message }`` in the payload, never as stack traces.
"""

# strawberry's field decorators are typed as returning Any when given keyword arguments.
# mypy: disallow-untyped-decorators=False

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import strawberry

from orggraph.api.context import Context, Info
from orggraph.api.types.links import LinkInterface, link_object
from orggraph.api.types.nodes import Member, NodeInterface, Organization
from orggraph.errors import NotFound, OrgGraphError, Problem, StoreUnavailable, ValidationFailed
from orggraph.model import (
    LINK_ENDS,
    Education,
    Establishment,
    Gender,
    Level,
    Link,
    LinkKind,
    MemberStatus,
    Node,
    NodeKind,
    OrgKind,
    Role,
    Sector,
    WriteBatch,
)
from orggraph.store.policy import check_write, denied, hidden_link, open_link, visible_node

__all__ = ["GraphMutation", "UserError", "run_write"]


@strawberry.type(description="输入错误 One broken rule in a write's input")
class UserError:
    code: str = strawberry.field(description="The rule broken (required, enum, NOT_FOUND…)")
    field: str | None = strawberry.field(description="The input field at fault, when known")
    message: str
    value: str | None = None


def _camel(name: str | None) -> str | None:
    if not name:
        return None
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def user_errors(exc: OrgGraphError) -> list[UserError]:
    """The payload errors for a refused write.

    A store that cannot be reached is no refusal: it is raised again, to become a top-level
    ``STORE_UNAVAILABLE`` error (HTTP 503) that the client may retry.
    """
    if isinstance(exc, StoreUnavailable):
        raise exc
    if isinstance(exc, ValidationFailed):
        return [
            UserError(code=p.rule, field=_camel(p.column), message=p.message, value=p.value)
            for p in exc.problems
            if p.severity == "error"
        ]
    return [UserError(code=exc.code, field=None, message=str(exc), value=None)]


def run_write(ctx: Context, batch: WriteBatch, action: str) -> list[UserError]:
    """Write ``batch`` for the context's actor if the write policy lets them (``action``:
    the mutation, for the audit trail of refusals)."""
    actor = ctx.actor
    try:
        check_write(ctx.store, batch, actor.scope, actor=actor.name, action=action, today=ctx.today)
        ctx.store.write(batch, actor=actor.name)
    except OrgGraphError as exc:
        return user_errors(exc)
    ctx.loaders.forget()
    return []


def _problem(rule: str, field: str, message: str, value: str | None = None) -> list[UserError]:
    return user_errors(
        ValidationFailed([Problem(rule=rule, column=field, message=message, value=value)])
    )


def _set(value: Any) -> bool:
    return value is not strawberry.UNSET


def _merged(attrs: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(attrs)
    for key, value in changes.items():
        if _set(value):
            out[key] = value
    return {k: v for k, v in out.items() if v is not None}


# -- payloads --------------------------------------------------------------------------
@strawberry.type(description="党组织写入结果 The organization as written, or the errors")
class OrganizationPayload:
    organization: Organization | None
    errors: list[UserError]


@strawberry.type(description="党员写入结果 The member as written, or the errors")
class MemberPayload:
    member: Member | None
    errors: list[UserError]


@strawberry.type(description="节点写入结果 The node as it was on its last day, or the errors")
class NodePayload:
    node: NodeInterface | None
    errors: list[UserError]


@strawberry.type(description="关系写入结果 The link as written, or the errors")
class LinkPayload:
    link: LinkInterface | None
    errors: list[UserError]


# -- inputs ----------------------------------------------------------------------------
@strawberry.input(description="新建党组织 A new organization")
class CreateOrganizationInput:
    id: strawberry.ID = strawberry.field(description="Administrative code or a stable id")
    name: str
    org_kind: OrgKind
    level: Level
    sector: Sector | None = None
    code: str | None = None
    term_ends: date | None = None
    parent: strawberry.ID | None = strawberry.field(default=None, description="上级党组织")
    valid_from: date | None = strawberry.field(default=None, description="Default: today")


@strawberry.input(description="修改党组织 Changes from a date on (unset fields are kept)")
class UpdateOrganizationInput:
    id: strawberry.ID
    effective: date | None = strawberry.field(default=None, description="Default: today")
    name: str | None = strawberry.UNSET
    org_kind: OrgKind | None = strawberry.UNSET
    level: Level | None = strawberry.UNSET
    sector: Sector | None = strawberry.UNSET
    code: str | None = strawberry.UNSET
    term_ends: date | None = strawberry.UNSET
    parent: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Move under another organization"
    )


@strawberry.input(description="新建党员 A new member")
class CreateMemberInput:
    id: strawberry.ID
    name: str
    gender: Gender
    ethnicity: str
    education: Education
    birth_year: int
    join_date: date
    status: MemberStatus
    is_leader: bool = False
    position: str | None = None
    organization: strawberry.ID | None = strawberry.field(default=None, description="所在党组织")
    valid_from: date | None = strawberry.field(default=None, description="Default: today")


@strawberry.input(description="修改党员 Changes from a date on (unset fields are kept)")
class UpdateMemberInput:
    id: strawberry.ID
    effective: date | None = strawberry.field(default=None, description="Default: today")
    name: str | None = strawberry.UNSET
    gender: Gender | None = strawberry.UNSET
    ethnicity: str | None = strawberry.UNSET
    education: Education | None = strawberry.UNSET
    birth_year: int | None = strawberry.UNSET
    join_date: date | None = strawberry.UNSET
    status: MemberStatus | None = strawberry.UNSET
    is_leader: bool | None = strawberry.UNSET
    position: str | None = strawberry.UNSET
    organization: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Transfer to another organization"
    )


@strawberry.input(description="任职 A post to open")
class CreatePostInput:
    member: strawberry.ID
    organization: strawberry.ID
    role: Role
    term_ends: date | None = None
    valid_from: date | None = strawberry.field(default=None, description="Default: today")


@strawberry.input(description="新建关系 Any link, with the properties its kind carries")
class CreateLinkInput:
    kind: LinkKind
    source: strawberry.ID
    target: strawberry.ID
    valid_from: date | None = strawberry.field(default=None, description="Default: today")
    valid_to: date | None = None
    role: Role | None = strawberry.field(default=None, description="HOLDS_POST")
    term_ends: date | None = strawberry.field(default=None, description="HOLDS_POST")
    mode: Establishment | None = strawberry.field(default=None, description="ESTABLISHED_IN")
    sector: Sector | None = strawberry.field(default=None, description="COVERS")


# -- helpers ---------------------------------------------------------------------------
def _available(ctx: Context, batch: WriteBatch, node_id: str, action: str) -> list[UserError]:
    """Refuse a create whose id is taken, the same way whether the actor can see the
    node holding it or not: the write policy is asked first, as if the id were free
    (a create the actor may not make anyway is refused as it would be for a new id),
    then one answer, ``exists`` / "not available", for every taken id."""
    actor = ctx.actor
    try:
        check_write(
            ctx.store,
            batch,
            actor.scope,
            actor=actor.name,
            action=action,
            today=ctx.today,
            new=(node_id,),
        )
    except OrgGraphError as exc:
        return user_errors(exc)
    if not ctx.store.node_versions([node_id]):
        return []
    error = ValidationFailed(
        [Problem(rule="exists", column="id", message=f"id {node_id!r} is not available")]
    )
    if not actor.scope.unrestricted:
        denied(ctx.store, error, actor=actor.name, action=action, reason="id-taken", ids=[node_id])
    return _problem("exists", "id", f"id {node_id!r} is not available", node_id)


def _link_payload(ctx: Context, link: Link, when: date) -> LinkInterface | None:
    ends = {}
    for end, kind in zip((link.source, link.target), LINK_ENDS[link.kind], strict=True):
        node = ctx.loaders.node(end, when)
        if node is None or node.kind is not kind:
            return None
        ends[end] = node
    group = ctx.loaders.group(ends.values(), when)
    clearance = ctx.loaders.clearance
    return link_object(link, group.obj(link.source), group.obj(link.target), clearance)


def _node_at(ctx: Context, node_id: str, when: date) -> Any:
    node = ctx.loaders.node(node_id, when)
    return None if node is None else ctx.loaders.objects([node], when)[0]


def _current(ctx: Context, node_id: str, kind: NodeKind, when: date, action: str) -> Node:
    """The node a mutation changes; ``NotFound`` alike when unknown or out of scope."""
    actor = ctx.actor
    return visible_node(
        ctx.store, actor.scope, node_id, kind, when, actor=actor.name, action=action
    )


def _move(
    ctx: Context, kind: LinkKind, node_id: str, target: Any, when: date
) -> tuple[list[tuple[str, date]], list[Link]]:
    """End ``node_id``'s open ``kind`` links at ``when`` and open one to ``target``."""
    if not _set(target):
        return [], []
    ends = [(x.id, when) for x in ctx.store.links(kind, when, sources=[node_id])]
    new = [] if target is None else [_new_link(kind, node_id, str(target), when)]
    if new and ends and ends[0][0] == new[0].id:
        return [], []  # already there
    return ends, new


def _new_link(kind: LinkKind, source: str, target: str, start: date, **attrs: Any) -> Link:
    clean = {k: v for k, v in attrs.items() if v is not None}
    return Link(kind=kind, source=source, target=target, valid_from=start, attrs=clean)


def _guard(action: Callable[[], Any], fallback: Callable[[list[UserError]], Any]) -> Any:
    try:
        return action()
    except OrgGraphError as exc:
        return fallback(user_errors(exc))


# -- mutations -------------------------------------------------------------------------
@strawberry.type
class GraphMutation:
    """Hand edits to the graph (merged into ``Mutation`` with the analyses' writes)."""

    @strawberry.mutation(description="新建党组织 Create an organization (under its parent)")
    def create_organization(
        self, info: Info, input: CreateOrganizationInput
    ) -> OrganizationPayload:
        ctx = info.context
        when = input.valid_from or ctx.today
        attrs = {
            "org_kind": input.org_kind,
            "level": input.level,
            "sector": input.sector,
            "code": input.code,
            "term_ends": input.term_ends,
        }
        node = Node(
            id=str(input.id),
            kind=NodeKind.ORGANIZATION,
            name=input.name,
            valid_from=when,
            attrs=_plain(attrs),
        )
        links: tuple[Link, ...] = ()
        if input.parent is not None:
            links = (_new_link(LinkKind.SUBORDINATE_TO, node.id, str(input.parent), when),)
        batch = WriteBatch(nodes=(node,), links=links)
        errors = _available(ctx, batch, node.id, "createOrganization")
        if errors:
            return OrganizationPayload(organization=None, errors=errors)
        errors = run_write(ctx, batch, "createOrganization")
        made = None if errors else _node_at(ctx, node.id, when)
        return OrganizationPayload(organization=made, errors=errors)

    @strawberry.mutation(description="修改党组织 Change an organization from a date on")
    def update_organization(
        self, info: Info, input: UpdateOrganizationInput
    ) -> OrganizationPayload:
        ctx = info.context
        when = input.effective or ctx.today

        def act() -> OrganizationPayload:
            node = _current(ctx, str(input.id), NodeKind.ORGANIZATION, when, "updateOrganization")
            attrs = _merged(
                dict(node.attrs),
                {
                    "org_kind": input.org_kind,
                    "level": input.level,
                    "sector": input.sector,
                    "code": input.code,
                    "term_ends": input.term_ends,
                },
            )
            name = input.name if _set(input.name) and input.name else node.name
            new = replace(node, name=name, attrs=_plain(attrs), valid_from=when, valid_to=None)
            ended, opened = _move(ctx, LinkKind.SUBORDINATE_TO, node.id, input.parent, when)
            batch = WriteBatch(
                nodes=(new,), links=tuple(opened), end_links=tuple(ended), effective=when
            )
            errors = run_write(ctx, batch, "updateOrganization")
            made = None if errors else _node_at(ctx, node.id, when)
            return OrganizationPayload(organization=made, errors=errors)

        payload: OrganizationPayload = _guard(
            act, lambda e: OrganizationPayload(organization=None, errors=e)
        )
        return payload

    @strawberry.mutation(description="撤销党组织 End an organization (and its links) on a date")
    def end_organization(self, info: Info, id: strawberry.ID, on: date) -> NodePayload:
        return _end_node(info.context, str(id), NodeKind.ORGANIZATION, on, "endOrganization")

    @strawberry.mutation(description="新建党员 Create a member (in an organization)")
    def create_member(self, info: Info, input: CreateMemberInput) -> MemberPayload:
        ctx = info.context
        when = input.valid_from or ctx.today
        attrs = _plain(
            {
                "gender": input.gender,
                "ethnicity": input.ethnicity,
                "education": input.education,
                "birth_year": input.birth_year,
                "join_date": input.join_date,
                "status": input.status,
                "is_leader": input.is_leader,
                "position": input.position,
            }
        )
        node = Node(
            id=str(input.id), kind=NodeKind.MEMBER, name=input.name, valid_from=when, attrs=attrs
        )
        links: tuple[Link, ...] = ()
        if input.organization is not None:
            links = (_new_link(LinkKind.MEMBER_OF, node.id, str(input.organization), when),)
        batch = WriteBatch(nodes=(node,), links=links)
        errors = _available(ctx, batch, node.id, "createMember")
        if errors:
            return MemberPayload(member=None, errors=errors)
        errors = run_write(ctx, batch, "createMember")
        made = None if errors else _node_at(ctx, node.id, when)
        return MemberPayload(member=made, errors=errors)

    @strawberry.mutation(description="修改党员 Change a member from a date on (or transfer)")
    def update_member(self, info: Info, input: UpdateMemberInput) -> MemberPayload:
        ctx = info.context
        when = input.effective or ctx.today

        def act() -> MemberPayload:
            node = _current(ctx, str(input.id), NodeKind.MEMBER, when, "updateMember")
            attrs = _merged(
                dict(node.attrs),
                {
                    "gender": input.gender,
                    "ethnicity": input.ethnicity,
                    "education": input.education,
                    "birth_year": input.birth_year,
                    "join_date": input.join_date,
                    "status": input.status,
                    "is_leader": input.is_leader,
                    "position": input.position,
                },
            )
            name = input.name if _set(input.name) and input.name else node.name
            new = replace(node, name=name, attrs=_plain(attrs), valid_from=when, valid_to=None)
            ended, opened = _move(ctx, LinkKind.MEMBER_OF, node.id, input.organization, when)
            batch = WriteBatch(
                nodes=(new,), links=tuple(opened), end_links=tuple(ended), effective=when
            )
            errors = run_write(ctx, batch, "updateMember")
            made = None if errors else _node_at(ctx, node.id, when)
            return MemberPayload(member=made, errors=errors)

        payload: MemberPayload = _guard(act, lambda e: MemberPayload(member=None, errors=e))
        return payload

    @strawberry.mutation(description="党员离开 End a member (and their links) on a date")
    def end_member(self, info: Info, id: strawberry.ID, on: date) -> NodePayload:
        return _end_node(info.context, str(id), NodeKind.MEMBER, on, "endMember")

    @strawberry.mutation(description="任职 Open a post (secretary, deputy, committee member)")
    def create_post(self, info: Info, input: CreatePostInput) -> LinkPayload:
        ctx = info.context
        when = input.valid_from or ctx.today
        link = _new_link(
            LinkKind.HOLDS_POST,
            str(input.member),
            str(input.organization),
            when,
            role=input.role.value,
            term_ends=input.term_ends,
        )
        return _write_link(ctx, link, when, "createPost")

    @strawberry.mutation(description="免职 End a post on a date")
    def end_post(
        self, info: Info, member: strawberry.ID, organization: strawberry.ID, role: Role, on: date
    ) -> LinkPayload:
        probe = _new_link(LinkKind.HOLDS_POST, str(member), str(organization), on, role=role.value)
        return _end_link(info.context, probe.id, on, "endPost")

    @strawberry.mutation(description="新建关系 Open any link (contact, pairing, coverage…)")
    def create_link(self, info: Info, input: CreateLinkInput) -> LinkPayload:
        ctx = info.context
        when = input.valid_from or ctx.today
        attrs = {
            "role": input.role.value if input.role else None,
            "term_ends": input.term_ends,
            "mode": input.mode.value if input.mode else None,
            "sector": input.sector.value if input.sector else None,
        }
        link = _new_link(input.kind, str(input.source), str(input.target), when, **attrs)
        if input.valid_to is not None:
            link = replace(link, valid_to=input.valid_to)
        return _write_link(ctx, link, when, "createLink")

    @strawberry.mutation(description="终止关系 End a link on a date (by its id)")
    def end_link(self, info: Info, id: strawberry.ID, on: date) -> LinkPayload:
        return _end_link(info.context, str(id), on, "endLink")


def _plain(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes as the store keeps them: enum codes, no ``None``."""
    return {k: getattr(v, "value", v) for k, v in attrs.items() if v is not None}


def _write_link(ctx: Context, link: Link, when: date, action: str) -> LinkPayload:
    errors = run_write(ctx, WriteBatch(links=(link,)), action)
    made = None if errors else _link_payload(ctx, link, when)
    return LinkPayload(link=made, errors=errors)


def _end_link(ctx: Context, link_id: str, on: date, action: str) -> LinkPayload:
    current = open_link(ctx.store, link_id, on)
    if current is None and ctx.actor.scope.unrestricted:
        errors = user_errors(hidden_link(link_id, on))
    else:
        # A scoped actor's unknown link goes through the policy too, which refuses it
        # exactly as a hidden one, with the same work (and audits it): no timing tells.
        errors = run_write(ctx, WriteBatch(end_links=((link_id, on),)), action)
    # The link ended is the input at fault, whether unknown or out of the actor's sight.
    errors = [
        replace(e, field="id", value=link_id) if e.code == NotFound.code else e for e in errors
    ]
    made = None
    if not errors and current is not None:  # open before ``on``: so ``on`` has a day before
        made = _link_payload(ctx, replace(current, valid_to=on), on - timedelta(days=1))
    return LinkPayload(link=made, errors=errors)


def _end_node(ctx: Context, node_id: str, kind: NodeKind, on: date, action: str) -> NodePayload:
    # Nothing is open before the first day there is (and that day has no day before it).
    last_day = on - timedelta(days=1) if on > date.min else None

    def act() -> NodePayload:
        if last_day is None:
            raise NotFound(f"no {kind.value} {node_id!r} open before {on} to end")
        node = _current(ctx, node_id, kind, last_day, action)
        errors = run_write(ctx, WriteBatch(end_nodes=((node.id, on),)), action)
        made = None if errors else _node_at(ctx, node_id, last_day)
        return NodePayload(node=made, errors=errors)

    payload: NodePayload = _guard(act, lambda e: NodePayload(node=None, errors=e))
    return payload
