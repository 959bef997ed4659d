"""The chain, responsibilities, gaps, changes and whatif commands, through click's runner.

The store is ``responsibility_city`` (tests/graphs.py); the figures checked are read off
its diagram, as in tests/analysis.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from orggraph.cli import cli
from orggraph.errors import NotFound
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import responsibility_city

ASK = ["--as-of", "2019-06-30"]
Runner = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path) -> Runner:
    db = tmp_path / "t.db"
    with EmbeddedStore(db) as store:
        store.write(responsibility_city())

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--store", f"sqlite:///{db}", *args])

    return invoke


def _plain_rows(output: str) -> list[list[str]]:
    """The cells of each line of a piped table (columns two spaces or more apart)."""
    return [re.split(r"\s{2,}", line.strip()) for line in output.splitlines()]


def test_chain_prints_a_chinese_table(run: Runner) -> None:
    result = run("chain", "b1", *ASK)
    assert result.exit_code == 0, result.output
    assert "钱支(m04)" in result.output
    assert "空缺(自2019-03-01)" in result.output
    assert "书记空缺  城东区委(630102)  自 2019-03-01" in result.output


def test_chain_as_json_and_scoped(run: Runner) -> None:
    result = run("chain", "b1", *ASK, "--scope", "630102001", "--json")
    assert result.exit_code == 0, result.output
    levels = orjson.loads(result.stdout)["paths"][0]["levels"]
    assert [lv["hidden"] for lv in levels] == [False, False, True, True]
    assert levels[3]["secretary"] == {"id": None, "name": None, "hidden": True}
    outside = run("chain", "s1", *ASK, "--scope", "630102001")
    assert isinstance(outside.exception, NotFound)


def test_responsibilities(run: Runner) -> None:
    result = run("responsibilities", "m14", *ASK, "--json")
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.stdout)
    assert [c["id"] for c in data["contacts"]] == ["b1"]
    assert [c["id"] for c in data["cases"]] == ["case-1"]
    text = run("responsibilities", "m01", *ASK)
    assert ["西宁市委(630100)", "书记", "2010-01-01", "7"] in _plain_rows(text.output)


def test_gaps_by_kind(run: Runner) -> None:
    result = run("gaps", *ASK, "--kind", "书记空缺", "--json")
    assert result.exit_code == 0, result.output
    assert [(g["kind"], g["subject"]) for g in orjson.loads(result.stdout)] == [
        ("vacant_secretary", "630102"),
        ("vacant_secretary", "b2"),
    ]
    table = run("gaps", *ASK, "--scope", "630102")
    assert "书记空缺（vacant_secretary）：2 项" in table.output
    bad = run("gaps", "--kind", "nope")
    assert bad.exit_code == 2
    assert "not a gap kind" in bad.output


def test_changes(run: Runner) -> None:
    result = run("changes", "--since", "2013-01-01", *ASK, "--json")
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.stdout)
    assert [(e["organization"], e["person"]["id"]) for e in data["posts_filled"]] == [("b1", "m04")]
    assert "离任：1" in run("changes", "--since", "2013-01-01", *ASK).output


def test_whatif(run: Runner) -> None:
    result = run("whatif", "--leave", "m03", *ASK, "--json")
    assert result.exit_code == 0, result.output
    (brk,) = orjson.loads(result.stdout)["new_breaks"]
    assert brk["chains"] == ["630102001", "b1", "b2", "u1"]
    assert run("whatif", *ASK).exit_code == 2  # nothing proposed
    assert run("whatif", "--move", "b2", *ASK).exit_code == 2  # not ORG:NEWPARENT
    moved = run("whatif", "--move", "b2:630103", *ASK)
    assert "无工作组包联" in moved.output
