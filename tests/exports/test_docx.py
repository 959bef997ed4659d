"""The lists as Word documents, read back from their XML, on the small city of
tests/exports/graphs.py (four secretaries at 2019-06-30: 张一 m1, 李二 m2, 王三 m3, 赵四 m4).
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

from orggraph.exports.render import render_export
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope
from tests.exports.graphs import list_city

PARAMS = {"year": "2019", "as_of": "2019-06-30"}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def parts(store: GraphStore, kind: str, lang: str = "zh") -> dict[str, ElementTree.Element]:
    store.write(list_city())
    content, media, name = render_export(kind, store, PARAMS, Scope(), "docx", lang)
    assert media.endswith("wordprocessingml.document") and name.endswith(".docx")
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert zf.testzip() is None
        return {
            n: ElementTree.fromstring(zf.read(n))
            for n in zf.namelist()
            if n.endswith(".xml") or n.endswith(".rels")
        }


def text(element: ElementTree.Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def test_the_list_is_one_signed_section_per_secretary(store: GraphStore) -> None:
    doc = parts(store, "responsibility-list")
    body = doc["word/document.xml"].find(f"{W}body")
    assert body is not None
    size = body.find(f"{W}sectPr/{W}pgSz")
    assert size is not None and size.get(f"{W}orient") == "landscape"
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("16838", "11906")  # A4, in twips
    paragraphs = [text(p) for p in body.findall(f"{W}p")]
    assert paragraphs[0] == "2019年度抓党建责任清单"
    assert any(p.startswith("填报单位：") and "审核人：" in p for p in paragraphs[:4])
    headings = [p for p in paragraphs if p.startswith("姓名：")]
    assert [h.split("\u3000\u3000")[:2] for h in headings] == [
        ["姓名：张一", "人员编号：m1"],
        ["姓名：李二", "人员编号：m2"],
        ["姓名：王三", "人员编号：m3"],
        ["姓名：赵四", "人员编号：m4"],
    ]
    assert sum(p.startswith("书记签字：") and "上级党组织意见：" in p for p in paragraphs) == 4
    tables = body.findall(f"{W}tbl")
    assert len(tables) == 4  # one per secretary
    for table in tables:
        rows = table.findall(f"{W}tr")
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None  # repeated on every page
        assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)
        assert [text(c) for c in rows[0].findall(f"{W}tc")][-3:] == ["年初话", "年中看", "年末评"]
        widths = [int(g.get(f"{W}w") or 0) for g in table.iter(f"{W}gridCol")]
        assert sum(widths[-3:]) / sum(widths) >= 0.25
        # Every row keeps with the next, the last with the signature lines after it: a
        # section moves to the next page whole.
        keeps = [r.find(f".//{W}keepNext") is not None for r in rows]
        assert keeps == [True] * len(rows)
    children = list(body)
    for table in tables:
        after = children[children.index(table) + 1]
        assert text(after).startswith("书记签字：")
        assert after.find(f".//{W}keepNext") is None  # the section ends there
    m3 = tables[2]
    deadline = next(c for c in m3.iter(f"{W}tc") if text(c) == "2019-12-31")
    assert deadline.find(f"{W}tcPr/{W}noWrap") is not None


def test_pages_are_numbered_in_the_footer(store: GraphStore) -> None:
    footer = parts(store, "responsibility-list")["word/footer1.xml"]
    fields = [f.get(f"{W}instr", "").strip() for f in footer.iter(f"{W}fldSimple")]
    assert fields == ["PAGE", "NUMPAGES"]
    assert text(footer) == "第 1 页 共 1 页"  # the fields' placeholders, filled in by Word


def test_english_footer(store: GraphStore) -> None:
    footer = parts(store, "ledger", "en")["word/footer1.xml"]
    assert text(footer) == "Page 1 of 1"


def test_the_ledger_is_grouped_by_district_and_township(store: GraphStore) -> None:
    body = parts(store, "ledger")["word/document.xml"]
    paragraphs = [text(p) for p in body.iter(f"{W}p")]
    assert "县(区)：城东区委" in paragraphs
    assert "乡镇(街道)：东关街道党工委" in paragraphs
    assert any(p.startswith("东关街道党工委小计：") for p in paragraphs)
    assert any(p.startswith("城东区委小计：") for p in paragraphs)
