"""Re-importing an updated file: an upsert that closes changed versions and opens new ones."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orggraph.model import LinkKind
from orggraph.store.base import GraphStore
from tests.graphs import tiny_city
from tests.imports.samples import MEMBERS, ORGS, city, imported, only, refused, write

JULY = date(2024, 7, 1)


def test_the_same_file_again_changes_nothing(store: GraphStore, tmp_path: Path) -> None:
    files = city(tmp_path)
    imported(store, files)
    before = store.digest()
    report = imported(store, files, effective=JULY)
    counts = (report.nodes_added, report.nodes_closed, report.links_added, report.links_closed)
    assert counts == (0, 0, 0, 0)
    assert report.facts == 0  # the same two facts: nothing rewritten
    assert store.digest() == before


def test_an_updated_file_closes_and_opens_versions(store: GraphStore, tmp_path: Path) -> None:
    imported(store, city(tmp_path / "v1"))
    # Version 2, worked out by hand:
    # - b1 renamed and made a 党委; its row keeps 起始日期 2010-01-01, so the change takes
    #   the effective date, 2024-07-01: close b1's version there, open the new one.
    # - b2 is new (with its own 2010 start and parent link): added as written.
    # - m2 moves from b1 to b2, row start unchanged: membership in b1 closed on 2024-07-01,
    #   membership in b2 opened on 2024-07-01.
    # - m4 became a full member on 2024-03-01 (a later 起始日期): closed and opened there.
    orgs = ORGS.replace(
        "b1,夏都花园社区党支部,2010-01-01,,党支部", "b1,夏都花园社区党委,2010-01-01,,党委"
    )
    orgs += "b2,东关村党支部,2010-01-01,,党支部,基层,农村,630102001\n"
    members = MEMBERS.replace("1980,2005-07-01,正式党员,否,b1", "1980,2005-07-01,正式党员,否,b2")
    members = members.replace(
        "m4,赵六,2010-01-01,女,汉族,大学本科,1995,2023-07-01,预备党员",
        "m4,赵六,2024-03-01,女,汉族,大学本科,1995,2023-07-01,正式党员",
    )
    v2 = [write(tmp_path / "党组织.csv", orgs), write(tmp_path / "党员.csv", members)]
    report = imported(store, v2, effective=JULY)
    assert (report.nodes_added, report.nodes_closed) == (3, 2)  # b1 and m4 anew, b2
    assert (report.links_added, report.links_closed) == (2, 1)  # b2's parent, m2 → b2
    b1 = store.node_versions(["b1"])["b1"]
    assert [(v.valid_from, v.valid_to, v.name) for v in b1] == [
        (date(2010, 1, 1), JULY, "夏都花园社区党支部"),
        (JULY, None, "夏都花园社区党委"),
    ]
    m4 = store.node_versions(["m4"])["m4"]
    assert [(v.valid_from, v.valid_to, v.get("status")) for v in m4] == [
        (date(2010, 1, 1), date(2024, 3, 1), "probationary"),
        (date(2024, 3, 1), None, "full"),
    ]
    member_of = LinkKind.MEMBER_OF
    assert [x.target for x in store.links(member_of, date(2024, 6, 30), sources=["m2"])] == ["b1"]
    assert [x.target for x in store.links(member_of, JULY, sources=["m2"])] == ["b2"]
    # b2 has one full member (m2) on the effective date: a warning. b1 is no longer a branch.
    assert [(w.rule, w.value) for w in report.warnings] == [("branch-min-members", "b2")]


def test_a_move_in_the_hierarchy_table(store: GraphStore, tmp_path: Path) -> None:
    store.write(tiny_city())
    moved = write(tmp_path / "隶属关系.csv", "党组织,上级党组织,起始日期\nb1,630103,2015-01-01\n")
    report = imported(store, [moved])
    assert (report.links_added, report.links_closed) == (1, 1)
    assert store.parent("b1", date(2014, 12, 31)) == "630102001"
    assert store.parent("b1", date(2015, 1, 1)) == "630103"


def test_a_move_dated_before_the_stored_link_is_refused(store: GraphStore, tmp_path: Path) -> None:
    store.write(tiny_city())
    # b1 is under 630102001 from 2010-01-01; a move on 2009-01-01, effective 2009-06-01,
    # would have to start before the version it replaces.
    moved = write(tmp_path / "隶属关系.csv", "党组织,上级党组织,起始日期\nb1,630103,2009-01-01\n")
    problem = only(refused(store, [moved], effective=date(2009, 6, 1)), "history-append-only")
    assert (problem.row, problem.column) == (2, "起始日期")
