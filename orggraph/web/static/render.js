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
const OVERVIEW_LABELS = new Set(["province", "city", "county", "township", "working_group"]);
// Which labels win a place first (lower first); the rest come after.
const LABEL_RANK = { province: 0, city: 0, county: 1, working_group: 1, township: 2, member: 3, expert: 3 };
const LABEL_PAD = 1; // screen pixels kept clear before and after a label
const LABEL_LEAD = 0.5; // and above and below it (12 px text in 13.5 px rows at zoom 0.75)
const CELL = 64; // the collision grid's cell, in screen pixels
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
    this.labels = []; // the labels drawn last: {id, text, x, y, align, box} in screen px
    this.widths = new Map(); // name → its label's width on screen
    this.frame = null; // a world rectangle framed on the drawing ("frame this chain")
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
    canvas.addEventListener("mousemove", (event) => {
      this.hooks.onHover?.(this.nodeAt(event.offsetX, event.offsetY), event);
    });
    canvas.addEventListener("mouseleave", (event) => this.hooks.onHover?.(null, event));
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
    this.drawFrame(px);
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
    // A replay step's changes: founded nodes ringed in green, dissolved ones crossed in red.
    const founded = visible.filter((n) => n.founded);
    ring(founded, COLORS.founded, Math.max(2.2, 1.5 * px), Math.max(2.2, 2 * px), []);
    const dissolved = visible.filter((n) => n.dissolved);
    if (dissolved.length) {
      ctx.strokeStyle = COLORS.dissolved;
      ctx.lineWidth = Math.max(2 * px, 1.5);
      ctx.beginPath();
      for (const n of dissolved) {
        const s = n.d + Math.max(2 * px, 1.5);
        ctx.moveTo(n.x - s, n.y - s);
        ctx.lineTo(n.x + s, n.y + s);
        ctx.moveTo(n.x - s, n.y + s);
        ctx.lineTo(n.x + s, n.y - s);
      }
      ctx.stroke();
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

  /**
   * Labels that never overlap: each candidate's box is measured on screen and kept only
   * when it meets no box kept before it (a grid of screen cells finds the neighbours).
   * Candidates come by importance: the selected node, the chain, then committees before
   * branches, top to bottom. Zoomed out (columns closer than MIN_COLUMN_PX on screen), only
   * the committees and working groups are candidates: small nodes' names would be noise.
   * The kept labels are in this.labels, in screen pixels (for tests and the SVG export).
   */
  drawLabels(visible, px) {
    const { ctx } = this;
    const t = this.transform;
    const size = LABEL_PX * px;
    ctx.font = `${size}px ${FONT_FAMILY}`;
    const gap = this.scene.columnGap ?? Infinity;
    const few = gap / px < MIN_COLUMN_PX;
    const candidates = [];
    for (const n of visible) {
      if (!n.name) continue;
      const strong = this.highlight.has(n.id) || n.id === this.selected;
      if (few && !strong && !OVERVIEW_LABELS.has(n.level ?? n.kind)) continue;
      candidates.push(n);
    }
    const rank = (n) =>
      n.id === this.selected ? -2 : this.highlight.has(n.id) ? -1 : (LABEL_RANK[n.level ?? n.kind] ?? 4);
    candidates.sort((a, b) => rank(a) - rank(b) || a.y - b.y);
    const grid = new Map();
    const kept = [];
    const half = LABEL_PX / 2 + LABEL_LEAD;
    for (const n of candidates) {
      const tail = changesBelow(n);
      const w = this.labelWidth(n.name) + tail.reduce((sum, [part]) => sum + this.labelWidth(part), 0);
      const [sx, sy] = [n.x * t.k + t.x, n.y * t.k + t.y];
      const offset = n.d * t.k + 4;
      const [ax, align] = labelPlace(n, offset, sx);
      const box = align === "right" ? [ax - w - LABEL_PAD, sy - half, ax + LABEL_PAD, sy + half] : [ax - LABEL_PAD, sy - half, ax + w + LABEL_PAD, sy + half];
      if (box[2] < 0 || box[0] > this.width || box[3] < 0 || box[1] > this.height) continue;
      if (collides(grid, box)) continue;
      occupy(grid, box);
      // The tail follows the name only where the label runs rightwards (closed nodes do).
      const parts = align === "left" ? tail : [];
      const text = n.name + parts.map(([part]) => part).join("");
      kept.push({ id: n.id, text, parts, x: ax, y: sy, align, box, node: n });
    }
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3 * px;
    ctx.strokeStyle = COLORS.background; // a halo, so that edges never cross the text
    for (const label of kept) {
      const n = label.node;
      const strong = this.highlight.has(n.id) || n.id === this.selected;
      ctx.fillStyle = strong || n.level !== "grassroots" ? COLORS.label : COLORS.labelMuted;
      ctx.textAlign = label.align;
      const x = (label.x - t.x) / t.k;
      ctx.strokeText(n.name, x, n.y);
      ctx.fillText(n.name, x, n.y);
      let after = x + this.labelWidth(n.name) / t.k;
      for (const [part, color] of label.parts) {
        ctx.fillStyle = color;
        ctx.strokeText(part, after, n.y);
        ctx.fillText(part, after, n.y);
        after += this.labelWidth(part) / t.k;
      }
    }
    this.labels = kept.map(({ node, ...rest }) => rest);
    return kept.length;
  }

  /** A name's width on screen at the label size (measured once per name). */
  labelWidth(text) {
    let w = this.widths.get(text);
    if (w === undefined) {
      const { ctx } = this;
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.font = `${LABEL_PX}px ${FONT_FAMILY}`;
      w = ctx.measureText(text).width;
      ctx.restore();
      this.widths.set(text, w);
    }
    return w;
  }

  /** The framed rectangle ("frame this chain"): dashed, in the chain's colour. */
  drawFrame(px) {
    if (!this.frame) return;
    const { ctx } = this;
    const [x0, y0, x1, y1] = this.frame;
    ctx.strokeStyle = COLORS.frame;
    ctx.lineWidth = 2 * px;
    ctx.setLineDash([6 * px, 4 * px]);
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    ctx.setLineDash([]);
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

  /**
   * The current view as a PNG blob, framed for print: a header with the title and its
   * lines (scope, date, view), the column headings when given, the drawing, and the legend.
   * @param {Decorations} decor
   */
  toPNG(decor) {
    this.render();
    const dpr = this.canvas.width / this.width;
    const layout = exportLayout(this, decor);
    const out = document.createElement("canvas");
    out.width = Math.round(this.width * dpr);
    out.height = Math.round(layout.height * dpr);
    const ctx = out.getContext("2d");
    ctx.scale(dpr, dpr);
    ctx.fillStyle = COLORS.background;
    ctx.fillRect(0, 0, this.width, layout.height);
    ctx.drawImage(this.canvas, 0, layout.top, this.width, this.height);
    ctx.fillStyle = COLORS.background;
    ctx.fillRect(0, 0, this.width, layout.top);
    ctx.fillRect(0, layout.top + this.height, this.width, layout.height - layout.top - this.height);
    for (const item of layout.items) paintItem(ctx, item);
    return new Promise((resolve, reject) => {
      out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("toBlob failed"))), "image/png");
    });
  }

  /**
   * The current view as an SVG document: the nodes, edges and labels on screen, with the
   * same header and legend as the PNG.
   * @param {Decorations} decor
   */
  toSVG(decor) {
    this.render();
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
      if (n.founded) parts.push(circle(n.x, n.y, r + Math.max(2.2, 1.5 * px), `fill="none" stroke="${COLORS.founded}" stroke-width="${f2(Math.max(2.2, 2 * px))}"`));
      if (n.dissolved) {
        const s = r + Math.max(2 * px, 1.5);
        parts.push(`<path d="M${f2(n.x - s)},${f2(n.y - s)}L${f2(n.x + s)},${f2(n.y + s)}M${f2(n.x - s)},${f2(n.y + s)}L${f2(n.x + s)},${f2(n.y - s)}" stroke="${COLORS.dissolved}" stroke-width="${f2(Math.max(2 * px, 1.5))}"/>`);
      }
    }
    if (this.frame) {
      const [x0, y0, x1, y1] = this.frame;
      parts.push(`<rect x="${f2(x0)}" y="${f2(y0)}" width="${f2(x1 - x0)}" height="${f2(y1 - y0)}" fill="none" stroke="${COLORS.frame}" stroke-width="${f2(2 * px)}" stroke-dasharray="${f2(6 * px)} ${f2(4 * px)}"/>`);
    }
    // The labels drawn on screen, where they are drawn (in screen pixels: none overlap).
    const labels = this.labels.map((l) => {
      const anchor = l.align === "right" ? "end" : "start";
      const name = l.parts.length ? l.text.slice(0, l.text.length - l.parts.map(([p]) => p).join("").length) : l.text;
      const tail = l.parts.map(([part, color]) => `<tspan fill="${color}">${escapeXml(part)}</tspan>`).join("");
      return `<text x="${f2(l.x)}" y="${f2(l.y)}" font-size="${LABEL_PX}" text-anchor="${anchor}" dominant-baseline="middle" stroke="${COLORS.background}" stroke-width="3" paint-order="stroke" fill="${COLORS.label}">${escapeXml(name)}${tail}</text>`;
    });
    const layout = exportLayout(this, decor);
    const ns = "http://www.w3.org/2000/svg"; // the SVG namespace name, never fetched
    return [
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<svg xmlns="${ns}" width="${this.width}" height="${f2(layout.height)}" viewBox="0 0 ${this.width} ${f2(layout.height)}" font-family="'Noto Sans SC', sans-serif">`,
      `<title>${escapeXml(decor?.title ?? "")}</title>`,
      `<rect width="100%" height="100%" fill="${COLORS.background}"/>`,
      `<svg x="0" y="${f2(layout.top)}" width="${this.width}" height="${this.height}" overflow="hidden">`,
      `<g transform="translate(${f2(t.x)},${f2(t.y)}) scale(${t.k})">`,
      ...parts,
      "</g>",
      ...labels,
      "</svg>",
      ...layout.items.map(svgItem),
      "</svg>",
      "",
    ].join("\n");
  }
}

/**
 * What an export carries beside the drawing.
 * @typedef {object} Decorations
 * @property {string} title the first line, large
 * @property {string[]} lines the lines under it (scope, date, view)
 * @property {{x: number, text: string}[]} [headings] column headings at world x
 * @property {{caption: string, stops: [number, string][], ticks: string[]}} [ramp]
 * @property {{mark: string, color: string, text: string}[]} legend the legend's entries
 * @property {string} legendTitle
 */

const HEAD_PX = 20; // the title's size in an export
const LINE_PX = 13; // the other lines' size
const SWATCH = 12;

/**
 * The export's items (text, marks) around the drawing, in page pixels, and where the drawing
 * goes: {top, height, items}. One layout for the PNG and the SVG.
 */
function exportLayout(view, decor) {
  const items = [];
  let y = 14;
  if (!decor) return { top: 0, height: view.height, items };
  items.push({ type: "text", x: 16, y: y + HEAD_PX / 2, size: HEAD_PX, bold: true, text: decor.title });
  y += HEAD_PX + 8;
  for (const line of decor.lines ?? []) {
    items.push({ type: "text", x: 16, y: y + LINE_PX / 2, size: LINE_PX, text: line, color: COLORS.labelMuted });
    y += LINE_PX + 6;
  }
  if (decor.headings?.length) {
    y += 4;
    const t = view.transform;
    for (const h of decor.headings) {
      const x = h.x * t.k + t.x;
      if (x < 0 || x > view.width) continue;
      items.push({ type: "text", x, y: y + LINE_PX / 2, size: LINE_PX, bold: true, text: h.text, align: "center" });
    }
    y += LINE_PX + 6;
  }
  const top = y + 6;
  y = top + view.height + 12;
  items.push({ type: "rule", x0: 0, x1: view.width, y: top + view.height });
  items.push({ type: "text", x: 16, y: y + LINE_PX / 2, size: LINE_PX, bold: true, text: decor.legendTitle });
  y += LINE_PX + 8;
  if (decor.ramp) {
    items.push({ type: "text", x: 16, y: y + LINE_PX / 2, size: LINE_PX - 1, text: decor.ramp.caption });
    const rx = 16 + Math.min(320, measure(decor.ramp.caption, LINE_PX - 1) + 12);
    items.push({ type: "ramp", x: rx, y: y + 1, w: 180, h: 10, stops: decor.ramp.stops });
    decor.ramp.ticks.forEach((tick, i, all) => {
      items.push({ type: "text", x: rx + (180 * i) / (all.length - 1), y: y + 20, size: 10, text: tick, align: "center", color: COLORS.labelMuted });
    });
    y += 32;
  }
  let x = 16;
  for (const entry of decor.legend) {
    const w = SWATCH + 6 + measure(entry.text, LINE_PX - 1) + 18;
    if (x + w > view.width - 16) {
      x = 16;
      y += LINE_PX + 10;
    }
    items.push({ type: "mark", mark: entry.mark, color: entry.color, x: x + SWATCH / 2, y: y + LINE_PX / 2 });
    items.push({ type: "text", x: x + SWATCH + 6, y: y + LINE_PX / 2, size: LINE_PX - 1, text: entry.text });
    x += w;
  }
  y += LINE_PX + 14;
  return { top, height: y, items };
}

let measurer = null;

function measure(text, size) {
  measurer ??= document.createElement("canvas").getContext("2d");
  measurer.font = `${size}px ${FONT_FAMILY}`;
  return measurer.measureText(text).width;
}

function paintItem(ctx, item) {
  ctx.save();
  if (item.type === "text") {
    ctx.font = `${item.bold ? "700 " : ""}${item.size}px ${FONT_FAMILY}`;
    ctx.fillStyle = item.color ?? COLORS.label;
    ctx.textBaseline = "middle";
    ctx.textAlign = item.align ?? "left";
    ctx.fillText(item.text, item.x, item.y);
  } else if (item.type === "rule") {
    ctx.strokeStyle = COLORS.edge;
    ctx.beginPath();
    ctx.moveTo(item.x0, item.y + 0.5);
    ctx.lineTo(item.x1, item.y + 0.5);
    ctx.stroke();
  } else if (item.type === "ramp") {
    const g = ctx.createLinearGradient(item.x, 0, item.x + item.w, 0);
    for (const [at, color] of item.stops) g.addColorStop(at, color);
    ctx.fillStyle = g;
    ctx.fillRect(item.x, item.y, item.w, item.h);
    ctx.strokeStyle = COLORS.nodeStroke;
    ctx.strokeRect(item.x, item.y, item.w, item.h);
  } else if (item.type === "mark") {
    const { x, y, color } = item;
    const r = SWATCH / 2 - 1;
    ctx.lineWidth = 2;
    if (item.mark === "dot") {
      ctx.fillStyle = color;
      ctx.strokeStyle = COLORS.nodeStroke;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    } else if (item.mark === "ring" || item.mark === "dashed") {
      ctx.strokeStyle = color;
      if (item.mark === "dashed") ctx.setLineDash([3, 2]);
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.stroke();
    } else if (item.mark === "cross") {
      ctx.strokeStyle = color;
      ctx.beginPath();
      ctx.moveTo(x - r, y - r);
      ctx.lineTo(x + r, y + r);
      ctx.moveTo(x - r, y + r);
      ctx.lineTo(x + r, y - r);
      ctx.stroke();
    } else if (item.mark === "triangle") {
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y + r);
      ctx.lineTo(x - r, y + r);
      ctx.closePath();
      ctx.fill();
    } else if (item.mark === "line") {
      ctx.strokeStyle = color;
      ctx.beginPath();
      ctx.moveTo(x - r - 2, y);
      ctx.lineTo(x + r + 2, y);
      ctx.stroke();
    }
  }
  ctx.restore();
}

function svgItem(item) {
  if (item.type === "text") {
    const anchor = { left: "start", center: "middle", right: "end" }[item.align ?? "left"];
    const weight = item.bold ? ' font-weight="700"' : "";
    return `<text x="${f2(item.x)}" y="${f2(item.y)}" font-size="${item.size}"${weight} text-anchor="${anchor}" dominant-baseline="middle" fill="${item.color ?? COLORS.label}">${escapeXml(item.text)}</text>`;
  }
  if (item.type === "rule") {
    return `<path d="M${f2(item.x0)},${f2(item.y)}H${f2(item.x1)}" stroke="${COLORS.edge}"/>`;
  }
  if (item.type === "ramp") {
    const id = "ramp";
    const stops = item.stops.map(([at, c]) => `<stop offset="${f2(at)}" stop-color="${c}"/>`).join("");
    return `<defs><linearGradient id="${id}">${stops}</linearGradient></defs><rect x="${f2(item.x)}" y="${f2(item.y)}" width="${item.w}" height="${item.h}" fill="url(#${id})" stroke="${COLORS.nodeStroke}"/>`;
  }
  const { x, y, color } = item;
  const r = SWATCH / 2 - 1;
  switch (item.mark) {
    case "dot":
      return circle(x, y, r, `fill="${color}" stroke="${COLORS.nodeStroke}"`);
    case "ring":
      return circle(x, y, r, `fill="none" stroke="${color}" stroke-width="2"`);
    case "dashed":
      return circle(x, y, r, `fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="3 2"`);
    case "cross":
      return `<path d="M${f2(x - r)},${f2(y - r)}L${f2(x + r)},${f2(y + r)}M${f2(x - r)},${f2(y + r)}L${f2(x + r)},${f2(y - r)}" stroke="${color}" stroke-width="2"/>`;
    case "triangle":
      return `<path d="M${f2(x)},${f2(y - r)}L${f2(x + r)},${f2(y + r)}L${f2(x - r)},${f2(y + r)}Z" fill="${color}"/>`;
    default:
      return `<path d="M${f2(x - r - 2)},${f2(y)}H${f2(x + r + 2)}" stroke="${color}" stroke-width="2"/>`;
  }
}

/**
 * Where a node's label goes: left of an open parent (its edges leave to the right), right
 * of a leaf or a closed node, and as the scene says for the network's first column.
 * Returns the anchor's x (from the node's x, in the same units as offset) and the side.
 */
function labelPlace(n, offset, x = n.x) {
  const left = n.labelLeft || (n.expanded && n.kids?.length > 0);
  return left ? [x - offset, "right"] : [x + offset, "left"];
}

/**
 * What a closed node hides of a replay step's changes, as label parts: [[" +24", green],
 * [" −1", red]] (none for an open node: its children show their own marks).
 */
function changesBelow(n) {
  if (!n.kids?.length || n.expanded) return [];
  const parts = [];
  if (n.foundedBelow) parts.push([` +${n.foundedBelow}`, COLORS.founded]);
  if (n.dissolvedBelow) parts.push([` −${n.dissolvedBelow}`, COLORS.dissolved]);
  return parts;
}

function cellsOf([x0, y0, x1, y1], visit) {
  for (let cx = Math.floor(x0 / CELL); cx <= Math.floor(x1 / CELL); cx++) {
    for (let cy = Math.floor(y0 / CELL); cy <= Math.floor(y1 / CELL); cy++) {
      if (visit(`${cx},${cy}`)) return true;
    }
  }
  return false;
}

function collides(grid, box) {
  return cellsOf(box, (key) => (grid.get(key) ?? []).some((b) => overlaps(b, box)));
}

function occupy(grid, box) {
  cellsOf(box, (key) => {
    let list = grid.get(key);
    if (!list) grid.set(key, (list = []));
    list.push(box);
    return false;
  });
}

export function overlaps(a, b) {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
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
