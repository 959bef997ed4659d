"""Random trees, random scoped analysts: nothing outside the scope is reachable.

Each example builds a random organization tree with members, posts, contact leaders,
units, a working group and an expert, picks an analyst's scope root, and works out by
hand (from the links it made, with its own parent map) which ids the scope holds: the
root's subtree; members with a membership or a post in it; units in its area or hosting
one of its organizations; the working group if it covers one of them; the expert if a
visible member serves it. Then it asks, as that analyst, every root field, connection,
search, drawing payload, analysis and export, and checks that no other id (nor its
unique name) appears anywhere. Responsibility chains may also name the organizations
above the root and the working group covering a level (posts shown, people hidden): only
those. An out-of-scope id is answered
exactly as an id that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orggraph.api import create_app
from orggraph.api.context import Actor
from orggraph.model import LinkKind, Node, NodeKind, WriteBatch
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope
from tests.graphs import D0, link, member, org
from tests.security.conftest import call

WHEN = date(2019, 6, 30)
LEVELS = ("city", "county", "township", "grassroots")
SECTORS = ("rural", "community", "agency")


@dataclass(frozen=True)
class World:
    batch: WriteBatch
    parent: dict[str, str]
    names: dict[str, str]  # every node id → its unique name
    root: str
    member_orgs: dict[str, set[str]]  # member → organizations of its memberships and posts
    unit_links: dict[str, tuple[str, set[str]]]  # unit → (area, hosting organizations)
    covers: set[str]  # the working group's areas
    servers: set[str]  # the expert's serving members


@st.composite
def worlds(draw: st.DrawFn) -> World:
    count = draw(st.integers(min_value=2, max_value=9))
    parent: dict[str, str] = {}
    depth = {"o0": 0}
    nodes: list[Node] = [org("o0", "组织〔0〕", "city")]
    links = []
    for i in range(1, count):
        oid = f"o{i}"
        above = draw(st.sampled_from([o for o in depth if depth[o] < 3]))
        depth[oid] = depth[above] + 1
        parent[oid] = above
        grass = depth[oid] == 3
        nodes.append(
            org(
                oid,
                f"组织〔{i}〕",
                LEVELS[depth[oid]],
                "branch" if grass else "committee",
                sector=draw(st.sampled_from(SECTORS)),
            )
        )
        links.append(link(LinkKind.SUBORDINATE_TO, oid, above))
    orgs = sorted(depth)
    member_orgs: dict[str, set[str]] = {}
    for j in range(draw(st.integers(min_value=1, max_value=8))):
        mid = f"p{j}"
        home = draw(st.sampled_from(orgs))
        nodes.append(member(mid, f"党员〔{j}〕", leader=True))
        links.append(link(LinkKind.MEMBER_OF, mid, home))
        member_orgs[mid] = {home}
        if draw(st.booleans()):
            post = draw(st.sampled_from(orgs))
            links.append(link(LinkKind.HOLDS_POST, mid, post, role="secretary"))
            member_orgs[mid].add(post)
        if draw(st.booleans()):  # a contact reaches anywhere: it does not widen the scope
            links.append(link(LinkKind.CONTACTS, mid, draw(st.sampled_from(orgs))))
    people = sorted(member_orgs)
    unit_links: dict[str, tuple[str, set[str]]] = {}
    for k in range(draw(st.integers(min_value=0, max_value=3))):
        uid = f"u{k}"
        area = draw(st.sampled_from(orgs))
        nodes.append(
            Node(
                id=uid,
                kind=NodeKind.UNIT,
                name=f"单位〔{k}〕",
                valid_from=D0,
                attrs={"unit_kind": "non_public_enterprise", "full_members": 3},
            )
        )
        links.append(link(LinkKind.LOCATED_IN, uid, area))
        hosts: set[str] = set()
        if draw(st.booleans()):
            host = draw(st.sampled_from(orgs))
            links.append(link(LinkKind.ESTABLISHED_IN, host, uid, mode="own"))
            hosts.add(host)
        unit_links[uid] = (area, hosts)
    covers = set(draw(st.sets(st.sampled_from(orgs), min_size=1, max_size=2)))
    nodes.append(Node(id="g0", kind=NodeKind.WORKING_GROUP, name="工作组〔0〕", valid_from=D0))
    links += [link(LinkKind.COVERS, "g0", area) for area in sorted(covers)]
    links.append(link(LinkKind.LEADS, draw(st.sampled_from(people)), "g0"))
    servers = set(draw(st.sets(st.sampled_from(people), max_size=2)))
    nodes.append(Node(id="x0", kind=NodeKind.EXPERT, name="专家〔0〕", valid_from=D0))
    links += [link(LinkKind.SERVES, p, "x0") for p in sorted(servers)]
    return World(
        batch=WriteBatch(nodes=tuple(nodes), links=tuple(links)),
        parent=parent,
        names={n.id: n.name for n in nodes},
        root=draw(st.sampled_from(orgs)),
        member_orgs=member_orgs,
        unit_links=unit_links,
        covers=covers,
        servers=servers,
    )


def expected(world: World) -> tuple[set[str], set[str]]:
    """The ids the root's scope holds, and the organizations above the root."""

    def chain(oid: str) -> list[str]:
        out = [oid]
        while out[-1] in world.parent:
            out.append(world.parent[out[-1]])
        return out

    orgs = {o for o in world.names if o.startswith("o") and world.root in chain(o)}
    members = {m for m, where in world.member_orgs.items() if where & orgs}
    units = {u for u, (area, hosts) in world.unit_links.items() if area in orgs or hosts & orgs}
    seen = orgs | members | units
    if world.covers & orgs:
        seen.add("g0")
    if world.servers & members:
        seen.add("x0")
    return seen, set(chain(world.root)[1:])


GRAPH = [
    """query($ids: [ID!]!) { nodes(ids: $ids, asOf: "2019-06-30") { id } }""",
    """{ organizations(first: 100, asOf: "2019-06-30") { totalCount nodes {
    id parent { id } children { id } ancestors { id } secretary { id name }
    members(first: 20) { nodes { id posts { organization { id } } } }
    posts { member { id } } contactLeaders { id } contacts { leader { id } }
    coveredBy { workingGroup { id } } units { unit { id } } cases { id } } } }""",
    """{ members(first: 100, asOf: "2019-06-30") { totalCount nodes {
    id organization { id } memberships { organization { id } } posts { organization { id } }
    contacts { organization { id } } serves { expert { id } } leads { workingGroup { id } }
    instructs { unit { id } } } } }""",
    """{ units(first: 100, asOf: "2019-06-30") { totalCount nodes {
    id organizations { organization { id } } instructors { instructor { id } } } }
  experts(first: 100, asOf: "2019-06-30") { totalCount nodes { id servedBy { leader { id } } } }
  workingGroups(asOf: "2019-06-30") { id areas { organization { id } } leaders { leader { id } } }
  mapState(asOf: "2019-06-30") { coverage { organization } weak { organization }
    vacantSecretary noContactLeader } }""",
    """{ coverageGaps(asOf: "2019-06-30") { kind subject name organization }
  unitCoverage(asOf: "2019-06-30") { unit { id } status }
  coverageRates(asOf: "2019-06-30", groupBy: TOWNSHIP) { group name units }
  weakBranches(asOf: "2019-06-30") { organization { id } }
  remediationCases(asOf: "2019-06-30") { id }
  changes(since: "2009-01-01", until: "2019-06-30") {
    founded { organization name parent } postsFilled { organization person { id name } }
    linksMade { source target } } }""",
]
SUBGRAPH = """query($scope: ID!) {
  subgraph(scope: $scope, depth: 6, asOf: "2019-06-30",
           kinds: [ORGANIZATION, MEMBER, WORKING_GROUP, EXPERT, UNIT, CASE]) {
    nodes { id name } edges { source target } } }"""
ONE = """query($id: ID!) { node(id: $id, asOf: "2019-06-30") { id name } }"""
CHAIN = """query($id: ID!) { responsibilityChain(id: $id, asOf: "2019-06-30") {
  subject name paths { start levels { organization name
    secretary { id name } workingGroups { id name area leaders { id name } }
    contacts { id name } partners { id name } } }
  instructors { id name } leaders { id name } breaks { kind organization subject } } }"""
SEARCH = """query($text: String!) { search(text: $text, first: 200, asOf: "2019-06-30") { id } }"""


def leaks(text: str, world: World, allowed: set[str]) -> list[str]:
    """Ids (as JSON strings) or unique names of nodes outside ``allowed`` found in ``text``."""
    found = []
    for node_id, name in world.names.items():
        if node_id in allowed:
            continue
        if f'"{node_id}"' in text or name in text:
            found.append(node_id)
    return found


@pytest.fixture
def fresh(store: GraphStore, tmp_path: Path) -> Iterator[Callable[[], GraphStore]]:
    """A new empty store of the ``store`` fixture's backend for each example."""
    made: list[GraphStore] = []

    def make() -> GraphStore:
        if isinstance(store, EmbeddedStore):
            new = EmbeddedStore(tmp_path / f"example{len(made)}.db")
            made.append(new)
            return new
        store.clear(keep_audit=False)  # type: ignore[attr-defined]
        return store

    yield make
    for s in made:
        s.close()


@given(world=worlds())
@settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    max_examples=10,
)
def test_nothing_outside_the_scope_is_reachable(
    fresh: Callable[[], GraphStore], store: GraphStore, world: World
) -> None:
    target = fresh()
    target.write(world.batch)
    analyst = Actor(name="analyst", role="analyst", scope=Scope(roots=frozenset({world.root})))
    app = create_app(target, Settings(), actor=analyst, queries=[])
    seen, above = expected(world)
    every = sorted(world.names)

    def ask(query: str, variables: dict[str, Any]) -> str:
        response = call(app, "POST", "/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors") or all(
            e["extensions"]["code"] == "NOT_FOUND" for e in body["errors"]
        ), body["errors"]
        return response.text

    for query in GRAPH:
        answer = ask(query, {"ids": [*every, "nope"]} if "$ids" in query else {})
        assert leaks(answer, world, seen) == [], query
    # Every id the scope holds is reachable by id, and only those.
    listed = json.loads(ask(GRAPH[0], {"ids": [*every, "nope"]}))["data"]["nodes"]
    assert {n["id"] for n in listed if n} == seen
    nobody = ask(ONE, {"id": "nope"})
    for node_id in every:
        one = ask(ONE, {"id": node_id})
        if node_id not in seen:
            assert one == nobody.replace("nope", node_id) or json.loads(one)["data"] == {
                "node": None
            }
    for text in ["组织", "党员", "单位", "工作组", "专家", "o", "p", *world.names.values()]:
        assert leaks(ask(SEARCH, {"text": text}), world, seen) == []
    for oid in every:
        if oid.startswith("o"):
            assert leaks(ask(SUBGRAPH, {"scope": oid}), world, seen) == []
    # A chain also names the posts above the root and the working group covering any of
    # its levels (positions, not people).
    positions = above | ({"g0"} if world.covers & (seen | above) else set())
    missing = ask(CHAIN, {"id": "nope"})
    for node_id in every:
        answer = ask(CHAIN, {"id": node_id})
        assert leaks(answer, world, seen | positions) == [], node_id
        if node_id not in seen:  # the same refusal as for an id that does not exist
            assert json.loads(answer)["errors"][0]["message"] == json.loads(missing)["errors"][0][
                "message"
            ].replace("nope", node_id)
    for kind in ("responsibility-list", "ledger", "coverage"):
        export = call(app, "GET", f"/exports/{kind}", params={"format": "csv", "year": "2019"})
        assert export.status_code == 200, export.text
        # A list names the district a branch sits in, which may be above the root (a
        # position, as in a chain); never anything else outside the scope.
        assert leaks(export.content.decode("utf-8-sig"), world, seen | above) == [], kind
