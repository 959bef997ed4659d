"""Who may write what: one check for every write, below every surface (写入权限).

``check_write`` decides whether an actor whose reads are limited to a ``Scope`` may write
a ``WriteBatch``. GraphQL mutations, the remediation and pairing analyses and any other
writer call it before ``GraphStore.write``; an unrestricted scope (an administrator, an
editor without roots or sectors) passes. For a restricted scope, every node the batch
creates, changes, ends or references is checked with ``ScopeView.sees``, the same rule
reads use:

* **references**: both ends of every link written or ended, every node changed or ended,
  every node a fact is about, and a remediation case's organization, responsible leader
  and partner must be visible at the date they are written (and today, for a write dated
  in the past). An id the actor cannot see is refused exactly as an id that does not
  exist: ``NotFound`` ("no member 'x' on 2019-06-30"), or, when nothing the write names
  is visible at all, ``PermissionDenied`` (the same for unknown and hidden ids).
* **placement**: every node written must be inside the scope *after* the write, judged by
  ``ScopeView.sees`` over the store as the batch leaves it: a new organization needs a
  parent in the scope, a new member a membership, a unit its place or the organization
  established in it; a change may not carry a node out (a transfer out, a detached
  organization, a member left without an organization).
* **scope roots**: a root of the actor's scope may not be moved, detached or ended.

Every refusal is appended to the audit trail (``write-denied``) with the actor, the
action, the reason and the ids named, never names or other values.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, cast

from orggraph.errors import NotFound, OrgGraphError, PermissionDenied
from orggraph.model import LINK_ENDS, Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.scope import Scope, ScopeView

if TYPE_CHECKING:
    from orggraph.store.base import GraphStore

__all__ = [
    "CASE_REFERENCES",
    "CYCLE_STEPS",
    "check_cycle_step",
    "check_write",
    "denied",
    "hidden_link",
    "open_link",
    "seen",
    "unseen",
    "visible_node",
]

#: The attributes of a case that name other nodes, and the kind each names.
CASE_REFERENCES: dict[str, NodeKind] = {
    "organization": NodeKind.ORGANIZATION,
    "responsible": NodeKind.MEMBER,
    "partner": NodeKind.ORGANIZATION,
}

# Links whose end leaves the node without a place in the hierarchy (a root, an orphan).
_PLACING = (LinkKind.SUBORDINATE_TO, LinkKind.MEMBER_OF, LinkKind.LOCATED_IN)
_HINTS = {
    NodeKind.ORGANIZATION: "a parent organization in their scope",
    NodeKind.MEMBER: "a membership of an organization in their scope",
    NodeKind.UNIT: "a place (located_in: village, community or township) in their scope",
    NodeKind.WORKING_GROUP: "an area in their scope",
    NodeKind.EXPERT: "a leader in their scope who serves them",
    NodeKind.CASE: "an organization in their scope",
    NodeKind.DUTY_LIST: "an organization in their scope",
    NodeKind.DUTY: "an organization in their scope",
}


def unseen(node_id: str, kind: NodeKind | None, on: date) -> NotFound:
    """The one answer for an id that does not exist or that the actor may not see."""
    return NotFound(f"no {kind.value if kind else 'node'} {node_id!r} on {on}")


def hidden_link(link_id: str, on: date) -> NotFound:
    """The one answer for a link to end that is not open, or that the actor may not see."""
    return NotFound(f"no link {link_id!r} open on {on} to end")


def denied(
    store: GraphStore,
    error: OrgGraphError,
    *,
    actor: str,
    action: str,
    reason: str,
    ids: Iterable[str],
) -> OrgGraphError:
    """Append a ``write-denied`` audit record for ``error`` and hand ``error`` back."""
    detail = {"action": action, "code": error.code, "reason": reason, "ids": sorted(set(ids))}
    store.record_audit(actor, "write-denied", detail)
    return error


def visible_node(
    store: GraphStore,
    scope: Scope,
    node_id: str,
    kind: NodeKind,
    on: date,
    *,
    actor: str,
    action: str,
) -> Node:
    """The version of ``node_id`` at ``on`` the actor may write to, else ``NotFound``.

    Unknown and hidden ids get the same error after the same work (``seen``); for a
    restricted scope the refusal is audited either way.
    """
    if scope.unrestricted:
        node = store.node(node_id, on)
        if node is None or node.kind is not kind:
            raise unseen(node_id, kind, on)
        return node
    node = seen(scope.view(store, on), node_id, kind)
    if node is None or node.kind is not kind:
        error = unseen(node_id, kind, on)
        raise denied(store, error, actor=actor, action=action, reason="not-visible", ids=[node_id])
    return node


def seen(view: ScopeView, node_id: str, kind: NodeKind | None) -> Node | None:
    """The node ``node_id`` at the view's date when the view sees it, else ``None``.

    An absent id is asked about as a hidden one of the kind expected is (a stand-in node
    goes through ``ScopeView.sees``), so both cost the same store calls: the time of a
    refusal says nothing about whether the id exists.
    """
    node = view.store.node(node_id, view.as_of)
    probe = node or Node(
        id=node_id, kind=kind or NodeKind.ORGANIZATION, name="", valid_from=view.as_of
    )
    return node if view.sees(probe) and node is not None else None


#: Who takes each step of the yearly cycle (``orggraph.analysis.cycle``): ``holder`` the
#: secretary holding the list (an account linked to that member, or an administrator);
#: ``superior`` an editor or administrator whose scope holds the organization's superior
#: (its parent on the step's date), never the list's own secretary.
CYCLE_STEPS: dict[str, str] = {
    "open": "superior",
    "addDuty": "superior",
    "handOver": "superior",
    "commit": "holder",
    "report": "holder",
    "observe": "superior",
    "grade": "superior",
}


def check_cycle_step(
    store: GraphStore,
    scope: Scope,
    *,
    actor: str,
    role: str,
    member: str | None,
    organization: str,
    holder: str | None,
    step: str,
    on: date,
) -> None:
    """Refuse a step of the yearly cycle the actor may not take (``CYCLE_STEPS``).

    ``member`` is the member the actor's account is linked to (``AccountStore.member_of``),
    ``holder`` the list's secretary. Raises ``PermissionDenied`` after auditing the refusal;
    returns ``None`` when the step may be taken.
    """
    who = CYCLE_STEPS[step]
    reason = ""
    if who == "holder":
        if role == "admin" or (member is not None and member == holder and role != "viewer"):
            return
        reason = f"only the list's secretary ({holder or 'vacant'}) or an administrator"
    else:
        if member is not None and member == holder and role != "admin":
            reason = "not the list's own secretary: an editor of the superior committee"
        elif role not in ("editor", "admin"):
            reason = "an editor or administrator of the superior committee"
        elif scope.unrestricted:
            return
        else:
            parent = store.parent(organization, on)
            if parent is not None and scope.view(store, on).sees_org(parent):
                return
            reason = "an editor whose scope holds the superior committee"
    error = PermissionDenied(f"{actor} may not {step} for {organization!r}: {reason} may")
    raise denied(store, error, actor=actor, action=f"cycle:{step}", reason=who, ids=[organization])


def open_link(store: GraphStore, link_id: str, on: date) -> Link | None:
    """The version of ``link_id`` open across ``on`` (so that it can end there)."""
    versions = store.link_versions([link_id]).get(link_id, [])
    open_ = [v for v in versions if v.valid_from < on and (v.valid_to is None or v.valid_to > on)]
    return open_[-1] if open_ else None


def check_write(
    store: GraphStore,
    batch: WriteBatch,
    scope: Scope,
    *,
    actor: str,
    action: str = "write",
    today: date | None = None,
    new: Collection[str] = (),
) -> None:
    """Refuse ``batch`` unless ``scope`` holds every node it touches (see the module).

    ``new``: ids of nodes the batch creates, judged as new even when the id is taken (a
    create asks whether the actor may create there before it asks whether the id is free,
    so that a taken id the actor cannot see answers as a visible one does).

    Raises ``NotFound`` or ``PermissionDenied`` (after auditing the refusal); returns
    ``None`` when the batch may be written.
    """
    if scope.unrestricted:
        return
    check = _Check(store, batch, scope, today or date.today(), frozenset(new))
    found = check.refusal(actor)
    if found is not None:
        error, reason, ids = found
        raise denied(store, error, actor=actor, action=action, reason=reason, ids=ids)


Refusal = tuple[OrgGraphError, str, list[str]]


class _Check:
    """One batch checked against one scope, with the scope's views by date kept."""

    def __init__(
        self,
        store: GraphStore,
        batch: WriteBatch,
        scope: Scope,
        today: date,
        new: frozenset[str] = frozenset(),
    ) -> None:
        self.store, self.batch, self.scope, self.today = store, batch, scope, today
        self.new = new
        self.before: dict[date, ScopeView] = {}
        self.after: dict[date, ScopeView] = {}

    def dates(self, on: date) -> list[date]:
        """A write dated ``on`` holds from then on: it is checked then and today."""
        return [on, self.today] if self.today > on else [on]

    def view(self, on: date) -> ScopeView:
        found = self.before.get(on)
        if found is None:
            found = self.before[on] = self.scope.view(self.store, on)
        return found

    def view_after(self, on: date) -> ScopeView:
        found = self.after.get(on)
        if found is None:
            after = cast("GraphStore", _After(self.store, self.batch))
            found = self.after[on] = self.scope.view(after, on)
        return found

    def refusal(self, actor: str) -> Refusal | None:
        roots = self.roots_touched()
        if roots:
            shown = ", ".join(roots)
            message = f"{actor} may not move, detach or end {shown}: a root of their scope"
            return PermissionDenied(message), "scope-root", roots
        missing, named = self.references()
        if missing:
            ids = [i for i, _ in missing]
            if not named:  # nothing the write names is visible: not the actor's write at all
                shown = ", ".join(map(repr, ids))
                message = f"{actor} may not write {shown}: unknown or outside their scope"
                return PermissionDenied(message), "not-visible", ids
            return missing[0][1], "not-visible", ids
        outside = self.ends_outside()
        if outside:
            message = f"{actor} may not end {outside[0]!r}: it has links outside their scope"
            return PermissionDenied(message), "links-outside", outside
        for node, on in self.placed():
            if not self.view_after(on).sees(node):
                kind = node.kind
                message = (
                    f"{actor} may not write {kind.value} {node.id!r}: on {on} it would be "
                    f"outside their scope; it needs {_HINTS.get(kind, 'a place in their scope')}"
                )
                return PermissionDenied(message), "outside-scope", [node.id]
        return None

    # -- what the batch touches ---------------------------------------------------
    def created(self) -> set[str]:
        """Ids the batch creates: named as new, or with no version at all (a version of
        an existing node dated before its first is a change to it, not a creation)."""
        ids = {n.id for n in self.batch.nodes}
        existing = self.store.node_versions(sorted(ids - self.new)) if ids - self.new else {}
        return {i for i in ids if i in self.new or not existing.get(i)}

    def roots_touched(self) -> list[str]:
        roots = self.scope.roots
        hit = {x.source for x in self.batch.links if x.kind is LinkKind.SUBORDINATE_TO}
        hit |= {i for i, _ in self.batch.end_nodes}
        for link_id, on in self.batch.end_links:
            link = open_link(self.store, link_id, on)
            if link is not None and link.kind is LinkKind.SUBORDINATE_TO:
                hit.add(link.source)
        return sorted(hit & roots)

    def references(self) -> tuple[list[tuple[str, NotFound]], bool]:
        """The ids named that the actor cannot see (with their errors), and whether any
        id named was seen."""
        missing: list[tuple[str, NotFound]] = []
        named = False
        created = self.created()

        def see(node_id: str, kind: NodeKind | None, on: date) -> None:
            nonlocal named
            for when in self.dates(on):
                node = seen(self.view(when), node_id, kind)
                if node is None or (kind is not None and node.kind is not kind):
                    missing.append((node_id, unseen(node_id, kind, on)))
                    return
            named = True

        for node in self.batch.nodes:
            if node.id not in created:
                see(node.id, node.kind, node.valid_from)
            if node.kind is NodeKind.CASE:
                for attr, kind in CASE_REFERENCES.items():
                    ref = node.attrs.get(attr)
                    if ref is not None and ref not in created:
                        see(str(ref), kind, node.valid_from)
        for link in self.batch.links:
            for end, kind in zip((link.source, link.target), LINK_ENDS[link.kind], strict=True):
                if end not in created:
                    see(end, kind, link.valid_from)
        for link_id, on in self.batch.end_links:
            ended = open_link(self.store, link_id, on)
            last = on - timedelta(days=1)
            before = len(missing)
            ends = (ended.source, ended.target) if ended else (link_id, link_id)
            kinds: tuple[NodeKind | None, ...] = LINK_ENDS[ended.kind] if ended else (None, None)
            for end, end_kind in zip(ends, kinds, strict=True):
                see(end, end_kind, last)
            if len(missing) > before or ended is None:
                del missing[before:]
                missing.append((link_id, hidden_link(link_id, on)))
        for node_id, on in self.batch.end_nodes:
            see(node_id, None, on - timedelta(days=1))
        # Ending names its one target: refused as "not found", as an unknown one is.
        named = named or bool(self.batch.end_links or self.batch.end_nodes)
        effective = self.batch.effective or self.today
        for fact in self.batch.facts:
            if fact.node_id not in created:
                see(fact.node_id, None, effective)
        return missing, named

    def ends_outside(self) -> list[str]:
        """Nodes ended whose open links reach a node the actor cannot see."""
        out: list[str] = []
        ended = dict(self.batch.end_nodes)
        if not ended:
            return out
        for link in self.store.links_touching(list(ended)):
            for mine, other in ((link.source, link.target), (link.target, link.source)):
                on = ended.get(mine)
                if on is None or not (link.valid_to is None or link.valid_to > on):
                    continue
                last = max(link.valid_from, on - timedelta(days=1))
                if other not in ended and seen(self.view(last), other, None) is None:
                    out.append(mine)
        return sorted(set(out))

    def placed(self) -> Iterable[tuple[Node, date]]:
        """Each node the batch keeps and must leave inside the scope, with the dates."""
        ended = {i for i, _ in self.batch.end_nodes}
        for node in self.batch.nodes:
            for on in self.dates(node.valid_from):
                yield node, on
        for link_id, on in self.batch.end_links:
            link = open_link(self.store, link_id, on)
            if link is None or link.kind not in _PLACING or link.source in ended:
                continue
            for when in self.dates(on):
                after = self.view_after(when).store.node(link.source, when)
                if after is not None:
                    yield after, when


class _After:
    """The store as ``batch`` would leave it, for the reads a ``ScopeView`` makes.

    Only ``node``, ``nodes``, ``links`` and ``subtree`` are answered: what ``Scope.view``
    and ``ScopeView.sees`` read. Written versions replace stored ones; ended nodes and
    links (and the links of ended nodes) are gone from their end date on.
    """

    def __init__(self, store: GraphStore, batch: WriteBatch) -> None:
        self.store = store
        self.written = {n.id: n for n in batch.nodes}
        self.ended_nodes = dict(batch.end_nodes)
        self.ended_links = dict(batch.end_links)
        self.new_links = list(batch.links)
        self.new_ids = {x.id for x in batch.links}
        self.moves = (
            any(x.kind is LinkKind.SUBORDINATE_TO for x in batch.links)
            or bool(batch.end_links)
            or bool(batch.end_nodes)
            or any(n.kind is NodeKind.ORGANIZATION for n in batch.nodes)
        )

    def _gone(self, node_id: str, as_of: date) -> bool:
        end = self.ended_nodes.get(node_id)
        return end is not None and as_of >= end

    def node(self, node_id: str, as_of: date) -> Node | None:
        if self._gone(node_id, as_of):
            return None
        written = self.written.get(node_id)
        if written is not None and written.valid_at(as_of):
            return written
        return self.store.node(node_id, as_of)

    def nodes(
        self, kind: NodeKind, as_of: date, *, ids: Collection[str] | None = None
    ) -> list[Node]:
        found = {n.id: n for n in self.store.nodes(kind, as_of, ids=ids)}
        for node in self.written.values():
            if node.kind is kind and node.valid_at(as_of) and (ids is None or node.id in ids):
                found[node.id] = node
        return [n for n in found.values() if not self._gone(n.id, as_of)]

    def links(
        self,
        kind: LinkKind,
        as_of: date,
        *,
        sources: Collection[str] | None = None,
        targets: Collection[str] | None = None,
    ) -> list[Link]:
        def kept(link: Link) -> bool:
            end = self.ended_links.get(link.id)
            return (end is None or as_of < end) and not (
                self._gone(link.source, as_of) or self._gone(link.target, as_of)
            )

        stored = self.store.links(kind, as_of, sources=sources, targets=targets)
        out = [x for x in stored if x.id not in self.new_ids and kept(x)]
        out += [
            x
            for x in self.new_links
            if x.kind is kind
            and x.valid_at(as_of)
            and (sources is None or x.source in sources)
            and (targets is None or x.target in targets)
            and kept(x)
        ]
        return out

    def subtree(self, org_id: str, as_of: date) -> list[str]:
        if self.node(org_id, as_of) is None:
            return []
        stored = self.store.subtree(org_id, as_of)
        if not self.moves:
            return stored
        made = [
            n.id
            for n in self.written.values()
            if n.kind is NodeKind.ORGANIZATION and n.valid_at(as_of)
        ]
        members = sorted({*stored, *made})
        children: dict[str, list[str]] = {}
        for link in self.links(LinkKind.SUBORDINATE_TO, as_of, sources=members):
            children.setdefault(link.target, []).append(link.source)
        out, frontier, seen = [org_id], [org_id], {org_id}
        while frontier:
            below = sorted({c for p in frontier for c in children.get(p, ())} - seen)
            out += below
            seen.update(below)
            frontier = below
        return out
