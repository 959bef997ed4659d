"""One settings table: ``(name, default, help)``; read at the edges only.

Every setting can come from an ``ORGGRAPH_<NAME>`` environment variable or a CLI option.
Nothing below the adapters reads ``os.environ``: the CLI and the server build one frozen
``Settings`` and pass it down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from orggraph.errors import ConfigError

__all__ = ["SETTINGS", "Setting", "Settings", "load_settings"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        name="store",
        default="sqlite:///orggraph.db",
        help="Store URL: sqlite:///PATH, neo4j://HOST:PORT, bolt://HOST:PORT",
    ),
    Setting(
        name="neo4j_user",
        default="neo4j",
        help="Neo4j user name",
    ),
    Setting(
        name="neo4j_password",
        default="",
        help="Neo4j password",
    ),
    Setting(
        name="neo4j_database",
        default="neo4j",
        help="Neo4j database name",
    ),
    Setting(
        name="neo4j_retry_seconds",
        default=15.0,
        help="How long a Neo4j transaction is retried while the server cannot be reached",
    ),
    Setting(
        name="rules",
        default="",
        help="Path of a weak-branch rules TOML file (empty: the shipped defaults)",
    ),
    Setting(
        name="host",
        default="127.0.0.1",
        help="Address the server listens on",
    ),
    Setting(
        name="port",
        default=8000,
        help="Port the server listens on",
    ),
    Setting(
        name="max_query_depth",
        default=12,
        help="Deepest GraphQL selection accepted",
    ),
    Setting(
        name="max_aliases",
        default=30,
        help="Most aliases in one GraphQL document",
    ),
    Setting(
        name="max_query_tokens",
        default=5000,
        help="Most tokens (names, brackets, punctuation) in one GraphQL document",
    ),
    Setting(
        name="max_query_cost",
        default=250_000,
        help="Largest estimated GraphQL cost: fields times the items they run for",
    ),
    Setting(
        name="max_analysis_cost",
        default="viewer=300000,analyst=1000000,editor=1000000,admin=3000000",
        help="Most one request's analyses may read, by role (ROLE=N, comma-separated): "
        "organizations + members + units in each analysis field's scope at its date, "
        "every alias counted; a role not listed gets the smallest",
    ),
    Setting(
        name="request_seconds",
        default=30.0,
        help="Longest a GraphQL query may run, in seconds, before it is stopped (TIMEOUT)",
    ),
    Setting(
        name="heavy_at_once",
        default=1,
        help="Heavy operations (exports, city-wide analyses) one server process runs at "
        "once; the others wait their turn (raise it on Neo4j, where they mostly wait)",
    ),
    Setting(
        name="heavy_processes",
        default=1,
        help="Child processes that run the heavy lane's work (exports, city-wide analyses, "
        "jobs) beside the server's own, so that it leaves quick requests the GIL; 0 runs it "
        "on the server's threads",
    ),
    Setting(
        name="heavy_wait_seconds",
        default=30.0,
        help="Longest a heavy operation waits for its turn before it is refused (BUSY, 503)",
    ),
    Setting(
        name="jobs_per_actor",
        default=2,
        help="Jobs (POST /jobs) one account may have queued or running at once; the next "
        "is refused (429, Retry-After)",
    ),
    Setting(
        name="jobs_at_once",
        default=8,
        help="Jobs all accounts together may have queued or running at once; the next is "
        "refused (BUSY, 503, Retry-After)",
    ),
    Setting(
        name="job_keep_seconds",
        default=3600.0,
        help="How long a finished job and its result are kept, in seconds",
    ),
    Setting(
        name="job_dir",
        default="",
        help="Folder of the jobs' status and result files, shared by the workers "
        "(empty: one in the system's temporary folder, named for the store)",
    ),
    Setting(
        name="cors_origins",
        default="",
        help="Other origins (comma-separated) whose pages may call the API with a token; "
        "empty: none",
    ),
    Setting(
        name="session_hours",
        default=12.0,
        help="How long a browser sign-in lasts, in hours",
    ),
    Setting(
        name="public_url",
        default="",
        help="The address users reach the server at (for the printed sign-in link); "
        "empty: http://HOST:PORT",
    ),
    Setting(
        name="max_request_bytes",
        default=1_000_000,
        help="Largest HTTP request body accepted",
    ),
    Setting(
        name="max_import_bytes",
        default=100_000_000,
        help="Largest import file accepted, in bytes (an XLSX may unpack to 10 times this)",
    ),
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    store: str = "sqlite:///orggraph.db"
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    neo4j_retry_seconds: float = 15.0
    rules: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    max_query_depth: int = 12
    max_aliases: int = 30
    max_query_tokens: int = 5000
    max_query_cost: int = 250_000
    max_analysis_cost: str = "viewer=300000,analyst=1000000,editor=1000000,admin=3000000"
    request_seconds: float = 30.0
    heavy_at_once: int = 1
    heavy_processes: int = 1
    heavy_wait_seconds: float = 30.0
    jobs_per_actor: int = 2
    jobs_at_once: int = 8
    job_keep_seconds: float = 3600.0
    job_dir: str = ""
    cors_origins: str = ""
    session_hours: float = 12.0
    public_url: str = ""
    max_request_bytes: int = 1_000_000
    max_import_bytes: int = 100_000_000


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from defaults, then ``ORGGRAPH_*`` variables, then explicit overrides.

    A value of the wrong type is a ``ConfigError`` naming the variable and the value.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    types = {f.name: type(getattr(Settings(), f.name)) for f in fields(Settings)}
    for setting in SETTINGS:
        raw = env.get("ORGGRAPH_" + setting.name.upper())
        if raw is not None:
            values[setting.name] = _coerce(setting.name, raw, types[setting.name])
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in types:
            raise ConfigError(f"unknown setting {name!r}; expected one of {sorted(types)}")
        values[name] = _coerce(name, value, types[name])
    return Settings(**values)


def _coerce(name: str, value: Any, kind: type) -> Any:
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"setting {name!r} (ORGGRAPH_{name.upper()}) has value {value!r}; "
            f"expected {kind.__name__}"
        ) from exc
