"""Progress bars on the terminal, fed by the one callback shape of :mod:`orggraph.progress`.

Long commands (demo, import, sync, export, backup, restore) hand the callback that
:func:`progress_bar` yields to the work below them::

    with progress_bar() as progress:
        build_demo(store, progress=progress)

A bar is drawn on stderr, one line per stage, only when stderr is a terminal and the user
did not ask for ``orggraph --quiet``; otherwise the callback does nothing, so piped output,
logs and tests stay exactly as they were. rich is imported only when a bar is drawn.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

import click

from orggraph.progress import Progress, silent

if TYPE_CHECKING:
    from rich.progress import TaskID

__all__ = ["progress_bar", "wants_bar"]


def wants_bar(stream: TextIO | None = None, *, quiet: bool | None = None) -> bool:
    """Whether a bar should be drawn: the stream is a terminal and ``--quiet`` was not given.

    ``quiet=None`` reads ``orggraph --quiet`` from the running click command, if any.
    """
    if quiet is None:
        quiet = _quiet_from_click()
    if quiet:
        return False
    stream = stream if stream is not None else sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or unusual stream: no bar
        return False


@contextmanager
def progress_bar(*, quiet: bool | None = None, stream: TextIO | None = None) -> Iterator[Progress]:
    """Yield a ``progress(stage, done, total)`` callback drawing a bar on ``stream`` (stderr).

    Each new ``stage`` starts a new line of its own; a stage whose total is ``None`` shows a
    pulsing bar with the count done. The bar stops (and the terminal is restored) however
    the block ends, Ctrl-C included.
    """
    stream = stream if stream is not None else sys.stderr
    if not wants_bar(stream, quiet=quiet):
        yield silent
        return
    bar = _RichBar(stream)
    with bar.rich:
        yield bar
        bar.end_stage()  # the work returned: its last stage is done


class _RichBar:
    """The callback object: a rich Progress with one task per stage."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        console = Console(file=stream, stderr=stream is sys.stderr)
        self.rich: RichProgress = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self._stage: str | None = None
        self._task: TaskID | None = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage != self._stage or self._task is None:
            self.end_stage()
            self._stage = stage
            self._task = self.rich.add_task(stage, total=total)
        self.rich.update(self._task, completed=done, total=total)

    def end_stage(self) -> None:
        """Show the current stage full: a stage followed by another (or by the end of the
        work) is finished, even when its last report came a little early (work reports
        every so many rows) or it never knew its total."""
        if self._task is None:
            return
        task = next(t for t in self.rich.tasks if t.id == self._task)
        total = task.total if task.total is not None else max(task.completed, 1)
        self.rich.update(self._task, total=total, completed=total)


def _quiet_from_click() -> bool:
    from orggraph.cli import AppContext

    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(AppContext) if ctx is not None else None
    return app is not None and app.quiet
