// The 文档 Documents pane: the printed documents of the actor's scope (责任清单, 整顿台账,
// 覆盖情况报告) as PDF, DOCX or XLSX, made by the server's jobs API (orggraph.api.jobs):
// POST /jobs {"export": "/exports/…"}, then GET /jobs/<id> about every 300 ms (a progress
// bar from its stage and percent), then GET /jobs/<id>/result, saved as the job's file.
import React, { useRef, useState } from "react";
import { download } from "./table.js";

const POLL_MS = 300;
const FORMAT_LABELS = { pdf: "PDF", docx: "Word", xlsx: "Excel" };

function csrfToken() {
  const match = /(?:^|;\s*)orggraph_csrf=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]) : "";
}

async function errorOf(response) {
  try {
    const body = await response.json();
    const error = body.errors?.[0] ?? body.error;
    if (error?.message) return error.message;
  } catch {
    // not JSON: the status says enough
  }
  return `HTTP ${response.status}`;
}

function filenameOf(response, status) {
  if (status.filename) return status.filename;
  const header = response.headers.get("content-disposition") || "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : "document";
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Run one export as a job; `onStatus(status)` on every poll. Resolves when saved. */
async function runJob(exportUrl, onStatus, cancelled) {
  const started = await fetch("/jobs", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": csrfToken() },
    body: JSON.stringify({ export: exportUrl }),
  });
  if (!started.ok) throw new Error(await errorOf(started));
  let status = await started.json();
  const where = started.headers.get("location") || `/jobs/${status.id}`;
  onStatus(status);
  while (status.state === "queued" || status.state === "running") {
    await sleep(POLL_MS);
    if (cancelled()) {
      await fetch(where, { method: "DELETE", credentials: "same-origin", headers: { "x-csrf-token": csrfToken() } });
      throw new Error("已取消 Cancelled");
    }
    const polled = await fetch(where, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (!polled.ok) throw new Error(await errorOf(polled));
    status = await polled.json();
    onStatus(status);
  }
  if (status.state !== "done") {
    throw new Error(status.error?.message || (status.state === "cancelled" ? "已取消 Cancelled" : "失败 Failed"));
  }
  const result = await fetch(status.result || `${where}/result`, { credentials: "same-origin" });
  if (!result.ok) throw new Error(await errorOf(result));
  download(await result.blob(), filenameOf(result, status));
}

function Progress({ job }) {
  const { status } = job;
  const percent = status?.percent;
  const label = status?.stage || (status?.state === "queued" ? "排队中 Queued" : "准备中 Starting");
  return (
    <div className="orggraph-job" role="status" aria-live="polite">
      <div className="orggraph-job-label">
        {job.title} · {FORMAT_LABELS[job.format]}：{label}
        {percent != null ? ` ${Math.round(percent)}%` : ""}
      </div>
      <progress className="orggraph-job-bar" max="100" value={percent ?? undefined} aria-label={label} />
      <button type="button" className="orggraph-job-cancel" onClick={job.cancel}>
        取消 Cancel
      </button>
    </div>
  );
}

export function DocumentsContent({ documents, scopeName, asOf }) {
  const [job, setJob] = useState(null);
  const [message, setMessage] = useState(null);
  const cancelRef = useRef(false);

  const start = async (doc, format) => {
    cancelRef.current = false;
    setMessage(null);
    const current = { title: doc.titleZh, format, status: null, cancel: () => (cancelRef.current = true) };
    setJob(current);
    try {
      await runJob(doc.formats[format], (status) => setJob({ ...current, status }), () => cancelRef.current);
      setMessage({ ok: true, text: `已下载 Downloaded: ${doc.titleZh} (${FORMAT_LABELS[format]})` });
    } catch (error) {
      setMessage({ ok: false, text: `${doc.titleZh}：${error.message}` });
    } finally {
      setJob(null);
    }
  };

  return (
    <section className="orggraph-documents" aria-label="文档 Documents">
      <div className="graphiql-doc-explorer-title">文档 Documents</div>
      <p className="orggraph-saved-hint">
        {scopeName || "全部范围"}
        {asOf ? ` · 截至 ${asOf}` : ""}。打印、签字、归档用的文档。Documents to print, sign and file.
      </p>
      <ul>
        {documents.map((doc) => (
          <li key={doc.kind} className="orggraph-document" data-kind={doc.kind}>
            <span className="orggraph-saved-zh">{doc.titleZh}</span>
            <span className="orggraph-saved-en">{doc.titleEn}</span>
            {doc.allowed ? (
              <span className="orggraph-document-formats">
                {Object.keys(doc.formats).map((format) => (
                  <button
                    key={format}
                    type="button"
                    className="orggraph-button"
                    data-format={format}
                    disabled={job !== null}
                    onClick={() => start(doc, format)}
                  >
                    {FORMAT_LABELS[format]}
                  </button>
                ))}
              </span>
            ) : (
              <span className="orggraph-saved-en">无权下载 Not permitted for your role</span>
            )}
          </li>
        ))}
      </ul>
      {job && <Progress job={job} />}
      {message && (
        <p className={message.ok ? "orggraph-job-done" : "orggraph-job-error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
    </section>
  );
}
