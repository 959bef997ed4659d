"""Accounts: who may sign in, with which role and scope, and their hashed credentials.

Accounts live in the backing store itself, so every API process over the same store
(stateless, behind a load balancer) sees the same accounts, tokens and sessions:

- embedded store: the tables ``accounts`` and ``credentials`` in the same SQLite file,
  written through the store's own connection (so the graph index is not rebuilt);
- Neo4j: ``(:Account {name, role, roots, sectors, disabled, created})`` and
  ``(:Credential {hash, kind, account, created, expires, csrf, used})`` nodes.

A credential is never stored in clear: API tokens, one-time sign-in links and session ids
are 256-bit random strings (``secrets``), kept as their SHA-256 digest; a fast hash is
right for such high-entropy secrets (a slow one like scrypt is for passwords). The audit
trail of reads and sign-ins is appended through the store's ``record_audit`` and read back
with ``audit_entries`` (filtered and paged for the ``auditLog`` field).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

import orjson

from orggraph.errors import NotFound, Problem, ValidationFailed
from orggraph.model import Sector, parse_enum
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

__all__ = [
    "ROLES",
    "Account",
    "AccountStore",
    "CypherRunner",
    "Neo4jAccounts",
    "Session",
    "SqliteAccounts",
    "account_store",
    "digest",
    "new_secret",
]

#: Roles, least to most trusted; docs/SECURITY.md has what each may see and do.
ROLES = ("viewer", "analyst", "editor", "admin")

TOKEN_PREFIX = "ogt_"  # API token: recognisable in a leaked file or a secret scanner
LINK_PREFIX = "ogl_"  # one-time sign-in link
SESSION_PREFIX = "ogs_"  # browser session id (the cookie's value)

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")


def new_secret(prefix: str) -> str:
    """A fresh 256-bit secret, URL-safe, with a prefix that says what it is."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored for ``secret``: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True, slots=True)
class Account:
    """One account: a name for the audit trail, a role, and the scope it sees."""

    name: str
    role: str
    roots: frozenset[str] = field(default_factory=frozenset)
    sectors: frozenset[str] = field(default_factory=frozenset)
    disabled: bool = False
    created: str = ""

    @property
    def scope(self) -> Scope:
        return Scope(roots=self.roots, sectors=frozenset(Sector(s) for s in self.sectors))


@dataclass(frozen=True, kw_only=True, slots=True)
class Session:
    """A signed-in browser: its account and the CSRF token bound to it."""

    account: Account
    csrf: str
    expires: datetime


def _check_account(name: str, role: str, sectors: frozenset[str]) -> frozenset[str]:
    problems = []
    if not name or len(name) > 64 or not set(name) <= _NAME_CHARS:
        problems.append(
            Problem(
                rule="account-name",
                column="name",
                value=name,
                message="an account name is 1-64 letters, digits, '.', '_', '-' or '@'",
            )
        )
    if role not in ROLES:
        problems.append(
            Problem(
                rule="account-role",
                column="role",
                value=role,
                message=f"unknown role; expected one of {', '.join(ROLES)}",
            )
        )
    parsed: set[str] = set()
    for sector in sorted(sectors):
        try:
            parsed.add(parse_enum(Sector, sector).value)
        except ValueError as exc:
            problems.append(
                Problem(rule="account-sector", column="sector", value=sector, message=str(exc))
            )
    if problems:
        raise ValidationFailed(problems)
    return frozenset(parsed)


class AccountStore(ABC):
    """Accounts, credentials and the audit trail's reads, over one backing store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    # -- accounts ------------------------------------------------------------------
    def add(
        self,
        name: str,
        role: str,
        *,
        roots: frozenset[str] = frozenset(),
        sectors: frozenset[str] = frozenset(),
    ) -> Account:
        """Create an account; ``ValidationFailed`` for a bad name, role, sector or a taken name."""
        parsed = _check_account(name, role, sectors)
        if self.get(name) is not None:
            raise ValidationFailed(
                [
                    Problem(
                        rule="account-exists",
                        column="name",
                        value=name,
                        message="an account of that name exists; choose another name",
                    )
                ]
            )
        account = Account(
            name=name,
            role=role,
            roots=frozenset(roots),
            sectors=parsed,
            created=_now().isoformat(),
        )
        self._insert(account)
        return account

    def require(self, name: str) -> Account:
        """The account ``name``; ``NotFound`` names it when there is none."""
        account = self.get(name)
        if account is None:
            raise NotFound(f"no account {name!r}; `orggraph user list` shows the accounts")
        return account

    @abstractmethod
    def _insert(self, account: Account) -> None: ...

    @abstractmethod
    def get(self, name: str) -> Account | None:
        """The account ``name`` (disabled ones too), or ``None``."""

    @abstractmethod
    def accounts(self) -> list[Account]:
        """Every account, by name."""

    @abstractmethod
    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable (or enable) an account; a disabled account's credentials stop working."""

    # -- the member an account signs in as (the yearly cycle's self-service) -------
    def link_member(self, name: str, member: str | None) -> None:
        """Link the account ``name`` to the member ``member`` (``None``: unlink): a
        secretary signed in with it edits their own list (``orggraph.analysis.cycle``)."""
        self.require(name)
        self._set_member(name, member)

    @abstractmethod
    def _set_member(self, name: str, member: str | None) -> None: ...

    @abstractmethod
    def member_of(self, name: str) -> str | None:
        """The member id the account ``name`` is linked to, or ``None``."""

    # -- credentials ---------------------------------------------------------------
    def issue_token(self, name: str) -> str:
        """A new API token for ``name`` (shown once; only its digest is kept)."""
        self.require(name)
        token = new_secret(TOKEN_PREFIX)
        self._put_credential(digest(token), "token", name, None, None)
        return token

    def issue_link(self, name: str, ttl: timedelta = timedelta(minutes=15)) -> str:
        """A one-time sign-in secret for ``name``, valid for ``ttl``."""
        self.require(name)
        secret = new_secret(LINK_PREFIX)
        self._put_credential(digest(secret), "link", name, _now() + ttl, None)
        return secret

    def by_token(self, token: str) -> Account | None:
        """The enabled account an API token belongs to, or ``None``."""
        found = self._credential(digest(token), "token")
        if found is None:
            return None
        account = self.get(found["account"])
        return account if account is not None and not account.disabled else None

    def redeem_link(self, secret: str) -> Account | None:
        """The account of a sign-in link, used up now; ``None`` if unknown, used or expired."""
        name = self._use_once(digest(secret), _now())
        if name is None:
            return None
        account = self.get(name)
        return account if account is not None and not account.disabled else None

    def open_session(self, name: str, ttl: timedelta = timedelta(hours=12)) -> tuple[str, str]:
        """A new browser session for ``name``: ``(session id, CSRF token)``."""
        session_id = new_secret(SESSION_PREFIX)
        csrf = secrets.token_urlsafe(32)
        self._put_credential(digest(session_id), "session", name, _now() + ttl, csrf)
        return session_id, csrf

    def session(self, session_id: str) -> Session | None:
        """The live session ``session_id`` of an enabled account, or ``None``."""
        found = self._credential(digest(session_id), "session")
        if found is None:
            return None
        expires = datetime.fromisoformat(found["expires"])
        if expires <= _now():
            return None
        account = self.get(found["account"])
        if account is None or account.disabled:
            return None
        return Session(account=account, csrf=str(found["csrf"]), expires=expires)

    def close_session(self, session_id: str) -> None:
        """Sign out: the session id stops working at once."""
        self._drop_credential(digest(session_id))

    def has_credentials(self, role: str = "admin") -> bool:
        """Whether an enabled account of ``role`` holds a token or has ever signed in."""
        enabled = {a.name for a in self.accounts() if a.role == role and not a.disabled}
        return bool(enabled & self._holders())

    @abstractmethod
    def _put_credential(
        self, key: str, kind: str, account: str, expires: datetime | None, csrf: str | None
    ) -> None: ...

    @abstractmethod
    def _credential(self, key: str, kind: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def _use_once(self, key: str, now: datetime) -> str | None: ...

    @abstractmethod
    def _drop_credential(self, key: str) -> None: ...

    @abstractmethod
    def _holders(self) -> set[str]:
        """Accounts holding a token or a session (live or expired)."""

    # -- the audit trail -----------------------------------------------------------
    def record(self, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Append one audit record (a sign-in, a read of sensitive data)."""
        self.store.record_audit(actor, action, detail)

    @abstractmethod
    def audit_entries(
        self,
        *,
        first: int,
        before_seq: int | None = None,
        actor: str | None = None,
        action: str | None = None,
    ) -> list[dict[str, Any]]:
        """Audit records newest first: ``seq < before_seq``, of ``actor`` and ``action``."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every account and credential (tests; a fresh start)."""


# -- the embedded store -------------------------------------------------------------
_SQL_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, roots TEXT NOT NULL, sectors TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS credentials (
    hash TEXT PRIMARY KEY, kind TEXT NOT NULL, account TEXT NOT NULL, created TEXT NOT NULL,
    expires TEXT, csrf TEXT, used TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS credentials_account ON credentials (account);
CREATE TABLE IF NOT EXISTS account_members (
    account TEXT PRIMARY KEY, member TEXT NOT NULL
) WITHOUT ROWID;
"""


def _account_row(row: tuple[Any, ...]) -> Account:
    name, role, roots, sectors, disabled, created = row
    return Account(
        name=name,
        role=role,
        roots=frozenset(orjson.loads(roots)),
        sectors=frozenset(orjson.loads(sectors)),
        disabled=bool(disabled),
        created=created,
    )


class SqliteAccounts(AccountStore):
    """Accounts in the embedded store's SQLite file, through its own connection and the
    lock it holds that connection with (``EmbeddedStore.account_store`` hands them over)."""

    def __init__(
        self, store: GraphStore, db: sqlite3.Connection, lock: AbstractContextManager[Any]
    ) -> None:
        super().__init__(store)
        self._db = db
        self._lock = lock
        with self._lock:
            self._db.executescript(_SQL_SCHEMA)

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _insert(self, account: Account) -> None:
        self._run(
            "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?)",
            (
                account.name,
                account.role,
                orjson.dumps(sorted(account.roots)).decode(),
                orjson.dumps(sorted(account.sectors)).decode(),
                int(account.disabled),
                account.created,
            ),
        )

    def get(self, name: str) -> Account | None:
        rows = self._run("SELECT * FROM accounts WHERE name = ?", (name,))
        return _account_row(rows[0]) if rows else None

    def accounts(self) -> list[Account]:
        return [_account_row(r) for r in self._run("SELECT * FROM accounts ORDER BY name")]

    def set_disabled(self, name: str, disabled: bool) -> None:
        self.require(name)
        self._run("UPDATE accounts SET disabled = ? WHERE name = ?", (int(disabled), name))
        if disabled:  # a disabled account's sessions end now
            self._run("DELETE FROM credentials WHERE account = ? AND kind = 'session'", (name,))

    def _set_member(self, name: str, member: str | None) -> None:
        self._run("DELETE FROM account_members WHERE account = ?", (name,))
        if member is not None:
            self._run("INSERT INTO account_members VALUES (?, ?)", (name, member))

    def member_of(self, name: str) -> str | None:
        rows = self._run("SELECT member FROM account_members WHERE account = ?", (name,))
        return str(rows[0][0]) if rows else None

    def _put_credential(
        self, key: str, kind: str, account: str, expires: datetime | None, csrf: str | None
    ) -> None:
        self._run(
            "INSERT INTO credentials (hash, kind, account, created, expires, csrf) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (key, kind, account, _now().isoformat(), expires and expires.isoformat(), csrf),
        )

    def _credential(self, key: str, kind: str) -> dict[str, Any] | None:
        rows = self._run(
            "SELECT account, expires, csrf FROM credentials WHERE hash = ? AND kind = ?",
            (key, kind),
        )
        if not rows:
            return None
        account, expires, csrf = rows[0]
        return {"account": account, "expires": expires, "csrf": csrf}

    def _use_once(self, key: str, now: datetime) -> str | None:
        # One statement marks the link used only if it was not: of two racing requests,
        # exactly one changes the row (SQLite serialises writers).
        with self._lock:
            cursor = self._db.execute(
                "UPDATE credentials SET used = ? WHERE hash = ? AND kind = 'link' "
                "AND used IS NULL AND expires > ?",
                (now.isoformat(), key, now.isoformat()),
            )
            if cursor.rowcount != 1:
                return None
            row = self._db.execute(
                "SELECT account FROM credentials WHERE hash = ?", (key,)
            ).fetchone()
        return None if row is None else str(row[0])

    def _drop_credential(self, key: str) -> None:
        self._run("DELETE FROM credentials WHERE hash = ?", (key,))

    def _holders(self) -> set[str]:
        rows = self._run(
            "SELECT DISTINCT account FROM credentials WHERE kind IN ('token', 'session')"
        )
        return {r[0] for r in rows}

    def audit_entries(
        self,
        *,
        first: int,
        before_seq: int | None = None,
        actor: str | None = None,
        action: str | None = None,
    ) -> list[dict[str, Any]]:
        rows = self._run(
            "SELECT seq, at, actor, action, detail FROM audit "
            "WHERE (?1 IS NULL OR seq < ?1) AND (?2 IS NULL OR actor = ?2) "
            "AND (?3 IS NULL OR action = ?3) ORDER BY seq DESC LIMIT ?4",
            (before_seq, actor, action, max(first, 0)),
        )
        return [
            {"seq": s, "at": at, "actor": who, "action": what, "detail": orjson.loads(d)}
            for s, at, who, what, d in rows
        ]

    def clear(self) -> None:
        self._run("DELETE FROM credentials")
        self._run("DELETE FROM account_members")
        self._run("DELETE FROM accounts")


# -- Neo4j ----------------------------------------------------------------------------
_CYPHER_SCHEMA: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT account_name IF NOT EXISTS FOR (a:Account) REQUIRE a.name IS UNIQUE",
    "CREATE CONSTRAINT credential_hash IF NOT EXISTS FOR (c:Credential) REQUIRE c.hash IS UNIQUE",
    "CREATE INDEX credential_account IF NOT EXISTS FOR (c:Credential) ON (c.account)",
)
_ACCOUNT_COLS: LiteralString = "a.name, a.role, a.roots, a.sectors, a.disabled, a.created"
_CY_INSERT: LiteralString = (
    "CREATE (a:Account {name: $name, role: $role, roots: $roots, sectors: $sectors, "
    "disabled: false, created: $created})"
)
_CY_GET: LiteralString = "MATCH (a:Account {name: $name}) RETURN " + _ACCOUNT_COLS
_CY_ALL: LiteralString = "MATCH (a:Account) RETURN " + _ACCOUNT_COLS + " ORDER BY a.name"
_CY_DISABLE: LiteralString = "MATCH (a:Account {name: $name}) SET a.disabled = $disabled"
_CY_SET_MEMBER: LiteralString = "MATCH (a:Account {name: $name}) SET a.member = $member"
_CY_MEMBER: LiteralString = "MATCH (a:Account {name: $name}) RETURN a.member"
_CY_END_SESSIONS: LiteralString = "MATCH (c:Credential {account: $name, kind: 'session'}) DELETE c"
_CY_PUT: LiteralString = (
    "CREATE (c:Credential {hash: $hash, kind: $kind, account: $account, created: $created, "
    "expires: $expires, csrf: $csrf})"
)
_CY_CREDENTIAL: LiteralString = (
    "MATCH (c:Credential {hash: $hash, kind: $kind}) RETURN c.account, c.expires, c.csrf"
)
# Marks the link used only if it was not; the write lock Neo4j takes on the node makes
# the check and the mark one step for concurrent requests.
_CY_USE_ONCE: LiteralString = (
    "MATCH (c:Credential {hash: $hash, kind: 'link'}) "
    "SET c._lock = true "
    "WITH c, (c.used IS NULL AND c.expires > $now) AS ok "
    "SET c._lock = null, c.used = CASE WHEN ok THEN $now ELSE c.used END "
    "WITH c, ok WHERE ok RETURN c.account"
)
_CY_DROP: LiteralString = "MATCH (c:Credential {hash: $hash}) DELETE c"
_CY_HOLDERS: LiteralString = (
    "MATCH (c:Credential) WHERE c.kind IN ['token', 'session'] RETURN DISTINCT c.account"
)
_CY_AUDIT: LiteralString = (
    "MATCH (a:Audit) WHERE a.seq IS NOT NULL "
    "AND ($before IS NULL OR a.seq < $before) "
    "AND ($actor IS NULL OR a.actor = $actor) AND ($action IS NULL OR a.action = $action) "
    "RETURN a.seq, a.at, a.actor, a.action, a.detail ORDER BY a.seq DESC LIMIT $first"
)
_CY_CLEAR: LiteralString = "MATCH (n) WHERE n:Account OR n:Credential DETACH DELETE n"


#: Runs one Cypher statement with its parameters in a managed transaction (read or
#: write) and returns its rows: what ``Neo4jStore.account_store`` hands over.
CypherRunner = Callable[[LiteralString, dict[str, Any]], list[list[Any]]]


class Neo4jAccounts(AccountStore):
    """Accounts as ``:Account`` and ``:Credential`` nodes in the Neo4j database."""

    def __init__(
        self,
        store: GraphStore,
        *,
        read: CypherRunner,
        write: CypherRunner,
        schema_names: Callable[[], set[str]],
    ) -> None:
        super().__init__(store)
        self._run_read, self._run_write = read, write
        existing = schema_names()
        for statement in _CYPHER_SCHEMA:
            name = statement.split()[2]
            if name not in existing:
                self._write(statement)

    def _read(self, query: LiteralString, **params: Any) -> list[list[Any]]:
        return self._run_read(query, params)

    def _write(self, query: LiteralString, **params: Any) -> list[list[Any]]:
        return self._run_write(query, params)

    def _insert(self, account: Account) -> None:
        self._write(
            _CY_INSERT,
            name=account.name,
            role=account.role,
            roots=sorted(account.roots),
            sectors=sorted(account.sectors),
            created=account.created,
        )

    @staticmethod
    def _account(row: list[Any]) -> Account:
        name, role, roots, sectors, disabled, created = row
        return Account(
            name=name,
            role=role,
            roots=frozenset(roots or ()),
            sectors=frozenset(sectors or ()),
            disabled=bool(disabled),
            created=created,
        )

    def get(self, name: str) -> Account | None:
        rows = self._read(_CY_GET, name=name)
        return self._account(rows[0]) if rows else None

    def accounts(self) -> list[Account]:
        return [self._account(r) for r in self._read(_CY_ALL)]

    def set_disabled(self, name: str, disabled: bool) -> None:
        self.require(name)
        self._write(_CY_DISABLE, name=name, disabled=disabled)
        if disabled:
            self._write(_CY_END_SESSIONS, name=name)

    def _set_member(self, name: str, member: str | None) -> None:
        self._write(_CY_SET_MEMBER, name=name, member=member)

    def member_of(self, name: str) -> str | None:
        rows = self._read(_CY_MEMBER, name=name)
        return None if not rows or rows[0][0] is None else str(rows[0][0])

    def _put_credential(
        self, key: str, kind: str, account: str, expires: datetime | None, csrf: str | None
    ) -> None:
        self._write(
            _CY_PUT,
            hash=key,
            kind=kind,
            account=account,
            created=_now().isoformat(),
            expires=expires and expires.isoformat(),
            csrf=csrf,
        )

    def _credential(self, key: str, kind: str) -> dict[str, Any] | None:
        rows = self._read(_CY_CREDENTIAL, hash=key, kind=kind)
        if not rows:
            return None
        account, expires, csrf = rows[0]
        return {"account": account, "expires": expires, "csrf": csrf}

    def _use_once(self, key: str, now: datetime) -> str | None:
        rows = self._write(_CY_USE_ONCE, hash=key, now=now.isoformat())
        return str(rows[0][0]) if rows else None

    def _drop_credential(self, key: str) -> None:
        self._write(_CY_DROP, hash=key)

    def _holders(self) -> set[str]:
        return {r[0] for r in self._read(_CY_HOLDERS)}

    def audit_entries(
        self,
        *,
        first: int,
        before_seq: int | None = None,
        actor: str | None = None,
        action: str | None = None,
    ) -> list[dict[str, Any]]:
        rows = self._read(
            _CY_AUDIT, before=before_seq, actor=actor, action=action, first=max(first, 0)
        )
        return [
            {"seq": s, "at": at, "actor": who, "action": what, "detail": orjson.loads(d)}
            for s, at, who, what, d in rows
        ]

    def clear(self) -> None:
        self._write(_CY_CLEAR)


def account_store(store: GraphStore) -> AccountStore:
    """The accounts kept in ``store`` (the embedded store's file, or the Neo4j database):
    ``GraphStore.account_store``, which a store that keeps none refuses (``ConfigError``)."""
    return store.account_store()
