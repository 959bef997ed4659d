"""Ending a node closes its open links, and only those: history stays as it was.

Worked by hand: branch b (from D0) with member m (from D0) and m's membership of b. m
leaves on 2019-01-02 (the membership ends that day); b is dissolved on 2019-01-03. The
membership must still end on 2019-01-02: closing it again "at" the 3rd would have made
m a member one day longer than they were (a write found by the stateful scope test).
A post of another member, still open, is closed on the 3rd.
"""

from __future__ import annotations

from datetime import date

from orggraph.model import LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from tests.graphs import D0, link, member, org

LEFT, DISSOLVED = date(2019, 1, 2), date(2019, 1, 3)


def test_ending_a_node_leaves_its_closed_links_as_they_were(store: GraphStore) -> None:
    store.write(
        WriteBatch(
            nodes=(
                org("b", "某党支部", "grassroots", "branch"),
                member("m", "张三"),
                member("s", "李四"),
            ),
            links=(
                link(LinkKind.MEMBER_OF, "m", "b"),
                link(LinkKind.HOLDS_POST, "s", "b", role="secretary"),
            ),
        )
    )
    store.write(WriteBatch(end_nodes=(("m", LEFT),)))
    store.write(WriteBatch(end_nodes=(("b", DISSOLVED),)))
    ends = {x.id: (x.valid_from, x.valid_to) for x in store.links_touching(["b"])}
    assert ends == {
        "member_of:m>b": (D0, LEFT),
        "holds_post:s>b#secretary": (D0, DISSOLVED),
    }
