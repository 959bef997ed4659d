"""Per-request loading without N+1: nodes listed together are loaded together.

A ``Group`` is the set of nodes one resolver produced at one date: a page of a connection,
the secretaries of that page, the members of those organizations. When a field of one
object asks for a relation (its posts, its members), the group loads that relation for
every object in it with one store call and keeps the answer, so its siblings read it from
memory. The related nodes come back as one new group, so the level below is batched too.

Resolvers stay synchronous: over an in-memory index an async DataLoader round trip per
item costs more than the lookup itself. Every node handed out has passed the actor's
scope (``ScopeView.sees``), which lives in the store layer.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date
from operator import attrgetter
from typing import Any, Literal, TypeVar

from orggraph.model import LINK_ENDS, Link, LinkKind, Node, NodeKind
from orggraph.store.base import GraphStore
from orggraph.store.masking import CLEARANCE, Clearance
from orggraph.store.scope import Scope, ScopeView

__all__ = ["Group", "Loaders", "Neighbour", "Related", "link_counts", "relation"]

T = TypeVar("T")
Direction = Literal["out", "in"]
#: One related node, reached through one link: ``(link, the far end's object)``.
Neighbour = tuple[Link, Any]
Wrap = Callable[[Node, "Group"], Any]
CLEARED: Clearance = CLEARANCE["admin"]


class Loaders:
    """The request's entry to the store: scope views by date, groups, visible nodes."""

    def __init__(
        self, store: GraphStore, scope: Scope, wrap: Wrap, *, clearance: Clearance = CLEARED
    ) -> None:
        self.store = store
        self.scope = scope
        #: The classifications the actor may read; the node and link types mask the rest.
        self.clearance = clearance
        self._wrap = wrap
        self._views: dict[date, ScopeView] = {}
        self._groups: list[Group] = []

    def view(self, as_of: date) -> ScopeView:
        """The actor's scope resolved at ``as_of`` (once per request and date)."""
        view = self._views.get(as_of)
        if view is None:
            view = self._views[as_of] = self.scope.view(self.store, as_of)
        return view

    def release(self) -> None:
        """Let go of every group made so far, at the end of an operation.

        A group keeps its objects and each object its group: a cycle, which reference
        counting alone never frees. Left to the cyclic collector, a list of 4,512 branches
        left 40,000 objects per request for it to find, and its full collections (60-80
        ms each, one every other list) were a fifth of the list's time. Emptied here, they
        are freed at once.
        """
        for group in self._groups:
            group.release()
        self._groups.clear()

    def forget(self) -> None:
        """Drop the scope views after a write (a new organization changes a subtree)."""
        self._views.clear()

    def visible(self, nodes: Iterable[Node], as_of: date) -> list[Node]:
        """The nodes among ``nodes`` the actor may see at ``as_of``."""
        return self.view(as_of).filter(nodes)

    def node(self, node_id: str, as_of: date) -> Node | None:
        """One node by id, or ``None`` when absent at ``as_of`` or outside the scope."""
        # Hidden and absent ids cost the same (``ScopeView.lookup``): no timing says which.
        return self.view(as_of).lookup(node_id)

    def group(self, nodes: Iterable[Node], as_of: date) -> Group:
        """A group of already visible nodes."""
        return Group(self, as_of, nodes)

    def objects(self, nodes: Sequence[Node], as_of: date) -> list[Any]:
        """The GraphQL objects of already visible ``nodes``, batched as one group."""
        group = self.group(nodes, as_of)
        made, wrap = group._objects, group._wrap
        for node_id, node in group.nodes.items():  # made in one go: a page at a time
            made[node_id] = wrap(node, group)
        return [made[node.id] for node in nodes]


class Group:
    """Nodes listed together at one date; relations are loaded for all of them at once."""

    __slots__ = ("_cache", "_objects", "_wrap", "as_of", "loaders", "nodes")

    def __init__(self, loaders: Loaders, as_of: date, nodes: Iterable[Node]) -> None:
        self.loaders = loaders
        self.as_of = as_of
        self.nodes: dict[str, Node] = {node.id: node for node in nodes}
        self._objects: dict[str, Any] = {}
        self._cache: dict[Hashable, Any] = {}
        self._wrap = loaders._wrap
        loaders._groups.append(self)

    def release(self) -> None:
        """Drop the objects and relations made (``Loaders.release``)."""
        self._objects.clear()
        self._cache.clear()

    @property
    def store(self) -> GraphStore:
        return self.loaders.store

    @property
    def ids(self) -> list[str]:
        return list(self.nodes)

    def obj(self, node_id: str) -> Any:
        """The GraphQL object of one node of the group (made once)."""
        made = self._objects.get(node_id)
        if made is None:
            made = self._objects[node_id] = self._wrap(self.nodes[node_id], self)
        return made

    def load(self, compute: Callable[[Group], T]) -> T:
        """``compute(self)`` the first time it is asked, the kept answer after: kept under
        ``compute`` itself, made once per relation (``relation``, ``link_counts``, ...), so
        that the lookup a list makes once per row builds no key."""
        try:
            value: T = self._cache[compute]
        except KeyError:
            value = self._cache[compute] = compute(self)
        return value

    def neighbours(self, kind: LinkKind, direction: Direction) -> Related:
        """Every node's ``kind`` links one way (``out``: it is the source), with the far ends
        (``relation``)."""
        return self.load(relation(kind, direction))

    def refs(self, attr: str, kind: NodeKind) -> dict[str, Any]:
        """Nodes named by id in attribute ``attr`` (a case's organization), by referrer."""
        return self.load(_refs(attr, kind))

    def facts(self, year: int) -> dict[str, dict[str, Any]]:
        """Yearly facts of every node of the group for ``year``."""
        return self.load(_facts(year))

    def related(self, nodes: Iterable[Node]) -> Group:
        """A new group (same date) of nodes reached from this one; filtered by scope."""
        return Group(self.loaders, self.as_of, self.loaders.visible(nodes, self.as_of))


class Related:
    """One relation loaded for a whole group: links by near end, far ends as one group."""

    __slots__ = ("_by_near", "_firsts", "far")

    def __init__(self, far: Group, by_near: dict[str, list[tuple[Link, str]]]) -> None:
        self.far = far
        self._by_near = by_near
        self._firsts: dict[str, Any] | None = None

    def nodes(self, near: str) -> list[Node]:
        """The far-end nodes of ``near``'s links (no objects made)."""
        far = self.far.nodes
        return [far[end] for _, end in self._by_near.get(near, ())]

    def objects(self, near: str) -> list[Any]:
        """The far-end objects of ``near``'s links."""
        return [self.far.obj(end) for _, end in self._by_near.get(near, ())]

    def first(self, near: str) -> Any:
        """The far-end object of ``near``'s oldest link, or ``None``: found for every near
        end at the first ask (a list asks it of every row: one lookup a row after that)."""
        firsts = self._firsts
        if firsts is None:
            obj = self.far.obj
            firsts = self._firsts = {n: obj(pairs[0][1]) for n, pairs in self._by_near.items()}
        return firsts.get(near)

    def pairs(self, near: str) -> list[Neighbour]:
        """``(link, far object)`` for every visible link of ``near``."""
        return [(link, self.far.obj(end)) for link, end in self._by_near.get(near, ())]


# The loads are made once per relation (``functools.cache``), not per call, and are their
# own keys in a group's cache (``Group.load``): a list asks its relations once per row, and
# the first ask of a group computes.
@functools.cache
def link_counts(kind: LinkKind) -> Callable[[Group], dict[str, int]]:
    """How many ``kind`` links reach each node of the group (one store call).

    Only for links whose far ends the actor sees whenever it sees the near end (the
    members of a visible organization): nothing is filtered.
    """
    return lambda g: g.store.count_links(kind, g.as_of, targets=g.ids)


@functools.cache
def relation(
    kind: LinkKind, direction: Direction, where: tuple[str, object] | None = None
) -> Callable[[Group], Related]:
    """Every node's ``kind`` links one way (``out``: it is the source), with the far ends;
    with ``where = (attr, value)``, only the links whose ``attr`` is ``value`` (the posts of
    one role), the far ends of the others not loaded at all.

    Two store calls for the whole group (the links, then the far nodes); far ends the
    actor may not see are left out with their links.
    """
    outward = direction == "out"
    ends = attrgetter("source", "target") if outward else attrgetter("target", "source")

    def compute(group: Group) -> Related:
        store, as_of, ids = group.store, group.as_of, group.ids
        if outward:
            links = store.links(kind, as_of, sources=ids)
        else:
            links = store.links(kind, as_of, targets=ids)
        if where is not None:
            attr, value = where
            links = [link for link in links if link.attrs.get(attr) == value]
        far_kind = LINK_ENDS[kind][1 if outward else 0]
        far_ids = sorted({link.target if outward else link.source for link in links})
        far = group.related(store.nodes(far_kind, as_of, ids=far_ids) if far_ids else [])
        seen = far.nodes
        every = len(seen) == len(far_ids)  # no far end left out: none to look up
        by_near: dict[str, list[tuple[Link, str]]] = defaultdict(list)
        for link in links:
            near, end = ends(link)
            if every or end in seen:
                by_near[near].append((link, end))
        for pairs in by_near.values():  # oldest first; most nodes have one link
            if len(pairs) > 1:
                pairs.sort(key=lambda pair: (pair[0].valid_from, pair[0].id))
        return Related(far, by_near)

    return compute


@functools.lru_cache(maxsize=64)  # the year is the caller's: a bounded number kept
def _facts(year: int) -> Callable[[Group], dict[str, dict[str, Any]]]:
    return lambda g: g.store.facts(g.ids, year)


@functools.cache
def _refs(attr: str, kind: NodeKind) -> Callable[[Group], dict[str, Any]]:
    def compute(group: Group) -> dict[str, Any]:
        wanted = {n.id: n.attrs.get(attr) for n in group.nodes.values() if n.attrs.get(attr)}
        if not wanted:
            return {}
        ids = sorted({str(v) for v in wanted.values()})
        found = group.related(group.store.nodes(kind, group.as_of, ids=ids))
        return {
            referrer: found.obj(str(target))
            for referrer, target in wanted.items()
            if str(target) in found.nodes
        }

    return compute
