"""Checks across rows and against the store, before anything is written.

``check_records`` takes every record of an import with the row it came from and returns
the ``WriteBatch`` to write, the planned ``Changes`` and every problem, each located at a
file, sheet, row and column:

- within the import: ``duplicate-id`` / ``duplicate-link`` / ``duplicate-fact`` (the same
  id and 起始日期 twice), ``id-kind-conflict`` (one id in two node tables, or a kind other
  than the store's);
- references: ``link-ends-exist`` / ``link-end-kind`` (a link's ends), ``reference-exists``
  / ``reference-kind`` (a case's organization, leader and partner; a fact's node): the id
  must be in the import or the store, and of the right kind;
- the model's rules, run by ``orggraph.model`` exactly as ``GraphStore.write`` runs them
  (``link-within-ends``, ``one-parent``, ``hierarchy-acyclic`` with the cycle's path,
  ``history-append-only``), their problems mapped back to the rows;
- the warning ``branch-min-members``: a branch with fewer full members than the rules ask;
- with ``clip``, the warning ``link-clipped``: a link trimmed to its ends' lives.

A changed parent or organization (one at a time) closes the stored link and opens the new
one on the row's 起始日期 when that is later, otherwise on the import's effective date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from orggraph.errors import Problem
from orggraph.imports.clip import clip_links
from orggraph.imports.convert import Placed, R, RowRecords, Where
from orggraph.imports.locate import Places, end_column, model_problems
from orggraph.imports.tables import TABLES, TableSpec
from orggraph.model import (
    LINK_ENDS,
    Changes,
    Fact,
    Link,
    LinkKind,
    Node,
    NodeKind,
    OrgKind,
    WriteBatch,
    label,
)
from orggraph.store.base import GraphStore

__all__ = ["Checked", "check_records"]

#: Attributes of a node that name another node: (node kind, attribute) → kind named.
REFERENCE_ATTRS: dict[tuple[NodeKind, str], NodeKind] = {
    (NodeKind.CASE, "organization"): NodeKind.ORGANIZATION,
    (NodeKind.CASE, "responsible"): NodeKind.MEMBER,
    (NodeKind.CASE, "partner"): NodeKind.ORGANIZATION,
}
#: Link kinds a node has one of at a time: a new target closes the stored one.
ONE_AT_A_TIME = (LinkKind.SUBORDINATE_TO, LinkKind.MEMBER_OF, LinkKind.LOCATED_IN)

_NODE_TABLE: dict[NodeKind, TableSpec] = {t.node_kind: t for t in TABLES if t.node_kind}


@dataclass(kw_only=True, slots=True)
class Checked:
    """The batch an import writes, the changes it plans, and every problem found."""

    batch: WriteBatch
    changes: Changes = field(default_factory=Changes)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]


def check_records(
    store: GraphStore,
    records: RowRecords,
    *,
    effective: date,
    min_full_members: int = 3,
    clip: bool = False,
) -> Checked:
    """Every problem of an import, located; and, when there are none, what it will write.

    ``clip``: trim links to their ends' lives, a ``link-clipped`` warning each
    (``orggraph.imports.clip``), instead of refusing them (``link-within-ends``).
    """
    problems = list(records.problems)
    nodes = _unique(records.nodes, _node_key, "duplicate-id", problems)
    # A repeated node row is reported once, not again for the link its shortcut column makes.
    kept_rows = {n.where for n in nodes}
    links = [x for x in records.links if x.column is None or x.where in kept_rows]
    links = _unique(links, _link_key, "duplicate-link", problems)
    facts = _unique(records.facts, _fact_key, "duplicate-fact", problems)
    nodes, kinds = _kinds(store, nodes, links, facts, problems)
    failed = records.failed_ids - kinds.keys()
    nodes = [n for n in nodes if _references_ok(n, kinds, failed, problems)]
    links = [x for x in links if _ends_ok(x, kinds, failed, problems)]
    facts = _changed_facts(store, [f for f in facts if _fact_ok(f, kinds, failed, problems)])
    nodes.sort(key=lambda n: (n.record.id, n.record.valid_from))
    links.sort(key=lambda x: (x.record.id, x.record.valid_from))
    links, end_links = _moves(store, links, effective, problems)
    if clip:
        links, clipped = clip_links(store, nodes, links, effective)
        problems += clipped
    batch = WriteBatch(
        nodes=tuple(n.record for n in nodes),
        links=tuple(x.record for x in links),
        facts=tuple(f.record for f in facts),
        end_links=tuple(end_links),
        effective=effective,
    )
    checked = Checked(batch=batch, problems=problems)
    places = Places(nodes, links)
    found, changes = model_problems(store, batch)
    checked.changes = changes
    located = [places.locate(problem, path) for problem, path in found]
    if not clip:
        located = [_clip_hint(p) for p in located]
    checked.problems += located
    if not checked.errors:
        ended = {key for key, _ in end_links}
        checked.problems += _branch_warnings(
            store, nodes, links, ended, effective, min_full_members
        )
    return checked


def _clip_hint(problem: Problem) -> Problem:
    if problem.rule != "link-within-ends":
        return problem
    hint = " (orggraph import --clip-links trims links to the dates both ends exist)"
    return replace(problem, message=problem.message + hint)


# -- within the import ----------------------------------------------------------------
def _node_key(node: Node) -> Hashable:
    return (node.id, node.valid_from)


def _link_key(link: Link) -> Hashable:
    return (link.id, link.valid_from)


def _fact_key(fact: Fact) -> Hashable:
    return (fact.node_id, fact.year, fact.name)


def _unique(
    placed: Sequence[Placed[R]],
    key: Callable[[R], Hashable],
    rule: str,
    problems: list[Problem],
) -> list[Placed[R]]:
    """The first of each key; a later row with the same key is an error naming the first."""
    first: dict[Hashable, Placed[R]] = {}
    out: list[Placed[R]] = []
    for item in placed:
        k = key(item.record)
        if k in first:
            seen = first[k]
            what = {
                "duplicate-id": "the same 标识 (id) and 起始日期 (valid_from)",
                "duplicate-link": "the same link and 起始日期 (valid_from)",
                "duplicate-fact": "the same fact for the same id and year",
            }[rule]
            problems.append(
                item.where.problem(
                    rule,
                    f"{what} as {seen.where}: {_show_key(k)}",
                    column=item.column or ("id" if rule != "duplicate-link" else None),
                    value=_show_key(k),
                )
            )
            continue
        first[k] = item
        out.append(item)
    return out


def _show_key(key: Hashable) -> str:
    if isinstance(key, tuple):
        return " ".join(str(part) for part in key)
    return str(key)


def _kinds(
    store: GraphStore,
    nodes: list[Placed[Node]],
    links: list[Placed[Link]],
    facts: list[Placed[Fact]],
    problems: list[Problem],
) -> tuple[list[Placed[Node]], dict[str, NodeKind]]:
    """The kind of every id the import names (file first, then store); one kind per id."""
    named = {n.record.id for n in nodes}
    named |= {end for x in links for end in (x.record.source, x.record.target)}
    named |= {f.record.node_id for f in facts}
    for n in nodes:
        for (kind, attr), _ in REFERENCE_ATTRS.items():
            value = n.record.attrs.get(attr)
            if n.record.kind is kind and isinstance(value, str):
                named.add(value)
    kinds: dict[str, NodeKind] = {
        key: versions[0].kind for key, versions in store.node_versions(named).items() if versions
    }
    in_file: dict[str, Placed[Node]] = {}
    kept: list[Placed[Node]] = []
    for n in nodes:
        node = n.record
        other = in_file.get(node.id)
        stored = kinds.get(node.id)
        if other is not None and other.record.kind is not node.kind:
            where = f"in table {_NODE_TABLE[other.record.kind].name} at {other.where}"
        elif other is None and stored is not None and stored is not node.kind:
            where = "in the store"
        else:
            in_file.setdefault(node.id, n)
            kept.append(n)
            continue
        known = other.record.kind if other is not None else stored
        shown = f"{known.value} ({label(known)})" if known is not None else "node"
        problems.append(
            n.where.problem(
                "id-kind-conflict",
                f"标识 {node.id!r} is a {shown} {where}; "
                f"table {_NODE_TABLE[node.kind].name} needs a new id",
                column="id",
                value=node.id,
            )
        )
    for key, n in in_file.items():
        kinds.setdefault(key, n.record.kind)
    return kept, kinds


def _reference(
    where: Where,
    column: str,
    value: str,
    want: NodeKind | None,
    kinds: dict[str, NodeKind],
    failed: set[str],
    rules: tuple[str, str],
    problems: list[Problem],
) -> bool:
    """Whether ``value`` names a known node of kind ``want`` (any kind when ``None``)."""
    kind = kinds.get(value)
    if kind is None:
        if value not in failed:  # a row with errors already said what is wrong with it
            word = want.value if want else "node"
            problems.append(
                where.problem(
                    rules[0],
                    f"{value!r} is not a known {word} id: it is neither in this import nor in "
                    "the store",
                    column=column,
                    value=value,
                )
            )
        return False
    if want is not None and kind is not want:
        problems.append(
            where.problem(
                rules[1],
                f"{value!r} is a {kind.value} ({label(kind)}); a {want.value} "
                f"({label(want)}) is needed here",
                column=column,
                value=value,
            )
        )
        return False
    return True


def _ends_ok(
    placed: Placed[Link], kinds: dict[str, NodeKind], failed: set[str], problems: list[Problem]
) -> bool:
    link = placed.record
    want = LINK_ENDS[link.kind]
    ok = True
    for end, value, kind in (("source", link.source, want[0]), ("target", link.target, want[1])):
        column = end_column(placed, end)
        rules = ("link-ends-exist", "link-end-kind")
        ok = _reference(placed.where, column, value, kind, kinds, failed, rules, problems) and ok
    return ok


def _references_ok(
    placed: Placed[Node], kinds: dict[str, NodeKind], failed: set[str], problems: list[Problem]
) -> bool:
    ok = True
    node = placed.record
    for (kind, attr), want in REFERENCE_ATTRS.items():
        value = node.attrs.get(attr)
        if node.kind is kind and isinstance(value, str):
            rules = ("reference-exists", "reference-kind")
            ok = _reference(placed.where, attr, value, want, kinds, failed, rules, problems) and ok
    return ok


def _fact_ok(
    placed: Placed[Fact], kinds: dict[str, NodeKind], failed: set[str], problems: list[Problem]
) -> bool:
    rules = ("reference-exists", "reference-kind")
    node_id = placed.record.node_id
    return _reference(placed.where, "id", node_id, None, kinds, failed, rules, problems)


def _changed_facts(store: GraphStore, facts: list[Placed[Fact]]) -> list[Placed[Fact]]:
    """The facts whose value differs from the stored one (a re-import rewrites nothing)."""
    by_year: dict[int, set[str]] = defaultdict(set)
    for f in facts:
        by_year[f.record.year].add(f.record.node_id)
    stored = {year: store.facts(ids, year) for year, ids in by_year.items()}
    out = []
    for f in facts:
        fact = f.record
        old = stored[fact.year].get(fact.node_id, {})
        if (
            fact.name not in old
            or old[fact.name] != fact.value
            or type(old[fact.name]) is not type(fact.value)
        ):
            out.append(f)
    return out


# -- moves: one parent, one organization at a time -------------------------------------
def _moves(
    store: GraphStore, links: list[Placed[Link]], effective: date, problems: list[Problem]
) -> tuple[list[Placed[Link]], list[tuple[str, date]]]:
    """Close the stored parent (or organization) a row replaces; start the new one after it."""
    end_links: list[tuple[str, date]] = []
    out = list(links)
    for kind in ONE_AT_A_TIME:
        ours: dict[str, list[int]] = defaultdict(list)
        for index, x in enumerate(out):
            if x.record.kind is kind:
                ours[x.record.source].append(index)
        if not ours:
            continue
        in_file = {out[i].record.id for indexes in ours.values() for i in indexes}
        for old in store.outgoing_versions(kind, list(ours)):
            if old.id in in_file:
                continue
            index = min(ours[old.source], key=lambda i: out[i].record.valid_from)
            new = out[index]
            start = new.record.valid_from
            when = start if start > old.valid_from else effective
            if old.valid_to is not None and old.valid_to <= when:
                continue  # that version had ended already
            if new.record.valid_to is not None and new.record.valid_to <= when:
                continue  # a row of past history: the model's rules judge it
            if when <= old.valid_from:
                problems.append(
                    new.where.problem(
                        "history-append-only",
                        f"{old.source!r} is linked to {old.target!r} from {old.valid_from}; "
                        f"a change to {new.record.target!r} must start after that, "
                        f"not on {when} (set 起始日期 or --effective)",
                        column="valid_from",
                        value=when,
                    )
                )
                continue
            end_links.append((old.id, when))
            if start < when:
                out[index] = replace(new, record=replace(new.record, valid_from=when))
    return out, end_links


# -- warnings -------------------------------------------------------------------------
def _branch_warnings(
    store: GraphStore,
    nodes: list[Placed[Node]],
    links: list[Placed[Link]],
    ended: set[str],
    effective: date,
    min_full_members: int,
) -> list[Problem]:
    """Branches (党支部) of the import with fewer full members than the rules ask."""
    rows: dict[str, Where] = {}
    names: dict[str, str] = {}
    for n in nodes:
        node = n.record
        if node.kind is NodeKind.ORGANIZATION and node.valid_at(effective):
            if node.attrs.get("org_kind") == OrgKind.BRANCH.value:
                rows[node.id] = n.where
                names[node.id] = node.name
            else:
                rows.pop(node.id, None)
    members: dict[str, set[str]] = defaultdict(set)
    for x in links:
        link = x.record
        if link.kind is LinkKind.MEMBER_OF and link.valid_at(effective):
            members[link.target].add(link.source)
            if link.target not in rows and link.target not in names:
                target = store.node(link.target, effective)
                if target is not None and target.attrs.get("org_kind") == OrgKind.BRANCH.value:
                    rows[link.target] = x.where
                    names[link.target] = target.name
                else:
                    names[link.target] = ""
    if not rows:
        return []
    for link in store.links(LinkKind.MEMBER_OF, effective, targets=list(rows)):
        if link.id not in ended:
            members[link.target].add(link.source)
    status: dict[str, object] = {}
    for n in nodes:
        if n.record.kind is NodeKind.MEMBER and n.record.valid_at(effective):
            status[n.record.id] = n.record.attrs.get("status")
    problems: list[Problem] = []
    for org_id, where in sorted(rows.items()):
        count = 0
        for member_id in members.get(org_id, ()):
            if member_id not in status:
                stored = store.node(member_id, effective)
                status[member_id] = stored.attrs.get("status") if stored else None
            count += status[member_id] == "full"
        if count < min_full_members:
            problems.append(
                where.problem(
                    "branch-min-members",
                    f"党支部 {names[org_id]} ({org_id}) has {count} full member(s) (正式党员) "
                    f"on {effective}; a branch needs at least {min_full_members}",
                    value=org_id,
                    severity="warning",
                )
            )
    return problems
