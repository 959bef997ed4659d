"""Links outside their ends' lives: refused precisely, or clipped with ``--clip-links``.

The file, worked by hand (effective 2024-01-01)::

    630100 市委                 2010-01-01..
    b1     党支部 under 630100  2012-01-01..2020-01-01
    m1 member of b1 from 2008-01-01 (open): starts before b1 exists, and outlives it
    m2 member of b1 from 2012-01-01 (open): outlives b1
    m2 secretary of b1 2013-01-01..2021-06-01: ends after b1 ends

Clipped, the three links hold 2012-01-01..2020-01-01, 2012-01-01..2020-01-01 and
2013-01-01..2020-01-01; four warnings (m1's link is trimmed at both ends).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import orjson

from orggraph.cli.import_ import grouped_warnings
from orggraph.errors import Problem
from orggraph.model import LinkKind
from orggraph.store.base import GraphStore
from tests.imports.samples import errors, imported, refused, write

ORGS = """标识,名称,起始日期,终止日期,组织类别,层级,领域,上级党组织
630100,西宁市委,2010-01-01,,党委,市级,,
b1,某村党支部,2012-01-01,2020-01-01,党支部,基层,农村,630100
"""
MEMBERS = """标识,姓名,起始日期,终止日期,性别,民族,学历,出生年份,入党日期,党员类别,所在党组织
m1,张三,2008-01-01,,男,汉族,大学本科,1975,2000-07-01,正式党员,b1
m2,李四,2012-01-01,,女,回族,大专,1980,2005-07-01,正式党员,b1
"""
POSTS = """党员,任职党组织,职务,起始日期,终止日期
m2,b1,书记,2013-01-01,2021-06-01
"""
B1 = "'b1' (2012-01-01..2020-01-01)"


def _files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write(folder / "党组织.csv", ORGS),
        write(folder / "党员.csv", MEMBERS),
        write(folder / "任职.csv", POSTS),
    ]


def test_without_clipping_each_link_is_refused_saying_how_it_leaves(
    store: GraphStore, tmp_path: Path
) -> None:
    found = errors(refused(store, _files(tmp_path)))
    assert [(p.rule, p.file, p.row, p.column) for p in found] == [
        ("link-within-ends", str(tmp_path / "任职.csv"), 2, "任职党组织"),
        ("link-within-ends", str(tmp_path / "党员.csv"), 2, "所在党组织"),
        ("link-within-ends", str(tmp_path / "党员.csv"), 3, "所在党组织"),
    ]
    hint = " (orggraph import --clip-links trims links to the dates both ends exist)"
    b1 = "'b1' is valid 2012-01-01..2020-01-01"
    assert [p.message for p in found] == [
        f"link holds_post:m2>b1#secretary (2013-01-01..2021-06-01) ends after 'b1': {b1}{hint}",
        f"link member_of:m1>b1 (2008-01-01..) starts before 'b1': {b1}{hint}",
        f"link member_of:m2>b1 (2012-01-01..) ends after 'b1': {b1}{hint}",
    ]


def test_clipping_trims_each_link_and_warns_per_trim(store: GraphStore, tmp_path: Path) -> None:
    report = imported(store, _files(tmp_path), clip_links=True)
    held = {
        x.id: (x.valid_from, x.valid_to)
        for x in store.links_touching(["b1"])
        if x.kind is not LinkKind.SUBORDINATE_TO
    }
    end = date(2020, 1, 1)
    assert held == {
        "member_of:m1>b1": (date(2012, 1, 1), end),
        "member_of:m2>b1": (date(2012, 1, 1), end),
        "holds_post:m2>b1#secretary": (date(2013, 1, 1), end),
    }
    # In the order of file, row and column (as headed: 终止日期 sorts before 起始日期).
    got = [(w.rule, Path(w.file or "").name, w.row, w.column, w.message) for w in report.warnings]
    assert got == [
        (
            "link-clipped",
            "任职.csv",
            2,
            "终止日期",
            f"link holds_post:m2>b1#secretary ends 2021-06-01, after {B1} ends: "
            "clipped to 2013-01-01..2020-01-01",
        ),
        (
            "link-clipped",
            "党员.csv",
            2,
            "终止日期",
            f"link member_of:m1>b1 ends never (open), after {B1} ends: "
            "clipped to 2012-01-01..2020-01-01",
        ),
        (
            "link-clipped",
            "党员.csv",
            2,
            "起始日期",
            f"link member_of:m1>b1 starts 2008-01-01, before {B1} exists: "
            "clipped to 2012-01-01..2020-01-01",
        ),
        (
            "link-clipped",
            "党员.csv",
            3,
            "终止日期",
            f"link member_of:m2>b1 ends never (open), after {B1} ends: "
            "clipped to 2012-01-01..2020-01-01",
        ),
    ]
    # Clipped again, the same file changes nothing (and warns the same).
    again = imported(store, _files(tmp_path), clip_links=True)
    assert not again.changed and len(again.warnings) == 4


def _warning(rule: str, row: int) -> Problem:
    return Problem(rule=rule, message=f"w{row}", file="f.csv", row=row, severity="warning")


def test_warnings_are_grouped_by_rule_with_the_first_examples() -> None:
    warnings = [_warning("link-clipped", r) for r in range(2, 9)]
    warnings.insert(3, _warning("branch-min-members", 40))
    assert grouped_warnings(warnings, examples=5) == [
        "警告 warnings: 8 (link-clipped 7, branch-min-members 1)",
        "  link-clipped: 7",
        "    warning: link-clipped: w2 [file=f.csv, row=2]",
        "    warning: link-clipped: w3 [file=f.csv, row=3]",
        "    warning: link-clipped: w4 [file=f.csv, row=4]",
        "    warning: link-clipped: w5 [file=f.csv, row=5]",
        "    warning: link-clipped: w6 [file=f.csv, row=6]",
        "    … 另有 2 条 and 2 more (--json lists all)",
        "  branch-min-members: 1",
        "    warning: branch-min-members: w40 [file=f.csv, row=40]",
    ]
    assert grouped_warnings([]) == []


def test_the_command_clips_and_json_keeps_every_warning(tmp_path: Path) -> None:
    _files(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'g.db'}"

    def run(*more: str) -> subprocess.CompletedProcess[str]:
        code = "from orggraph.cli import main; main()"
        args = ["import", "data", "--store", url, "--effective", "2024-01-01", *more]
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    refused_run = run()
    assert refused_run.returncode == 2
    assert "starts before 'b1'" in refused_run.stderr
    done = run("--clip-links", "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    payload = orjson.loads(done.stdout)
    assert [w["rule"] for w in payload["warnings"]] == ["link-clipped"] * 4
    shown = run("--clip-links")
    assert shown.returncode == 0, shown.stderr
    assert "警告 warnings: 4 (link-clipped 4)" in shown.stdout
