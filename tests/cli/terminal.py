"""Run the real ``orggraph`` command with its output on a pseudo-terminal (pty).

``run_on_pty`` starts ``orggraph`` in a child process whose stdout and/or stderr is a pty
of a given width (the terminal a person would have), reads what it drew, and gives it back
with the terminal's escape sequences left in or taken out (``plain``).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_MAIN = "import sys; from orggraph.cli import main; main(sys.argv[1:])"


@dataclass(frozen=True)
class Drawn:
    stdout: str
    stderr: str
    returncode: int


def plain(text: str) -> str:
    """``text`` without escape sequences and carriage returns (what a person reads)."""
    return _ANSI.sub("", text).replace("\r", "")


def width(line: str) -> int:
    """Columns ``line`` takes on a terminal, counted by hand: wide and full-width CJK two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def run_on_pty(
    args: list[str],
    *,
    columns: int = 80,
    stdout_tty: bool = True,
    stderr_tty: bool = True,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Drawn:
    """``orggraph ARGS`` with stdout / stderr on a pty ``columns`` wide (else a pipe)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    environ = {
        **os.environ,
        "COLUMNS": str(columns),
        "LINES": "50",
        "TERM": "xterm-256color",
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    environ.pop("NO_COLOR", None)
    child = subprocess.Popen(
        [sys.executable, "-c", _MAIN, *args],
        stdin=subprocess.DEVNULL,
        stdout=slave if stdout_tty else subprocess.PIPE,
        stderr=slave if stderr_tty else subprocess.PIPE,
        env=environ,
        cwd=ROOT,
    )
    os.close(slave)
    drawn = _read_all(master)  # both ttys share the one pty: what the terminal shows
    os.close(master)
    out, err = child.communicate(timeout=timeout)
    tty_text = drawn.decode("utf-8", "replace")
    return Drawn(
        stdout=tty_text if stdout_tty else out.decode("utf-8"),
        stderr=tty_text if stderr_tty else err.decode("utf-8"),
        returncode=child.returncode,
    )
