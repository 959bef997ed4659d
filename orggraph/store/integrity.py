"""Whole-store integrity: what ``orggraph check`` and the crash tests rely on."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date

from orggraph.model import LINK_ENDS, LinkKind, NodeKind, find_cycle
from orggraph.model.records import Link
from orggraph.store.base import GraphStore

__all__ = ["integrity_problems"]


def integrity_problems(store: GraphStore) -> list[str]:
    """Every integrity problem found, as readable lines; empty when the store is sound.

    Checks: version intervals are ordered and do not overlap; every link's ends exist with
    the right kinds; the hierarchy has one parent at a time and no cycle at any date; and,
    for the embedded store, SQLite's own ``integrity_check``.
    """
    problems: list[str] = []
    kinds: dict[str, NodeKind] = {}
    spans: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
    for node in store.all_nodes():
        kinds[node.id] = node.kind
        if node.valid_to is not None and node.valid_to <= node.valid_from:
            problems.append(f"node {node.id}: valid_to {node.valid_to} ≤ valid_from")
        spans[node.id].append((node.valid_from, node.valid_to))
    for key, intervals in spans.items():
        for (_, end), (start, _) in itertools.pairwise(sorted(intervals, key=lambda s: s[0])):
            if end is None or end > start:
                problems.append(f"node {key}: versions overlap at {start}")
    parents: dict[str, list[Link]] = defaultdict(list)
    for link in store.all_links():
        source_kind, target_kind = LINK_ENDS[link.kind]
        for node_id, want in ((link.source, source_kind), (link.target, target_kind)):
            if kinds.get(node_id) is not want:
                problems.append(f"link {link.id}: end {node_id!r} is not a known {want.value}")
        if link.kind is LinkKind.SUBORDINATE_TO:
            parents[link.source].append(link)
    for source, links in parents.items():
        links.sort(key=lambda v: v.valid_from)
        for a, b in itertools.pairwise(links):
            if a.valid_to is None or a.valid_to > b.valid_from:
                problems.append(f"organization {source}: two parents from {b.valid_from}")
    # A cycle valid at some date is valid at the start of its latest link: checking each
    # link at its own start finds every cycle with one short walk per link.
    reported: set[frozenset[str]] = set()
    for links in parents.values():
        for link in links:
            path = find_cycle(parents, link.source, link.valid_from)
            if path and frozenset(path) not in reported:
                reported.add(frozenset(path))
                problems.append(f"hierarchy cycle at {link.valid_from}: {' → '.join(path)}")
    problems += [f"sqlite: {line}" for line in store.integrity_problems()]
    return problems
