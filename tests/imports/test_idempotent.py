"""Importing the same files again writes nothing, and says so; refusals name stored dates.

The hand-worked file (``HISTORY``) holds an organization and a member with two versions
each, as a file of a node's whole history does; before the fix its second import was
refused (``history-append-only``) on every id with two rows, the message naming the
``--effective`` date as if it were a stored version.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orggraph.store.base import GraphStore
from tests.imports.samples import imported, only, refused, write

EFFECTIVE = date(2019, 6, 30)

ORGS = """标识,名称,起始日期,终止日期,组织类别,层级,领域,上级党组织
630100,西宁市委,2010-01-01,,党委,市级,,
b1,某社区党支部,2010-01-01,2016-01-01,党支部,基层,城市社区,630100
b1,某社区党委,2016-01-01,,党委,基层,城市社区,630100
"""
MEMBERS = """标识,姓名,起始日期,终止日期,性别,民族,学历,出生年份,入党日期,党员类别,所在党组织
m1,张三,2010-01-01,2015-01-01,男,汉族,大学本科,1975,2000-07-01,预备党员,b1
m1,张三,2015-01-01,,男,汉族,研究生,1975,2000-07-01,正式党员,b1
"""


def history(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [write(folder / "01_党组织.csv", ORGS), write(folder / "02_党员.csv", MEMBERS)]


def test_a_file_of_whole_histories_imported_twice(store: GraphStore, tmp_path: Path) -> None:
    files = history(tmp_path)
    first = imported(store, files, effective=EFFECTIVE)
    # 630100, b1 ×2, m1 ×2; b1's parent link ×2 (one per row), m1's membership ×2.
    assert (first.nodes_added, first.links_added) == (5, 4)
    before = store.digest()
    again = imported(store, files, effective=EFFECTIVE)
    assert not again.changed
    assert (again.versions_added, again.versions_closed, again.facts) == (0, 0, 0)
    assert again.rows_read == 5
    assert store.digest() == before
    # Another effective date changes nothing either: every row has its own 起始日期.
    assert not imported(store, files, effective=date(2024, 7, 1)).changed


def test_a_changed_past_row_is_refused_naming_the_stored_dates(
    store: GraphStore, tmp_path: Path
) -> None:
    imported(store, history(tmp_path / "v1"), effective=EFFECTIVE)
    renamed = ORGS.replace("b1,某社区党支部,2010-01-01", "b1,某村党支部,2010-01-01")
    v2 = [write(tmp_path / "党组织.csv", renamed)]
    problem = only(refused(store, v2, effective=EFFECTIVE), "history-append-only")
    assert (problem.row, problem.column) == (3, "起始日期")
    assert problem.message == (
        "node 'b1' has a stored version 2010-01-01..2016-01-01, followed by 2016-01-01..; "
        "this row (2010-01-01..2016-01-01) would rewrite it, and history is not rewritten: "
        "change the latest version instead"
    )


def test_a_change_before_the_stored_version_names_its_dates(
    store: GraphStore, tmp_path: Path
) -> None:
    imported(store, history(tmp_path / "v1"), effective=EFFECTIVE)
    # b1 as a 党委 from 2012 contradicts the stored 党支部 of 2010..2016; with --effective
    # 2015-06-30 the change could only start before the stored 2016-01-01 version.
    row = "标识,名称,起始日期,组织类别,层级,领域\nb1,某社区党委,2012-01-01,党委,基层,城市社区\n"
    problem = only(
        refused(store, [write(tmp_path / "党组织.csv", row)], effective=date(2015, 6, 30)),
        "history-append-only",
    )
    assert problem.message == (
        "node 'b1' has a stored version 2016-01-01..; a change must start after 2016-01-01, "
        "but this row starts 2012-01-01 and the effective date is 2015-06-30 "
        "(set 起始日期 or --effective after it)"
    )


def test_the_command_says_nothing_changed(tmp_path: Path) -> None:
    history(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'g.db'}"
    args = ["import", "data", "--store", url, "--effective", "2019-06-30"]

    def run() -> subprocess.CompletedProcess[str]:
        code = "from orggraph.cli import main; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert run().returncode == 0
    second = run()
    assert second.returncode == 0, second.stderr
    assert "无变化 / nothing changed: 5 rows already stored" in second.stdout


# -- any valid file, twice -------------------------------------------------------------
D0 = date(2010, 1, 1)
_prefixes = itertools.count()


@dataclass
class Files:
    """Rows of a generated import: organizations and members with dated versions."""

    prefix: str
    orgs: list[list[str]]
    members: list[list[str]]
    posts: list[list[str]]
    facts: list[list[str]]


def _day(offset: int) -> str:
    return (D0 + timedelta(days=offset)).isoformat()


@st.composite
def runs(draw: st.DrawFn, start: int, end: int | None) -> list[tuple[int, int | None]]:
    """Back-to-back versions covering ``[start, end)`` (1 to 3 of them)."""
    stop = end if end is not None else start + 4000
    cuts: list[int] = []
    if stop - start >= 2:
        cuts = sorted(set(draw(st.lists(st.integers(start + 1, stop - 1), max_size=2))))
    bounds: list[int | None] = [start, *cuts, end]
    return [(bounds[i] or 0, bounds[i + 1]) for i in range(len(bounds) - 1)]


@st.composite
def files(draw: st.DrawFn) -> Files:
    p = f"i{next(_prefixes)}"
    orgs = [[f"{p}root", "市委", _day(0), "", "党委", "市级", "", ""]]
    lives: list[tuple[int, int | None]] = [(0, None)]
    for i in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, 2000))
        end = draw(st.none() | st.integers(start + 2, start + 3000))
        lives.append((start, end))
        for a, b in draw(runs(start, end)):
            kind = draw(st.sampled_from(["党支部", "党总支"]))
            name = draw(st.sampled_from(["一支部", "二支部"]))
            sector = draw(st.sampled_from(["农村", "城市社区", ""]))
            orgs.append(
                [f"{p}o{i}", name, _day(a), _day(b) if b else "", kind, "基层", sector, f"{p}root"]
            )
    members: list[list[str]] = []
    posts: list[list[str]] = []
    for j in range(draw(st.integers(0, 3))):
        o = draw(st.integers(0, len(lives) - 1))
        life_start, life_end = lives[o]
        start = draw(st.integers(life_start, (life_end or 4000) - 1))
        end = draw(st.none() | st.integers(start + 1, (life_end or 5000)))
        if life_end is not None and (end is None or end > life_end):
            end = life_end
        org_id = f"{p}root" if o == 0 else f"{p}o{o - 1}"
        for a, b in draw(runs(start, end)):
            status = draw(st.sampled_from(["正式党员", "预备党员"]))
            education = draw(st.sampled_from(["本科", "大学本科", "高中"]))
            dates = [_day(a), _day(b) if b else ""]
            person = ["女", "汉", education, "1980", "2005-07-01", status, org_id]
            members.append([f"{p}m{j}", "党员", *dates, *person])
        if draw(st.booleans()):
            posts.append([f"{p}m{j}", org_id, "书记", _day(start), _day(end) if end else ""])
    facts = [[f"{p}root", str(year), "优秀"] for year in draw(st.sets(st.integers(2015, 2019)))]
    return Files(prefix=p, orgs=orgs, members=members, posts=posts, facts=facts)


def _csv(folder: Path, name: str, header: str, rows: list[list[str]]) -> Path:
    return write(folder / name, header + "".join(",".join(r) + "\n" for r in rows))


def _write(folder: Path, made: Files) -> list[Path]:
    out = [
        _csv(folder, "01_党组织.csv", ORGS.splitlines()[0] + "\n", made.orgs),
        _csv(folder, "02_党员.csv", MEMBERS.splitlines()[0] + "\n", made.members),
        _csv(folder, "任职.csv", "党员,任职党组织,职务,起始日期,终止日期\n", made.posts),
        _csv(folder, "年度指标.csv", "对象标识,年度,考核等次\n", made.facts),
    ]
    kept = (True, made.members, made.posts, made.facts)
    return [p for p, rows in zip(out, kept, strict=True) if rows]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(made=files(), first=st.integers(0, 5000), second=st.integers(0, 5000))
def test_any_valid_file_imported_twice_changes_nothing_the_second_time(
    store: GraphStore, made: Files, first: int, second: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = _write(Path(folder), made)
        report = imported(store, paths, effective=D0 + timedelta(days=first))
        assert report.changed
        before = store.digest()
        again = imported(store, paths, effective=D0 + timedelta(days=second))
        assert (again.versions_added, again.versions_closed, again.facts) == (0, 0, 0)
        assert store.digest() == before
