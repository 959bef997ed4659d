// Run graphql-http's server audits (GraphQL over HTTP conformance) against a live server.
//
//   ORGGRAPH_TOKEN=ogt_… node tests/node/audit.mjs http://127.0.0.1:PORT/graphql
//
// Prints one JSON object per line: {id, name, status, reason}; status is "ok", "warn"
// (a SHOULD or MAY not met) or "error" (a MUST not met). tests/api/test_http_audit.py
// starts the server, runs this and fails on any MUST failure. Exit code 0 either way.
import { serverAudits } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs URL");
  process.exit(2);
}

// The server asks every caller to sign in: ORGGRAPH_TOKEN, when set, goes with every
// request as a Bearer token (graphql-http's audits take any fetch function).
const token = process.env.ORGGRAPH_TOKEN;
const fetchFn = token
  ? (input, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${token}`);
      return fetch(input, { ...init, headers });
    }
  : fetch;

for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  const line = { id: audit.id, name: audit.name, status: result.status };
  if (result.status !== "ok") {
    line.reason = result.reason;
    if (result.response) {
      line.responseStatus = result.response.status;
    }
  }
  console.log(JSON.stringify(line));
}
