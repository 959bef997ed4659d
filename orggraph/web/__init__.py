"""The browser view of the organization graph (组织体系图谱): a static page over ``/graphql``."""

from __future__ import annotations

from orggraph.web.routes import web_routes

__all__ = ["web_routes"]
