"""Who answers for what (书记抓、抓书记): the duties the graph assigns to each secretary.

The responsibility list (年度抓党建责任清单) and the coverage report both ask the same
question of a gap or a term election due: which secretary closes it, and which ones above
oversee it. The rule, once:

- the **nearest serving secretary** up the hierarchy from the item's organization answers
  for it directly (``nearest_secretary``): a vacant post is skipped, and a secretary hidden
  from the caller's scope never answers (the list is the caller's);
- every **other** secretary further up oversees it (督导): one count per kind of item, in
  the order the items come (``assign_duties``);
- the items are the coverage gaps (``coverage_gaps``) and the village/community terms that
  end between the date and the year's end (``terms_due``), each with its chain of owners
  (``duty_items``);
- one person's items are those over the subtrees they are secretary of (``person_scope``).

Example, on ``tests/exports/graphs.py``'s small city at 2019-06-30: 某村党支部 (b2) has no
secretary, so its gaps go to 王三 (m3, secretary of 东关街道党工委 above it); 李二 and 张一
further up each get one oversight count per kind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from orggraph.analysis.chain import Responsibilities
from orggraph.analysis.chainindex import ChainIndex, Owner
from orggraph.analysis.gaps import Gap, coverage_gaps
from orggraph.model import Node, NodeKind
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

__all__ = [
    "TERM_DUE",
    "Assignment",
    "DutyItem",
    "assign_duties",
    "duty_items",
    "nearest_secretary",
    "person_scope",
    "terms_due",
]

#: The kind of a term-election item (gaps use their ``GapKind`` value).
TERM_DUE = "term_due"


@dataclass(frozen=True, kw_only=True, slots=True)
class DutyItem:
    """Something a chain of secretaries answers for: a coverage gap or a term due.

    ``kind`` is the gap kind's value or ``TERM_DUE``; ``subject`` and ``name`` the node it
    is about; ``owners`` the secretaries up the hierarchy, nearest first; ``gap`` the gap
    itself (``None`` for a term due); ``deadline`` the term's end.
    """

    kind: str
    subject: str
    name: str
    owners: tuple[Owner, ...]
    gap: Gap | None = None
    deadline: date | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Assignment:
    """Items split among secretaries: ``direct[person]`` the items a person answers for
    themselves; ``oversight[person]`` how many items of each kind they oversee below."""

    direct: dict[str, list[DutyItem]] = field(default_factory=dict)
    oversight: dict[str, Counter[str]] = field(default_factory=dict)


def nearest_secretary(owners: Iterable[Owner]) -> Owner | None:
    """The owner who answers for an item: the nearest with a serving, visible secretary.

    >>> from orggraph.analysis.chainindex import HIDDEN, Person
    >>> vacant = Owner(organization="b2", name="某村党支部", secretary=None, hidden=False)
    >>> shown = Owner(
    ...     organization="630102001", name="东关街道党工委",
    ...     secretary=Person(id="m3", name="王三"), hidden=False,
    ... )
    >>> hidden = Owner(organization="630100", name="西宁市委", secretary=HIDDEN, hidden=True)
    >>> nearest_secretary([vacant, shown]).organization, nearest_secretary([vacant, hidden])
    ('630102001', None)
    """
    for owner in owners:
        person = owner.secretary
        if person is not None and not owner.hidden and person.id is not None:
            return owner
    return None


def _answering(owners: Iterable[Owner]) -> list[str]:
    """The visible serving secretaries' ids, nearest first, each once."""
    ids = [
        o.secretary.id
        for o in owners
        if o.secretary is not None and not o.hidden and o.secretary.id is not None
    ]
    return list(dict.fromkeys(ids))


def assign_duties(items: Iterable[DutyItem]) -> Assignment:
    """Each item to its nearest serving secretary; one oversight count per kind above.

    A person who is secretary at two levels of the same chain answers directly and does
    not oversee their own item. Items with no visible serving secretary are nobody's here
    (the caller sees no one who could close them).
    """
    out = Assignment()
    for item in items:
        ids = _answering(item.owners)
        if not ids:
            continue
        out.direct.setdefault(ids[0], []).append(item)
        for above in ids[1:]:
            out.oversight.setdefault(above, Counter())[item.kind] += 1
    return out


def person_scope(resp: Responsibilities, scope: Scope) -> Scope | None:
    """The scope one person's items are read over: the subtrees they are secretary of,
    within ``scope`` 's sectors; ``None`` when they are secretary of nothing."""
    roots = frozenset(p.organization for p in resp.secretary_of)
    return Scope(roots=roots, sectors=scope.sectors) if roots else None


def terms_due(store: GraphStore, as_of: date, year: int, scope: Scope) -> list[Node]:
    """Organizations in ``scope`` whose term (``term_ends``) ends from ``as_of`` to the end
    of ``year``, by id: the elections (换届) a secretary must hold this year."""
    end = date(year, 12, 31)
    view = scope.view(store, as_of)
    ids = None if view.organizations is None else sorted(view.organizations)
    due = []
    for org in store.nodes(NodeKind.ORGANIZATION, as_of, ids=ids):
        ends = org.get("term_ends")
        if isinstance(ends, date) and as_of <= ends <= end:
            due.append(org)
    return sorted(due, key=lambda o: o.id)


def duty_items(store: GraphStore, as_of: date, year: int, scope: Scope) -> list[DutyItem]:
    """The gaps, then the terms due this year, in ``scope``, each with its owners."""
    items = [
        DutyItem(
            kind=gap.kind.value, subject=gap.subject, name=gap.name, owners=gap.owners, gap=gap
        )
        for gap in coverage_gaps(store, as_of, scope)
    ]
    due = terms_due(store, as_of, year, scope)
    if due:
        index = ChainIndex(store, as_of, scope.view(store, as_of))
        index.load(o.id for o in due)
        items += [
            DutyItem(
                kind=TERM_DUE,
                subject=org.id,
                name=org.name,
                owners=index.owners(org.id),
                deadline=org.get("term_ends"),
            )
            for org in due
        ]
    return items
