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

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from orggraph.store.base import GraphStore

__all__ = ["FreshIndex"]


class FreshIndex:
    """ASGI middleware: ``store.refresh()`` before each request."""

    def __init__(self, app: ASGIApp, store: GraphStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # On a worker thread: the look takes the file's lock, which a write holds to its
        # commit, and a rebuild takes a second or more; neither may hold the event loop.
        if scope["type"] == "http":
            reloaded = await run_in_threadpool(self.store.refresh)
            if reloaded and gc.get_freeze_count():
                gc.freeze()
        await self.app(scope, receive, send)
