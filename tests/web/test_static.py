"""The browser view's static files: vendored assets match their manifest, nothing is remote.

Analysts' networks are often cut off from the internet (DOMAIN.md), so the page must load
every byte from the server: these tests read the files themselves, no browser needed.
"""

from __future__ import annotations

import hashlib
import json
import re

from orggraph.web.routes import STATIC_DIR

VENDOR = STATIC_DIR / "vendor"
OURS = sorted(p for p in STATIC_DIR.iterdir() if p.is_file())
# XML namespace names are identifiers, never fetched: the SVG export must write this one.
NAMESPACES = {"http://www.w3.org/2000/svg"}
URL = re.compile(r"""(?:https?:)?//[^\s"'`)<>]+""")
LOCAL = re.compile(r"^(?:https?:)?//(?:127\.0\.0\.1|localhost|\[::1\])(?:[:/]|$)")


def _manifest() -> dict[str, dict[str, object]]:
    data = json.loads((VENDOR / "manifest.json").read_text("utf-8"))
    files: dict[str, dict[str, object]] = {}
    for package in data["packages"]:
        for entry in package["files"]:
            files[entry["path"]] = {**entry, "package": package}
    return files


def test_every_vendored_file_matches_its_recorded_sha256() -> None:
    files = _manifest()
    assert files, "the manifest lists no file"
    for rel, entry in files.items():
        data = (VENDOR / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], rel
        assert len(data) == entry["bytes"], rel


def test_every_file_under_vendor_is_in_the_manifest() -> None:
    listed = set(_manifest())
    present = {
        p.relative_to(VENDOR).as_posix()
        for p in VENDOR.rglob("*")
        if p.is_file() and p.name not in ("manifest.json", "VENDORED.md")
    }
    assert present == listed


def test_every_vendored_package_records_name_version_licence_and_licence_text() -> None:
    data = json.loads((VENDOR / "manifest.json").read_text("utf-8"))
    text = (VENDOR / "VENDORED.md").read_text("utf-8")
    names = {p["name"] for p in data["packages"]}
    # The page imports d3-zoom and d3-hierarchy and uses Noto Sans SC for Chinese text.
    assert {"d3-zoom", "d3-hierarchy", "@fontsource/noto-sans-sc"} <= names
    for package in data["packages"]:
        assert package["version"] and package["license"] and package["integrity"]
        assert any("LICENSE" in f["path"] for f in package["files"]), package["name"]
        assert f"| {package['name']} | {package['version']} | {package['license']} |" in text
        for entry in package["files"]:
            assert entry["sha256"] in text


def test_our_files_name_no_remote_host() -> None:
    assert {p.name for p in OURS} >= {"index.html", "app.js", "app.css", "i18n.js"}
    for path in OURS:
        text = path.read_text("utf-8")
        for url in URL.findall(text):
            if url in NAMESPACES or LOCAL.match(url):
                continue
            # "//" also opens a JS comment or sits inside a regex: only flag host-like text.
            host = url.split("//", 1)[1].split("/", 1)[0]
            if "." not in host and ":" not in host:
                continue
            raise AssertionError(f"{path.name} names a remote URL: {url}")


def test_vendored_code_and_css_refer_only_to_relative_files() -> None:
    imports = re.compile(r"""\b(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]""")
    for path in VENDOR.rglob("*.mjs"):
        for spec in imports.findall(path.read_text("utf-8")):
            assert spec.startswith("./"), f"{path.name} imports {spec!r}"
            assert (path.parent / spec).is_file(), f"{path.name} imports a missing {spec!r}"
    for path in VENDOR.rglob("*.css"):
        for ref in re.findall(r"url\(([^)]+)\)", path.read_text("utf-8")):
            ref = ref.strip("'\"")
            assert ref.startswith("./"), f"{path.name} loads {ref!r}"
            assert (path.parent / ref).is_file(), f"{path.name} refers to a missing {ref!r}"


def test_the_page_has_no_inline_script_style_or_handler() -> None:
    # The Content-Security-Policy (script-src 'self'; style-src 'self') would block them.
    html = (STATIC_DIR / "index.html").read_text("utf-8")
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    for body in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S):
        assert not body.strip(), "a script with inline content"
    assert "<style" not in html
    assert not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"\son[a-z]+\s*=", html), "an inline event handler"
    for path in STATIC_DIR.glob("*.js"):
        text = path.read_text("utf-8")
        assert not re.search(r"\beval\s*\(|new\s+Function\s*\(", text), path.name
        assert "innerHTML" not in text, path.name
        assert 'setAttribute("style"' not in text, path.name


def test_the_page_refers_only_to_files_that_exist() -> None:
    html = (STATIC_DIR / "index.html").read_text("utf-8")
    for ref in re.findall(r"""(?:src|href)="(/web/[^"]+)\"""", html):
        assert (STATIC_DIR / ref.removeprefix("/web/")).is_file(), ref
    for path in STATIC_DIR.glob("*.js"):
        for spec in re.findall(r"""\bfrom\s+"(\.[^"]+)\"""", path.read_text("utf-8")):
            assert (STATIC_DIR / spec).resolve().is_file(), f"{path.name} imports {spec}"


def test_both_languages_have_the_same_keys() -> None:
    text = (STATIC_DIR / "i18n.js").read_text("utf-8")
    zh = text.split("  zh: {", 1)[1].split("\n  },", 1)[0]
    en = text.split("  en: {", 1)[1].split("\n  },", 1)[0]
    key = re.compile(r"""^\s+"?([\w.]+)"?:""", re.M)
    assert key.findall(zh) == key.findall(en)
    used = set()
    html = (STATIC_DIR / "index.html").read_text("utf-8")
    used |= set(re.findall(r"""data-i18n(?:-\w+)?="([\w.]+)\"""", html))
    for path in STATIC_DIR.glob("*.js"):
        used |= set(re.findall(r"""\bt\("([\w.]+)\"""", path.read_text("utf-8")))
    missing = used - set(key.findall(zh))
    assert not missing, missing
