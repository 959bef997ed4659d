"""Pairing suggestions (结对共建, 支部联点): a partner and a contact leader for weak branches.

Two assignment problems, solved the same way:

- **partners** (``paired_with``, strong → weak) for weak branches without one: candidates
  are grassroots organizations in scope that are not weak, were graded one of
  ``[pairing.partner] grades`` in the last completed year, are of the weak branch's sector
  (``same_sector``) and at most ``max_distance`` edges away in the tree (via the lowest
  common ancestor); each holds at most ``capacity`` pairings.
- **contact leaders** (``contacts``, leader → weak) for weak branches without one:
  candidates are members with ``is_leader`` in scope, belonging to an organization, whose
  working group covers the branch's area (``leads`` + ``covers``, with the cover's sector
  when it names one) or whose organization is in the branch's district; each holds at most
  ``[leaders] max_contacts`` contact links.

The cost of a pair is a sum of weighted terms (weights in ``rules.toml``; docs/RULES.md):

=============  =========================================================  ===========
term           value                                                      used by
=============  =========================================================  ===========
``distance``   tree edges between the two, via the lowest common ancestor  both
``grade``      position of the partner's grade in ``grades`` (0 = first)  partners
``area``       0: the leader's working group covers the area; 1: district leaders
``load``       pairings the candidate holds before this one               both
=============  =========================================================  ===========

The assignment pairs as many weak branches as possible, then minimises the total cost.
It is solved with ``scipy.optimize.linear_sum_assignment`` (``orggraph.analysis.assignment``):
each candidate is a column per free slot (slot ``k`` costs the ``load`` of ``held + k``, so
loads spread), plus one "unpaired" column per weak branch at a cost above any set of real
pairs. Ties between assignments of equal cost go to the earlier weak branch (by id) taking
the earlier candidate (by id); the same graph always gives the same suggestions.
Independent parts (connected components of allowed pairs) are solved separately.

Applying a suggestion (``apply_suggestion``) is a separate, validated write.
"""

from __future__ import annotations

__all__ = [
    "AssignmentProblem",
    "CostTerm",
    "PairingPlan",
    "Suggestion",
    "Unmatched",
    "apply_suggestion",
    "pairing_problems",
    "pairing_suggestions",
    "solve_assignment",
]

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from orggraph.analysis.assignment import AssignmentProblem, CostTerm, solve_assignment
from orggraph.analysis.config import RulesConfig, load_rules
from orggraph.analysis.orgtree import OrgTree
from orggraph.analysis.weak import facts_year, weak_branches
from orggraph.errors import ConfigError, NotFound, Problem, ValidationFailed
from orggraph.model import AssessmentGrade, Level, Link, LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore, WriteResult
from orggraph.store.scope import Scope, ScopeView

_TERM_LABELS = {
    "distance": "组织树距离",
    "grade": "考核等次",
    "area": "包联片区",
    "load": "已承担数",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Suggestion:
    """Pair ``candidate`` with the weak branch ``weak`` by a ``kind`` link, and why."""

    kind: LinkKind  # paired_with (candidate: an organization) or contacts (a leader)
    weak: str
    weak_name: str
    district: str | None
    candidate: str
    candidate_name: str
    cost: float
    terms: tuple[CostTerm, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Unmatched:
    """A weak branch left without a suggestion of ``kind``, and why."""

    kind: LinkKind
    weak: str
    weak_name: str
    district: str | None
    reason: str  # no_candidate | capacity_full | outmatched
    detail: str


@dataclass(frozen=True, kw_only=True, slots=True)
class PairingPlan:
    """The suggestions at a date, the weak branches left unmatched, and the total cost."""

    as_of: date
    suggestions: tuple[Suggestion, ...]
    unmatched: tuple[Unmatched, ...]
    total_cost: float


# -- the public questions -------------------------------------------------------------------


def pairing_suggestions(
    store: GraphStore,
    as_of: date,
    scope: Scope,
    *,
    rules: RulesConfig | None = None,
    kinds: Collection[LinkKind] | None = None,
) -> PairingPlan:
    """Suggested partners and contact leaders for the weak branches in ``scope``.

    Parameters
    ----------
    store : GraphStore
    as_of : date
        The date asked at: weakness, links and capacities as they stand then.
    scope : Scope
        Weak branches and candidates are both taken from inside it.
    rules : RulesConfig, optional
        Weights and capacities; the shipped defaults when left out.
    kinds : collection of LinkKind, optional
        ``paired_with`` and/or ``contacts``; both (when enabled in the rules) by default.
    """
    prepared = _prepare(store, as_of, scope, rules, kinds)
    suggestions: list[Suggestion] = []
    unmatched = list(prepared.unmatched)
    for problem in prepared.problems:
        chosen = solve_assignment(problem)
        by_candidate: dict[int, list[int]] = defaultdict(list)
        for i, j, _ in chosen:
            by_candidate[j].append(i)
        paired: set[int] = set()
        for j, rows in by_candidate.items():
            # Slots are interchangeable in the total; give the lower loads to rows in id order.
            for slot, i in enumerate(sorted(rows)):
                paired.add(i)
                load = problem.held[j] + slot
                terms = (
                    *problem.edges[(i, j)],
                    _term("load", load, problem.load_weight),
                )
                suggestions.append(
                    Suggestion(
                        kind=problem.kind,
                        weak=problem.rows[i],
                        weak_name=prepared.names[problem.rows[i]],
                        district=prepared.tree.district(problem.rows[i]),
                        candidate=problem.candidates[j],
                        candidate_name=prepared.names[problem.candidates[j]],
                        cost=round(sum(t.cost for t in terms), 3),
                        terms=terms,
                    )
                )
        for i, row in enumerate(problem.rows):
            if i not in paired:
                unmatched.append(
                    _unmatched(
                        prepared, problem.kind, row, "outmatched", "符合条件的候选已分配给其他组织"
                    )
                )
    suggestions.sort(key=lambda s: (s.kind.value, s.district or "", s.weak))
    unmatched.sort(key=lambda u: (u.kind.value, u.district or "", u.weak))
    return PairingPlan(
        as_of=as_of,
        suggestions=tuple(suggestions),
        unmatched=tuple(unmatched),
        total_cost=round(sum(s.cost for s in suggestions), 3),
    )


def pairing_problems(
    store: GraphStore,
    as_of: date,
    scope: Scope,
    *,
    rules: RulesConfig | None = None,
    kinds: Collection[LinkKind] | None = None,
) -> list[AssignmentProblem]:
    """The independent assignment problems behind ``pairing_suggestions`` (for benchmarks)."""
    return list(_prepare(store, as_of, scope, rules, kinds).problems)


def apply_suggestion(
    store: GraphStore,
    suggestion: Suggestion,
    on: date,
    actor: str,
    *,
    scope: Scope | None = None,
    rules: RulesConfig | None = None,
) -> WriteResult:
    """Write the link of ``suggestion`` from ``on``, after checking it still holds.

    Refused with ``ValidationFailed`` (nothing written) when the weak branch already has a
    link of that kind on ``on``, the candidate is at capacity, or a contact is not a
    leader; ``NotFound`` when either end does not exist on ``on`` or is outside ``scope``.
    """
    config = rules or load_rules()
    view = (scope or Scope()).view(store, on)
    kind = suggestion.kind
    if kind not in (LinkKind.PAIRED_WITH, LinkKind.CONTACTS):
        raise ValidationFailed(
            [
                Problem(
                    rule="pairing-kind", value=str(kind), message="expected paired_with or contacts"
                )
            ]
        )
    want = NodeKind.ORGANIZATION if kind is LinkKind.PAIRED_WITH else NodeKind.MEMBER
    for node_id, node_kind in (
        (suggestion.weak, NodeKind.ORGANIZATION),
        (suggestion.candidate, want),
    ):
        node = store.node(node_id, on)
        if node is None or node.kind is not node_kind or not view.sees(node):
            raise NotFound(
                f"{node_kind.value} {node_id!r} does not exist on {on} or is out of scope"
            )
        if (
            node_id == suggestion.candidate
            and kind is LinkKind.CONTACTS
            and not node.get("is_leader")
        ):
            raise ValidationFailed(
                [
                    Problem(
                        rule="pairing-leader", value=node_id, message=f"{node_id!r} is not a leader"
                    )
                ]
            )
    problems: list[Problem] = []
    existing = store.links(kind, on, targets=[suggestion.weak])
    if existing:
        problems.append(
            Problem(
                rule="pairing-exists",
                value=suggestion.weak,
                message=f"{suggestion.weak!r} already has a {kind.value} link on {on} "
                f"(from {', '.join(sorted(x.source for x in existing))})",
            )
        )
    capacity = _capacity(config, kind)
    held = len(store.links(kind, on, sources=[suggestion.candidate]))
    if held >= capacity:
        problems.append(
            Problem(
                rule="pairing-capacity",
                value=suggestion.candidate,
                message=f"{suggestion.candidate!r} already holds {held} {kind.value} links; "
                f"capacity {capacity}",
            )
        )
    if problems:
        raise ValidationFailed(problems)
    link = Link(kind=kind, source=suggestion.candidate, target=suggestion.weak, valid_from=on)
    return store.write(WriteBatch(links=(link,), effective=on), actor=actor)


# -- building the problems ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class _Prepared:
    tree: OrgTree
    names: dict[str, str]
    problems: tuple[AssignmentProblem, ...]
    unmatched: tuple[Unmatched, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class _Settings:
    partner: dict[str, Any]
    leader: dict[str, Any]
    max_contacts: int


def _settings(config: RulesConfig) -> _Settings:
    pairing = config.section("pairing")
    partner, leader = pairing.get("partner", {}), pairing.get("leader", {})

    def fail(where: str, raw: Any, expected: str) -> ConfigError:
        return ConfigError(f"rules ({config.source}): {where} = {raw!r}; expected {expected}")

    for table, name in ((partner, "partner"), (leader, "leader")):
        for key, raw in table.items():
            if key.startswith("weight_") and (
                not isinstance(raw, int | float) or isinstance(raw, bool) or raw < 0
            ):
                raise fail(f"[pairing.{name}] {key}", raw, "a number ≥ 0")
    for key in ("capacity", "max_distance"):
        raw = partner.get(key)
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
            raise fail(f"[pairing.partner] {key}", raw, "a whole number ≥ 0")
    grades = partner.get("grades")
    allowed = {g.value for g in AssessmentGrade}
    if not isinstance(grades, list) or not grades or not set(grades) <= allowed:
        raise fail("[pairing.partner] grades", grades, "a list of " + ", ".join(sorted(allowed)))
    max_contacts = config.get("leaders", "max_contacts")
    if not isinstance(max_contacts, int) or isinstance(max_contacts, bool) or max_contacts < 0:
        raise fail("[leaders] max_contacts", max_contacts, "a whole number ≥ 0")
    return _Settings(partner=partner, leader=leader, max_contacts=max_contacts)


def _capacity(config: RulesConfig, kind: LinkKind) -> int:
    settings = _settings(config)
    if kind is LinkKind.PAIRED_WITH:
        return int(settings.partner["capacity"])
    return settings.max_contacts


def _term(name: str, value: float, weight: float) -> CostTerm:
    return CostTerm(
        name=name,
        label=_TERM_LABELS[name],
        value=value,
        weight=float(weight),
        cost=round(value * weight, 3),
    )


def _unmatched(
    prepared: _Prepared | _Draft, kind: LinkKind, row: str, reason: str, detail: str
) -> Unmatched:
    return Unmatched(
        kind=kind,
        weak=row,
        weak_name=prepared.names.get(row, row),
        district=prepared.tree.district(row),
        reason=reason,
        detail=detail,
    )


@dataclass(kw_only=True, slots=True)
class _Draft:
    """What building the problems gathers before they are split into parts."""

    tree: OrgTree
    names: dict[str, str]
    unmatched: list[Unmatched]


def _prepare(
    store: GraphStore,
    as_of: date,
    scope: Scope,
    rules: RulesConfig | None,
    kinds: Collection[LinkKind] | None,
) -> _Prepared:
    config = rules or load_rules()
    settings = _settings(config)
    wanted = set(kinds) if kinds is not None else {LinkKind.PAIRED_WITH, LinkKind.CONTACTS}
    view = scope.view(store, as_of)
    tree = OrgTree(store, as_of)
    weak = [w.organization for w in weak_branches(store, as_of, scope, rules=config)]
    draft = _Draft(tree=tree, names={n.id: n.name for n in weak}, unmatched=[])
    problems: list[AssignmentProblem] = []
    if LinkKind.PAIRED_WITH in wanted and settings.partner.get("enabled", True):
        problems += _partner_problems(store, as_of, view, tree, weak, settings, draft)
    if LinkKind.CONTACTS in wanted and settings.leader.get("enabled", True):
        problems += _leader_problems(store, as_of, view, tree, weak, settings, draft)
    return _Prepared(
        tree=tree, names=draft.names, problems=tuple(problems), unmatched=tuple(draft.unmatched)
    )


def _lacking(store: GraphStore, as_of: date, kind: LinkKind, weak: list[Node]) -> list[Node]:
    have = {link.target for link in store.links(kind, as_of, targets=[w.id for w in weak])}
    return sorted((w for w in weak if w.id not in have), key=lambda w: w.id)


def _partner_problems(
    store: GraphStore,
    as_of: date,
    view: ScopeView,
    tree: OrgTree,
    weak: list[Node],
    settings: _Settings,
    draft: _Draft,
) -> list[AssignmentProblem]:
    cfg = settings.partner
    rows = _lacking(store, as_of, LinkKind.PAIRED_WITH, weak)
    if not rows:
        return []
    weak_ids = {w.id for w in weak}
    grades: list[str] = list(cfg["grades"])
    pool = [
        n
        for n in tree.orgs.values()
        if n.get("level") == Level.GRASSROOTS and n.id not in weak_ids and view.sees_org(n.id)
    ]
    graded = store.facts([n.id for n in pool], facts_year(as_of), names=["assessment_grade"])
    strong = sorted(
        (n for n in pool if graded.get(n.id, {}).get("assessment_grade") in grades),
        key=lambda n: n.id,
    )
    held = _held(store, as_of, LinkKind.PAIRED_WITH, [n.id for n in strong])
    draft.names.update((n.id, n.name) for n in strong)
    same_sector = bool(cfg["same_sector"])
    reach = int(cfg["max_distance"])
    # Candidates indexed by (ancestor, sector), nearest first: a weak branch walks up its own
    # ancestors and only looks at candidates close enough below each.
    below: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for n in strong:
        sector = str(n.get("sector")) if same_sector else ""
        for height, ancestor in enumerate(tree.path(n.id)[: reach + 1]):
            below[(ancestor, sector)].append((height, n.id))
    for bucket in below.values():
        bucket.sort()
    grade_of = {n.id: graded[n.id]["assessment_grade"] for n in strong}
    allowed: dict[tuple[str, str], tuple[CostTerm, ...]] = {}
    for w in rows:
        sector = str(w.get("sector")) if same_sector else ""
        found: dict[str, int] = {}
        for up, ancestor in enumerate(tree.path(w.id)[: reach + 1]):
            for height, cand in below.get((ancestor, sector), ()):
                if up + height > reach:
                    break
                found.setdefault(cand, up + height)
        for cand, distance in found.items():
            allowed[(w.id, cand)] = (
                _term("distance", distance, cfg["weight_distance"]),
                _term("grade", grades.index(grade_of[cand]), cfg["weight_grade"]),
            )
    capacity = int(cfg["capacity"])
    return _split(
        LinkKind.PAIRED_WITH,
        [w.id for w in rows],
        allowed,
        {c: (held.get(c, 0), max(capacity - held.get(c, 0), 0)) for c in grade_of},
        float(cfg["weight_load"]),
        draft,
        f"无同领域、距离不超过{reach}的考核好或优秀的非软弱党组织",
    )


def _leader_problems(
    store: GraphStore,
    as_of: date,
    view: ScopeView,
    tree: OrgTree,
    weak: list[Node],
    settings: _Settings,
    draft: _Draft,
) -> list[AssignmentProblem]:
    cfg = settings.leader
    rows = _lacking(store, as_of, LinkKind.CONTACTS, weak)
    if not rows:
        return []
    leaders = sorted(
        (m for m in store.nodes(NodeKind.MEMBER, as_of) if m.get("is_leader") is True),
        key=lambda m: m.id,
    )
    ids = [m.id for m in leaders]
    home: dict[str, str] = {}
    for link in sorted(store.links(LinkKind.MEMBER_OF, as_of, sources=ids), key=_link_key):
        if link.target in tree.orgs:
            home.setdefault(link.source, link.target)
    if view.organizations is not None:
        posts = store.links(LinkKind.HOLDS_POST, as_of, sources=ids)
        seen = {x.source for x in posts if view.sees_org(x.target)}
        seen |= {m for m, org in home.items() if view.sees_org(org)}
        leaders = [m for m in leaders if m.id in seen]
    leaders = [m for m in leaders if m.id in home]  # a leader belongs to an organization
    ids = [m.id for m in leaders]
    draft.names.update((m.id, m.name) for m in leaders)
    held = _held(store, as_of, LinkKind.CONTACTS, ids)
    groups: dict[str, list[str]] = defaultdict(list)
    for link in store.links(LinkKind.LEADS, as_of, sources=ids):
        groups[link.source].append(link.target)
    areas: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    group_ids = sorted({g for gs in groups.values() for g in gs})
    for link in store.links(LinkKind.COVERS, as_of, sources=group_ids):
        sector = link.get("sector")
        areas[link.source].append((link.target, None if sector is None else str(sector)))
    weak_under: dict[str, list[Node]] = defaultdict(list)
    weak_in: dict[str | None, list[Node]] = defaultdict(list)
    for w in rows:
        for ancestor in tree.path(w.id):
            weak_under[ancestor].append(w)
        weak_in[tree.district(w.id)].append(w)
    allowed: dict[tuple[str, str], tuple[CostTerm, ...]] = {}
    for leader in ids:
        covered: set[str] = set()
        for group in groups.get(leader, ()):
            for area, sector in areas.get(group, ()):
                covered.update(
                    w.id for w in weak_under.get(area, ()) if sector in (None, w.get("sector"))
                )
        district = tree.district(home[leader])
        near = {w.id for w in weak_in.get(district, ())} if district is not None else set()
        for org_id in sorted(covered | near):
            distance = tree.distance(home[leader], org_id)
            if distance is None:  # in another tree: as far as both roots
                distance = len(tree.path(home[leader])) + len(tree.path(org_id))
            allowed[(org_id, leader)] = (
                _term("area", 0 if org_id in covered else 1, cfg["weight_area"]),
                _term("distance", distance, cfg["weight_distance"]),
            )
    capacity = settings.max_contacts
    return _split(
        LinkKind.CONTACTS,
        [w.id for w in rows],
        allowed,
        {m: (held.get(m, 0), max(capacity - held.get(m, 0), 0)) for m in ids},
        float(cfg["weight_load"]),
        draft,
        "无包联该片区或同区县的领导干部",
    )


def _link_key(link: Link) -> tuple[str, str]:
    return (link.source, link.target)


def _held(store: GraphStore, as_of: date, kind: LinkKind, sources: list[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for link in store.links(kind, as_of, sources=sources):
        counts[link.source] += 1
    return counts


def _split(
    kind: LinkKind,
    rows: list[str],
    allowed: dict[tuple[str, str], tuple[CostTerm, ...]],
    loads: dict[str, tuple[int, int]],
    load_weight: float,
    draft: _Draft,
    no_candidate: str,
) -> list[AssignmentProblem]:
    """Split the allowed pairs into connected parts, each an ``AssignmentProblem``.

    Rows with no allowed candidate, or only candidates at capacity, are reported unmatched.
    """
    with_any = {r for r, _ in allowed}
    usable = {pair: terms for pair, terms in allowed.items() if loads[pair[1]][1] > 0}
    for row in rows:
        if row not in with_any:
            draft.unmatched.append(_unmatched(draft, kind, row, "no_candidate", no_candidate))
        elif not any(r == row for r, _ in usable):
            draft.unmatched.append(
                _unmatched(draft, kind, row, "capacity_full", "符合条件的候选均已满额")
            )
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row, cand in usable:
        parent[find("r:" + row)] = find("c:" + cand)
    parts: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for row, cand in usable:
        part = parts[find("r:" + row)]
        part[0].add(row)
        part[1].add(cand)
    problems = []
    for part_rows, part_cands in sorted(parts.values(), key=lambda p: min(p[0])):
        row_list = sorted(part_rows)
        cand_list = sorted(part_cands)
        r_index = {r: i for i, r in enumerate(row_list)}
        c_index = {c: j for j, c in enumerate(cand_list)}
        edges = {
            (r_index[r], c_index[c]): terms
            for (r, c), terms in usable.items()
            if r in r_index and c in c_index
        }
        problems.append(
            AssignmentProblem(
                kind=kind,
                rows=tuple(row_list),
                candidates=tuple(cand_list),
                edges=dict(sorted(edges.items())),
                held=tuple(loads[c][0] for c in cand_list),
                free=tuple(loads[c][1] for c in cand_list),
                degree=tuple(sum(1 for _, c in edges if c == j) for j in range(len(cand_list))),
                load_weight=load_weight,
            )
        )
    return problems
