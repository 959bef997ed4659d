"""Tables the commands print: fitted to a terminal, plain and stable when piped.

Every command prints its lists through :func:`render_table`. On a terminal the table is
drawn by rich, no wider than the terminal (``COLUMNS``, else the terminal's size): long
cells wrap inside their column, Chinese characters count two columns, and when a row wraps
a rule separates the rows so each stays readable. When stdout is not a terminal (a pipe,
a file, a test) the table is plain text a script can parse: a header line, a rule of
dashes, one line per row, columns aligned with two spaces between them and never wrapped.

A heading is Chinese first with English beside it: ``("党组织", "organization")`` prints as
two header lines on a terminal and as ``党组织 organization`` in the plain form.
"""

from __future__ import annotations

import io
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
    return _fitted(headers, cells, width if width is not None else terminal_width())


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

    natural = [
        max(
            [_heading_width(headers[i])]
            + [max(display_width(part) for part in row[i].split("\n")) for row in rows]
        )
        for i in range(len(headers))
    ]
    # No edges; between two columns one space of padding each side and one of the box's
    # (blank) divider: three columns (box.SIMPLE_HEAD draws no vertical lines).
    wraps = sum(natural) + 3 * max(0, len(natural) - 1) > width
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        show_lines=wraps,
        expand=False,
        header_style="bold",
    )
    for heading in headers:
        if isinstance(heading, str):
            table.add_column(heading, overflow="fold")
        else:
            table.add_column(f"{heading[0]}\n[dim]{heading[1]}[/dim]", overflow="fold")
    for row in rows:
        table.add_row(*(_escaped(c) for c in row))
    out = io.StringIO()
    console = Console(
        file=out, width=width, force_terminal=True, legacy_windows=False, soft_wrap=False
    )
    console.print(table)
    return "\n".join(line.rstrip() for line in out.getvalue().strip("\n").split("\n"))


def _heading_width(heading: Heading) -> int:
    if isinstance(heading, str):
        return display_width(heading)
    return max(display_width(heading[0]), display_width(heading[1]))


def _escaped(text: str) -> str:
    from rich.markup import escape

    return escape(text)
