"""Which two-new units a scope's coverage counts, against plain Python (hypothesis).

``unit_coverage`` picks a scope's units among the city's by the units placed in the
scope's areas and those its organizations are established in, then lets the scope decide
each. The oracle here applies the rule as written (docs and ``ScopeView``): a unit is in a
district's scope when its place is in the district's subtree or an organization of the
subtree is established in it; with a sector, only a unit of that kind, and only through an
organization of that sector. Its status is ``own`` / ``joint`` by any organization
established in it (in scope or not), else ``none``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orggraph.analysis.coverage import unit_coverage
from orggraph.model import LinkKind, Node, NodeKind, Sector, WriteBatch
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope
from tests.graphs import D0, link, org

ASK = date(2019, 6, 30)
KINDS = ["non_public_enterprise", "social_organization"]
# Two districts (d0, d1) of a city (c), a township under each (t0, t1), branches under
# the townships: where each organization is, and its sector.
AREAS = {"d0": "d0", "d1": "d1", "t0": "d0", "t1": "d1"}
BRANCHES = {
    "b0": ("t0", "non_public_enterprise"),
    "b1": ("t0", "social_organization"),
    "b2": ("t1", "non_public_enterprise"),
    "b3": ("d1", "community"),
}


@dataclass(frozen=True)
class Unit:
    kind: str
    place: str | None  # an area or a branch, or nowhere
    hosts: frozenset[tuple[str, str]]  # (branch, mode)


@st.composite
def units(draw: st.DrawFn) -> list[Unit]:
    return draw(
        st.lists(
            st.builds(
                Unit,
                kind=st.sampled_from(KINDS),
                place=st.none() | st.sampled_from([*AREAS, *BRANCHES]),
                hosts=st.frozensets(
                    st.tuples(st.sampled_from(sorted(BRANCHES)), st.sampled_from(["own", "joint"])),
                    max_size=2,
                ).filter(lambda hs: len({b for b, _ in hs}) == len(hs)),
            ),
            max_size=10,
        )
    )


def _district(org_id: str) -> str:
    while org_id not in ("d0", "d1"):
        org_id = BRANCHES[org_id][0] if org_id in BRANCHES else AREAS[org_id]
    return org_id


def _store(found: list[Unit], folder: str) -> EmbeddedStore:
    nodes = [
        org("c", "市委", "city"),
        org("d0", "甲区委", "county"),
        org("d1", "乙区委", "county"),
        org("t0", "甲街道党工委", "township", "working_committee"),
        org("t1", "乙街道党工委", "township", "working_committee"),
    ]
    links = [link(LinkKind.SUBORDINATE_TO, a, "c") for a in ("d0", "d1")]
    links += [link(LinkKind.SUBORDINATE_TO, t, d) for t, d in (("t0", "d0"), ("t1", "d1"))]
    for b, (up, sector) in BRANCHES.items():
        nodes.append(org(b, f"支部{b}", "grassroots", "branch", sector=sector))
        links.append(link(LinkKind.SUBORDINATE_TO, b, up))
    for n, unit in enumerate(found):
        attrs = {"unit_kind": unit.kind, "full_members": 0}
        nodes.append(
            Node(id=f"u{n}", kind=NodeKind.UNIT, name=f"单位{n}", valid_from=D0, attrs=attrs)
        )
        if unit.place is not None:
            links.append(link(LinkKind.LOCATED_IN, f"u{n}", unit.place))
        links += [link(LinkKind.ESTABLISHED_IN, b, f"u{n}", mode=m) for b, m in unit.hosts]
    store = EmbeddedStore(Path(folder) / "units.db")
    store.write(WriteBatch(nodes=tuple(nodes), links=tuple(links)))
    return store


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units(), st.sampled_from(["d0", "d1", None]), st.none() | st.sampled_from(KINDS))
def test_a_scope_counts_the_units_placed_or_organized_in_it(
    found: list[Unit], district: str | None, sector: str | None
) -> None:
    roots = frozenset({district}) if district else frozenset()
    scope = Scope(roots=roots, sectors=frozenset({Sector(sector)}) if sector else frozenset())
    with tempfile.TemporaryDirectory() as folder:
        store = _store(found, folder)
        try:
            got = {k: c.status for k, c in unit_coverage(store, ASK, scope).items()}
        finally:
            store.close()
    expected = {}
    for n, unit in enumerate(found):
        if district is None and sector is None:  # the whole graph: every unit
            inside = True
        else:
            inside = unit.place is not None and district in (None, _district(unit.place))
        organized = any(
            (district is None or _district(b) == district)
            and (sector is None or BRANCHES[b][1] == sector)
            for b, _ in unit.hosts
        )
        if (sector is None or unit.kind == sector) and (inside or organized):
            modes = {m for _, m in unit.hosts}
            expected[f"u{n}"] = "own" if "own" in modes else "joint" if modes else "none"
    assert got == expected
