"""What-if (推演): which chains break and which gaps open if some changes were made.

Nothing is written. The proposals become an ``Overlay``: a read-only ``GraphStore`` over
the real one that ends some links and nodes and adds some links at ``as_of``, in memory.
The same analyses (``responsibility_chain`` breaks, ``coverage_gaps``) then run over the
store and over the overlay, and the ``Impact`` is the difference.

Proposals:

- ``LeavePosts(person)``: the person leaves every post (``holds_post``), the working groups
  they lead, and the contact links that came with office (``contacts``, ``serves``,
  ``instructs``); they stay a member;
- ``EndLinks(person)``: only those contact links end (联点、联系服务、党建指导);
- ``MoveOrganization(organization, new_parent)``: the organization (with its subtree) moves;
- ``DissolveOrganization(organization)``: the organization and all its links end; its
  children are left without a parent (so their chains show ``detached``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from orggraph.analysis.chainindex import ChainBreak, ChainIndex, not_found
from orggraph.analysis.gaps import Gap, coverage_gaps
from orggraph.errors import CycleDetected, PermissionDenied
from orggraph.model import Changes, Fact, Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import DataReach, GraphStore, WriteResult
from orggraph.store.scope import Scope, ScopeView

__all__ = [
    "DissolveOrganization",
    "EndLinks",
    "Impact",
    "LeavePosts",
    "MoveOrganization",
    "NewBreak",
    "Overlay",
    "Proposal",
    "what_if",
]

#: Links that end when a person leaves office, and those ``EndLinks`` ends.
OFFICE_LINKS = (
    LinkKind.HOLDS_POST,
    LinkKind.LEADS,
    LinkKind.CONTACTS,
    LinkKind.SERVES,
    LinkKind.INSTRUCTS,
)
CONTACT_LINKS = (LinkKind.CONTACTS, LinkKind.SERVES, LinkKind.INSTRUCTS)


@dataclass(frozen=True, kw_only=True, slots=True)
class LeavePosts:
    """A person leaves all posts (and the links that came with office)."""

    person: str
    kind: str = field(default="leave", init=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class EndLinks:
    """A leader's contact links (联点、联系服务、党建指导) end."""

    person: str
    kind: str = field(default="end_links", init=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class MoveOrganization:
    """An organization (and its subtree) moves under ``new_parent``."""

    organization: str
    new_parent: str
    kind: str = field(default="move", init=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class DissolveOrganization:
    """An organization is dissolved (撤销)."""

    organization: str
    kind: str = field(default="dissolve", init=False)


Proposal = LeavePosts | EndLinks | MoveOrganization | DissolveOrganization


@dataclass(frozen=True, kw_only=True, slots=True)
class NewBreak:
    """A chain break the proposals would make, and the chains (subject ids) it would cut."""

    chain_break: ChainBreak
    chains: tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Impact:
    """What the proposals would change at ``as_of``."""

    as_of: date
    proposals: tuple[Proposal, ...]
    new_breaks: tuple[NewBreak, ...]
    gaps_opened: tuple[Gap, ...]
    gaps_closed: tuple[Gap, ...]


class Overlay(GraphStore):
    """A read-only view of ``base`` with some links and nodes ended and links added at ``at``.

    Reads at a date before ``at`` are the base's; from ``at`` on, the ended links and nodes
    are gone and the added links are there. History reads show the ended versions closed
    at ``at``. Writing raises ``PermissionDenied``.
    """

    def __init__(
        self,
        base: GraphStore,
        at: date,
        *,
        end_links: Iterable[str] = (),
        end_nodes: Iterable[str] = (),
        add_links: Iterable[Link] = (),
    ) -> None:
        super().__init__()
        self.base = base
        self.at = at
        self.url = f"overlay+{base.url}"
        self.ended_links = frozenset(end_links)
        self.ended_nodes = frozenset(end_nodes)
        self.added = tuple(add_links)

    # -- reads at a date ---------------------------------------------------------
    def _live(self, as_of: date) -> bool:
        return as_of >= self.at

    def node(self, node_id: str, as_of: date) -> Node | None:
        if self._live(as_of) and node_id in self.ended_nodes:
            return None
        return self.base.node(node_id, as_of)

    def nodes(
        self, kind: NodeKind, as_of: date, *, ids: Collection[str] | None = None
    ) -> list[Node]:
        found = self.base.nodes(kind, as_of, ids=ids)
        if self._live(as_of):
            found = [n for n in found if n.id not in self.ended_nodes]
        return found

    def links(
        self,
        kind: LinkKind,
        as_of: date,
        *,
        sources: Collection[str] | None = None,
        targets: Collection[str] | None = None,
    ) -> list[Link]:
        found = self.base.links(kind, as_of, sources=sources, targets=targets)
        if not self._live(as_of):
            return found
        found = [x for x in found if x.id not in self.ended_links]
        wanted_sources = None if sources is None else set(sources)
        wanted_targets = None if targets is None else set(targets)
        for link in self.added:
            if (
                link.kind is kind
                and link.valid_at(as_of)
                and (wanted_sources is None or link.source in wanted_sources)
                and (wanted_targets is None or link.target in wanted_targets)
            ):
                found.append(link)
        return found

    def parent(self, org_id: str, as_of: date) -> str | None:
        ups = self.links(LinkKind.SUBORDINATE_TO, as_of, sources=[org_id])
        return ups[0].target if ups else None

    def children(self, org_id: str, as_of: date) -> list[str]:
        return sorted(
            x.source for x in self.links(LinkKind.SUBORDINATE_TO, as_of, targets=[org_id])
        )

    def subtree(self, org_id: str, as_of: date) -> list[str]:
        if self.node(org_id, as_of) is None:
            return []
        out, index = [org_id], 0
        seen = {org_id}
        while index < len(out):
            level = out[index:]
            index = len(out)
            for link in self.links(LinkKind.SUBORDINATE_TO, as_of, targets=level):
                if link.source not in seen:
                    seen.add(link.source)
                    out.append(link.source)
        return out

    def data_reach(self) -> DataReach:
        """The base's: a what-if adds no data, it asks at a date."""
        return self.base.data_reach()

    def search(
        self, text: str, as_of: date, kinds: Collection[NodeKind] | None = None, limit: int = 20
    ) -> list[Node]:
        found = self.base.search(text, as_of, kinds, limit + len(self.ended_nodes))
        if self._live(as_of):
            found = [n for n in found if n.id not in self.ended_nodes]
        return found[:limit]

    def facts(
        self, node_ids: Collection[str], year: int, names: Collection[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        return self.base.facts(node_ids, year, names)

    # -- history -----------------------------------------------------------------
    def _cut(self, versions: Sequence[Any], ended: bool) -> list[Any]:
        if not ended:
            return list(versions)
        out = []
        for version in versions:
            if version.valid_from >= self.at:
                continue
            if version.valid_to is None or version.valid_to > self.at:
                version = replace(version, valid_to=self.at)
            out.append(version)
        return out

    def _link_history(self, links: Iterable[Link]) -> list[Link]:
        out: list[Link] = []
        for link in links:
            out += self._cut([link], link.id in self.ended_links)
        return out

    def node_versions(self, ids: Collection[str]) -> dict[str, list[Node]]:
        found = self.base.node_versions(ids)
        return {k: self._cut(v, k in self.ended_nodes) for k, v in found.items()}

    def link_versions(self, ids: Collection[str]) -> dict[str, list[Link]]:
        found = {k: self._link_history(v) for k, v in self.base.link_versions(ids).items()}
        wanted = set(ids)
        for link in self.added:
            if link.id in wanted:
                found.setdefault(link.id, []).append(link)
        return found

    def links_touching(self, node_ids: Collection[str]) -> list[Link]:
        wanted = set(node_ids)
        added = [x for x in self.added if x.source in wanted or x.target in wanted]
        return [*self._link_history(self.base.links_touching(node_ids)), *added]

    def outgoing_versions(self, kind: LinkKind, sources: Collection[str]) -> list[Link]:
        wanted = set(sources)
        added = [x for x in self.added if x.kind is kind and x.source in wanted]
        return [*self._link_history(self.base.outgoing_versions(kind, sources)), *added]

    def all_nodes(self) -> Iterator[Node]:
        for node in self.base.all_nodes():
            yield from self._cut([node], node.id in self.ended_nodes)

    def all_links(self) -> Iterator[Link]:
        yield from self._link_history(self.base.all_links())
        yield from self.added

    def all_facts(self) -> Iterator[Fact]:
        return self.base.all_facts()

    def change_dates(self) -> list[date]:
        return sorted({*self.base.change_dates(), self.at})

    # -- writes: none ------------------------------------------------------------
    def write(
        self, batch: WriteBatch, *, actor: str = "system", validate: bool = True
    ) -> WriteResult:
        raise PermissionDenied("a what-if overlay is read-only; nothing can be written to it")

    def _apply(self, changes: Changes, actor: str) -> None:
        raise PermissionDenied("a what-if overlay is read-only; nothing can be written to it")

    def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        return []


def overlay_for(
    store: GraphStore, proposals: Sequence[Proposal], as_of: date, view: ScopeView
) -> tuple[Overlay, set[str]]:
    """The overlay the proposals make, and the ids whose chains they may touch.

    Raises ``NotFound`` for an id unknown or outside the scope (one message for both), and
    ``CycleDetected`` for a move under the organization's own subtree.
    """
    end_links: set[str] = set()
    end_nodes: set[str] = set()
    add_links: list[Link] = []
    touched: set[str] = set()

    def need(node_id: str, kind: NodeKind) -> Node:
        node = store.node(node_id, as_of)
        if node is None or node.kind is not kind or not view.sees(node):
            raise not_found(node_id, as_of)
        return node

    for proposal in proposals:
        if isinstance(proposal, LeavePosts | EndLinks):
            need(proposal.person, NodeKind.MEMBER)
            kinds = OFFICE_LINKS if isinstance(proposal, LeavePosts) else CONTACT_LINKS
            for kind in kinds:
                for link in store.links(kind, as_of, sources=[proposal.person]):
                    end_links.add(link.id)
                    touched.add(link.target)
        elif isinstance(proposal, MoveOrganization):
            org = need(proposal.organization, NodeKind.ORGANIZATION).id
            new_parent = need(proposal.new_parent, NodeKind.ORGANIZATION).id
            for link in store.links(LinkKind.SUBORDINATE_TO, as_of, sources=[org]):
                end_links.add(link.id)
            add_links.append(
                Link(kind=LinkKind.SUBORDINATE_TO, source=org, target=new_parent, valid_from=as_of)
            )
            touched.add(org)
        else:
            org = need(proposal.organization, NodeKind.ORGANIZATION).id
            end_nodes.add(org)
            touched.add(org)  # its subtree, members and units are added by ``_subjects``
            for kind in LinkKind:
                for link in (
                    *store.links(kind, as_of, sources=[org]),
                    *store.links(kind, as_of, targets=[org]),
                ):
                    end_links.add(link.id)
    overlay = Overlay(store, as_of, end_links=end_links, end_nodes=end_nodes, add_links=add_links)
    for moved in add_links:  # all moves together, so two moves cannot make a cycle unseen
        above = overlay.ancestors(moved.source, as_of)
        if moved.source in above:
            # org → new parent → … up to org again: the cycle the moves would make.
            raise CycleDetected([moved.source, *above[: above.index(moved.source) + 1]])
    return overlay, touched


def what_if(store: GraphStore, proposals: Sequence[Proposal], as_of: date, scope: Scope) -> Impact:
    """Which chains would break and which gaps would open (or close) under ``proposals``.

    Parameters
    ----------
    store : GraphStore
        Read only; nothing is written.
    proposals : sequence of Proposal
        ``LeavePosts``, ``EndLinks``, ``MoveOrganization``, ``DissolveOrganization``, all
        taking effect at ``as_of``.
    as_of : date
    scope : Scope

    Returns
    -------
    Impact
        ``new_breaks``: each break the chains in scope would gain, with the chains it cuts
        (organizations below the changed ones, and the units, experts and members touched);
        ``gaps_opened`` / ``gaps_closed``: ``coverage_gaps`` after minus before, and before
        minus after (by kind and subject).
    """
    view = scope.view(store, as_of)
    overlay, touched = overlay_for(store, proposals, as_of, view)
    after_view = scope.view(overlay, as_of)
    subjects = _subjects(store, overlay, touched, as_of)
    before_index = ChainIndex(store, as_of, view)
    after_index = ChainIndex(overlay, as_of, after_view)
    ids = sorted(subjects)
    before_nodes = {n.id: n for kind in NodeKind for n in store.nodes(kind, as_of, ids=ids)}
    after_nodes = {n.id: n for kind in NodeKind for n in overlay.nodes(kind, as_of, ids=ids)}
    orgs = sorted(i for i, n in before_nodes.items() if n.kind is NodeKind.ORGANIZATION)
    before_index.prime(orgs)
    after_index.prime(o for o in orgs if o in after_nodes)
    cut: dict[ChainBreak, list[str]] = {}
    for node_id in ids:
        node, after_node = before_nodes.get(node_id), after_nodes.get(node_id)
        if node is None or after_node is None or not view.sees(node):
            continue  # unknown, dissolved (no chain left to break) or outside the scope
        before = set(before_index.subject_breaks(node))
        for brk in after_index.subject_breaks(after_node):
            if brk not in before:
                cut.setdefault(brk, []).append(node_id)
    gaps_before = coverage_gaps(store, as_of, scope)
    gaps_after = coverage_gaps(overlay, as_of, scope)
    keys_before = {(g.kind, g.subject) for g in gaps_before}
    keys_after = {(g.kind, g.subject) for g in gaps_after}
    return Impact(
        as_of=as_of,
        proposals=tuple(proposals),
        new_breaks=tuple(
            NewBreak(chain_break=brk, chains=tuple(chains))
            for brk, chains in sorted(
                cut.items(), key=lambda kv: (kv[0].kind, str(kv[0].organization))
            )
        ),
        gaps_opened=tuple(g for g in gaps_after if (g.kind, g.subject) not in keys_before),
        gaps_closed=tuple(g for g in gaps_before if (g.kind, g.subject) not in keys_after),
    )


def _subjects(store: GraphStore, overlay: Overlay, touched: set[str], as_of: date) -> set[str]:
    """The touched ids, the organizations below touched organizations, and a dissolved
    organization's members and units."""
    out = set(touched)
    for node_id in touched:
        node = store.node(node_id, as_of)
        if node is None:
            continue
        if node.kind is NodeKind.ORGANIZATION:
            out.update(store.subtree(node_id, as_of))
        elif node.kind is NodeKind.WORKING_GROUP:
            for link in store.links(LinkKind.COVERS, as_of, sources=[node_id]):
                out.update(store.subtree(link.target, as_of))
    dissolved = sorted(overlay.ended_nodes)
    if dissolved:
        for kind in (LinkKind.MEMBER_OF, LinkKind.HOLDS_POST):
            out.update(x.source for x in store.links(kind, as_of, targets=dissolved))
        out.update(x.target for x in store.links(LinkKind.ESTABLISHED_IN, as_of, sources=dissolved))
    return out
