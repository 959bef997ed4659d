// The browser view of the organization graph: wires the page's controls to the GraphQL
// API (api.js), the tree and network layouts (tree.js, network.js) and the canvas
// renderer (render.js). State a test can read is mirrored on <body data-…> and on
// window.orggraph (see the end of this file).

import * as api from "./api.js";
import * as i18n from "./i18n.js";
import { COLUMN_X, layoutNetwork } from "./network.js";
import { CanvasView } from "./render.js";
import { COLORS, coverageStops } from "./style.js";
import { COL, OrgTree, syntheticTree } from "./tree.js";

const $ = (id) => document.getElementById(id);
const DAY = 86400000;
const FONT = '"Noto Sans SC"';
const READABLE = 0.75; // the least zoom at which a column's labels do not thin out

const params = new URLSearchParams(location.search);
const state = {
  view: params.get("view") === "network" ? "network" : "tree",
  scope: params.get("scope") || null, // the root organization; null: the API's default
  roots: [], // the actor's scope roots: [{id, name}] (an unscoped actor: the city committees)
  scopeIds: [], // the roots drawn now (one, or all of them)
  asOf: params.get("asOf") || null,
  minDate: "2012-01-01",
  maxDate: null,
  tree: null,
  network: null,
  // The whole city's contacts and expert services are thousands of links: opt-in.
  networkKinds: new Set(["covers", "paired_with", "leads"]),
  selected: null,
  chain: null,
  playing: false,
  replay: null, // the last replay step: {since, until, founded, dissolved, rate}
  dataDate: null, // the latest date the data reaches (null: the server does not say)
  loading: 0,
  timings: {},
  errors: [],
};

let view = null;

// ---------------------------------------------------------------- startup

async function main() {
  i18n.setLanguage(params.get("lang") || localStorage.getItem("orggraph.lang") || "zh");
  view = new CanvasView($("canvas"), { onClick: onCanvasClick, onHover, onRender: placeHeadings });
  bindControls();
  setBody();
  try {
    const meta = await api.meta();
    state.roots = meta.roots;
    state.dataDate = meta.dataDate ?? null;
    setupScope();
    // The slider spans the last years of history (the seed's story starts in 2012);
    // the date field beside it reaches any date.
    const recent = meta.maxDate ? `${Number(meta.maxDate.slice(0, 4)) - 7}-01-01` : state.minDate;
    state.minDate = meta.minDate && meta.minDate > recent ? meta.minDate : recent;
    state.maxDate = meta.maxDate || isoDate(new Date());
    state.asOf = state.asOf || state.dataDate || meta.defaultDate || state.maxDate;
    if (state.asOf > state.maxDate) state.maxDate = state.asOf; // a later ?asOf= widens the range
    setupDateRange();
    setBody();
    await load({ fit: true });
    const pick = params.get("select");
    if (pick) await select(pick, { fly: true });
  } catch (error) {
    fail(error);
  }
  document.body.dataset.ready = "true";
}

function bindControls() {
  $("lang").addEventListener("click", () => {
    const next = i18n.language() === "zh" ? "en" : "zh";
    localStorage.setItem("orggraph.lang", next);
    i18n.setLanguage(next);
    setBody();
    showStatus();
    showReplay();
    fillHeadings();
    if (state.selected) renderPanel();
    view.requestRender();
  });
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => switchView(tab.dataset.view));
  }
  $("expand-all").addEventListener("click", () => relayout(() => state.tree?.expandAll(), true));
  $("collapse-all").addEventListener("click", () => relayout(() => state.tree?.expandAboveTownships(), true));
  $("frame-chain").addEventListener("click", frameChain);
  $("scope-choice").addEventListener("change", (e) => chooseScope(e.target.value));
  $("fit").addEventListener("click", () => fitView(500));
  $("export-png").addEventListener("click", exportPNG);
  $("export-svg").addEventListener("click", exportSVG);
  $("detail-close").addEventListener("click", () => select(null));
  for (const id of ["link-export", "link-export-pdf", "link-export-docx"]) {
    $(id).addEventListener("click", (event) => exportAsJob(event, $(id)));
  }
  $("export-job-cancel").addEventListener("click", cancelExportJob);
  $("play").addEventListener("click", togglePlay);
  const range = $("as-of-range");
  range.addEventListener("input", () => ($("as-of").value = dateAtStep(+range.value)));
  range.addEventListener("change", () => setAsOf(dateAtStep(+range.value)));
  $("as-of").addEventListener("change", (e) => e.target.value && setAsOf(e.target.value));
  for (const box of document.querySelectorAll('#network-filter input[name="edge"]')) {
    box.addEventListener("change", () => {
      if (box.checked) state.networkKinds.add(box.value);
      else state.networkKinds.delete(box.value);
      if (state.network) showNetwork(false);
    });
  }
  bindSearch();
}

function setBody() {
  const body = document.body.dataset;
  body.view = state.view;
  body.asOf = state.asOf || "";
  body.selected = state.selected || "";
  body.lang = i18n.language();
  for (const tab of document.querySelectorAll(".tab")) {
    tab.classList.toggle("active", tab.dataset.view === state.view);
  }
  $("play").textContent = i18n.t(state.playing ? "pause" : "play");
}

let shownStatus = ["", {}, false];

/** The status line, kept as a key and its values so that it follows the language. */
function status(key, values = {}, isError = false) {
  shownStatus = [key, values, isError];
  showStatus();
}

function showStatus() {
  const [key, values, isError] = shownStatus;
  $("status").textContent = key ? i18n.t(key, values) : "";
  $("status").classList.toggle("error", isError);
  const past = state.dataDate && state.asOf && state.asOf > state.dataDate;
  $("data-date").hidden = !past;
  $("data-date").textContent = past ? i18n.t("dataDate.past", { date: state.dataDate }) : "";
}

// ---------------------------------------------------------------- exports as jobs

// A city's list takes seconds: the panel's export links start a job (jobs.js, the server's
// /jobs) and show its stage and percent, with a cancel button; the file downloads when the
// job is done. One at a time from the panel; a modified click stays a plain link.
let exportJob = null;

async function exportAsJob(event, link) {
  const jobs = window.orggraphJobs;
  if (!jobs || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  if (exportJob) return;
  exportJob = { id: null };
  const box = $("export-job");
  const show = (job) => {
    exportJob.id = job.id;
    box.dataset.state = job.state;
    const percent = job.percent ?? 0;
    $("export-job-bar").value = percent;
    $("export-job-percent").textContent = `${Math.floor(percent)}%`;
    $("export-job-label").textContent = `${job.label}：${job.stage}`;
  };
  box.hidden = false;
  box.dataset.state = "queued";
  $("export-job-bar").value = 0;
  $("export-job-percent").textContent = "";
  $("export-job-label").textContent = i18n.t("job.starting");
  $("export-job-cancel").disabled = false;
  const url = new URL(link.href, location.href);
  try {
    const { status: done, blob } = await jobs.run({ export: url.pathname + url.search }, show);
    show(done);
    jobs.save(blob, done.filename);
    $("export-job-label").textContent = i18n.t("job.done", { file: done.filename });
  } catch (error) {
    const cancelled = error.status?.state === "cancelled";
    box.dataset.state = error.status?.state ?? "failed";
    $("export-job-label").textContent = cancelled
      ? i18n.t("job.cancelled")
      : i18n.t("job.failed", { message: error.message });
  } finally {
    exportJob = null;
    $("export-job-cancel").disabled = true;
  }
}

function cancelExportJob() {
  if (exportJob?.id) window.orggraphJobs.cancel(exportJob.id).catch(fail);
}

function fail(error) {
  console.error(error);
  state.errors.push(String(error?.message || error));
  status("status.error", { message: error?.message || String(error) }, true);
}

// ---------------------------------------------------------------- scope

/**
 * The roots to draw: ?scope= when given, else the actor's scope (several roots: all of them,
 * with a chooser to narrow to one). The scope's name goes into the title.
 */
function setupScope() {
  const chooser = $("scope-chooser");
  const select = $("scope-choice");
  if (state.scope) {
    state.scopeIds = [state.scope];
  } else {
    state.scopeIds = state.roots.map((r) => r.id);
  }
  chooser.hidden = state.roots.length < 2 || Boolean(state.scope);
  select.replaceChildren();
  if (!chooser.hidden) {
    const all = document.createElement("option");
    all.value = "";
    all.dataset.i18n = "scope.all";
    all.textContent = i18n.t("scope.all");
    select.append(all);
    for (const r of state.roots) {
      const option = document.createElement("option");
      option.value = r.id;
      option.textContent = r.name || r.id;
      option.translate = false;
      select.append(option);
    }
  }
  showScopeName();
}

function scopeName() {
  const names = state.scopeIds.map((id) => state.roots.find((r) => r.id === id)?.name || id);
  return names.join("、");
}

function showScopeName() {
  const name = state.scope && !state.roots.some((r) => r.id === state.scope) ? state.scope : scopeName();
  $("scope-name").textContent = name;
  i18n.setScopeName(name);
  document.body.dataset.scope = state.scopeIds.join(",");
}

async function chooseScope(id) {
  state.scopeIds = id ? [id] : state.roots.map((r) => r.id);
  state.tree = null;
  state.treeData = null;
  showScopeName();
  await select(null);
  try {
    await load({ fit: true });
  } catch (error) {
    fail(error);
  }
}

// ---------------------------------------------------------------- loading

/** Load the current view's data at state.asOf and draw it. */
async function load({ fit = false } = {}) {
  state.loading += 1;
  document.body.dataset.loading = "true";
  status("status.loading");
  try {
    if (state.view === "tree") {
      const t0 = performance.now();
      const data = await api.tree(state.scopeIds, state.asOf);
      const arrived = performance.now();
      await loadGlyphs(data.nodes);
      const previous = state.treeData;
      state.treeData = data;
      showTree(markChanges(data, previous), fit);
      await nextFrame();
      state.timings.tree = {
        fetchMs: arrived - t0,
        paintMs: performance.now() - arrived,
        layoutMs: state.timings.layoutMs,
        nodes: data.nodes.length,
        visible: state.tree.visible.length,
      };
      status("status.loaded", { n: data.nodes.length });
    } else {
      const data = await api.network(state.asOf);
      await loadGlyphs(data.nodes);
      state.networkData = data;
      showNetwork(fit);
      await nextFrame();
      status("status.loaded", { n: data.nodes.length });
    }
    if (state.selected) await loadChain(state.selected);
  } finally {
    state.loading -= 1;
    document.body.dataset.loading = state.loading ? "true" : "false";
  }
}

/**
 * Load the font slices the names need before the canvas draws them: a canvas does not
 * redraw when a web font arrives, so unloaded glyphs would stay boxes until the next frame.
 */
async function loadGlyphs(nodes) {
  const chars = new Set();
  for (const n of nodes) for (const c of n.name ?? "") chars.add(c);
  const text = [...chars].join("");
  if (!text) return;
  try {
    await document.fonts.load(`12px ${FONT}`, text);
  } catch (error) {
    console.warn(`font: ${error.message}`);
  }
}

/** Build the tree from API data, keeping what was expanded, lay it out and draw it. */
function showTree(data, fit) {
  const expanded = state.tree ? state.tree.expandedIds() : null;
  state.tree = new OrgTree(data.nodes, expanded);
  if (!expanded && params.get("expand") === "all") state.tree.expandAll();
  if (state.selected && state.tree.byId.has(state.selected)) state.tree.reveal(state.selected);
  relayout(null, fit);
}

/** Apply a change to the tree's expansion (change()), re-lay it out and redraw. */
function relayout(change, fit = false) {
  if (!state.tree) return;
  change?.();
  const t0 = performance.now();
  const visible = state.tree.layout();
  state.timings.layoutMs = performance.now() - t0;
  const edges = [];
  for (const n of visible) {
    if (n.up && !n.up.virtual) edges.push({ source: n.up, target: n, kind: "subordinate_to" });
  }
  view.setScene({ nodes: visible, edges, shape: "elbow", columnGap: COL });
  highlightChain();
  if (fit) fitView(0, true);
  view.render();
  document.body.dataset.visible = String(visible.length);
}

function showNetwork(fit) {
  const data = state.networkData;
  if (!data) return;
  const links = data.edges.filter((e) => state.networkKinds.has(e.kind));
  const used = new Set();
  for (const e of links) {
    used.add(e.source);
    used.add(e.target);
  }
  const founded = state.replay?.founded ?? new Set();
  const nodes = data.nodes
    .filter((n) => used.has(n.id) || n.id === state.selected)
    .map((n) => (founded.has(n.id) ? { ...n, founded: true } : n));
  state.network = layoutNetwork(nodes, links);
  fillHeadings();
  view.setScene(state.network);
  highlightChain();
  if (fit) fitView(0);
  view.render();
  document.body.dataset.visible = String(state.network.nodes.length);
}

function fitView(duration, readable = false) {
  if (state.view === "tree" && state.tree) {
    const bounds = state.tree.bounds();
    const fit = view.fitTransform(bounds);
    if (readable && fit.k < READABLE) {
      // Too many rows to read at once: start at the root, at a zoom where labels show, with
      // the first rows at the top (or the root in the middle, when that would hide it).
      const root = state.tree.visible[0];
      const top = bounds[1] + (view.height / 2 - 24) / READABLE;
      const rootOnScreen = (root.y - bounds[1]) * READABLE + 24 < view.height - 40;
      view.flyTo(root.x + (view.width / 2 - 160) / READABLE, rootOnScreen ? top : root.y, READABLE, duration);
    } else {
      view.fit(bounds, duration);
    }
  } else if (state.network) {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const n of state.network.nodes) {
      x0 = Math.min(x0, n.x);
      y0 = Math.min(y0, n.y);
      x1 = Math.max(x1, n.x);
      y1 = Math.max(y1, n.y);
    }
    if (x0 !== Infinity) view.fit([x0, y0, x1, y1], duration);
  }
}

async function switchView(name) {
  if (name === state.view) return;
  state.view = name;
  setBody();
  try {
    if (name === "tree" && state.tree) {
      relayout(null, true);
    } else {
      await load({ fit: true });
    }
  } catch (error) {
    fail(error);
  }
}

// ---------------------------------------------------------------- selection and chain

function onCanvasClick(node) {
  if (!node) return;
  if (state.view === "tree" && node.kids?.length) {
    // A click on a collapsed node opens it; a second click on the selected node closes it.
    if (!node.expanded || state.selected === node.id) {
      const t0 = performance.now();
      relayout(() => state.tree.toggle(node.id));
      state.timings.expandMs = performance.now() - t0;
    }
  }
  select(node.id).catch(fail);
}

/** Select a node (null: clear), show its facts and chain; fly to it when asked. */
async function select(id, { fly = false } = {}) {
  state.selected = id;
  state.chain = null;
  view.selected = id;
  view.frame = null;
  $("frame-chain").disabled = true;
  setBody();
  if (!id) {
    $("detail").hidden = true;
    document.querySelector("#panel .empty").hidden = false;
    highlightChain();
    return;
  }
  if (state.view === "tree" && state.tree?.byId.has(id)) {
    const n = state.tree.byId.get(id);
    if (!isVisible(n)) relayout(() => state.tree.reveal(id));
  }
  if (fly) flyToNode(id);
  view.requestRender();
  await loadChain(id);
}

function isVisible(n) {
  let up = n.up;
  while (up) {
    if (!up.expanded) return false;
    up = up.up;
  }
  return true;
}

function flyToNode(id) {
  const scene = view.scene.nodes;
  const n = scene.find((m) => m.id === id);
  if (n) view.flyTo(n.x + 80, n.y, Math.max(view.transform.k, 1.1), 750);
}

async function loadChain(id) {
  const asOf = state.asOf;
  const [detail, chain] = await Promise.all([api.detail(id, asOf), api.chain(id, asOf)]);
  if (state.selected !== id || state.asOf !== asOf) return; // a newer selection won
  state.detail = detail;
  state.chain = chain;
  $("frame-chain").disabled = !chain;
  renderPanel();
  highlightChain();
  document.body.dataset.chain = chain ? chain.orgIds.join(",") : "";
}

function highlightChain() {
  const chain = state.chain;
  if (!chain) {
    view.setHighlight(new Set(), new Set());
    return;
  }
  const ids = new Set(chain.orgIds);
  for (const id of chain.otherIds) ids.add(id);
  const edges = new Set();
  // Tree edges run parent → child; the chain climbs child → parent.
  for (let i = 0; i + 1 < chain.orgIds.length; i++) edges.add(`${chain.orgIds[i + 1]}>${chain.orgIds[i]}`);
  for (const [a, b] of chain.links) edges.add(`${a}>${b}`);
  view.setHighlight(ids, edges);
}

function renderPanel() {
  const detail = state.detail;
  document.querySelector("#panel .empty").hidden = Boolean(detail);
  $("detail").hidden = !detail;
  if (!detail) return;
  $("detail-name").textContent = detail.name;
  const facts = $("facts");
  facts.replaceChildren();
  const add = (key, value) => {
    if (value === null || value === undefined || value === "") return;
    const dt = document.createElement("dt");
    dt.textContent = i18n.t(key);
    const dd = document.createElement("dd");
    if (value instanceof Node) dd.append(value);
    else dd.textContent = String(value);
    if (DATA_FACTS.has(key)) dd.translate = false;
    facts.append(dt, dd);
  };
  add("fact.id", detail.id);
  add("fact.kind", kindText(detail));
  add("fact.level", i18n.label("level", detail.level));
  add("fact.sector", i18n.label("sector", detail.sector));
  add("fact.parent", detail.parentName);
  add("fact.secretary", detail.kind === "organization" ? detail.secretary || vacantMark() : null);
  add("fact.members", detail.memberCount);
  add("fact.children", detail.childCount);
  const treeNode = state.tree?.byId.get(detail.id);
  if (treeNode && treeNode.coverage !== null && treeNode.coverage !== undefined) {
    add("fact.coverage", `${(treeNode.coverage * 100).toFixed(1)}%`);
  }
  if (treeNode?.weak || treeNode?.vacant || treeNode?.gap) add("fact.state", flags(treeNode));
  if (treeNode?.reasons?.length) add("fact.reasons", treeNode.reasons.join("；"));
  add("fact.validFrom", detail.validFrom);

  const chainList = $("chain");
  chainList.replaceChildren();
  const breaks = $("breaks");
  breaks.replaceChildren();
  const chain = state.chain;
  if (chain) {
    for (const level of chain.levels) chainList.append(chainItem(level));
    if (!chain.breaks.length) {
      const li = document.createElement("li");
      li.className = "ok";
      li.textContent = i18n.t("panel.noBreaks");
      breaks.append(li);
    }
    for (const b of chain.breaks) {
      const li = document.createElement("li");
      li.dataset.kind = b.kind;
      const since = b.since ? i18n.t("break.since", { date: b.since }) : "";
      const name = document.createElement("span");
      name.textContent = shown(b.organizationName);
      name.translate = false;
      li.append(`${i18n.label("break", b.kind)} `, name, since ? ` ${since}` : "");
      breaks.append(li);
    }
    $("link-explorer").href = api.explorerUrl(chain.query);
  }
  $("link-export").href = api.exportUrl(detail.id, state.asOf, i18n.language());
  $("link-export-pdf").href = api.exportUrl(detail.id, state.asOf, i18n.language(), "pdf");
  $("link-export-docx").href = api.exportUrl(detail.id, state.asOf, i18n.language(), "docx");
}

// Facts whose values are data (names, ids, dates): never translated.
const DATA_FACTS = new Set(["fact.id", "fact.parent", "fact.secretary", "fact.reasons", "fact.validFrom"]);

/** A name from the chain, or the hidden shape in the interface's language. */
function shown(name) {
  if (name === api.HIDDEN.outside) return i18n.t("hidden.outside");
  if (name === api.HIDDEN.masked) return i18n.t("hidden.masked");
  return name;
}

/** An organization's kind in the interface's language: 党支部 / Party branch… */
function kindText(detail) {
  if (detail.orgKind) return i18n.label("orgKind", detail.orgKind);
  return i18n.label("kind", detail.kind);
}

function vacantMark() {
  const span = document.createElement("span");
  span.className = "vacant";
  span.textContent = i18n.t("chain.vacant");
  return span;
}

function flags(n) {
  const frag = document.createDocumentFragment();
  const flag = (cls, key) => {
    const s = document.createElement("span");
    s.className = `flag ${cls}`;
    s.textContent = i18n.t(key);
    frag.append(s);
  };
  if (n.weak) flag("weak", "legend.weak");
  if (n.vacant) flag("vacant", "legend.vacant");
  if (n.gap) flag("gap", "legend.gap");
  return frag;
}

function chainItem(level) {
  const li = document.createElement("li");
  li.dataset.org = level.id;
  const org = document.createElement("div");
  org.className = "org";
  org.textContent = shown(level.hidden ? api.HIDDEN.outside : level.name);
  org.translate = false;
  org.addEventListener("click", () => select(level.id, { fly: true }).catch(fail));
  li.append(org);
  const line = (roleKey, people) => {
    const div = document.createElement("div");
    const role = document.createElement("span");
    role.className = "role";
    role.textContent = `${i18n.t(roleKey)}${i18n.t("colon")}`;
    div.append(role);
    if (people === null) {
      div.append(vacantMark());
    } else {
      if (people.length) {
        const names = document.createElement("span");
        names.textContent = people.map(shown).join("、");
        names.translate = false;
        div.append(names);
      } else {
        div.append(document.createTextNode(i18n.t("chain.none")));
      }
    }
    li.append(div);
  };
  line("chain.secretary", level.secretary === null ? null : [level.secretary]);
  if (level.workingGroups.length) line("chain.workingGroup", level.workingGroups);
  if (level.contacts.length || level.level === "grassroots") line("chain.contact", level.contacts);
  if (level.partners.length) line("chain.partner", level.partners);
  return li;
}

// ---------------------------------------------------------------- reading aids

/**
 * A replay step's marks on the tree: founded organizations flagged, dissolved ones kept
 * where they stood (from the previous step's tree) and flagged, so that both are drawn.
 */
function markChanges(data, previous) {
  const replay = state.replay;
  if (!replay || replay.until !== state.asOf) return data;
  const present = new Set(data.nodes.map((n) => n.id));
  const nodes = data.nodes.map((n) => (replay.founded.has(n.id) ? { ...n, founded: true } : n));
  for (const n of previous?.nodes ?? []) {
    if (replay.dissolved.has(n.id) && !present.has(n.id)) nodes.push({ ...n, dissolved: true });
  }
  return { ...data, nodes };
}

function showReplay() {
  const r = state.replay;
  const line = $("replay");
  document.body.dataset.changes = r ? "true" : "false";
  line.hidden = !r;
  if (!r) return;
  let text = i18n.t("replay.step", { date: r.until, founded: r.founded.size, dissolved: r.dissolved.size });
  if (r.rate !== null) text += ` · ${i18n.t("replay.rate", { rate: percent(r.rate) })}`;
  line.textContent = text;
  line.dataset.founded = String(r.founded.size);
  line.dataset.dissolved = String(r.dissolved.size);
  line.dataset.rate = r.rate === null ? "" : String(r.rate);
}

function percent(rate) {
  return `${(rate * 100).toFixed(1)}%`;
}

const COLUMN_KEYS = ["column.experts", "column.leaders", "column.groups", "column.organizations", "column.strong"];

/** The network's column headings (the columns that hold a node), above the drawing. */
function fillHeadings() {
  const strip = $("columns");
  strip.replaceChildren();
  if (!state.network) return;
  const used = new Set(state.network.nodes.map((n) => n.column));
  COLUMN_KEYS.forEach((key, column) => {
    if (!used.has(column)) return;
    const span = document.createElement("span");
    span.dataset.column = String(column);
    span.textContent = i18n.t(key);
    strip.append(span);
  });
  placeHeadings();
}

/** Keep the headings over their columns as the drawing pans and zooms. */
function placeHeadings() {
  if (!view || state.view !== "network") return; // the view draws once before it is kept
  const t = view.transform;
  for (const span of $("columns").children) {
    const x = COLUMN_X[Number(span.dataset.column)] * t.k + t.x;
    span.style.left = `${x}px`;
    span.hidden = x < 0 || x > view.width;
  }
}

const hoverDetails = new Map(); // "id@asOf" → the facts of a hovered organization
let hovered = null;
let hoverTimer = 0;

/** A card beside the pointer: name, kind, secretary, coverage and gaps of the node. */
function onHover(node, event) {
  const card = $("hovercard");
  if (!node) {
    hovered = null;
    card.hidden = true;
    return;
  }
  const box = $("canvas-box").getBoundingClientRect();
  const x = Math.min(event.clientX - box.left + 14, box.width - 310);
  const y = Math.min(event.clientY - box.top + 14, box.height - 120);
  card.style.left = `${Math.max(4, x)}px`;
  card.style.top = `${Math.max(4, y)}px`;
  if (hovered === node.id && !card.hidden) return;
  hovered = node.id;
  fillCard(node);
  card.hidden = false;
  if (node.kind !== "organization" || node.dissolved) return;
  const key = `${node.id}@${state.asOf}`;
  if (hoverDetails.has(key)) return;
  clearTimeout(hoverTimer);
  hoverTimer = setTimeout(() => {
    api
      .detail(node.id, state.asOf)
      .then((detail) => {
        hoverDetails.set(key, detail);
        if (hovered === node.id) fillCard(node);
      })
      .catch(fail);
  }, 120);
}

function fillCard(n) {
  const card = $("hovercard");
  card.replaceChildren();
  const line = (text, cls = "", data = false) => {
    const div = document.createElement("div");
    div.className = cls;
    div.textContent = text;
    if (data) div.translate = false;
    card.append(div);
    return div;
  };
  const title = document.createElement("strong");
  title.textContent = n.name;
  title.translate = false;
  card.append(title);
  const detail = hoverDetails.get(`${n.id}@${state.asOf}`);
  const kind = detail ? kindText(detail) : i18n.label("kind", n.kind || "organization");
  const level = n.level ? i18n.label("level", n.level) : "";
  line([level, kind].filter(Boolean).join(" · "), "muted");
  if (n.kind !== "organization") return;
  if (n.founded) line(i18n.t("legend.founded"), "ok");
  if (n.dissolved) {
    line(i18n.t("legend.dissolved"), "bad");
    return;
  }
  if (n.vacant) {
    line(`${i18n.t("hover.secretary")}${i18n.t("colon")}${i18n.t("chain.vacant")}`, "bad");
  } else if (detail) {
    const div = line(`${i18n.t("hover.secretary")}${i18n.t("colon")}`);
    const name = document.createElement("span");
    name.textContent = detail.secretary ?? i18n.t("chain.vacant");
    name.translate = false;
    div.append(name);
  }
  if (n.coverage !== null && n.coverage !== undefined) {
    line(`${i18n.t("hover.coverage")}${i18n.t("colon")}${percent(n.coverage)}`);
  }
  const gaps = [];
  if (n.weak) gaps.push(i18n.t("legend.weak"));
  if (n.vacant) gaps.push(i18n.t("legend.vacant"));
  if (n.gap) gaps.push(i18n.t("legend.gap"));
  line(gaps.length ? gaps.join("、") : i18n.t("hover.noGaps"), gaps.length ? "bad" : "muted");
  if (n.reasons?.length) line(`${i18n.t("hover.reasons")}${i18n.t("colon")}${n.reasons.join("；")}`, "muted", true);
}

/** 框选责任链: frame the selected node's chain on the drawing and fit the view to it. */
function frameChain() {
  const chain = state.chain;
  if (!chain) return;
  const ids = new Set([...chain.orgIds, ...chain.otherIds]);
  const nodes = view.scene.nodes.filter((n) => ids.has(n.id));
  if (!nodes.length) return;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const n of nodes) {
    x0 = Math.min(x0, n.x);
    y0 = Math.min(y0, n.y);
    x1 = Math.max(x1, n.x);
    y1 = Math.max(y1, n.y);
  }
  const pad = 24;
  view.frame = [x0 - pad, y0 - pad, x1 + pad, y1 + pad];
  view.fit([x0, y0, x1, y1], 600);
  document.body.dataset.framed = [...nodes.map((n) => n.id)].join(",");
}

// ---------------------------------------------------------------- search

function bindSearch() {
  const input = $("search-text");
  const list = $("search-results");
  let timer = 0;
  let results = [];
  const show = (items) => {
    results = items;
    list.replaceChildren();
    if (!items.length) {
      const li = document.createElement("li");
      li.textContent = i18n.t("search.none");
      list.append(li);
    }
    for (const item of items) {
      const li = document.createElement("li");
      li.dataset.id = item.id;
      const name = document.createElement("span");
      name.textContent = item.name;
      name.translate = false;
      li.append(name);
      const small = document.createElement("small");
      small.textContent = `${item.id} · ${i18n.label("kind", item.kind)}`;
      li.append(small);
      li.addEventListener("click", () => choose(item));
      list.append(li);
    }
    list.hidden = false;
  };
  const run = async () => {
    const text = input.value.trim();
    if (!text) {
      list.hidden = true;
      return [];
    }
    const items = await api.search(text, state.asOf);
    if (input.value.trim() === text) show(items);
    return items;
  };
  const choose = (item) => {
    list.hidden = true;
    input.value = item.name;
    goTo(item.id).catch(fail);
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => run().catch(fail), 200);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") list.hidden = true;
  });
  $("search").addEventListener("submit", async (e) => {
    e.preventDefault();
    clearTimeout(timer);
    try {
      const items = await run();
      if (items.length) choose(items[0]);
    } catch (error) {
      fail(error);
    }
  });
  document.addEventListener("click", (e) => {
    if (!$("search").contains(e.target)) list.hidden = true;
  });
}

/** Bring a node on screen: in the tree when it is an organization of the tree. */
async function goTo(id) {
  if (state.view === "tree" && !state.tree?.byId.has(id)) {
    const inNetwork = state.networkData?.nodes.some((n) => n.id === id);
    if (inNetwork) await switchView("network");
  }
  await select(id, { fly: true });
}

// ---------------------------------------------------------------- time

function setupDateRange() {
  const steps = monthsBetween(state.minDate, state.maxDate);
  const range = $("as-of-range");
  range.max = String(steps);
  range.value = String(stepOf(state.asOf));
  const input = $("as-of");
  input.max = isoDate(new Date());
  input.value = state.asOf;
}

function monthsBetween(a, b) {
  const [ya, ma] = a.split("-").map(Number);
  const [yb, mb] = b.split("-").map(Number);
  return Math.max(0, (yb - ya) * 12 + (mb - ma));
}

function stepOf(date) {
  return Math.min(monthsBetween(state.minDate, state.maxDate), monthsBetween(state.minDate, date));
}

/** The date at a slider step: month ends, and the last step is the range's end itself. */
function dateAtStep(step) {
  const max = monthsBetween(state.minDate, state.maxDate);
  if (step >= max) return state.maxDate;
  const [y, m] = state.minDate.split("-").map(Number);
  const end = new Date(Date.UTC(y, m + step, 1) - DAY); // last day of the month
  return isoDate(end);
}

function isoDate(d) {
  return d.toISOString().slice(0, 10);
}

async function setAsOf(date, { replay = null } = {}) {
  if (!date || date === state.asOf) return;
  state.replay = replay; // a step of the replay marks its changes; any other date clears them
  showReplay();
  state.asOf = date;
  $("as-of").value = date;
  $("as-of-range").value = String(stepOf(date));
  setBody();
  try {
    await load();
  } catch (error) {
    fail(error);
  }
}

async function togglePlay() {
  if (state.playing) {
    state.playing = false;
    setBody();
    return;
  }
  state.playing = true;
  setBody();
  const max = monthsBetween(state.minDate, state.maxDate);
  let step = stepOf(state.asOf);
  if (step >= max) {
    // From the end, start again in 2014: that first date is drawn as it is, unmarked.
    step = Math.max(0, stepOf("2014-01-01") - 1);
    await setAsOf(dateAtStep(step));
  }
  while (state.playing && step < max) {
    step = Math.min(max, step + 6); // half a year a frame
    await replayStep(state.asOf, dateAtStep(step));
    await sleep(500);
  }
  state.playing = false;
  setBody();
}

/** One replay step: what was founded and dissolved after since up to until, and the rate. */
async function replayStep(since, until) {
  try {
    const [changes, rate] = await Promise.all([
      api.changes(since, until, state.scopeIds),
      api.coverageTotal(state.scopeIds, until),
    ]);
    await setAsOf(until, { replay: { since, until, ...changes, rate } });
  } catch (error) {
    state.playing = false;
    fail(error);
  }
}

// ---------------------------------------------------------------- export

function fileStem() {
  return `orggraph-${state.view}-${state.asOf}`;
}

async function exportPNG() {
  const blob = await view.toPNG(decorations());
  download(blob, `${fileStem()}.png`);
}

function exportSVG() {
  const svg = view.toSVG(decorations());
  download(new Blob([svg], { type: "image/svg+xml" }), `${fileStem()}.svg`);
}

/** What an export carries around the drawing: title, scope, date, view, headings, legend. */
function decorations() {
  const name = scopeName();
  const title = name ? i18n.t("title.scoped", { scope: name }) : i18n.t("title");
  let date = i18n.t("export.asOf", { date: state.asOf });
  if (state.dataDate && state.asOf > state.dataDate) {
    date += ` (${i18n.t("dataDate.past", { date: state.dataDate })})`;
  }
  let viewLine = i18n.t(`export.view.${state.view}`);
  if (state.replay) viewLine += ` · ${$("replay").textContent}`;
  const headings = [];
  if (state.view === "network" && state.network) {
    const used = new Set(state.network.nodes.map((n) => n.column));
    COLUMN_KEYS.forEach((key, c) => used.has(c) && headings.push({ x: COLUMN_X[c], text: i18n.t(key) }));
  }
  return {
    title,
    lines: [i18n.t("export.scope", { scope: name }), date, viewLine],
    headings,
    legendTitle: i18n.t("legend.title"),
    ramp: { caption: i18n.t("legend.coverage"), stops: coverageStops(), ticks: ["0%", "50%", "100%"] },
    legend: legendEntries(),
  };
}

/** The legend's entries for the current view, as the export draws them. */
function legendEntries() {
  const entry = (mark, color, key) => ({ mark, color, text: i18n.t(key) });
  const out = [
    entry("dot", COLORS.noRate, "legend.noRate"),
    entry("ring", COLORS.weak, "legend.weak"),
    entry("dashed", COLORS.vacant, "legend.vacant"),
    entry("triangle", COLORS.gap, "legend.gap"),
    entry("dot", COLORS.chain, "legend.chain"),
  ];
  if (state.replay) {
    out.push(entry("ring", COLORS.founded, "legend.founded"), entry("cross", COLORS.dissolved, "legend.dissolved"));
  }
  if (state.view === "network") {
    out.push(
      entry("dot", COLORS.kinds.working_group, "legend.workingGroup"),
      entry("dot", COLORS.kinds.member, "legend.leader"),
      entry("dot", COLORS.kinds.expert, "legend.expert"),
      entry("dot", "#fdd9a0", "legend.strong"),
    );
    for (const kind of ["covers", "contacts", "serves", "paired_with"]) {
      if (state.networkKinds.has(kind)) out.push(entry("line", COLORS.edges[kind], `edge.${kind}`));
    }
  }
  return out;
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------------------------------------------------------------- helpers

function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------- test and bench hook

/** The computed state of a node as drawn (for tests: no pixels needed). */
function nodeState(id) {
  const n =
    state.view === "network"
      ? state.network?.nodes.find((m) => m.id === id)
      : state.tree?.byId.get(id);
  if (!n) return null;
  return {
    id: n.id,
    name: n.name,
    coverage: n.coverage ?? null,
    weak: Boolean(n.weak),
    vacant: Boolean(n.vacant),
    gap: Boolean(n.gap),
    expanded: Boolean(n.expanded),
    visible: view.scene.nodes.includes(n),
    highlighted: view.highlight.has(n.id),
    x: n.x,
    y: n.y,
  };
}

window.orggraph = {
  state,
  get view() {
    return view;
  },
  nodeState,
  select: (id) => select(id, { fly: true }),
  /** Toggle a tree node as a click would; returns the milliseconds to re-lay and draw. */
  toggle(id) {
    const t0 = performance.now();
    relayout(() => state.tree.toggle(id));
    return performance.now() - t0;
  },
  setAsOf,
  switchView,
  frameChain,
  replayStep,
  decorations,
  /** Lay out a synthetic tree of n nodes (all expanded); returns timings in ms. */
  benchTree(n) {
    const nodes = syntheticTree(n);
    const t0 = performance.now();
    const tree = new OrgTree(nodes);
    tree.expandAll();
    const t1 = performance.now();
    tree.layout();
    const t2 = performance.now();
    state.tree = tree;
    state.view = "tree";
    relayout(null, true);
    const t3 = performance.now();
    return { nodes: n, buildMs: t1 - t0, layoutMs: t2 - t1, drawMs: t3 - t2 };
  },
};

main();
