"""An import reports its progress in the one callback shape: files read, check, write."""

from __future__ import annotations

from pathlib import Path

from orggraph.store.base import GraphStore
from tests.imports.samples import city, imported


def test_the_stages_of_an_import_then_of_an_unchanged_one(
    store: GraphStore, tmp_path: Path
) -> None:
    files = city(tmp_path)  # six files
    heard: list[tuple[str, int, int | None]] = []

    def progress(stage: str, done: int, total: int | None) -> None:
        heard.append((stage, done, total))

    imported(store, files, progress=progress)
    reads = [(stage, done, total) for stage, done, total in heard if stage == "读取文件"]
    assert reads == [("读取文件", i, 6) for i in range(7)]
    assert heard[7:] == [("检查", 0, 1), ("检查", 1, 1), ("写入", 0, 1), ("写入", 1, 1)]
    heard.clear()
    imported(store, files, progress=progress)
    # Nothing to write the second time: no write stage at all.
    assert [stage for stage, _, _ in heard if stage != "读取文件"] == ["检查", "检查"]
