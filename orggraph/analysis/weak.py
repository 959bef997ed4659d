"""Weak (and lax) grassroots organizations (软弱涣散基层党组织): named rules over facts.

A grassroots organization (level ``grassroots``) is weak at a date when it fails at least
one enabled rule of ``[weak.*]`` in ``rules.toml``:

========================  ==================  ==========================================
rule                      中文                 fails when
========================  ==================  ==========================================
``secretary_vacant``      书记长期缺职          no secretary for more than ``months`` months
``few_meetings``          组织生活不正常         ``meetings_held`` below ``min_meetings``
``few_members``           正式党员不足          full members below ``[organization]
                                              min_full_members`` (``org_kinds`` only)
``zero_income``           村集体经济空壳         ``collective_income`` ≤ ``max_income``
                                              (``sectors`` only)
``poor_assessment``       考核等次差            ``assessment_grade`` in ``grades``
``bottom_ranking``        考核排名靠后          in the lowest ``share`` of its group by
                                              ``fact``
========================  ==================  ==========================================

Which year's facts count at a date: **the last completed year** (``as_of.year - 1``): the
meetings, income and assessment of a year are only known once it is over; when that year
has no facts at all (asked past the data), the latest earlier year that has them
(``orggraph.analysis.dating``). A missing fact
fails no rule: no data is not evidence (missing data is a coverage gap, not weakness).

The ranking is computed over every grassroots organization of the city in the group (not
only those the caller sees), so a branch is weak or not whoever asks; only organizations
inside the scope are returned. docs/RULES.md documents every rule and threshold.

Whoever asks, the answer at a date is the same list cut to the scope: a store that
promises a state for its reads (``GraphStore.read_state``) has the whole tree judged once
for that state, date and rules, and kept; the weak-branch list, the pairing and the
branch ledger then cut it to their scopes (a province's judgement is a quarter of a
second). A write, or catching up with another process's, makes a new state and a new
judgement.
"""

from __future__ import annotations

__all__ = [
    "RULES",
    "Judgement",
    "RuleFailure",
    "WeakBranch",
    "WeakRules",
    "evaluate_branch",
    "facts_year",
    "full_members_below",
    "judge_branches",
    "weak_branches",
    "weak_rules",
]

import bisect
import calendar
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from itertools import groupby
from operator import attrgetter
from typing import Any

from orggraph.analysis.config import RulesConfig, load_rules
from orggraph.analysis.dating import latest_facts_year
from orggraph.analysis.kept import KeptByState
from orggraph.analysis.orgtree import OrgTree
from orggraph.errors import ConfigError, NotFound
from orggraph.model import (
    FACTS,
    AssessmentGrade,
    CaseState,
    Level,
    Link,
    LinkKind,
    MemberStatus,
    Node,
    NodeKind,
    OrgKind,
    Role,
    Sector,
    label,
)
from orggraph.store.base import GraphStore
from orggraph.store.masking import classify
from orggraph.store.scope import Scope

#: Every rule: code → (Chinese label, English label), in the order they are reported.
RULES: dict[str, tuple[str, str]] = {
    "secretary_vacant": ("书记长期缺职", "secretary vacant too long"),
    "few_meetings": ("组织生活不正常", "too few meetings held"),
    "few_members": ("正式党员不足", "too few full members"),
    "zero_income": ("村集体经济空壳", "collective income at zero"),
    "poor_assessment": ("考核等次差", "poor assessment grade"),
    "bottom_ranking": ("考核排名靠后", "bottom of the yearly ranking"),
}

_RANK_KEYS = ("city", "sector", "district")
_SECTORS = frozenset(s.value for s in Sector)
_TARGET = attrgetter("target")


@dataclass(frozen=True, kw_only=True, slots=True)
class WeakRules:
    """The ``[weak.*]`` rules, checked: which are enabled and their thresholds."""

    enabled: frozenset[str]
    vacancy_months: int
    min_meetings: int
    min_full_members: int
    member_org_kinds: frozenset[str]
    income_sectors: frozenset[str]
    max_income: float
    poor_grades: frozenset[str]
    ranking_fact: str
    ranking_share: float
    ranking_within: tuple[str, ...]
    ranking_min_ranked: int


@dataclass(frozen=True, kw_only=True, slots=True)
class RuleFailure:
    """One rule an organization fails, with the facts that failed it.

    ``facts`` holds the observed values and the thresholds they were held against;
    ``detail`` says the same in one Chinese sentence. Both are ``internal`` (yearly facts,
    members' statuses): ``None`` for a role that may not read them, named in ``masked``.
    """

    rule: str
    label: str
    detail: str | None
    facts: dict[str, Any] | None
    masked: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class WeakBranch:
    """A weak grassroots organization at a date, with every rule it fails."""

    organization: Node
    district: str | None  # the county-level organization above it
    facts_year: int
    failures: tuple[RuleFailure, ...]
    case_id: str | None  # its remediation case, if any (an open one first)
    case_state: CaseState | None  # internal, as the case node's state
    masked: tuple[str, ...] = ()

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(f.rule for f in self.failures)


# What the results expose (orggraph.store.masking): the facts behind a failure and the
# state of a case are internal, as the yearly facts and the case node's state are.
classify(RuleFailure, detail="internal", facts="internal")
classify(WeakBranch, case_state="internal")


def facts_year(as_of: date, store: GraphStore | None = None) -> int:
    """The year whose yearly facts count at ``as_of``: the last completed one, or (with
    ``store``) when it has no facts, the latest earlier year of ``store`` that has some.

    >>> facts_year(date(2019, 6, 30))
    2018
    """
    year = as_of.year - 1
    return year if store is None else latest_facts_year(store, year)


def weak_rules(config: RulesConfig | None = None) -> WeakRules:
    """The weak-branch rules of ``config`` (default: the shipped ``rules.toml``), checked.

    Raises ``ConfigError`` naming the key and the value when a value cannot be used.
    """
    config = config or load_rules()
    weak = config.section("weak")
    org = config.section("organization")

    def rule(name: str) -> dict[str, Any]:
        table = weak.get(name)
        if not isinstance(table, dict):
            raise ConfigError(f"rules ({config.source}): [weak.{name}] is missing")
        return table

    def value(name: str, key: str, table: Mapping[str, Any] | None = None) -> Any:
        source = rule(name) if table is None else table
        if key not in source:
            raise ConfigError(f"rules ({config.source}): [weak.{name}] has no key {key!r}")
        return source[key]

    def fail(where: str, raw: Any, expected: str) -> ConfigError:
        return ConfigError(f"rules ({config.source}): {where} = {raw!r}; expected {expected}")

    def members_of(name: str, key: str, allowed: Iterable[str]) -> frozenset[str]:
        raw = value(name, key)
        allowed = set(allowed)
        if not isinstance(raw, list) or not all(isinstance(v, str) and v in allowed for v in raw):
            raise fail(f"[weak.{name}] {key}", raw, "a list of " + ", ".join(sorted(allowed)))
        return frozenset(raw)

    def at_least(name: str, key: str, low: int, table: Mapping[str, Any] | None = None) -> int:
        raw = value(name, key, table)
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < low:
            where = f"[weak.{name}] {key}" if table is None else f"[{name}] {key}"
            raise fail(where, raw, f"a whole number ≥ {low}")
        return raw

    enabled = frozenset(name for name in RULES if value(name, "enabled") is True)
    share = value("bottom_ranking", "share")
    if not isinstance(share, int | float) or isinstance(share, bool) or not 0 < share <= 1:
        raise fail("[weak.bottom_ranking] share", share, "a number above 0 and at most 1")
    fact = value("bottom_ranking", "fact")
    spec = FACTS.get(fact) if isinstance(fact, str) else None
    if spec is None or spec.value_type not in ("int", "float"):
        numeric = sorted(k for k, s in FACTS.items() if s.value_type in ("int", "float"))
        raise fail("[weak.bottom_ranking] fact", fact, "a numeric fact: " + ", ".join(numeric))
    within = value("bottom_ranking", "within")
    if not isinstance(within, list) or not set(within) <= set(_RANK_KEYS):
        raise fail("[weak.bottom_ranking] within", within, 'a list of "city", "sector", "district"')
    income = value("zero_income", "max_income")
    if not isinstance(income, int | float) or isinstance(income, bool):
        raise fail("[weak.zero_income] max_income", income, "a number")
    return WeakRules(
        enabled=enabled,
        vacancy_months=at_least("secretary_vacant", "months", 0),
        min_meetings=at_least("few_meetings", "min_meetings", 0),
        min_full_members=at_least("organization", "min_full_members", 0, org),
        member_org_kinds=members_of("few_members", "org_kinds", (k.value for k in OrgKind)),
        income_sectors=members_of("zero_income", "sectors", (s.value for s in Sector)),
        max_income=float(income),
        poor_grades=members_of("poor_assessment", "grades", (g.value for g in AssessmentGrade)),
        ranking_fact=fact,
        ranking_share=float(share),
        ranking_within=tuple(k for k in _RANK_KEYS if k in within),
        ranking_min_ranked=at_least("bottom_ranking", "min_ranked", 1),
    )


def weak_branches(
    store: GraphStore, as_of: date, scope: Scope, *, rules: RulesConfig | None = None
) -> list[WeakBranch]:
    """Every weak grassroots organization in ``scope`` at ``as_of`` (软弱涣散基层党组织).

    Sorted by district, then organization id. Each carries the rules it fails with the
    facts that failed them, and its remediation case if one exists.

    Parameters
    ----------
    store : GraphStore
    as_of : date
        The date asked at; yearly facts of ``facts_year(as_of, store)`` count.
    scope : Scope
        Only organizations inside it are returned.
    rules : RulesConfig, optional
        Thresholds; the shipped defaults when left out.
    """
    return judge_branches(store, as_of, scope, rules=rules).branches


@dataclass(frozen=True, kw_only=True, slots=True)
class Judgement:
    """The weak branches at a date, with what judging them read: the tree, the facts
    year, and that year's facts of the grassroots organizations (every one of the tree
    when the bottom ranking is on, else those in scope; the pairing reads its
    candidates' grades there instead of asking the store again). Possibly kept and shared
    (``judge_branches``): read it, never change it."""

    branches: list[WeakBranch]
    tree: OrgTree
    year: int
    facts: dict[str, dict[str, Any]]


#: The whole tree's judgements kept, by store and (date, rules), for the store's
#: ``read_state`` when made (a page asks one date, a change two).
_JUDGED: KeptByState[tuple[date, WeakRules], Judgement] = KeptByState(most=4)


def judge_branches(
    store: GraphStore, as_of: date, scope: Scope, *, rules: RulesConfig | None = None
) -> Judgement:
    """``weak_branches``, with the tree and the facts it read (``Judgement``).

    On a store with a ``read_state``, the whole tree's judgement kept for the store's state
    (made, and kept if no write began or ended meanwhile, when there is none), cut to
    ``scope``: a branch's failures do not depend on who asks.
    """
    checked = weak_rules(rules)
    state = store.read_state()
    if state is None:
        return _judge(store, as_of, scope, checked)
    key = (as_of, checked)
    whole = _JUDGED.get(store, key, state)
    if whole is None:
        whole = _judge(store, as_of, Scope(), checked)
        _JUDGED.put(store, key, state, whole)
    view = scope.view(store, as_of)
    if view.organizations is None:
        return replace(whole, branches=list(whole.branches))
    facts = whole.facts
    if "bottom_ranking" not in checked.enabled:  # those in scope only, as when judged apart
        facts = {org_id: found for org_id, found in facts.items() if view.sees_org(org_id)}
    return replace(
        whole,
        branches=[w for w in whole.branches if view.sees_org(w.organization.id)],
        facts=facts,
    )


def _judge(store: GraphStore, as_of: date, scope: Scope, checked: WeakRules) -> Judgement:
    """The weak branches of ``scope``, judged from the store's reads."""
    view = scope.view(store, as_of)
    tree = OrgTree(store, as_of)
    year = facts_year(as_of, store)
    # ``attrs.get``, not ``get``: one call fewer for each of a province's 28,000.
    grassroots = [n for n in tree.orgs.values() if n.attrs.get("level") == Level.GRASSROOTS]
    targets = [node for node in grassroots if view.sees_org(node.id)]
    # One read of the year's facts for every rule, of the whole tree when the ranking
    # needs it (a province's 28,000 organizations cost some 0.1 s a read).
    names = ["meetings_held", "collective_income", "assessment_grade", checked.ranking_fact]
    read = grassroots if "bottom_ranking" in checked.enabled else targets
    facts = store.facts([node.id for node in read], year, names=names)
    failures = _evaluate(store, as_of, tree, targets, checked, year=year, facts=facts)
    cases = _cases_by_org(store, as_of, failures)
    out = [
        WeakBranch(
            organization=node,
            district=tree.district(node.id),
            facts_year=year,
            failures=tuple(failures[node.id]),
            case_id=cases[node.id][0] if node.id in cases else None,
            case_state=cases[node.id][1] if node.id in cases else None,
        )
        for node in targets
        if failures.get(node.id)
    ]
    out.sort(key=lambda w: (w.district or "", w.organization.id))
    return Judgement(branches=out, tree=tree, year=year, facts=facts)


def evaluate_branch(
    store: GraphStore,
    org_id: str,
    as_of: date,
    scope: Scope,
    *,
    rules: RulesConfig | None = None,
) -> tuple[RuleFailure, ...]:
    """The rules one organization fails at ``as_of`` (empty: not weak).

    Organizations above the grassroots level are not judged by these rules and get ``()``.
    Raises ``NotFound`` when ``org_id`` is no organization at ``as_of`` or is outside
    ``scope``.
    """
    checked = weak_rules(rules)
    node = store.node(org_id, as_of)
    if (
        node is None
        or node.kind is not NodeKind.ORGANIZATION
        or not scope.view(store, as_of).sees(node)
    ):
        raise NotFound(f"organization {org_id!r} does not exist on {as_of} or is out of scope")
    if node.get("level") != Level.GRASSROOTS:
        return ()
    tree = OrgTree(store, as_of)
    return tuple(_evaluate(store, as_of, tree, [node], checked).get(org_id, ()))


# -- the rules ------------------------------------------------------------------------------


def _evaluate(
    store: GraphStore,
    as_of: date,
    tree: OrgTree,
    targets: list[Node],
    rules: WeakRules,
    *,
    year: int | None = None,
    facts: dict[str, dict[str, Any]] | None = None,
) -> dict[str, list[RuleFailure]]:
    """The failures of each of ``targets``, every rule read with batched store calls
    (``facts``: the facts of ``year`` of the targets, and of every grassroots organization
    of the tree when the ranking is on; read here when left out)."""
    year = facts_year(as_of, store) if year is None else year
    ids = [n.id for n in targets]
    out: dict[str, list[RuleFailure]] = defaultdict(list)
    if not ids:
        return out
    on = rules.enabled
    if "secretary_vacant" in on:
        for org_id, failure in _vacancies(store, as_of, ids, rules.vacancy_months):
            out[org_id].append(failure)
    names = [
        name
        for name, rule in (
            ("meetings_held", "few_meetings"),
            ("collective_income", "zero_income"),
            ("assessment_grade", "poor_assessment"),
        )
        if rule in on
    ]
    ranking = facts  # the whole tree's, when given; the ranking reads its own otherwise
    if facts is None:
        facts = store.facts(ids, year, names=names) if names else {}
    if "few_meetings" in on:
        for org_id in ids:
            held = facts.get(org_id, {}).get("meetings_held")
            if isinstance(held, int | float) and held < rules.min_meetings:
                out[org_id].append(
                    _failure(
                        "few_meetings",
                        f"{year}年召开组织生活会议{held}次，少于{rules.min_meetings}次",
                        year=year,
                        meetings_held=held,
                        min_meetings=rules.min_meetings,
                    )
                )
    if "few_members" in on:
        kinds = rules.member_org_kinds
        counted = [n.id for n in targets if n.get("org_kind") in kinds]
        full = full_members_below(store, as_of, counted, rules.min_full_members)
        for org_id in counted:
            count = full.get(org_id, 0)
            if count < rules.min_full_members:
                out[org_id].append(
                    _failure(
                        "few_members",
                        f"正式党员{count}人，少于{rules.min_full_members}人",
                        full_members=count,
                        min_full_members=rules.min_full_members,
                    )
                )
    if "zero_income" in on:
        for node in targets:
            if node.get("sector") not in rules.income_sectors:
                continue
            income = facts.get(node.id, {}).get("collective_income")
            if isinstance(income, int | float) and income <= rules.max_income:
                out[node.id].append(
                    _failure(
                        "zero_income",
                        f"{year}年村集体经济收入{income:g}万元，未破零",
                        year=year,
                        collective_income=income,
                        max_income=rules.max_income,
                    )
                )
    if "poor_assessment" in on:
        for org_id in ids:
            grade = facts.get(org_id, {}).get("assessment_grade")
            if grade in rules.poor_grades:
                out[org_id].append(
                    _failure(
                        "poor_assessment",
                        f"{year}年考核等次为“{_grade_label(grade)}”",
                        year=year,
                        assessment_grade=grade,
                    )
                )
    if "bottom_ranking" in on:
        for org_id, failure in _bottom_ranking(store, tree, set(ids), year, rules, ranking):
            out[org_id].append(failure)
    return out


def _failure(rule: str, detail: str, **facts: Any) -> RuleFailure:
    return RuleFailure(rule=rule, label=RULES[rule][0], detail=detail, facts=facts)


def _grade_label(grade: str) -> str:
    try:
        return label(AssessmentGrade(grade))
    except ValueError:
        return grade


def _add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _whole_months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if _add_months(start, months) > end else months


def _vacancies(
    store: GraphStore, as_of: date, ids: list[str], months: int
) -> list[tuple[str, RuleFailure]]:
    posts = store.links(LinkKind.HOLDS_POST, as_of, targets=ids)
    held = {link.target for link in posts if link.attrs.get("role") == Role.SECRETARY}
    vacant = [org_id for org_id in ids if org_id not in held]
    if not vacant:
        return []
    wanted = set(vacant)
    last_end: dict[str, date] = {}
    for link in store.incoming_versions(LinkKind.HOLDS_POST, vacant):
        if (
            link.kind is LinkKind.HOLDS_POST
            and link.target in wanted
            and link.get("role") == Role.SECRETARY
            and link.valid_to is not None
            and link.valid_to <= as_of
        ):
            last_end[link.target] = max(link.valid_to, last_end.get(link.target, link.valid_to))
    founded = _founding(store.node_versions(vacant), as_of)
    out: list[tuple[str, RuleFailure]] = []
    for org_id in vacant:
        start = founded.get(org_id, as_of)
        ended = last_end.get(org_id)
        since = max(start, ended) if ended is not None else start
        if as_of > _add_months(since, months):
            whole = _whole_months(since, as_of)
            why = "上任书记离任" if ended is not None and ended >= start else "成立"
            out.append(
                (
                    org_id,
                    _failure(
                        "secretary_vacant",
                        f"自{since.isoformat()}{why}起书记空缺{whole}个月，超过{months}个月",
                        vacant_since=since,
                        months_vacant=whole,
                        max_months=months,
                    ),
                )
            )
    return out


def _founding(versions: Mapping[str, list[Node]], as_of: date) -> dict[str, date]:
    """When the unbroken run of versions valid at ``as_of`` began, per organization."""
    out: dict[str, date] = {}
    for org_id, history in versions.items():
        start: date | None = None
        previous_end: date | None = None
        for version in sorted(history, key=lambda v: v.valid_from):
            if version.valid_from > as_of:
                break
            if start is None or version.valid_from != previous_end:
                start = version.valid_from  # a first version, or one after a gap
            previous_end = version.valid_to
        if start is not None:
            out[org_id] = start
    return out


def full_members_below(
    store: GraphStore, as_of: date, org_ids: list[str], need: int
) -> dict[str, int]:
    """Full members of each organization, counted up to ``need`` (enough to judge a rule
    "fewer than ``need``"; the weak branches' and the coverage gaps' alike).

    Statuses are read in rounds, ``need`` minus the count so far per organization each
    round, so a city's branches cost a few thousand member reads,
    not a hundred thousand; an organization that ends under ``need`` had every member read,
    so its count is exact.
    """
    if not org_ids or need <= 0:
        return {}
    if store.counts_links_natively:  # one query (Neo4j): exact counts, no member read
        where = {"status": MemberStatus.FULL.value}
        return store.count_links_from(LinkKind.MEMBER_OF, as_of, targets=org_ids, where=where)
    # A city's memberships (a million at ×10) are grouped by organization in C
    # (``groupby``): a store lists each one's links together, and a Python step per
    # membership would cost more than all the rest of the rules.
    queue: dict[str, list[Link]] = {}
    for org_id, group in groupby(store.links(LinkKind.MEMBER_OF, as_of, targets=org_ids), _TARGET):
        found = queue.get(org_id)
        if found is None:
            queue[org_id] = list(group)
        else:  # the same organization again: a store that does not group them
            found.extend(group)
    counts: dict[str, int] = defaultdict(int)
    read: dict[str, int] = defaultdict(int)
    pending = [org_id for org_id in org_ids if queue.get(org_id)]
    full = MemberStatus.FULL.value
    while pending:
        asked: dict[str, list[str]] = {}
        for org_id in pending:
            start = read[org_id]
            links = queue[org_id][start : start + need - counts[org_id]]
            asked[org_id] = [link.source for link in links]
            read[org_id] = start + len(asked[org_id])
        ids = {m for batch in asked.values() for m in batch}
        statuses = store.nodes(NodeKind.MEMBER, as_of, ids=ids)
        fulls = {m.id for m in statuses if m.attrs.get("status") == full}
        for org_id, batch in asked.items():
            counts[org_id] += sum(1 for m in batch if m in fulls)
        pending = [o for o in pending if counts[o] < need and read[o] < len(queue[o])]
    return counts


def _bottom_ranking(
    store: GraphStore,
    tree: OrgTree,
    wanted: set[str],
    year: int,
    rules: WeakRules,
    facts: dict[str, dict[str, Any]] | None = None,
) -> list[tuple[str, RuleFailure]]:
    """Organizations of ``wanted`` in the lowest share of their group, by the ranking fact.

    The group is every grassroots organization of the tree with the same ``within`` keys;
    ``k = ceil(share × n)`` are taken, and every organization tied with the ``k``-th.
    ``facts``: the year's facts of every grassroots organization, when already read.
    """
    fact = rules.ranking_fact
    grassroots = [o for o, n in tree.orgs.items() if n.attrs.get("level") == Level.GRASSROOTS]
    scores = facts if facts is not None else store.facts(grassroots, year, names=[fact])
    groups: dict[tuple[str, ...], list[tuple[float, str]]] = defaultdict(list)
    within = rules.ranking_within
    # A grassroots organization is in the city and district of its parent: worked out
    # once a parent, not once an organization (24,000 of them at x10).
    places: dict[str | None, tuple[str, ...]] = {}
    by_sector = "sector" in within
    orgs, parents = tree.orgs, tree.parent
    for org_id in grassroots:
        found = scores.get(org_id)
        score = None if found is None else found.get(fact)
        if isinstance(score, int | float) and not isinstance(score, bool):
            up = parents.get(org_id)
            place = places.get(up) if up is not None and up != org_id else None
            if place is None:
                place = _group_key(tree, org_id, [k for k in within if k != "sector"])
                if up is not None and up != org_id:
                    places[up] = place
            if by_sector:
                place = (*place, str(orgs[org_id].attrs.get("sector") or ""))
            groups[place].append((float(score), org_id))
    out: list[tuple[str, RuleFailure]] = []
    for key, entries in groups.items():
        n = len(entries)
        if n < rules.ranking_min_ranked or not wanted.intersection(o for _, o in entries):
            continue
        entries.sort()
        scores_sorted = [score for score, _ in entries]
        # round() first: 0.1 × 30 is 3.0000000000000004 in floating point, not above 3.
        k = max(1, math.ceil(round(rules.ranking_share * n, 9)))
        cutoff = entries[k - 1][0]
        group = _group_label(tree, key, rules.ranking_within)
        for score, org_id in entries:
            if score > cutoff:
                break
            if org_id in wanted:
                rank = 1 + bisect.bisect_left(scores_sorted, score)
                out.append(
                    (
                        org_id,
                        _failure(
                            "bottom_ranking",
                            f"{year}年{FACTS[fact].label_zh}{score:g}，在{group}{n}个组织中"
                            f"倒数第{rank}位（倒排{rules.ranking_share:.0%}的分数线{cutoff:g}）",
                            year=year,
                            fact=fact,
                            value=score,
                            rank_from_bottom=rank,
                            ranked=n,
                            cutoff=cutoff,
                            share=rules.ranking_share,
                            group=list(key),
                        ),
                    )
                )
    return out


def _group_label(tree: OrgTree, key: tuple[str, ...], within: Collection[str]) -> str:
    parts: list[str] = []
    values = iter(key)
    if "city" in within:
        city = next(values)
        parts.append(tree.orgs[city].name if city in tree.orgs else "省直")
    if "district" in within:
        district = next(values)
        parts.append(tree.orgs[district].name if district in tree.orgs else "市直")
    if "sector" in within:
        sector = next(values)
        parts.append(label(Sector(sector)) + "领域" if sector in _SECTORS else "其他领域")
    return "".join(parts) or "全市"


def _group_key(tree: OrgTree, org_id: str, within: Collection[str]) -> tuple[str, ...]:
    node = tree.orgs[org_id]
    key: list[str] = []
    if "city" in within:  # a province ranks each city's organizations apart
        key.append(tree.area(org_id, Level.CITY) or "")
    if "district" in within:
        key.append(tree.district(org_id) or "")
    if "sector" in within:
        key.append(str(node.get("sector") or ""))
    return tuple(key)


def _cases_by_org(
    store: GraphStore, as_of: date, orgs: Collection[str]
) -> dict[str, tuple[str, CaseState]]:
    """The remediation case of each organization: an open one, else the latest."""
    best: dict[str, tuple[bool, date, str, CaseState]] = {}
    for case in store.nodes(NodeKind.CASE, as_of):
        org_id = case.get("organization")
        if org_id not in orgs:
            continue
        try:
            state = CaseState(case.get("state"))
        except ValueError:
            continue
        rank = (state is not CaseState.CONVERTED, case.valid_from, case.id, state)
        if org_id not in best or rank[:3] > best[org_id][:3]:
            best[org_id] = rank
    return {org: (r[2], r[3]) for org, r in best.items()}
