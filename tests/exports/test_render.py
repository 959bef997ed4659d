"""render_export's checks, parameters, file names and headers; the CLI end to end."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from orggraph.cli import cli
from orggraph.errors import ValidationFailed
from orggraph.exports._common import default_as_of
from orggraph.exports.render import content_disposition, parse_params, render_export
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope
from tests.exports.graphs import list_city


def test_bad_kind_format_and_language_are_reported_together(store: GraphStore) -> None:
    with pytest.raises(ValidationFailed) as caught:
        render_export("roster", store, {}, Scope(), "odt", "fr")
    assert [(p.rule, p.value) for p in caught.value.problems] == [
        ("export-kind", "roster"),
        ("export-format", "odt"),
        ("export-lang", "fr"),
    ]


def test_bad_parameters_are_reported_together() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_params({"year": "19x", "as_of": "2019-13-01", "variables": "[1]", "query": "../x"})
    assert sorted(p.column for p in caught.value.problems) == [
        "as_of",
        "query",
        "variables",
        "year",
    ]


def test_the_date_defaults_to_the_year() -> None:
    # Today 2019-06-30: this year's lists are read today, last year's at its last day, next
    # year's at its first; with only as_of, the year is as_of's.
    today = date(2019, 6, 30)
    assert default_as_of(2019, today) == today
    assert default_as_of(2018, today) == date(2018, 12, 31)
    assert default_as_of(2020, today) == date(2020, 1, 1)
    assert parse_params({"year": "2018"}, today=today).as_of == date(2018, 12, 31)
    assert parse_params({"as_of": "2017-03-01"}, today=today).year == 2017


def test_content_disposition_has_an_ascii_fallback_and_the_utf8_name() -> None:
    assert content_disposition("责任清单-2019-630102.xlsx") == (
        'attachment; filename="2019-630102.xlsx"; '
        "filename*=UTF-8''%E8%B4%A3%E4%BB%BB%E6%B8%85%E5%8D%95-2019-630102.xlsx"
    )


def test_the_cli_writes_a_list_with_hand_duties(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with EmbeddedStore(db) as store:
        store.write(list_city())
    duties = tmp_path / "duties.csv"
    duties.write_text("书记,职责,时限\nm4,开展主题党日,2019-07-01\n", encoding="utf-8")
    out = tmp_path / "list.xlsx"
    args = ["--store", f"sqlite:///{db}", "export", "responsibility-list", "--person", "m4"]
    args += ["--year", "2019", "--as-of", "2019-06-30", "--duties", str(duties), "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    ws = load_workbook(out)["责任清单"]
    # Rows 5-6: m4's post and the b1 term (see test_lists); row 7: the hand duty.
    assert [ws.cell(7, c).value for c in (1, 4, 5, 8)] == [
        "赵四",
        "自定职责",
        "开展主题党日",
        "手工录入",
    ]
    assert ws.cell(7, 7).value.date() == date(2019, 7, 1)


def test_the_cli_picks_the_format_from_the_extension_and_writes_to_stdout(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with EmbeddedStore(db) as store:
        store.write(list_city())
    base = ["--store", f"sqlite:///{db}", "export", "ledger", "--as-of", "2019-06-30"]
    result = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "l.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "l.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    result = CliRunner().invoke(cli, [*base, "--format", "xlsx", "-o", "-"])
    assert result.exit_code == 0
    wb = load_workbook(io.BytesIO(result.stdout_bytes))
    assert wb.sheetnames == ["整顿台账"]
