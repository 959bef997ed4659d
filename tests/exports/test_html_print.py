"""The HTML export printed from a browser: the same document as the PDF.

On the small city of tests/exports/graphs.py (four secretaries at 2019-06-30): a section
per secretary kept on one page, the heading with name and id, the signature lines, names,
ids and dates never wrapped, the hand-fill columns a quarter of the width at least, page
numbers at the foot, the header row repeated.
"""

from __future__ import annotations

import re

from orggraph.exports.render import render_export
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.exports.graphs import list_city

PARAMS = {"year": "2019", "as_of": "2019-06-30"}


def page(store: GraphStore, kind: str = "responsibility-list", lang: str = "zh") -> str:
    store.write(list_city())
    content, media, _ = render_export(kind, store, PARAMS, Scope(), "html", lang)
    assert media == "text/html; charset=utf-8"
    return content.decode("utf-8")


def test_the_print_styles(store: GraphStore) -> None:
    html = page(store)
    assert "@page { size: A4 landscape;" in html
    assert "thead { display: table-header-group; }" in html
    assert "div.group { break-inside: avoid; page-break-inside: avoid;" in html
    assert "td.nowrap, th.nowrap, .field { white-space: nowrap; }" in html
    assert (
        '@page { @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页"'
        in (html)
    )
    # Three hand-fill columns of 9% each: 27% of the width together.
    width = re.search(r"col\.hand \{ width: ([\d.]+)%; \}", html)
    assert width and 3 * float(width.group(1)) >= 25
    assert html.count('<col class="hand">') == 3 * 4  # three in each secretary's table


def test_one_section_per_secretary_with_heading_and_signatures(store: GraphStore) -> None:
    html = page(store)
    assert html.count('<div class="group">') == 4
    assert html.count("书记签字：") == 4 and html.count("上级党组织意见：") == 4
    for person, name in (("m1", "张一"), ("m2", "李二"), ("m3", "王三"), ("m4", "赵四")):
        assert (
            f'<span class="field">姓名：{name}</span><span class="field">人员编号：{person}</span>'
        ) in html
    # The title block once, above the sections; the rows do not repeat who.
    assert html.count("填报单位：") == 1
    assert html.index("填报单位：") < html.index('<div class="group">')
    assert '<th scope="col" class="nowrap">职责类别</th>' in html
    assert ">书记</th>" not in html
    # Dates and the check-point cells.
    assert '<td class="nowrap">2019-12-31</td>' in html
    assert '<td class="hand"></td>' in html


def test_english_page_numbers(store: GraphStore) -> None:
    html = page(store, lang="en")
    assert '@bottom-center { content: "Page " counter(page) " of " counter(pages);' in html
    assert "Secretary&#x27;s signature: " in html or "Secretary's signature: " in html


def test_the_ledger_is_grouped_by_district_and_township(store: GraphStore) -> None:
    html = page(store, "ledger")
    assert '<div class="heading">县(区)：城东区委</div>' in html
    assert '<div class="heading inner">乡镇(街道)：东关街道党工委</div>' in html
    assert re.search(r'<p class="subtotal">东关街道党工委小计：\d+ 条，未销号 \d+ 条</p>', html)
    assert re.search(r'<p class="subtotal">城东区委小计：\d+ 条，未销号 \d+ 条</p>', html)
