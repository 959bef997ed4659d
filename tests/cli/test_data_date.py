"""Every command that may leave its date out, run on the demo (数据截至 2019-06-30).

The demo's data reaches 2019-06-30, its yearly facts 2018, and today (the machine's clock)
is past both. The commands are found in the click tree, so a new one cannot be forgotten:
every command with an optional ``--as-of`` or ``--year`` must be in ``ASKED`` below. Each
is run three ways:

* with no date: the answer names 2019-06-30 (one that names no date, ``query``, is the
  same as the answer asked at 2019-06-30), and stderr says the data's date was used,
  Chinese first, English beside;
* at 2026-12-06: stderr says the date is past the data.

Every run is in-process on the session's demo store, opened once (``store_open_once``):
opening the demo for each of some forty runs would take most of the time.

Exports write a file; its title block says the date (截至 2019-06-30), and one asked past
the data says 数据截至 in its notes (说明).

Values worked out by hand: case-2018-050's deadline is 2019-06-10, so at 2019-06-30 it is
20 days overdue (30 − 10), not the 2,736 days to today the issue found; the weak-branch
rules read 2018's facts (the last completed year before 2019).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from orggraph.cli import cli
from orggraph.model import LinkKind
from orggraph.store.base import GraphStore

DATA_DATE = "2019-06-30"
LATER = "2026-12-06"
DEFAULTED = (
    f"数据截至 {DATA_DATE}：未指定日期，按数据截至日作答 "
    f"(data as of {DATA_DATE}: no date given, answered at the data's date)"
)
PAST = (
    f"数据截至 {DATA_DATE}：所问日期 {LATER} 晚于数据 "
    f"(data as of {DATA_DATE}: the date asked, {LATER}, is past the data)"
)

#: command path → (arguments, what the answer at the data's date prints). ``$PERSON``:
#: the secretary of 城东区委 at 2019-06-30, found in the store.
ASKED: dict[str, tuple[list[str], list[str]]] = {
    "cases": (["--overdue"], [f"截至 {DATA_DATE}", "case-2018-050", "逾期20天"]),
    "chain": (["630102002009"], [f"截至 {DATA_DATE}"]),
    "changes": (["--since", "2019-01-01", "--scope", "630102002"], [f"之后至 {DATA_DATE}"]),
    "coverage": (["--scope", "630102"], [f"截至 {DATA_DATE}"]),
    "cycle show": (["2019", "--scope", "630102"], [f"截至 {DATA_DATE}"]),
    "gaps": (["--scope", "630102002"], [f"截至 {DATA_DATE}"]),
    "pairings": (["--scope", "630102"], [f"截至 {DATA_DATE}"]),
    "query": (["weak_branches", "--var", "scope=630102"], []),
    "report": (["--scope", "630102"], [f"截至 {DATA_DATE}"]),
    "responsibilities": (["$PERSON"], [f"截至 {DATA_DATE}"]),
    "stats": ([], [f"截至 {DATA_DATE}"]),
    "weak": (["--scope", "630102"], [f"截至 {DATA_DATE}（按 2018 年度数据"]),
    "whatif": (["--leave", "$PERSON", "--scope", "630102"], [f"截至 {DATA_DATE}"]),
}
#: Exports: command path → arguments; the file's title block names the date.
EXPORTS: dict[str, list[str]] = {
    "export coverage": ["--scope", "630102"],
    "export ledger": ["--scope", "630102"],
    "export query": ["weak_branches", "--var", "scope=630102"],
    "export ranking": ["--scope", "630102"],
    "export responsibility-list": ["--scope", "630102002"],
}


def _commands(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from _commands(sub, f"{path} {name}".strip())


def dated_commands() -> set[str]:
    """Every command with an optional ``--as-of`` or ``--year`` (a default to resolve)."""
    return {
        path
        for path, command in _commands(cli, "")
        if any(p.name in ("as_of", "year") and not p.required for p in command.params)
    }


def test_every_command_that_defaults_a_date_is_run_below() -> None:
    assert dated_commands() == set(ASKED) | set(EXPORTS)


@pytest.fixture(scope="module")
def url(demo_store: GraphStore) -> Iterator[str]:
    """The demo's URL; the commands get the open demo store for it, left open after."""
    assert demo_store.path is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("orggraph.store.open_store", lambda *_: demo_store)
        patch.setattr(demo_store, "close", lambda: None)
        yield f"sqlite:///{demo_store.path}"


@pytest.fixture(scope="module")
def person(demo_store: GraphStore) -> str:
    posts = demo_store.links(LinkKind.HOLDS_POST, date.fromisoformat(DATA_DATE), targets=["630102"])
    (secretary,) = [p.source for p in posts if p.attrs.get("role") == "secretary"]
    return secretary


def _run(url: str, path: str, args: list[str], person: str, *more: str) -> Result:
    argv = ["--store", url, *path.split(), *(a.replace("$PERSON", person) for a in args), *more]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0, (argv, result.output)
    return result


@pytest.mark.parametrize("path", sorted(ASKED))
def test_a_command_left_undated_answers_at_the_data_date(url: str, person: str, path: str) -> None:
    args, shown = ASKED[path]
    undated = _run(url, path, args, person)
    later = _run(url, path, args, person, "--as-of", LATER)
    for text in shown:
        assert text in undated.stdout
    if not shown:  # an answer that names no date: the one asked at the data's date
        at_data = _run(url, path, args, person, "--as-of", DATA_DATE)
        assert undated.stdout == at_data.stdout
        assert DATA_DATE not in at_data.stderr
    assert DEFAULTED in undated.stderr.splitlines()
    assert PAST in later.stderr.splitlines()


def test_weak_past_the_data_reads_2018_and_says_so(url: str, person: str) -> None:
    later = _run(url, "weak", ["--scope", "630102"], person, "--as-of", LATER)
    assert f"截至 {LATER}（按 2018 年度数据" in later.stdout
    assert later.stderr.splitlines() == [
        PAST,
        f"数据截至 {DATA_DATE}：2025 年无年度数据，按 2018 年度数据 "
        f"(data as of {DATA_DATE}: no yearly facts for 2025; those of 2018 are used)",
    ]


@pytest.mark.parametrize("path", sorted(EXPORTS))
def test_an_export_left_undated_is_of_the_data_date(
    url: str, person: str, path: str, tmp_path: Path
) -> None:
    undated, later = tmp_path / "undated.html", tmp_path / "later.html"
    _run(url, path, EXPORTS[path], person, "-o", str(undated))
    _run(url, path, EXPORTS[path], person, "-o", str(later), "--as-of", LATER)
    text = undated.read_text("utf-8")
    assert f"截至 {DATA_DATE}；范围：" in text
    assert "数据截至" not in text  # at the data's date there is nothing to warn of
    past = later.read_text("utf-8")
    assert f"截至 {LATER}；范围：" in past
    assert f"<li>数据截至 {DATA_DATE}：所问日期 {LATER} 晚于数据</li>" in past


def test_an_export_of_a_year_past_the_data_says_so(url: str, person: str, tmp_path: Path) -> None:
    # --year 2025: read at the year's first day (today, the data's date, is before it);
    # the weak branches' facts are 2018's, the latest year with facts before 2024.
    out = tmp_path / "ledger.html"
    _run(url, "export ledger", ["--scope", "630102", "--year", "2025"], person, "-o", str(out))
    text = out.read_text("utf-8")
    assert "截至 2025-01-01；范围：" in text
    assert f"<li>数据截至 {DATA_DATE}：所问日期 2025-01-01 晚于数据</li>" in text
    assert f"<li>数据截至 {DATA_DATE}：2024 年无年度数据，按 2018 年度数据</li>" in text
