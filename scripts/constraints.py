"""Write constraints.txt: every package orggraph and its test extra install, at the version
installed now (after ``pip install -e '.[test]'`` and a green test run).

    python3 scripts/constraints.py [--check]

``--check`` exits 1 when constraints.txt differs from what is installed.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement

HEADER = """\
# What CI installs: orggraph's dependencies and its test extra's, each at the version
# the tests ran (scripts/test installs with -c constraints.txt). Refresh with
# scripts/constraints.py after a change of pyproject.toml, and run the tests.
"""
TARGET = Path(__file__).resolve().parent.parent / "constraints.txt"


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_closure(
    root: str = "orggraph", extras: tuple[str, ...] = ("test",)
) -> dict[str, str]:
    """Versions of the installed packages ``root[extras]`` needs, by normalised name."""
    found: dict[str, str] = {}
    todo: list[tuple[str, tuple[str, ...]]] = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        if _key(name) in found:
            continue
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # a requirement for another platform or Python
        found[_key(name)] = dist.version
        for text in dist.requires or ():
            req = Requirement(text)
            if req.marker is None or any(
                req.marker.evaluate({"extra": e}) for e in wanted or ("",)
            ):
                todo.append((req.name, tuple(req.extras)))
    found.pop(_key(root), None)
    return found


def render() -> str:
    pins = installed_closure()
    return HEADER + "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        same = TARGET.read_text(encoding="utf-8") == text
        print(
            "constraints.txt is current"
            if same
            else "constraints.txt differs from what is installed"
        )
        return 0 if same else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
