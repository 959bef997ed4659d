"""The typed per-request context: the store, the settings, the actor and the loaders.

Every request runs for an ``Actor``; its ``scope`` is handed to the store and analysis
layers on every read, its role's ``clearance`` decides which fields are masked, and its
``name`` is recorded on every write. Over HTTP the actor is the signed-in account
(``orggraph.api.auth``); ``LOCAL_ADMIN`` is for in-process callers only (the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import strawberry

from orggraph.analysis.dating import Dating
from orggraph.api.lanes import HeavyLane
from orggraph.api.loaders import Loaders
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from orggraph.store.masking import Clearance, clearance_for
from orggraph.store.scope import Scope

__all__ = ["LOCAL_ADMIN", "Actor", "Context", "Info", "make_context"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Actor:
    """Who a request runs for: a name for the audit trail, a role, and what they may see."""

    name: str
    role: str
    scope: Scope = field(default_factory=Scope)

    @property
    def clearance(self) -> Clearance:
        """The classifications this actor may read (``orggraph.store.masking``)."""
        return clearance_for(self.role)

    @property
    def may_write(self) -> bool:
        return self.role in ("editor", "admin")


#: The actor of a server without accounts: a local administrator with an unrestricted scope.
LOCAL_ADMIN = Actor(name="local-admin", role="admin", scope=Scope())


@dataclass(kw_only=True, slots=True)
class Context:
    """What every resolver gets as ``info.context``."""

    store: GraphStore
    settings: Settings
    actor: Actor
    loaders: Loaders
    today: date
    request: Any = None
    response: Any = None
    #: Root analysis results by response key, for the ``Node`` fields inside them.
    results: dict[str, Any] = field(default_factory=dict)
    #: Sensitive fields read in this request: ``(node id, field)``, audited once at the end.
    sensitive_reads: set[tuple[str, str]] = field(default_factory=set)
    #: The server's lane for heavy work (``None`` in-process: the CLI runs one thing).
    lane: HeavyLane | None = None
    #: What the operation's analyses read (``orggraph.api.budget``), once counted.
    analysis_cost: int = 0
    #: The data's date and the notices (数据截至) of this operation
    #: (``orggraph.analysis.dating``): the response's ``extensions`` carry them.
    dating: Dating = field(init=False)

    def __post_init__(self) -> None:
        self.dating = Dating(self.store, self.today)

    def as_of(self, value: date | None) -> date:
        """The date a read is asked at: ``value``, or today, or the data's date when today
        is past it (noted for the response's ``extensions``, as a date past the data is)."""
        return self.dating.as_of(value)


Info = strawberry.Info[Context, None]


def make_context(
    store: GraphStore,
    settings: Settings,
    actor: Actor = LOCAL_ADMIN,
    *,
    request: Any = None,
    response: Any = None,
    today: date | None = None,
    lane: HeavyLane | None = None,
) -> Context:
    """A fresh context (fresh loaders: nothing is cached across requests)."""
    from orggraph.api.types.nodes import wrap

    return Context(
        store=store,
        settings=settings,
        actor=actor,
        loaders=Loaders(store, actor.scope, wrap, clearance=actor.clearance),
        today=today or date.today(),
        request=request,
        response=response,
        lane=lane,
    )
