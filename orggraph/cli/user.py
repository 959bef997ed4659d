"""``orggraph user``: accounts, their roles and scopes, and their API tokens.

::

    orggraph user add li-analyst --role analyst --scope 630102 --token
    orggraph user add ops --role admin --token          # a token for scripts
    orggraph user add wang --role analyst --scope 630102001 --member m0000223
    orggraph user list                                 # with each account's member
    orggraph user show wang
    orggraph user member wang m0000223                 # link the account to a member
    orggraph user member wang --clear                  # and unlink it
    orggraph user token li-analyst                     # a new API token (shown once)
    orggraph user token li-analyst --link              # a one-time sign-in link instead
    orggraph user disable li-analyst

Accounts live in the store itself (``orggraph.store.accounts``), so every server over the
same store knows them. Tokens are printed once and kept only as their SHA-256 digest. An
account linked to a member (党员) signs in as that person: a secretary edits their own
responsibility list with it (``orggraph cycle``).
"""

from __future__ import annotations

from datetime import timedelta

import click

from orggraph.cli import AppContext, pass_app, store_option
from orggraph.cli._options import make_scope
from orggraph.cli.tables import render_table, to_terminal
from orggraph.model import NodeKind
from orggraph.store.accounts import ROLES, Account, AccountStore, account_store
from orggraph.store.base import GraphStore

__all__ = ["check_member", "command"]


@click.group(name="user")
def command() -> None:
    """Accounts: add, list, disable, issue tokens (用户、角色与范围)."""


@command.command(name="add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do")
@click.option(
    "--scope",
    "scope_roots",
    multiple=True,
    help="An organization id whose subtree the account sees (repeatable; none: all)",
)
@click.option(
    "--sector", "sectors", multiple=True, help="A sector it sees (code or 中文; repeatable)"
)
@click.option("--token", "with_token", is_flag=True, help="Also print an API token for it")
@click.option("--member", default=None, help="The member (党员) id the account signs in as")
@store_option
@pass_app
def add(
    app: AppContext,
    name: str,
    role: str,
    scope_roots: tuple[str, ...],
    sectors: tuple[str, ...],
    with_token: bool,
    member: str | None,
) -> None:
    """Create the account NAME with a role and an optional scope."""
    scope = make_scope(scope_roots, sectors)  # a bad sector is a usage error here
    store = app.store()
    problems = [r for r in scope.roots if store.node_versions([r]) == {}]
    if problems:
        raise click.BadParameter(
            f"no organization {', '.join(sorted(problems))} in the store", param_hint="--scope"
        )
    if member is not None:
        check_member(store, member, "--member")
    accounts = account_store(store)
    account = accounts.add(
        name, role, roots=scope.roots, sectors=frozenset(s.value for s in scope.sectors)
    )
    if member is not None:
        accounts.link_member(name, member)
    click.echo(f"已创建账户 account created: {account.name} ({account.role})", err=True)
    if with_token:
        click.echo(accounts.issue_token(name))


@command.command(name="list")
@store_option
@pass_app
def list_(app: AppContext) -> None:
    """Every account: name, role, scope, sectors, state and the member it signs in as
    (tab-separated when piped)."""
    store = app.store()
    accounts = account_store(store)
    rows = _rows(store, accounts, accounts.accounts())
    _echo(rows)


@command.command(name="show")
@click.argument("name")
@store_option
@pass_app
def show(app: AppContext, name: str) -> None:
    """One account: its role, scope, sectors, state and linked member."""
    store = app.store()
    accounts = account_store(store)
    _echo(_rows(store, accounts, [accounts.require(name)]))


@command.command(name="member")
@click.argument("name")
@click.argument("member", required=False)
@click.option("--clear", is_flag=True, help="Unlink the account from its member")
@store_option
@pass_app
def member_command(app: AppContext, name: str, member: str | None, clear: bool) -> None:
    """Link NAME to the member MEMBER (党员 id) it signs in as, or --clear the link."""
    if clear == (member is not None):
        raise click.UsageError("name a MEMBER to link, or give --clear to unlink (not both)")
    store = app.store()
    if member is not None:
        check_member(store, member, "MEMBER")
    accounts = account_store(store)
    accounts.link_member(name, member)
    label = _member_labels(store, [member]).get(member, "") if member else "(无 none)"
    click.echo(f"已关联党员 member linked: {name} → {label}", err=True)


_HEADERS = [
    ("名称", "name"),
    ("角色", "role"),
    ("范围", "scope"),
    ("领域", "sectors"),
    ("状态", "state"),
    ("党员", "member"),
]


def _rows(store: GraphStore, accounts: AccountStore, listed: list[Account]) -> list[list[str]]:
    linked = {a.name: accounts.member_of(a.name) for a in listed}
    labels = _member_labels(store, [m for m in linked.values() if m is not None])
    return [
        [
            a.name,
            a.role,
            ",".join(sorted(a.roots)) or "全部 all",
            ",".join(sorted(a.sectors)) or "全部 all",
            "停用 disabled" if a.disabled else "启用 enabled",
            labels.get(linked[a.name] or "", ""),
        ]
        for a in listed
    ]


def _echo(rows: list[list[str]]) -> None:
    headers = _HEADERS
    if to_terminal():
        click.echo(render_table(headers, rows))
        return
    for row in [[f"{zh} {en}" for zh, en in headers], *rows]:
        click.echo("\t".join(row))


def _member_labels(store: GraphStore, members: list[str]) -> dict[str, str]:
    """``姓名(id)`` of each member, by their latest version (a member who has left keeps
    their name); an id no member has is shown as ``?(id)``."""
    versions = store.node_versions(sorted(set(members))) if members else {}
    out = {}
    for member in members:
        found = [v for v in versions.get(member, []) if v.kind is NodeKind.MEMBER]
        name = max(found, key=lambda v: v.valid_from).name if found else "?"
        out[member] = f"{name}({member})"
    return out


def check_member(store: GraphStore, member: str, hint: str) -> None:
    """A usage error (exit 2) naming ``member`` unless the store holds a member by that id."""
    versions = store.node_versions([member]).get(member, [])
    if not any(v.kind is NodeKind.MEMBER for v in versions):
        raise click.BadParameter(f"no member {member!r} in the store", param_hint=hint)


@command.command(name="disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable it again instead")
@store_option
@pass_app
def disable(app: AppContext, name: str, enable: bool) -> None:
    """Disable NAME: its tokens and sessions stop working at once."""
    account_store(app.store()).set_disabled(name, not enable)
    done = "已启用账户 account enabled" if enable else "已停用账户 account disabled"
    click.echo(f"{done}: {name}", err=True)


@command.command(name="token")
@click.argument("name")
@click.option("--link", is_flag=True, help="A one-time browser sign-in link instead of a token")
@click.option(
    "--url",
    default=None,
    help="The server's address for --link (default: http://HOST:PORT from the settings)",
)
@click.option("--minutes", type=int, default=15, show_default=True, help="How long a link lasts")
@store_option
@pass_app
def token(app: AppContext, name: str, link: bool, url: str | None, minutes: int) -> None:
    """Print a new API token for NAME (or, with --link, a one-time sign-in link)."""
    accounts = account_store(app.store())
    if link:
        secret = accounts.issue_link(name, timedelta(minutes=minutes))
        click.echo(f"{base_url(app, url)}/signin?token={secret}")
    else:
        click.echo(accounts.issue_token(name))


def base_url(app: AppContext, url: str | None = None) -> str:
    """Where users reach the server: ``--url``, the public_url setting, or http://HOST:PORT."""
    settings = app.settings
    chosen = url or settings.public_url or f"http://{settings.host}:{settings.port}"
    return chosen.rstrip("/")
