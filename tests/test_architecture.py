"""The layers import downward only, and importing orggraph stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "orggraph"

# What each layer may import from orggraph (besides itself and the shared leaf modules).
ALLOWED = {
    "model": {"model"},
    "store": {"model", "store"},
    "analysis": {"model", "store", "analysis"},
    "imports": {"model", "store", "imports"},
    "demo": {"model", "store", "analysis", "demo"},
}
LEAVES = {"errors", "settings", "progress", "__init__"}
ADAPTERS = ("api", "web", "exports", "cli")


def _orggraph_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "orggraph" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_lower_layers_do_not_import_upper_ones(layer: str) -> None:
    folder = PACKAGE / layer
    assert folder.is_dir(), folder
    bad = {}
    for path in folder.rglob("*.py"):
        wrong = _orggraph_imports(path) - ALLOWED[layer] - LEAVES
        if wrong:
            bad[str(path.relative_to(PACKAGE))] = sorted(wrong)
    assert bad == {}


def test_adapters_do_not_reach_into_each_other() -> None:
    """cli may start the api server; otherwise no adapter imports another's internals."""
    bad = {}
    for adapter in ADAPTERS:
        folder = PACKAGE / adapter
        if not folder.is_dir():
            continue
        for path in folder.rglob("*.py"):
            others = (_orggraph_imports(path) & set(ADAPTERS)) - {adapter}
            if adapter == "cli":
                others -= {"api", "exports", "web"}  # the CLI is the composition root
            if adapter == "api":
                others -= {"web", "exports"}  # the app mounts their routes
            if others:
                bad[str(path.relative_to(PACKAGE))] = sorted(others)
    assert bad == {}


def test_import_orggraph_pulls_in_no_heavy_module() -> None:
    code = (
        "import sys, orggraph, orggraph.model, orggraph.errors, orggraph.settings;"
        "heavy = {'networkx', 'neo4j', 'strawberry', 'starlette', 'scipy', 'openpyxl', 'numpy'};"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
