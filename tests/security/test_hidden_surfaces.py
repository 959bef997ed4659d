"""Every surface hides the same things, in one shape (issue 18, the read side).

The small city (tests/api/graphs.py) with two remediation cases and a year of facts::

    c-b1  case of b1, opened 2019-07-01, rectifying: responsible d1 李区委书记 (a member of
          630102: outside the analyst's 630102001, inside the viewer's 630102), partner
          630103 城中区委 (outside both)
    c-b2  case of b2, opened 2019-08-01, identified: responsible m1 张三, partner b1 (both
          inside every scope)
    2018  b2: 2 meetings held, graded poor (b2 fails few_meetings and poor_assessment
          at 2019-09-30, besides secretary_vacant); b1: 12 meetings, graded good

Accounts (tests/security/conftest.py): the analyst sees 630102001's subtree and reads
internal and personal data; the viewer sees 630102's subtree and reads public data only.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest

from orggraph.model import LinkKind, Node, NodeKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.masking import Hidden, hidden_text
from tests.api.graphs import small_city
from tests.graphs import fact, link, member
from tests.security.conftest import Secured, secure

AS_OF = "2019-09-30"
HIDDEN = hidden_text()  # (范围外)
HIDDEN_EN = hidden_text(Hidden.OUT_OF_SCOPE, "en")  # (outside scope)


def _case(cid: str, org: str, since: date, state: str, responsible: str, partner: str) -> Node:
    return Node(
        id=cid,
        kind=NodeKind.CASE,
        name=f"{org}整顿转化",
        valid_from=since,
        attrs={
            "organization": org,
            "state": state,
            "reasons": ["few_meetings"],
            "responsible": responsible,
            "partner": partner,
            "deadline": date(2019, 12, 31),
            "evidence": "整改方案",
        },
    )


def cases_city() -> WriteBatch:
    city = small_city()
    cases = (
        _case("c-b1", "b1", date(2019, 7, 1), "rectifying", "d1", "630103"),
        _case("c-b2", "b2", date(2019, 8, 1), "identified", "m1", "b1"),
    )
    facts = (
        fact("b2", 2018, "meetings_held", 2),
        fact("b2", 2018, "assessment_grade", "poor"),
        fact("b1", 2018, "meetings_held", 12),
        fact("b1", 2018, "assessment_grade", "good"),
    )
    return WriteBatch(nodes=(*city.nodes, *cases), links=city.links, facts=facts)


@pytest.fixture
def city(store: GraphStore) -> Secured:
    store.write(cases_city())
    return secure(store)


CASES = """query($asOf: Date) { remediationCases(asOf: $asOf) {
  id organization state responsible partner steps { responsible partner } } }"""
NAME = "query($id: ID!) { node(id: $id) { name } }"


def _named(city: Secured, role: str, ids: set[str]) -> set[str]:
    """The names ``role`` can look up for ``ids``."""
    nodes = (city.gql(NAME, {"id": i}, as_=role)["data"]["node"] for i in sorted(ids))
    return {node["name"] for node in nodes if node and node["name"]}


def _names_through_graphql(city: Secured, role: str) -> set[str]:
    """The people an actor can name from ``remediationCases``: its ids, looked up."""
    body = city.gql(CASES, {"asOf": AS_OF}, as_=role)
    if body.get("errors"):
        return set()
    cases = body["data"]["remediationCases"]
    return _named(city, role, {c["responsible"] for c in cases if c["responsible"]})


def _export(city: Secured, kind: str, role: str, fmt: str, **params: str) -> Any:
    return city.request(
        "GET",
        f"/exports/{kind}",
        params={"format": fmt, "as_of": AS_OF, "year": "2019", **params},
        as_=role,
    )


def _ledger_rows(city: Secured, role: str) -> list[dict[str, str]]:
    response = _export(city, "ledger", role, "csv")
    assert response.status_code == 200, response.text
    lines = response.content.decode("utf-8-sig").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("县(区)"))
    return list(csv.DictReader(lines[start:]))


def _ledger_names(city: Secured, role: str) -> set[str]:
    if _export(city, "ledger", role, "csv").status_code != 200:
        return set()
    names = {r["责任领导"] for r in _ledger_rows(city, role)}
    return names - {"", HIDDEN}


def _saved_query_names(city: Secured, role: str) -> set[str]:
    response = _export(city, "query", role, "csv", query="remediation_cases")
    if response.status_code != 200:
        return set()
    text = response.content.decode("utf-8-sig")
    # Every member id of the city that appears as a cell (or in a joined cell of steps).
    cells = {
        part for row in csv.reader(io.StringIO(text)) for cell in row for part in cell.split("；")
    }
    return _named(city, role, cells & {"w1", "d1", "m1", "m2", "m3", "m4"})


# -- the ledger names no one outside the scope ----------------------------------------------


def test_the_ledger_shows_people_outside_the_scope_as_hidden(city: Secured) -> None:
    rows = {r["组织编号"]: r for r in _ledger_rows(city, "analyst")}
    # b1's case: d1 and 630103 are outside 630102001's subtree; b2's: m1 and b1 inside.
    assert (rows["b1"]["责任领导"], rows["b1"]["结对党组织"]) == (HIDDEN, HIDDEN)
    assert (rows["b2"]["责任领导"], rows["b2"]["结对党组织"]) == ("张三", "夏都花园社区党支部")
    # The district's editor sees d1 (a member of 630102), not 630103.
    rows = {r["组织编号"]: r for r in _ledger_rows(city, "editor")}
    assert (rows["b1"]["责任领导"], rows["b1"]["结对党组织"]) == ("李区委书记", HIDDEN)


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "html"])
def test_no_ledger_format_names_a_hidden_person(city: Secured, fmt: str) -> None:
    response = _export(city, "ledger", "analyst", fmt)
    assert response.status_code == 200
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content))
        text = " ".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    else:
        text = response.content.decode("utf-8-sig")
    assert "李区委书记" not in text and "城中区委" not in text
    assert "张三" in text and HIDDEN in text
    english = _export(city, "ledger", "analyst", "csv", lang="en").content.decode("utf-8-sig")
    assert HIDDEN_EN in english and "李区委书记" not in english


def test_graphql_hides_the_same_people_as_null(city: Secured) -> None:
    cases = city.gql(CASES, {"asOf": AS_OF}, as_="analyst")["data"]["remediationCases"]
    assert cases == [
        {
            "id": "c-b1",
            "organization": "b1",
            "state": "RECTIFYING",
            "responsible": None,
            "partner": None,
            "steps": [{"responsible": None, "partner": None}],
        },
        {
            "id": "c-b2",
            "organization": "b2",
            "state": "IDENTIFIED",
            "responsible": "m1",
            "partner": "b1",
            "steps": [{"responsible": "m1", "partner": "b1"}],
        },
    ]


def test_the_saved_query_export_hides_the_same_people(city: Secured) -> None:
    response = _export(city, "query", "analyst", "csv", query="remediation_cases")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "d1" not in text.replace("c-b1", "") and "630103" not in text
    assert "m1" in text


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_every_surface_names_the_same_people(city: Secured, role: str) -> None:
    # Worked out by hand: the analyst may name m1 张三 only (d1 is outside its scope); the
    # viewer no one (cases are internal, names personal: refused and masked).
    expected = {"analyst": {"张三"}, "viewer": set()}[role]
    assert _names_through_graphql(city, role) == expected
    assert _ledger_names(city, role) == expected
    assert _saved_query_names(city, role) == expected


# -- a viewer reads no internal data through an analysis -----------------------------------


def test_a_viewer_is_refused_the_cases_as_the_case_node_masks_them(city: Secured) -> None:
    body = city.gql(CASES, {"asOf": AS_OF}, as_="viewer")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # The case node: the same fields masked (null) for the viewer.
    node = city.gql(
        '{ node(id: "c-b1", asOf: "2019-09-30") { masked '
        "... on RemediationCase { state reasons deadline evidence } } }",
        as_="viewer",
    )["data"]["node"]
    assert node["state"] is None and node["reasons"] is None and node["deadline"] is None
    assert {"state", "reasons", "responsible", "partner", "deadline"} <= set(node["masked"])
    # The saved-query export runs the same query for the viewer: refused too.
    export = _export(city, "query", "viewer", "csv", query="remediation_cases")
    assert export.status_code != 200
    assert "PERMISSION_DENIED" in export.text and "rectifying" not in export.text
    # A person's open cases, through responsibilities: left out for the viewer.
    query = '{ responsibilities(person: "d1", asOf: "2019-09-30") { cases { id state } } }'
    assert city.gql(query, as_="viewer")["data"]["responsibilities"]["cases"] == []
    assert city.gql(query, as_="editor")["data"]["responsibilities"]["cases"] == [
        {"id": "c-b1", "state": "rectifying"}
    ]


WEAK = """query($asOf: Date) { weakBranches(asOf: $asOf) { organization { id }
  caseState masked failures { rule detail facts masked } } }"""


def test_a_viewer_reads_no_yearly_fact_through_weak_branches(city: Secured) -> None:
    viewer = city.gql(WEAK, {"asOf": AS_OF}, as_="viewer")["data"]["weakBranches"]
    b2 = next(w for w in viewer if w["organization"]["id"] == "b2")
    assert b2["caseState"] is None and b2["masked"] == ["case_state"]
    rules = {f["rule"] for f in b2["failures"]}
    assert {"few_meetings", "poor_assessment"} <= rules
    for failure in (f for w in viewer for f in w["failures"]):
        assert failure["detail"] is None and failure["facts"] is None
        assert failure["masked"] == ["detail", "facts"]
    # The analyst reads them: b2 held 2 meetings in 2018, fewer than 12.
    analyst = city.gql(WEAK, {"asOf": AS_OF}, as_="analyst")["data"]["weakBranches"]
    b2 = next(w for w in analyst if w["organization"]["id"] == "b2")
    meetings = next(f for f in b2["failures"] if f["rule"] == "few_meetings")
    assert meetings["facts"] == {"year": 2018, "meetings_held": 2, "min_meetings": 12}
    assert meetings["detail"] == "2018年召开组织生活会议2次，少于12次"
    assert meetings["masked"] == [] and b2["caseState"] == "IDENTIFIED"
    # The same through the saved-query export.
    text = _export(city, "query", "viewer", "csv", query="weak_branches").content.decode(
        "utf-8-sig"
    )
    assert "b2" in text or "某村党支部" in text
    assert "少于12次" not in text and "meetings_held" not in text
    assert "assessment_grade" not in text and "identified" not in text


def test_coverage_rates_are_internal_on_every_surface(city: Secured) -> None:
    query = '{ coverageRates(asOf: "2019-09-30") { name units organized rate } }'
    for field in (query, '{ coverageChange(since: "2014-12-31") { name change } }'):
        body = city.gql(field, as_="viewer")
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    refused = _export(city, "coverage", "viewer", "csv")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "PERMISSION_DENIED"
    # The analyst reads both: u1 (in 630102001) operates and has no organization.
    rates = city.gql(query, as_="analyst")["data"]["coverageRates"]
    assert rates[-1] == {"name": "合计", "units": 1, "organized": 0, "rate": 0.0}
    assert _export(city, "coverage", "analyst", "csv").status_code == 200


# -- changes: people judged on the event's date ---------------------------------------------


def test_changes_hide_people_outside_the_scope_on_the_event_date(store: GraphStore) -> None:
    city = small_city()
    k = LinkKind
    extra = WriteBatch(
        nodes=(*city.nodes, member("m9", "孙九")),
        links=(
            *city.links,
            # m9: a member of 630103 until 2016, of b2 after; contact of b2 from 2015.
            link(k.MEMBER_OF, "m9", "630103", end=date(2016, 1, 1)),
            link(k.MEMBER_OF, "m9", "b2", start=date(2016, 1, 1)),
            link(k.CONTACTS, "m9", "b2", start=date(2015, 1, 1)),
            # m1 (in b1 all along): contact of b2 from 2015-06-01.
            link(k.CONTACTS, "m1", "b2", start=date(2015, 6, 1)),
        ),
    )
    store.write(extra)
    city_app = secure(store)
    query = """{ changes(since: "2014-01-01", until: "2019-01-01") {
      linksMade { kind source target date } links { kind made ended } } }"""
    report = city_app.gql(query, as_="analyst")["data"]["changes"]
    contacts = [e for e in report["linksMade"] if e["kind"] == "CONTACTS"]
    # On 2015-01-01 m9 was in 630103, outside 630102001: hidden; m1 was inside.
    assert contacts == [
        {"kind": "CONTACTS", "source": None, "target": "b2", "date": "2015-01-01"},
        {"kind": "CONTACTS", "source": "m1", "target": "b2", "date": "2015-06-01"},
    ] or contacts == [
        {"kind": "CONTACTS", "source": "m1", "target": "b2", "date": "2015-06-01"},
        {"kind": "CONTACTS", "source": None, "target": "b2", "date": "2015-01-01"},
    ]
    counted = next(c for c in report["links"] if c["kind"] == "CONTACTS")
    assert counted == {"kind": "CONTACTS", "made": 2, "ended": 0}
    # The administrator sees m9 by id.
    admin = city_app.gql(query, as_="admin")["data"]["changes"]["linksMade"]
    assert {e["source"] for e in admin if e["kind"] == "CONTACTS"} == {"m9", "m1"}


# -- one shape -------------------------------------------------------------------------------


def test_the_hidden_shape_is_defined_once() -> None:
    assert (hidden_text(), hidden_text(lang="en")) == ("(范围外)", "(outside scope)")
    assert hidden_text(Hidden.NOT_PERMITTED) == "(无权查看)"
    assert json.dumps(Hidden.OUT_OF_SCOPE) == '"out_of_scope"'


def test_the_cli_shows_the_same_hidden_shape(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from orggraph.cli import cli
    from orggraph.store.embedded import EmbeddedStore

    db = tmp_path / "city.db"
    with EmbeddedStore(db) as store:
        store.write(cases_city())
    args = ["--store", f"sqlite:///{db}", "cases", "--as-of", AS_OF, "--scope", "630102001"]
    table = CliRunner().invoke(cli, args)
    assert table.exit_code == 0, table.output
    line = next(x for x in table.output.splitlines() if x.startswith("c-b1"))
    assert line.count(HIDDEN) == 2 and "d1" not in line and "630103" not in line
    assert "m1" in next(x for x in table.output.splitlines() if x.startswith("c-b2"))
    shown = json.loads(CliRunner().invoke(cli, [*args, "--json"]).stdout)
    assert [(c["responsible"], c["partner"]) for c in shown] == [(None, None), ("m1", "b1")]
