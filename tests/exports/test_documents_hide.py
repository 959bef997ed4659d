"""The document formats (PDF, DOCX, printed HTML) hide whom the scope does not see, in the
one shape (``hidden_text``: (范围外) / (outside scope)), as CSV and XLSX do.

On the small city of tests/exports/graphs.py, scoped to the branch b2 at 2019-06-30: its
case's responsible leader 王三 (m3, of 630102001) and its partner 夏都花园社区党支部 (b1) are
outside the scope.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from orggraph.exports.render import render_export
from orggraph.store.base import GraphStore
from orggraph.store.masking import Hidden, hidden_text
from orggraph.store.scope import Scope
from tests.exports.graphs import list_city

PARAMS = {"year": "2019", "as_of": "2019-06-30"}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def as_text(content: bytes, fmt: str) -> str:
    if fmt == "pdf":
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    if fmt == "docx":
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            root = ElementTree.fromstring(zf.read("word/document.xml"))
        return "".join(t.text or "" for t in root.iter(f"{W}t"))
    return content.decode("utf-8")


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_ledger_hides_people_outside_the_scope(store: GraphStore, fmt: str, lang: str) -> None:
    store.write(list_city())
    scope = Scope(roots=frozenset({"b2"}))
    content, _, _ = render_export("ledger", store, PARAMS, scope, fmt, lang)
    text = as_text(content, fmt)
    assert "某村党支部" in text  # the branch itself
    assert "王三" not in text and "夏都花园社区党支部" not in text
    assert text.count(hidden_text(Hidden.OUT_OF_SCOPE, lang)) == 2  # leader and partner
