"""A terminal people can read: tables fitted to its width, summaries, names, progress bars.

Tables and bars are looked at as a person would see them: the real ``orggraph`` runs in a
child process on a pseudo-terminal (tests/cli/terminal.py) of 60 or 200 columns, and what
it drew is measured by hand (CJK two columns). The store is ``responsibility_city``
(tests/graphs.py); names and counts are read off its diagram.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from orggraph.cli import cli
from orggraph.cli.tables import render_table
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.masking import hidden_text
from tests.cli.terminal import ROOT, plain, run_on_pty, width
from tests.graphs import responsibility_city

ASK = ["--as-of", "2019-06-30"]
LONG = "夏都花园社区党支部联系服务群众工作说明" * 5 + " and some English words to wrap as well"
BAR = "━"  # rich's bar


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    db = tmp_path / "t.db"
    with EmbeddedStore(db) as store:
        store.write(responsibility_city())
    return f"sqlite:///{db}"


def _cells_by_column(lines: list[str], starts: list[int]) -> list[str]:
    """The text of each column over the lines of one row, the fragments joined."""
    parts: list[list[str]] = [[] for _ in starts]
    for line in lines:
        col = 0
        chars: list[list[str]] = [[] for _ in starts]
        for ch in line:
            i = max(k for k, s in enumerate(starts) if s <= col)
            chars[i].append(ch)
            col += width(ch)
        for i, c in enumerate(chars):
            parts[i].append("".join(c).strip())
    return [" ".join(p for p in column if p) for column in parts]


def _no_space(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("columns", [60, 200])
def test_a_table_fits_the_terminal_and_keeps_every_cell(columns: int) -> None:
    rows = [
        ["b1", "夏都花园社区党支部(b1)", LONG],
        ["630102", "城东区委(630102)", "短"],
        ["s1", "城中区强社区党支部(s1)", "x" * 90],
    ]
    headers = [("编号", "id"), ("党组织", "organization"), ("说明", "detail")]
    drawn = plain(render_table(headers, rows, width=columns, terminal=True))
    lines = drawn.split("\n")
    assert max(width(line) for line in lines) <= columns
    # LONG is 95 CJK characters (190 columns) and 39 ASCII ones: with the other columns
    # it must wrap at 200, which it would not if a CJK character counted as one column.
    assert width(LONG) == 95 * 2 + 39
    assert len(lines) > 3 + len(rows)
    # Each row starts on the line whose first column holds its id; the columns start
    # where the row's first line has its cells (no cell here holds two spaces running).
    body = lines[3:]
    firsts = [i for i, line in enumerate(body) if line[:8].strip() in {r[0] for r in rows}]
    assert len(firsts) == len(rows)
    for n, start in enumerate(firsts):
        end = firsts[n + 1] if n + 1 < len(firsts) else len(body)
        block = [line for line in body[start:end] if line.strip()]
        first = block[0]
        starts = [0] + [width(first[: m.end()]) for m in re.finditer(r" {2,}", first)]
        assert len(starts) == 3, first
        cells = _cells_by_column(block, starts)
        assert [_no_space(c) for c in cells] == [_no_space(c) for c in rows[n]]


def test_piped_tables_stay_plain_and_unwrapped(store_url: str) -> None:
    """Not a terminal: the aligned text scripts read, no escapes, nothing folded."""
    result = CliRunner().invoke(cli, ["--store", store_url, "gaps", *ASK, "--scope", "630102"])
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.stdout
    heads = [
        "对象 subject",
        "起始 since",
        "标记 flag",
        "说明 detail",
        "责任书记(由近及远) secretaries, nearest first",
    ]
    lines = [re.split(r"\s{2,}", line.strip()) for line in result.stdout.splitlines()]
    at = lines.index(heads)
    assert set(result.stdout.splitlines()[at + 1]) == {"-", " "}
    row = ["某村党支部(b2)", "2018-12-31", "!", "两委任期2018-12-31届满，尚未换届"]
    assert row in [cells[:4] for cells in lines]  # a long row, one line, not folded


@pytest.mark.parametrize("columns", [60, 200])
def test_commands_on_a_terminal_are_no_wider_than_it(store_url: str, columns: int) -> None:
    for args in (["gaps"], ["chain", "b1"], ["cases"], ["weak"], ["coverage"]):
        # stdout on the terminal; stderr (notices, bars) measured by their own tests
        drawn = run_on_pty(["--store", store_url, *args, *ASK], columns=columns, stderr_tty=False)
        assert drawn.returncode == 0, drawn.stdout
        text = plain(drawn.stdout)
        assert max(width(line) for line in text.splitlines()) <= columns, (args, text)
        assert "Traceback" not in text


def test_gaps_start_with_a_summary_line(store_url: str) -> None:
    # On the diagram at 2019-06-30, in 630102: 书记空缺 630102 (since 2019-03-01) and b2
    # (never had one), and what else the analysis finds; the first line counts them all
    # and the second each kind, and they agree with the tables below.
    result = CliRunner().invoke(cli, ["--store", store_url, "gaps", *ASK, "--scope", "630102"])
    lines = result.stdout.splitlines()
    total = re.fullmatch(
        r"覆盖空白 coverage gaps，截至 2019-06-30：共 (\d+) 项 \(\1 gaps\)", lines[0]
    )
    assert total is not None, lines[0]
    kinds = dict(re.findall(r"(\S+) (\d+)", lines[1].replace("，", " ")))
    assert kinds["书记空缺"] == "2"
    sections = re.findall(r"^(\S+)（\w+）：(\d+) 项$", result.stdout, re.M)
    assert dict(sections) == kinds
    assert sum(int(n) for n in kinds.values()) == int(total.group(1))


def test_cases_show_names_beside_ids_and_hide_what_the_scope_does_not_see(
    store_url: str,
) -> None:
    # case-1: b2 某村党支部, responsible m14 郑联, partner s1 城中区强社区党支部 (630103).
    everything = CliRunner().invoke(cli, ["--store", store_url, "cases", *ASK])
    assert everything.exit_code == 0, everything.output
    line = next(x for x in everything.stdout.splitlines() if x.startswith("case-1"))
    assert "某村党支部(b2)" in line and "郑联(m14)" in line and "城中区强社区党支部(s1)" in line
    assert everything.stdout.splitlines()[0].endswith("共 2 件 (2 cases)")
    scoped = CliRunner().invoke(cli, ["--store", store_url, "cases", *ASK, "--scope", "630102"])
    line = next(x for x in scoped.stdout.splitlines() if x.startswith("case-1"))
    assert "郑联(m14)" in line
    assert hidden_text() in line and "城中区强社区党支部" not in line and "s1" not in line


def test_the_sign_in_link_uses_the_servers_address(store_url: str) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["--store", store_url, "user", "add", "li", "--role", "analyst"])
    assert made.exit_code == 0, made.output
    link = ["--store", store_url, "user", "token", "li", "--link"]
    # The port the server is configured with (ORGGRAPH_PORT, as `orggraph serve` reads it).
    on_9123 = runner.invoke(cli, link, env={"ORGGRAPH_PORT": "9123"})
    assert re.fullmatch(r"http://127\.0\.0\.1:9123/signin\?token=ogl_\S+\n", on_9123.stdout)
    public = runner.invoke(cli, link, env={"ORGGRAPH_PUBLIC_URL": "https://og.example/x/"})
    assert public.stdout.startswith("https://og.example/x/signin?token=ogl_")
    given = runner.invoke(cli, [*link, "--url", "http://10.0.0.5:8443"])
    assert given.stdout.startswith("http://10.0.0.5:8443/signin?token=ogl_")


def test_confirmations_are_chinese_first_with_english_beside(store_url: str) -> None:
    made = CliRunner().invoke(cli, ["--store", store_url, "user", "add", "li", "--role", "analyst"])
    assert made.stderr.startswith("已创建账户 account created: li")


# -- progress bars ------------------------------------------------------------------------
def test_a_bar_is_drawn_on_a_terminal_and_not_when_piped(store_url: str, tmp_path: Path) -> None:
    drawn = run_on_pty(
        ["--store", store_url, "backup", "-o", str(tmp_path / "a.db")],
        columns=100,
        stdout_tty=False,
    )
    assert drawn.returncode == 0, drawn.stderr
    seen = plain(drawn.stderr)
    assert "复制存储" in seen and "校验并封存备份" in seen and BAR in seen
    assert BAR not in drawn.stdout and "已备份 backup written" in drawn.stdout

    quiet = run_on_pty(
        ["--store", store_url, "--quiet", "backup", "-o", str(tmp_path / "b.db")],
        columns=100,
        stdout_tty=False,
    )
    assert quiet.returncode == 0 and plain(quiet.stderr).strip() == ""

    piped = run_on_pty(
        ["--store", store_url, "backup", "-o", str(tmp_path / "c.db")],
        stdout_tty=False,
        stderr_tty=False,
    )
    assert piped.returncode == 0 and piped.stderr == ""


def test_an_export_draws_its_stages_and_writes_the_file_whole(
    store_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "ledger.xlsx"
    drawn = run_on_pty(
        ["--store", store_url, "export", "ledger", "-o", str(target), *ASK],
        columns=100,
        stdout_tty=False,
    )
    assert drawn.returncode == 0, drawn.stderr
    seen = plain(drawn.stderr)
    assert "写入 XLSX" in seen and BAR in seen
    assert f"已写入 written: {target}" in seen
    assert target.read_bytes()[:2] == b"PK"  # a whole XLSX (a zip)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.xlsx", "t.db"]


def test_rich_is_loaded_only_to_draw() -> None:
    """Importing the CLI, or printing a table and running long work piped, loads no rich."""
    code = (
        "import sys, orggraph.cli, orggraph.cli.tables as t, orggraph.cli.progress as p;"
        "t.render_table(['a'], [['b']], terminal=False);"
        "ctx = p.progress_bar(quiet=False);"
        "f = ctx.__enter__(); f('x', 1, 2); ctx.__exit__(None, None, None);"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


def test_a_narrow_table_folds_the_long_text_not_the_dates_and_ids() -> None:
    rows = [["2019-06-30", "郑联(m14)", "", LONG], ["2016-11-24", "尼玛(m0000956)", "", "短"]]
    headers = [("日期", "date"), ("责任领导", "responsible"), ("标记", "flag"), ("说明", "detail")]
    drawn = plain(render_table(headers, rows, width=60, terminal=True)).split("\n")
    assert max(width(line) for line in drawn) <= 60
    text = "\n".join(drawn)
    for whole in ("2019-06-30", "2016-11-24", "(m0000956)", "(m14)", "responsible"):
        assert whole in text  # on one line, not folded
    assert "标记" not in text  # a column empty in every row is left out on a terminal
    piped = render_table(headers, rows, terminal=False)
    assert "标记 flag" in piped and "尼玛(m0000956)" in piped  # piped: every column, as is
