"""The DOCX and XLSX documents printed as a department prints them: through LibreOffice.

Debian's LibreOffice (``libreoffice-writer-nogui``, ``libreoffice-calc-nogui``; the test
command installs them) converts the district's (城东区, 630102) and the city's
responsibility lists, ledgers and coverage reports, in both formats, to PDF (one run per
scope in two processes, each with a private profile; the times are logged in seconds.txt
beside the pages); poppler's ``pdftotext`` reads the pages back (``-layout``: one line of
text per printed line; ``-bbox``: where each word is and how big). What is checked is what
a reader of the paper sees: 第 N 页 共 M 页 on every page, the title block on the first page,
every secretary's name and id on one line, the hand-fill columns at least a quarter of the
table's width, text no smaller than 9 pt, sections kept whole, and a bound on the pages per
secretary. Page images of each document are kept under
test-artifacts/exports/office/ for a person to look at.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from orggraph.exports.formats import get_format
from orggraph.exports.formats.docx import KEEP_HAND_ROWS
from orggraph.exports.render import build_book, parse_params
from orggraph.exports.table import Book
from orggraph.store.base import GraphStore
from orggraph.store.scope import Scope

OUT = Path(__file__).resolve().parents[2] / "test-artifacts" / "exports" / "office"
PARAMS = {"year": "2019", "as_of": "2019-06-30"}
SCOPES = {"630102": Scope(roots=frozenset({"630102"})), "city": Scope()}
KINDS = ("responsibility-list", "ledger", "coverage")
FORMATS = ("docx", "xlsx")
PAGE = re.compile(r"第 ?(\d+) ?页 ?共 ?(\d+) ?页")
PT_PER_MM = 72 / 25.4
# The city's documents take LibreOffice about 3 minutes of CPU (the list in Word alone 90 s).
pytestmark = pytest.mark.timeout(1800)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
_CJK = re.compile(r"[\u4e00-\u9fff]{2,}")


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True, slots=True)
class Printed:
    """One document as printed: the book it was made from, its PDF, each page's text."""

    book: Book
    pdf: Path
    pages: list[str]

    def words(self, number: int) -> list[Word]:
        """The words of page ``number`` with their boxes, in points from the top left."""
        html = _tool("pdftotext", "-f", str(number), "-l", str(number), "-bbox", self.pdf, "-")
        return [
            Word(m[4], float(m[0]), float(m[1]), float(m[2]), float(m[3]))
            for m in _WORD.findall(html)
        ]


def _tool(name: str, *args: str | Path) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: apt-get install poppler-utils (scripts/test installs it)"
    done = subprocess.run([path, *map(str, args)], capture_output=True, check=True, timeout=300)
    return done.stdout.decode("utf-8")


class Printer:
    """The documents of ``KINDS`` × ``SCOPES`` × ``FORMATS`` printed to PDF, keyed
    ``kind-scope-format``: one LibreOffice run per scope, on first use (the district's
    take seconds, the city's minutes)."""

    def __init__(self, store: GraphStore, profile: Path) -> None:
        self.store, self.profile = store, profile
        self.docs: dict[str, Printed] = {}
        self.done: set[str] = set()

    def __getitem__(self, name: str) -> Printed:
        scope = name.split("-")[-2]
        if scope not in self.done:
            self.done.add(scope)
            self.print(scope)
        return self.docs[name]

    def print(self, scope_name: str) -> None:
        soffice = shutil.which("soffice")
        assert soffice, (
            "LibreOffice is missing: apt-get install libreoffice-writer-nogui "
            "libreoffice-calc-nogui (scripts/test installs them)"
        )
        params = parse_params(PARAMS)
        books: dict[str, Book] = {}
        for kind in KINDS:
            book = build_book(kind, self.store, params, SCOPES[scope_name])
            for fmt in FORMATS:
                name = f"{kind}-{scope_name}-{fmt}"
                books[name] = book
                (OUT / f"{name}.{fmt}").write_bytes(get_format(fmt).render(book))
        sources = [OUT / f"{name}.{name.rsplit('-', 1)[1]}" for name in books]
        # Two LibreOffice processes side by side, each with its own profile: the city's
        # list in Word takes most of the time (71 of 91 s), the other documents the rest.
        heaviest = max(sources, key=lambda path: path.stat().st_size)
        parts = [[heaviest], [path for path in sources if path != heaviest]]
        started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        running = [
            subprocess.Popen(
                [
                    soffice,
                    f"-env:UserInstallation={(self.profile / f'{scope_name}-{n}').as_uri()}",
                    "--headless",
                    "--norestore",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(OUT),
                    *map(str, part),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for n, part in enumerate(parts)
        ]
        for proc in running:
            _, err = proc.communicate(timeout=1700)
            assert proc.returncode == 0, err.decode("utf-8", "replace")[-2000:]
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
        with (OUT / "seconds.txt").open("a") as log:
            log.write(
                f"LibreOffice, {scope_name}, {len(sources)} documents in two processes: "
                f"{time.perf_counter() - started:.1f} s wall, {used:.1f} s CPU\n"
            )
        for name, book in books.items():
            pdf = OUT / f"{name}.pdf"
            assert pdf.is_file(), f"LibreOffice wrote no {pdf.name}"
            texts = _tool("pdftotext", "-layout", pdf, "-").split("\f")
            self.docs[name] = Printed(
                book=book, pdf=pdf, pages=texts[:-1] if not texts[-1] else texts
            )
            _tool("pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "2", pdf, OUT / name)


@pytest.fixture(scope="module")
def printed(demo_store: GraphStore, tmp_path_factory: pytest.TempPathFactory) -> Printer:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    return Printer(demo_store, tmp_path_factory.mktemp("libreoffice-profile"))


def _names(kind: str) -> list[str]:
    return [f"{kind}-{scope}-{fmt}" for scope in SCOPES for fmt in FORMATS]


ALL = [n for kind in KINDS for n in _names(kind)]


@pytest.mark.parametrize("name", ALL)
def test_every_page_is_numbered(printed: Printer, name: str) -> None:
    pages = printed[name].pages
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert PAGE.findall(text) == [(str(number), str(total))], (name, number, text[-120:])


@pytest.mark.parametrize("name", ALL)
def test_text_is_9_pt_or_more(printed: Printer, name: str) -> None:
    """A Chinese character is as wide as its size: the narrowest run of them on the first
    pages tells the smallest text printed (XLSX pages shrunk to fit would show it)."""
    doc = printed[name]
    sizes = [
        (w.x1 - w.x0) / len(w.text)
        for number in range(1, min(3, len(doc.pages)) + 1)
        for w in doc.words(number)
        if _CJK.fullmatch(w.text)
    ]
    assert sizes and min(sizes) >= 8.9, (name, min(sizes))


@pytest.mark.parametrize("name", [*_names("responsibility-list"), *_names("ledger")])
def test_the_title_block_is_on_the_first_page(printed: Printer, name: str) -> None:
    first = printed[name].pages[0]
    for field in ("填报单位：", "填报日期：", "审核人："):
        assert field in first, (name, field)
    assert "截至 2019-06-30" in first


def _secretaries(book: Book) -> dict[str, str]:
    """Each secretary's id and name, from the book's sections."""
    out = {}
    for group in book.tables[0].groups:
        fields = {label.zh: value for label, value in group.fields}
        out[str(fields["人员编号"])] = str(fields["姓名"])
    return out


@pytest.mark.parametrize("name", _names("responsibility-list"))
def test_every_secretary_is_named_with_their_id_on_one_line(printed: Printer, name: str) -> None:
    doc = printed[name]
    people = _secretaries(doc.book)
    line = (
        re.compile(r"姓名：(\S+)\s+人员编号：([A-Za-z0-9_-]+)")
        if name.endswith("docx")  # a heading per section
        else re.compile(r"^\s*(\S+)\s+([A-Za-z][A-Za-z0-9_-]*\d)\s", re.MULTILINE)  # each row
    )
    found = {pid: who for text in doc.pages for who, pid in line.findall(text) if pid in people}
    missing = sorted(set(people) - set(found))
    assert not missing, f"{name}: no line with name and id for {missing[:10]}"
    assert found == {pid: people[pid] for pid in found}


@pytest.mark.parametrize("name", _names("responsibility-list"))
def test_the_hand_fill_columns_take_a_quarter_of_the_width(printed: Printer, name: str) -> None:
    """Measured on paper: the header's 年初话, 年中看, 年末评 are centred in three equal
    columns at the right of the table; its left edge is where the leftmost text starts."""
    words = printed[name].words(2)
    heads = {w.text: w for w in words if w.text in ("年初话", "年中看", "年末评")}
    assert len(heads) == 3, name
    centres = [(heads[t].x0 + heads[t].x1) / 2 for t in ("年初话", "年中看", "年末评")]
    column = (centres[2] - centres[0]) / 2
    assert abs((centres[1] - centres[0]) - column) < 2  # three equal columns
    top = heads["年初话"].y0
    left = min(w.x0 for w in words if w.y0 >= top - 1) - 1.3 * PT_PER_MM
    right = centres[2] + column / 2
    share = 3 * column / (right - left)
    assert share >= 0.25, (name, round(share, 3))


@pytest.mark.parametrize("name", _names("responsibility-list"))
def test_pages_per_secretary_are_bounded(printed: Printer, name: str) -> None:
    doc = printed[name]
    sections = len(doc.book.tables[0].groups)
    assert sections > 400 if "630102" in name else sections > 3000
    assert len(doc.pages) <= sections // 2, (name, len(doc.pages), sections)


@pytest.mark.parametrize("scope", SCOPES)
def test_a_word_section_that_fits_on_a_page_is_not_split(printed: Printer, scope: str) -> None:
    """Each secretary's heading and their signature line are on the same page, unless the
    section is too long to keep whole: then it starts on a page of its own (its heading is
    the first thing on the page), or it has more rows than a page holds."""
    doc = printed[f"responsibility-list-{scope}-docx"]
    marks = [
        (number, "head" if "人员编号：" in line else "sign")
        for number, text in enumerate(doc.pages, start=1)
        for line in text.splitlines()
        if "人员编号：" in line or "书记签字：" in line
    ]
    assert len(marks) == 2 * len(doc.book.tables[0].groups)
    pairs = list(zip(marks[::2], marks[1::2], strict=True))
    assert all(head[1] == "head" and sign[1] == "sign" for head, sign in pairs)
    first_on_page = {}
    for index, (number, _) in enumerate(marks):
        first_on_page.setdefault(number, index)
    split = [n for n, (head, sign) in enumerate(pairs) if head[0] != sign[0]]
    groups = doc.book.tables[0].groups
    for n in split:
        moved = first_on_page[pairs[n][0][0]] == 2 * n
        long = groups[n].stop - groups[n].start > KEEP_HAND_ROWS
        assert moved or long, f"section {n} split, yet it was not moved"
    assert len(split) <= len(pairs) // 50


@pytest.mark.parametrize("scope", SCOPES)
def test_the_word_ledger_and_report_are_grouped_with_subtotals(
    printed: Printer, scope: str
) -> None:
    for kind in ("ledger", "coverage"):
        doc = printed[f"{kind}-{scope}-docx"]
        whole = "\n".join(doc.pages)
        assert "县(区)：城东区委" in whole and "乡镇(街道)：东关大街街道党工委" in whole
        assert "城东区委小计：" in whole and "东关大街街道党工委小计：" in whole


@pytest.mark.parametrize("name", _names("ledger"))
def test_every_organization_id_is_printed_whole(printed: Printer, name: str) -> None:
    doc = printed[name]
    table = doc.book.tables[0]
    ids = set(map(str, table.column("org_id")))
    words = {w for text in doc.pages for w in text.split()}
    assert ids <= words, sorted(ids - words)[:10]
