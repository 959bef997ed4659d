"""Responsibility chains and reverse responsibilities on ``responsibility_city``.

Every expected value is read off the diagram in ``tests.graphs.responsibility_city``.
"""

from __future__ import annotations

from datetime import date

import pytest

from orggraph.analysis.chain import (
    BreakKind,
    ChainBreak,
    OrgRef,
    Person,
    responsibilities,
    responsibility_chain,
)
from orggraph.errors import NotFound
from orggraph.model import NodeKind
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import responsibility_city

ASK = date(2019, 6, 30)
ALL = Scope()
HIDDEN = Person(id=None, name=None, hidden=True)


@pytest.fixture
def city(store: GraphStore) -> GraphStore:
    store.write(responsibility_city())
    return store


def test_chain_of_a_branch_names_every_level_and_the_vacancy(city: GraphStore) -> None:
    chain = responsibility_chain(city, "b1", ASK, ALL)
    assert chain.kind is NodeKind.ORGANIZATION
    (path,) = chain.paths
    assert [lv.organization for lv in path.levels] == ["b1", "630102001", "630102", "630100"]
    b1, township, district, city_level = path.levels
    assert b1.secretary == Person(id="m04", name="钱支")
    assert b1.contacts == (Person(id="m14", name="郑联"),)
    assert b1.partners == (OrgRef(id="s1", name="城中区强社区党支部"),)
    # wg02 covers the township; for b1 the nearest covered area is the township, not wg01's
    # district.
    assert [(g.id, g.area) for g in b1.working_groups] == [("wg02", "630102001")]
    assert b1.working_groups[0].leaders == (Person(id="m10", name="吴中"),)
    assert township.secretary == Person(id="m03", name="赵街")
    # m02's post ended on 2019-03-01: vacant since then.
    assert district.secretary is None
    assert district.vacant_since == date(2019, 3, 1)
    assert [(g.id, g.area) for g in district.working_groups] == [("wg01", "630102")]
    assert city_level.secretary == Person(id="m01", name="王市")
    assert city_level.working_groups == ()
    assert chain.breaks == (
        ChainBreak(kind=BreakKind.VACANT_SECRETARY, organization="630102", since=date(2019, 3, 1)),
    )


def test_chain_at_an_earlier_date_ignores_what_came_later(city: GraphStore) -> None:
    # In mid-2014 m04 was not yet secretary (from 2015) and s1 not yet paired (from 2016);
    # b1 never had a secretary before, so it is vacant since its founding, 2010-01-01.
    chain = responsibility_chain(city, "b1", date(2014, 6, 30), ALL)
    b1, _, district, _ = chain.paths[0].levels
    assert b1.secretary is None
    assert b1.vacant_since == date(2010, 1, 1)
    assert b1.partners == ()
    assert b1.contacts == (Person(id="m14", name="郑联"),)  # from 2014-01-01
    assert district.secretary == Person(id="m02", name="李东")
    assert chain.breaks == (
        ChainBreak(kind=BreakKind.VACANT_SECRETARY, organization="b1", since=date(2010, 1, 1)),
    )


def test_a_branch_never_staffed_is_vacant_since_its_founding(city: GraphStore) -> None:
    chain = responsibility_chain(city, "b2", ASK, ALL)
    assert set(chain.breaks) == {
        ChainBreak(kind=BreakKind.VACANT_SECRETARY, organization="b2", since=date(2012, 1, 1)),
        ChainBreak(kind=BreakKind.VACANT_SECRETARY, organization="630102", since=date(2019, 3, 1)),
        ChainBreak(kind=BreakKind.NO_CONTACT_LEADER, organization="b2"),
    }


def test_an_uncovered_area_is_a_break(city: GraphStore) -> None:
    # 630103 has no working group; s1 sits under it.
    chain = responsibility_chain(city, "s1", ASK, ALL)
    assert chain.breaks == (ChainBreak(kind=BreakKind.NO_WORKING_GROUP, organization="630103"),)
    assert chain.paths[0].levels[0].contacts == (Person(id="m01", name="王市"),)


def test_chain_of_a_member_starts_from_their_organizations(city: GraphStore) -> None:
    # m04 is a member of b1 and its secretary: one path, via the membership.
    chain = responsibility_chain(city, "m04", ASK, ALL)
    assert [(p.start, p.via) for p in chain.paths] == [("b1", "member_of")]
    # m14 belongs to the district committee.
    chain = responsibility_chain(city, "m14", ASK, ALL)
    assert [(p.start, p.via) for p in chain.paths] == [("630102", "member_of")]
    assert [lv.organization for lv in chain.paths[0].levels] == ["630102", "630100"]


def test_chain_of_a_unit_with_only_an_instructor(city: GraphStore) -> None:
    # u1 has no organization: the chain starts at its township, with m03 as instructor.
    chain = responsibility_chain(city, "u1", ASK, ALL)
    assert [(p.start, p.via) for p in chain.paths] == [("630102001", "area")]
    assert chain.instructors == (Person(id="m03", name="赵街"),)
    assert chain.breaks == (
        ChainBreak(kind=BreakKind.NO_ORGANIZATION, organization="630102001", subject="u1"),
        ChainBreak(kind=BreakKind.VACANT_SECRETARY, organization="630102", since=date(2019, 3, 1)),
    )


def test_chain_of_a_unit_with_its_own_organization(city: GraphStore) -> None:
    chain = responsibility_chain(city, "u3", ASK, ALL)
    assert [(p.start, p.via) for p in chain.paths] == [("s1", "established_in")]
    assert chain.instructors == ()


def test_chain_of_an_expert_goes_through_the_serving_leader(city: GraphStore) -> None:
    chain = responsibility_chain(city, "e1", ASK, ALL)
    assert chain.leaders == (Person(id="m14", name="郑联"),)
    assert [(p.start, p.via) for p in chain.paths] == [("630102", "serves")]
    unserved = responsibility_chain(city, "e2", ASK, ALL)
    assert unserved.paths == ()
    assert unserved.breaks == (
        ChainBreak(kind=BreakKind.NO_SERVING_LEADER, organization=None, subject="e2"),
    )


def test_a_scoped_caller_sees_positions_above_the_scope_but_not_people(
    city: GraphStore,
) -> None:
    scope = Scope(roots=frozenset({"630102001"}))
    b1, township, district, top = responsibility_chain(city, "b1", ASK, scope).paths[0].levels
    assert (b1.hidden, township.hidden, district.hidden, top.hidden) == (False, False, True, True)
    # Positions above the scope: organization and post shown, the secretary hidden.
    assert (top.organization, top.name) == ("630100", "西宁市委")
    assert top.secretary == HIDDEN
    assert district.secretary is None  # a vacancy is a fact about the post
    assert district.working_groups[0].leaders == (HIDDEN,)
    # Inside the scope, people from outside it stay hidden: m14 (district), m10 (630103),
    # and the partner s1 (630103).
    assert b1.secretary == Person(id="m04", name="钱支")
    assert b1.contacts == (HIDDEN,)
    assert b1.working_groups[0].leaders == (HIDDEN,)
    assert b1.partners == (OrgRef(id=None, name=None, hidden=True),)


def test_out_of_scope_and_unknown_ids_fail_alike(city: GraphStore) -> None:
    scope = Scope(roots=frozenset({"630102001"}))
    with pytest.raises(NotFound) as outside:
        responsibility_chain(city, "s1", ASK, scope)
    with pytest.raises(NotFound) as unknown:
        responsibility_chain(city, "zz", ASK, scope)
    assert str(outside.value).replace("s1", "?") == str(unknown.value).replace("zz", "?")
    # b2 did not exist in 2011.
    with pytest.raises(NotFound):
        responsibility_chain(city, "b2", date(2011, 1, 1), ALL)


def test_responsibilities_of_a_leader(city: GraphStore) -> None:
    found = responsibilities(city, "m14", ASK, ALL)
    assert (found.secretary_of, found.other_posts) == ((), ())
    assert found.contacts == (OrgRef(id="b1", name="夏都花园社区党支部"),)
    assert [e.id for e in found.experts] == ["e1"]
    # case-2 is converted: only case-1 is open.
    assert [(c.id, c.organization, c.state) for c in found.cases] == [
        ("case-1", "b2", "rectifying")
    ]
    assert found.cases[0].deadline == date(2019, 12, 31)


def test_responsibilities_of_secretaries_count_their_subtrees(city: GraphStore) -> None:
    top = responsibilities(city, "m01", ASK, ALL)
    # 630100, 630102, 630102001, b1, b2, 630103, s1.
    assert [(p.organization, p.subtree_size) for p in top.secretary_of] == [("630100", 7)]
    assert [(g.id, [a.id for a in g.areas]) for g in top.working_groups] == [("wg01", ["630102"])]
    assert [o.id for o in top.contacts] == ["s1"]
    township = responsibilities(city, "m03", ASK, ALL)
    # 630102001, b1, b2.
    assert [(p.organization, p.since, p.subtree_size) for p in township.secretary_of] == [
        ("630102001", date(2010, 1, 1), 3)
    ]
    assert [u.id for u in township.units] == ["u1"]


def test_responsibilities_are_limited_to_the_scope(city: GraphStore) -> None:
    # m01 is seen in the 630103 subtree through nothing (a contact is not a membership).
    with pytest.raises(NotFound):
        responsibilities(city, "m01", ASK, Scope(roots=frozenset({"630103"})))
    # m10 leads wg02, which covers only 630102001: outside 630103, so not listed.
    m10 = responsibilities(city, "m10", ASK, Scope(roots=frozenset({"630103"})))
    assert [p.organization for p in m10.secretary_of] == ["630103"]
    assert m10.working_groups == ()
