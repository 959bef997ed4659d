"""``orggraph import`` and ``orggraph template`` run as a user runs them: a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from orggraph.store.embedded import EmbeddedStore
from tests.imports.samples import ORGS, city, write


def orggraph(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from orggraph.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_import_summary_then_a_refused_import(tmp_path: Path) -> None:
    city(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'g.db'}"
    done = orggraph("import", "data", "--store", url, "--effective", "2024-01-01", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "党组织 (organizations): 4 行 rows" in done.stdout
    assert "新增版本 versions added: 18" in done.stdout  # 9 nodes + 9 links (test_validation)

    bad = write(tmp_path / "党组织.csv", ORGS.replace(",党支部,", ",党小组,"))
    with EmbeddedStore(tmp_path / "g.db") as store:
        before = store.digest()
    refused = orggraph("--store", url, "import", str(bad), cwd=tmp_path)
    assert refused.returncode == 2
    assert "1 error(s); nothing was written" in refused.stderr
    assert f"file={bad}, row=5, column=组织类别" in refused.stderr
    as_json = orggraph("--store", url, "import", str(bad), "--json", cwd=tmp_path)
    assert as_json.returncode == 2
    payload = orjson.loads(as_json.stdout)
    assert payload["ok"] is False
    assert [(p["rule"], p["row"], p["value"]) for p in payload["problems"]] == [
        ("enum", 5, "党小组")
    ]
    with EmbeddedStore(tmp_path / "g.db") as store:
        assert store.digest() == before


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    city(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'g.db'}"
    done = orggraph("import", "data", "--store", url, "--dry-run", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    payload = orjson.loads(done.stdout)
    assert (payload["dry_run"], payload["nodes_added"], payload["facts"]) == (True, 9, 2)
    with EmbeddedStore(tmp_path / "g.db") as store:
        assert store.counts() == {"node_versions": 0, "link_versions": 0, "facts": 0}


def test_template_writes_a_workbook_and_schemas_that_import_back(tmp_path: Path) -> None:
    made = orggraph("template", "-o", "t.xlsx", "--schemas", "schemas", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "schemas" / "members.json").exists()
    url = f"sqlite:///{tmp_path / 'g.db'}"
    back = orggraph("import", "t.xlsx", "--store", url, cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert "新增版本 versions added: 0" in back.stdout
