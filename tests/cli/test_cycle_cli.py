"""``orggraph cycle`` through click's runner, on ``tests/analysis/test_cycle.py``'s graph.

The account ``t`` (an analyst) is linked to T, secretary of T1; the district's editor
``d-ed`` sees 630102, T1's superior.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from orggraph.cli import cli
from orggraph.errors import PermissionDenied, ValidationFailed
from orggraph.store.accounts import account_store
from orggraph.store.embedded import EmbeddedStore
from tests.analysis.test_cycle import build

Runner = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path) -> Runner:
    db = tmp_path / "t.db"
    with EmbeddedStore(db) as store:
        build(store)
        accounts = account_store(store)
        accounts.add("t", "analyst", roots=frozenset({"T1"}))
        accounts.add("d-ed", "editor", roots=frozenset({"630102"}))

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--store", f"sqlite:///{db}", *args])

    return invoke


def test_a_year_from_the_terminal(run: Runner) -> None:
    opened = run("cycle", "open", "2019", "--scope", "630102", "--on", "2019-01-10")
    assert opened.exit_code == 0, opened.output
    assert "4 份清单 lists, 6 项事项 duties; 0 份已建立" in opened.output
    assert run("cycle", "link", "t", "T").exit_code == 0
    added = run("cycle", "add", "dl-2019-T1", "--on", "2019-01-20", "--text", "办好新时代讲习所")
    assert added.exit_code == 0, added.output
    assert "du-2019-T1-003：办好新时代讲习所（dl-2019-T1）" in added.output
    committed = run(
        "cycle",
        "commit",
        "du-2019-T1-001",
        "--on",
        "2019-02-15",
        "--what",
        "每季度指导",
        "--target",
        "4次",
        "--due",
        "2019-12-15",
        "--as",
        "t",
    )
    assert committed.exit_code == 0, committed.output
    assert "du-2019-T1-001：已承诺，每季度指导；目标 4次；时限 2019-12-15" in committed.output
    # The secretary may not observe; the district's editor may.
    refused = run(
        "cycle",
        "observe",
        "du-2019-T1-001",
        "--on",
        "2019-06-20",
        "--progress",
        "50",
        "--evidence",
        "已指导2次",
        "--as",
        "t",
    )
    assert isinstance(refused.exception, PermissionDenied)
    assert "may not observe" in str(refused.exception)
    seen = run(
        "cycle",
        "observe",
        "du-2019-T1-001",
        "--on",
        "2019-06-20",
        "--progress",
        "50",
        "--evidence",
        "已指导2次",
        "--as",
        "d-ed",
    )
    assert seen.exit_code == 0, seen.output
    none = run("cycle", "handovers", "2019", "--scope", "630102", "--on", "2019-06-30")
    assert "0 份清单已交接" in none.output
    handed = run("cycle", "handovers", "2019", "--scope", "630102", "--on", "2019-07-02")
    assert "1 份清单已交接 lists handed over，2019-07-02" in handed.output
    shown = run("cycle", "show", "2019", "--list", "dl-2019-T1", "--as-of", "2019-07-02")
    assert shown.exit_code == 0, shown.output
    assert "已观摩" in shown.output and "50%：已指导2次" in shown.output
    board = run("cycle", "show", "2019", "--township", "--as-of", "2019-06-30", "--json")
    assert board.exit_code == 0, board.output
    assert '"committed": 1' in board.output and '"observed": 1' in board.output
    bad = run(
        "cycle",
        "grade",
        "dl-2019-T1",
        "--on",
        "2019-12-20",
        "--grade",
        "优良",
        "--score",
        "80",
        "--as",
        "d-ed",
    )
    assert isinstance(bad.exception, ValidationFailed)  # exit code 2 from `orggraph`
    assert {p.rule for p in bad.exception.problems} == {"cycle-stage", "cycle-grade"}
