#!/usr/bin/env node
// Refresh the explorer's vendored assets (orggraph/api/static/graphiql/) from the npm registry.
//
//   node scripts/vendor_assets.mjs            # install the pinned packages, bundle, record
//   node scripts/vendor_assets.mjs --check    # only verify the recorded sha256 of every file
//   node scripts/vendor_assets.mjs --keep DIR # install into DIR once and reuse it (rebuilds)
//
// GraphiQL 5 ships ES modules only and runs Monaco in web workers, so the pinned packages
// are installed into a temporary folder and bundled with esbuild (at vendoring time only)
// into one ES module, one stylesheet, three classic worker scripts and Monaco's icon font.
// Nothing is loaded from a CDN at run time. One line of GraphiQL is patched at bundling
// time (PATCHES: the tab's title, so that tabs can show Chinese titles); the build fails
// if upstream no longer has that line. Every output file's sha256 and every npm
// package that went into it (name, version, licence) are written to static/VENDORED.md
// and static/vendored.json, and the packages' licence texts to static/graphiql/licenses/.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STATIC = path.join(ROOT, "orggraph", "api", "static");
const OUT = path.join(STATIC, "graphiql");
const ENTRY = path.join(ROOT, "scripts", "explorer", "explorer.jsx");

// The packages asked for by name; their own dependencies come as npm resolves them and
// are recorded from the bundle's metafile.
const PINNED = {
  graphiql: "5.4.0",
  "@graphiql/plugin-explorer": "5.1.5",
  "@graphiql/react": "0.39.0",
  "@graphiql/toolkit": "0.12.1",
  react: "19.3.1",
  "react-dom": "19.3.1",
  graphql: "16.15.0",
  // The table view's XLSX download, written in the browser (MIT; its one dependency,
  // fflate, MIT).
  "write-excel-file": "4.1.1",
  esbuild: "0.28.2",
};
const BUILD_ONLY = new Set(["esbuild"]);

const WORKERS = {
  "editor.worker": "monaco-editor/esm/vs/editor/editor.worker.js",
  "json.worker": "monaco-editor/esm/vs/language/json/json.worker.js",
  "graphql.worker": "monaco-graphql/esm/graphql.worker.js",
};

// Source patches applied while bundling: [package file, exact text, replacement, why].
const PATCHES = [
  [
    "graphiql/dist/GraphiQL.js",
    "children: tab.title })",
    "children: globalThis.orggraphTabTitle ? globalThis.orggraphTabTitle(tab) : tab.title })",
    "a tab shows the saved query's Chinese title (its operation name stays the tooltip)",
  ],
];

const patchPlugin = {
  name: "orggraph-patches",
  setup(build) {
    build.onLoad({ filter: /GraphiQL\.js$/ }, (args) => {
      const patches = PATCHES.filter(([file]) => args.path.replaceAll("\\", "/").endsWith(`node_modules/${file}`));
      if (!patches.length) return undefined;
      let text = fs.readFileSync(args.path, "utf8");
      for (const [file, from, to] of patches) {
        const count = text.split(from).length - 1;
        if (count !== 1) throw new Error(`patch for ${file}: expected "${from}" once, found it ${count} times`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: "js" };
    });
  },
};

function sha256(file) {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function check() {
  const manifest = JSON.parse(fs.readFileSync(path.join(STATIC, "vendored.json"), "utf8"));
  let bad = 0;
  for (const file of manifest.files) {
    const actual = sha256(path.join(STATIC, file.path));
    if (actual !== file.sha256) {
      console.error(`MISMATCH ${file.path}: recorded ${file.sha256}, found ${actual}`);
      bad += 1;
    }
  }
  console.log(`${manifest.files.length - bad} files match, ${bad} differ`);
  process.exit(bad ? 1 : 0);
}

function install(dir) {
  const pkg = { name: "orggraph-vendor", private: true, dependencies: PINNED };
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    stdio: "inherit",
  });
}

// "…/node_modules/@scope/name/lib/x.js" → the folder "…/node_modules/@scope/name"
function packageDirOf(file) {
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf("node_modules");
  if (at < 0) return null;
  const end = parts[at + 1].startsWith("@") ? at + 3 : at + 2;
  return path.resolve(parts.slice(0, end).join("/"));
}

function licenceText(pkgDir) {
  const names = fs.readdirSync(pkgDir).filter((n) => /^(licen[cs]e|copying)/i.test(n));
  return names.length ? fs.readFileSync(path.join(pkgDir, names[0]), "utf8") : null;
}

async function build(dir) {
  const require = createRequire(path.join(dir, "package.json"));
  const esbuild = require("esbuild");
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const common = {
    bundle: true,
    minify: true,
    nodePaths: [path.join(dir, "node_modules")],
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    define: { "process.env.NODE_ENV": '"production"' },
    target: ["es2022"],
  };
  const main = await esbuild.build({
    ...common,
    entryPoints: { explorer: ENTRY },
    outdir: OUT,
    format: "esm",
    jsx: "automatic",
    loader: { ".ttf": "file", ".woff": "file", ".woff2": "file" },
    assetNames: "[name]",
    plugins: [patchPlugin],
  });
  const workers = await esbuild.build({
    ...common,
    entryPoints: Object.fromEntries(
      Object.entries(WORKERS).map(([name, spec]) => [name, require.resolve(spec)]),
    ),
    outdir: OUT,
    format: "iife",
  });
  return [main.metafile, workers.metafile];
}

function record(dir, metafiles) {
  const dirs = new Set();
  for (const meta of metafiles) {
    for (const input of Object.keys(meta.inputs)) {
      const pkgDir = packageDirOf(input);
      if (pkgDir) dirs.add(pkgDir);
    }
  }
  for (const name of Object.keys(PINNED)) {
    if (!BUILD_ONLY.has(name)) dirs.add(path.join(dir, "node_modules", name));
  }
  const licenceDir = path.join(OUT, "licenses");
  fs.mkdirSync(licenceDir, { recursive: true });
  const byKey = new Map();
  for (const pkgDir of dirs) {
    const meta = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
    const licence = typeof meta.license === "string" ? meta.license : meta.license?.type ?? "UNKNOWN";
    const text = licenceText(pkgDir);
    const file = `${meta.name.replace("/", "__")}@${meta.version}.txt`;
    if (text) fs.writeFileSync(path.join(licenceDir, file), text);
    byKey.set(`${meta.name}@${meta.version}`, { name: meta.name, version: meta.version, license: licence });
  }
  const rows = [...byKey.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  const files = [];
  const walk = (sub) => {
    for (const entry of fs.readdirSync(path.join(STATIC, sub), { withFileTypes: true })) {
      const rel = path.posix.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else {
        const full = path.join(STATIC, rel);
        files.push({ path: rel, bytes: fs.statSync(full).size, sha256: sha256(full) });
      }
    }
  };
  walk("graphiql");
  files.sort((a, b) => a.path.localeCompare(b.path));
  const manifest = {
    generator: "scripts/vendor_assets.mjs",
    pinned: PINNED,
    patches: PATCHES.map(([file, from, to, why]) => ({ file, from, to, why })),
    packages: rows,
    files,
  };
  fs.writeFileSync(path.join(STATIC, "vendored.json"), JSON.stringify(manifest, null, 2) + "\n");
  const md = [
    "# Vendored explorer assets",
    "",
    "GraphiQL 5 (with its explorer plugin), React, Monaco and write-excel-file (the table",
    "view's XLSX download), bundled by `node scripts/vendor_assets.mjs` from the npm packages",
    "below (esbuild at vendoring time; no CDN at run time). `node scripts/vendor_assets.mjs",
    "--check` verifies the checksums. Licence texts are in `graphiql/licenses/`; the same",
    "record as JSON: `vendored.json`.",
    "",
    "## Patches applied while bundling",
    "",
    "| file | change | why |",
    "|---|---|---|",
    ...PATCHES.map(([file, from, to, why]) => `| ${file} | \`${from}\` → \`${to}\` | ${why} |`),
    "",
    "## Packages in the bundle",
    "",
    "| package | version | licence |",
    "|---|---|---|",
    ...rows.map((r) => `| ${r.name} | ${r.version} | ${r.license} |`),
    "",
    "## Files",
    "",
    "| file | bytes | sha256 |",
    "|---|---|---|",
    ...files.map((f) => `| ${f.path} | ${f.bytes} | ${f.sha256} |`),
    "",
  ].join("\n");
  fs.writeFileSync(path.join(STATIC, "VENDORED.md"), md);
  console.log(`vendored ${files.length} files from ${rows.length} packages into ${OUT}`);
}

if (process.argv.includes("--check")) {
  check();
} else {
  const keepAt = process.argv.indexOf("--keep");
  const kept = keepAt > 0 ? path.resolve(process.argv[keepAt + 1]) : null;
  const dir = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), "orggraph-vendor-"));
  try {
    fs.mkdirSync(dir, { recursive: true });
    install(dir);
    record(dir, await build(dir));
  } finally {
    if (!kept) fs.rmSync(dir, { recursive: true, force: true });
  }
}
