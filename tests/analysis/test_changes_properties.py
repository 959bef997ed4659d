"""``changes(a, b)`` is the set of version boundaries inside ``(a, b]`` (hypothesis).

Each example writes a random dated history under its own id prefix into the same store:
organizations under a root that lives forever, each with runs of back-to-back versions
(renamed on each) separated by gaps, with a parent link per run; members that live
forever, some with an edited version; memberships, secretary posts and contact links
inside both ends' lives, some split into back-to-back versions (a run, not two). The
oracle is plain Python over the generated records: a run's first day is a beginning, the
day after its last an end, a version starting as another ends a change.
"""

from __future__ import annotations

import itertools
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orggraph.analysis.changes import LinkEvent, PostEvent, changes_between
from orggraph.model import Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, member, org

D0 = date(2010, 1, 1)
SPAN = 2000
_prefixes = itertools.count()
Span = tuple[int, int | None]


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


def _d(offset: int | None) -> date | None:
    return None if offset is None else day(offset)


@dataclass
class History:
    prefix: str
    nodes: list[Node] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


@st.composite
def pieces(draw: st.DrawFn, start: int, end: int | None) -> list[Span]:
    """``[start, end)`` cut into 1 to 3 back-to-back versions."""
    stop = end if end is not None else SPAN + 200
    cuts: list[int] = []
    if stop - start >= 2:
        cuts = sorted(set(draw(st.lists(st.integers(start + 1, stop - 1), max_size=2))))
    bounds: list[int | None] = [start, *cuts, end]
    return [(int(bounds[i] or 0), bounds[i + 1]) for i in range(len(bounds) - 1)]


@st.composite
def sub_span(draw: st.DrawFn, start: int, end: int | None) -> Span:
    """A stretch inside ``[start, end)``."""
    stop = end if end is not None else SPAN + 100
    a = draw(st.integers(start, stop - 1))
    b = draw(st.none() | st.integers(a + 1, stop)) if end is None else draw(st.integers(a + 1, end))
    return a, b


@st.composite
def histories(draw: st.DrawFn) -> History:
    p = f"h{next(_prefixes)}"
    h = History(prefix=p)
    h.nodes.append(org(f"{p}root", "市委", "city", start=D0))
    runs: dict[str, list[Span]] = {}
    for i in range(draw(st.integers(1, 3))):
        oid, cursor, spans = f"{p}o{i}", draw(st.integers(0, 600)), []
        for _ in range(draw(st.integers(1, 2))):
            end = draw(st.none() | st.integers(cursor + 1, cursor + 900))
            for n, (a, b) in enumerate(draw(pieces(cursor, end))):
                name = f"支部{n}"
                h.nodes.append(org(oid, name, "grassroots", "branch", start=day(a), end=_d(b)))
            parent = link(LinkKind.SUBORDINATE_TO, oid, f"{p}root", start=day(cursor), end=_d(end))
            h.links.append(parent)
            spans.append((cursor, end))
            if end is None:
                break
            cursor = end + draw(st.integers(1, 300))
        runs[oid] = spans
    for j in range(draw(st.integers(1, 3))):
        mid = f"{p}m{j}"
        edit = draw(st.none() | st.integers(1, SPAN))
        if edit is None:
            h.nodes.append(member(mid, "党员", start=D0))
        else:
            h.nodes.append(member(mid, "党员", start=D0, end=day(edit)))
            h.nodes.append(member(mid, "党员", start=day(edit), education="postgraduate"))
        for kind in (LinkKind.MEMBER_OF, LinkKind.HOLDS_POST, LinkKind.CONTACTS):
            if not draw(st.booleans()):
                continue
            oid = draw(st.sampled_from(sorted(runs)))
            run_start, run_end = draw(st.sampled_from(runs[oid]))
            a, b = draw(sub_span(run_start, run_end))
            extra = {"role": "secretary"} if kind is LinkKind.HOLDS_POST else {}
            for x, y in draw(pieces(a, b)):
                h.links.append(link(kind, mid, oid, start=day(x), end=_d(y), **extra))
    return h


def oracle(
    versions: list[Node] | list[Link], since: date, until: date
) -> set[tuple[str, date, str]]:
    """Run boundaries inside ``(since, until]``: (id, day, began/changed/ended)."""
    out: set[tuple[str, date, str]] = set()
    by_id: dict[str, list[Node | Link]] = {}
    for v in versions:
        by_id.setdefault(v.id, []).append(v)
    for key, vs in by_id.items():
        starts = {v.valid_from for v in vs}
        ends = {v.valid_to for v in vs if v.valid_to is not None}
        for v in vs:
            if since < v.valid_from <= until:
                out.add((key, v.valid_from, "changed" if v.valid_from in ends else "began"))
            end = v.valid_to
            if end is not None and since < end <= until and end not in starts:
                out.add((key, end, "ended"))
    return out


PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(h=histories(), a=st.integers(-10, SPAN), length=st.integers(0, SPAN))
def test_changes_are_the_version_boundaries_inside_the_window(
    store: GraphStore, h: History, a: int, length: int
) -> None:
    store.write(WriteBatch(nodes=tuple(h.nodes), links=tuple(h.links)))
    since, until = day(a), day(a + length)
    mine = h.prefix

    # The store's read: every version with a date inside, nothing else.
    window = store.versions_between(since, until)

    def inside(v: Node | Link) -> bool:
        return any(d is not None and since < d <= until for d in (v.valid_from, v.valid_to))

    def key(v: Node | Link) -> tuple[str, date]:
        return (v.id, v.valid_from)

    got_nodes = {key(v) for v in window.nodes if v.id.startswith(mine)}
    got_links = {key(x) for x in window.links if x.source.startswith(mine)}
    assert got_nodes == {key(v) for v in h.nodes if inside(v)}
    assert got_links == {key(x) for x in h.links if inside(x)}

    report = changes_between(store, since, until, Scope())
    orgs = [v for v in h.nodes if v.kind is NodeKind.ORGANIZATION]
    org_events = oracle(orgs, since, until)
    founded = {(e.organization, e.date) for e in report.founded if e.organization.startswith(mine)}
    dissolved = {
        (e.organization, e.date) for e in report.dissolved if e.organization.startswith(mine)
    }
    assert founded == {(i, d) for i, d, what in org_events if what == "began"}
    assert dissolved == {(i, d) for i, d, what in org_events if what == "ended"}
    assert not [m for m in report.moved if m.organization.startswith(mine)]  # never moved

    ends = {x.id: (x.source, x.target) for x in h.links}

    def expected(kind: LinkKind, what: str) -> set[tuple[str, str, date]]:
        found = oracle([x for x in h.links if x.kind is kind], since, until)
        return {(*ends[i], d) for i, d, w in found if w == what}

    def reported(events: Iterable[PostEvent | LinkEvent]) -> set[tuple[str, str, date]]:
        out = set()
        for e in events:
            pair = (
                (e.person.id, e.organization) if isinstance(e, PostEvent) else (e.source, e.target)
            )
            if str(pair[0]).startswith(mine):
                out.add((str(pair[0]), str(pair[1]), e.date))
        return out

    assert reported(report.posts_filled) == expected(LinkKind.HOLDS_POST, "began")
    assert reported(report.posts_vacated) == expected(LinkKind.HOLDS_POST, "ended")
    assert reported(report.links_made) == expected(LinkKind.CONTACTS, "began")
    assert reported(report.links_ended) == expected(LinkKind.CONTACTS, "ended")

    # Scoped to this example's root (whose subtree holds everything it wrote, at every
    # date), the report lists the same events, and nothing of the other examples.
    scoped = changes_between(store, since, until, Scope(roots=frozenset({f"{mine}root"})))
    assert {(e.organization, e.date) for e in scoped.founded} == founded
    assert {(e.organization, e.date) for e in scoped.dissolved} == dissolved
    assert reported(scoped.posts_filled) == expected(LinkKind.HOLDS_POST, "began")
    assert reported(scoped.posts_vacated) == expected(LinkKind.HOLDS_POST, "ended")
    # A contact leader with no membership or post in the scope that day is not shown.
    for events, what in ((scoped.links_made, "began"), (scoped.links_ended, "ended")):
        shown = {(e.target, e.date) for e in events if str(e.target).startswith(mine)}
        assert shown == {(t, d) for _, t, d in expected(LinkKind.CONTACTS, what)}
    own = [x for x in h.links if x.kind is LinkKind.MEMBER_OF]
    tally = Counter(what for _, _, what in oracle(own, since, until))
    counted = {c.kind: (c.made, c.ended) for c in scoped.links}
    assert counted[LinkKind.MEMBER_OF] == (tally["began"], tally["ended"])

    # Counts cover every example written to this store so far: compare against all of them.
    written_nodes, written_links = _WRITTEN.setdefault(store, ([], []))
    written_nodes += h.nodes
    written_links += h.links
    counts = {c.kind: (c.made, c.ended) for c in report.links}
    member_of = [x for x in written_links if x.kind is LinkKind.MEMBER_OF]
    tally = Counter(what for _, _, what in oracle(member_of, since, until))
    assert counts[LinkKind.MEMBER_OF] == (tally["began"], tally["ended"])
    nodes = {c.kind: (c.began, c.changed, c.ended) for c in report.nodes}
    for kind in (NodeKind.ORGANIZATION, NodeKind.MEMBER):
        of_kind = [v for v in written_nodes if v.kind is kind]
        tally = Counter(what for _, _, what in oracle(of_kind, since, until))
        assert nodes.get(kind, (0, 0, 0)) == (tally["began"], tally["changed"], tally["ended"])


#: What each store of a test was given, over its examples.
_WRITTEN: weakref.WeakKeyDictionary[GraphStore, tuple[list[Node], list[Link]]] = (
    weakref.WeakKeyDictionary()
)
