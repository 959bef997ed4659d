"""Change over time on ``responsibility_city`` plus a few dated edits written in the test.

Edits (on top of the diagram in ``tests.graphs.responsibility_city``):

- b4 founded under 630103 on 2016-03-01;
- s1 moved from 630103 to 630102001 on 2017-01-01;
- b2 dissolved on 2019-01-01 (its three memberships and its parent link end with it).
"""

from __future__ import annotations

from datetime import date

import pytest

from orggraph.analysis.chain import Person
from orggraph.analysis.changes import LinkEvent, OrgEvent, OrgMove, changes_between
from orggraph.errors import ValidationFailed
from orggraph.model import LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, org, responsibility_city

SINCE, UNTIL = date(2013, 1, 1), date(2019, 6, 30)
SUB = LinkKind.SUBORDINATE_TO


@pytest.fixture
def city(store: GraphStore) -> GraphStore:
    store.write(responsibility_city())
    founded = date(2016, 3, 1)
    store.write(
        WriteBatch(
            nodes=(
                org("b4", "新建党支部", "grassroots", "branch", sector="community", start=founded),
            ),
            links=(link(SUB, "b4", "630103", start=founded),),
        )
    )
    moved = date(2017, 1, 1)
    store.write(
        WriteBatch(
            end_links=((link(SUB, "s1", "630103").id, moved),),
            links=(link(SUB, "s1", "630102001", start=moved),),
        )
    )
    store.write(WriteBatch(end_nodes=(("b2", date(2019, 1, 1)),)))
    return store


def test_changes_in_the_whole_city(city: GraphStore) -> None:
    report = changes_between(city, SINCE, UNTIL, Scope())
    assert report.founded == (
        OrgEvent(organization="b4", name="新建党支部", date=date(2016, 3, 1), parent="630103"),
    )
    assert report.dissolved == (
        OrgEvent(organization="b2", name="某村党支部", date=date(2019, 1, 1), parent="630102001"),
    )
    assert report.moved == (
        OrgMove(
            organization="s1",
            name="城中区强社区党支部",
            date=date(2017, 1, 1),
            old_parent="630103",
            new_parent="630102001",
        ),
    )
    assert [(e.organization, e.role, e.person, e.date) for e in report.posts_filled] == [
        ("b1", "secretary", Person(id="m04", name="钱支"), date(2015, 1, 1))
    ]
    assert [(e.organization, e.person.id, e.date) for e in report.posts_vacated] == [
        ("630102", "m02", date(2019, 3, 1))
    ]
    counts = {c.kind: (c.made, c.ended) for c in report.links if c.made or c.ended}
    # b2's three memberships ended with it; the contact (2014) and the pairing (2016) began.
    assert counts == {
        LinkKind.MEMBER_OF: (0, 3),
        LinkKind.CONTACTS: (1, 0),
        LinkKind.PAIRED_WITH: (1, 0),
    }
    assert report.links_made == (
        LinkEvent(kind=LinkKind.CONTACTS, source="m14", target="b1", date=date(2014, 1, 1)),
        LinkEvent(kind=LinkKind.PAIRED_WITH, source="s1", target="b1", date=date(2016, 1, 1)),
    )
    assert report.links_ended == ()  # memberships are counted, not listed


def test_changes_in_a_district_mask_what_lies_outside(city: GraphStore) -> None:
    # 630103's subtree: {630103, s1} in 2013, {630103, b4} in 2019.
    report = changes_between(city, SINCE, UNTIL, Scope(roots=frozenset({"630103"})))
    assert [e.organization for e in report.founded] == ["b4"]
    assert report.dissolved == ()
    # s1 moved to 630102001, which this caller does not see.
    assert [(m.organization, m.old_parent, m.new_parent) for m in report.moved] == [
        ("s1", "630103", None)
    ]
    assert (report.posts_filled, report.posts_vacated) == ((), ())
    # The pairing s1 → b1 began in the scope's s1; b1 is outside.
    assert report.links_made == (
        LinkEvent(kind=LinkKind.PAIRED_WITH, source="s1", target=None, date=date(2016, 1, 1)),
    )


def test_a_short_period_sees_only_its_own_changes(city: GraphStore) -> None:
    # Between 2018-01-01 and 2019-01-31 only the dissolution of b2 happened.
    report = changes_between(city, date(2018, 1, 1), date(2019, 1, 31), Scope())
    assert [e.organization for e in report.dissolved] == ["b2"]
    assert (report.founded, report.moved, report.posts_filled, report.posts_vacated) == (
        (),
        (),
        (),
        (),
    )
    # The day of a change belongs to the period that ends on it, not the one starting there.
    assert changes_between(city, date(2019, 1, 1), UNTIL, Scope()).dissolved == ()


def test_until_before_since_is_refused(city: GraphStore) -> None:
    with pytest.raises(ValidationFailed, match="must not be before"):
        changes_between(city, UNTIL, SINCE, Scope())
