// Heavy work as jobs (the server's /jobs API, orggraph/api/jobs.py), for the web view and
// the explorer alike: start one, watch its status about every 300 ms, fetch its result.
//
//   const { status, blob } = await window.orggraphJobs.run(
//     { export: "/exports/responsibility-list?year=2019&format=pdf" },
//     (status) => bar.value = status.percent ?? 0,
//   );
//   window.orggraphJobs.cancel(status.id);
//
// run() resolves with the final status and the file (blob: an export) or the GraphQL
// answer (json: a query); it rejects with an Error carrying .status (the job's, when it
// failed or was cancelled) and .code. A plain script (no imports): load it with
// <script src="/web/jobs.js"> or import it for its effect.

(function () {
  "use strict";

  const POLL_MS = 300;
  const FINISHED = new Set(["done", "failed", "cancelled"]);

  function csrfHeader() {
    const match = document.cookie.match(/(?:^|;\s*)orggraph_csrf=([^;]+)/);
    return match ? { "x-csrf-token": decodeURIComponent(match[1]) } : {};
  }

  class JobError extends Error {
    constructor(message, code, status = null) {
      super(message);
      this.name = "JobError";
      this.code = code;
      this.status = status;
    }
  }

  async function answer(response) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      // not JSON: the status line is all there is to say
    }
    if (!response.ok) {
      const error = body?.errors?.[0];
      const message = error?.message ?? body?.error?.message ?? `HTTP ${response.status}`;
      const code = error?.extensions?.code ?? body?.error?.code ?? `HTTP_${response.status}`;
      const failure = new JobError(message, code);
      failure.retryAfter = Number(response.headers.get("retry-after")) || null;
      throw failure;
    }
    return body;
  }

  /** Start a job: {export: "/exports/…"} or {query, variables, operationName}. */
  async function start(request) {
    const response = await fetch("/jobs", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...csrfHeader() },
      body: JSON.stringify(request),
      credentials: "same-origin",
    });
    return answer(response);
  }

  /** A job's status now. */
  async function status(id) {
    const response = await fetch(`/jobs/${encodeURIComponent(id)}`, {
      headers: { accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    });
    return answer(response);
  }

  /** Cancel a job; its final status. */
  async function cancel(id) {
    const response = await fetch(`/jobs/${encodeURIComponent(id)}`, {
      method: "DELETE",
      headers: { accept: "application/json", ...csrfHeader() },
      credentials: "same-origin",
    });
    return answer(response);
  }

  /** The signed-in actor's jobs, newest first. */
  async function list() {
    const response = await fetch("/jobs", {
      headers: { accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    });
    return answer(response);
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Start a job, report each status to onProgress, and fetch its result when done. */
  async function run(request, onProgress = () => {}) {
    let current = await start(request);
    onProgress(current);
    while (!FINISHED.has(current.state)) {
      await sleep(POLL_MS);
      current = await status(current.id);
      onProgress(current);
    }
    if (current.state !== "done") {
      const message = current.error?.message ?? current.stage;
      throw new JobError(message, current.error?.code ?? "CANCELLED", current);
    }
    const response = await fetch(current.result, { credentials: "same-origin" });
    if (!response.ok) await answer(response);
    if (current.kind === "query") return { status: current, json: await response.json() };
    return { status: current, blob: await response.blob() };
  }

  /** Hand a finished export's file to the browser as a download named filename. */
  function save(blob, filename) {
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = filename || "export";
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  window.orggraphJobs = { run, start, status, cancel, list, save, JobError, POLL_MS };
})();
