"""Weak-branch rules (软弱涣散), each failing and passing at its threshold, on hand-built graphs.

Every graph hangs off ``skeleton()``::

    630100 西宁市委
    ├── 630102 城东区委 ── 630102001 东关街道党工委 ── (branches under test)
    └── 630103 城中区委 ── 630103001 人民街道党工委 ── (branches under test)

Branches come from ``staffed_branch`` (3 full members, a secretary, since 2010) unless a
test says otherwise, so they pass every rule but the one under test. Asked on
2019-06-30, the facts of 2018 (the last completed year) count.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from orggraph.analysis.config import RulesConfig, load_rules
from orggraph.analysis.weak import evaluate_branch, facts_year, weak_branches, weak_rules
from orggraph.errors import ConfigError, NotFound
from orggraph.model import LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import fact, link, org, staffed_branch

AS_OF = date(2019, 6, 30)
YEAR = 2018
EAST = "630102001"
MIDDLE = "630103001"
ALL = Scope()
ROOT = Path(__file__).resolve().parents[2]


def skeleton() -> WriteBatch:
    sub = LinkKind.SUBORDINATE_TO
    return WriteBatch(
        nodes=(
            org("630100", "西宁市委", "city"),
            org("630102", "城东区委", "county"),
            org("630103", "城中区委", "county"),
            org(EAST, "东关街道党工委", "township", "working_committee"),
            org(MIDDLE, "人民街道党工委", "township", "working_committee"),
        ),
        links=(
            link(sub, "630102", "630100"),
            link(sub, "630103", "630100"),
            link(sub, EAST, "630102"),
            link(sub, MIDDLE, "630103"),
        ),
    )


def build(store: GraphStore, *batches: WriteBatch) -> None:
    store.write(skeleton())
    for batch in batches:
        store.write(batch)


def facts(*rows: tuple[str, str, object]) -> WriteBatch:
    return WriteBatch(facts=tuple(fact(node, YEAR, name, value) for node, name, value in rows))


def failing(
    store: GraphStore,
    as_of: date = AS_OF,
    scope: Scope = ALL,
    rules: RulesConfig | None = None,
) -> dict[str, list[str]]:
    """{organization id: [rule, …]} of the weak branches."""
    return {
        w.organization.id: list(w.rules) for w in weak_branches(store, as_of, scope, rules=rules)
    }


def rules_file(tmp_path: Path, text: str) -> str:
    # A new name each time: load_rules caches by path.
    path = tmp_path / f"rules-{len(list(tmp_path.iterdir()))}.toml"
    path.write_text(text, "utf-8")
    return str(path)


def test_the_facts_of_the_last_completed_year_count() -> None:
    assert facts_year(date(2019, 1, 1)) == 2018
    assert facts_year(date(2019, 12, 31)) == 2018


def test_a_staffed_branch_with_good_facts_is_not_weak(store: GraphStore) -> None:
    build(
        store,
        staffed_branch("ok", EAST),
        facts(("ok", "meetings_held", 12), ("ok", "collective_income", 3.5)),
        facts(("ok", "assessment_grade", "good"), ("ok", "assessment_score", 88.0)),
    )
    assert failing(store) == {}


def test_secretary_vacant_over_six_months(store: GraphStore) -> None:
    # v1: its secretary left on 2018-12-31; six months on is 2019-06-30 (31 → 30 June).
    # v2: founded 2019-01-15 and never had one; six months on is 2019-07-15.
    past = link(LinkKind.HOLDS_POST, "v1-m1", "v1", end=date(2018, 12, 31), role="secretary")
    build(
        store,
        staffed_branch("v1", EAST, secretary=False),
        WriteBatch(links=(past,)),
        staffed_branch("v2", EAST, secretary=False, start=date(2019, 1, 15)),
    )
    assert failing(store, date(2019, 6, 30)) == {}  # exactly six months: not over
    july = weak_branches(store, date(2019, 7, 1), ALL)
    assert [(w.organization.id, w.rules) for w in july] == [("v1", ("secretary_vacant",))]
    assert july[0].failures[0].facts == {
        "vacant_since": date(2018, 12, 31),
        "months_vacant": 6,
        "max_months": 6,
    }
    assert failing(store, date(2019, 7, 15)) == {"v1": ["secretary_vacant"]}
    assert failing(store, date(2019, 7, 16)) == {
        "v1": ["secretary_vacant"],
        "v2": ["secretary_vacant"],
    }
    since = weak_branches(store, date(2019, 7, 16), ALL)[1].failures[0].facts["vacant_since"]
    assert since == date(2019, 1, 15)


def test_few_meetings_below_the_required_count(store: GraphStore) -> None:
    build(
        store,
        staffed_branch("m11", EAST),
        staffed_branch("m12", EAST),
        staffed_branch("none", EAST),
        facts(("m11", "meetings_held", 11), ("m12", "meetings_held", 12)),
        # A fact of the current year does not count yet.
        WriteBatch(facts=(fact("m12", 2019, "meetings_held", 0),)),
    )
    found = weak_branches(store, AS_OF, ALL)
    assert [(w.organization.id, w.rules) for w in found] == [("m11", ("few_meetings",))]
    assert found[0].failures[0].facts == {"year": 2018, "meetings_held": 11, "min_meetings": 12}


def test_fewer_than_three_full_members(store: GraphStore) -> None:
    # f2: 2 full + 1 probationary = 2 full; f3: 3 full; g1: a general branch with 1 member,
    # whose members sit in its own branches: the rule counts branches only.
    build(
        store,
        staffed_branch("f2", EAST, full=2, probationary=1),
        staffed_branch("f3", EAST, full=3),
        staffed_branch("g1", EAST, full=1, org_kind="general_branch"),
    )
    found = weak_branches(store, AS_OF, ALL)
    assert [(w.organization.id, w.rules) for w in found] == [("f2", ("few_members",))]
    assert found[0].failures[0].facts == {"full_members": 2, "min_full_members": 3}


def test_collective_income_at_zero_for_rural_organizations(store: GraphStore) -> None:
    build(
        store,
        staffed_branch("r0", EAST, sector="rural"),
        staffed_branch("r5", EAST, sector="rural"),
        staffed_branch("c0", EAST, sector="community"),
        facts(
            ("r0", "collective_income", 0.0),
            ("r5", "collective_income", 0.5),
            ("c0", "collective_income", 0.0),
        ),
    )
    assert failing(store) == {"r0": ["zero_income"]}


def test_poor_assessment_grade(store: GraphStore) -> None:
    build(
        store,
        staffed_branch("poor", EAST),
        staffed_branch("fair", EAST),
        facts(("poor", "assessment_grade", "poor"), ("fair", "assessment_grade", "fair")),
    )
    found = weak_branches(store, AS_OF, ALL)
    assert [(w.organization.id, w.rules) for w in found] == [("poor", ("poor_assessment",))]
    assert found[0].failures[0].detail == "2018年考核等次为“差”"


def ranked_city(store: GraphStore) -> None:
    # Rural: 60, 70, 70, 90, 95 (s60 in 城中区, the rest in 城东区); community: 50, 80, 85.
    scores = {"s60": 60, "s70a": 70, "s70b": 70, "s90": 90, "s95": 95}
    community = {"c50": 50, "c80": 80, "c85": 85}
    build(
        store,
        *(staffed_branch(b, MIDDLE if b == "s60" else EAST) for b in scores),
        *(staffed_branch(b, EAST, sector="community") for b in community),
        facts(*((b, "assessment_score", float(s)) for b, s in {**scores, **community}.items())),
    )


def test_bottom_share_of_the_ranking_within_the_sector(store: GraphStore, tmp_path: Path) -> None:
    ranked_city(store)
    # Defaults: lowest 5% of groups of at least 10: no group is that large.
    assert failing(store) == {}
    rules = load_rules(
        rules_file(
            tmp_path,
            "[weak.bottom_ranking]\nshare = 0.25\nmin_ranked = 4\nwithin = ['sector']\n",
        )
    )
    # Rural: ceil(0.25 × 5) = 2 → the cut is the 2nd lowest, 70; s60 and both 70s fail.
    # Community: 3 scored < min_ranked 4 → not ranked, though c50 is the lowest of all.
    found = weak_branches(store, AS_OF, ALL, rules=rules)
    assert [(w.organization.id, w.rules) for w in found] == [
        ("s70a", ("bottom_ranking",)),
        ("s70b", ("bottom_ranking",)),
        ("s60", ("bottom_ranking",)),  # 城中区 sorts after 城东区
    ]
    facts_ = {w.organization.id: w.failures[0].facts for w in found}
    assert facts_["s60"]["rank_from_bottom"] == 1
    assert facts_["s70b"]["rank_from_bottom"] == 2
    assert {f["cutoff"] for f in facts_.values()} == {70.0}
    assert {f["ranked"] for f in facts_.values()} == {5}
    # A scoped view sees the same verdict for what it sees: s60 is still ranked city-wide.
    assert failing(store, scope=Scope(roots=frozenset({"630103"})), rules=rules) == {
        "s60": ["bottom_ranking"]
    }
    # The whole city as one group: 8 scored, ceil(0.25 × 8) = 2 → cut 60: c50 and s60.
    city = load_rules(
        rules_file(tmp_path, "[weak.bottom_ranking]\nshare = 0.25\nmin_ranked = 4\nwithin = []\n")
    )
    assert sorted(failing(store, rules=city)) == ["c50", "s60"]


def test_rules_overridden_by_a_toml_file(store: GraphStore, tmp_path: Path) -> None:
    build(
        store,
        staffed_branch("m11", EAST),
        staffed_branch("nosec", EAST, secretary=False),
        facts(("m11", "meetings_held", 11)),
    )
    assert failing(store) == {"m11": ["few_meetings"], "nosec": ["secretary_vacant"]}
    path = rules_file(
        tmp_path,
        "[weak.few_meetings]\nmin_meetings = 6\n\n[weak.secretary_vacant]\nenabled = false\n",
    )
    assert failing(store, rules=load_rules(path)) == {}


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("[weak.bottom_ranking]\nshare = 1.5\n", "share", "1.5"),
        ("[weak.few_meetings]\nmin_meetings = 'twelve'\n", "min_meetings", "'twelve'"),
        ("[weak.poor_assessment]\ngrades = ['awful']\n", "grades", "['awful']"),
        ("[weak.bottom_ranking]\nfact = 'assessment_grade'\n", "fact", "'assessment_grade'"),
        ("[weak.secretary_vacant]\nmonths = -1\n", "months", "-1"),
        ("[weak.few_meetings]\nminimum = 3\n", "minimum", ""),
    ],
)
def test_a_bad_rule_value_is_a_config_error_naming_key_and_value(
    tmp_path: Path, text: str, key: str, value: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        weak_rules(load_rules(rules_file(tmp_path, text)))
    message = str(caught.value)
    assert key in message
    assert value in message


def test_evaluate_one_branch(store: GraphStore) -> None:
    build(
        store,
        staffed_branch("f2", EAST, full=2),
        staffed_branch("far", MIDDLE, full=2),
        facts(("f2", "meetings_held", 3)),
    )
    assert [f.rule for f in evaluate_branch(store, "f2", AS_OF, ALL)] == [
        "few_meetings",
        "few_members",
    ]
    # Above the grassroots the rules do not apply.
    assert evaluate_branch(store, EAST, AS_OF, ALL) == ()
    # Outside the scope (or unknown) is not found, with the same message.
    east = Scope(roots=frozenset({"630102"}))
    with pytest.raises(NotFound):
        evaluate_branch(store, "far", AS_OF, east)
    with pytest.raises(NotFound):
        evaluate_branch(store, "nowhere", AS_OF, ALL)


def test_scope_and_sector_limit_what_is_returned(store: GraphStore) -> None:
    build(
        store,
        staffed_branch("e", EAST, full=2),
        staffed_branch("m", MIDDLE, full=2),
        staffed_branch("c", MIDDLE, full=2, sector="community"),
    )
    assert sorted(failing(store)) == ["c", "e", "m"]
    assert sorted(failing(store, scope=Scope(roots=frozenset({"630103"})))) == ["c", "m"]
    community = Scope(sectors=frozenset({"community"}))  # type: ignore[arg-type]
    assert sorted(failing(store, scope=community)) == ["c"]
    branch = weak_branches(store, AS_OF, Scope(roots=frozenset({"630103"})))[0]
    assert branch.district == "630103"


def test_a_weak_branch_shows_its_remediation_case(store: GraphStore) -> None:
    build(store, staffed_branch("f2", EAST, full=2))
    case = Node(
        id="case-f2",
        kind=NodeKind.CASE,
        name="f2整顿转化",
        valid_from=date(2019, 3, 1),
        attrs={"organization": "f2", "state": "rectifying"},
    )
    store.write(WriteBatch(nodes=(case,)))
    (weak,) = weak_branches(store, AS_OF, ALL)
    assert (weak.case_id, weak.case_state) == ("case-f2", "rectifying")


def test_docs_describe_every_rule_key() -> None:
    """docs/RULES.md has a section for every table of these rules, naming each of its keys."""
    docs = (ROOT / "docs" / "RULES.md").read_text("utf-8")
    shipped = tomllib.loads((ROOT / "orggraph" / "analysis" / "rules.toml").read_text("utf-8"))
    tables = {f"[{s}.{r}]": keys for s in ("weak", "pairing") for r, keys in shipped[s].items()}
    tables["[remediation]"] = shipped["remediation"]
    missing = []
    for heading, keys in tables.items():
        found = re.search(rf"^### `{re.escape(heading)}`.*?(?=^##|\Z)", docs, re.M | re.S)
        if found is None:
            missing.append(heading)
            continue
        missing += [f"{heading} {key}" for key in keys if f"`{key}`" not in found.group(0)]
    assert missing == []
