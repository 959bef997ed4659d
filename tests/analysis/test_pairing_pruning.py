"""Suggestions with each weak branch's ``n`` nearest candidates, and with all of them.

``solve_assignment`` offers the solver only each row's ``n`` nearest pairs when the id
tie-break is in force (``nearest_pairs``; the proof is in its docstring, the brute-force
checks in ``test_assignment_pruning.py``), and the partners' problems are made with only
those pairs (``split_blocks`` through ``nearest_of_rows``; ``test_split_blocks.py``). On
seeded random cities, with many candidates per weak branch at few distinct costs, the
whole plan must be the same as when every allowed pair is offered.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import numpy as np
import pytest

import orggraph.analysis.assignment as assignment
from orggraph.analysis.pairing import pairing_problems, pairing_suggestions
from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import fact, link, member, org, staffed_branch

AS_OF = date(2019, 6, 30)
SUB = LinkKind.SUBORDINATE_TO


def random_city(seed: int) -> list[WriteBatch]:
    """Two districts of two townships, 14 branches each graded at random (poor: weak),
    eight leaders in random branches, a working group covering one township, and a few
    partners and contacts already held."""
    rng = random.Random(seed)
    nodes: list[Node] = [
        org("630100", "西宁市委", "city"),
        org("630102", "城东区委", "county"),
        org("630103", "城中区委", "county"),
    ]
    links: list[Link] = [link(SUB, "630102", "630100"), link(SUB, "630103", "630100")]
    branches: list[WriteBatch] = []
    grades: dict[str, str] = {}
    for t in range(4):
        township = f"T{t}"
        nodes.append(org(township, f"第{t}街道党工委", "township", "working_committee"))
        links.append(link(SUB, township, "630102" if t < 2 else "630103"))
        for b in range(14):
            bid = f"{township}B{b:02d}"
            branches.append(
                staffed_branch(bid, township, sector=rng.choice(["rural"] * 4 + ["community"]))
            )
            grades[bid] = rng.choice(["excellent", "excellent", "good", "good", "fair", "poor"])
    strong = sorted(b for b, g in grades.items() if g in ("excellent", "good"))
    weak = sorted(b for b, g in grades.items() if g == "poor")
    extra: list[Node] = []
    extra_links: list[Link] = []
    for n in range(8):
        extra.append(member(f"L{n}", f"领导{n}", leader=True))
        extra_links.append(link(LinkKind.MEMBER_OF, f"L{n}", rng.choice(strong)))
    extra.append(
        Node(id="wg01", kind=NodeKind.WORKING_GROUP, name="第一工作组", valid_from=date(2010, 1, 1))
    )
    extra_links += [link(LinkKind.LEADS, "L0", "wg01"), link(LinkKind.COVERS, "wg01", "T1")]
    for holder in rng.sample(strong, 4):
        target = rng.choice(strong)
        if target != holder:
            extra_links.append(link(LinkKind.PAIRED_WITH, holder, target, start=date(2019, 1, 1)))
    extra_links.append(link(LinkKind.CONTACTS, "L1", weak[0], start=date(2019, 1, 1)))
    facts = tuple(fact(o, 2018, "assessment_grade", g) for o, g in grades.items())
    return [
        WriteBatch(nodes=tuple(nodes), links=tuple(links)),
        *branches,
        WriteBatch(facts=facts),
        WriteBatch(nodes=tuple(extra), links=tuple(extra_links)),
    ]


def every_pair(problem: Any, costs: Any) -> Any:
    return np.ones(len(costs.edge), dtype=bool)


def every_column(key: Any, n: Any) -> Any:
    return np.ones(key.shape, dtype=bool)


@pytest.mark.parametrize("seed", [3, 11])
def test_the_plan_is_the_one_every_pair_gives(
    store: GraphStore, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for batch in random_city(seed):
        store.write(batch)
    offered = pairing_problems(store, AS_OF, Scope())
    nearest = pairing_suggestions(store, AS_OF, Scope())
    assert nearest.suggestions
    monkeypatch.setattr(assignment, "nearest_pairs", every_pair)
    monkeypatch.setattr(assignment, "nearest_of_rows", every_column)
    problems = pairing_problems(store, AS_OF, Scope())
    # The case this is about: partners that may take more candidates than their part has
    # rows; their problems were made with fewer pairs, in the same parts.
    assert any(
        p.kind is LinkKind.PAIRED_WITH
        and assignment.integer_costs(p).factor > 1
        and np.bincount(p.pairs[:, 0]).max(initial=0) > len(p.rows)
        for p in problems
    )
    assert [(p.rows, p.candidates, p.degree) for p in offered] == [
        (p.rows, p.candidates, p.degree) for p in problems
    ]
    assert sum(len(p.pairs) for p in offered) < sum(len(p.pairs) for p in problems)
    whole = pairing_suggestions(store, AS_OF, Scope())
    assert nearest == whole
