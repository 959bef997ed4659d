"""What-if over ``responsibility_city``: new chain breaks and gaps, and nothing written.

Expected values are worked out from the diagram in ``tests.graphs.responsibility_city``.
"""

from __future__ import annotations

from datetime import date

import pytest

from orggraph.analysis.chain import BreakKind, ChainBreak
from orggraph.analysis.gaps import GapKind
from orggraph.analysis.whatif import (
    DissolveOrganization,
    EndLinks,
    LeavePosts,
    MoveOrganization,
    Overlay,
    what_if,
)
from orggraph.errors import CycleDetected, NotFound, PermissionDenied
from orggraph.model import LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import responsibility_city

ASK = date(2019, 6, 30)
ALL = Scope()


@pytest.fixture
def city(store: GraphStore) -> GraphStore:
    store.write(responsibility_city())
    return store


def test_a_secretary_leaving_breaks_every_chain_below(city: GraphStore) -> None:
    before = city.digest()
    impact = what_if(city, [LeavePosts(person="m03")], ASK, ALL)
    # m03 is secretary of 630102001 (over b1 and b2) and instructs u1, whose chain starts
    # at 630102001: four chains gain the vacancy, dated the day of the proposal.
    vacancy = ChainBreak(kind=BreakKind.VACANT_SECRETARY, organization="630102001", since=ASK)
    assert [(b.chain_break, b.chains) for b in impact.new_breaks] == [
        (vacancy, ("630102001", "b1", "b2", "u1"))
    ]
    assert [(g.kind, g.subject, g.since) for g in impact.gaps_opened] == [
        (GapKind.VACANT_SECRETARY, "630102001", ASK)
    ]
    assert impact.gaps_closed == ()
    assert city.digest() == before  # nothing was written


def test_ending_a_leaders_links(city: GraphStore) -> None:
    impact = what_if(city, [EndLinks(person="m14")], ASK, ALL)
    # m14's contact with b1 and service to e1 end; their membership stays.
    assert [(b.chain_break, b.chains) for b in impact.new_breaks] == [
        (ChainBreak(kind=BreakKind.NO_CONTACT_LEADER, organization="b1"), ("b1",)),
        (
            ChainBreak(kind=BreakKind.NO_SERVING_LEADER, organization=None, subject="e1"),
            ("e1",),
        ),
    ]
    assert [(g.kind, g.subject) for g in impact.gaps_opened] == [
        (GapKind.NO_CONTACT_LEADER, "b1"),
        (GapKind.EXPERT_UNSERVED, "e1"),
    ]


def test_moving_a_branch_under_an_uncovered_district(city: GraphStore) -> None:
    impact = what_if(city, [MoveOrganization(organization="b2", new_parent="630103")], ASK, ALL)
    # Under 630103 (no working group) b2's chain loses its cover; its own vacancy and
    # missing contact were there before. The district vacancy of 630102 leaves its chain,
    # which is no new break.
    assert [(b.chain_break, b.chains) for b in impact.new_breaks] == [
        (ChainBreak(kind=BreakKind.NO_WORKING_GROUP, organization="630103"), ("b2",))
    ]
    assert (impact.gaps_opened, impact.gaps_closed) == ((), ())


def test_moving_an_organization_under_its_own_subtree_is_a_cycle(city: GraphStore) -> None:
    with pytest.raises(CycleDetected) as caught:
        what_if(city, [MoveOrganization(organization="630102", new_parent="b1")], ASK, ALL)
    assert caught.value.path == ("630102", "b1", "630102001", "630102")
    # Two moves, each sound alone (s1 under b1; 630102 under s1, which sits in 630103),
    # together close the loop s1 → b1 → 630102001 → 630102 → s1.
    moves = [
        MoveOrganization(organization="s1", new_parent="b1"),
        MoveOrganization(organization="630102", new_parent="s1"),
    ]
    with pytest.raises(CycleDetected) as caught:
        what_if(city, moves, ASK, ALL)
    assert caught.value.path == ("s1", "b1", "630102001", "630102", "s1")


def test_dissolving_a_township_detaches_its_branches(city: GraphStore) -> None:
    impact = what_if(city, [DissolveOrganization(organization="630102001")], ASK, ALL)
    # b1 and b2 lose their parent; m03's only tie was the township post.
    assert [(b.chain_break, b.chains) for b in impact.new_breaks] == [
        (ChainBreak(kind=BreakKind.DETACHED, organization="b1"), ("b1",)),
        (ChainBreak(kind=BreakKind.DETACHED, organization="b2"), ("b2",)),
        (ChainBreak(kind=BreakKind.NO_ORGANIZATION, organization=None, subject="m03"), ("m03",)),
    ]


def test_a_scoped_caller_cannot_propose_outside_the_scope(city: GraphStore) -> None:
    scope = Scope(roots=frozenset({"630102"}))
    with pytest.raises(NotFound):
        what_if(city, [DissolveOrganization(organization="s1")], ASK, scope)
    with pytest.raises(NotFound):
        what_if(city, [MoveOrganization(organization="b2", new_parent="630103")], ASK, scope)


def test_the_overlay_is_read_only_and_dated(city: GraphStore) -> None:
    contact = "contacts:m14>b1"
    overlay = Overlay(city, ASK, end_links=[contact], end_nodes=["e2"])
    assert overlay.links(LinkKind.CONTACTS, ASK, targets=["b1"]) == []
    # Before the proposal's date the store is unchanged.
    assert len(overlay.links(LinkKind.CONTACTS, date(2019, 1, 1), targets=["b1"])) == 1
    assert overlay.node("e2", ASK) is None and overlay.node("e2", date(2019, 1, 1)) is not None
    (version,) = overlay.link_versions([contact])[contact]
    assert version.valid_to == ASK
    with pytest.raises(PermissionDenied):
        overlay.write(WriteBatch())
