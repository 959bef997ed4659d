// The page's only data source: the GraphQL API at /graphql (POST JSON). Every query the
// page sends is written here, and every answer is turned into the plain shapes the views
// draw: {nodes: [{id, name, kind, level, parent, coverage, weak, vacant, gap}], edges}.

const ENDPOINT = "/graphql";
const EXPORTS = "/exports";
const EXPLORER = "/explorer";

// GraphQL enums arrive as upper-case names (ORGANIZATION, SUBORDINATE_TO); the model's
// codes are the lower-case values.
const code = (v) => (typeof v === "string" ? v.toLowerCase() : (v ?? null));

export class ApiError extends Error {
  /** @param {string} message @param {string[]} codes the errors' extensions.code */
  constructor(message, codes = []) {
    super(message);
    this.codes = codes;
  }
}

/** POST one GraphQL document; the data, or an ApiError with the server's messages. */
export async function gql(query, variables = {}) {
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
    credentials: "same-origin",
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`${ENDPOINT}: HTTP ${response.status}`);
  }
  if (body.errors?.length) {
    const codes = body.errors.map((e) => e.extensions?.code ?? "");
    throw new ApiError(body.errors.map((e) => e.message).join("; "), codes);
  }
  if (!response.ok) throw new ApiError(`${ENDPOINT}: HTTP ${response.status}`);
  return body.data;
}

// ---------------------------------------------------------------- queries

export const QUERIES = {
  // The actor's scope: its roots (empty: everything, whose roots are the tops above the
  // city committees: a city's own, or the province's above its cities).
  meta: `query WebMeta {
  me { name role scope }
  organizations(filter: {level: CITY}, first: 5) { nodes { id name ancestors { id name } } }
}`,
  roots: `query WebRoots($ids: [ID!]!) {
  nodes(ids: $ids) { id name }
}`,
  timeline: `query WebTimeline { timeline { first last } }`,
  dataDate: `query WebDataDate { dataDate }`,
  tree: `query WebTree($scope: ID!, $asOf: Date) {
  subgraph(scope: $scope, depth: 6, kinds: [ORGANIZATION], asOf: $asOf) {
    nodes { id name kind level sector depth }
    edges { kind source target }
    truncated
  }
}`,
  state: `query WebState($asOf: Date) {
  mapState(asOf: $asOf) {
    coverage { organization rate }
    weak { organization reasons }
    vacantSecretary
    noContactLeader
  }
}`,
  // The pairing network, from the links' own fields: working groups with their areas and
  // leaders, leaders with their contacts and experts, grassroots organizations' partners.
  networkGroups: `query WebNetworkGroups($asOf: Date) {
  workingGroups(asOf: $asOf) {
    id name
    areas { organization { id name level } }
    leaders { leader { id name } }
  }
}`,
  networkLeaders: `query WebNetworkLeaders($after: String, $asOf: Date) {
  members(filter: {isLeader: true}, first: 1000, after: $after, asOf: $asOf) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name
      contacts { organization { id name level } }
      serves { expert { id name } }
    }
  }
}`,
  networkPairs: `query WebNetworkPairs($after: String, $asOf: Date) {
  organizations(filter: {level: GRASSROOTS}, first: 1000, after: $after, asOf: $asOf) {
    pageInfo { hasNextPage endCursor }
    nodes { id name level partners { strong { id name level } } }
  }
}`,
  // What a replay step changed: organizations founded and dissolved in (since, until].
  changes: `query WebChanges($since: Date!, $until: Date!, $scope: [ID!]) {
  changes(since: $since, until: $until, scope: $scope) {
    founded { organization }
    dissolved { organization }
  }
}`,
  coverage: `query WebCoverage($scope: [ID!], $asOf: Date) {
  coverageRates(groupBy: DISTRICT, withTotal: true, scope: $scope, asOf: $asOf) { group rate }
}`,
  search: `query WebSearch($text: String!, $asOf: Date) {
  search(text: $text, first: 12, asOf: $asOf) { id name kind kindLabel }
}`,
  detail: `query WebNode($id: ID!, $asOf: Date) {
  node(id: $id, asOf: $asOf) {
    id name kind kindLabel validFrom
    ... on Organization {
      level sector code orgKind
      parent { id name }
      secretary { id name }
      memberCount
      children { id }
    }
  }
}`,
  chain: `query ResponsibilityChain($id: ID!, $asOf: Date) {
  responsibilityChain(id: $id, asOf: $asOf) {
    subject name kind
    paths {
      start via
      levels {
        organization name level hidden vacantSince
        secretary { id name hidden }
        workingGroups { id name area leaders { id name } }
        contacts { id name hidden }
        partners { id name hidden }
      }
    }
    leaders { id name }
    breaks { kind organization since subject }
  }
}`,
};

// ---------------------------------------------------------------- reads

/**
 * Where the page starts: the actor's scope roots with their names (an unscoped actor's
 * are the top committees: the city's, or the province's), and the dates the slider spans.
 */
export async function meta() {
  const [data, extra, dataDate] = await Promise.all([
    gql(QUERIES.meta),
    gql(QUERIES.timeline),
    gql(QUERIES.dataDate).then(
      (d) => d.dataDate ?? null,
      // A server from before Query.dataDate answers a validation error: no data date.
      (e) => {
        if (e instanceof ApiError && e.codes.includes("GRAPHQL_VALIDATION_FAILED")) return null;
        throw e;
      },
    ),
  ]);
  const scoped = data.me?.scope ?? [];
  let roots;
  if (scoped.length) {
    const named = await gql(QUERIES.roots, { ids: scoped });
    roots = scoped.map((id, i) => ({ id, name: named.nodes?.[i]?.name ?? id }));
  } else {
    // Each city's topmost ancestor (itself when it has none), once each, in order.
    const tops = new Map();
    for (const n of data.organizations?.nodes ?? []) {
      const top = n.ancestors?.length ? n.ancestors[n.ancestors.length - 1] : n;
      if (!tops.has(top.id)) tops.set(top.id, { id: top.id, name: top.name });
    }
    roots = [...tops.values()];
  }
  if (!roots.length) roots = [{ id: "630100", name: "" }];
  const timeline = extra.timeline ?? {};
  return {
    roots,
    scoped: scoped.length > 0,
    dataDate, // the latest date the data reaches: the default "as of", and the warning's date
    minDate: timeline.first ?? null,
    maxDate: timeline.last ?? null,
    // The latest state: nothing changes after the last change date.
    defaultDate: timeline.last ?? null,
  };
}

/** id → the marks an organization is drawn with, from a mapState answer (or none). */
function overlay(answer) {
  const m = answer?.mapState ?? {};
  const rate = new Map((m.coverage ?? []).map((c) => [c.organization, c.rate]));
  const weak = new Map((m.weak ?? []).map((w) => [w.organization, w.reasons ?? []]));
  const vacant = new Set(m.vacantSecretary ?? []);
  const gap = new Set(m.noContactLeader ?? []);
  return (id) => ({
    coverage: rate.has(id) ? rate.get(id) : null,
    weak: weak.has(id),
    reasons: weak.get(id) ?? [],
    vacant: vacant.has(id),
    gap: gap.has(id),
  });
}

/** The organization trees under the scope roots at asOf, each node with its state. */
export async function tree(scopes, asOf) {
  const roots = Array.isArray(scopes) ? scopes : [scopes];
  const [state, ...subs] = await Promise.all([
    gql(QUERIES.state, { asOf }),
    ...roots.map((scope) => gql(QUERIES.tree, { scope, asOf })),
  ]);
  const parent = new Map();
  const seen = new Set();
  const marks = overlay(state);
  const nodes = [];
  for (const { subgraph: sub } of subs) {
    for (const e of sub.edges) if (code(e.kind) === "subordinate_to") parent.set(e.source, e.target);
  }
  const all = subs.flatMap(({ subgraph: sub }) => sub.nodes);
  for (const n of all) {
    if (code(n.kind) !== "organization" || seen.has(n.id)) continue;
    seen.add(n.id);
    nodes.push({
      id: n.id,
      name: n.name,
      kind: "organization",
      level: code(n.level),
      sector: code(n.sector),
      parent: parent.get(n.id) ?? null,
      ...marks(n.id),
    });
  }
  return { nodes, truncated: subs.some(({ subgraph: sub }) => sub.truncated) };
}

/** The organizations founded and dissolved after since, up to until, in the scope. */
export async function changes(since, until, scope) {
  const data = await gql(QUERIES.changes, { since, until, scope });
  const c = data.changes ?? {};
  return {
    founded: new Set((c.founded ?? []).map((e) => e.organization)),
    dissolved: new Set((c.dissolved ?? []).map((e) => e.organization)),
  };
}

/**
 * The scope's coverage rate of two-new units at asOf, in [0, 1] (the total row of
 * coverageRates, which answers in percent); null when the role may not read it.
 */
export async function coverageTotal(scope, asOf) {
  try {
    const data = await gql(QUERIES.coverage, { scope, asOf });
    const total = (data.coverageRates ?? []).find((r) => r.group === "");
    return total?.rate === null || total?.rate === undefined ? null : total.rate / 100;
  } catch (error) {
    if (error instanceof ApiError && error.codes.includes("PERMISSION_DENIED")) return null;
    throw error;
  }
}

/** Every page of a connection: query(after) returns the connection. */
async function allPages(query, variables, pick) {
  const out = [];
  let after = null;
  for (;;) {
    const connection = pick(await gql(query, { ...variables, after }));
    out.push(...connection.nodes);
    if (!connection.pageInfo.hasNextPage) return out;
    after = connection.pageInfo.endCursor;
  }
}

/**
 * The pairing network at asOf: everything the caller's scope lets the server show (a
 * leader's contacts reach across districts), with each organization's marks.
 */
export async function network(asOf) {
  const [groups, leaders, orgs, state] = await Promise.all([
    gql(QUERIES.networkGroups, { asOf }),
    // Who is a leader is internal: a role that may not filter on it sees no leaders.
    allPages(QUERIES.networkLeaders, { asOf }, (d) => d.members).catch((e) => {
      if (e instanceof ApiError && e.codes.includes("PERMISSION_DENIED")) return [];
      throw e;
    }),
    allPages(QUERIES.networkPairs, { asOf }, (d) => d.organizations),
    gql(QUERIES.state, { asOf }),
  ]);
  const marks = overlay(state);
  const nodes = new Map();
  const edges = [];
  const add = (n, kind) => {
    if (n?.id && !nodes.has(n.id)) {
      const node = { id: n.id, name: n.name, kind, level: code(n.level) };
      nodes.set(n.id, kind === "organization" ? { ...node, ...marks(n.id) } : node);
    }
  };
  const edge = (source, target, kind) => edges.push({ source, target, kind });
  for (const g of groups.workingGroups ?? []) {
    add(g, "working_group");
    for (const a of g.areas ?? []) {
      add(a.organization, "organization");
      if (a.organization) edge(g.id, a.organization.id, "covers");
    }
    for (const l of g.leaders ?? []) {
      add(l.leader, "member");
      if (l.leader) edge(l.leader.id, g.id, "leads");
    }
  }
  for (const m of leaders) {
    add(m, "member");
    for (const c of m.contacts ?? []) {
      add(c.organization, "organization");
      if (c.organization) edge(m.id, c.organization.id, "contacts");
    }
    for (const s of m.serves ?? []) {
      add(s.expert, "expert");
      if (s.expert) edge(m.id, s.expert.id, "serves");
    }
  }
  for (const o of orgs) {
    for (const p of o.partners ?? []) {
      if (!p.strong) continue;
      add(o, "organization");
      add(p.strong, "organization");
      edge(p.strong.id, o.id, "paired_with");
    }
  }
  return { nodes: [...nodes.values()], edges, truncated: false };
}

export async function search(text, asOf) {
  const data = await gql(QUERIES.search, { text, asOf });
  return (data.search ?? []).map((n) => ({ ...n, kind: code(n.kind) }));
}

/** The facts of one node for the side panel. */
export async function detail(id, asOf) {
  const data = await gql(QUERIES.detail, { id, asOf });
  const n = data.node;
  if (!n) return null;
  return {
    id: n.id,
    name: n.name,
    kind: code(n.kind),
    kindLabel: n.kindLabel,
    level: code(n.level),
    sector: code(n.sector),
    orgKind: code(n.orgKind),
    parentName: n.parent?.name ?? null,
    secretary: n.secretary?.name ?? null,
    memberCount: n.memberCount ?? null,
    childCount: n.children ? n.children.length : null,
    validFrom: n.validFrom,
  };
}

/**
 * A person or organization as the panel shows it: its name, or the one hidden shape
 * (docs/SECURITY.md): "(范围外)" outside the scope, "(无权查看)" a name the role may not read.
 */
export function shownName(p) {
  if (p.hidden) return HIDDEN.outside;
  return p.name ?? HIDDEN.masked;
}

/** The hidden shape's two words (the page shows them in its language). */
export const HIDDEN = Object.freeze({ outside: "(范围外)", masked: "(无权查看)" });

/**
 * The responsibility chain of one node: the levels of its first path (nearest first), the
 * organization ids to highlight, and its breaks.
 */
export async function chain(id, asOf) {
  const variables = { id, asOf };
  const data = await gql(QUERIES.chain, variables);
  const c = data.responsibilityChain;
  if (!c) return null;
  const path = c.paths?.[0];
  const levels = (path?.levels ?? []).map((l) => ({
    id: l.organization,
    name: l.name,
    level: code(l.level),
    hidden: l.hidden,
    secretary: l.secretary ? shownName(l.secretary) : null,
    vacantSince: l.vacantSince,
    workingGroups: (l.workingGroups ?? []).map((g) => g.name),
    workingGroupIds: (l.workingGroups ?? []).map((g) => g.id),
    contacts: (l.contacts ?? []).map(shownName),
    contactIds: (l.contacts ?? []).map((p) => p.id).filter(Boolean),
    partners: (l.partners ?? []).map(shownName),
    partnerIds: (l.partners ?? []).map((p) => p.id).filter(Boolean),
  }));
  const orgIds = levels.map((l) => l.id);
  // In the network, the chain also runs through the first level's contacts, working group
  // and partners: highlight them and their links.
  const otherIds = [];
  const links = [];
  const first = levels[0];
  if (first) {
    for (const p of first.contactIds) {
      otherIds.push(p);
      links.push([p, first.id]);
    }
    for (const p of first.partnerIds) {
      otherIds.push(p);
      links.push([p, first.id]);
    }
  }
  for (const l of levels) {
    for (const g of l.workingGroupIds) {
      otherIds.push(g);
      links.push([g, l.id]);
    }
  }
  return {
    subject: c.subject,
    levels,
    orgIds,
    otherIds,
    links,
    breaks: (c.breaks ?? []).map((b) => ({
      kind: code(b.kind),
      organization: b.organization,
      organizationName: levels.find((l) => l.id === b.organization)?.name ?? b.organization,
      since: b.since,
    })),
    query: { query: QUERIES.chain, variables },
  };
}

// ---------------------------------------------------------------- links out

/** The explorer opened on a query and its variables, filled in and not yet run. */
export function explorerUrl({ query, variables }) {
  const params = new URLSearchParams({ query, variables: JSON.stringify(variables) });
  return `${EXPLORER}?${params}`;
}

/**
 * The export of the list behind the panel: the responsibility list (责任清单) of the
 * selected organization's subtree at the date (orggraph.exports.render_export's params).
 */
export function exportUrl(id, asOf, lang, format = "xlsx") {
  const params = new URLSearchParams({ root: id, as_of: asOf ?? "", lang, format });
  return `${EXPORTS}/responsibility-list?${params}`;
}
