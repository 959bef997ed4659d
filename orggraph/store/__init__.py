"""Stores: the ``GraphStore`` contract and its implementations, chosen by URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from orggraph.errors import ConfigError
from orggraph.settings import Settings
from orggraph.store.base import GraphStore, WriteResult
from orggraph.store.scope import Scope

__all__ = ["GraphStore", "Scope", "WriteResult", "open_store"]

NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


def open_store(url: str, settings: Settings | None = None) -> GraphStore:
    """Open the store at ``url``: ``sqlite:///PATH`` (or a plain path), ``neo4j://…``, ``bolt://…``.


    Any other scheme is a ``ConfigError`` that names the URL and the accepted forms.
    """
    settings = settings or Settings()
    scheme = urlsplit(url).scheme
    if scheme in ("", "sqlite"):
        from orggraph.store.embedded import EmbeddedStore

        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else url
        if scheme == "sqlite" and not url.startswith("sqlite:///"):
            raise ConfigError(
                f"store URL {url!r}: write sqlite:///relative.db or sqlite:////abs.db"
            )
        return EmbeddedStore(Path(path))
    if scheme in NEO4J_SCHEMES:
        from orggraph.store.neo4j import Neo4jStore  # type: ignore[import-not-found,unused-ignore]

        return Neo4jStore(  # type: ignore[no-any-return,unused-ignore]
            url,
            user=settings.neo4j_user,
            password=settings.neo4j_password,
            database=settings.neo4j_database,
            max_retry_time=settings.neo4j_retry_seconds,
        )
    raise ConfigError(
        f"store URL {url!r} has scheme {scheme!r}; "
        "expected sqlite:///PATH, neo4j://HOST:PORT or bolt://HOST:PORT"
    )
