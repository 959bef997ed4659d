"""Who am I (``me``), and the audit trail (``auditLog``) for administrators only.

The audit trail holds every write (with its before and after) and every read of sensitive
data and sign-in (who, when, which fields of which ids; never the values read). It is
append-only in both stores; ``auditLog`` pages through it newest first.
"""

# strawberry's field decorators are typed as returning Any when given keyword arguments.
# mypy: disallow-untyped-decorators=False

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission
from strawberry.scalars import JSON

from orggraph.api.context import Info
from orggraph.api.types.connection import decode_cursor, encode_cursor
from orggraph.errors import Problem, ValidationFailed
from orggraph.store.accounts import account_store

__all__ = ["AuditQuery", "CanWrite", "IsAdmin"]

MAX_AUDIT_PAGE = 500


class IsAdmin(BasePermission):
    """Only an administrator."""

    message = "只有管理员可以查看 Only administrators may do this"
    error_extensions = {"code": "PERMISSION_DENIED"}  # noqa: RUF012 - strawberry's own shape

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.actor.role == "admin"


class CanWrite(BasePermission):
    """Editors and administrators (editors within their scope): every mutation."""

    message = "你的角色不能修改数据 Your role may not write (editors and administrators may)"
    error_extensions = {"code": "PERMISSION_DENIED"}  # noqa: RUF012 - strawberry's own shape

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        actor = info.context.actor
        if actor.may_write:
            return True
        # A refusal leaves a trace: who, which mutation, why (no argument values).
        detail = {
            "action": info.field_name,
            "code": "PERMISSION_DENIED",
            "reason": "role",
            "ids": [],
        }
        info.context.store.record_audit(actor.name, "write-denied", detail)
        return False


@strawberry.type(description="当前用户 The signed-in account")
class Me:
    name: str
    role: str = strawberry.field(description="viewer, analyst, editor or admin")
    scope: list[strawberry.ID] = strawberry.field(description="Subtree roots (empty: all)")
    sectors: list[str] = strawberry.field(description="Sectors (empty: all)")
    masked: list[str] = strawberry.field(
        description="Classifications hidden from this role (public, internal, personal, sensitive)"
    )


@strawberry.type(description="审计记录 One audit record")
class AuditEntry:
    seq: int
    at: str = strawberry.field(description="UTC time, ISO 8601")
    actor: str
    action: str = strawberry.field(description="write, read-sensitive, sign-in, sign-out…")
    detail: JSON = strawberry.field(description="What: ids, fields, before and after of writes")


@strawberry.type(description="审计记录一页 A page of the audit trail, newest first")
class AuditPage:
    entries: list[AuditEntry]
    end_cursor: str | None = strawberry.field(description="Pass as after for the next page")
    has_next_page: bool


@strawberry.type
class AuditQuery:
    """Root fields about accounts and the audit trail."""

    @strawberry.field(description="当前用户 Who you are signed in as, your role and scope")
    def me(self, info: Info) -> Me:
        actor = info.context.actor
        hidden = [c for c in ("public", "internal", "personal", "sensitive")]
        return Me(
            name=actor.name,
            role=actor.role,
            scope=[strawberry.ID(r) for r in sorted(actor.scope.roots)],
            sectors=sorted(s.value for s in actor.scope.sectors),
            masked=[c for c in hidden if c not in actor.clearance],
        )

    @strawberry.field(
        description="审计日志 The audit trail, newest first (administrators only)",
        permission_classes=[IsAdmin],
    )
    def audit_log(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        actor: str | None = None,
        action: str | None = None,
    ) -> AuditPage:
        if not 0 <= first <= MAX_AUDIT_PAGE:
            raise ValidationFailed(
                [
                    Problem(
                        rule="page-size",
                        column="first",
                        value=str(first),
                        message=f"first must be between 0 and {MAX_AUDIT_PAGE}, not {first}",
                    )
                ]
            )
        before: int | None = None
        if after is not None:
            key = decode_cursor(after, "after")
            if not key.isdigit():
                raise ValidationFailed(
                    [Problem(rule="cursor", column="after", value=after, message="not a cursor")]
                )
            before = int(key)
        rows = account_store(info.context.store).audit_entries(
            first=first + 1, before_seq=before, actor=actor, action=action
        )
        page = rows[:first]
        return AuditPage(
            entries=[
                AuditEntry(
                    seq=r["seq"],
                    at=r["at"],
                    actor=r["actor"],
                    action=r["action"],
                    detail=r["detail"],
                )
                for r in page
            ],
            end_cursor=encode_cursor(str(page[-1]["seq"])) if page else None,
            has_next_page=len(rows) > first,
        )
