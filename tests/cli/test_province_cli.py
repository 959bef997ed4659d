"""The CLI's wording at any depth, through click's runner, on ``tests.province_graph``
(tiny_province with placed_units): report titles, stats' level order, coverage by city."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from orggraph.cli import cli
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import tiny_city
from tests.province_graph import placed_units, tiny_province

ASK = ["--as-of", "2019-03-01"]  # the data's date (the last change)
Runner = Callable[..., Result]


def _runner(tmp_path: Path, *batches: object) -> Runner:
    db = tmp_path / "t.db"
    with EmbeddedStore(db) as store:
        for batch in batches:
            store.write(batch)  # type: ignore[arg-type]

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--store", f"sqlite:///{db}", *args])

    return invoke


@pytest.fixture
def run(tmp_path: Path) -> Runner:
    return _runner(tmp_path, tiny_province(), placed_units())


def _title(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[0]


def test_the_report_names_the_scope_at_its_level(run: Runner) -> None:
    assert _title(run("report", *ASK)).startswith("全省组织工作主要数据")
    assert _title(run("report", *ASK, "--scope", "630000")).startswith("全省组织工作主要数据")
    assert _title(run("report", *ASK, "--scope", "630100")).startswith("全市组织工作主要数据")
    assert _title(run("report", *ASK, "--scope", "630102")).startswith("城东区委组织工作主要数据")
    # a city's working committee is level city but not the city's territory
    working = run("report", *ASK, "--scope", "630100JG")
    assert _title(working).startswith("西宁市直机关工委组织工作主要数据")
    both = run("report", *ASK, "--scope", "630102", "--scope", "632221")
    assert _title(both).startswith("城东区委、门源县委组织工作主要数据")


def test_a_city_without_a_province_is_still_the_whole_city(tmp_path: Path) -> None:
    run = _runner(tmp_path, tiny_city())
    assert _title(run("report", *ASK)).startswith("全市组织工作主要数据")


def test_stats_lists_levels_top_first(run: Runner) -> None:
    result = run("stats", *ASK, "--json")
    assert result.exit_code == 0, result.output
    stats = orjson.loads(result.stdout)
    # 630000; 630100, 630100JG, 632200; 630102, 632221, x0; 630102001, 632221100;
    # e0, e1, a1, e11, e12, v1, v2, n1
    assert list(stats["organizations_by_level"].items()) == [
        ("province", 1),
        ("city", 3),
        ("county", 3),
        ("township", 2),
        ("grassroots", 8),
    ]
    text = run("stats", *ASK).output
    assert "层级: province=1, city=3, county=3, township=2, grassroots=8" in text


def test_chain_help_says_up_to_the_top(run: Runner) -> None:
    assert "up to the top of the hierarchy" in run("chain", "--help").output


def test_coverage_by_city_and_province(run: Runner) -> None:
    result = run("coverage", *ASK, "--group-by", "city", "--json")
    assert result.exit_code == 0, result.output
    rows = [(r["group"], r["units"], r["organized"]) for r in orjson.loads(result.stdout)]
    assert rows == [("", 1, 1), ("630100", 3, 1), ("632200", 2, 1)]
    table = run("coverage", *ASK, "--group-by", "province").output
    assert "市(州)" not in table
    assert "省(区)" in table
    assert "青海省委" in table
    assert "40.00%" in table  # 2 of 5
