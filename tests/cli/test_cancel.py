"""Long work stopped half way (Ctrl-C, or ``Cancelled`` from its progress) leaves nothing
half written: the demo, a sync, a backup and a restore each keep the store (or the file)
as it was before they began.

The callback below raises ``Cancelled`` once some of the work is done, as the CLI's bar
lets Ctrl-C through (KeyboardInterrupt takes the same ``except BaseException`` paths).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orggraph.cli import AppContext
from orggraph.cli.demo import build_into_store
from orggraph.demo import WRITING as DEMO_WRITING
from orggraph.errors import Cancelled
from orggraph.progress import Progress
from orggraph.settings import Settings, load_settings
from orggraph.store import open_store
from orggraph.store.backup import SEALING, WRITING, backup, restore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.sync import is_empty, sync_urls
from tests.graphs import responsibility_city


def _stop_at(stage: str, after: int = 0) -> tuple[Progress, list[tuple[str, int]]]:
    """A callback that raises ``Cancelled`` at ``stage`` once ``done`` exceeds ``after``."""
    heard: list[tuple[str, int]] = []

    def progress(name: str, done: int, total: int | None) -> None:
        heard.append((name, done))
        if name.startswith(stage) and done > after:
            raise Cancelled(f"stopped at {name} {done}")

    return progress, heard


@pytest.fixture
def city(tmp_path: Path) -> Path:
    db = tmp_path / "city.db"
    with EmbeddedStore(db) as store:
        store.write(responsibility_city())
    return db


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_a_cancelled_sync_leaves_no_target(city: Path, tmp_path: Path) -> None:
    before = _files(tmp_path)
    progress, heard = _stop_at("复制关系版本")
    target = tmp_path / "copy.db"
    with pytest.raises(Cancelled):
        sync_urls(
            f"sqlite:///{city}", f"sqlite:///{target}", Settings(), batch_size=2, progress=progress
        )
    assert any(name.startswith("复制节点版本") and done > 0 for name, done in heard)
    assert _files(tmp_path) == before  # neither copy.db nor copy.db.sync-new


def test_a_cancelled_backup_leaves_no_file(city: Path, tmp_path: Path) -> None:
    before = _files(tmp_path)
    progress, _ = _stop_at(SEALING, after=-1)
    with EmbeddedStore(city) as store, pytest.raises(Cancelled):
        backup(store, tmp_path / "b.db", progress=progress)
    assert _files(tmp_path) == before


def test_a_cancelled_restore_writes_nothing(city: Path, tmp_path: Path) -> None:
    with EmbeddedStore(city) as store:
        backup(store, tmp_path / "b.db")
    progress, heard = _stop_at(WRITING, after=-1)
    with EmbeddedStore(tmp_path / "empty.db") as target:
        with pytest.raises(Cancelled):
            restore(target, tmp_path / "b.db", progress=progress)
        assert is_empty(target)
    assert [name for name, _ in heard][:2] == ["校验备份文件 checking the backup"] * 2


def test_a_cancelled_demo_keeps_the_old_store(city: Path) -> None:
    with EmbeddedStore(city) as store:
        digest = store.digest()
    app = AppContext(settings=load_settings({"store": f"sqlite:///{city}"}))
    progress, heard = _stop_at(DEMO_WRITING)  # after the first batch is written
    with pytest.raises(Cancelled):
        build_into_store(app, 2019, 1, progress)
    app.close()
    assert any(name == DEMO_WRITING and done > 0 for name, done in heard)
    assert sorted(_files(city.parent)) == ["city.db"]  # no city.db.demo-new left
    with open_store(f"sqlite:///{city}") as store:
        assert store.digest() == digest
