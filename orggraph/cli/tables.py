"""Tables the commands print: fitted to a terminal, plain and stable when piped.

Every command prints its lists through :func:`render_table`. On a terminal the table is
drawn by rich, no wider than the terminal (``COLUMNS``, else the terminal's size): long
cells wrap inside their column, Chinese characters count two columns, and when a row wraps
a rule separates the rows so each stays readable. When stdout is not a terminal (a pipe,
a file, a test) the table is plain text a script can parse: a header line, a rule of
dashes, one line per row, columns aligned with two spaces between them and never wrapped.
On a terminal, a column empty in every row is left out, and ``name(id)`` may fold before
its id; piped, every column and every cell is printed as it is.

A heading is Chinese first with English beside it: ``("党组织", "organization")`` prints as
two header lines on a terminal and as ``党组织 organization`` in the plain form.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from typing import TextIO

__all__ = [
    "Heading",
    "count_line",
    "display_width",
    "echo_line",
    "fit_line",
    "render_table",
    "terminal_width",
    "to_terminal",
]

#: A column heading: Chinese alone, or (Chinese, English).
Heading = str | tuple[str, str]

#: ``name(id)``: where a folded cell may break before the id.
_ID = re.compile(r"(?<=[^\s(])\((?=[A-Za-z0-9_.-]+\))")

#: Narrower than this a terminal is not believed (a table needs room for its columns).
_MIN_WIDTH = 20


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (stdout) is a terminal, so tables are fitted to it."""
    stream = stream if stream is not None else sys.stdout
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def terminal_width() -> int:
    """The terminal's width: ``COLUMNS`` when set, else the terminal's own size, else 80."""
    return max(_MIN_WIDTH, shutil.get_terminal_size((80, 24)).columns)


def fit_line(text: str, width: int, *, indent: int = 2) -> list[str]:
    """``text`` cut into lines no wider than ``width`` (CJK two columns), breaking after a
    space or Chinese punctuation where one is near, continuation lines indented."""
    lines: list[str] = []
    line, col = "", 0
    for ch in text:
        w = display_width(ch)
        if col + w > width and line.strip():
            cut = max(line.rfind(p) for p in (" ", "，", "、", "：", "；", "（"))
            rest = ""
            if cut >= len(line) * 2 // 3:  # a break near the end: keep the word whole
                line, rest = line[: cut + 1], line[cut + 1 :]
            lines.append(line.rstrip())
            line = " " * indent + rest
            col = display_width(line)
        line += ch
        col += w
    lines.append(line.rstrip())
    return lines


def echo_line(text: str) -> None:
    """Print one line of prose (a title, a summary): folded to the terminal's width on a
    terminal, as it is when piped."""
    import click

    if not to_terminal():
        click.echo(text)
        return
    for line in fit_line(text, terminal_width()):
        click.echo(line)


def count_line(count: int, zh: str, en: str, *, unit: str = "项") -> str:
    """The summary line a long list starts with: ``共 1,234 项缺口 (1,234 gaps)``."""
    return f"共 {count:,} {unit}{zh} ({count:,} {en})"


def render_table(
    headers: Sequence[Heading],
    rows: Sequence[Sequence[object]],
    *,
    width: int | None = None,
    terminal: bool | None = None,
) -> str:
    """The table as text: fitted to ``width`` on a terminal, plain otherwise.

    ``terminal`` defaults to whether stdout is a terminal and ``width`` to
    :func:`terminal_width`. ``None`` cells print empty.
    """
    cells = [["" if c is None else str(c) for c in row] for row in rows]
    if terminal is None:
        terminal = to_terminal()
    if not terminal:
        return _plain([_heading_text(h) for h in headers], cells)
    # On a terminal, a column with nothing in it is left out (its width is better spent),
    # and an id in brackets may start a line of its own: ``邵福祥 (m0002661)``.
    keep = [i for i in range(len(headers)) if not rows or any(row[i] for row in cells)]
    cells = [[_ID.sub(" (", row[i]) for i in keep] for row in cells]
    return _fitted(
        [headers[i] for i in keep], cells, width if width is not None else terminal_width()
    )


def _heading_text(heading: Heading) -> str:
    return heading if isinstance(heading, str) else f"{heading[0]} {heading[1]}"


def _plain(headers: list[str], rows: list[list[str]]) -> str:
    table = [headers, *rows]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        padded = [c + " " * (w - display_width(c)) for c, w in zip(row, widths, strict=True)]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def _fitted(headers: Sequence[Heading], rows: list[list[str]], width: int) -> str:
    # rich is imported here, not at the top: ``import orggraph.cli`` stays light and a
    # piped command never loads it.
    from rich import box
    from rich.console import Console
    from rich.table import Table

    widths, wraps = _column_widths(headers, rows, width)
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        show_lines=wraps,
        expand=False,
        header_style="bold",
    )
    for heading, w in zip(headers, widths, strict=True):
        if isinstance(heading, str):
            table.add_column(_escaped(heading), overflow="fold", width=w)
        else:
            text = f"{_escaped(heading[0])}\n[dim]{_escaped(heading[1])}[/dim]"
            table.add_column(text, overflow="fold", width=w)
    for row in rows:
        table.add_row(*(_escaped(c) for c in row))
    out = io.StringIO()
    console = Console(
        file=out, width=width, force_terminal=True, legacy_windows=False, soft_wrap=False
    )
    console.print(table)
    return "\n".join(line.rstrip() for line in out.getvalue().strip("\n").split("\n"))


#: A token longer than this may fold anywhere (a long URL, a run of digits); narrower
#: tables lower the bound, down to the last, so that dates (10) fold last of all.
_TOKEN_BOUNDS = (16, 14, 12, 10, 8, 6, 4)
_TOKENS = re.compile(r"[\x21-\x7e]+")


def _shortest(text: str, bound: int) -> int:
    """The narrowest a column can be without breaking a word of ``text`` (its longest run
    of printable ASCII: a date, an id, an English word; or one CJK character), at most
    ``bound``."""
    longest = max((len(t) for t in _TOKENS.findall(text)), default=0)
    wide = 2 if any(display_width(ch) == 2 for ch in text) else 1
    return min(bound, max(longest, wide if text else 0))


def _column_widths(
    headers: Sequence[Heading], rows: list[list[str]], width: int
) -> tuple[list[int], bool]:
    """Each column's width within ``width``, and whether some cell must fold.

    Columns get their natural width when the table fits; otherwise the widest give way
    first, none below its shortest (no word, date or id broken, up to a bound lowered
    until they fit). Only when even the shortest widths do not fit are they cut alike.
    """
    texts = [
        [*(h if isinstance(h, tuple) else (h,)), *(row[i] for row in rows)]
        for i, h in enumerate(headers)
    ]
    natural = [max(display_width(line) for t in ts for line in t.split("\n")) for ts in texts]
    # Between two columns: one column of padding and the box's (blank) divider.
    room = max(len(headers), width - 2 * (len(headers) - 1))
    if sum(natural) <= room:
        return natural, False
    # A heading's Chinese is read as one word (在营单位, not 在营单 / 位).
    titles = [display_width(h[0] if isinstance(h, tuple) else h) for h in headers]
    for bound in _TOKEN_BOUNDS:
        shortest = [
            max(min(bound, title), *(_shortest(t, bound) for t in ts))
            for title, ts in zip(titles, texts, strict=True)
        ]
        if sum(shortest) <= room:
            break
    if sum(shortest) >= room:
        return [max(1, room * s // sum(shortest)) for s in shortest], True

    # The widest columns give way first: every column is capped at the largest width
    # that lets the table fit (never below its shortest), and what is left over goes
    # back, a column at a time, to the capped ones.
    def capped(cap: int) -> list[int]:
        return [min(n, max(cap, s)) for n, s in zip(natural, shortest, strict=True)]

    low, high = 1, max(natural)
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if sum(capped(mid)) <= room else (low, mid - 1)
    widths = capped(low)
    for i in sorted(range(len(widths)), key=lambda i: natural[i] - widths[i], reverse=True):
        if sum(widths) >= room:
            break
        if widths[i] < natural[i]:
            widths[i] += 1
    return widths, True


def _escaped(text: str) -> str:
    from rich.markup import escape

    return escape(text)
