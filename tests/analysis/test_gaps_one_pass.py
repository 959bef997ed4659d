"""Coverage gaps of one organization that falls into several kinds at once, on a graph
small enough to work out by hand; and owners the same whichever organization is asked
first.

``coverage_gaps`` sorts the organizations to the kinds of gap in one pass, dates a vacancy
from the secretaries' posts alone, and builds each organization's owners on its parent's:
each expected value below is read off the graph drawn in ``_county``.
"""

from __future__ import annotations

from datetime import date

from orggraph.analysis.chainindex import ChainIndex, Owner, Person
from orggraph.analysis.gaps import Gap, GapKind, coverage_gaps
from orggraph.model import LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, member, org, responsibility_city

ASK = date(2019, 6, 30)
POST = LinkKind.HOLDS_POST


def _county(store: GraphStore) -> None:
    """630100 (city, secretary m01) ← 630102 (county, secretary m02, no working group)
    ← b1 and b2, two rural branches:

    - b1: founded 2010, secretary m07 from 2012-01-01 to 2018-03-01, none since (m05 its
      deputy secretary); members m05, m06 (full), m08 (probationary); no contact leader;
      its two committees' term ended 2018-12-31;
    - b2: secretary m09, members m09, m10, m11 (full), contact leader m01, term to 2021.
    """
    store.write(
        WriteBatch(
            nodes=(
                org("630100", "西宁市委", "city"),
                org("630102", "城东区委", "county"),
                org(
                    "b1",
                    "一村党支部",
                    "grassroots",
                    "branch",
                    sector="rural",
                    term_ends=date(2018, 12, 31),
                ),
                org(
                    "b2",
                    "二村党支部",
                    "grassroots",
                    "branch",
                    sector="rural",
                    term_ends=date(2021, 12, 31),
                ),
                member("m01", "王市", leader=True),
                member("m02", "李区"),
                member("m05", "赵副"),
                member("m06", "钱员"),
                member("m07", "孙前"),
                member("m08", "周预", status="probationary"),
                member("m09", "吴书"),
                member("m10", "郑员"),
                member("m11", "冯员"),
            ),
            links=(
                link(LinkKind.SUBORDINATE_TO, "630102", "630100"),
                link(LinkKind.SUBORDINATE_TO, "b1", "630102"),
                link(LinkKind.SUBORDINATE_TO, "b2", "630102"),
                link(POST, "m01", "630100", role="secretary"),
                link(POST, "m02", "630102", role="secretary"),
                link(
                    POST,
                    "m07",
                    "b1",
                    role="secretary",
                    start=date(2012, 1, 1),
                    end=date(2018, 3, 1),
                ),
                link(POST, "m05", "b1", role="deputy_secretary"),
                link(POST, "m09", "b2", role="secretary"),
                *(link(LinkKind.MEMBER_OF, m, "b1") for m in ("m05", "m06", "m08")),
                *(link(LinkKind.MEMBER_OF, m, "b2") for m in ("m09", "m10", "m11")),
                link(LinkKind.CONTACTS, "m01", "b2"),
            ),
        )
    )


def test_one_branch_in_four_kinds_and_its_county_uncovered(store: GraphStore) -> None:
    _county(store)
    gaps = coverage_gaps(store, ASK, Scope())
    assert [(g.kind, g.subject) for g in gaps] == [
        (GapKind.VACANT_SECRETARY, "b1"),
        (GapKind.NO_CONTACT_LEADER, "b1"),
        (GapKind.TOO_FEW_MEMBERS, "b1"),  # m05, m06 full; m08 probationary
        (GapKind.AREA_UNCOVERED, "630102"),  # the county: no working group covers it
        (GapKind.TERM_OVERDUE, "b1"),
    ]
    vacant, no_contact, few, area, term = gaps
    # The vacancy dates from m07's end, not from the deputy's post or the members' links;
    # 2018-03-01 + 3 months is before the date: flagged.
    assert (vacant.since, vacant.flagged) == (date(2018, 3, 1), True)
    assert (few.count, area.count) == (2, 1)
    assert (term.since, term.flagged) == (date(2018, 12, 31), True)
    owners = (
        Owner(organization="b1", name="一村党支部", secretary=None, hidden=False),
        Owner(
            organization="630102",
            name="城东区委",
            secretary=Person(id="m02", name="李区"),
            hidden=False,
        ),
        Owner(
            organization="630100",
            name="西宁市委",
            secretary=Person(id="m01", name="王市"),
            hidden=False,
        ),
    )
    assert all(g.owners == owners for g in (vacant, no_contact, few, term))
    assert area.owners == owners[1:]


def test_asking_for_one_kind_finds_the_same_rows(store: GraphStore) -> None:
    _county(store)
    everything = coverage_gaps(store, ASK, Scope())
    for kind in GapKind:
        only: list[Gap] = coverage_gaps(store, ASK, Scope(), kinds=[kind])
        assert only == [g for g in everything if g.kind is kind], kind
    # Before 2018-03-01 m07 was b1's secretary, and the term had not ended.
    early = coverage_gaps(store, date(2018, 1, 1), Scope())
    assert [(g.kind, g.subject) for g in early] == [
        (GapKind.NO_CONTACT_LEADER, "b1"),
        (GapKind.TOO_FEW_MEMBERS, "b1"),
        (GapKind.AREA_UNCOVERED, "630102"),
    ]


def test_owners_are_the_same_whichever_organization_is_asked_first(store: GraphStore) -> None:
    store.write(responsibility_city())
    # From the diagram: b2 has no secretary, 630102001 has m03, 630102's post is vacant
    # since 2019-03-01, 630100 has m01.
    expected = [
        ("b2", None),
        ("630102001", Person(id="m03", name="赵街")),
        ("630102", None),
        ("630100", Person(id="m01", name="王市")),
    ]
    view = Scope().view(store, ASK)
    down = ChainIndex(store, ASK, view)
    top_first = [down.owners(o) for o in ("630100", "630102", "630102001", "b2")]
    up = ChainIndex(store, ASK, view)
    bottom_first = up.owners("b2")
    assert [(o.organization, o.secretary) for o in top_first[-1]] == expected
    assert bottom_first == top_first[-1]
    # Each organization's owners are its own and then its parent's.
    assert up.owners("630102001") == bottom_first[1:]
    assert down.owners("630102") == top_first[1] == bottom_first[2:]
