"""The offline explorer: GraphiQL with its explorer plugin, from assets vendored in ``static/``.

The page is made for whoever opens it. Its tabs are the saved queries (``queries/``),
titled in Chinese, with variables filled in for the actor's scope and the data's date
(``explorer_values``: their ``Explorer variables`` placeholders); the start tab, coverage
gaps in the actor's scope (覆盖缺口), comes first and runs as the page opens. A link
``/explorer?query=…&variables=…`` (or a browser's ``GET /graphql?query=…``) opens with that
query first instead (``prefill_from``). The 文档 menu lists the printed documents of the
actor's scope, downloaded through the jobs API (``/jobs``).

The page has no inline script (ready for a Content-Security-Policy without
``'unsafe-inline'``): its data rides in a ``<script type="application/json">`` block,
which browsers never execute, and the code is one vendored ES module.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orggraph.analysis.dating import default_as_of
from orggraph.api.context import Actor
from orggraph.api.local import QueryFailed, run_document
from orggraph.api.saved import SavedQuery, fill_placeholders
from orggraph.settings import Settings
from orggraph.store.base import GraphStore
from orggraph.store.surfaces import EXPORT_CLASSIFICATION

__all__ = [
    "DOCUMENTS",
    "START",
    "Prefill",
    "explorer_data",
    "explorer_page",
    "explorer_values",
    "prefill_from",
    "saved_queries_json",
]

ASSETS = "static/graphiql"

#: The saved query the explorer opens on, run as the page opens.
START = "coverage_gaps"

#: The documents of the 文档 menu: export kind → (中文, English), in the menu's order.
DOCUMENTS: dict[str, tuple[str, str]] = {
    "responsibility-list": ("责任清单", "Responsibility lists"),
    "ledger": ("整顿台账", "Remediation ledger"),
    "coverage": ("覆盖情况报告", "Coverage report"),
}
#: The formats each document is offered in.
DOCUMENT_FORMATS = ("pdf", "docx", "xlsx")

_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/explorer.css">
<script type="application/json" id="orggraph-explorer">{data}</script>
<script type="module" src="{assets}/explorer.js"></script>
</head>
<body>
<div id="graphiql" data-endpoint="{endpoint}">
<p class="orggraph-loading">正在加载查询器… Loading the GraphQL explorer…</p>
</div>
<noscript>查询器需要启用 JavaScript。The explorer needs JavaScript.</noscript>
</body>
</html>
"""

# What the placeholders are read from, for the actor, in one request each.
_WHERE = """query ExplorerWhere($asOf: Date) {
  top: organizations(filter: {level: CITY}, first: 1, asOf: $asOf) { nodes { id } }
  any: organizations(first: 1, asOf: $asOf) { nodes { id } }
}"""
_ROOT = """query ExplorerRoot($root: ID!, $asOf: Date) {
  root: node(id: $root, asOf: $asOf) { id name ... on Organization { secretary { id } } }
  leaf: organizations(filter: {territory: $root, level: GRASSROOTS}, first: 1, asOf: $asOf) {
    nodes { id }
  }
}"""


@dataclass(frozen=True, kw_only=True, slots=True)
class Prefill:
    """A query handed to the explorer in its address: opened first, in a tab of its own."""

    query: str
    variables: str = ""
    operation_name: str | None = None


def prefill_from(params: Mapping[str, str]) -> Prefill | None:
    """The ``query``, ``variables`` and ``operationName`` of an explorer link, if any.

    Variables that are JSON are shown indented; any other text is shown as sent, for the
    explorer to report when run.

    >>> prefill_from({"query": "{ a }", "variables": '{"id":"1"}'}).variables
    '{\\n  "id": "1"\\n}'
    >>> prefill_from({}) is None
    True
    """
    query = params.get("query", "").strip()
    if not query:
        return None
    raw = params.get("variables", "").strip()
    try:
        variables = json.dumps(json.loads(raw), ensure_ascii=False, indent=2) if raw else ""
    except json.JSONDecodeError:
        variables = raw
    return Prefill(query=query, variables=variables, operation_name=params.get("operationName"))


def _data(
    store: GraphStore, settings: Settings, actor: Actor, text: str, variables: dict[str, Any]
) -> dict[str, Any]:
    try:
        return run_document(store, settings, text, variables, actor=actor)
    except QueryFailed:
        return {}  # a value the actor may not read is left out, as if unknown


def explorer_values(store: GraphStore, settings: Settings, actor: Actor) -> dict[str, Any]:
    """The placeholders' values (``orggraph.api.saved.PLACEHOLDERS``) for ``actor``.

    Read through GraphQL for the actor, so the scope and the masking are the API's own:
    a secretary the actor may not see is no value (and the variable is left out). The
    roots are the scope's; an unrestricted actor's is the city committee. The date is
    every default's (``orggraph.analysis.dating.default_as_of``): today, or the data's
    date when today is past it, written out so that the tab says which date it asks at.
    """
    last = default_as_of(store).isoformat()
    values: dict[str, Any] = {"$asOf": last, "$yearStart": f"{last[:4]}-01-01"}
    roots = sorted(actor.scope.roots)
    if not roots:
        where = _data(store, settings, actor, _WHERE, {"asOf": last})
        for key in ("top", "any"):
            nodes = (where.get(key) or {}).get("nodes") or []
            if nodes:
                roots = [nodes[0]["id"]]
                break
    if not roots:
        return values
    values["$roots"] = roots
    values["$root"] = roots[0]
    found = _data(store, settings, actor, _ROOT, {"root": roots[0], "asOf": last})
    root = found.get("root") or {}
    if root.get("name"):
        values["$rootName"] = root["name"]
    secretary = root.get("secretary") or {}
    if secretary.get("id"):
        values["$secretary"] = secretary["id"]
    leaves = (found.get("leaf") or {}).get("nodes") or []
    if leaves:
        values["$leaf"] = leaves[0]["id"]
    return values


#: Header lines for the server, not the reader: left out of the tab's text.
_METADATA = re.compile(r"^#\s*(?:example variables|explorer variables|column)\s*:", re.I)


def _tab_text(query: str) -> str:
    """A saved query's text as its tab shows it: titles and variables' help, then the
    operation; the lines that only feed the server (examples, placeholders, column labels)
    are left out.

    >>> _tab_text("# 标题\\n# Title\\n# Column: a = 甲 | A\\nquery Q { a }\\n")
    '# 标题\\n# Title\\nquery Q { a }\\n'
    """
    return "".join(line for line in query.splitlines(keepends=True) if not _METADATA.match(line))


def _variables_text(variables: Mapping[str, Any]) -> str:
    return json.dumps(variables, ensure_ascii=False, indent=2) if variables else ""


def saved_queries_json(
    queries: Sequence[SavedQuery], values: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The saved queries as the explorer's tabs read them: variables filled from ``values``
    (without values: the files' example variables)."""
    out = []
    for q in queries:
        if values is not None and q.explorer_variables is not None:
            variables = fill_placeholders(q.explorer_variables, values)
        else:
            variables = q.variables
        out.append(
            {
                "name": q.name,
                "operation": q.operation,
                "title": f"{q.short_title_zh} · {q.short_title_en}",
                "titleZh": q.short_title_zh,
                "titleEn": q.short_title_en,
                "description": q.title_zh,
                "query": _tab_text(q.query),
                "variables": _variables_text(variables),
                "columns": {path: list(label) for path, label in q.columns.items()},
            }
        )
    return out


def _documents(actor: Actor, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    as_of = values["$asOf"]
    params = f"year={as_of[:4]}&as_of={as_of}&lang=zh"
    if "$root" in values:
        params = f"root={values['$root']}&{params}"
    return [
        {
            "kind": kind,
            "titleZh": zh,
            "titleEn": en,
            "allowed": EXPORT_CLASSIFICATION[kind] in actor.clearance,
            "formats": {fmt: f"/exports/{kind}?{params}&format={fmt}" for fmt in DOCUMENT_FORMATS},
        }
        for kind, (zh, en) in DOCUMENTS.items()
    ]


def explorer_data(
    queries: Sequence[SavedQuery],
    values: Mapping[str, Any],
    actor: Actor,
    prefill: Prefill | None = None,
) -> dict[str, Any]:
    """What the explorer's page embeds for ``actor``: tabs (start first), documents, who."""
    tabs = saved_queries_json(queries, values)
    tabs.sort(key=lambda tab: tab["name"] != START)  # stable: the rest keep their order
    return {
        "actor": {"name": actor.name, "role": actor.role, "scope": values.get("$roots", [])},
        "scopeName": values.get("$rootName", ""),
        "asOf": values.get("$asOf"),
        "start": START if any(t["name"] == START for t in tabs) else None,
        "queries": tabs,
        "prefill": None
        if prefill is None
        else {
            "query": prefill.query,
            "variables": prefill.variables,
            "operationName": prefill.operation_name,
        },
        "documents": _documents(actor, values),
    }


def explorer_page(data: Mapping[str, Any], endpoint: str = "/graphql") -> str:
    """The explorer's HTML, with ``data`` (``explorer_data``) embedded as a JSON block."""
    text = json.dumps(data, ensure_ascii=False)
    # Inside <script>, "</" could close the element early: escape every "<".
    text = text.replace("<", "\\u003c")
    title = "orggraph 组织体系图谱 · GraphQL 查询器"
    if data.get("scopeName"):
        title = f"{data['scopeName']} · {title}"
    return _PAGE.format(
        title=html.escape(title),
        assets=ASSETS,
        data=text,
        endpoint=html.escape(endpoint, quote=True),
    )
