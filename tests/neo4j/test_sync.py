"""``orggraph sync``: embedded → Neo4j → embedded keeps every version, and the digest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from orggraph.cli import cli
from orggraph.errors import ConfigError
from orggraph.model import Fact, LinkKind, WriteBatch
from orggraph.settings import Settings
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.neo4j import Neo4jStore
from orggraph.store.sync import copy_graph, is_empty, sync_urls
from tests.graphs import link, member, org, tiny_city
from tests.neo4j_server import ServerInfo

pytestmark = pytest.mark.neo4j

D = date


def small_city(path: Path) -> EmbeddedStore:
    """tiny_city with people, a rename, a move and an ended membership.

    Versions, counted by hand:
    - nodes: 6 organizations + 1 (b1 renamed in 2016) + 3 members = 10;
    - links: 5 hierarchy + 1 (b2 moved under 630103 in 2015) + 3 member_of + 1 holds_post
      + 1 contacts = 11 (m3's membership ended in 2018 stays one version, closed);
    - facts: 3.
    """
    store = EmbeddedStore(path)
    store.write(tiny_city())
    store.write(
        WriteBatch(
            nodes=(
                member("m1", "张三"),
                member("m2", "李四", leader=True),
                member("m3", "王五", status="probationary"),
            ),
            links=(
                link(LinkKind.MEMBER_OF, "m1", "b1"),
                link(LinkKind.MEMBER_OF, "m2", "630102001"),
                link(LinkKind.MEMBER_OF, "m3", "b2", start=D(2012, 1, 1)),
                link(LinkKind.HOLDS_POST, "m1", "b1", role="secretary", term_ends=D(2021, 1, 1)),
                link(LinkKind.CONTACTS, "m2", "b2", start=D(2013, 5, 1)),
            ),
            facts=(
                Fact(node_id="b1", year=2019, name="meetings_held", value=12),
                Fact(node_id="b1", year=2019, name="collective_income", value=3.5),
                Fact(node_id="m1", year=2019, name="vanguard_index", value=92.0),
            ),
        )
    )
    store.write(
        WriteBatch(
            nodes=(
                org(
                    "b1", "夏都花园社区党委", "grassroots", sector="community", start=D(2016, 3, 1)
                ),
            ),
            end_links=(
                (link(LinkKind.SUBORDINATE_TO, "b2", "630102001").id, D(2015, 1, 1)),
                (link(LinkKind.MEMBER_OF, "m3", "b2").id, D(2018, 1, 1)),
            ),
            links=(link(LinkKind.SUBORDINATE_TO, "b2", "630103", start=D(2015, 1, 1)),),
        )
    )
    return store


def test_embedded_to_neo4j_and_back_keeps_the_digest(
    neo4j_store: Neo4jStore, tmp_path: Path
) -> None:
    with small_city(tmp_path / "a.db") as source:
        assert source.counts() == {"node_versions": 10, "link_versions": 11, "facts": 3}
        there = copy_graph(source, neo4j_store, batch_size=4)  # several batches of each
        assert there.ok, there
        assert there.target_counts == {"node_versions": 10, "link_versions": 11, "facts": 3}
        with EmbeddedStore(tmp_path / "b.db") as back:
            again = copy_graph(neo4j_store, back, batch_size=3)
            assert again.ok
            assert back.digest() == source.digest() == neo4j_store.digest()
            # History came along: the move of b2, and the closed membership of m3.
            assert back.parent("b2", D(2014, 12, 31)) == "630102001"
            assert back.parent("b2", D(2015, 1, 1)) == "630103"
            assert neo4j_store.subtree("630103", D(2016, 1, 1)) == ["630103", "b2"]
            assert neo4j_store.links(LinkKind.MEMBER_OF, D(2018, 1, 1), targets=["b2"]) == []


def test_sync_refuses_a_target_with_data_unless_replace(
    neo4j_store: Neo4jStore, neo4j_server: ServerInfo, tmp_path: Path
) -> None:
    small_city(tmp_path / "a.db").close()
    neo4j_store.write(tiny_city())
    settings = Settings()
    source_url = f"sqlite:///{tmp_path / 'a.db'}"
    with pytest.raises(ConfigError, match="not empty"):
        sync_urls(source_url, neo4j_server.uri, settings)
    report = sync_urls(source_url, neo4j_server.uri, settings, replace=True)
    assert report.ok and report.target_counts["node_versions"] == 10
    with pytest.raises(ConfigError, match="same store"):
        sync_urls(source_url, source_url, settings)


def test_replacing_an_embedded_target_swaps_the_file(
    neo4j_store: Neo4jStore, neo4j_server: ServerInfo, tmp_path: Path
) -> None:
    with small_city(tmp_path / "a.db") as source:
        copy_graph(source, neo4j_store)
        digest = source.digest()
    old = EmbeddedStore(tmp_path / "old.db")
    old.write(WriteBatch(nodes=(org("zzz", "旧数据", "city"),)))
    old.close()
    report = sync_urls(
        neo4j_server.uri, f"sqlite:///{tmp_path / 'old.db'}", Settings(), replace=True
    )
    assert report.ok
    with EmbeddedStore(tmp_path / "old.db") as replaced:
        assert replaced.digest() == digest
        assert replaced.node("zzz", D(2020, 1, 1)) is None
    assert not (tmp_path / "old.db.sync-new").exists()


def test_the_sync_command_prints_both_counts_and_digests(
    neo4j_store: Neo4jStore, neo4j_server: ServerInfo, tmp_path: Path
) -> None:
    small_city(tmp_path / "a.db").close()
    args = ["sync", "--from", f"sqlite:///{tmp_path / 'a.db'}", "--to", neo4j_server.uri]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["ok"] is True
    assert report["source"]["digest"] == report["target"]["digest"]
    assert report["target"]["counts"] == {"node_versions": 10, "link_versions": 11, "facts": 3}
    assert set(report["part_seconds"]) == {"node_versions", "link_versions", "facts", "indexes"}
    assert not is_empty(neo4j_store)
    # The table form, into another empty store.
    back = ["sync", "--from", neo4j_server.uri, "--to", f"sqlite:///{tmp_path / 'c.db'}"]
    text = CliRunner().invoke(cli, back)
    assert text.exit_code == 0, text.output
    assert "一致 (identical)" in text.stdout and text.stdout.count(report["source"]["digest"]) == 2
