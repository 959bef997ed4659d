// The pairing network (联系结对网络): working groups ↔ areas, leaders ↔ branches and
// experts, strong ↔ weak branches, laid out in columns (no force layout: it is
// deterministic and takes milliseconds). Within each column, nodes are ordered by the mean
// position of their neighbours (a few barycentre sweeps) to keep edges from crossing.
//
// Columns, left to right: experts · leaders · working groups · organizations · strong partners

export const COLUMN_X = [0, 320, 640, 960, 1280];
const ROW = 16;
const SWEEPS = 4;

/**
 * Place the network's nodes; returns {nodes, edges} with x, y, column on every node.
 * @param {Array<object>} nodes with id, kind, and for organizations `strong` when they are
 *   a paired partner and not otherwise a target
 * @param {Array<{source: string, target: string, kind: string}>} links
 */
export function layoutNetwork(nodes, links) {
  const byId = new Map(nodes.map((n) => [n.id, { ...n }]));
  const edges = [];
  for (const l of links) {
    const source = byId.get(l.source);
    const target = byId.get(l.target);
    if (source && target) edges.push({ source, target, kind: l.kind });
  }
  const targets = new Set(edges.filter((e) => e.kind !== "paired_with").map((e) => e.target.id));
  for (const e of edges) {
    if (e.kind === "paired_with") targets.add(e.target.id);
  }
  for (const n of byId.values()) n.column = columnOf(n, targets, edges);
  const columns = COLUMN_X.map(() => []);
  for (const n of byId.values()) columns[n.column].push(n);
  for (const col of columns) col.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const neighbours = new Map([...byId.keys()].map((id) => [id, []]));
  for (const e of edges) {
    neighbours.get(e.source.id).push(e.target);
    neighbours.get(e.target.id).push(e.source);
  }
  const tallest = Math.max(1, ...columns.map((c) => c.length));
  // Small networks still get room: at least as tall as the columns are far apart.
  const height = Math.max(tallest * ROW, COLUMN_X[COLUMN_X.length - 1] * 0.5);
  const place = () => {
    columns.forEach((col, c) => {
      const step = col.length ? Math.max(ROW, height / col.length) : ROW;
      const top = -((col.length - 1) * step) / 2;
      col.forEach((n, i) => {
        n.x = COLUMN_X[c];
        n.y = top + i * step;
      });
    });
  };
  place();
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    for (const col of columns) {
      const key = new Map();
      for (const n of col) {
        const ns = neighbours.get(n.id);
        key.set(n.id, ns.length ? ns.reduce((s, m) => s + m.y, 0) / ns.length : n.y);
      }
      col.sort((a, b) => key.get(a.id) - key.get(b.id));
    }
    place();
  }
  for (const n of columns[0]) n.labelLeft = true;
  return { nodes: columns.flat(), edges, shape: "curve", columnGap: COLUMN_X[1] - COLUMN_X[0] };
}

function columnOf(n, targets, edges) {
  if (n.kind === "expert") return 0;
  if (n.kind === "member") return 1;
  if (n.kind === "working_group") return 2;
  if (targets.has(n.id)) return 3;
  // An organization only ever on the strong side of a pairing.
  n.strong = edges.some((e) => e.kind === "paired_with" && e.source === n);
  return n.strong ? 4 : 3;
}
