"""Accounts and backups use declared store capabilities, never a store's private parts.

``GraphStore.account_store``, ``backup_to``, ``restore_records`` and ``writes_held`` are
typed methods of the store contract (#18 point 5); both stores implement them, and a store
that keeps no accounts or cannot be backed up (the what-if overlay) refuses loudly.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from orggraph.analysis.whatif import Overlay
from orggraph.errors import ConfigError
from orggraph.model import Changes
from orggraph.store.accounts import account_store
from orggraph.store.backup import backup, restore
from orggraph.store.base import GraphStore
from tests.api.graphs import small_city

STORE = Path(__file__).resolve().parents[2] / "orggraph" / "store"


@pytest.mark.parametrize("module", ["accounts.py", "backup.py"])
def test_no_private_part_of_a_store_is_reached_for(module: str) -> None:
    text = (STORE / module).read_text("utf-8")
    assert not re.findall(r"\bstore\._\w+", text)
    assert "isinstance(store" not in text
    assert "getattr(store" not in text


def test_a_store_without_the_capabilities_refuses_loudly(store: GraphStore, tmp_path: Path) -> None:
    overlay = Overlay(store, date(2019, 1, 1))
    with pytest.raises(ConfigError, match="cannot keep accounts"):
        account_store(overlay)
    with pytest.raises(ConfigError, match="cannot be backed up"):
        backup(overlay, tmp_path / "copy.db")
    with pytest.raises(ConfigError, match="cannot be restored into"):
        overlay.restore_records(Changes(), [], {}, actor="x", replace=False)


def test_both_stores_back_up_and_restore_through_the_contract(
    store: GraphStore, tmp_path: Path
) -> None:
    store.write(small_city())
    accounts = account_store(store)
    accounts.clear()
    accounts.add("ops", "admin")
    info = backup(store, tmp_path / "copy.db")
    before = store.digest()
    report = restore(store, tmp_path / "copy.db", replace=True)
    assert report.digest == info.digest == before == store.digest()
    assert [a.name for a in account_store(store).accounts()] == ["ops"]
    assert store.audit_log(limit=1)[0]["action"] == "restore"
