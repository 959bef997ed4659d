// The result pane's two views: GraphiQL's JSON, or a table of the result's lists
// (table.js), filtered and sorted on screen, with CSV and XLSX downloads of exactly the
// rows on screen.
import React, { useMemo, useState } from "react";
import { useGraphiQL } from "@graphiql/react";
import { cellText, download, flatten, toCsv, toXlsx } from "./table.js";

function parseResponse(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function compare(a, b) {
  if (a == null) return b == null ? 0 : 1;
  if (b == null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return cellText(a).localeCompare(cellText(b), "zh-CN");
}

export function ResultViews({ byOperation }) {
  const response = useGraphiQL((s) => s.tabs[s.activeTabIndex]?.response ?? null);
  const operation = useGraphiQL((s) => s.tabs[s.activeTabIndex]?.operationName ?? s.tabs[s.activeTabIndex]?.title);
  const [view, setView] = useState("json");
  const [which, setWhich] = useState(0);
  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState(null); // {column, dir}

  const saved = byOperation.get(operation);
  const result = useMemo(() => parseResponse(response), [response]);
  const sections = useMemo(() => (result?.data ? flatten(result.data) : []), [result]);
  const current = sections[Math.min(which, Math.max(sections.length - 1, 0))];
  const label = (path) => saved?.columns?.[path]?.[0] ?? path;

  const rows = useMemo(() => {
    if (!current) return [];
    const needle = filter.trim().toLowerCase();
    let out = current.rows;
    if (needle) out = out.filter((row) => current.columns.some((c) => cellText(row[c]).toLowerCase().includes(needle)));
    if (sort) {
      const sign = sort.dir === "desc" ? -1 : 1;
      out = [...out].sort((a, b) => sign * compare(a[sort.column], b[sort.column]));
    }
    return out;
  }, [current, filter, sort]);

  const title = () => {
    const base = saved?.titleZh || operation || "查询";
    return sections.length > 1 && current?.path ? `${base}-${current.path}` : base;
  };
  const matrix = () => rows.map((row) => current.columns.map((c) => row[c] ?? null));
  const saveCsv = () => {
    const headers = current.columns.map(label);
    download(new Blob([toCsv(headers, matrix())], { type: "text/csv;charset=utf-8" }), `${title()}.csv`);
  };
  const saveXlsx = async () => {
    const headers = current.columns.map(label);
    download(await toXlsx(headers, matrix(), saved?.titleZh || operation), `${title()}.xlsx`);
  };
  const sortBy = (column) =>
    setSort((s) => (s?.column !== column ? { column, dir: "asc" } : s.dir === "asc" ? { column, dir: "desc" } : null));

  const errors = result?.errors?.length ? result.errors.map((e) => e.message).join("; ") : null;
  return (
    <div className={`orggraph-results orggraph-results-${view}`}>
      <div className="orggraph-results-bar" role="toolbar" aria-label="结果视图 Result view">
        <div className="orggraph-switch" role="tablist">
          <button type="button" role="tab" aria-selected={view === "json"} onClick={() => setView("json")}>
            JSON
          </button>
          <button type="button" role="tab" aria-selected={view === "table"} onClick={() => setView("table")}>
            表格 Table
          </button>
        </div>
        {view === "table" && current && (
          <>
            {sections.length > 1 && (
              <select aria-label="列表 List" value={which} onChange={(e) => setWhich(Number(e.target.value))}>
                {sections.map((s, i) => (
                  <option key={s.path} value={i}>
                    {s.path} ({s.rows.length})
                  </option>
                ))}
              </select>
            )}
            <input
              type="search"
              className="orggraph-filter"
              placeholder="筛选 Filter"
              aria-label="筛选 Filter"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
            <span className="orggraph-count">
              {rows.length === current.rows.length ? `${rows.length} 行 rows` : `${rows.length} / ${current.rows.length} 行 rows`}
            </span>
            <button type="button" className="orggraph-button" onClick={saveCsv} disabled={!rows.length}>
              CSV
            </button>
            <button type="button" className="orggraph-button" onClick={saveXlsx} disabled={!rows.length}>
              XLSX
            </button>
          </>
        )}
      </div>
      {view === "table" && (
        <div className="orggraph-table-panel">
          {errors && <p className="orggraph-job-error" role="alert">{errors}</p>}
          {!current ? (
            <p className="orggraph-saved-hint">运行查询后在此以表格查看结果。Run a query to see its result as a table.</p>
          ) : (
            <table className="orggraph-table">
              <thead>
                <tr>
                  {current.columns.map((c) => (
                    <th key={c} scope="col" title={c} onClick={() => sortBy(c)} aria-sort={sort?.column === c ? (sort.dir === "asc" ? "ascending" : "descending") : "none"}>
                      {label(c)}
                      {sort?.column === c ? (sort.dir === "asc" ? " ▲" : " ▼") : ""}
                      {label(c) !== c && <span className="orggraph-th-path">{c}</span>}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row, i) => (
                  <tr key={i}>
                    {current.columns.map((c) => (
                      <td key={c} className={typeof row[c] === "number" ? "orggraph-number" : undefined}>
                        {cellText(row[c])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </div>
  );
}
