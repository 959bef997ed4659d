"""Accounts and credentials in each store: tokens kept hashed, links single use, sessions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from orggraph.cli import cli
from orggraph.cli.serve import first_admin_link
from orggraph.errors import NotFound, ValidationFailed
from orggraph.store.accounts import AccountStore, account_store, digest
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.api.graphs import small_city


@pytest.fixture
def accounts(store: GraphStore) -> AccountStore:
    found = account_store(store)
    found.clear()
    return found


def test_an_account_has_a_role_and_a_scope(accounts: AccountStore) -> None:
    made = accounts.add("li", "analyst", roots=frozenset({"630102"}), sectors=frozenset({"农村"}))
    # The Chinese sector label is read as its code; the scope is the roots and sectors.
    assert made.sectors == frozenset({"rural"})
    assert accounts.get("li") == made
    assert [a.name for a in accounts.accounts()] == ["li"]
    assert made.scope.roots == frozenset({"630102"})


@pytest.mark.parametrize(
    ("name", "role", "rule"),
    [
        ("li", "boss", "account-role"),
        ("li wei", "viewer", "account-name"),
        ("", "admin", "account-name"),
    ],
)
def test_bad_accounts_are_refused_with_the_rule(
    accounts: AccountStore, name: str, role: str, rule: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        accounts.add(name, role)
    assert [p.rule for p in caught.value.problems] == [rule]


def test_a_taken_name_is_refused(accounts: AccountStore) -> None:
    accounts.add("li", "viewer")
    with pytest.raises(ValidationFailed, match="exists"):
        accounts.add("li", "admin")


def test_a_token_is_kept_as_its_digest_only(accounts: AccountStore, store: GraphStore) -> None:
    accounts.add("ops", "admin")
    token = accounts.issue_token("ops")
    assert token.startswith("ogt_") and len(token) > 40
    assert accounts.by_token(token).name == "ops"
    assert accounts.by_token(token + "x") is None
    # Stored under its SHA-256, never in clear.
    assert accounts._credential(digest(token), "token") is not None
    assert accounts._credential(token, "token") is None
    if isinstance(store, EmbeddedStore):
        assert token.encode() not in Path(store.path).read_bytes()
        wal = Path(str(store.path) + "-wal")
        assert not wal.exists() or token.encode() not in wal.read_bytes()


def test_a_disabled_account_signs_in_no_more(accounts: AccountStore) -> None:
    accounts.add("li", "analyst")
    token = accounts.issue_token("li")
    session_id, _ = accounts.open_session("li")
    assert accounts.session(session_id) is not None
    accounts.set_disabled("li", True)
    assert accounts.by_token(token) is None
    assert accounts.session(session_id) is None
    accounts.set_disabled("li", False)
    assert accounts.by_token(token) is not None  # the token stands; the session ended
    assert accounts.session(session_id) is None


def test_a_sign_in_link_works_once_and_not_after_it_expires(accounts: AccountStore) -> None:
    accounts.add("admin", "admin")
    link = accounts.issue_link("admin")
    assert accounts.redeem_link(link).name == "admin"
    assert accounts.redeem_link(link) is None  # used
    stale = accounts.issue_link("admin", timedelta(seconds=-1))
    assert accounts.redeem_link(stale) is None  # expired
    assert accounts.redeem_link("ogl_unknown") is None
    # A link is no API token, and a token no link.
    token = accounts.issue_token("admin")
    assert accounts.redeem_link(token) is None
    assert accounts.by_token(accounts.issue_link("admin")) is None


def test_an_expired_session_is_refused_and_sign_out_ends_one(accounts: AccountStore) -> None:
    accounts.add("li", "viewer")
    old, _ = accounts.open_session("li", timedelta(seconds=-1))
    assert accounts.session(old) is None
    live, csrf = accounts.open_session("li")
    assert accounts.session(live).csrf == csrf
    accounts.close_session(live)
    assert accounts.session(live) is None


def test_unknown_accounts_are_not_found(accounts: AccountStore) -> None:
    with pytest.raises(NotFound, match="nobody"):
        accounts.issue_token("nobody")


def test_the_first_admin_link_is_printed_until_an_admin_signs_in(accounts: AccountStore) -> None:
    store = accounts.store
    first = first_admin_link(store)
    assert first is not None
    assert [(a.name, a.role) for a in accounts.accounts()] == [("admin", "admin")]
    second = first_admin_link(store)  # restarted before anyone signed in: a new link
    assert second is not None and second != first
    account = accounts.redeem_link(second)
    assert account is not None
    accounts.open_session(account.name)
    assert first_admin_link(store) is None  # an administrator has signed in


def test_the_user_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = EmbeddedStore(tmp_path / "cli.db")
    store.write(small_city())
    store.close()
    runner = CliRunner()
    made = runner.invoke(
        cli,
        ["--store", url, "user", "add", "li", "--role", "analyst", "--scope", "630102", "--token"],
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("ogt_")
    listed = runner.invoke(cli, ["--store", url, "user", "list"])
    assert "li\tanalyst\t630102\t全部 all\t启用 enabled" in listed.stdout
    bad = runner.invoke(
        cli, ["--store", url, "user", "add", "x", "--role", "viewer", "--scope", "nope"]
    )
    assert bad.exit_code == 2
    link = runner.invoke(
        cli, ["--store", url, "user", "token", "li", "--link", "--url", "https://og.example/"]
    )
    assert link.stdout.startswith("https://og.example/signin?token=ogl_")
    assert runner.invoke(cli, ["--store", url, "user", "disable", "li"]).exit_code == 0
    store = EmbeddedStore(tmp_path / "cli.db")
    try:
        assert account_store(store).by_token(token) is None
    finally:
        store.close()
    audit = runner.invoke(cli, ["--store", url, "audit", "--first", "5"])
    assert audit.exit_code == 0
    assert "write" in audit.stdout  # the small city's import
