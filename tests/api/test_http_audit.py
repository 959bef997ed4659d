"""GraphQL over HTTP conformance: graphql-http's audit suite against the live server.

tests/node/audit.mjs runs ``serverAudits`` from the ``graphql-http`` npm package (installed
by ``scripts/test`` with ``npm ci`` in tests/node) and prints each audit's result; every
MUST item has to pass. The server is the real one, sign-in and all: the audit sends an
analyst's API token with every request. The results are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from orggraph.api import create_app
from orggraph.settings import Settings
from orggraph.store.accounts import account_store
from orggraph.store.base import GraphStore
from tests.api.graphs import small_city
from tests.api.live import LiveServer

NODE_DIR = Path(__file__).resolve().parents[1] / "node"


def test_every_must_of_graphql_over_http_passes(store: GraphStore) -> None:
    node = shutil.which("node")
    assert node is not None, "node is not installed"
    assert (NODE_DIR / "node_modules" / "graphql-http").is_dir(), (
        "run `npm ci` in tests/node (scripts/test does)"
    )
    store.write(small_city())
    # The live server asks for sign-in like any other: the audit runs with an API token.
    accounts = account_store(store)
    accounts.clear()
    accounts.add("audit", "analyst")
    token = accounts.issue_token("audit")
    with LiveServer(create_app(store, Settings(), queries=[])) as server:
        run = subprocess.run(
            [node, str(NODE_DIR / "audit.mjs"), f"{server.url}/graphql"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "ORGGRAPH_TOKEN": token},
        )
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    for r in results:
        print(f"{r['status']:5}  {r['name']}" + (f"  — {r['reason']}" if "reason" in r else ""))
    musts = [r for r in results if r["name"].startswith("MUST")]
    assert len(musts) >= 10, f"only {len(musts)} MUST audits ran"
    failed = [r for r in results if r["status"] == "error"]
    assert not failed, json.dumps(failed, ensure_ascii=False, indent=1)
