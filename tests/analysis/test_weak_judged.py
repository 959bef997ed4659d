"""``judge_branches``: the weak branches with the facts read once for every rule.

The rules and the bottom ranking share one read of the year's facts; a single branch
judged by ``evaluate_branch`` must still be ranked against its whole group, not against
the facts read for it alone. The graph and its ranking are ``test_weak.ranked_city``'s.
"""

from __future__ import annotations

from pathlib import Path

from orggraph.analysis.config import load_rules
from orggraph.analysis.weak import evaluate_branch, judge_branches
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.analysis.test_weak import ALL, AS_OF, YEAR, ranked_city, rules_file

RANKED = "[weak.bottom_ranking]\nshare = 0.25\nmin_ranked = 4\nwithin = ['sector']\n"


def test_one_branch_is_ranked_against_its_whole_sector(store: GraphStore, tmp_path: Path) -> None:
    ranked_city(store)
    rules = load_rules(rules_file(tmp_path, RANKED))
    # Rural 60, 70, 70, 90, 95: ceil(0.25 × 5) = 2, cut at 70. s60 is the lowest of 5.
    failures = evaluate_branch(store, "s60", AS_OF, ALL, rules=rules)
    assert [f.rule for f in failures] == ["bottom_ranking"]
    assert failures[0].facts is not None
    assert failures[0].facts["rank_from_bottom"] == 1
    assert failures[0].facts["ranked"] == 5
    assert evaluate_branch(store, "s70b", AS_OF, ALL, rules=rules)[0].rule == "bottom_ranking"
    assert evaluate_branch(store, "s90", AS_OF, ALL, rules=rules) == ()


def test_the_judgement_holds_the_facts_the_rules_read(store: GraphStore, tmp_path: Path) -> None:
    ranked_city(store)
    middle = Scope(roots=frozenset({"630103"}))  # 城中区: s60 only
    judged = judge_branches(store, AS_OF, middle, rules=load_rules(rules_file(tmp_path, RANKED)))
    assert [w.organization.id for w in judged.branches] == ["s60"]
    assert judged.year == YEAR
    # Ranked city-wide: every grassroots organization's facts, in scope or not.
    assert sorted(judged.facts) == ["c50", "c80", "c85", "s60", "s70a", "s70b", "s90", "s95"]
    assert judged.facts["s95"] == {"assessment_score": 95.0}
    # No ranking: the facts of those in scope only.
    off = load_rules(rules_file(tmp_path, "[weak.bottom_ranking]\nenabled = false\n"))
    assert sorted(judge_branches(store, AS_OF, middle, rules=off).facts) == ["s60"]
    assert sorted(judged.tree.orgs) == sorted(judge_branches(store, AS_OF, ALL).tree.orgs)
