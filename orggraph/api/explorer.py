"""The offline explorer: GraphiQL with its explorer plugin, from assets vendored in ``static/``.

The page has no inline script (ready for a Content-Security-Policy without
``'unsafe-inline'``): the saved queries ride in a ``<script type="application/json">`` data
block, which browsers never execute, and the code is one vendored ES module.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from orggraph.api.saved import SavedQuery

__all__ = ["explorer_page", "saved_queries_json"]

ASSETS = "static/graphiql"

_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/explorer.css">
<script type="application/json" id="orggraph-saved-queries">{queries}</script>
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


def saved_queries_json(queries: Sequence[SavedQuery]) -> list[dict[str, object]]:
    """The saved queries as the explorer's tabs read them."""
    return [
        {
            "name": q.name,
            "title": f"{q.title_zh} · {q.title_en}",
            "titleZh": q.title_zh,
            "titleEn": q.title_en,
            "query": q.query,
            "variables": json.dumps(q.variables, ensure_ascii=False, indent=2)
            if q.variables
            else "",
        }
        for q in queries
    ]


def explorer_page(queries: Sequence[SavedQuery], endpoint: str = "graphql") -> str:
    """The explorer's HTML, with the saved queries embedded as a JSON data block."""
    data = json.dumps(saved_queries_json(queries), ensure_ascii=False)
    # Inside <script>, "</" could close the element early: escape every "<".
    data = data.replace("<", "\\u003c")
    return _PAGE.format(
        title="orggraph 组织体系图谱 · GraphQL 查询器",
        assets=ASSETS,
        queries=data,
        endpoint=html.escape(endpoint, quote=True),
    )
