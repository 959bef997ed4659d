"""``window_counts`` on both stores (the ``store`` fixture), and on the embedded store's
columns: read from the file alone, and with versions of the same ids written after
opening; worked out by hand.

The window is (2017-12-31, 2019-06-30]; ``tiny_city`` (from 2010, nothing inside) plus:

- organizations: b9 founded 2018-02-16, dissolved 2018-11-13 (began, ended); b8 renamed
  on 2018-05-01 (a new version the day the last ended: changed); b7 dissolved 2019-01-01
  and founded again 2019-03-01 (ended, began) → began 2, changed 1, ended 2;
- members: m1 a new version on 2019-01-01 (changed); m2 from 2018-06-01 and m4 from
  2019-06-30, the window's last day (began, began); m3 gone on 2017-12-31, the day
  before the window, and m5 on 2019-07-01, after it (neither) → began 2, changed 1;
- memberships: m1 in b9 over b9's life (made, ended); m2 in b1 from 2018-06-01 (made);
  m5 in b1 2010 → 2018-03-01, then noted until 2019-07-01 (a change on 2018-03-01); m3 in b2 until
  2017-12-31 (outside) → began 2, changed 1, ended 1;
- posts (their id holds the role): m1 secretary of b1 2018-02-04 → 2019-03-04, then its
  deputy secretary from 2019-03-04: another post, not a change → began 2, ended 1;
- facts of 2017, 2018 and 2019 (the years whose 1 January or whose end falls inside):
  b1's and b2's 2018 考核等次, m1's 2017 and 2019 先锋指数; not b1's 2016 one or m2's 2020.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orggraph.model import LinkKind, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.window_counts import Boundaries, WindowCounts
from tests.graphs import fact, link, member, org, tiny_city

D = date
SINCE, UNTIL = D(2017, 12, 31), D(2019, 6, 30)
MEM, POST = LinkKind.MEMBER_OF, LinkKind.HOLDS_POST
ASKED = (MEM, POST, LinkKind.LOCATED_IN)
GRADE, INDEX = "assessment_grade", "vanguard_index"
BRANCH = "grassroots", "branch"


def _first(store: GraphStore) -> None:
    """What the file holds in the mixed case; ``_rest`` is written after opening (its new
    versions of b8, m1 and m5's membership close the open ones the day they begin)."""
    store.write(tiny_city())
    store.write(
        WriteBatch(
            nodes=(
                org("b9", "临时党支部", *BRANCH, start=D(2018, 2, 16), end=D(2018, 11, 13)),
                org("b8", "旧名党支部", *BRANCH),
                org("b7", "某党支部", *BRANCH, end=D(2019, 1, 1)),
                member("m1", "张三"),
                member("m2", "李四", start=D(2018, 6, 1)),
                member("m3", "王五", end=SINCE),
                member("m5", "赵六", end=D(2019, 7, 1)),
            ),
            links=(
                link(MEM, "m1", "b1"),
                link(MEM, "m1", "b9", start=D(2018, 2, 16), end=D(2018, 11, 13)),
                link(MEM, "m5", "b1", end=D(2019, 7, 1)),
                link(MEM, "m3", "b2", start=D(2012, 1, 1), end=SINCE),
                link(POST, "m1", "b1", role="secretary", start=D(2018, 2, 4), end=D(2019, 3, 4)),
            ),
            facts=(
                fact("b1", 2018, GRADE, "fair"),
                fact("b1", 2016, GRADE, "fair"),
                fact("m1", 2017, INDEX, 80),
                fact("m2", 2020, INDEX, 70),
            ),
        )
    )


def _rest(store: GraphStore) -> None:
    store.write(
        WriteBatch(
            nodes=(
                org("b8", "新名党支部", *BRANCH, start=D(2018, 5, 1)),
                org("b7", "某党支部", *BRANCH, start=D(2019, 3, 1)),
                member("m1", "张三", start=D(2019, 1, 1), education="postgraduate"),
                member("m4", "孙七", start=UNTIL),
            ),
            links=(
                link(MEM, "m2", "b1", start=D(2018, 6, 1)),
                link(MEM, "m5", "b1", start=D(2018, 3, 1), end=D(2019, 7, 1), note="转正"),
                link(POST, "m1", "b1", role="deputy_secretary", start=D(2019, 3, 4)),
            ),
            facts=(
                fact("b1", 2018, GRADE, "good"),  # replaces the file's: still one
                fact("b2", 2018, GRADE, "poor"),
                fact("m1", 2019, INDEX, 90),
            ),
        )
    )


EXPECTED = WindowCounts(
    since=SINCE,
    until=UNTIL,
    nodes={
        NodeKind.ORGANIZATION: Boundaries(began=2, changed=1, ended=2),
        NodeKind.MEMBER: Boundaries(began=2, changed=1, ended=0),
    },
    links={
        MEM: Boundaries(began=2, changed=1, ended=1),
        POST: Boundaries(began=2, changed=0, ended=1),
        LinkKind.LOCATED_IN: Boundaries(),
    },
    facts={(GRADE, 2018): 2, (INDEX, 2017): 1, (INDEX, 2019): 1},
)


def test_what_begins_changes_and_ends_inside_the_window(store: GraphStore) -> None:
    _first(store)
    _rest(store)
    assert store.window_counts(SINCE, UNTIL, links=ASKED) == EXPECTED


def test_only_the_link_kinds_asked(store: GraphStore) -> None:
    _first(store)
    _rest(store)
    found = store.window_counts(SINCE, UNTIL)
    assert found.links == {}
    assert (found.nodes, found.facts) == (EXPECTED.nodes, EXPECTED.facts)


def test_a_window_of_one_day(store: GraphStore) -> None:
    _first(store)
    _rest(store)
    # (2018-02-15, 2018-02-16]: b9 founded, m1 joins it; no year begins or ends.
    found = store.window_counts(D(2018, 2, 15), D(2018, 2, 16), links=(MEM,))
    assert found.nodes == {NodeKind.ORGANIZATION: Boundaries(began=1)}
    assert found.links == {MEM: Boundaries(began=1)}
    assert found.facts == {}


@pytest.mark.parametrize("mixed", [False, True], ids=["file", "file-and-written"])
def test_the_embedded_columns_count_alike(tmp_path: Path, mixed: bool) -> None:
    path = tmp_path / "window.db"
    with EmbeddedStore(path) as store:
        _first(store)
        if not mixed:
            _rest(store)
    with EmbeddedStore(path, index_snapshot=False) as store:
        if mixed:  # the file's versions of m1, b7, b8, m5 in b1 and b1's 2018 written again
            _rest(store)
        assert store.window_counts(SINCE, UNTIL, links=ASKED) == EXPECTED
        # The contract's own count of the window's records agrees.
        assert GraphStore.window_counts(store, SINCE, UNTIL, links=ASKED) == EXPECTED
