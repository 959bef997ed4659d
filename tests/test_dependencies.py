"""Every package the code imports is declared, with a range holding the version tested.

``pyproject.toml`` declares the packages ``orggraph`` imports (its dependencies) and those
the tests, the bench and the scripts import besides (the ``test`` extra); constraints.txt
pins what CI installs, and the test command installs with it, so what runs here is what
the pins say and the declared ranges hold it.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
TEST = [Requirement(r) for r in PROJECT["optional-dependencies"]["test"]]
OWN = {"orggraph", "tests", "bench"}


def _imported(folder: str) -> set[str]:
    """Top-level modules imported by the Python files under ``folder`` (not our own, not
    the standard library's)."""
    found: set[str] = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in OWN}


def _distributions(modules: set[str]) -> set[str]:
    owners = packages_distributions()
    missing = sorted(m for m in modules if m not in owners)
    assert not missing, f"imported but not installed: {missing}"
    return {canonicalize_name(owners[m][0]) for m in modules}


def _names(requirements: list[Requirement]) -> set[str]:
    return {canonicalize_name(r.name) for r in requirements}


def test_the_package_declares_every_package_it_imports() -> None:
    undeclared = _distributions(_imported("orggraph")) - _names(RUNTIME)
    assert not undeclared, f"orggraph imports these, undeclared in dependencies: {undeclared}"


def test_the_tests_bench_and_scripts_declare_what_they_import() -> None:
    used = set().union(*(_distributions(_imported(f)) for f in ("tests", "bench", "scripts")))
    undeclared = used - _names(RUNTIME) - _names(TEST)
    assert not undeclared, f"imported, undeclared in dependencies or the test extra: {undeclared}"


def test_every_declared_range_holds_the_version_tested() -> None:
    outside = [
        f"{r.name} {version(r.name)} not in {r.specifier}"
        for r in RUNTIME + TEST
        if version(r.name) not in r.specifier
    ]
    assert not outside, outside


def test_the_pins_are_what_runs_and_lie_in_the_declared_ranges() -> None:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            pins[canonicalize_name(name)] = pinned
    declared = {canonicalize_name(r.name): r for r in RUNTIME + TEST}
    assert set(declared) <= set(pins), f"declared, not pinned: {set(declared) - set(pins)}"
    for name, pinned in pins.items():
        assert version(name) == pinned, f"{name}: {version(name)} installed, {pinned} pinned"
        if name in declared:
            assert pinned in declared[name].specifier, f"{name}=={pinned} outside its range"
