"""Validation rules, as plain functions over records and planned changes.

Each returns ``Problem`` values (never raises), so an import can report every error at once.
Rule names are stable strings used in messages and tests:

- ``required`` / ``enum`` / ``type``: an attribute missing, not an allowed value, or of
  the wrong type;
- ``dates-ordered``: ``valid_to`` must be after ``valid_from``;
- ``link-ends-exist`` / ``link-end-kind`` / ``link-within-ends``: a link's ends exist, are
  of the kinds its kind joins, and are valid for the whole life of the link;
- ``one-parent``: an organization has at most one parent at a time;
- ``hierarchy-acyclic``: the organization hierarchy is a forest at every date.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from enum import StrEnum
from typing import Any

from orggraph.errors import CycleDetected, Problem, ValidationFailed
from orggraph.model.changes import Changes, HistoryReader
from orggraph.model.fields import LINK_FIELDS, NODE_FIELDS, FieldSpec
from orggraph.model.kinds import LINK_ENDS, LinkKind
from orggraph.model.records import Link, Node

__all__ = ["check_attrs", "check_changes", "find_cycle"]

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "date": (date,),
    "list": (list, tuple),
}


@functools.cache
def _enum_values(enum: type[StrEnum]) -> frozenset[str]:
    # Built once per enum: a write of 100,000 members checks some 400,000 enum values.
    return frozenset(m.value for m in enum)


_Compiled = tuple[tuple[str, bool, frozenset[str] | None, tuple[type, ...] | None, bool], ...]
# Keyed by the identity of the (module-level) spec tuples: hashing them costs more than
# the check itself.
_COMPILED: dict[int, tuple[tuple[FieldSpec, ...], _Compiled]] = {}


def _compiled(specs: tuple[FieldSpec, ...]) -> _Compiled:
    """Per attribute: name, required, allowed enum values, allowed types, is an int."""
    entry = _COMPILED.get(id(specs))
    if entry is None or entry[0] is not specs:
        compiled = tuple(
            (
                s.name,
                s.required,
                _enum_values(s.enum) if s.enum is not None else None,
                _TYPES[s.value_type] if isinstance(s.value_type, str) else None,
                s.value_type == "int",
            )
            for s in specs
        )
        entry = _COMPILED[id(specs)] = (specs, compiled)
    return entry[1]


def _attrs_ok(specs: tuple[FieldSpec, ...], attrs: Mapping[str, Any]) -> bool:
    """Whether ``check_attrs`` would find nothing: the same rules, without the messages."""
    for name, required, values, types, is_int in _compiled(specs):
        value = attrs.get(name)
        if value is None:
            if required:
                return False
        elif values is not None:
            if value not in values and not isinstance(value, StrEnum):
                return False
        elif types is not None and (
            not isinstance(value, types) or (is_int and isinstance(value, bool))
        ):
            return False
    return True


def check_attrs(specs: Sequence[FieldSpec], attrs: Mapping[str, Any], what: str) -> list[Problem]:
    """Problems with the typed attributes of one record."""
    problems: list[Problem] = []
    for spec in specs:
        value = attrs.get(spec.name)
        if value is None:
            if spec.required:
                problems.append(
                    Problem(
                        rule="required",
                        column=spec.name,
                        message=f"{what}: {spec.name} ({spec.label_zh}) is required",
                    )
                )
            continue
        enum = spec.enum
        if enum is not None:
            if not isinstance(value, StrEnum) and value not in _enum_values(enum):
                problems.append(
                    Problem(
                        rule="enum",
                        column=spec.name,
                        value=str(value),
                        message=f"{what}: {spec.name} must be one of "
                        + ", ".join(m.value for m in enum),
                    )
                )
        elif isinstance(spec.value_type, str):
            ok = _TYPES[spec.value_type]
            if not isinstance(value, ok) or (spec.value_type == "int" and isinstance(value, bool)):
                problems.append(
                    Problem(
                        rule="type",
                        column=spec.name,
                        value=str(value),
                        message=f"{what}: {spec.name} must be {spec.value_type}",
                    )
                )
    return problems


def check_changes(reader: HistoryReader, changes: Changes) -> None:
    """Raise ``ValidationFailed`` (or ``CycleDetected``) unless ``changes`` keep the graph sound."""
    problems: list[Problem] = []
    # The fast checks first: the messages (and link ids) are built only for bad records.
    for node in changes.add_nodes:
        problems += _check_dates(node.id, node.valid_from, node.valid_to)
        if not _attrs_ok(NODE_FIELDS[node.kind], node.attrs):
            problems += [
                replace(p, record=node.id)
                for p in check_attrs(NODE_FIELDS[node.kind], node.attrs, f"{node.kind} {node.id}")
            ]
    for link in changes.add_links:
        if link.valid_to is not None and link.valid_to <= link.valid_from:
            problems += _check_dates(link.id, link.valid_from, link.valid_to)
        specs = LINK_FIELDS.get(link.kind, ())
        if specs and not _attrs_ok(specs, link.attrs):
            problems += [
                replace(p, record=link.id)
                for p in check_attrs(specs, link.attrs, f"link {link.id}")
            ]
    problems += _check_link_ends(reader, changes)
    if not problems:
        problems += _check_hierarchy(reader, changes)
    if problems:
        raise ValidationFailed(problems)


def _check_dates(key: str, start: date, end: date | None) -> list[Problem]:
    if end is not None and end <= start:
        return [
            Problem(
                rule="dates-ordered",
                value=f"{start}..{end}",
                record=key,
                message=f"{key}: valid_to {end} must be after valid_from {start}",
            )
        ]
    return []


def _spans(versions: Iterable[Node]) -> list[tuple[date, date | None]]:
    return [(v.valid_from, v.valid_to) for v in versions]


def _covered(spans: list[tuple[date, date | None]], start: date, end: date | None) -> bool:
    """Whether the union of ``spans`` covers ``[start, end)``."""
    cursor = start
    for s, e in sorted(spans):
        if s > cursor:
            break
        if e is None:
            return True
        cursor = max(cursor, e)
        if end is not None and cursor >= end:
            return True
    return False


def _check_link_ends(reader: HistoryReader, changes: Changes) -> list[Problem]:
    touched = {e for link in changes.add_links for e in (link.source, link.target)}
    if not touched:
        return []
    versions: dict[str, list[Node]] = defaultdict(list)
    for key, vs in reader.node_versions(touched).items():
        versions[key].extend(vs)
    closes = {(i, s): e for i, s, e in changes.close_nodes}
    for key, vs in versions.items():
        versions[key] = [_closed(v, closes.get((key, v.valid_from))) for v in vs]
    for node in changes.add_nodes:
        if node.id in touched:
            versions[node.id].append(node)
    problems: list[Problem] = []
    for link in changes.add_links:
        want = LINK_ENDS[link.kind]
        for end, kind in ((link.source, want[0]), (link.target, want[1])):
            vs = versions.get(end) or []
            if not vs:
                problems.append(
                    Problem(
                        rule="link-ends-exist",
                        value=end,
                        record=link.id,
                        message=(f"link {link.id}: {end!r} is not a known {kind.value} id"),
                    )
                )
            elif vs[0].kind is not kind:
                problems.append(
                    Problem(
                        rule="link-end-kind",
                        value=end,
                        record=link.id,
                        message=(
                            f"link {link.id}: {end!r} is a {vs[0].kind.value}; a {link.kind.value} "
                            f"link needs a {kind.value} there"
                        ),
                    )
                )
            elif not _covered(_spans(vs), link.valid_from, link.valid_to):
                problems.append(
                    Problem(
                        rule="link-within-ends",
                        value=end,
                        record=link.id,
                        message=(
                            f"link {link.id} ({link.valid_from}..{link.valid_to or ''}) "
                            f"{_beyond(_spans(vs), link.valid_from, link.valid_to)} {end!r}: "
                            f"{end!r} is valid {_show_spans(vs)}"
                        ),
                    )
                )
    return problems


def _beyond(spans: list[tuple[date, date | None]], start: date, end: date | None) -> str:
    """How ``[start, end)`` leaves the union of ``spans``: it starts before, ends after,
    or spans a gap in it (the first of these found, in that order)."""
    if not any(s <= start and (e is None or start < e) for s, e in spans):
        if all(start < s for s, _ in spans):
            return "starts before"
        if all(e is not None and e <= start for _, e in spans):
            return "starts after the end of"
        return "starts in a gap in the life of"
    cursor = start
    for s, e in sorted(spans):
        if s > cursor:
            return "spans a gap in the life of"
        if e is None:
            break
        cursor = max(cursor, e)
        if end is not None and cursor >= end:
            break
    return "ends after"


def _show_spans(versions: Iterable[Node]) -> str:
    return ", ".join(f"{s}..{e or ''}" for s, e in _spans(versions))


def _closed(node: Node, end: date | None) -> Node:
    return node if end is None else replace(node, valid_to=end)


def _check_hierarchy(reader: HistoryReader, changes: Changes) -> list[Problem]:
    new = [link for link in changes.add_links if link.kind is LinkKind.SUBORDINATE_TO]
    if not new:
        return []
    # The proposed subordinate-to versions of every organization on the new links' paths up.
    closes = {(i, s): e for i, s, e in changes.close_links}
    by_source: dict[str, list[Link]] = defaultdict(list)
    frontier = {link.source for link in new} | {link.target for link in new}
    seen: set[str] = set()
    added = defaultdict(list)
    for link in new:
        added[link.source].append(link)
    while frontier:
        seen |= frontier
        stored = reader.outgoing_versions(LinkKind.SUBORDINATE_TO, frontier)
        for link in stored:
            end = closes.get((link.id, link.valid_from))
            by_source[link.source].append(link if end is None else replace(link, valid_to=end))
        for source in frontier:
            by_source[source].extend(added.get(source, []))
        frontier = {link.target for s in frontier for link in by_source[s]} - seen
    problems: list[Problem] = []
    for source, links in by_source.items():
        ordered = sorted(links, key=lambda v: v.valid_from)
        for a, b in itertools.pairwise(ordered):
            if a.valid_to is None or a.valid_to > b.valid_from:
                problems.append(
                    Problem(
                        rule="one-parent",
                        value=source,
                        record=b.id,
                        message=(
                            f"organization {source!r} would have two parents from {b.valid_from}: "
                            f"{a.target!r} and {b.target!r}"
                        ),
                    )
                )
    if problems:
        return problems
    # A cycle valid at some date is valid at the start of its latest link, and (one parent
    # at a time) a walk up from that link's source on that day finds it: one short walk per
    # distinct (source, start) on the paths, not one per new link and date (quadratic).
    # The new links first, so that a cycle is reported from the link that closes it.
    walked: set[tuple[str, date]] = set()
    for version in itertools.chain(new, *by_source.values()):
        key = (version.source, version.valid_from)
        if key in walked:
            continue
        walked.add(key)
        path = find_cycle(by_source, version.source, version.valid_from)
        if path:
            raise CycleDetected(path)
    return []


def find_cycle(parents: dict[str, list[Link]], start: str, when: date) -> list[str] | None:
    """The cycle through ``start`` when walking up parent links valid at ``when``, if any."""
    path = [start]
    current = start
    while True:
        up = [link.target for link in parents.get(current, ()) if link.valid_at(when)]
        if not up:
            return None
        current = up[0]
        if current in path:
            return [*path[path.index(current) :], current]
        path.append(current)
