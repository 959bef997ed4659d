// The organization tree of a scope: expand/collapse state and the tidy-tree layout.
//
// The tree is laid out with d3-hierarchy's tidy tree (Reingold–Tilford, in Buchheim's linear
// time), left to right: depth along x, siblings along y. Only expanded nodes are laid out,
// so expanding a node re-lays the visible tree (10k nodes in a few tens of ms).

import { hierarchy, tree as tidyTree } from "./vendor/d3/d3-hierarchy.mjs";

export const ROW = 18; // world units between sibling rows
export const COL = 230; // world units between depths

const VIRTUAL = "__root__";
const ABOVE_TOWNSHIPS = new Set(["national", "province", "city", "county"]);

export class OrgTree {
  /**
   * @param {Array<object>} nodes organizations with id, name, parent (id or null) and state
   * @param {Set<string>} [expanded] ids to start expanded (default: down to townships)
   */
  constructor(nodes, expanded = null) {
    this.byId = new Map();
    for (const n of nodes) this.byId.set(n.id, { ...n, kids: [], expanded: false, up: null });
    const roots = [];
    for (const n of this.byId.values()) {
      const parent = n.parent ? this.byId.get(n.parent) : null;
      if (parent) {
        parent.kids.push(n);
        n.up = parent;
      } else {
        roots.push(n);
      }
    }
    for (const n of this.byId.values()) if (n.kids.length > 1) n.kids.sort(byCode);
    // A replay step's changes, counted on every ancestor: a closed node tells what it hides.
    for (const n of this.byId.values()) {
      if (!n.founded && !n.dissolved) continue;
      for (let up = n.up; up; up = up.up) {
        if (n.founded) up.foundedBelow = (up.foundedBelow ?? 0) + 1;
        if (n.dissolved) up.dissolvedBelow = (up.dissolvedBelow ?? 0) + 1;
      }
    }
    roots.sort(byCode);
    if (roots.length === 1) {
      this.root = roots[0];
    } else {
      // Several roots (a scope of two districts): hang them from a root that is not drawn.
      this.root = { id: VIRTUAL, name: "", virtual: true, kids: roots, expanded: true, up: null };
      for (const r of roots) r.up = this.root;
    }
    if (expanded) {
      for (const id of expanded) {
        const n = this.byId.get(id);
        if (n) n.expanded = true;
      }
      this.root.expanded = true;
    } else {
      this.expandAboveTownships();
    }
    this.visible = [];
  }

  /**
   * The landing view: every committee above the townships open, the townships (and what
   * hangs under them) closed; the root is always open. A district's tree opens on its
   * streets and townships, the city's on its districts and their townships.
   */
  expandAboveTownships() {
    const walk = (n, top) => {
      n.expanded = n.kids.length > 0 && (top || ABOVE_TOWNSHIPS.has(n.level));
      for (const k of n.kids) walk(k, false);
    };
    if (this.root.virtual) {
      this.root.expanded = true;
      for (const r of this.root.kids) walk(r, true);
    } else {
      walk(this.root, true);
    }
  }

  get size() {
    return this.byId.size;
  }

  expandedIds() {
    const out = new Set();
    for (const n of this.byId.values()) if (n.expanded) out.add(n.id);
    return out;
  }

  /** Expand every node above depth, collapse the rest (the city is depth 0). */
  expandToDepth(depth) {
    const walk = (n, d) => {
      n.expanded = d < depth;
      for (const k of n.kids) walk(k, d + 1);
    };
    if (this.root.virtual) {
      this.root.expanded = true;
      for (const r of this.root.kids) walk(r, 0);
    } else {
      walk(this.root, 0);
    }
  }

  expandAll() {
    for (const n of this.byId.values()) n.expanded = n.kids.length > 0;
    this.root.expanded = true;
  }

  /** Toggle a node; returns whether it is now expanded (false for a leaf). */
  toggle(id) {
    const n = this.byId.get(id);
    if (!n || n.kids.length === 0) return false;
    n.expanded = !n.expanded;
    return n.expanded;
  }

  /** Expand every ancestor of id, so that it is visible. */
  reveal(id) {
    let n = this.byId.get(id)?.up;
    while (n) {
      n.expanded = true;
      n = n.up;
    }
  }

  /** The ids from the root down to id (inclusive), without the virtual root. */
  pathTo(id) {
    const path = [];
    let n = this.byId.get(id);
    while (n && !n.virtual) {
      path.push(n.id);
      n = n.up;
    }
    return path.reverse();
  }

  /**
   * Lay out the expanded part; sets x, y on visible nodes and returns them (parents first).
   * Each visible node gets `hidden` = how many descendants its collapse hides.
   */
  layout() {
    const h = hierarchy(this.root, (n) => (n.expanded ? n.kids : null));
    tidyTree()
      .nodeSize([ROW, COL])
      .separation((a, b) => (a.parent === b.parent ? 1 : 1.4))(h);
    const visible = [];
    h.each((d) => {
      const n = d.data;
      n.x = d.y; // depth runs left to right
      n.y = d.x;
      n.depth = this.root.virtual ? d.depth - 1 : d.depth;
      if (!n.virtual) visible.push(n);
    });
    this.visible = visible;
    return visible;
  }

  /** The bounding box of the visible nodes: [x0, y0, x1, y1]. */
  bounds() {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const n of this.visible) {
      if (n.x < x0) x0 = n.x;
      if (n.x > x1) x1 = n.x;
      if (n.y < y0) y0 = n.y;
      if (n.y > y1) y1 = n.y;
    }
    if (x0 === Infinity) return [0, 0, 0, 0];
    return [x0, y0, x1, y1];
  }
}

function byCode(a, b) {
  // Administrative codes sort numerically within a level; names break ties.
  return a.id < b.id ? -1 : a.id > b.id ? 1 : a.name.localeCompare(b.name, "zh");
}

/** A synthetic tree of n organizations (4 levels, like a city), for benchmarks and tests. */
export function syntheticTree(n, seed = 1) {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const nodes = [{ id: "630100", name: "市委", parent: null, level: "city", coverage: 0.8 }];
  const counties = Math.max(1, Math.round(Math.sqrt(n) / 12));
  const townships = Math.max(1, Math.round(Math.sqrt(n) * 1.1));
  for (let c = 0; c < counties && nodes.length < n; c++) {
    const id = `6301${String(c + 1).padStart(2, "0")}`;
    nodes.push({ id, name: `县区${c + 1}`, parent: "630100", level: "county", coverage: rand() });
  }
  const perCounty = Math.max(1, Math.ceil(townships / counties));
  const townshipIds = [];
  for (let t = 0; t < townships && nodes.length < n; t++) {
    const county = nodes[1 + Math.floor(t / perCounty)] ?? nodes[1];
    const id = `${county.id}${String(t + 1).padStart(3, "0")}`;
    townshipIds.push(id);
    nodes.push({ id, name: `乡镇${t + 1}`, parent: county.id, level: "township", coverage: rand() });
  }
  let b = 0;
  while (nodes.length < n) {
    const parent = townshipIds[Math.floor(rand() * townshipIds.length)] ?? "630100";
    b += 1;
    nodes.push({
      id: `${parent}${String(b).padStart(6, "0")}`,
      name: `支部${b}`,
      parent,
      level: "grassroots",
      coverage: null,
      weak: rand() < 0.03,
      vacant: rand() < 0.02,
    });
  }
  return nodes;
}
