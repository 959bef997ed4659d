"""The README stays true: its settings table and CLI reference match the code."""

from __future__ import annotations

import re
from pathlib import Path

import click

from orggraph.cli import cli
from orggraph.settings import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def test_every_setting_is_documented_with_its_variable_and_default() -> None:
    table = _section("Settings")
    for setting in SETTINGS:
        row = f"| `{setting.name}` | `ORGGRAPH_{setting.name.upper()}` | `{setting.default!r}` |"
        assert row in table, f"README settings table lacks or misstates: {row}"
    documented = re.findall(r"^\| `(\w+)` \| `ORGGRAPH_", table, re.M)
    assert sorted(documented) == sorted(s.name for s in SETTINGS)


def test_every_command_is_in_the_cli_reference() -> None:
    table = _section("CLI reference")
    ctx = click.Context(cli)
    commands = cli.list_commands(ctx)  # type: ignore[attr-defined]
    listed = set(re.findall(r"^\| `orggraph ([a-z-]+)", table, re.M))
    assert set(commands) == listed


def test_quick_start_is_two_commands() -> None:
    quick = _section("Quick start")
    blocks = re.findall(r"```bash\n(.*?)```", quick, re.S)
    assert [b.strip() for b in blocks] == [
        "python3 -m pip install -c constraints.txt -e . && orggraph serve --demo",
        "./scripts/test",
    ]
