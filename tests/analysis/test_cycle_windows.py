"""The stage windows of a responsibility list's year come from the rules' ``[cycle]``.

Dates worked out by hand from the month-days: the shipped rules open 2019's lists from
2018-12-01 to 2019-03-31, observe from 2019-06-01 to 2019-09-30 and review from
2019-12-01 to 2020-01-31. A deployment's file with ``open_from = "01-02"``,
``commit_by = "02-28"`` and ``review_by = "12-31"`` keeps them all in 2019.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orggraph.analysis.config import RulesConfig, load_rules
from orggraph.analysis.cycle import CycleActor, Windows, duty_list
from orggraph.analysis.cycle_open import open_year
from orggraph.analysis.cycle_steps import commit, observe
from orggraph.errors import ConfigError, ValidationFailed
from orggraph.model import LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.graphs import link, member, org

ADMIN = CycleActor(name="组织部", role="admin")
OWN = """
[cycle]
open_from = "01-02"
commit_by = "02-28"
review_by = "12-31"
"""


def rules_file(tmp_path: Path, text: str) -> str:
    # A new name each time: load_rules caches by path.
    path = tmp_path / f"rules-{len(list(tmp_path.iterdir()))}.toml"
    path.write_text(text, "utf-8")
    return str(path)


def test_the_shipped_windows() -> None:
    assert Windows.default(2019) == Windows(
        open_from=date(2018, 12, 1),
        commit_by=date(2019, 3, 31),
        observe_from=date(2019, 6, 1),
        observe_to=date(2019, 9, 30),
        review_from=date(2019, 12, 1),
        review_by=date(2020, 1, 31),
    )


def test_a_deployments_windows_stay_in_the_year(tmp_path: Path) -> None:
    rules = load_rules(rules_file(tmp_path, OWN))
    assert Windows.default(2019, rules) == Windows(
        open_from=date(2019, 1, 2),
        commit_by=date(2019, 2, 28),
        observe_from=date(2019, 6, 1),
        observe_to=date(2019, 9, 30),
        review_from=date(2019, 12, 1),
        review_by=date(2019, 12, 31),
    )


def build(store: GraphStore) -> None:
    store.write(
        WriteBatch(
            nodes=(org("630102", "城东区委", "county"), member("D", "区委书记")),
            links=(
                link(LinkKind.MEMBER_OF, "D", "630102"),
                link(LinkKind.HOLDS_POST, "D", "630102", role="secretary"),
            ),
        )
    )


def test_a_list_opens_and_keeps_the_windows_of_the_rules(store: GraphStore, tmp_path: Path) -> None:
    build(store)
    rules = load_rules(rules_file(tmp_path, OWN))
    with pytest.raises(ValidationFailed) as early:
        open_year(store, 2019, "630102", date(2019, 1, 1), actor=ADMIN, rules=rules)
    assert [(p.rule, p.message) for p in early.value.problems] == [
        ("cycle-open-date", "on: a 2019 list opens from 2019-01-02 to 2019-02-28")
    ]
    open_year(store, 2019, "630102", date(2019, 1, 2), actor=ADMIN, rules=rules)
    kept = duty_list(store, "dl-2019-630102", date(2019, 1, 2), Scope())
    assert (kept.windows.commit_by, kept.windows.review_by) == (
        date(2019, 2, 28),
        date(2019, 12, 31),
    )
    # The steps read the windows kept on the list, not the shipped ones: March 1 is late.
    (duty,) = kept.duties
    with pytest.raises(ValidationFailed, match="commitments close on 2019-02-28"):
        commit(
            store,
            duty.id,
            date(2019, 3, 1),
            actor=ADMIN,
            commitment="落实包联",
            target="年内",
            due=date(2019, 12, 1),
        )
    commit(
        store,
        duty.id,
        date(2019, 2, 28),
        actor=ADMIN,
        commitment="落实包联",
        target="年内",
        due=date(2019, 12, 1),
    )
    with pytest.raises(ValidationFailed, match="from 2019-12-01 to 2019-12-31"):
        observe(store, duty.id, date(2020, 1, 5), actor=ADMIN, progress=100, evidence="已包联")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[cycle]\ncommit_by = "3-31"',
            "[cycle] commit_by = '3-31'; expected a month and day 'MM-DD' that every year has",
        ),
        (
            '[cycle]\nreview_by = "02-29"',
            "[cycle] review_by = '02-29'; expected a month and day 'MM-DD' that every year has",
        ),
        (
            '[cycle]\nobserve_to = "13-01"',
            "[cycle] observe_to = '13-01'; expected a month and day",
        ),
        ("[cycle]\ncommit_by = 331", "cycle.commit_by = 331; expected str like the default"),
        (
            '[cycle]\nobserve_from = "03-01"',
            "[cycle] observe_from = '03-01' must come after commit_by = '03-31' in the year",
        ),
        (
            '[cycle]\nobserve_to = "05-31"',
            "[cycle] observe_to = '05-31' must come on or after observe_from = '06-01'",
        ),
        (
            '[cycle]\nreview_from = "09-30"',
            "[cycle] review_from = '09-30' must come after observe_to = '09-30' in the year",
        ),
        ('[cycle]\nclose_by = "12-31"', "unknown key 'cycle.close_by'"),
    ],
)
def test_a_bad_window_names_the_key_and_the_value(tmp_path: Path, text: str, message: str) -> None:
    path = rules_file(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    assert f"rules file {path!r}" in str(caught.value)
    assert message in str(caught.value)


def test_the_shipped_rules_pass_their_own_check() -> None:
    assert isinstance(load_rules(), RulesConfig)
