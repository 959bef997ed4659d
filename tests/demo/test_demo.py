"""The Xining demo: deterministic for a seed, sound, and shaped like the city.

``demo_store`` (tests/conftest.py) is built once per session; the determinism test
regenerates the demo in two other processes with other hash seeds (so that no set order
can leak in) and compares digests.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
import orjson
from click.testing import CliRunner, Result

from orggraph.cli import AppContext, cli
from orggraph.cli.coverage import command as coverage_command
from orggraph.cli.report import command as report_command
from orggraph.cli.stats import graph_stats
from orggraph.demo import REFERENCE_DATE, demo_batches
from orggraph.model import LinkKind, NodeKind, Role
from orggraph.model.codec import link_to_row, node_to_row
from orggraph.settings import load_settings
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.integrity import integrity_problems
from tests.graphs import tiny_city

ROOT = Path(__file__).resolve().parents[2]


def records_digest(seed: int, scale: int = 1) -> str:
    """The digest ``GraphStore.digest`` gives once the demo's batches are written."""
    nodes, links, facts = [], [], []
    for batch in demo_batches(seed, scale):
        nodes += batch.nodes
        links += batch.links
        facts += batch.facts
    sha = hashlib.sha256()
    for node in sorted(nodes, key=lambda n: (n.kind.value, n.id, n.valid_from)):
        sha.update(orjson.dumps(node_to_row(node), option=orjson.OPT_SORT_KEYS) + b"\n")
    for link in sorted(links, key=lambda x: (x.id, x.valid_from)):
        sha.update(orjson.dumps(link_to_row(link), option=orjson.OPT_SORT_KEYS) + b"\n")
    for fact in sorted(facts, key=lambda f: (f.node_id, f.year, f.name)):
        sha.update(orjson.dumps([fact.node_id, fact.year, fact.name, fact.value]) + b"\n")
    return sha.hexdigest()


def _digest_elsewhere(seed: int, hash_seed: str) -> subprocess.Popen[str]:
    code = f"from tests.demo.test_demo import records_digest; print(records_digest({seed}))"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )


def test_same_seed_same_digest_other_seed_another(demo_store: GraphStore) -> None:
    same = _digest_elsewhere(2019, "1")
    other = _digest_elsewhere(7, "2")
    digest = demo_store.digest()
    out_same, _ = same.communicate(timeout=300)
    out_other, _ = other.communicate(timeout=300)
    assert same.returncode == 0 and other.returncode == 0
    assert out_same.strip() == digest
    assert out_other.strip() != digest


def test_stats_show_the_city(demo_store: GraphStore) -> None:
    stats = graph_stats(demo_store, REFERENCE_DATE)
    nodes = stats["nodes"]
    assert isinstance(nodes, dict)
    assert nodes["working_group"] == 10
    assert nodes["expert"] == 613
    assert nodes["member"] >= 90_000
    assert 4_000 <= nodes["organization"] <= 6_000
    assert stats["territorial_by_level"] == {
        "city": 1,
        "county": 7,
        "grassroots": 1100,
        "township": 80,
    }
    levels = stats["organizations_by_level"]
    assert isinstance(levels, dict)
    assert (levels["city"], levels["county"], levels["township"]) == (1, 7, 80)
    # Nothing is dated after the reference date: today's counts are the reference date's.
    assert graph_stats(demo_store, date.today())["nodes"] == nodes


def test_the_demo_passes_the_integrity_check(demo_store: GraphStore) -> None:
    assert integrity_problems(demo_store) == []


def test_the_tree_hangs_from_the_city_committee(demo_store: GraphStore) -> None:
    day = REFERENCE_DATE
    assert demo_store.ancestors("630102002009", day) == ["630102002", "630102", "630100"]
    xiadu = demo_store.node("630102002009", day)
    assert xiadu is not None and xiadu.name == "夏都花园社区党支部"
    assert xiadu.get("sector") == "community" and xiadu.get("code") == "630102002009"
    orgs = demo_store.nodes(NodeKind.ORGANIZATION, day)
    parents = {x.source for x in demo_store.links(LinkKind.SUBORDINATE_TO, day)}
    assert {o.id for o in orgs} - parents == {"630100"}


def test_villages_have_terms_and_some_are_past_due(demo_store: GraphStore) -> None:
    day = REFERENCE_DATE
    villages = [
        o for o in demo_store.nodes(NodeKind.ORGANIZATION, day) if o.get("code") and len(o.id) == 12
    ]
    assert len(villages) == 1100
    assert all(isinstance(v.get("term_ends"), date) for v in villages)
    past_due = [v for v in villages if v.get("term_ends") < day]
    assert 20 <= len(past_due) <= 110  # about 5%: they missed the 2019 election


def test_posts_history_has_vacancies(demo_store: GraphStore) -> None:
    day = REFERENCE_DATE
    posts = demo_store.links(LinkKind.HOLDS_POST, day)
    secretaries = {x.target for x in posts if x.get("role") == Role.SECRETARY}
    townships = [o.id for o in demo_store.nodes(NodeKind.ORGANIZATION, day) if len(o.id) == 9]
    vacant = [t for t in townships if t not in secretaries]
    assert len(vacant) == 2  # two township committees are without a secretary now
    assert all(isinstance(x.get("term_ends"), date) for x in posts)


def test_demo_command_refuses_a_store_with_data(tmp_path: Path) -> None:
    path = tmp_path / "full.db"
    store = EmbeddedStore(path)
    store.write(tiny_city())
    store.close()
    result = CliRunner().invoke(cli, ["demo", "--store", f"sqlite:///{path}"])
    assert result.exit_code == 2
    assert "already holds data" in result.output and "--force" in result.output


def _run(command: click.Command, store: GraphStore, args: list[str]) -> Result:
    """Run a subcommand on an already open store (opening the city again costs seconds)."""
    app = AppContext(settings=load_settings({"store": store.url}), _store=store)
    return CliRunner().invoke(command, args, obj=app)


def test_report_and_coverage_commands_on_the_demo(demo_store: GraphStore) -> None:
    report = _run(report_command, demo_store, ["--as-of", "2019-06-30"])
    assert report.exit_code == 0, report.output
    for text in ("87.98%", "85.7%", "6,899名", "22.7个百分点", "394名", "613名", "357个"):
        assert text in report.output
    assert "未纳入图谱" in report.output
    args = ["--as-of", "2019-06-30", "--group-by", "sector", "--json"]
    coverage = _run(coverage_command, demo_store, args)
    assert coverage.exit_code == 0, coverage.output
    rows = orjson.loads(coverage.output)
    assert [(r["name"], r["organized"], r["units"]) for r in rows] == [
        ("非公企业", 1581, 1797),
        ("社会组织", 600, 700),
    ]
    table = _run(coverage_command, demo_store, ["--as-of", "2019-06-30", "--since", "2014-12-31"])
    assert table.exit_code == 0, table.output
    assert "城东区委" in table.output and "合计" in table.output
