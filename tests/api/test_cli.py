"""``orggraph query``, ``orggraph schema export`` and ``orggraph serve`` from a terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from orggraph.cli import cli, main
from orggraph.store.embedded import EmbeddedStore
from tests.api.graphs import small_city

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "city.db"
    with EmbeddedStore(path) as store:
        store.write(small_city())
    return f"sqlite:///{path}"


def test_query_runs_a_saved_query_as_json(db: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--store",
            db,
            "query",
            str(ROOT / "queries" / "coverage_gaps.graphql"),
            "--var",
            "scope=630102001",
            "--var",
            "kinds=TOO_FEW_MEMBERS",
            "--var",
            "asOf=2019-06-30",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    gaps = json.loads(result.stdout)["coverageGaps"]
    # b1 has two full members (m1, m2), b2 one (m4): both below three.
    assert [(g["subject"], g["count"]) for g in gaps] == [("b1", 2), ("b2", 1)]


def test_query_prints_a_table_with_the_header_and_labels(db: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--store",
            db,
            "query",
            "coverage_gaps",  # a saved query by name
            "--var",
            "scope=630102001",
            "--var",
            "kinds=TOO_FEW_MEMBERS",
            "--as-of",
            "2019-06-30",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("覆盖缺口")
    assert lines[1].startswith("Coverage gaps")
    header = lines[3]
    # Declared labels ("# Column: kind = 缺口类别 | Gap") head their columns.
    assert header.startswith("缺口类别") and "对象" in header
    rows = [line for line in lines[5:] if line.startswith("TOO_FEW_MEMBERS")]
    assert [row.split()[1] for row in rows] == ["b1", "b2"]
    assert lines[2] == "共 2 行 (2 rows)"  # the count first, then the table


def _fail(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    return int(stop.value.code or 0), capsys.readouterr().err


def test_an_unknown_variable_is_refused(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _fail(
        ["--store", db, "query", "search", "--var", "nope=1", "--var", "text=城东"], capsys
    )
    assert code == 2
    assert "the query has no variable $nope; it has: asOf, first, kinds, text" in err


def test_query_errors_are_reported_without_a_trace(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _fail(
        ["--store", db, "query", "responsibility_chain", "--var", "id=nowhere"], capsys
    )
    assert code == 2
    assert "NOT_FOUND: no node 'nowhere'" in err
    assert "Traceback" not in err


def test_schema_export_writes_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "schema.graphql"
    runner = CliRunner()
    stale = runner.invoke(cli, ["schema", "export", "-o", str(out), "--check"])
    assert stale.exit_code == 1
    assert "stale" in stale.output
    written = runner.invoke(cli, ["schema", "export", "-o", str(out)])
    assert written.exit_code == 0
    assert "type Query {" in out.read_text("utf-8")
    assert runner.invoke(cli, ["schema", "export", "-o", str(out), "--check"]).exit_code == 0
    assert out.read_text("utf-8") == (ROOT / "schema" / "schema.graphql").read_text("utf-8")


def test_serve_offers_its_options() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--store", "--host", "--port", "--demo"):
        assert option in result.output


def test_serve_demo_leaves_a_store_with_data_alone(db: str) -> None:
    from orggraph.cli.serve import ensure_demo

    path = db[len("sqlite:///") :]
    with EmbeddedStore(path) as store:
        before = store.digest()
        # The small city is already there: --demo must not write the demo over it.
        assert ensure_demo(store) is False
        assert store.digest() == before
