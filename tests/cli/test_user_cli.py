"""``orggraph user``: the member (党员) an account signs in as, shown and set, on both stores.

The graph: 城东区委 (630102) and one member, m1 王一. Accounts ``wang`` (linked to m1 when
added) and ``li`` (not linked); the expected lines are written out by hand.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from orggraph.cli import cli
from orggraph.errors import NotFound
from orggraph.model import LinkKind, WriteBatch
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import link, member, org

Runner = Callable[..., Result]
HEAD = "名称 name\t角色 role\t范围 scope\t领域 sectors\t状态 state\t党员 member"


@pytest.fixture
def run(store: GraphStore, request: pytest.FixtureRequest) -> Runner:
    store.write(
        WriteBatch(
            nodes=(org("630102", "城东区委", "county"), member("m1", "王一")),
            links=(link(LinkKind.MEMBER_OF, "m1", "630102"),),
        )
    )
    if isinstance(store, EmbeddedStore):
        url, env = f"sqlite:///{store.path}", {}
    else:
        info = request.getfixturevalue("neo4j_server")
        url = info.uri
        env = {
            "ORGGRAPH_NEO4J_USER": info.user,
            "ORGGRAPH_NEO4J_PASSWORD": info.password,
            "ORGGRAPH_NEO4J_DATABASE": info.database,
        }

    def invoke(*args: str) -> Result:
        return CliRunner(env=env).invoke(cli, ["--store", url, *args])

    return invoke


def test_the_member_is_listed_shown_linked_and_cleared(run: Runner, store: GraphStore) -> None:
    added = run("user", "add", "wang", "--role", "analyst", "--scope", "630102", "--member", "m1")
    assert added.exit_code == 0, added.output
    assert run("user", "add", "li", "--role", "viewer").exit_code == 0
    assert run("user", "list").stdout.splitlines() == [
        HEAD,
        "li\tviewer\t全部 all\t全部 all\t启用 enabled\t",
        "wang\tanalyst\t630102\t全部 all\t启用 enabled\t王一(m1)",
    ]
    assert run("user", "show", "wang").stdout.splitlines() == [
        HEAD,
        "wang\tanalyst\t630102\t全部 all\t启用 enabled\t王一(m1)",
    ]
    linked = run("user", "member", "li", "m1")
    assert linked.exit_code == 0, linked.output
    assert "li → 王一(m1)" in linked.stderr
    assert run("user", "member", "wang", "--clear").exit_code == 0
    assert run("user", "list").stdout.splitlines()[1:] == [
        "li\tviewer\t全部 all\t全部 all\t启用 enabled\t王一(m1)",
        "wang\tanalyst\t630102\t全部 all\t启用 enabled\t",
    ]
    accounts = account_store(store)
    assert (accounts.member_of("li"), accounts.member_of("wang")) == ("m1", None)


def test_a_bad_member_or_account_is_named_and_nothing_written(
    run: Runner, store: GraphStore
) -> None:
    bad = run("user", "add", "x", "--role", "viewer", "--member", "nobody")
    assert bad.exit_code == 2
    assert "Invalid value for --member: no member 'nobody' in the store" in bad.output
    assert account_store(store).get("x") is None  # not created half-way
    assert run("user", "add", "li", "--role", "viewer").exit_code == 0
    not_member = run("user", "member", "li", "630102")  # an organization, not a member
    assert not_member.exit_code == 2
    assert "no member '630102' in the store" in not_member.output
    neither = run("user", "member", "li")
    assert neither.exit_code == 2
    assert "name a MEMBER to link, or give --clear" in neither.output
    both = run("user", "member", "li", "m1", "--clear")
    assert both.exit_code == 2
    ghost = run("user", "member", "ghost", "m1")
    assert ghost.exit_code == 1
    assert isinstance(ghost.exception, NotFound)  # main() prints it as one line
    assert "no account 'ghost'" in str(ghost.exception)
    assert run("user", "show", "ghost").exit_code == 1
    assert account_store(store).member_of("li") is None
