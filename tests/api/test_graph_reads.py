"""Node types, connections, search, node(id) and subgraph, on the small city (graphs.py)."""

from __future__ import annotations

from tests.api.conftest import Api


def test_an_organization_with_its_people_and_links(api: Api) -> None:
    data = api.data(
        """{ organization(id: "b1", asOf: "2019-06-30") {
              id name orgKind orgKindLabel level levelLabel sector sectorLabel kindLabel
              parent { id } ancestors { id } children { id }
              secretary { id name }
              posts { role roleLabel member { id } }
              memberCount fullCount: memberCount(status: FULL)
              contactLeaders { id name }
              contacts { kind kindLabel validFrom leader { id } organization { id } }
            } }"""
    )
    org = data["organization"]
    assert org["name"] == "夏都花园社区党支部"
    assert (org["orgKind"], org["orgKindLabel"]) == ("BRANCH", "党支部")
    assert (org["level"], org["levelLabel"]) == ("GRASSROOTS", "基层")
    assert (org["sector"], org["sectorLabel"]) == ("COMMUNITY", "城市社区")
    assert org["kindLabel"] == "党组织"
    assert org["parent"] == {"id": "630102001"}
    # b1 → 630102001 → 630102 → 630100, nearest first.
    assert [a["id"] for a in org["ancestors"]] == ["630102001", "630102", "630100"]
    assert org["children"] == []
    assert org["secretary"] == {"id": "m1", "name": "张三"}
    # Posts oldest first: m1 secretary from 2010, m2 deputy from 2015.
    assert org["posts"] == [
        {"role": "SECRETARY", "roleLabel": "书记", "member": {"id": "m1"}},
        {"role": "DEPUTY_SECRETARY", "roleLabel": "副书记", "member": {"id": "m2"}},
    ]
    # m1, m2, m3 belong to b1; m3 is probationary.
    assert (org["memberCount"], org["fullCount"]) == (3, 2)
    assert org["contactLeaders"] == [{"id": "d1", "name": "李区委书记"}]
    assert org["contacts"] == [
        {
            "kind": "CONTACTS",
            "kindLabel": "联点",
            "validFrom": "2010-01-01",
            "leader": {"id": "d1"},
            "organization": {"id": "b1"},
        }
    ]


def test_reads_follow_the_date_asked_at(api: Api) -> None:
    # In 2014 m2 was not yet deputy secretary (from 2015), and b2 did not exist before 2012.
    data = api.data(
        """{ early: organization(id: "b1", asOf: "2014-06-30") { posts { role } }
             b2old: node(id: "b2", asOf: "2011-06-30") { id }
             b2: node(id: "b2", asOf: "2012-06-30") { id name } }"""
    )
    assert data["early"]["posts"] == [{"role": "SECRETARY"}]
    assert data["b2old"] is None
    assert data["b2"] == {"id": "b2", "name": "某村党支部"}


def test_node_resolves_each_kind_to_its_type(api: Api) -> None:
    data = api.data(
        """{ nodes(ids: ["m3", "wg01", "e1", "u1", "nope"], asOf: "2019-06-30") {
              __typename id name
              ... on Member { status isLeader organization { id } }
              ... on WorkingGroup { number leaders { leader { id } } areas { organization { id } } }
              ... on Expert { field servedBy { leader { id } } }
              ... on Unit { unitKind fullMembers instructors { instructor { id } } }
            } }"""
    )
    m3, wg, expert, unit, missing = data["nodes"]
    assert m3 == {
        "__typename": "Member",
        "id": "m3",
        "name": "王五",
        "status": "PROBATIONARY",
        "isLeader": False,
        "organization": {"id": "b1"},
    }
    assert wg["__typename"] == "WorkingGroup"
    assert wg["number"] == 1
    assert wg["leaders"] == [{"leader": {"id": "w1"}}]
    assert wg["areas"] == [{"organization": {"id": "630102"}}]
    assert expert["servedBy"] == [{"leader": {"id": "d1"}}]
    assert unit["unitKind"] == "NON_PUBLIC_ENTERPRISE"
    assert unit["fullMembers"] == 2
    assert unit["instructors"] == [{"instructor": {"id": "m2"}}]
    assert missing is None


def test_a_member_reaches_posts_contacts_and_experts(api: Api) -> None:
    data = api.data(
        """{ member(id: "d1", asOf: "2019-06-30") {
              gender posts { role organization { id } }
              contacts { organization { name } } serves { expert { name } }
            } }"""
    )
    assert data["member"] == {
        "gender": "MALE",
        "posts": [{"role": "SECRETARY", "organization": {"id": "630102"}}],
        "contacts": [{"organization": {"name": "夏都花园社区党支部"}}],
        "serves": [{"expert": {"name": "陈专家"}}],
    }


def test_organizations_page_through_by_id(api: Api) -> None:
    # Six organizations sorted by id: 630100, 630102, 630102001, 630103, b1, b2.
    query = """query($after: String) { organizations(first: 4, after: $after, asOf: "2019-06-30") {
                 totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
                 edges { cursor node { id } } } }"""
    first = api.data(query)["organizations"]
    assert first["totalCount"] == 6
    assert [e["node"]["id"] for e in first["edges"]] == ["630100", "630102", "630102001", "630103"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    second = api.data(query, {"after": first["pageInfo"]["endCursor"]})["organizations"]
    assert [e["node"]["id"] for e in second["edges"]] == ["b1", "b2"]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True


def test_last_and_before_page_backwards(api: Api) -> None:
    data = api.data(
        """{ organizations(last: 2, asOf: "2019-06-30") {
               nodes { id } pageInfo { startCursor } } }"""
    )
    assert [n["id"] for n in data["organizations"]["nodes"]] == ["b1", "b2"]
    before = data["organizations"]["pageInfo"]["startCursor"]
    data = api.data(
        """query($b: String) { organizations(last: 2, before: $b, asOf: "2019-06-30") {
             nodes { id } } }""",
        {"b": before},
    )
    assert [n["id"] for n in data["organizations"]["nodes"]] == ["630102001", "630103"]


def test_organization_filters(api: Api) -> None:
    data = api.data(
        """{ east: organizations(filter: {territory: "630102"}, asOf: "2019-06-30") { nodes { id } }
             branches: organizations(filter: {kind: BRANCH, sector: RURAL}, asOf: "2019-06-30") {
               nodes { id } }
             counties: organizations(filter: {level: COUNTY}, asOf: "2019-06-30") { totalCount }
             named: organizations(filter: {text: "街道"}, asOf: "2019-06-30") { nodes { id } }
             coded: organizations(filter: {text: "6301020"}, asOf: "2019-06-30") {
               nodes { id } } }"""
    )
    assert [n["id"] for n in data["east"]["nodes"]] == ["630102", "630102001", "b1", "b2"]
    assert [n["id"] for n in data["branches"]["nodes"]] == ["b2"]
    assert data["counties"]["totalCount"] == 2  # 630102, 630103
    assert [n["id"] for n in data["named"]["nodes"]] == ["630102001"]
    assert [n["id"] for n in data["coded"]["nodes"]] == ["630102001"]


def test_members_of_a_territory_and_of_an_organization(api: Api) -> None:
    data = api.data(
        """{ east: members(filter: {territory: "630102001"}, asOf: "2019-06-30") { nodes { id } }
             b1: organization(id: "b1", asOf: "2019-06-30") {
               members(first: 2) { totalCount nodes { id } pageInfo { hasNextPage } } }
             leaders: members(filter: {isLeader: true}, asOf: "2019-06-30") { nodes { id } }
             probation: members(filter: {status: PROBATIONARY}, asOf: "2019-06-30") {
               nodes { id } } }"""
    )
    # Members of b1 and b2 (m1-m3, m4); d1 belongs to 630102, above the township.
    assert [n["id"] for n in data["east"]["nodes"]] == ["m1", "m2", "m3", "m4"]
    b1 = data["b1"]["members"]
    assert (b1["totalCount"], [n["id"] for n in b1["nodes"]]) == (3, ["m1", "m2"])
    assert b1["pageInfo"]["hasNextPage"] is True
    assert [n["id"] for n in data["leaders"]["nodes"]] == ["d1", "w1"]
    assert [n["id"] for n in data["probation"]["nodes"]] == ["m3"]


def test_search_by_chinese_name_and_code(api: Api) -> None:
    data = api.data(
        """{ byName: search(text: "城东", asOf: "2019-06-30") { id kindLabel }
             byCode: search(text: "630102001", asOf: "2019-06-30") { id }
             people: search(text: "李", kinds: [MEMBER], asOf: "2019-06-30") { id name } }"""
    )
    assert data["byName"] == [{"id": "630102", "kindLabel": "党组织"}]
    assert data["byCode"] == [{"id": "630102001"}]
    # 李四 (m2) and 李区委书记 (d1): both contain 李; the shorter name first.
    assert data["people"] == [{"id": "m2", "name": "李四"}, {"id": "d1", "name": "李区委书记"}]


def test_subgraph_for_drawing(api: Api) -> None:
    data = api.data(
        """{ subgraph(scope: "630102", depth: 1, kinds: [WORKING_GROUP], asOf: "2019-06-30") {
              truncated nodes { id kind depth } edges { kind source target label } } }"""
    )
    graph = data["subgraph"]
    # One level down from 630102: 630102001; plus wg01 covering 630102.
    assert graph["truncated"] is False
    assert sorted((n["id"], n["kind"], n["depth"]) for n in graph["nodes"]) == [
        ("630102", "ORGANIZATION", 0),
        ("630102001", "ORGANIZATION", 1),
        ("wg01", "WORKING_GROUP", -1),
    ]
    assert sorted((e["kind"], e["source"], e["target"], e["label"]) for e in graph["edges"]) == [
        ("COVERS", "wg01", "630102", "包联"),
        ("SUBORDINATE_TO", "630102001", "630102", "隶属"),
    ]


def test_subgraph_with_members_labels_posts_by_role(api: Api) -> None:
    data = api.data(
        """{ subgraph(scope: "b1", depth: 0, kinds: [MEMBER], asOf: "2019-06-30") {
              nodes { id } edges { kind source label role } } }"""
    )
    graph = data["subgraph"]
    # b1, its members m1-m3, and d1 as its contact leader.
    assert sorted(n["id"] for n in graph["nodes"]) == ["b1", "d1", "m1", "m2", "m3"]
    posts = sorted((e["source"], e["label"]) for e in graph["edges"] if e["kind"] == "HOLDS_POST")
    assert posts == [("m1", "书记"), ("m2", "副书记")]


def test_facts_of_a_year(api: Api, store: object) -> None:
    from orggraph.model import Fact, WriteBatch

    api.store.write(
        WriteBatch(
            facts=(
                Fact(node_id="b1", year=2018, name="meetings_held", value=10),
                Fact(node_id="b1", year=2018, name="assessment_grade", value="good"),
            )
        )
    )
    data = api.data(
        """{ organization(id: "b1", asOf: "2019-06-30") {
              facts(year: 2018) { year meetingsHeld assessmentGrade collectiveIncome }
              thisYear: facts { year meetingsHeld } } }"""
    )
    assert data["organization"]["facts"] == {
        "year": 2018,
        "meetingsHeld": 10,
        "assessmentGrade": "GOOD",
        "collectiveIncome": None,
    }
    # No facts for 2019 (the year asked at): the latest year that has them, 2018 (noted in
    # the response's extensions, tests/api/test_data_date.py).
    assert data["organization"]["thisYear"] == {"year": 2018, "meetingsHeld": 10}
