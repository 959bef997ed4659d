"""The explorer's vendored assets: every file recorded with its sha256, licence and package."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from orggraph.api.app import STATIC_DIR

MANIFEST = STATIC_DIR / "vendored.json"


def test_every_vendored_file_matches_its_recorded_checksum() -> None:
    manifest = json.loads(MANIFEST.read_text("utf-8"))
    recorded = {f["path"]: f["sha256"] for f in manifest["files"]}
    on_disk = {
        p.relative_to(STATIC_DIR).as_posix()
        for p in (STATIC_DIR / "graphiql").rglob("*")
        if p.is_file()
    }
    # Nothing unrecorded, nothing missing, nothing changed by hand.
    assert on_disk == set(recorded)
    for rel, digest in recorded.items():
        assert hashlib.sha256((STATIC_DIR / rel).read_bytes()).hexdigest() == digest, rel


def test_every_package_in_the_bundle_has_a_version_and_a_licence() -> None:
    manifest = json.loads(MANIFEST.read_text("utf-8"))
    names = {p["name"] for p in manifest["packages"]}
    for wanted in ("graphiql", "@graphiql/plugin-explorer", "react", "react-dom", "graphql"):
        assert wanted in names
    for package in manifest["packages"]:
        assert package["version"] and package["license"] not in ("", "UNKNOWN"), package
    graphiql = next(p for p in manifest["packages"] if p["name"] == "graphiql")
    assert graphiql["version"].startswith("5.")
    text = (STATIC_DIR / "VENDORED.md").read_text("utf-8")
    for f in manifest["files"]:
        assert f"| {f['path']} | {f['bytes']} | {f['sha256']} |" in text


def test_the_bundle_names_no_cdn() -> None:
    # The scripts still link to documentation pages; no CDN host appears in them at all.
    for script in (STATIC_DIR / "graphiql").glob("*.js"):
        text = script.read_text("utf-8")
        for host in ("unpkg.com", "jsdelivr.net", "esm.sh", "cdnjs.cloudflare.com", "googleapis"):
            assert host not in text, (script.name, host)
    assert Path(STATIC_DIR / "graphiql" / "licenses").is_dir()
