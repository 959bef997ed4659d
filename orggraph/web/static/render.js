// The canvas renderer: draws a scene (nodes with x, y; edges between them) with pan and
// zoom (d3-zoom), culling everything outside the viewport, so that panning stays smooth at
// 10k nodes. Nodes of one fill are drawn as one path; labels keep a constant screen size
// and are thinned so that they never overlap. The same scene is written as SVG for export.

import { select } from "./vendor/d3/d3-selection.mjs";
import { zoom, zoomIdentity } from "./vendor/d3/d3-zoom.mjs";
import { COLORS, fill, radius } from "./style.js";

const LABEL_PX = 12; // label size on screen, in CSS pixels
const MIN_RADIUS_PX = 1.8; // the smallest a node is drawn, in CSS pixels
const MIN_COLUMN_PX = 110; // columns closer than this on screen: overview labels only
const OVERVIEW_LABELS = new Set(["city", "county", "township", "working_group"]);
const FONT_FAMILY = '"Noto Sans SC", sans-serif';

export class CanvasView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onClick?: Function, onRender?: Function}} [hooks]
   */
  constructor(canvas, hooks = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d", { alpha: false });
    this.hooks = hooks;
    this.scene = { nodes: [], edges: [], shape: "elbow" };
    this.transform = zoomIdentity;
    this.highlight = new Set();
    this.highlightEdges = new Set();
    this.selected = null;
    this.drawn = [];
    this.stats = { renderMs: 0, drawnNodes: 0, drawnEdges: 0, labels: 0, frames: 0 };
    this.pending = 0;
    this.width = 0;
    this.height = 0;
    this.zoom = zoom()
      .scaleExtent([0.01, 8])
      .on("zoom", (event) => {
        this.transform = event.transform;
        this.requestRender();
      });
    select(canvas).call(this.zoom).on("dblclick.zoom", null);
    canvas.addEventListener("click", (event) => this.click(event));
    const observer = new ResizeObserver(() => this.resize());
    observer.observe(canvas.parentElement);
    this.resize();
  }

  resize() {
    const box = this.canvas.parentElement.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.width = Math.max(1, Math.floor(box.width));
    this.height = Math.max(1, Math.floor(box.height));
    this.canvas.width = Math.floor(this.width * dpr);
    this.canvas.height = Math.floor(this.height * dpr);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.render();
  }

  setScene(scene) {
    this.scene = scene;
    for (const n of scene.nodes) n.r = radius(n);
    this.requestRender();
  }

  setHighlight(ids, edgeKeys = new Set()) {
    this.highlight = ids;
    this.highlightEdges = edgeKeys;
    this.requestRender();
  }

  requestRender() {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.render();
    });
  }

  /** The transform that fits [x0, y0, x1, y1] into the canvas. */
  fitTransform([x0, y0, x1, y1], pad = 40) {
    // Room for the labels: left of the first column's open nodes, right of the last column.
    const left = x0 - 140;
    const w = Math.max(1, x1 - left + 240);
    const h = Math.max(1, y1 - y0);
    const k = Math.min(2, (this.width - 2 * pad) / w, (this.height - 2 * pad) / h);
    const [lo, hi] = this.zoom.scaleExtent();
    const kk = Math.max(lo, Math.min(hi, k));
    const tx = pad - left * kk + Math.max(0, (this.width - 2 * pad - w * kk) / 2);
    const ty = this.height / 2 - ((y0 + y1) / 2) * kk;
    return zoomIdentity.translate(tx, ty).scale(kk);
  }

  fit(bounds, duration = 0) {
    this.moveTo(this.fitTransform(bounds), duration);
  }

  /** Fly to world point (x, y) at scale k, with d3's smooth zoom when duration > 0. */
  flyTo(x, y, k = 1.2, duration = 750) {
    const t = zoomIdentity.translate(this.width / 2 - x * k, this.height / 2 - y * k).scale(k);
    this.moveTo(t, duration);
  }

  moveTo(transform, duration) {
    const sel = select(this.canvas);
    if (duration > 0) sel.transition().duration(duration).call(this.zoom.transform, transform);
    else sel.call(this.zoom.transform, transform);
  }

  /** The world rectangle on screen, with a margin: [x0, y0, x1, y1]. */
  viewport(margin = 20) {
    const t = this.transform;
    return [
      (-margin - t.x) / t.k,
      (-margin - t.y) / t.k,
      (this.width + margin - t.x) / t.k,
      (this.height + 2 * margin - t.y) / t.k,
    ];
  }

  render() {
    const started = performance.now();
    const { ctx, transform: t } = this;
    const dpr = this.canvas.width / this.width;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = COLORS.background;
    ctx.fillRect(0, 0, this.width, this.height);
    ctx.setTransform(dpr * t.k, 0, 0, dpr * t.k, dpr * t.x, dpr * t.y);
    const view = this.viewport();
    const px = 1 / t.k; // one screen pixel in world units
    const edges = this.drawEdges(view, px);
    const nodes = this.drawNodes(view, px);
    const labels = this.drawLabels(nodes, px);
    this.drawn = nodes;
    const ms = performance.now() - started;
    this.stats = {
      renderMs: ms,
      drawnNodes: nodes.length,
      drawnEdges: edges,
      labels,
      frames: this.stats.frames + 1,
      scale: t.k,
    };
    this.hooks.onRender?.(this.stats);
  }

  drawEdges([x0, y0, x1, y1], px) {
    const { ctx, scene } = this;
    const byColor = new Map();
    const hot = [];
    let count = 0;
    for (const e of scene.edges) {
      const a = e.source;
      const b = e.target;
      if (Math.max(a.x, b.x) < x0 || Math.min(a.x, b.x) > x1) continue;
      if (Math.max(a.y, b.y) < y0 || Math.min(a.y, b.y) > y1) continue;
      count += 1;
      if (this.highlightEdges.has(`${a.id}>${b.id}`)) {
        hot.push(e);
        continue;
      }
      const color = COLORS.edges[e.kind] ?? COLORS.edge;
      let list = byColor.get(color);
      if (!list) byColor.set(color, (list = []));
      list.push(e);
    }
    ctx.lineWidth = Math.min(1.5, px);
    for (const [color, list] of byColor) {
      ctx.strokeStyle = color;
      ctx.beginPath();
      for (const e of list) this.edgePath(e);
      ctx.stroke();
    }
    if (hot.length) {
      ctx.strokeStyle = COLORS.chain;
      ctx.lineWidth = Math.max(3 * px, 1.5);
      ctx.beginPath();
      for (const e of hot) this.edgePath(e);
      ctx.stroke();
    }
    return count;
  }

  edgePath(e) {
    const { ctx } = this;
    const a = e.source;
    const b = e.target;
    if (this.scene.shape === "elbow") {
      // parent → child: out of the parent, down the shared spine, into the child
      const mx = a.x + (b.x - a.x) * 0.45;
      ctx.moveTo(a.x, a.y);
      ctx.lineTo(mx, a.y);
      ctx.lineTo(mx, b.y);
      ctx.lineTo(b.x, b.y);
    } else {
      const mx = (a.x + b.x) / 2;
      ctx.moveTo(a.x, a.y);
      ctx.bezierCurveTo(mx, a.y, mx, b.y, b.x, b.y);
    }
  }

  drawNodes([x0, y0, x1, y1], px) {
    const { ctx } = this;
    const visible = [];
    const byFill = new Map();
    const least = MIN_RADIUS_PX * px; // zoomed far out, a node is still a dot on screen
    for (const n of this.scene.nodes) {
      const r = n.r;
      if (n.x + r < x0 || n.x - r > x1 || n.y + r < y0 || n.y - r > y1) continue;
      n.d = r > least ? r : least;
      visible.push(n);
      const f = fill(n);
      let list = byFill.get(f);
      if (!list) byFill.set(f, (list = []));
      list.push(n);
    }
    // Halo under the chain's nodes.
    if (this.highlight.size) {
      ctx.fillStyle = COLORS.chain;
      ctx.beginPath();
      for (const n of visible) {
        if (!this.highlight.has(n.id)) continue;
        const r = n.d + Math.max(4 * px, 3);
        ctx.moveTo(n.x + r, n.y);
        ctx.arc(n.x, n.y, r, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
    ctx.lineWidth = Math.min(1, px);
    ctx.strokeStyle = COLORS.nodeStroke;
    for (const [f, list] of byFill) {
      ctx.fillStyle = f;
      ctx.beginPath();
      for (const n of list) {
        ctx.moveTo(n.x + n.d, n.y);
        ctx.arc(n.x, n.y, n.d, 0, 2 * Math.PI);
      }
      ctx.fill();
      ctx.stroke();
    }
    this.drawMarks(visible, px);
    return visible;
  }

  drawMarks(visible, px) {
    const { ctx } = this;
    const ring = (list, color, offset, width, dash) => {
      if (!list.length) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.setLineDash(dash);
      ctx.beginPath();
      for (const n of list) {
        const r = n.d + offset;
        ctx.moveTo(n.x + r, n.y);
        ctx.arc(n.x, n.y, r, 0, 2 * Math.PI);
      }
      ctx.stroke();
      ctx.setLineDash([]);
    };
    const weak = [];
    const vacant = [];
    const gap = [];
    const collapsed = [];
    for (const n of visible) {
      if (n.weak) weak.push(n);
      if (n.vacant) vacant.push(n);
      if (n.gap) gap.push(n);
      if (n.kids && n.kids.length && !n.expanded) collapsed.push(n);
    }
    const w = Math.max(1.6, 1.5 * px);
    ring(weak, COLORS.weak, Math.max(1.8, 1.2 * px), w, []);
    ring(vacant, COLORS.vacant, Math.max(3.8, 2.8 * px), w, [2.5 * w, 1.5 * w]);
    // Gaps are many (most branches have no contact leader): shown when zoomed in enough.
    if (gap.length && px <= 2) {
      ctx.fillStyle = COLORS.gap;
      ctx.beginPath();
      for (const n of gap) {
        const s = Math.max(2.5, n.d * 0.6);
        const cx = n.x + n.d * 0.9;
        const cy = n.y - n.d * 0.9;
        ctx.moveTo(cx, cy - s);
        ctx.lineTo(cx + s, cy + s * 0.8);
        ctx.lineTo(cx - s, cy + s * 0.8);
        ctx.closePath();
      }
      ctx.fill();
    }
    // A collapsed node shows a "+" inside.
    // (white on dark fills, grey on light ones)
    if (collapsed.length && px < 1.5) {
      ctx.lineWidth = Math.min(1.2, 1.2 * px);
      for (const dark of [false, true]) {
        ctx.strokeStyle = dark ? "#ffffff" : COLORS.collapsed;
        ctx.beginPath();
        for (const n of collapsed) {
          if (isDark(fill(n)) !== dark) continue;
          const s = n.d * 0.55;
          ctx.moveTo(n.x - s, n.y);
          ctx.lineTo(n.x + s, n.y);
          ctx.moveTo(n.x, n.y - s);
          ctx.lineTo(n.x, n.y + s);
        }
        ctx.stroke();
      }
    }
    if (this.selected) {
      const n = visible.find((v) => v.id === this.selected);
      if (n) {
        ctx.strokeStyle = COLORS.selected;
        ctx.lineWidth = Math.max(2 * px, 1.2);
        ctx.beginPath();
        ctx.arc(n.x, n.y, n.d + Math.max(6 * px, 4), 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
  }

  drawLabels(visible, px) {
    const { ctx } = this;
    const size = LABEL_PX * px;
    ctx.font = `${size}px ${FONT_FAMILY}`;
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3 * px;
    ctx.strokeStyle = COLORS.background; // a halo, so that edges never cross the text
    // Labels need room across (the next column) and down (the next label in the column).
    // Zoomed out, only the committees and working groups keep their labels: theirs point
    // away from each other (left of an open county, right of a closed township).
    const gap = this.scene.columnGap ?? Infinity;
    const few = gap / px < MIN_COLUMN_PX;
    const minGap = (LABEL_PX + 1) * px; // world distance between two labels in a column
    const last = new Map(); // column → y of the last label drawn there
    let count = 0;
    // Visible nodes come in layout order: within one column, top to bottom.
    for (const n of visible) {
      if (!n.name) continue;
      if (few && !OVERVIEW_LABELS.has(n.level ?? n.kind)) continue;
      const column = n.column ?? n.depth ?? 0;
      const prev = last.get(column);
      if (prev !== undefined && n.y - prev < minGap) continue;
      last.set(column, n.y);
      const strong = this.highlight.has(n.id) || n.id === this.selected;
      ctx.fillStyle = strong || n.level !== "grassroots" ? COLORS.label : COLORS.labelMuted;
      const offset = n.d + 4 * px;
      const [x, align] = labelPlace(n, offset);
      ctx.textAlign = align;
      ctx.strokeText(n.name, x, n.y);
      ctx.fillText(n.name, x, n.y);
      count += 1;
    }
    return count;
  }

  click(event) {
    const n = this.nodeAt(event.offsetX, event.offsetY);
    this.hooks.onClick?.(n, event);
  }

  /** The drawn node under screen point (sx, sy), or null. */
  nodeAt(sx, sy) {
    const t = this.transform;
    const x = (sx - t.x) / t.k;
    const y = (sy - t.y) / t.k;
    const slack = 4 / t.k;
    let best = null;
    let bestD = Infinity;
    for (const n of this.drawn) {
      const d = Math.hypot(n.x - x, n.y - y);
      if (d <= (n.d ?? n.r) + slack && d < bestD) {
        best = n;
        bestD = d;
      }
    }
    return best;
  }

  /** Screen position of a world point. */
  toScreen(x, y) {
    const t = this.transform;
    return [x * t.k + t.x, y * t.k + t.y];
  }

  /** The current view as a PNG blob (what is on screen, at the device's pixel ratio). */
  toPNG() {
    this.render();
    return new Promise((resolve, reject) => {
      this.canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("toBlob failed"))), "image/png");
    });
  }

  /** The current view as an SVG document (the nodes and edges on screen). */
  toSVG(title = "") {
    const t = this.transform;
    const view = this.viewport(0);
    const px = 1 / t.k;
    const parts = [];
    const inView = (n) => n.x >= view[0] && n.x <= view[2] && n.y >= view[1] && n.y <= view[3];
    for (const e of this.scene.edges) {
      if (!inView(e.source) && !inView(e.target)) continue;
      const a = e.source;
      const b = e.target;
      const hot = this.highlightEdges.has(`${a.id}>${b.id}`);
      const color = hot ? COLORS.chain : (COLORS.edges[e.kind] ?? COLORS.edge);
      const width = hot ? 3 * px : px;
      let d;
      if (this.scene.shape === "elbow") {
        const mx = a.x + (b.x - a.x) * 0.45;
        d = `M${f2(a.x)},${f2(a.y)}H${f2(mx)}V${f2(b.y)}H${f2(b.x)}`;
      } else {
        const mx = (a.x + b.x) / 2;
        d = `M${f2(a.x)},${f2(a.y)}C${f2(mx)},${f2(a.y)} ${f2(mx)},${f2(b.y)} ${f2(b.x)},${f2(b.y)}`;
      }
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${f2(width)}"/>`);
    }
    const size = LABEL_PX * px;
    for (const n of this.scene.nodes) {
      if (!inView(n)) continue;
      const r = Math.max(n.r, MIN_RADIUS_PX * px);
      if (this.highlight.has(n.id)) {
        parts.push(circle(n.x, n.y, r + 4 * px, `fill="${COLORS.chain}"`));
      }
      parts.push(circle(n.x, n.y, r, `fill="${fill(n)}" stroke="${COLORS.nodeStroke}" stroke-width="${f2(px)}"`));
      if (n.weak) parts.push(circle(n.x, n.y, r + Math.max(1.8, 1.2 * px), `fill="none" stroke="${COLORS.weak}" stroke-width="${f2(Math.max(1.6, 1.5 * px))}"`));
      if (n.vacant) {
        parts.push(circle(n.x, n.y, r + Math.max(3.8, 2.8 * px), `fill="none" stroke="${COLORS.vacant}" stroke-width="1.6" stroke-dasharray="2.5 1.5"`));
      }
      if (n.name) {
        const [x, align] = labelPlace(n, r + 4 * px);
        const anchor = align === "right" ? "end" : "start";
        parts.push(
          `<text x="${f2(x)}" y="${f2(n.y)}" font-size="${f2(size)}" text-anchor="${anchor}" dominant-baseline="middle" stroke="${COLORS.background}" stroke-width="${f2(3 * px)}" paint-order="stroke">${escapeXml(n.name)}</text>`,
        );
      }
    }
    const ns = "http://www.w3.org/2000/svg"; // the SVG namespace name, never fetched
    return [
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<svg xmlns="${ns}" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}" font-family="'Noto Sans SC', sans-serif">`,
      `<title>${escapeXml(title)}</title>`,
      `<rect width="100%" height="100%" fill="${COLORS.background}"/>`,
      `<g transform="translate(${f2(t.x)},${f2(t.y)}) scale(${t.k})">`,
      ...parts,
      "</g>",
      "</svg>",
      "",
    ].join("\n");
  }
}

/**
 * Where a node's label goes: left of an open parent (its edges leave to the right), right
 * of a leaf or a closed node, and as the scene says for the network's first column.
 */
function labelPlace(n, offset) {
  const left = n.labelLeft || (n.expanded && n.kids?.length > 0);
  return left ? [n.x - offset, "right"] : [n.x + offset, "left"];
}

const DARK = new Map();

/** Whether a "#rrggbb" fill is dark enough to need white marks on it. */
function isDark(hex) {
  let dark = DARK.get(hex);
  if (dark === undefined) {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    dark = 0.299 * r + 0.587 * g + 0.114 * b < 140;
    DARK.set(hex, dark);
  }
  return dark;
}

function f2(v) {
  return Math.round(v * 100) / 100;
}

function circle(x, y, r, attrs) {
  return `<circle cx="${f2(x)}" cy="${f2(y)}" r="${f2(r)}" ${attrs}/>`;
}

export function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
