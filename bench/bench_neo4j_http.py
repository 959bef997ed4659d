"""The web view's questions over HTTP, the same city served from Neo4j and from the
embedded store side by side.

The demo city is written into a Neo4j server by ``orggraph sync``'s own writing half
(``copy_records``, as a bulk load), then two uvicorn workers serve the real application
(``create_app``, every request for the local administrator): one over the embedded demo
store, one over Neo4j. Six GraphQL questions are asked of each over HTTP, each once to
warm up and then ``--repeats`` times; the figures are the medians, Neo4j beside the
embedded store, and each question's answers must be equal byte for byte:

- the web view's tree: ``subgraph`` of the city, depth 6 (``WebTree`` of
  orggraph/web/static/api.js, as the home page asks it);
- the web view's map state: ``mapState`` (``WebState``, the home page's other request);
- a responsibility chain (queries/responsibility_chain.graphql);
- one district's coverage gaps (queries/coverage_gaps.graphql);
- coverage rates by district (queries/coverage_rates.graphql);
- 1,000 grassroots organizations with three fields (id, name, the secretary's name).

Then the web view's home is asked of Neo4j right after each of a few writes made by this
process (``ask_after_writes``): the first ask after a write, which the read cache served
from nothing before it kept what a write does not touch.

The Neo4j server is the test suite's launcher (tests/neo4j_server.py) with the full JIT,
started here and stopped at the end, unless ``--neo4j-uri`` names one (whose data is
wiped: never point it at a database you keep).

    python -m bench.bench_neo4j_http [--repeats 3] [--neo4j-uri bolt://…] PATH
    python -m bench.bench_neo4j_http serve --port 8765 URL     # one server alone
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import REPO, Figure, child_env, fmt, log

__all__ = ["QUESTIONS", "measure_neo4j_http", "neo4j_http_figures"]

AS_OF = "2019-06-30"
#: The web view's home page: its two requests (orggraph/web/static/api.js, QUERIES).
WEB_TREE = """query WebTree($scope: ID!, $asOf: Date) {
  subgraph(scope: $scope, depth: 6, kinds: [ORGANIZATION], asOf: $asOf) {
    nodes { id name kind level sector depth }
    edges { kind source target }
    truncated
  }
}"""
WEB_STATE = """query WebState($asOf: Date) {
  mapState(asOf: $asOf) {
    coverage { organization rate }
    weak { organization reasons }
    vacantSecretary
    noContactLeader
  }
}"""
BRANCHES = """query Branches($asOf: Date) {
  organizations(filter: {level: GRASSROOTS}, first: 1000, asOf: $asOf) {
    nodes { id name secretary { name } }
  }
}"""
CITY = """query City { organizations(filter: {level: CITY}, first: 1) { nodes { id } } }"""
DISTRICT = "630102"  # 城东区
CHAIN_ID = "630102001004"


def _saved(name: str) -> str:
    return (REPO / "queries" / f"{name}.graphql").read_text("utf-8")


#: id → (label, query, variables); ``$city`` in a variable is the city committee's id.
QUESTIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "tree": (
        "网页首页的树 the web view's tree (subgraph of the city, depth 6)",
        WEB_TREE,
        {"scope": "$city", "asOf": AS_OF},
    ),
    "map_state": (
        "网页首页的图上状态 the web view's map state (mapState of the city)",
        WEB_STATE,
        {"asOf": AS_OF},
    ),
    "chain": (
        f"责任链 a responsibility chain ({CHAIN_ID})",
        _saved("responsibility_chain"),
        {"id": CHAIN_ID, "asOf": AS_OF},
    ),
    "gaps": (
        f"一个区县的覆盖缺口 one district's coverage gaps ({DISTRICT})",
        _saved("coverage_gaps"),
        {"scope": [DISTRICT], "asOf": AS_OF},
    ),
    "rates": (
        "覆盖率（按区县）coverage rates by district",
        _saved("coverage_rates"),
        {"asOf": AS_OF},
    ),
    "branches": (
        "1,000 个基层组织 × 3 个字段 1,000 branches × 3 fields",
        BRANCHES,
        {"asOf": AS_OF},
    ),
}


# -- the servers --------------------------------------------------------------------------------
def _serve(url: str, port: int) -> None:
    from orggraph.api import create_app
    from orggraph.api.app import serve
    from orggraph.api.context import LOCAL_ADMIN
    from orggraph.settings import Settings
    from orggraph.store import open_store

    settings = Settings()
    app = create_app(open_store(url, settings), settings, actor=LOCAL_ADMIN)
    serve(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class _Server:
    """``python -m bench.bench_neo4j_http serve`` over ``url`` in a child process."""

    def __init__(self, url: str) -> None:
        from bench.bench_http import _free_port

        self.store_url = url
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - the child's output, kept till exit

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> _Server:
        import httpx

        cmd = [sys.executable, "-m", "bench.bench_neo4j_http", "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [*cmd, self.store_url], cwd=REPO, env=child_env(), stdout=self.log, stderr=self.log
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                tail = self.log.read()[-3000:].decode("utf-8", "replace")
                raise RuntimeError(f"the benchmark server exited: {tail}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("the benchmark server did not answer within 300 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# -- asking --------------------------------------------------------------------------------------
def _ask(client: Any, query: str, variables: dict[str, Any]) -> tuple[float, bytes]:
    """One POST: its wall seconds and the answer's body (an error in it raises)."""
    started = time.perf_counter()
    response = client.post("/graphql", json={"query": query, "variables": variables})
    seconds = time.perf_counter() - started
    body = response.content
    if response.status_code != 200 or b'"errors"' in body:
        raise RuntimeError(f"HTTP {response.status_code}: {body[:500]!r}")
    return seconds, body


def _city(client: Any) -> str:
    _, body = _ask(client, CITY, {})
    return str(json.loads(body)["data"]["organizations"]["nodes"][0]["id"])


def ask_both(embedded_url: str, neo4j_url: str, repeats: int) -> dict[str, Any]:
    """Each question of ``QUESTIONS`` asked of both servers: medians, and whether the
    answers were equal byte for byte. The two servers alternate, question by question."""
    import httpx

    out: dict[str, Any] = {}
    with (
        httpx.Client(base_url=embedded_url, timeout=600) as emb,
        httpx.Client(base_url=neo4j_url, timeout=600) as neo,
    ):
        city = _city(emb)
        for name, (_, query, template) in QUESTIONS.items():
            variables = {k: city if v == "$city" else v for k, v in template.items()}
            log(f"neo4j_http: {name}")
            seconds: dict[str, list[float]] = {"embedded": [], "neo4j": []}
            bodies: dict[str, set[bytes]] = {"embedded": set(), "neo4j": set()}
            for run in range(1 + repeats):  # the first of each is the warm-up
                for which, client in (("embedded", emb), ("neo4j", neo)):
                    took, body = _ask(client, query, variables)
                    bodies[which].add(body)
                    if run:
                        seconds[which].append(took)
            out[name] = {
                "embedded_ms": statistics.median(seconds["embedded"]) * 1000,
                "neo4j_ms": statistics.median(seconds["neo4j"]) * 1000,
                "runs": repeats,
                "bytes": len(next(iter(bodies["embedded"]))),
                "equal": len(bodies["embedded"] | bodies["neo4j"]) == 1,
            }
    return out


def ask_after_writes(
    neo4j_uri: str, embedded_url: str, neo4j_url: str, repeats: int
) -> dict[str, Any]:
    """The web view's home (tree, then map state) asked of Neo4j right after each write.

    The writes come from this process, as another API worker or an import would make
    them: a member's new version (``member``: the home's kept answers mostly survive it)
    and a post ended (``post``: the hierarchy every vacancy mark reads changes). They are
    dated long after ``AS_OF``, so the answers must stay the embedded store's, byte for
    byte. Medians over ``repeats`` writes, after one to warm up.
    """
    from datetime import date, timedelta

    import httpx

    from orggraph.model import LinkKind, Node, NodeKind, WriteBatch
    from orggraph.store.neo4j import Neo4jStore

    store = Neo4jStore(neo4j_uri)
    as_of = date.fromisoformat(AS_OF)
    out: dict[str, Any] = {}
    try:
        members = store.nodes(NodeKind.MEMBER, as_of)[: 1 + repeats]
        # After anything the data holds (a server asked again with --no-copy holds these).
        first = max(date(2030, 1, 1), (store.data_reach().latest or as_of) + timedelta(days=1))
        posts = [x for x in store.links(LinkKind.HOLDS_POST, as_of) if x.valid_to is None]
        with (
            httpx.Client(base_url=embedded_url, timeout=600) as emb,
            httpx.Client(base_url=neo4j_url, timeout=600) as neo,
        ):
            tree_vars = {"scope": _city(emb), "asOf": AS_OF}
            expected = (_ask(emb, WEB_TREE, tree_vars)[1], _ask(emb, WEB_STATE, {"asOf": AS_OF})[1])
            for name in ("member", "post"):
                log(f"neo4j_http: the home after a {name} write")
                took: dict[str, list[float]] = {"tree": [], "map_state": []}
                equal = True
                for run in range(1 + repeats):
                    day = first + timedelta(days=run + (1 + repeats) * (name == "post"))
                    if name == "member":
                        m = members[run]
                        # A name of the day: the same name again would write nothing.
                        named = f"{m.name}·{day:%Y%m%d}"
                        new = Node(id=m.id, kind=m.kind, name=named, valid_from=day, attrs=m.attrs)
                        batch = WriteBatch(nodes=(new,), effective=day)
                    else:
                        batch = WriteBatch(end_links=((posts[run].id, day),), effective=day)
                    store.write(batch, actor="bench")
                    tree_s, tree = _ask(neo, WEB_TREE, tree_vars)
                    state_s, state = _ask(neo, WEB_STATE, {"asOf": AS_OF})
                    equal = equal and (tree, state) == expected
                    if run:
                        took["tree"].append(tree_s)
                        took["map_state"].append(state_s)
                out[name] = {
                    "tree_ms": statistics.median(took["tree"]) * 1000,
                    "map_state_ms": statistics.median(took["map_state"]) * 1000,
                    "runs": repeats,
                    "equal": equal,
                }
    finally:
        store.close()
    return out


def measure_neo4j_http(
    path: Path, *, neo4j_uri: str | None, repeats: int, copy: bool = True
) -> dict[str, Any]:
    """Copy the demo at ``path`` into Neo4j (unless ``copy`` is false: a server that holds
    it already), serve both, ask both."""
    from bench.bench_backends import read_records
    from orggraph.store.embedded import EmbeddedStore
    from orggraph.store.neo4j import Neo4jStore
    from orggraph.store.sync import copy_records

    sys.path.insert(0, str(REPO))
    from tests.neo4j_server import Neo4jServer

    server = None
    if neo4j_uri is None:
        log("neo4j_http: starting Neo4j")
        server = Neo4jServer(fast_start=False)
        server.start()
        neo4j_uri = server.info.uri
    copy_s = None
    try:
        if copy:
            source = EmbeddedStore(path)
            neo = Neo4jStore(neo4j_uri)
            try:
                log("neo4j_http: copying the demo into Neo4j")
                neo.clear(keep_audit=False)
                started = time.perf_counter()
                copy_records(neo, *read_records(source, None), batch_size=10_000, actor="bench")
                copy_s = time.perf_counter() - started
            finally:
                neo.close()
                source.close()
        with _Server(str(path)) as emb, _Server(neo4j_uri) as n4j:
            asked = ask_both(emb.url, n4j.url, repeats)
            after = ask_after_writes(neo4j_uri, emb.url, n4j.url, repeats)
    finally:
        if server is not None:
            server.cleanup()
    return {"asked": asked, "after_writes": after, "copy_s": copy_s, "repeats": repeats}


def neo4j_http_figures(result: dict[str, Any]) -> list[Figure]:
    """One row per question (Neo4j beside the embedded store, ≤ 5×), and the home page."""
    figures: list[Figure] = []
    asked = result["asked"]
    for name, (label, _, _) in QUESTIONS.items():
        got = asked[name]
        note = f"medians of {got['runs']} after a warm-up; answers {got['bytes']:,} bytes, " + (
            "equal byte for byte" if got["equal"] else "NOT EQUAL"
        )
        figures.append(
            Figure(
                id=f"neo4j_http.{name}",
                label=f"Neo4j HTTP {label}",
                value=got["neo4j_ms"],
                unit="ms",
                scale=1,
                comparison="嵌入式存储 embedded store",
                comparison_value=got["embedded_ms"],
                ratio_note="Neo4j ÷ embedded",
                target="≤ 5× embedded",
                op="<=",
                threshold=5.0,
                target_on="ratio",
                note=note,
                error=None if got["equal"] else "answers differ from the embedded store's",
            )
        )
    home = asked["tree"]["neo4j_ms"] + asked["map_state"]["neo4j_ms"]
    home_embedded = asked["tree"]["embedded_ms"] + asked["map_state"]["embedded_ms"]
    figures.append(
        Figure(
            id="neo4j_http.home",
            label="Neo4j HTTP 网页首页 the web view's home (tree + map state)",
            value=home,
            unit="ms",
            scale=1,
            comparison="嵌入式存储 embedded store",
            comparison_value=home_embedded,
            ratio_note="Neo4j ÷ embedded",
            target="≤ 1 s",
            op="<=",
            threshold=1000.0,
            note="the two requests' medians added"
            + (
                ""
                if result["copy_s"] is None
                else f"; the copy into Neo4j took {fmt(result['copy_s'], 's')}"
            ),
        )
    )
    for name, what in (
        ("member", "一名党员的新版本 a member's new version"),
        ("post", "职务结束 a post ended"),
    ):
        got = result.get("after_writes", {}).get(name)
        if got is None:
            continue
        figures.append(
            Figure(
                id=f"neo4j_http.home_after_{name}_write",
                label=f"Neo4j HTTP 写入后的网页首页 the web view's home after a write ({what})",
                value=got["tree_ms"] + got["map_state_ms"],
                unit="ms",
                scale=1,
                comparison="嵌入式存储 embedded store (no write)",
                comparison_value=home_embedded,
                ratio_note="Neo4j ÷ embedded",
                target="≤ 1 s",
                op="<=",
                threshold=1000.0,
                note=f"tree {fmt(got['tree_ms'], 'ms')} + map state "
                f"{fmt(got['map_state_ms'], 'ms')}, medians of {got['runs']} writes by another "
                "process, each followed by one ask; "
                + ("answers equal byte for byte" if got["equal"] else "NOT EQUAL"),
                error=None if got["equal"] else "answers differ from the embedded store's",
            )
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        serve = argparse.ArgumentParser(description="serve the application over one store")
        serve.add_argument("--port", type=int, required=True)
        serve.add_argument("url")
        options = serve.parse_args(args[1:])
        _serve(options.url, options.port)
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--neo4j-uri", default=None, help="an existing server (wiped!)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--no-copy", action="store_true", help="with --neo4j-uri: the server holds the demo"
    )
    parser.add_argument("path", type=Path)
    options = parser.parse_args(args)
    result = measure_neo4j_http(
        options.path,
        neo4j_uri=options.neo4j_uri,
        repeats=options.repeats,
        copy=not (options.no_copy and options.neo4j_uri),
    )
    print(json.dumps([f.as_dict() for f in neo4j_http_figures(result)], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
