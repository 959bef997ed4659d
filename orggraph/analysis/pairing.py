"""Pairing suggestions (结对共建, 支部联点): a partner and a contact leader for weak branches.

Two assignment problems, solved the same way:

- **partners** (``paired_with``, strong → weak) for weak branches without one: candidates
  are grassroots organizations in scope that are not weak, were graded one of
  ``[pairing.partner] grades`` in the last completed year, are of the weak branch's sector
  (``same_sector``), at most ``max_distance`` edges away in the tree (via the lowest
  common ancestor) and, unless ``own_line``, neither above nor under the weak branch; each
  holds at most ``capacity`` pairings.
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
``area``       0: the leader's group covers the area; 1: same district     leaders
``load``       pairings the candidate holds before this one               both
=============  =========================================================  ===========

The assignment pairs as many weak branches as possible, then minimises the total cost.
It is solved with ``scipy.optimize.linear_sum_assignment`` (``orggraph.analysis.assignment``):
each candidate is a column per free slot (slot ``k`` costs the ``load`` of ``held + k``, so
loads spread), plus one "unpaired" column per weak branch at a cost above any set of real
pairs. Ties between assignments of equal cost go to the earlier weak branch (by id) taking
the earlier candidate (by id); the same graph always gives the same suggestions.
Independent parts (connected components of allowed pairs) are solved separately, each
weak branch offered only its ``n`` nearest candidates (``n``: the weak branches of its
part), which every optimum keeps to where the tie-break is in force
(``orggraph.analysis.assignment.nearest_pairs`` gives the proof; the parts are made with
only those pairs, ``orggraph.analysis.candidates.split_blocks``).

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
    "apply_suggestions",
    "pairing_problems",
    "pairing_suggestions",
    "solve_assignment",
]

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from orggraph.analysis.assignment import AssignmentProblem, CostTerm, solve_assignment
from orggraph.analysis.candidates import Built, leader_problems, partner_problems
from orggraph.analysis.config import RulesConfig, load_rules
from orggraph.analysis.orgtree import OrgTree
from orggraph.analysis.weak import judge_branches
from orggraph.errors import ConfigError, Problem, ValidationFailed
from orggraph.model import AssessmentGrade, Link, LinkKind, NodeKind, WriteBatch
from orggraph.store.base import GraphStore, WriteResult
from orggraph.store.policy import check_write, visible_node
from orggraph.store.scope import Scope


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
        # Slots are interchangeable in the total; give the lower loads to rows in id order.
        placed = [
            (i, j, slot)
            for j, rows in sorted(by_candidate.items())
            for slot, i in enumerate(sorted(rows))
        ]
        for (i, j, _), terms in zip(placed, problem.explain(placed), strict=True):
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
        paired = {i for i, _, _ in placed}
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
    leader; ``NotFound`` when either end does not exist on ``on`` or is outside ``scope``
    (the same answer for both, audited for a restricted scope: ``orggraph.store.policy``).
    """
    return apply_suggestions(store, [suggestion], on, actor, scope=scope, rules=rules)


def apply_suggestions(
    store: GraphStore,
    suggestions: Sequence[Suggestion],
    on: date,
    actor: str,
    *,
    scope: Scope | None = None,
    rules: RulesConfig | None = None,
) -> WriteResult:
    """Write the links of ``suggestions`` from ``on`` in one transaction, all or nothing.

    Each is checked as ``apply_suggestion`` checks one, counting the ones before it in the
    list (two links to one weak branch, or past a candidate's capacity, are refused).
    """
    config = rules or load_rules()
    scope = scope or Scope()
    problems: list[Problem] = []
    taken: dict[tuple[LinkKind, str], int] = defaultdict(int)
    linked: set[tuple[LinkKind, str]] = set()
    links: list[Link] = []
    for suggestion in suggestions:
        kind = suggestion.kind
        if kind not in (LinkKind.PAIRED_WITH, LinkKind.CONTACTS):
            problems.append(
                Problem(
                    rule="pairing-kind", value=str(kind), message="expected paired_with or contacts"
                )
            )
            continue
        want = NodeKind.ORGANIZATION if kind is LinkKind.PAIRED_WITH else NodeKind.MEMBER
        for node_id, node_kind in (
            (suggestion.weak, NodeKind.ORGANIZATION),
            (suggestion.candidate, want),
        ):
            node = visible_node(
                store, scope, node_id, node_kind, on, actor=actor, action="applySuggestion"
            )
            if (
                node_id == suggestion.candidate
                and want is NodeKind.MEMBER
                and not node.get("is_leader")
            ):
                problems.append(
                    Problem(
                        rule="pairing-leader", value=node_id, message=f"{node_id!r} is not a leader"
                    )
                )
        existing = [x.source for x in store.links(kind, on, targets=[suggestion.weak])]
        if existing or (kind, suggestion.weak) in linked:
            problems.append(
                Problem(
                    rule="pairing-exists",
                    value=suggestion.weak,
                    message=f"{suggestion.weak!r} already has a {kind.value} link on {on}"
                    + (f" (from {', '.join(sorted(existing))})" if existing else ""),
                )
            )
        linked.add((kind, suggestion.weak))
        capacity = _capacity(config, kind)
        key = (kind, suggestion.candidate)
        held = len(store.links(kind, on, sources=[suggestion.candidate])) + taken[key]
        taken[key] += 1
        if held >= capacity:
            problems.append(
                Problem(
                    rule="pairing-capacity",
                    value=suggestion.candidate,
                    message=f"{suggestion.candidate!r} would hold {held + 1} {kind.value} links; "
                    f"capacity {capacity}",
                )
            )
        links.append(
            Link(kind=kind, source=suggestion.candidate, target=suggestion.weak, valid_from=on)
        )
    batch = WriteBatch(links=tuple(links), effective=on)
    check_write(store, batch, scope, actor=actor, action="applySuggestion")
    if problems:
        raise ValidationFailed(problems)
    return store.write(batch, actor=actor)


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
    for key in ("same_sector", "own_line"):
        if not isinstance(partner.get(key), bool):
            raise fail(f"[pairing.partner] {key}", partner.get(key), "true or false")
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


def _unmatched(
    prepared: _Prepared, kind: LinkKind, row: str, reason: str, detail: str
) -> Unmatched:
    return Unmatched(
        kind=kind,
        weak=row,
        weak_name=prepared.names.get(row, row),
        district=prepared.tree.district(row),
        reason=reason,
        detail=detail,
    )


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
    # The tree and the facts year's facts judging the weak branches read: the candidates'
    # grades are among them (every grassroots organization's; only those in scope are asked).
    judged = judge_branches(store, as_of, scope, rules=config)
    tree = judged.tree
    weak = [w.organization for w in judged.branches]
    names = {n.id: n.name for n in weak}
    parts: list[tuple[LinkKind, Built]] = []
    if LinkKind.PAIRED_WITH in wanted and settings.partner.get("enabled", True):
        built = partner_problems(store, as_of, view, tree, weak, judged.facts, settings.partner)
        parts.append((LinkKind.PAIRED_WITH, built))
    if LinkKind.CONTACTS in wanted and settings.leader.get("enabled", True):
        built = leader_problems(
            store, as_of, view, tree, weak, settings.max_contacts, settings.leader
        )
        parts.append((LinkKind.CONTACTS, built))
    for _, built in parts:
        names.update(built.names)
    prepared = _Prepared(tree=tree, names=names, problems=(), unmatched=())
    unmatched = [
        _unmatched(prepared, kind, row, reason, detail)
        for kind, built in parts
        for row, reason, detail in built.unmatched
    ]
    problems = tuple(problem for _, built in parts for problem in built.problems)
    return _Prepared(tree=tree, names=names, problems=problems, unmatched=tuple(unmatched))
