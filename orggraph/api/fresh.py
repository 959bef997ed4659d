"""Every request sees what is committed, even by another process.

The embedded store answers from an index in memory; another process writing the same
file (a second API process, ``orggraph import`` while the server runs) changes the file
only. ``FreshIndex`` asks the store to catch up before each request: one ``PRAGMA
data_version``, and a rebuild of the index only when another connection has committed.
The Neo4j store has no such index: it has nothing to catch up on. When the server froze
the first index out of the collector's reach (``serve``), a rebuilt one is frozen too.
"""

from __future__ import annotations

import gc

from starlette.types import ASGIApp, Receive, Scope, Send

from orggraph.store.base import GraphStore

__all__ = ["FreshIndex"]


class FreshIndex:
    """ASGI middleware: ``store.refresh()`` (when the store has one) before each request."""

    def __init__(self, app: ASGIApp, store: GraphStore) -> None:
        self.app = app
        self.refresh = getattr(store, "refresh", None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reloaded = scope["type"] == "http" and self.refresh is not None and self.refresh()
        if reloaded and gc.get_freeze_count():
            gc.freeze()
        await self.app(scope, receive, send)
