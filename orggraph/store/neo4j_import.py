"""The first load of a large graph through Neo4j's own offline importer.

``neo4j-admin database import full`` builds a database's store files from CSV, without
transactions, many times faster than any client can write through Bolt; it needs the
database stopped and replaces it whole (Neo4j 5 Community has one user database, ``neo4j``;
the server must be stopped while it runs). This module does the three steps:

1. ``write_csv`` streams node versions, link versions and facts (a store's ``all_nodes``,
   ``all_links``, ``all_facts``, or any iterators) into the importer's CSV files, one
   record at a time: nothing but the open files and, for the link ends' ``:Entity``
   anchors, a file of ids sorted by ``sort -u`` is kept, so a graph of any size fits
   (``write_csv_parts`` takes a graph that comes in parts, say a generator's cities). The
   rows are the Neo4j store's own (``node_row``, ``link_row``, ``fact_row`` of
   ``orggraph.store.neo4j_tx``), the labels, relationship types and property names its
   tables' (``orggraph.store.neo4j_cypher``), each column typed as the store writes it
   (dates as ``date``, the year as an integer, yes/no facets as booleans): the database
   then holds what ``orggraph sync`` would have written.
2. ``run_import`` runs the importer on those files (``--overwrite-destination`` only when
   asked), following its progress, and turns its refusals into precise errors (the
   database in use, the command missing, a destination that holds data).
3. ``finish_import``, once the server runs again and the store is opened (which creates
   every constraint and index of ``SCHEMA``, the importer of Community building none,
   and the member roll-ups), waits until they are online, which also checks every
   version's key over the loaded data, checks the counts, then writes the load's audit
   record.

``bulk_import`` does 1 and 2 for a source store. The CLI is ``orggraph bulk-import``.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from orggraph.errors import ConfigError, Problem, ValidationFailed
from orggraph.model import NODE_FIELDS, Fact, Link, LinkKind, Node, NodeKind
from orggraph.progress import Progress, silent
from orggraph.store import neo4j_cypher as q
from orggraph.store.base import GraphStore, gc_paused
from orggraph.store.neo4j_tx import fact_row, link_row, node_row

__all__ = [
    "IMPORT_ACTOR",
    "ImportFiles",
    "ImportRun",
    "admin_command",
    "bulk_import",
    "finish_import",
    "run_import",
    "write_csv",
    "write_csv_parts",
]

#: Who the audit record of a bulk import names.
IMPORT_ACTOR = "bulk-import"
#: Records between two progress reports while the CSV is written.
REPORT_EVERY = 50_000
#: What ``progress`` calls each step (the stage), Chinese first.
STAGES = {
    "node_versions": "写出节点版本 CSV node versions",
    "link_versions": "写出关系版本 CSV link versions",
    "facts": "写出年度数据 CSV facts",
    "entities": "整理关系端点 link ends",
    "import": "neo4j-admin 导入 import",
    "schema": "建立约束与索引 constraints and indexes",
}

_ENTITY_SPACE = "Entity"
_NODE_COLUMNS = (
    "id:string",
    "valid_from:date",
    "valid_to:date",
    "name:string",
    "attrs:string",
    "search_text:string",
)
# The columns of ``link_row``: id, source, target, valid_from, valid_to, attrs.
_LINK_HEADER = (
    "id:string",
    f":START_ID({_ENTITY_SPACE})",
    f":END_ID({_ENTITY_SPACE})",
    "valid_from:date",
    "valid_to:date",
    "attrs:string",
)
_FACT_HEADER = ("node_id:string", "year:long", "name:string", "value:string")
_ENTITY_HEADER = (f"id:ID({_ENTITY_SPACE})",)


def _facet_types(kind: NodeKind) -> tuple[tuple[str, type], ...]:
    """Each facet of ``kind`` with the importer's type and the Python type its values have."""
    specs = {spec.name: spec for spec in NODE_FIELDS[kind]}
    return tuple(
        (f"{name}:boolean", bool) if specs[name].value_type == "bool" else (f"{name}:string", str)
        for name in q.FACETS[kind]
    )


class _Absent(int):
    """An empty, unquoted CSV field: the importer sets no property for it.

    ``csv.QUOTE_NONNUMERIC`` quotes ``None`` (Python 3.11 has no ``QUOTE_NOTNULL``), and a
    quoted empty field is an empty string to the importer; a number is never quoted, and
    this one's text is empty.
    """

    def __str__(self) -> str:
        return ""

    __repr__ = __str__


_ABSENT = _Absent(0)


_FACET_TYPES: dict[NodeKind, tuple[tuple[str, type], ...]] = {
    kind: _facet_types(kind) for kind in NodeKind
}

#: Each node kind's group: its file's name and its header.
_NODE_GROUPS: dict[NodeKind, tuple[str, tuple[str, ...]]] = {
    kind: (f"nodes-{q.NODE_LABELS[kind]}", (*_NODE_COLUMNS, *(c for c, _ in _FACET_TYPES[kind])))
    for kind in NodeKind
}
_LINK_GROUPS: dict[LinkKind, str] = {kind: f"links-{q.REL_TYPES[kind]}" for kind in LinkKind}


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportFiles:
    """The CSV files of one import, and what they hold."""

    directory: Path
    #: ``--nodes`` groups: labels joined by ``:`` → (header file, data file).
    nodes: dict[str, tuple[Path, Path]]
    #: ``--relationships`` groups: relationship type → (header file, data file).
    relationships: dict[str, tuple[Path, Path]]
    counts: dict[str, int]
    #: Whether a value holds a line break (the importer must then be told: it is slower).
    multiline: bool
    #: Seconds of each part (reading the source included), and of sorting the link ends.
    seconds: dict[str, float]

    def arguments(self) -> list[str]:
        """The ``--nodes``/``--relationships`` options naming these files."""
        args = [f"--nodes={labels}={h},{d}" for labels, (h, d) in self.nodes.items()]
        args += [f"--relationships={t}={h},{d}" for t, (h, d) in self.relationships.items()]
        return args


@dataclass(frozen=True, kw_only=True, slots=True)
class ImportRun:
    """One run of the importer: its command line, its seconds, and what it reported."""

    command: list[str]
    seconds: float
    #: The importer's own summary lines (counts, time, peak memory).
    summary: list[str] = field(default_factory=list)


class _Files:
    """CSV writers opened on first use, one per group, each with its header file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._open: dict[str, tuple[IO[str], Any]] = {}
        self.groups: dict[str, tuple[Path, Path]] = {}

    def writer(self, name: str, header: Sequence[str]) -> Any:
        found = self._open.get(name)
        if found is not None:
            return found[1]
        head = self.directory / f"{name}.header.csv"
        data = self.directory / f"{name}.csv"
        head.write_text(",".join(header) + "\n", encoding="utf-8")
        fh = open(data, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by close()
        # Strings quoted (so an empty name stays an empty string), numbers and booleans
        # bare, None an empty field: the importer then sets no property, as the store does
        # for an open version's valid_to.
        writer = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        self._open[name] = (fh, writer)
        self.groups[name] = (head, data)
        return writer

    def close(self) -> None:
        for fh, _ in self._open.values():
            fh.close()
        self._open.clear()


def _line_break(text: str) -> bool:
    return "\n" in text or "\r" in text


def _bad_facet(node: Node, column: str, value: Any) -> ValidationFailed:
    name = column.split(":")[0]
    return ValidationFailed(
        [
            Problem(
                rule="facet_type",
                message=(
                    f"attribute {name!r} of {node.kind.value} {node.id!r} (valid from "
                    f"{node.valid_from}) holds a {type(value).__name__}; the bulk import "
                    f"writes it as {column.split(':')[1]} (copy this store with "
                    "`orggraph sync` instead)"
                ),
                column=name,
                value=repr(value),
                record=node.id,
            )
        ]
    )


def _id_with_break(what: str, record_id: str) -> ValidationFailed:
    return ValidationFailed(
        [
            Problem(
                rule="id_line_break",
                message=f"the id of a {what} holds a line break, which the importer cannot key",
                value=record_id,
                record=record_id,
            )
        ]
    )


class _Rows:
    """Each record as its row in its group's file; whether a value spans lines."""

    def __init__(self, files: _Files, ends_file: IO[str]) -> None:
        self.files = files
        self.ends = csv.writer(ends_file, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        self.multiline = False

    def node(self, node: Node) -> None:
        facets = _FACET_TYPES[node.kind]
        row = node_row(node)
        if row[2] is None:
            row[2] = _ABSENT
        first = len(_NODE_COLUMNS)
        for i, ((column, wanted), value) in enumerate(zip(facets, row[first:], strict=True)):
            if value is None:
                row[first + i] = _ABSENT
            elif value is True or value is False:
                if wanted is not bool:
                    raise _bad_facet(node, column, value)
                # The importer reads "true" only in lower case ("True" is false).
                row[first + i] = "true" if value else "false"
            elif type(value) is not wanted and not (wanted is str and isinstance(value, str)):
                raise _bad_facet(node, column, value)  # (a str enum is its text)
        if not self.multiline and (_line_break(node.name) or _line_break(node.id)):
            self.multiline = True
        self.files.writer(*_NODE_GROUPS[node.kind]).writerow(row)

    def link(self, link: Link) -> None:
        row = link_row(link)
        if row[4] is None:
            row[4] = _ABSENT
        for end in (link.source, link.target):
            if _line_break(end):
                raise _id_with_break("link's end", end)
        self.ends.writerow((link.source,))
        self.ends.writerow((link.target,))
        if not self.multiline and _line_break(row[0]):
            self.multiline = True
        self.files.writer(_LINK_GROUPS[link.kind], _LINK_HEADER).writerow(row)

    def fact(self, fact: Fact) -> None:
        if not self.multiline and (_line_break(fact.node_id) or _line_break(fact.name)):
            self.multiline = True
        self.files.writer("facts", _FACT_HEADER).writerow(fact_row(fact))


def write_csv(
    directory: Path,
    nodes: Iterable[Node],
    links: Iterable[Link],
    facts: Iterable[Fact],
    *,
    progress: Progress = silent,
    totals: Mapping[str, int] | None = None,
) -> ImportFiles:
    """Write the importer's CSV files for these records into the empty ``directory``.

    One pass over each iterator, one record in memory at a time; the link ends go to a
    file that ``sort -u`` turns into the ``:Entity`` anchors (each id a link joins, once:
    a node no link joins has no anchor, as in the store). ``progress`` hears of every
    ``REPORT_EVERY`` records of each part (``STAGES``). Raises ``ValidationFailed`` for
    a value the importer's typed columns cannot hold as the store does (a facet of another
    type than its field's), ``ConfigError`` if ``directory`` holds files.
    """
    return write_csv_parts(directory, [(nodes, links, facts)], progress=progress, totals=totals)


def write_csv_parts(
    directory: Path,
    parts: Iterable[tuple[Iterable[Node], Iterable[Link], Iterable[Fact]]],
    *,
    progress: Progress = silent,
    totals: Mapping[str, int] | None = None,
) -> ImportFiles:
    """As ``write_csv``, for a graph that comes in parts (say, city by city).

    Each part's node versions, link versions and facts are appended to the same files in
    turn; a part is let go of before the next is asked for, so a generator of parts can
    make each one only then (``orggraph.demo.country``) and a graph of any size is
    written holding one part. The ids of all parts together must be unique (the
    importer and the keys built afterwards refuse duplicates). ``progress`` hears the
    running totals over all parts; ``seconds`` adds the parts' times up, without the
    time the parts took to be made.
    """
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise ConfigError(f"CSV folder {directory} is not empty; name a new or empty one")
    totals = totals or {}
    files = _Files(directory)
    counts = {"node_versions": 0, "link_versions": 0, "facts": 0, "entities": 0}
    seconds = {"node_versions": 0.0, "link_versions": 0.0, "facts": 0.0}
    ends_path = directory / "link-ends.txt"

    try:
        with (
            gc_paused(),
            open(ends_path, "w", encoding="utf-8", newline="") as ends_file,
        ):
            out = _Rows(files, ends_file)
            writers: dict[str, Callable[[Any], None]] = {
                "node_versions": out.node,
                "link_versions": out.link,
                "facts": out.fact,
            }
            source = iter(parts)
            while (part := next(source, None)) is not None:
                for name, records in zip(writers, part, strict=True):
                    _write_part(name, records, writers[name], counts, seconds, totals, progress)
                    del records
                del part  # let go of before the next part is made
        files.close()
        multiline = out.multiline

        began = time.monotonic()
        progress(STAGES["entities"], 0, 1)
        counts["entities"] = _sorted_unique(ends_path, directory / "entities.csv")
        (directory / "entities.header.csv").write_text(",".join(_ENTITY_HEADER) + "\n")
        ends_path.unlink()
        progress(STAGES["entities"], 1, 1)
        seconds["entities"] = time.monotonic() - began
    finally:
        files.close()
    nodes_groups = {
        f"NodeVersion:{name.removeprefix('nodes-')}": paths
        for name, paths in files.groups.items()
        if name.startswith("nodes-")
    }
    if counts["entities"]:
        nodes_groups[_ENTITY_SPACE] = (
            directory / "entities.header.csv",
            directory / "entities.csv",
        )
    if "facts" in files.groups:
        nodes_groups["Fact"] = files.groups["facts"]
    return ImportFiles(
        directory=directory,
        nodes=nodes_groups,
        relationships={
            name.removeprefix("links-"): paths
            for name, paths in files.groups.items()
            if name.startswith("links-")
        },
        counts=counts,
        multiline=multiline,
        seconds=seconds,
    )


def _write_part(
    name: str,
    records: Iterable[Any],
    write: Callable[[Any], None],
    counts: dict[str, int],
    seconds: dict[str, float],
    totals: Mapping[str, int],
    progress: Progress,
) -> None:
    """One part's records of one kind (``name``), counted and timed into the running totals."""
    began = time.monotonic()
    stage, total = STAGES[name], totals.get(name)
    done = counts[name]
    progress(stage, done, total)
    for record in records:
        write(record)
        done += 1
        if done % REPORT_EVERY == 0:
            progress(stage, done, total)
    progress(stage, done, total)
    counts[name] = done
    seconds[name] += time.monotonic() - began


def _sorted_unique(source: Path, target: Path) -> int:
    """Sort the lines of ``source`` by byte into ``target``, each once; how many there are.

    ``sort`` works in bounded memory (spilling to files beside them), whatever the size.
    """
    sort = shutil.which("sort")
    if sort is None:
        raise ConfigError("the `sort` command (coreutils) is not on PATH: it orders the link ends")
    env = dict(os.environ, LC_ALL="C")
    proc = subprocess.run(
        [sort, "-u", "-S", "256M", "-T", str(source.parent), "-o", str(target), str(source)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise ConfigError(f"sorting the link ends failed: {proc.stderr.strip()}")
    with open(target, "rb") as fh:
        return sum(1 for _ in fh)


def admin_command(neo4j_home: Path | None = None, neo4j_admin: Path | None = None) -> list[str]:
    """The importer's command: ``neo4j_admin`` if given, else ``NEO4J_HOME/bin/neo4j-admin``.

    ``ConfigError`` naming the path looked at when it is not an executable file.
    """
    if neo4j_admin is None:
        if neo4j_home is None:
            raise ConfigError("name the Neo4j installation (--neo4j-home) or its neo4j-admin")
        neo4j_admin = neo4j_home / "bin" / "neo4j-admin"
    if not neo4j_admin.is_file() or not os.access(neo4j_admin, os.X_OK):
        where = f"Neo4j home {neo4j_home}" if neo4j_home is not None else "the path given"
        raise ConfigError(
            f"neo4j-admin not found at {neo4j_admin} ({where}); the bulk import needs a "
            "Neo4j 5 installation (tarball or package) on this machine"
        )
    return [str(neo4j_admin)]


# The importer's refusals, recognised in its output, and what to tell the user instead.
_REFUSALS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"is in use|in use by another|database is running|currently in use", re.I),
        "database {database!r} is in use: stop the Neo4j server (`neo4j stop`) and run the "
        "bulk import again; it replaces the database's files",
    ),
    (
        re.compile(r"already contains a database|already exist|not empty|non-empty", re.I),
        "database {database!r} already holds data: pass --overwrite to replace it "
        "(everything in it is deleted)",
    ),
)
_PERCENT = re.compile(r"(\d{1,3})%")
_SUMMARY = re.compile(r"^(IMPORT DONE|Imported:|  \d+ (nodes|relationships|properties)|Peak)")


def run_import(
    command: Sequence[str],
    files: ImportFiles,
    *,
    database: str = "neo4j",
    overwrite: bool = False,
    env: Mapping[str, str] | None = None,
    progress: Progress = silent,
    extra: Sequence[str] = (),
) -> ImportRun:
    """Run ``command database import full`` on ``files`` into ``database``.

    ``command`` is the importer (``admin_command``), ``env`` the environment it runs in
    (``NEO4J_HOME``, ``NEO4J_CONF`` when not the installation's own). ``progress``
    follows the importer's percentages. The database must be stopped; ``overwrite``
    deletes what it holds first. A refusal or a failure is a ``ConfigError`` with the
    reason and the end of the importer's output; a ``Cancelled`` from ``progress`` stops
    the importer (the database is then incomplete: import again, with ``overwrite``).
    """
    argv = [
        *command,
        "database",
        "import",
        "full",
        database,  # before the file lists, which take every word after them
        f"--overwrite-destination={'true' if overwrite else 'false'}",
        "--id-type=string",
        "--strict=true",
        f"--report-file={files.directory / 'import.report'}",
        *(["--multiline-fields=true"] if files.multiline else []),
        *extra,
        *files.arguments(),
    ]
    stage = STAGES["import"]
    progress(stage, 0, 100)
    began = time.monotonic()
    lines: list[str] = []
    try:
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=None if env is None else dict(env),
        )
    except OSError as exc:
        raise ConfigError(f"cannot run {argv[0]}: {exc}") from exc
    assert proc.stdout is not None
    with proc:
        try:
            shown = 0
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                del lines[:-400]  # the end is what explains a failure
                for match in _PERCENT.finditer(line):
                    shown = max(shown, min(100, int(match.group(1))))
                    progress(stage, shown, 100)
        except BaseException:
            proc.kill()
            raise
    output = "\n".join(lines)
    if proc.returncode != 0:
        tail = "\n".join(lines[-30:])
        for pattern, message in _REFUSALS:
            if pattern.search(output):
                raise ConfigError(message.format(database=database) + f"\n{tail}")
        raise ConfigError(
            f"neo4j-admin database import failed (exit {proc.returncode}); the CSV files "
            f"are kept in {files.directory}; its output ends with:\n{tail}"
        )
    progress(stage, 100, 100)
    return ImportRun(
        command=argv,
        seconds=time.monotonic() - began,
        summary=[line.strip() for line in lines if _SUMMARY.match(line)],
    )


def finish_import(
    store: GraphStore,
    counts: Mapping[str, int],
    *,
    actor: str = IMPORT_ACTOR,
    progress: Progress = silent,
    await_seconds: int = 3_600,
) -> list[str]:
    """Make the imported Neo4j database what the store expects; the schema items created.

    ``store`` is opened the ordinary way (``open_store``), which creates the schema and
    the member roll-ups an offline import lacks; this awaits the indexes, checks the
    counts and audits.

    Creates every constraint and index of ``SCHEMA`` that is missing and waits until all
    are online (the keys are then checked over every loaded version: two with one key
    fail here, with Neo4j's message naming them), then writes one audit record of the
    load (``actor``, action ``bulk_import``, the counts). The counters a store keeps
    (the graph's version, the audit's sequence) start with the first write.
    """
    apply_schema: Callable[..., list[str]] | None = getattr(store, "apply_schema", None)
    if apply_schema is None:
        raise ConfigError(f"store {store.url!r} is not a Neo4j store: nothing to finish")
    stage = STAGES["schema"]
    progress(stage, 0, 1)
    created = apply_schema(await_seconds=await_seconds, await_always=True)
    found = dict(store.counts())
    expected = {k: counts[k] for k in ("node_versions", "link_versions", "facts")}
    if found != expected:
        raise ConfigError(
            f"store {store.url!r} holds {found} after the import, not the {expected} written: "
            "is it the database the import was run into?"
        )
    store.record_audit(actor, "bulk_import", {"counts": expected})
    progress(stage, 1, 1)
    return created


def bulk_import(
    source: GraphStore,
    directory: Path,
    command: Sequence[str],
    *,
    database: str = "neo4j",
    overwrite: bool = False,
    env: Mapping[str, str] | None = None,
    keep_csv: bool = False,
    progress: Progress = silent,
) -> tuple[ImportFiles, ImportRun]:
    """Write ``source``'s CSV into ``directory`` and run the importer on it.

    The CSV files are removed afterwards unless ``keep_csv`` (or the import failed: they
    are kept to look at). Then start the server and call ``finish_import``.
    """
    files = write_csv(
        directory,
        source.all_nodes(),
        source.all_links(),
        source.all_facts(),
        progress=progress,
        totals=source.counts(),
    )
    run = run_import(
        command, files, database=database, overwrite=overwrite, env=env, progress=progress
    )
    if not keep_csv:
        for path in _csv_files(files):
            path.unlink(missing_ok=True)
    return files, run


def _csv_files(files: ImportFiles) -> Iterator[Path]:
    for header, data in (*files.nodes.values(), *files.relationships.values()):
        yield header
        yield data
