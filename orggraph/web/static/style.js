// How a node's state looks: the coverage colour scale, the state marks, the kinds' colours.
// One place, shared by the canvas renderer, the SVG export and the legend.

// A sequential scale, light (low coverage) to dark (high): ColorBrewer YlGnBu stops.
const STOPS = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"];
const STOP_RGB = STOPS.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));

export const COLORS = {
  noRate: "#e4e4e4",
  nodeStroke: "#5f6b7a",
  edge: "#b5bdc7",
  weak: "#d62728",
  vacant: "#ff7f0e",
  gap: "#9b1fb2",
  chain: "#f2b705",
  selected: "#111111",
  label: "#1f2933",
  labelMuted: "#52606d",
  background: "#ffffff",
  collapsed: "#5f6b7a",
  founded: "#1a9850", // a replay step's new organizations
  dissolved: "#d73027", // and the ones it dissolved
  frame: "#b8860b", // the framed chain's rectangle
  kinds: {
    working_group: "#c0392b",
    member: "#1f77b4",
    expert: "#2ca02c",
    organization: "#e4e4e4",
    unit: "#8c564b",
  },
  edges: {
    subordinate_to: "#b5bdc7",
    covers: "#c0392b",
    contacts: "#1f77b4",
    serves: "#2ca02c",
    paired_with: "#ff7f0e",
    leads: "#7f7f7f",
  },
};

// Quantised to 20 steps so that the renderer can fill all nodes of one colour in one path.
const STEPS = 20;
const RAMP = Array.from({ length: STEPS + 1 }, (_, i) => rampAt(i / STEPS));

function rampAt(value) {
  const x = Math.min(1, Math.max(0, value)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [STOP_RGB[i], STOP_RGB[i + 1]];
  const rgb = a.map((c, k) => Math.round(c + (b[k] - c) * f));
  return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

/** The fill of a coverage rate in [0, 1]; null (no rate) is neutral grey. */
export function coverageColor(rate) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return COLORS.noRate;
  return RAMP[Math.round(Math.min(1, Math.max(0, rate)) * STEPS)];
}

/** The legend's colour stops, for a gradient: [[offset, colour], …]. */
export function coverageStops() {
  return STOPS.map((c, i) => [i / (STOPS.length - 1), c]);
}

/** Radius of a node in world units by its level or kind. */
export function radius(node) {
  switch (node.level) {
    case "city":
      return 9;
    case "county":
      return 7;
    case "township":
      return 5.5;
    default:
      break;
  }
  if (node.kind === "working_group") return 8;
  if (node.kind === "member" || node.kind === "expert") return 4.5;
  return 4;
}

/** The fill of a node: its coverage colour for organizations, its kind's colour otherwise. */
export function fill(node) {
  if (node.kind && node.kind !== "organization") return COLORS.kinds[node.kind] ?? COLORS.noRate;
  if (node.strong) return "#fdd9a0";
  return coverageColor(node.coverage);
}
