"""Weak branches asked, then the graph written, then asked again (both stores).

``judge_branches`` keeps the whole tree's judgement at a date for the store's state
(``GraphStore.read_state``) and cuts it to each caller's scope: each write below must show
in the next answer, and a scope must see only its own, worked out by hand on
``test_weak.skeleton``'s graph with three branches (3 full members and a secretary since
2010 unless said)::

    630102 城东区委 ── 630102001 ── e (rural)
    630103 城中区委 ── 630103001 ── m (rural), c (community, 2 full members: few_members)

Asked on 2019-06-30 (``AS_OF``) and 2019-03-31 (``MARCH``); the facts of 2018 count at both.
The writes, in order, each after asking:

1. e held 11 meetings in 2018 (12 required): e fails ``few_meetings`` at both dates;
2. m's secretary leaves on 2018-12-01: vacant 6 whole months and 29 days at 2019-06-30, over
   the 6 allowed (``secretary_vacant``); 3 months at 2019-03-31, not over;
3. c gains a third full member from 2019-01-01: c passes ``few_members`` at both dates.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from orggraph.analysis.config import load_rules
from orggraph.analysis.weak import weak_branches
from orggraph.model import LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope
from tests.analysis.test_weak import (
    AS_OF,
    EAST,
    MIDDLE,
    build,
    facts,
    failing,
    rules_file,
    skeleton,
)
from tests.graphs import link, member, staffed_branch

MARCH = date(2019, 3, 31)
EAST_DISTRICT = Scope(roots=frozenset({"630102"}))
MIDDLE_DISTRICT = Scope(roots=frozenset({"630103"}))
COMMUNITY = Scope(sectors=frozenset({"community"}))  # type: ignore[arg-type]

Asked = tuple[dict[str, list[str]], ...]


def _three_branches(store: GraphStore) -> None:
    build(
        store,
        staffed_branch("e", EAST),
        staffed_branch("m", MIDDLE),
        staffed_branch("c", MIDDLE, full=2, sector="community"),
    )


def _ask(store: GraphStore) -> Asked:
    """The whole city at both dates, then each district and the community sector."""
    return (
        failing(store, AS_OF),
        failing(store, MARCH),
        failing(store, AS_OF, EAST_DISTRICT),
        failing(store, AS_OF, MIDDLE_DISTRICT),
        failing(store, AS_OF, COMMUNITY),
    )


def test_each_write_shows_in_the_next_answer(store: GraphStore) -> None:
    _three_branches(store)
    members = ["few_members"]
    meetings = ["few_meetings"]
    secretary = link(LinkKind.HOLDS_POST, "m-m1", "m", role="secretary")
    steps: list[tuple[WriteBatch | None, Asked]] = [
        (None, ({"c": members}, {"c": members}, {}, {"c": members}, {"c": members})),
        (  # 1. e held 11 meetings in 2018
            facts(("e", "meetings_held", 11)),
            (
                {"c": members, "e": meetings},
                {"c": members, "e": meetings},
                {"e": meetings},
                {"c": members},
                {"c": members},
            ),
        ),
        (  # 2. m's secretary leaves on 2018-12-01
            WriteBatch(end_links=((secretary.id, date(2018, 12, 1)),)),
            (
                {"c": members, "e": meetings, "m": ["secretary_vacant"]},
                {"c": members, "e": meetings},
                {"e": meetings},
                {"c": members, "m": ["secretary_vacant"]},
                {"c": members},
            ),
        ),
        (  # 3. c's third full member from 2019-01-01
            WriteBatch(
                nodes=(member("c-m3", "c党员3", status="full", start=date(2019, 1, 1)),),
                links=(link(LinkKind.MEMBER_OF, "c-m3", "c", start=date(2019, 1, 1)),),
            ),
            (
                {"e": meetings, "m": ["secretary_vacant"]},
                {"e": meetings},
                {"e": meetings},
                {"m": ["secretary_vacant"]},
                {},
            ),
        ),
    ]
    for batch, expected in steps:
        if batch is not None:
            store.write(batch)
        assert _ask(store) == expected
        assert _ask(store) == expected  # asked again, with nothing written between


def test_other_rules_are_judged_apart(store: GraphStore, tmp_path: Path) -> None:
    _three_branches(store)
    store.write(facts(("e", "meetings_held", 11)))
    assert failing(store) == {"c": ["few_members"], "e": ["few_meetings"]}
    # 11 meetings required: e's 11 are enough; the shipped rules, asked again, still fail it.
    eleven = load_rules(rules_file(tmp_path, "[weak.few_meetings]\nmin_meetings = 11\n"))
    assert failing(store, rules=eleven) == {"c": ["few_members"]}
    assert failing(store) == {"c": ["few_members"], "e": ["few_meetings"]}


def test_a_scope_asked_after_the_city_reads_no_facts(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The city's judgement is kept for the store's state: a district asking next is cut
    # from it (the store's own reads, counted, not replaced). A store that promises no
    # state (Neo4j) keeps nothing: each scope is judged, its facts read, again.
    kept = store.read_state() is not None
    _three_branches(store)
    assert failing(store) == {"c": ["few_members"]}
    reads: list[int] = []
    read = store.facts

    def counted(*args: Any, **kwargs: Any) -> dict[str, dict[str, Any]]:
        reads.append(1)
        return read(*args, **kwargs)

    monkeypatch.setattr(store, "facts", counted)
    assert failing(store, AS_OF, MIDDLE_DISTRICT) == {"c": ["few_members"]}
    assert failing(store, AS_OF, EAST_DISTRICT) == {}
    assert reads == [] if kept else len(reads) >= 2
    before = len(reads)
    assert failing(store, MARCH) == {"c": ["few_members"]}  # another date: judged
    assert reads == [1] if kept else len(reads) > before


def test_a_second_store_sees_a_write_once_it_catches_up(tmp_path: Path) -> None:
    # One process's write, another's kept judgement: the same until the second catches up.
    path = tmp_path / "two.db"
    with EmbeddedStore(path) as one, EmbeddedStore(path) as two:
        one.write(skeleton())
        one.write(staffed_branch("e", EAST))
        assert two.refresh()
        assert failing(two) == {}
        one.write(facts(("e", "meetings_held", 11)))
        assert failing(two) == {}
        assert two.refresh()
        assert failing(two) == {"e": ["few_meetings"]}
        assert [w.organization.id for w in weak_branches(two, AS_OF, EAST_DISTRICT)] == ["e"]
