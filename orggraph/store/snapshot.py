"""The embedded store's index as a file beside the store's: opened in a fraction of the time
reading the tables takes (a province's 2.8 million rows: some 10 s of SQLite and Python).

After the store builds its index from the SQLite file (``EmbeddedStore._load_all``) it
writes the columns it made (``NodeColumns.parts``, ``LinkColumns.parts``, the rows of the
other links) to ``<file>.columns``; the next open reads them back instead of the tables,
only when the snapshot's *identity* is exactly the file's, read in the same SQLite
transaction as everything else the open reads, or when it is of an earlier state of this
file that the journal of writes since (``orggraph.store.journal``) brings up to it: its
chain of tokens from the snapshot's to the file's, and the row counts the writes add up
to. The SQLite file stays the truth: a snapshot that is missing, stale past what the
journal holds, of another version of this code, or damaged is ignored, and the index is
built from the tables again (and the snapshot written anew).

The identity (``identity``) is:

- ``graph_version``, the count of the graph's writes every writer keeps (the rule the
  running index already relies on to notice another process's write), and ``token``, 16
  random bytes that a trigger in the file (``graph_identity_*``, ``IDENTITY_SCHEMA``)
  draws again whenever ``graph_version`` changes: two files, or one file before and after
  a restore from a backup, that reached the same count by different writes differ there.
  A file made before this table existed gets its token at the first open, so its old
  snapshots (if any) never match.
- the counts of rows of ``nodes`` and ``links`` (≈ 0.2 s at a province): a tool that
  inserts or deletes rows without counting its write (``orggraph.store.backup``'s
  ``write_snapshot`` fills a new file that way) does not find a snapshot of before.
- the code's own fingerprint (``CODE``): the format, the kinds of nodes and links, and the
  source of the modules that make the columns, so a snapshot made by other code is not read.

Each section carries a CRC-32 checked when read; the file is written beside its place and
renamed there (``os.replace``), so a reader sees a whole snapshot or the one before. It
holds what the store's file holds, and is given that file's permission bits.

A restore through the store (``EmbeddedStore.restore_records``) deletes the snapshot
before it writes (its write is counted only after its commit). What is not caught: a tool
that changes rows in place (``UPDATE``) without counting its write, which the running
index misses too (see ``orggraph.store.embedded``).
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import sqlite3
import stat
import zlib
from array import array
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import orjson

from orggraph.model import LinkKind, NodeKind

__all__ = [
    "CODE",
    "IDENTITY_SCHEMA",
    "MIN_ROWS",
    "identity",
    "identity_of",
    "path_for",
    "read",
    "remove",
    "write",
]

#: Below this many node and link versions the tables are read each time (a city's 300k
#: rows open in under a second either way; a test's graph writes no file).
MIN_ROWS = 100_000

_MAGIC = b"orggraph columns\n"
_FORMAT = 1

#: The file's identity (``identity``); run at every open with the store's schema.
IDENTITY_SCHEMA = """
CREATE TABLE IF NOT EXISTS graph_identity (
    id INTEGER PRIMARY KEY CHECK (id = 1), token BLOB NOT NULL
);
INSERT OR IGNORE INTO graph_identity VALUES (1, randomblob(16));
CREATE TRIGGER IF NOT EXISTS graph_identity_u AFTER UPDATE ON graph_version
BEGIN UPDATE graph_identity SET token = randomblob(16); END;
CREATE TRIGGER IF NOT EXISTS graph_identity_i AFTER INSERT ON graph_version
BEGIN UPDATE graph_identity SET token = randomblob(16); END;
CREATE TRIGGER IF NOT EXISTS graph_identity_d AFTER DELETE ON graph_version
BEGIN UPDATE graph_identity SET token = randomblob(16); END;
"""

_IDENTITY_SQL = (
    "SELECT (SELECT n FROM graph_version), (SELECT hex(token) FROM graph_identity),"
    " (SELECT count(*) FROM nodes), (SELECT count(*) FROM links)"
)


def _code() -> str:
    here = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=16)
    digest.update(orjson.dumps([_FORMAT, [k.value for k in NodeKind], [k.value for k in LinkKind]]))
    for module in ("columns.py", "embedded_index.py", "snapshot.py"):
        digest.update((here / module).read_bytes())
    return digest.hexdigest()


#: This code's fingerprint: a snapshot written by other code is not read.
CODE = _code()


def path_for(store: Path) -> Path | None:
    """Where the snapshot of the store file ``store`` lives (None: an in-memory store)."""
    text = str(store)
    if not text or text == ":memory:" or text.startswith("file:"):
        return None
    return store.with_name(store.name + ".columns")


def identity(db: sqlite3.Connection) -> dict[str, Any]:
    """The file's identity, read by ``db`` (in the transaction that reads the tables)."""
    version, token, nodes, links = db.execute(_IDENTITY_SQL).fetchone()
    return {"graph_version": version, "token": token, "nodes": nodes, "links": links}


def remove(path: Path | None) -> None:
    """Delete the snapshot at ``path`` (before a write its identity would not show)."""
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


# -- the file: a header (JSON) and its sections, each one value of the parts -------------
_SEPARATOR = "\x1f"


def _section(value: Any) -> tuple[dict[str, Any], bytes]:
    """One part as (its description, its bytes)."""
    if isinstance(value, array):
        return {"type": "array", "code": value.typecode}, value.tobytes()
    if isinstance(value, np.ndarray):
        return {"type": "numpy", "dtype": value.dtype.str}, value.tobytes()
    if isinstance(value, bytes | bytearray):
        return {"type": "bytes"}, bytes(value)
    if isinstance(value, list):
        if not all(text.__class__ is str for text in value):
            raise TypeError("a list of other than str")
        joined = _SEPARATOR.join(value)
        info: dict[str, Any] = {"type": "strings", "count": len(value)}
        if any(_SEPARATOR in text for text in value):  # cut by lengths instead
            info["lengths"] = [len(text) for text in value]
        return info, joined.encode()
    raise TypeError(f"a snapshot part of type {type(value).__name__}")


def _value(info: dict[str, Any], data: bytes) -> Any:
    kind = info["type"]
    if kind == "array":
        made = array(info["code"])
        made.frombytes(data)
        return made
    if kind == "numpy":
        return np.frombuffer(data, dtype=np.dtype(info["dtype"])).copy()
    if kind == "bytes":
        return data
    if kind == "strings":
        text = data.decode()
        lengths = info.get("lengths")
        if lengths is None:
            found = text.split(_SEPARATOR) if info["count"] else []
        else:
            found, at = [], 0
            for n in lengths:
                found.append(text[at : at + n])
                at += n + 1
        if len(found) != info["count"]:
            raise ValueError("a list of strings of another length")
        return found
    raise ValueError(f"a section of type {kind!r}")


def write(path: Path, ident: dict[str, Any], parts: dict[str, Any]) -> bool:
    """Write ``parts`` (name: an ``array``, a numpy array, bytes or a list of str) as the
    snapshot of the file whose identity is ``ident``; false if it could not be written
    (a folder not writable, a full disk): the store opens from its tables next time."""
    if _header(path, ident) is not None:  # another process wrote this one already
        return True
    sections: list[dict[str, Any]] = []
    blobs: list[bytes] = []
    offset = 0
    try:
        for name, value in parts.items():
            info, data = _section(value)
            info.update(name=name, offset=offset, size=len(data), crc=zlib.crc32(data))
            sections.append(info)
            blobs.append(data)
            offset += len(data)
    except TypeError:  # a value the file holds that this format does not (a BLOB id)
        return False
    header = orjson.dumps(
        {"format": _FORMAT, "code": CODE, "identity": ident, "sections": sections}
    )
    _sweep(path)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}-{id(parts):x}")
    try:
        with open(partial, "wb") as out:
            # A second copy of the store's data: readable by whoever may read the
            # store's file, by no one else (not by the process's umask).
            os.fchmod(out.fileno(), _mode_of(path))
            out.write(_MAGIC)
            out.write(len(header).to_bytes(8, "little"))
            out.write(header)
            for data in blobs:
                out.write(data)
        os.replace(partial, path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        return False
    return True


def _mode_of(path: Path) -> int:
    """The permission bits of the store file whose snapshot is ``path`` (owner only when
    it cannot be read)."""
    try:
        return stat.S_IMODE(os.stat(path.with_name(path.name.removesuffix(".columns"))).st_mode)
    except OSError:
        return 0o600


def _header(path: Path, ident: dict[str, Any] | None, src: BinaryIO | None = None) -> Any:
    """The header of the snapshot at ``path`` (read from ``src`` if given) if it says it
    is of a file whose identity is ``ident`` (any, for None) and made by this code; None
    otherwise."""
    try:
        with contextlib.ExitStack() as stack:
            if src is None:
                src = stack.enter_context(open(path, "rb"))
            if src.read(len(_MAGIC)) != _MAGIC:
                return None
            size = int.from_bytes(src.read(8), "little")
            if size > 1 << 26:
                return None
            header = orjson.loads(src.read(size))
    except (OSError, orjson.JSONDecodeError):
        return None
    if (
        not isinstance(header, dict)
        or header.get("format") != _FORMAT
        or header.get("code") != CODE
        or not isinstance(header.get("identity"), dict)
        or (ident is not None and header["identity"] != ident)
    ):
        return None
    return header


def identity_of(path: Path) -> dict[str, Any] | None:
    """The identity of the file the snapshot at ``path`` was written of, if this code wrote
    it (its sections unread: ``read`` checks them)."""
    header = _header(path, None)
    return None if header is None else dict(header["identity"])


def _sweep(path: Path) -> None:
    """Delete what writers of ``path`` killed while writing left (a process no longer
    running): each is as large as the snapshot."""
    for partial in path.parent.glob(f".{glob.escape(path.name)}.partial-*"):
        pid = partial.name.rsplit(".partial-", 1)[1].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                partial.unlink()
        except OSError:  # running, as another user
            pass


def read(path: Path, ident: dict[str, Any]) -> dict[str, Any] | None:
    """The parts of the snapshot at ``path`` if it is one of a file whose identity is
    ``ident`` made by this code, whole (every section's CRC); None otherwise."""
    try:
        with open(path, "rb") as src:
            header = _header(path, ident, src)
            if header is None:
                return None
            parts: dict[str, Any] = {}
            for info in header["sections"]:
                data = src.read(info["size"])
                if len(data) != info["size"] or zlib.crc32(data) != info["crc"]:
                    return None
                parts[info["name"]] = _value(info, data)
            if src.read(1):  # more than the header says: not a file this code wrote
                return None
    except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return None
    return parts
