"""The GraphQL API over HTTP (strawberry on Starlette) and the offline explorer.

``create_app(store, settings)`` builds the application; ``serve`` runs it with uvicorn
(``orggraph serve``). Layers: ``types/`` (GraphQL types over the model and the analyses),
``loaders`` (batched, scope-aware reads), ``context`` (the per-request context and its
actor), ``errors`` (the one error formatter), ``schema`` (extensions and SDL), ``app``
(routes).
"""

from __future__ import annotations

from orggraph.api.app import create_app, serve
from orggraph.api.context import LOCAL_ADMIN, Actor, Context

__all__ = ["LOCAL_ADMIN", "Actor", "Context", "create_app", "serve"]
