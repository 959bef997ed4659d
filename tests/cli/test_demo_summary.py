"""``orggraph demo`` says what it wrote, and every line of it adds up.

Each summary line reads ``TITLE N = PART a + PART b + …``; the parts must add up to the
total, and each figure must be what the store holds, counted here by an independent
query (the nodes valid on 2019-06-30, by kind, level and sector), not read from the
command.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from orggraph.cli import cli
from orggraph.model import NodeKind, label
from orggraph.store.embedded import EmbeddedStore

DAY = date(2019, 6, 30)
_SUM = re.compile(r"^\s*(\S+) [^=]*?([\d,]+) = (.+)$")


def _n(text: str) -> int:
    return int(text.replace(",", ""))


def _parts(text: str) -> dict[str, int]:
    found = [p.rsplit(" ", 1) for p in text.split(" + ")]
    return {title: _n(n) for title, n in found}


def test_the_demo_summary_adds_up_and_matches_the_store(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = CliRunner().invoke(cli, ["--store", f"sqlite:///{db}", "demo"])
    assert result.exit_code == 0, result.output
    sums = {}
    for line in result.stdout.splitlines():
        m = _SUM.match(line)
        if m:
            parts = _parts(m.group(3))
            assert sum(parts.values()) == _n(m.group(2)), line
            sums[m.group(1)] = (_n(m.group(2)), parts)
    assert set(sums) == {"节点", "党组织", "其他基层党组织"}, result.stdout

    with EmbeddedStore(db) as store:
        by_kind = {k: len(store.nodes(k, DAY)) for k in NodeKind}
        orgs = store.nodes(NodeKind.ORGANIZATION, DAY)
        versions = sum(1 for _ in store.all_nodes())
    levels = Counter(str(o.attrs["level"]) for o in orgs if o.attrs.get("code"))
    sectors = Counter(str(o.attrs.get("sector")) for o in orgs if not o.attrs.get("code"))

    nodes, kinds = sums["节点"]
    assert nodes == sum(by_kind.values())
    # Every kind the store holds at the date, by its Chinese name (the yearly cycles'
    # lists and duties included: they are written after the batches).
    assert kinds == {label(kind): n for kind, n in by_kind.items() if n}
    assert by_kind[NodeKind.ORGANIZATION] == 4_600 and by_kind[NodeKind.MEMBER] == 91_000
    total, parts = sums["党组织"]
    assert total == len(orgs) == by_kind[NodeKind.ORGANIZATION]
    assert parts == {
        "市(州)委": levels["city"],
        "县(区)委": levels["county"],
        "乡镇党委、街道党工委": levels["township"],
        "村(社区)党组织": levels["grassroots"],
        "其他基层党组织": sum(sectors.values()),
    }
    # The real tree: 1 city, 7 districts and counties, 80 townships and streets, 1,100
    # villages and communities (DOMAIN.md).
    assert [parts["市(州)委"], parts["县(区)委"], parts["乡镇党委、街道党工委"]] == [1, 7, 80]
    assert parts["村(社区)党组织"] == 1_100
    _, other = sums["其他基层党组织"]
    labels = {
        "rural": "农村",
        "community": "城市社区",
        "agency": "机关",
        "institution": "事业单位",
        "state_enterprise": "国有企业",
        "non_public_enterprise": "非公企业",
        "social_organization": "社会组织",
    }
    assert other == {labels[s]: n for s, n in sectors.items()}
    written = re.search(
        r"节点版本 node versions ([\d,]+)（.*? 有效 ([\d,]+) \+ .*? ([\d,]+)）", result.stdout
    )
    assert written is not None, result.stdout
    assert _n(written.group(1)) == versions == _n(written.group(2)) + _n(written.group(3))
    assert _n(written.group(2)) == nodes
