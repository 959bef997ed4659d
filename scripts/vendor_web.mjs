#!/usr/bin/env node
// Refresh the browser view's vendored assets (orggraph/web/static/vendor/) from the npm
// registry, so that the page loads nothing from the internet at run time.
//
//   node scripts/vendor_web.mjs            # fetch the pinned versions below
//   node scripts/vendor_web.mjs --latest   # fetch the newest versions, then pin them here by hand
//
// Each package is fetched with `npm pack` (the ordinary client, so the registry and its
// integrity checks are npm's), unpacked with tar, and the files we use are copied:
//   - d3 modules: dist/<name>.mjs, with the bare imports between d3 modules ("d3-selection")
//     rewritten to relative ones ("./d3-selection.mjs"), so that the page needs no import map
//     (an import map is an inline script, which the Content-Security-Policy forbids);
//   - Noto Sans SC (regular, 400): every woff2 unicode-range slice and its CSS, rewritten to
//     list only the woff2 files; the browser fetches only the slices a page's text needs.
// Every file is recorded with its sha256 (and the sha256 of the upstream file it came from)
// in vendor/manifest.json and vendor/VENDORED.md; tests/web checks the files against them.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const VENDOR = path.join(ROOT, "orggraph", "web", "static", "vendor");

// name → pinned version. The d3 modules are those d3-zoom and d3-hierarchy need.
const D3 = {
  "d3-color": "3.1.1",
  "d3-dispatch": "3.0.2",
  "d3-drag": "3.0.1",
  "d3-ease": "3.0.2",
  "d3-hierarchy": "3.1.3",
  "d3-interpolate": "3.0.2",
  "d3-selection": "3.0.1",
  "d3-timer": "3.0.2",
  "d3-transition": "3.0.2",
  "d3-zoom": "3.0.1",
};
const FONT = { name: "@fontsource/noto-sans-sc", version: "5.3.0", weight: 400 };

const latest = process.argv.includes("--latest");

function sha256(buffer) {
  return createHash("sha256").update(buffer).digest("hex");
}

function pack(name, version, work) {
  const spec = latest ? name : `${name}@${version}`;
  const out = execFileSync(
    "npm",
    ["pack", spec, "--json", "--silent", "--pack-destination", work],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const [info] = JSON.parse(out);
  const dir = path.join(work, info.name.replace("/", "__"));
  fs.mkdirSync(dir, { recursive: true });
  execFileSync("tar", ["xzf", path.join(work, info.filename), "-C", dir]);
  const pkgDir = path.join(dir, "package");
  const meta = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  return {
    name: info.name,
    version: info.version,
    license: meta.license ?? "UNKNOWN",
    integrity: info.integrity,
    dir: pkgDir,
  };
}

function write(rel, data, upstream) {
  const target = path.join(VENDOR, rel);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, data);
  const buffer = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return { path: rel, sha256: sha256(buffer), bytes: buffer.length, upstream };
}

function licenceFile(pkg, destDir) {
  for (const candidate of ["LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "OFL.txt"]) {
    const source = path.join(pkg.dir, candidate);
    if (fs.existsSync(source)) {
      const data = fs.readFileSync(source);
      return write(path.join(destDir, `LICENSE-${pkg.name.replace("/", "__")}`), data, {
        file: candidate,
        sha256: sha256(data),
      });
    }
  }
  throw new Error(`${pkg.name}@${pkg.version} ships no licence file`);
}

function vendorD3(work) {
  const packages = [];
  for (const [name, version] of Object.entries(D3)) {
    const pkg = pack(name, version, work);
    const upstreamRel = `dist/${name}.mjs`;
    const source = fs.readFileSync(path.join(pkg.dir, upstreamRel));
    // Only the import lines change; the module body is byte for byte upstream's.
    const text = source
      .toString("utf8")
      .replace(/(\bfrom\s*)(['"])(d3-[a-z]+)\2/g, (_m, from, q, dep) => `${from}${q}./${dep}.mjs${q}`);
    if (/\bfrom\s*['"](?!\.\/)/.test(text)) {
      throw new Error(`${name}: an import is still bare after the rewrite`);
    }
    const files = [
      write(`d3/${name}.mjs`, text, { file: upstreamRel, sha256: sha256(source) }),
      licenceFile(pkg, "d3"),
    ];
    packages.push({ ...pkgInfo(pkg), files, note: "imports between d3 modules made relative" });
  }
  return packages;
}

function vendorFont(work) {
  const pkg = pack(FONT.name, FONT.version, work);
  const cssRel = `${FONT.weight}.css`;
  const css = fs.readFileSync(path.join(pkg.dir, cssRel), "utf8");
  const files = [];
  const faces = [];
  // One @font-face per unicode-range slice; keep the woff2 source only.
  const faceRe = /@font-face\s*{([^}]*)}/g;
  let match;
  while ((match = faceRe.exec(css)) !== null) {
    const body = match[1];
    const woff2 = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(body);
    const range = /unicode-range:\s*([^;]+);/.exec(body);
    if (!woff2) throw new Error(`${FONT.name}: a @font-face without woff2: ${body}`);
    const upstreamRel = `files/${woff2[1]}`;
    const data = fs.readFileSync(path.join(pkg.dir, upstreamRel));
    files.push(write(`noto-sans-sc/${woff2[1]}`, data, { file: upstreamRel, sha256: sha256(data) }));
    faces.push(
      [
        "@font-face {",
        "  font-family: 'Noto Sans SC';",
        "  font-style: normal;",
        "  font-display: swap;",
        `  font-weight: ${FONT.weight};`,
        `  src: url(./${woff2[1]}) format('woff2');`,
        range ? `  unicode-range: ${range[1].trim()};` : null,
        "}",
      ]
        .filter((line) => line !== null)
        .join("\n"),
    );
  }
  const header = `/* ${pkg.name}@${pkg.version} ${cssRel}, woff2 sources only (${pkg.license}) */\n`;
  files.unshift(
    write("noto-sans-sc/noto-sans-sc.css", header + faces.join("\n\n") + "\n", {
      file: cssRel,
      sha256: sha256(Buffer.from(css, "utf8")),
    }),
  );
  files.push(licenceFile(pkg, "noto-sans-sc"));
  return [
    {
      ...pkgInfo(pkg),
      files,
      note: `weight ${FONT.weight}, all ${faces.length} unicode-range slices, woff2 only`,
    },
  ];
}

function pkgInfo(pkg) {
  return { name: pkg.name, version: pkg.version, license: pkg.license, integrity: pkg.integrity };
}

function markdown(packages) {
  const lines = [
    "# Vendored browser assets",
    "",
    "Written by `node scripts/vendor_web.mjs` (do not edit by hand): every file the page",
    "loads from `vendor/`, the npm package it came from, its licence and its sha256.",
    "`manifest.json` holds the same, with the sha256 of each upstream file;",
    "`tests/web/test_vendor.py` checks the files against it.",
    "",
    "| package | version | licence | files | bytes | note |",
    "|---|---|---|---|---|---|",
  ];
  for (const p of packages) {
    const bytes = p.files.reduce((sum, f) => sum + f.bytes, 0);
    lines.push(`| ${p.name} | ${p.version} | ${p.license} | ${p.files.length} | ${bytes} | ${p.note} |`);
  }
  lines.push("", "## Files", "", "| file | sha256 | package |", "|---|---|---|");
  for (const p of packages) {
    for (const f of p.files) lines.push(`| ${f.path} | \`${f.sha256}\` | ${p.name}@${p.version} |`);
  }
  return lines.join("\n") + "\n";
}

function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "orggraph-vendor-"));
  try {
    fs.rmSync(path.join(VENDOR, "d3"), { recursive: true, force: true });
    fs.rmSync(path.join(VENDOR, "noto-sans-sc"), { recursive: true, force: true });
    const packages = [...vendorD3(work), ...vendorFont(work)];
    const manifest = { generator: "scripts/vendor_web.mjs", packages };
    fs.writeFileSync(path.join(VENDOR, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    fs.writeFileSync(path.join(VENDOR, "VENDORED.md"), markdown(packages));
    const count = packages.reduce((sum, p) => sum + p.files.length, 0);
    console.log(`vendored ${packages.length} packages, ${count} files into ${VENDOR}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
