"""A scoped editor's random writes never touch what lies outside its scope (issue #18).

A hypothesis state machine, on both stores: a small random tree (a city R with two
districts A and B, branches hung at random under them, a member in each branch, a
leader, a working group, an expert and a unit per district), an editor scoped to A or to a
random organization below it, and random sequences of every mutation with ids drawn from
inside the scope, outside it and from ids that do not exist.

The invariant, after every step: every node whose versions changed was visible to the
editor before the step (an admin read of the scope at the step's date), or is new and
visible after it; every link whose versions changed joins two such nodes; the roots of the
scope keep their parents.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from orggraph.api.context import Actor
from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope
from tests.api.conftest import Api
from tests.graphs import D0, link, member, org

K = LinkKind
START = date(2019, 1, 1)
BRANCHES_A = ["A1", "A2", "A3"]
BRANCHES_B = ["B1", "B2"]
ORGS = ["R", "A", "B", *BRANCHES_A, *BRANCHES_B]
MEMBERS = [f"m{o}" for o in (*BRANCHES_A, *BRANCHES_B)] + ["lA", "lB"]
OTHERS = ["gA", "gB", "eA", "eB", "uA", "uB"]
NEW = ["n1", "n2"]
UNKNOWN = ["zz"]
ANY_ID = st.sampled_from([*ORGS, *MEMBERS, *OTHERS, *NEW, *UNKNOWN])
AN_ORG = st.sampled_from([*ORGS, *NEW, *UNKNOWN])
A_MEMBER = st.sampled_from([*MEMBERS, *NEW, *UNKNOWN])
MAYBE_ORG = st.one_of(st.none(), AN_ORG)
ROLES = st.sampled_from(["SECRETARY", "DEPUTY_SECRETARY", "COMMITTEE_MEMBER"])
LINK_KINDS = st.sampled_from([k.name for k in LinkKind])


def tree(parents: dict[str, str]) -> WriteBatch:
    """The city with branches under the given parents (see the module docstring)."""
    nodes: list[Node] = [
        org("R", "市委", "city"),
        org("A", "甲区委", "county"),
        org("B", "乙区委", "county"),
    ]
    links: list[Link] = [link(K.SUBORDINATE_TO, "A", "R"), link(K.SUBORDINATE_TO, "B", "R")]
    for branch, parent in parents.items():
        nodes.append(org(branch, f"{branch}支部", "grassroots", "branch", sector="rural"))
        links.append(link(K.SUBORDINATE_TO, branch, parent))
        nodes.append(member(f"m{branch}", f"{branch}党员"))
        links.append(link(K.MEMBER_OF, f"m{branch}", branch))
    for d in ("A", "B"):
        nodes += [
            member(f"l{d}", f"{d}领导", leader=True),
            Node(
                id=f"g{d}",
                kind=NodeKind.WORKING_GROUP,
                name=f"{d}工作组",
                valid_from=D0,
                attrs={"number": 1 if d == "A" else 2},
            ),
            Node(
                id=f"e{d}",
                kind=NodeKind.EXPERT,
                name=f"{d}专家",
                valid_from=D0,
                attrs={"field": "农业", "title": "高级农艺师"},
            ),
            Node(
                id=f"u{d}",
                kind=NodeKind.UNIT,
                name=f"{d}公司",
                valid_from=D0,
                attrs={
                    "unit_kind": "non_public_enterprise",
                    "full_members": 1,
                    "employees": 10,
                },
            ),
        ]
        links += [
            link(K.MEMBER_OF, f"l{d}", d),
            link(K.COVERS, f"g{d}", d),
            link(K.LEADS, f"l{d}", f"g{d}"),
            link(K.SERVES, f"l{d}", f"e{d}"),
            link(K.INSTRUCTS, f"l{d}", f"u{d}"),
            link(K.LOCATED_IN, f"u{d}", d),
        ]
    return WriteBatch(nodes=tuple(nodes), links=tuple(links))


def snapshot(store: GraphStore) -> tuple[dict[str, list[Node]], dict[str, list[Link]]]:
    nodes: dict[str, list[Node]] = defaultdict(list)
    links: dict[str, list[Link]] = defaultdict(list)
    for node in store.all_nodes():
        nodes[node.id].append(node)
    for version in store.all_links():
        links[version.id].append(version)
    return dict(nodes), dict(links)


def visible(store: GraphStore, scope: Scope, on: date) -> set[str]:
    """The ids the editor sees at ``on``, read with an administrator's unrestricted reads."""
    view = scope.view(store, on)
    return {n.id for kind in NodeKind for n in view.filter(store.nodes(kind, on))}


def scoped_editor_machine(fresh: Any) -> type[RuleBasedStateMachine]:
    """The machine over stores made by ``fresh()`` (an empty store each example)."""

    class ScopedEditor(RuleBasedStateMachine):
        store: GraphStore
        api: Api
        scope: Scope
        day: date

        @initialize(
            data=st.data(),
            root=st.sampled_from(["A", *BRANCHES_A]),
        )
        def build(self, data: st.DataObject, root: str) -> None:
            parents: dict[str, str] = {}
            for group, top in ((BRANCHES_A, "A"), (BRANCHES_B, "B")):
                for i, branch in enumerate(group):
                    parents[branch] = data.draw(st.sampled_from([top, *group[:i]]))
            self.store = fresh()
            self.store.write(tree(parents))
            self.scope = Scope(roots=frozenset({root}))
            editor = Actor(name="editor", role="editor", scope=self.scope)
            self.api = Api(self.store, actor=editor)
            self.day = START
            self.calls = 0

        # -- every step: one mutation, checked against the store before and after -------
        def run(self, query: str, variables: dict[str, Any]) -> None:
            self.day += timedelta(days=1)
            day = self.day
            before_seen = visible(self.store, self.scope, day)
            before = snapshot(self.store)
            roots = {r: self.store.parent(r, day) for r in self.scope.roots}
            body = self.api.post(query, {**variables, "on": day.isoformat()})
            assert "data" in body and body["data"] is not None, body
            after = snapshot(self.store)
            after_seen = visible(self.store, self.scope, day)
            changed_nodes = {
                i for i in before[0].keys() | after[0].keys() if before[0].get(i) != after[0].get(i)
            }
            new = {i for i in changed_nodes if i not in before[0]}
            allowed = before_seen | (new & after_seen)
            assert changed_nodes <= allowed, (query, variables, changed_nodes - allowed)
            for link_id in before[1].keys() | after[1].keys():
                if before[1].get(link_id) == after[1].get(link_id):
                    continue
                versions = after[1].get(link_id) or before[1][link_id]
                ends = {versions[0].source, versions[0].target}
                assert ends <= allowed, (query, variables, link_id, ends - allowed)
            assert {r: self.store.parent(r, day) for r in self.scope.roots} == roots
            self.calls += 1

        @rule(id=st.sampled_from([*NEW, *ORGS]), parent=MAYBE_ORG)
        def create_organization(self, id: str, parent: str | None) -> None:
            self.run(
                """mutation($id: ID!, $parent: ID, $on: Date) { createOrganization(input: {
                  id: $id, name: "新组织", orgKind: BRANCH, level: GRASSROOTS,
                  parent: $parent, validFrom: $on}) { errors { code } } }""",
                {"id": id, "parent": parent},
            )

        @rule(id=AN_ORG, parent=st.one_of(st.just("keep"), MAYBE_ORG))
        def update_organization(self, id: str, parent: str | None) -> None:
            if parent == "keep":
                query = """mutation($id: ID!, $on: Date) { updateOrganization(input: {
                  id: $id, effective: $on, name: "改名"}) { errors { code } } }"""
                self.run(query, {"id": id})
                return
            query = """mutation($id: ID!, $parent: ID, $on: Date) { updateOrganization(input: {
              id: $id, effective: $on, parent: $parent}) { errors { code } } }"""
            self.run(query, {"id": id, "parent": parent})

        @rule(id=AN_ORG)
        def end_organization(self, id: str) -> None:
            self.run(
                """mutation($id: ID!, $on: Date!) { endOrganization(id: $id, on: $on) {
                  errors { code } } }""",
                {"id": id},
            )

        @rule(id=A_MEMBER, organization=MAYBE_ORG)
        def create_member(self, id: str, organization: str | None) -> None:
            self.run(
                """mutation($id: ID!, $org: ID, $on: Date) { createMember(input: {
                  id: $id, name: "新党员", gender: MALE, ethnicity: "汉族",
                  education: BACHELOR, birthYear: 1990, joinDate: "2015-07-01",
                  status: FULL, organization: $org, validFrom: $on}) { errors { code } } }""",
                {"id": id, "org": organization},
            )

        @rule(id=A_MEMBER, organization=st.one_of(st.just("keep"), MAYBE_ORG))
        def update_member(self, id: str, organization: str | None) -> None:
            if organization == "keep":
                query = """mutation($id: ID!, $on: Date) { updateMember(input: {
                  id: $id, effective: $on, position: "干部"}) { errors { code } } }"""
                self.run(query, {"id": id})
                return
            query = """mutation($id: ID!, $org: ID, $on: Date) { updateMember(input: {
              id: $id, effective: $on, organization: $org}) { errors { code } } }"""
            self.run(query, {"id": id, "org": organization})

        @rule(id=A_MEMBER)
        def end_member(self, id: str) -> None:
            self.run(
                """mutation($id: ID!, $on: Date!) { endMember(id: $id, on: $on) {
                  errors { code } } }""",
                {"id": id},
            )

        @rule(member=A_MEMBER, organization=AN_ORG, role=ROLES)
        def create_post(self, member: str, organization: str, role: str) -> None:
            self.run(
                """mutation($m: ID!, $o: ID!, $r: Role!, $on: Date) { createPost(input: {
                  member: $m, organization: $o, role: $r, validFrom: $on}) {
                  errors { code } } }""",
                {"m": member, "o": organization, "r": role},
            )

        @rule(member=A_MEMBER, organization=AN_ORG, role=ROLES)
        def end_post(self, member: str, organization: str, role: str) -> None:
            self.run(
                """mutation($m: ID!, $o: ID!, $r: Role!, $on: Date!) { endPost(member: $m,
                  organization: $o, role: $r, on: $on) { errors { code } } }""",
                {"m": member, "o": organization, "r": role},
            )

        @rule(kind=LINK_KINDS, source=ANY_ID, to=ANY_ID)  # ``target`` names a bundle
        def create_link(self, kind: str, source: str, to: str) -> None:
            mode = "OWN" if kind == "ESTABLISHED_IN" else None
            role = "COMMITTEE_MEMBER" if kind == "HOLDS_POST" else None
            self.run(
                """mutation($k: LinkKind!, $s: ID!, $t: ID!, $on: Date, $m: Establishment,
                  $r: Role) { createLink(input: {kind: $k, source: $s, target: $t,
                  validFrom: $on, mode: $m, role: $r}) { errors { code } } }""",
                {"k": kind, "s": source, "t": to, "m": mode, "r": role},
            )

        @rule(data=st.data())
        def end_link(self, data: st.DataObject) -> None:
            ids = sorted(x.id for x in self.store.all_links() if x.valid_to is None)
            link_id = data.draw(st.sampled_from([*ids, "leads:zz>gA"]))
            self.run(
                """mutation($id: ID!, $on: Date!) { endLink(id: $id, on: $on) {
                  errors { code } } }""",
                {"id": link_id},
            )

        @rule(organization=AN_ORG, responsible=st.one_of(st.none(), A_MEMBER), partner=MAYBE_ORG)
        def open_case(
            self, organization: str, responsible: str | None, partner: str | None
        ) -> None:
            self.run(
                """mutation($o: ID!, $r: ID, $p: ID, $on: Date) { openCase(organization: $o,
                  on: $on, responsible: $r, partner: $p, reasons: ["few_members"]) {
                  errors { code } } }""",
                {"o": organization, "r": responsible, "p": partner},
            )

        @precondition(lambda self: self.calls > 0)
        @rule(data=st.data(), responsible=st.one_of(st.none(), A_MEMBER))
        def transition_case(self, data: st.DataObject, responsible: str | None) -> None:
            cases = sorted({n.id for n in self.store.all_nodes() if n.kind is NodeKind.CASE})
            case = data.draw(st.sampled_from([*cases, "case-zz"]))
            self.run(
                """mutation($id: ID!, $r: ID, $on: Date) { transitionCase(id: $id,
                  to: RECTIFYING, on: $on, responsible: $r, deadline: "2020-12-31") {
                  errors { code } } }""",
                {"id": case, "r": responsible},
            )

        def teardown(self) -> None:
            if getattr(self, "store", None) is not None and self.store.path is not None:
                self.store.close()

    return ScopedEditor


def test_a_scoped_editor_changes_nothing_outside_its_scope(
    store: GraphStore, tmp_path: Path
) -> None:
    count = itertools.count()

    def fresh() -> GraphStore:
        if store.path is None:  # Neo4j: the same server, emptied
            store.clear(keep_audit=False)
            return store
        return EmbeddedStore(tmp_path / f"example-{next(count)}.db")

    machine = scoped_editor_machine(fresh)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
