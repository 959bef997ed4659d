"""``incoming_versions`` on both stores (the ``store`` fixture), and on the embedded
store's columns after it is opened again; worked out by hand.

``tiny_city`` (b1 from 2010, b2 from 2012) with three members from 2010-01-01:

- s1 secretary of b1 from 2010 to 2014-01-01, and again from 2019-01-01 (two versions of
  one post); a member of b1 over the same two spans;
- s2 secretary of b1 from 2015-01-01; a member of b1 from 2010;
- s3 deputy secretary of b1 from 2010, secretary of b2 from 2012.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orggraph.model import Link, LinkKind, WriteBatch
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from tests.graphs import link, member, tiny_city

D = date
POST, MEM, SUB = LinkKind.HOLDS_POST, LinkKind.MEMBER_OF, LinkKind.SUBORDINATE_TO
BACK = D(2019, 1, 1)


def _write(store: GraphStore) -> None:
    store.write(tiny_city())
    store.write(
        WriteBatch(
            nodes=(member("s1", "张三"), member("s2", "李四"), member("s3", "王五")),
            links=(
                link(POST, "s1", "b1", role="secretary", end=D(2014, 1, 1)),
                link(POST, "s2", "b1", role="secretary", start=D(2015, 1, 1)),
                link(POST, "s3", "b1", role="deputy_secretary"),
                link(POST, "s3", "b2", role="secretary", start=D(2012, 1, 1)),
                link(MEM, "s1", "b1", end=D(2014, 1, 1)),
                link(MEM, "s2", "b1"),
            ),
        )
    )
    store.write(
        WriteBatch(
            links=(
                link(POST, "s1", "b1", role="secretary", start=BACK),
                link(MEM, "s1", "b1", start=BACK),
            )
        )
    )


def _seen(links: list[Link]) -> list[tuple[object, ...]]:
    return sorted(
        (x.kind.value, x.source, x.target, x.get("role"), x.valid_from, x.valid_to) for x in links
    )


def _check(store: GraphStore) -> None:
    assert _seen(store.incoming_versions(POST, ["b1"])) == [
        ("holds_post", "s1", "b1", "secretary", D(2010, 1, 1), D(2014, 1, 1)),
        ("holds_post", "s1", "b1", "secretary", BACK, None),
        ("holds_post", "s2", "b1", "secretary", D(2015, 1, 1), None),
        ("holds_post", "s3", "b1", "deputy_secretary", D(2010, 1, 1), None),
    ]
    # Only the kind asked, only links reaching the targets (630102 is reached by none).
    assert _seen(store.incoming_versions(POST, ["b2", "630102"])) == [
        ("holds_post", "s3", "b2", "secretary", D(2012, 1, 1), None),
    ]
    assert _seen(store.incoming_versions(MEM, ["b1"])) == [
        ("member_of", "s1", "b1", None, D(2010, 1, 1), D(2014, 1, 1)),
        ("member_of", "s1", "b1", None, BACK, None),
        ("member_of", "s2", "b1", None, D(2010, 1, 1), None),
    ]
    assert _seen(store.incoming_versions(SUB, ["630102001"])) == [
        ("subordinate_to", "b1", "630102001", None, D(2010, 1, 1), None),
        ("subordinate_to", "b2", "630102001", None, D(2012, 1, 1), None),
    ]
    assert store.incoming_versions(POST, []) == []


def test_every_version_of_the_links_reaching_the_targets(store: GraphStore) -> None:
    _write(store)
    _check(store)


def test_the_embedded_columns_answer_alike(tmp_path: Path) -> None:
    path = tmp_path / "incoming.db"
    with EmbeddedStore(path) as store:
        _write(store)
    with EmbeddedStore(path, index_snapshot=False) as store:
        _check(store)  # memberships from the columns
