"""Every GraphQL field that may leave its date out, asked on the demo (数据截至 2019-06-30).

The demo's data reaches 2019-06-30 and its yearly facts 2018; today (the machine's clock)
is past both. The fields are found in the schema, so a new one cannot be forgotten: every
field of every type with an optional argument named like a date or a year (``asOf``,
``until``, ``year``…) must be in ``ASKED`` below. Each is asked three ways over HTTP:

* with no date: the answer is the one asked at 2019-06-30 (the same ``data``), and the
  response's ``extensions`` say the data's date was used (``DATA_DATE_DEFAULT``);
* at 2019-06-30: no warning at all (a date within the data);
* at 2026-12-06: a ``PAST_DATA_DATE`` warning naming that date.

Values worked out by hand: case-2018-050's deadline is 2019-06-10, so at 2019-06-30 it is
20 days overdue (June has 30 days: 30 − 10); the facts a node shows by default are those
of the latest year with facts, 2018, since 2019 (the year asked at) has none.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType

from orggraph.api.schema import build_schema
from orggraph.model import LinkKind
from orggraph.store.base import GraphStore
from tests.api.conftest import Api

DATA_DATE = "2019-06-30"
LATER = "2026-12-06"
#: A date or year argument: what the test enumerates (mutations' ``on`` are write dates).
DATED = re.compile(r"^(asOf|until|year|date|on|when)$|Date$|Year$")

#: (type, field) → (arguments besides the date, selection, name of the date argument).
#: ``$PERSON`` is the secretary of 城东区委 at 2019-06-30, found in the store.
ASKED: dict[tuple[str, str], tuple[str, str, str]] = {
    ("Query", "node"): ('id: "630102002009"', "id name validFrom", "asOf"),
    ("Query", "nodes"): ('ids: ["630102002009", "630102"]', "id name", "asOf"),
    ("Query", "organization"): ('id: "630102002009"', "id name validFrom", "asOf"),
    ("Query", "member"): ('id: "$PERSON"', "id", "asOf"),
    ("Query", "organizations"): (
        'filter: {territory: "630102002"}, first: 5',
        "totalCount edges { node { id } }",
        "asOf",
    ),
    ("Query", "members"): (
        'filter: {organization: "630102002009"}, first: 5',
        "totalCount",
        "asOf",
    ),
    ("Query", "units"): ("first: 3", "totalCount", "asOf"),
    ("Query", "experts"): ("first: 3", "totalCount", "asOf"),
    ("Query", "workingGroups"): ("", "id name", "asOf"),
    ("Query", "search"): ('text: "夏都花园", first: 3', "id name", "asOf"),
    ("Query", "subgraph"): ('scope: "630102002", depth: 1', "nodes { id }", "asOf"),
    ("Query", "responsibilityChain"): ('id: "630102002009"', "asOf", "asOf"),
    ("Query", "responsibilities"): ('person: "$PERSON"', "asOf", "asOf"),
    ("Query", "coverageGaps"): ('scope: ["630102002"]', "kind subject", "asOf"),
    ("Query", "unitCoverage"): ('scope: ["630102"]', "__typename", "asOf"),
    ("Query", "coverageRates"): (
        'groupBy: SECTOR, withTotal: true, scope: ["630102"]',
        "__typename",
        "asOf",
    ),
    ("Query", "coverageChange"): (
        'since: "2014-12-31", groupBy: SECTOR, scope: ["630102"]',
        "__typename",
        "asOf",
    ),
    ("Query", "report"): ('scope: ["630102"]', "asOf", "asOf"),
    ("Query", "weakBranches"): ('scope: ["630102"]', "factsYear organization { id }", "asOf"),
    ("Query", "remediationCases"): ("overdue: true", "id deadline daysOverdue", "asOf"),
    ("Query", "pairingSuggestions"): ('scope: ["630102"]', "asOf", "asOf"),
    ("Query", "changes"): ('since: "2019-01-01", scope: ["630102002"]', "__typename", "until"),
    ("Query", "whatIf"): (
        'proposals: [{kind: LEAVE, person: "$PERSON"}], scope: ["630102"]',
        "asOf",
        "asOf",
    ),
    ("Query", "dutyList"): ('id: "no-such-list"', "id", "asOf"),
    ("Query", "dutyLists"): ('year: 2019, scope: ["630102"]', "id", "asOf"),
    ("Query", "cycleDashboard"): ('year: 2019, scope: ["630102"]', "organization", "asOf"),
    ("Query", "mapState"): ("", "asOf", "asOf"),
}
#: Nested fields: reached through a root field asked at a date (its default here).
NESTED: dict[tuple[str, str], str] = {
    ("Organization", "facts"): 'organization(id: "630102002009"{at}) {{ facts {{ year }} }}',
    ("Member", "facts"): 'member(id: "$PERSON"{at}) {{ facts {{ year }} }}',
}


def dated_fields() -> set[tuple[str, str]]:
    """Every (type, field) with an optional date or year argument, from the schema."""
    schema = build_schema()._schema
    found: set[tuple[str, str]] = set()
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name == "Mutation" or not isinstance(kind, GraphQLObjectType):
            continue
        for field_name, field in kind.fields.items():
            for arg_name, arg in field.args.items():
                if DATED.search(arg_name) and not isinstance(arg.type, GraphQLNonNull):
                    found.add((name, field_name))
    return found


def test_every_field_that_defaults_a_date_is_asked_below() -> None:
    assert dated_fields() - set(ASKED) - set(NESTED) == set()


@pytest.fixture(scope="module")
def demo_api(demo_store: GraphStore) -> Api:
    return Api(demo_store)


@pytest.fixture(scope="module")
def person(demo_store: GraphStore) -> str:
    """The secretary of 城东区委 (630102) at the data's date."""
    posts = demo_store.links(LinkKind.HOLDS_POST, date.fromisoformat(DATA_DATE), targets=["630102"])
    (secretary,) = [p.source for p in posts if p.attrs.get("role") == "secretary"]
    return secretary


def _ask(api: Api, person: str, field: str, at: str | None) -> dict[str, Any]:
    args, selection, date_arg = ASKED[("Query", field)]
    given = [args.replace("$PERSON", person)] if args else []
    if at is not None:
        given.append(f'{date_arg}: "{at}"')
    call = f"{field}({', '.join(given)})" if given else field
    return api.post(f"{{ {call} {{ {selection} }} }}")


def _warnings(body: dict[str, Any]) -> list[dict[str, Any]]:
    warnings: list[dict[str, Any]] = body.get("extensions", {}).get("warnings", [])
    return warnings


@pytest.mark.parametrize("field", sorted(f for t, f in ASKED if t == "Query"))
def test_a_field_left_undated_is_asked_at_the_data_date(
    demo_api: Api, person: str, field: str
) -> None:
    assert ("Query", field) in dated_fields(), f"{field} takes no date now: drop it from ASKED"
    undated = _ask(demo_api, person, field, None)
    at_data = _ask(demo_api, person, field, DATA_DATE)
    later = _ask(demo_api, person, field, LATER)
    assert undated.get("data") == at_data.get("data")
    assert undated.get("errors") == at_data.get("errors")
    assert undated["extensions"]["dataDate"] == DATA_DATE
    codes = {(w["code"], w.get("asOf")) for w in _warnings(undated)}
    assert ("DATA_DATE_DEFAULT", DATA_DATE) in codes
    assert ("PAST_DATA_DATE", LATER) not in codes
    assert not [w for w in _warnings(at_data) if w["code"] != "OLDER_YEARLY_FACTS"]
    past = [w for w in _warnings(later) if w["code"] == "PAST_DATA_DATE"]
    assert past == [
        {
            "code": "PAST_DATA_DATE",
            "message": f"数据截至 {DATA_DATE}：所问日期 {LATER} 晚于数据 "
            f"(data as of {DATA_DATE}: the date asked, {LATER}, is past the data)",
            "dataDate": DATA_DATE,
            "asOf": LATER,
        }
    ]
    data = undated.get("data") or {}
    answer = data.get(field)
    if isinstance(answer, dict) and "asOf" in answer:
        assert answer["asOf"] == DATA_DATE


def test_an_overdue_case_counts_its_days_to_the_data_date(demo_api: Api) -> None:
    body = demo_api.post("{ remediationCases(overdue: true) { id deadline daysOverdue } }")
    cases = {c["id"]: c for c in body["data"]["remediationCases"]}
    # Deadline 2019-06-10, asked at 2019-06-30: 20 days, not the years to today.
    assert cases["case-2018-050"] == {
        "id": "case-2018-050",
        "deadline": "2019-06-10",
        "daysOverdue": 20,
    }


@pytest.mark.parametrize("kind", sorted(NESTED))
def test_yearly_facts_left_undated_are_the_latest_year_that_has_them(
    demo_api: Api, person: str, kind: tuple[str, str]
) -> None:
    root = "organization" if kind[0] == "Organization" else "member"
    for at, wanted in ((None, 2019), (LATER, 2026)):
        text = NESTED[kind].format(at="" if at is None else f', asOf: "{at}"')
        body = demo_api.post("{ " + text.replace("$PERSON", person) + " }")
        assert body["data"][root]["facts"] == {"year": 2018}
        older = [w for w in _warnings(body) if w["code"] == "OLDER_YEARLY_FACTS"]
        assert [(w["year"], w["yearUsed"], w["dataDate"]) for w in older] == [
            (wanted, 2018, DATA_DATE)
        ]
        assert older[0]["message"].startswith(
            f"数据截至 {DATA_DATE}：{wanted} 年无年度数据，按 2018 年度数据 ("
        )


def test_the_weak_branches_past_the_data_read_2018_and_say_so(demo_api: Api) -> None:
    body = demo_api.post(f'{{ weakBranches(scope: ["630102"], asOf: "{LATER}") {{ factsYear }} }}')
    assert {w["factsYear"] for w in body["data"]["weakBranches"]} == {2018}
    assert {(w["code"], w.get("year"), w.get("yearUsed")) for w in _warnings(body)} == {
        ("PAST_DATA_DATE", None, None),
        ("OLDER_YEARLY_FACTS", 2025, 2018),
    }


def test_data_date_is_a_root_field(demo_api: Api) -> None:
    body = demo_api.post("{ dataDate }")
    assert body == {"data": {"dataDate": DATA_DATE}}  # asking it warns of nothing


def test_changes_since_after_the_data_is_an_empty_window(demo_api: Api) -> None:
    # The demo's data ends 2019-06-30: changes since 2020-01-01, until left out, is the
    # window (2020-01-01, 2020-01-01]: nothing, not a refusal for until < since.
    body = demo_api.post(
        '{ changes(since: "2020-01-01", scope: ["630102"]) '
        "{ since until founded { organization } dissolved { organization } } }"
    )
    assert "errors" not in body, body
    assert body["data"]["changes"] == {
        "since": "2020-01-01",
        "until": "2020-01-01",
        "founded": [],
        "dissolved": [],
    }
