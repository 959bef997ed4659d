"""Progress of long work: one callback shape from the code that works to whoever shows it.

Long work (building the demo, importing, syncing, exporting, backing up, restoring, a job
on the server) takes an optional ``progress`` callback and calls it as it goes::

    progress("生成责任清单", done, total)

``stage`` is a short Chinese label of what is under way, ``done`` how many items of the
stage are finished and ``total`` how many there are (``None`` when unknown). The CLI draws
a bar from these calls and a server job keeps the last one for its status. A callback may
raise :class:`orggraph.errors.Cancelled` to stop the work at the next report; the work must
leave nothing half-written when it does (writes are batches, as everywhere).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "percent", "silent"]

Progress = Callable[[str, int, "int | None"], None]


def silent(stage: str, done: int, total: int | None) -> None:
    """The callback of work nobody watches."""


def percent(done: int, total: int | None) -> float | None:
    """``done`` of ``total`` as a percentage in [0, 100], or ``None`` when the total is unknown."""
    if not total:
        return None
    return max(0.0, min(100.0, 100.0 * done / total))
