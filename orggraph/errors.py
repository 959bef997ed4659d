"""One exception tree for orggraph.

::

    OrgGraphError                 base; ``exit_code`` for the CLI, ``code`` for the API
    ├── NotFound                  an id that does not exist (or is outside the caller's scope)
    ├── ValidationFailed          input breaks a rule; carries every ``Problem`` at once
    │   └── CycleDetected         the hierarchy would contain a cycle; carries its path
    ├── InvalidTransition         a remediation case asked to skip or reverse a step
    ├── PermissionDenied          the actor may not do this
    ├── ConfigError               a setting or a rules file holds a bad value
    ├── StoreUnavailable          the backing store cannot be reached (retryable)
    ├── Busy                      the server is taken up by other heavy work (retryable)
    └── Cancelled                 long work stopped because its caller cancelled it

Every message names the offending value and says what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Busy",
    "Cancelled",
    "ConfigError",
    "CycleDetected",
    "InvalidTransition",
    "NotFound",
    "OrgGraphError",
    "PermissionDenied",
    "Problem",
    "StoreUnavailable",
    "ValidationFailed",
]


class OrgGraphError(Exception):
    """Base of every error orggraph raises on purpose."""

    exit_code = 1
    code = "ERROR"


class NotFound(OrgGraphError):
    """An id that does not exist at the date, or that the caller may not see."""

    code = "NOT_FOUND"


@dataclass(frozen=True, kw_only=True, slots=True)
class Problem:
    """One broken rule in one place of the input: 文件、工作表、行、列、值、规则."""

    rule: str
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = "error"  # or "warning"
    record: str | None = None  # the node or link id it is about, to locate it in an import

    def __str__(self) -> str:
        where = [
            f"{name}={value}"
            for name, value in (
                ("file", self.file),
                ("sheet", self.sheet),
                ("row", self.row),
                ("column", self.column),
            )
            if value is not None
        ]
        place = (" [" + ", ".join(where) + "]") if where else ""
        shown = f" value={self.value!r}" if self.value is not None else ""
        return f"{self.severity}: {self.rule}: {self.message}{place}{shown}"


class ValidationFailed(OrgGraphError):
    """Input breaks one or more rules; nothing was written."""

    exit_code = 2
    code = "VALIDATION_FAILED"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        head = f"{len(errors)} error(s); nothing was written"
        super().__init__(head + "\n" + "\n".join(str(p) for p in self.problems))


class CycleDetected(ValidationFailed):
    """The organization hierarchy would contain a cycle."""

    code = "CYCLE_DETECTED"

    def __init__(self, path: Sequence[str], problems: Sequence[Problem] = ()) -> None:
        self.path = tuple(path)
        cycle = Problem(
            rule="hierarchy-acyclic",
            message="the hierarchy would contain the cycle " + " → ".join(self.path),
            value=self.path[0] if self.path else None,
        )
        super().__init__([cycle, *problems])


class InvalidTransition(OrgGraphError):
    """A remediation case was asked to move to a state its current state does not allow."""

    exit_code = 2
    code = "INVALID_TRANSITION"


class PermissionDenied(OrgGraphError):
    """The actor's role or scope does not allow this."""

    code = "PERMISSION_DENIED"


class ConfigError(OrgGraphError):
    """A setting, URL or rules file holds a value orggraph cannot use."""

    exit_code = 2
    code = "CONFIG_ERROR"


class StoreUnavailable(OrgGraphError):
    """The store cannot be reached now; the same call may succeed later."""

    code = "STORE_UNAVAILABLE"
    retryable = True


class Busy(OrgGraphError):
    """The server has run other heavy work for too long to start this one now (retry)."""

    code = "BUSY"


class Cancelled(OrgGraphError):
    """Long work stopped at its next progress report because its caller cancelled it."""

    code = "CANCELLED"
