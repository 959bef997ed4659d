"""Properties of chains and gaps on random dated trees (hypothesis).

Each example writes a fresh tree under its own id prefix into the same store, so the
examples do not see each other (every question is scoped to the example's root or asks
about the example's own ids). The oracle is plain Python over the generated records.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orggraph.analysis.chain import Person, responsibility_chain
from orggraph.analysis.chainindex import chain_view
from orggraph.analysis.gaps import GapKind, coverage_gaps
from orggraph.errors import NotFound
from orggraph.model import Link, LinkKind, Node, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, member, org

D0 = date(2010, 1, 1)
SPAN = 3000  # days
LEVELS = ["city", "county", "township", "grassroots"]
_prefixes = itertools.count()


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


@dataclass
class Tree:
    prefix: str
    parents: list[int | None]  # parent index of each organization
    lives: list[tuple[int, int | None]]  # organization i valid on [start, end) (days)
    posts: list[tuple[int, int, int, int | None]]  # (member, org, start, end) as secretary
    memberships: list[tuple[int, int]]  # (member, org), for the org's whole life
    members: int
    ask: int
    root: int

    def oid(self, i: int) -> str:
        return f"{self.prefix}o{i}"

    def mid(self, j: int) -> str:
        return f"{self.prefix}m{j}"

    def alive(self, i: int, when: int) -> bool:
        start, end = self.lives[i]
        return start <= when and (end is None or when < end)

    def up(self, i: int) -> list[int]:
        """i and its ancestors at ``ask`` (a parent link lives as long as the child)."""
        out = [i]
        while (p := self.parents[out[-1]]) is not None and self.alive(p, self.ask):
            out.append(p)
        return out

    def below(self, r: int) -> set[int]:
        return {i for i in range(len(self.parents)) if self.alive(i, self.ask) and r in self.up(i)}

    def secretaries(self, i: int) -> set[str]:
        return {
            self.mid(m)
            for m, o, s, e in self.posts
            if o == i and s <= self.ask and (e is None or self.ask < e)
        }


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    n = draw(st.integers(2, 7))
    parents: list[int | None] = [None]
    lives: list[tuple[int, int | None]] = [(0, None)]
    depth = [0]
    for i in range(1, n):
        p = draw(st.integers(0, i - 1))
        p_start, p_end = lives[p]
        start = draw(st.integers(p_start, (p_end or SPAN) - 1))
        # A child ends no later than its parent (a parent link lives with both ends).
        end = draw(st.none() | st.integers(start + 1, p_end or SPAN + 1))
        if p_end is not None and (end is None or end > p_end):
            end = p_end
        parents.append(p)
        lives.append((start, end))
        depth.append(depth[p] + 1)
    members = draw(st.integers(0, 5))
    posts = []
    seen: set[tuple[int, int]] = set()
    for _ in range(draw(st.integers(0, 8)) if members else 0):
        m, o = draw(st.integers(0, members - 1)), draw(st.integers(0, n - 1))
        if (m, o) in seen:
            continue
        seen.add((m, o))
        o_start, o_end = lives[o]
        start = draw(st.integers(o_start, (o_end or SPAN) - 1))
        end = draw(st.none() | st.integers(start + 1, o_end or SPAN + 1))
        if o_end is not None and (end is None or end > o_end):
            end = o_end
        posts.append((m, o, start, end))
    memberships = [(m, draw(st.integers(0, n - 1))) for m in range(members)]
    return Tree(
        prefix=f"p{next(_prefixes)}",
        parents=parents,
        lives=lives,
        posts=posts,
        memberships=memberships,
        members=members,
        ask=draw(st.integers(0, SPAN)),
        root=draw(st.integers(0, n - 1)),
    )


def write(store: GraphStore, tree: Tree) -> None:
    nodes: list[Node] = []
    links: list[Link] = []
    depth: list[int] = []
    for i, (p, (start, end)) in enumerate(zip(tree.parents, tree.lives, strict=True)):
        depth.append(0 if p is None else depth[p] + 1)
        level = LEVELS[min(depth[i], 3)]
        nodes.append(org(tree.oid(i), f"组织{i}", level, start=day(start), end=_d(end)))
        if p is not None:
            links.append(
                link(
                    LinkKind.SUBORDINATE_TO,
                    tree.oid(i),
                    tree.oid(p),
                    start=day(start),
                    end=_d(end),
                )
            )
    nodes += [member(tree.mid(j), f"党员{j}") for j in range(tree.members)]
    for m, o, start, end in tree.posts:
        links.append(
            link(
                LinkKind.HOLDS_POST,
                tree.mid(m),
                tree.oid(o),
                start=day(start),
                end=_d(end),
                role="secretary",
            )
        )
    for m, o in tree.memberships:
        start, end = tree.lives[o]
        links.append(
            link(LinkKind.MEMBER_OF, tree.mid(m), tree.oid(o), start=day(start), end=_d(end))
        )
    store.write(WriteBatch(nodes=tuple(nodes), links=tuple(links)))


def _d(offset: int | None) -> date | None:
    return None if offset is None else day(offset)


def seen_people(tree: Tree, orgs: set[int]) -> set[str]:
    """Members with a membership or a post in ``orgs`` at the date."""
    out = {tree.mid(m) for m, o in tree.memberships if o in orgs and tree.alive(o, tree.ask)}
    out |= {
        tree.mid(m)
        for m, o, s, e in tree.posts
        if o in orgs and s <= tree.ask and (e is None or tree.ask < e)
    }
    return out


PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(tree=trees())
def test_a_chain_climbs_to_a_root_with_the_secretaries_of_its_date(
    store: GraphStore, tree: Tree
) -> None:
    write(store, tree)
    when = day(tree.ask)
    for i in range(len(tree.parents)):
        if not tree.alive(i, tree.ask):
            with pytest.raises(NotFound):
                responsibility_chain(store, tree.oid(i), when, Scope())
            continue
        chain = responsibility_chain(store, tree.oid(i), when, Scope())
        (path,) = chain.paths
        assert [lv.organization for lv in path.levels] == [tree.oid(j) for j in tree.up(i)]
        assert store.parent(path.levels[-1].organization, when) is None  # ends at a root
        for j, level in zip(tree.up(i), path.levels, strict=True):
            expected = tree.secretaries(j)
            if expected:
                assert level.secretary is not None and level.secretary.id in expected
            else:
                assert level.secretary is None
                assert level.vacant_since is not None and level.vacant_since <= when


@PROPERTY
@given(tree=trees())
def test_a_scoped_chain_mentions_nothing_outside_the_scope(store: GraphStore, tree: Tree) -> None:
    write(store, tree)
    when = day(tree.ask)
    if not tree.alive(tree.root, tree.ask):
        return
    inside = tree.below(tree.root)
    people = seen_people(tree, inside)
    scope = Scope(roots=frozenset({tree.oid(tree.root)}))
    # The chain's lazy view answers as the listed one does, for every organization.
    listed, lazy = scope.view(store, when), chain_view(store, when, scope)
    for i in range(len(tree.parents)):
        assert lazy.sees_org(tree.oid(i)) == listed.sees_org(tree.oid(i)) == (i in inside)
    for i in range(len(tree.parents)):
        if not tree.alive(i, tree.ask):
            continue
        if i not in inside:
            with pytest.raises(NotFound):
                responsibility_chain(store, tree.oid(i), when, scope)
            continue
        chain = responsibility_chain(store, tree.oid(i), when, scope)
        for level in chain.paths[0].levels:
            index = int(level.organization.removeprefix(f"{tree.prefix}o"))
            assert level.hidden == (index not in inside)
            shown = [level.secretary, *level.contacts]
            shown += [p for g in level.working_groups for p in g.leaders]
            for person in shown:
                if person is None:
                    continue
                if level.hidden:
                    assert person == Person(id=None, name=None, hidden=True)
                elif not person.hidden:
                    assert person.id in people


@PROPERTY
@given(tree=trees())
def test_scoped_gaps_stay_in_the_scope_and_in_their_date(store: GraphStore, tree: Tree) -> None:
    write(store, tree)
    when = day(tree.ask)
    if not tree.alive(tree.root, tree.ask):
        return
    inside = tree.below(tree.root)
    scope = Scope(roots=frozenset({tree.oid(tree.root)}))
    gaps = coverage_gaps(store, when, scope)
    ids = {tree.oid(i) for i in inside}
    for gap in gaps:
        assert gap.subject in ids
        for owner in gap.owners:
            if owner.organization not in ids:
                assert owner.hidden
                assert owner.secretary in (None, Person(id=None, name=None, hidden=True))
    vacant = {g.subject for g in gaps if g.kind is GapKind.VACANT_SECRETARY}
    assert vacant == {tree.oid(i) for i in inside if not tree.secretaries(i)}
