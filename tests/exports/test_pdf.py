"""The printed documents as PDF: read back as text, and page images kept for a person to see.

The small city (tests/exports/graphs.py) gives exact content: four secretaries at
2019-06-30 (张一 m1, 李二 m2, 王三 m3, 赵四 m4), each a section with their name and id on one
line, their duties, and the signature lines. The demo's 城东区 (630102) and the whole city
check the bounds: every secretary's heading on one line, a page number on every page, the
title block on the first page, a section on one page whenever it fits.

Page images go to test-artifacts/exports/ (Debian's ``pdftoppm``, poppler-utils).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from orggraph.cli import cli
from orggraph.errors import ConfigError
from orggraph.exports.formats import get_format
from orggraph.exports.formats.fonts import find_cjk_font
from orggraph.exports.formats.pdf import HAND_SHARE, MIN_PT, column_widths
from orggraph.exports.render import build_book, parse_params, render_export
from orggraph.exports.table import Book
from orggraph.store.base import GraphStore
from orggraph.store.embedded import EmbeddedStore
from orggraph.store.scope import Scope
from tests.exports.graphs import list_city

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "exports"
PARAMS = {"year": "2019", "as_of": "2019-06-30"}
DISTRICT = Scope(roots=frozenset({"630102"}))
PAGE = re.compile(r"第 ?(\d+) ?页 ?共 ?(\d+) ?页")


def pages(data: bytes) -> list[str]:
    """The text of each page, one string per page."""
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def keep_images(data: bytes, name: str, numbers: tuple[int, ...] = (1,)) -> list[Path]:
    """Pages ``numbers`` as PNG images under test-artifacts/exports/."""
    tool = shutil.which("pdftoppm")
    assert tool, "pdftoppm is missing: apt-get install poppler-utils (scripts/test installs it)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(data)
    out = []
    for number in numbers:
        stem = ARTIFACTS / f"{name}-page{number}"
        page = ["-f", str(number), "-l", str(number)]
        subprocess.run(
            [tool, "-r", "80", "-png", "-singlefile", *page, str(source), str(stem)],
            check=True,
            timeout=60,
        )
        out.append(stem.with_suffix(".png"))
    assert all(p.stat().st_size > 5_000 for p in out)
    return out


def check_page_numbers(texts: list[str], lang: str = "zh") -> None:
    """Every page ends with 第 N 页 共 M 页 (Page N of M), N counting up, M the total."""
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        if lang == "en":
            assert f"Page {number} of {total}" in text
        else:
            found = PAGE.findall(text)
            assert found == [(str(number), str(total))], (number, text[-80:])


def heading_lines(texts: list[str], book: Book) -> dict[str, list[int]]:
    """For each secretary of ``book``'s list: the pages whose heading line holds both their
    name and their id (``姓名：王三    人员编号：m3``)."""
    table = book.tables[0]
    found: dict[str, list[int]] = {}
    wanted = {
        str(dict((lbl.zh, v) for lbl, v in g.fields)["人员编号"]): str(g.fields[0][1])
        for g in table.groups
    }
    for number, text in enumerate(texts, start=1):
        for line in text.splitlines():
            match = re.search(r"姓名：(\S+)\s+人员编号：(\S+)", line)
            if match and wanted.get(match.group(2)) == match.group(1):
                found.setdefault(match.group(2), []).append(number)
    missing = sorted(set(wanted) - set(found))
    assert not missing, f"no heading line with name and id for {missing[:10]}"
    return found


def test_the_small_citys_list_is_a_signed_document(store: GraphStore) -> None:
    store.write(list_city())
    content, media, name = render_export("responsibility-list", store, PARAMS, Scope(), "pdf")
    assert (media, name) == ("application/pdf", "责任清单-2019.pdf")
    texts = pages(content)
    first = texts[0]
    assert "2019年度抓党建责任清单" in first
    assert "截至 2019-06-30；范围：全市" in first
    assert all(field in first for field in ("填报单位：", "填报日期：", "审核人："))
    check_page_numbers(texts)
    whole = "\n".join(texts)
    for person, who in (("m1", "张一"), ("m2", "李二"), ("m3", "王三"), ("m4", "赵四")):
        assert re.search(rf"姓名：{who}\s+人员编号：{person}\s+职务：", whole), person
    # One section each, signed: a signature line and the superior's opinion after each.
    assert whole.count("书记签字：") == 4 and whole.count("上级党组织意见：") == 4
    # Duties under the right heading, names with their ids unbroken.
    m3 = whole[whole.index("人员编号：m3") : whole.index("人员编号：m4")]
    assert "负责某村党支部整顿转化" in m3 and "某村党支部（b2）" in m3
    assert m3.count("覆盖缺口") == 5
    assert "2019-12-31" in m3
    # Each section fits on a page: none is split or continued.
    assert "（续）" not in whole
    assert [sum(f"人员编号：{p}" in t for t in texts) for p in ("m1", "m2", "m3", "m4")] == [1] * 4
    assert "由各书记填写" in first  # the notes: how to fill it in, above the table


def test_english_pages_are_numbered_in_english(store: GraphStore) -> None:
    store.write(list_city())
    content, _, _ = render_export("responsibility-list", store, PARAMS, Scope(), "pdf", "en")
    texts = pages(content)
    check_page_numbers(texts, "en")
    assert "Filed by:" in texts[0] and "Secretary's signature:" in "\n".join(texts)


def test_hand_fill_columns_take_a_quarter_and_text_is_9_pt_or_more(store: GraphStore) -> None:
    store.write(list_city())
    params = parse_params(PARAMS)
    book = build_book("responsibility-list", store, params, Scope())
    widths, pt = column_widths(book.tables[0])
    total = sum(w for _, w in widths)
    hand = sum(w for c, w in widths if c.hand)
    assert [c.key for c, _ in widths if c.hand] == ["year_start", "mid_year", "year_end"]
    assert hand / total >= 0.25 and HAND_SHARE >= 0.25
    assert pt >= MIN_PT
    # A section's heading shows who; the rows do not repeat it.
    assert not {"secretary", "person", "post"} & {c.key for c, _ in widths}
    for kind in ("ledger", "coverage"):
        for table in build_book(kind, store, params, Scope()).tables:
            assert column_widths(table)[1] >= MIN_PT


def test_the_cli_writes_a_pdf(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with EmbeddedStore(db) as store:
        store.write(list_city())
    out = tmp_path / "list.pdf"
    args = ["--store", f"sqlite:///{db}", "export", "responsibility-list", "--as-of", "2019-06-30"]
    result = CliRunner().invoke(cli, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "姓名：王三" in "\n".join(pages(out.read_bytes()))


def test_a_missing_font_names_the_package_to_install(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"fonts-wqy-microhei") as caught:
        find_cjk_font([(tmp_path / "none.ttc", 0)])
    assert str(tmp_path / "none.ttc") in str(caught.value)


@pytest.fixture(scope="module")
def district_list(demo_store: GraphStore) -> tuple[Book, bytes]:
    book = build_book("responsibility-list", demo_store, parse_params(PARAMS), DISTRICT)
    return book, get_format("pdf").render(book)


def test_the_districts_list(district_list: tuple[Book, bytes]) -> None:
    book, content = district_list
    texts = pages(content)
    sections = len(book.tables[0].groups)
    assert sections > 400  # 城东区: every secretary in the district
    assert "范围：城东区委" in texts[0] and "填报单位：" in texts[0]
    check_page_numbers(texts)
    found = heading_lines(texts, book)
    # A section that fits on a page is never split: its heading is on one page, and only a
    # section longer than a page is continued (续) on the next.
    spread = Counter(len(set(p)) for p in found.values())
    continued = sum(t.count("（续）") for t in texts)
    assert sum(n for k, n in spread.items() if k > 1) <= continued
    assert continued <= sections // 50
    assert len(texts) <= sections // 2  # at most a page for two secretaries, on average
    keep_images(content, "responsibility-list-630102", (1, 2))


@pytest.mark.parametrize("where", ["630102", "city"])
def test_the_ledger_and_coverage_report(demo_store: GraphStore, where: str) -> None:
    """The district's and the city's: grouped by district and township, with subtotals."""
    params = parse_params(PARAMS)
    scope = DISTRICT if where == "630102" else Scope()
    for kind, name in (("ledger", "整顿台账"), ("coverage", "覆盖情况")):
        book = build_book(kind, demo_store, params, scope)
        content = get_format("pdf").render(book)
        texts = pages(content)
        check_page_numbers(texts)
        whole = "\n".join(texts)
        assert "县(区)：城东区委" in whole and "乡镇(街道)：" in whole
        assert "小计" in whole
        if kind == "ledger":
            assert "填报单位：" in texts[0]
            # Every organization id is printed whole on a line.
            ids = {str(r[2]) for r in book.tables[0].rows}
            lines = {w for t in texts for line in t.splitlines() for w in line.split()}
            assert ids <= lines
        if kind == "coverage":
            assert "乡镇(街道)" in texts[0] and "县(区)合计" in whole
        keep_images(content, f"{name}-{where}")


def test_the_citys_lists(demo_store: GraphStore) -> None:
    book = build_book("responsibility-list", demo_store, parse_params(PARAMS), Scope())
    content = get_format("pdf").render(book)
    texts = pages(content)
    check_page_numbers(texts)
    heading_lines(texts, book)
    assert len(texts) <= len(book.tables[0].groups) // 2
    keep_images(content, "responsibility-list-city")
