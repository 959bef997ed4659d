"""Every change inside a window, from the history, on both stores.

Worked by hand for the window (2017-12-31, 2019-06-30] on ``tiny_city`` plus:

- b9 (党支部 under 630102001) founded 2018-02-16 and dissolved 2018-11-13: founded and
  dissolved, its parent link made and ended with it (a move is not reported);
- m1 (member from 2010) secretary of b1 2018-02-04 → 2019-03-04: filled and vacated;
- m1 a member of b1 from 2010 and of b9 over b9's life: one membership made, one ended;
- m1's education changed on 2019-01-01 (a new version): one member changed;
- b1's 2018 考核等次 (2018's year begins inside) and its 2016 one (outside).

A two-date comparison (``net``) sees none of the b9 or post events: each began and ended
between the dates.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orggraph.analysis.chain import Person
from orggraph.analysis.changes import (
    FactCount,
    LinkCount,
    NodeCount,
    OrgEvent,
    changes_between,
)
from orggraph.model import LinkKind, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope
from tests.graphs import fact, link, member, org, tiny_city

SINCE, UNTIL = date(2017, 12, 31), date(2019, 6, 30)
FOUNDED, DISSOLVED = date(2018, 2, 16), date(2018, 11, 13)
HELD_FROM, HELD_TO = date(2018, 2, 4), date(2019, 3, 4)
EDUCATED = date(2019, 1, 1)


@pytest.fixture
def city(store: GraphStore) -> GraphStore:
    return _write_city(store)


def _write_city(store: GraphStore) -> GraphStore:
    store.write(tiny_city())
    b9 = org("b9", "临时党支部", "grassroots", "branch", start=FOUNDED, end=DISSOLVED)
    store.write(
        WriteBatch(
            nodes=(
                b9,
                member("m1", "张三", end=EDUCATED),
                member("m1", "张三", start=EDUCATED, education="postgraduate"),
            ),
            links=(
                link(LinkKind.SUBORDINATE_TO, "b9", "630102001", start=FOUNDED, end=DISSOLVED),
                link(LinkKind.MEMBER_OF, "m1", "b1"),
                link(LinkKind.MEMBER_OF, "m1", "b9", start=FOUNDED, end=DISSOLVED),
                link(
                    LinkKind.HOLDS_POST,
                    "m1",
                    "b1",
                    start=HELD_FROM,
                    end=HELD_TO,
                    role="secretary",
                ),
            ),
            facts=(
                fact("b1", 2018, "assessment_grade", "good"),
                fact("b1", 2016, "assessment_grade", "fair"),
            ),
        )
    )
    return store


def test_what_begins_and_ends_inside_the_window_is_reported(city: GraphStore) -> None:
    report = changes_between(city, SINCE, UNTIL, Scope())
    assert not report.net
    assert report.founded == (
        OrgEvent(organization="b9", name="临时党支部", date=FOUNDED, parent="630102001"),
    )
    assert report.dissolved == (
        OrgEvent(organization="b9", name="临时党支部", date=DISSOLVED, parent="630102001"),
    )
    assert report.moved == ()
    secretary = Person(id="m1", name="张三")
    filled = [(e.organization, e.role, e.person, e.date) for e in report.posts_filled]
    vacated = [(e.organization, e.role, e.person, e.date) for e in report.posts_vacated]
    assert filled == [("b1", "secretary", secretary, HELD_FROM)]
    assert vacated == [("b1", "secretary", secretary, HELD_TO)]
    counts = {c.kind: c for c in report.links if c.made or c.ended}
    assert counts == {LinkKind.MEMBER_OF: LinkCount(kind=LinkKind.MEMBER_OF, made=1, ended=1)}
    assert report.nodes == (
        NodeCount(kind=NodeKind.ORGANIZATION, began=1, changed=0, ended=1),
        NodeCount(kind=NodeKind.MEMBER, began=0, changed=1, ended=0),
    )
    assert report.facts == (FactCount(fact="assessment_grade", year=2018, count=1),)


def test_net_compares_the_two_dates_only(city: GraphStore) -> None:
    report = changes_between(city, SINCE, UNTIL, Scope(), net=True)
    assert report.net
    assert (report.founded, report.dissolved, report.posts_filled, report.posts_vacated) == (
        (),
        (),
        (),
        (),
    )
    assert all(c.made == c.ended == 0 for c in report.links)
    assert (report.nodes, report.facts) == ((), ())


def test_a_scope_sees_what_held_inside_it_on_the_day(city: GraphStore) -> None:
    # 630103 is a county of its own: none of the events above were in it.
    outside = changes_between(city, SINCE, UNTIL, Scope(roots=frozenset({"630103"})))
    assert (outside.founded, outside.dissolved, outside.posts_filled) == ((), (), ())
    assert all(c.made == c.ended == 0 for c in outside.links)
    assert (outside.nodes, outside.facts) == ((), ())
    # 630102 holds them all.
    inside = changes_between(city, SINCE, UNTIL, Scope(roots=frozenset({"630102"})))
    everything = changes_between(city, SINCE, UNTIL, Scope())
    assert inside == everything


def test_the_window_read_is_every_version_with_a_date_inside(city: GraphStore) -> None:
    window = city.versions_between(SINCE, UNTIL)
    nodes = sorted((v.id, v.valid_from, v.valid_to) for v in window.nodes)
    assert nodes == [
        ("b9", FOUNDED, DISSOLVED),
        ("m1", date(2010, 1, 1), EDUCATED),
        ("m1", EDUCATED, None),
    ]
    links = sorted((x.id, x.valid_from) for x in window.links)
    assert links == [
        ("holds_post:m1>b1#secretary", HELD_FROM),
        ("member_of:m1>b9", FOUNDED),
        ("subordinate_to:b9>630102001", FOUNDED),
    ]
    assert window.facts == [("b1", 2018, "assessment_grade")]


def test_the_embedded_columns_answer_alike(tmp_path: Path) -> None:
    # The whole graph's counts come from the store's columns once the file is read
    # again (``window_counts``), its names too (``node_names``): the answers above hold.
    path = tmp_path / "window.db"
    with EmbeddedStore(path) as store:
        _write_city(store)
    with EmbeddedStore(path, index_snapshot=False) as store:
        test_what_begins_and_ends_inside_the_window_is_reported(store)
        test_net_compares_the_two_dates_only(store)
        test_a_scope_sees_what_held_inside_it_on_the_day(store)
