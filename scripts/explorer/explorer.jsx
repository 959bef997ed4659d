// The orggraph explorer: GraphiQL 5 with its explorer plugin, a "saved queries" plugin, a
// "documents" plugin, and a table view of results. Bundled (with React, GraphiQL, Monaco and
// write-excel-file) by scripts/vendor_assets.mjs into orggraph/api/static/graphiql/;
// nothing here loads from the network but our own server.
//
// The page (orggraph/api/explorer.py) embeds, for whoever opened it: the saved queries with
// variables filled in for their scope and the data's date, the start tab (覆盖缺口) first,
// a query handed over in the address (/explorer?query=…&variables=…) before it, and the
// documents they may download. The first tab runs as the page opens.
import React, { useEffect, useRef } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { useGraphiQL, useGraphiQLActions, useMonaco } from "@graphiql/react";
import { explorerPlugin } from "@graphiql/plugin-explorer";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { Kind, parse } from "graphql";
import { DocumentsContent } from "./documents.jsx";
import { ResultViews } from "./results.jsx";
import "graphiql/style.css";
import "@graphiql/plugin-explorer/style.css";
import "./explorer.css";

// Monaco's web workers are bundled next to this module (classic workers, same origin).
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const name =
      label === "graphql" ? "graphql.worker.js" : label === "json" ? "json.worker.js" : "editor.worker.js";
    return new Worker(new URL(`./${name}`, import.meta.url));
  },
};

function readData() {
  const block = document.getElementById("orggraph-explorer");
  try {
    return JSON.parse(block?.textContent || "{}");
  } catch {
    return {};
  }
}

const DATA = readData();
const saved = DATA.queries || [];
const byOperation = new Map(saved.filter((q) => q.operation).map((q) => [q.operation, q]));

// GraphiQL titles a tab with its operation's name (an English identifier); the tab shows
// the saved query's Chinese title instead, the name staying as the tooltip. The tab
// button calls this (vendor_assets.mjs patches GraphiQL's tab to ask it).
globalThis.orggraphTabTitle = (tab) => byOperation.get(tab.operationName ?? tab.title)?.titleZh ?? tab.title;

// Tabs are not kept between visits: every visit opens on the tabs made for this actor
// now (their scope, the data's date), not on what the browser remembers of another
// account or an older date. Everything else (history, theme, panes) is kept per account.
function actorStorage(actor) {
  const prefix = `orggraph:${actor || "anonymous"}:`;
  const memory = new Map();
  const volatile = (key) => /:(tabState|query|variables|headers)$/.test(key);
  const local = (fn) => {
    try {
      return fn(window.localStorage);
    } catch {
      return null; // storage disabled: the explorer still works, it just forgets
    }
  };
  const keys = () => local((s) => Object.keys(s).filter((k) => k.startsWith(prefix))) || [];
  return {
    getItem: (key) => (volatile(key) ? memory.get(key) ?? null : local((s) => s.getItem(prefix + key))),
    setItem: (key, value) => (volatile(key) ? memory.set(key, value) : local((s) => s.setItem(prefix + key, value))),
    removeItem: (key) => (volatile(key) ? memory.delete(key) : local((s) => s.removeItem(prefix + key))),
    get length() {
      return keys().length;
    },
    clear: () => {
      memory.clear();
      for (const key of keys()) local((s) => s.removeItem(key));
    },
  };
}

// Chinese text is full of full-width punctuation (，；（）) that Monaco would box as
// "ambiguous characters": turn that off in every editor, present and future.
const QUIET = { unicodeHighlight: { ambiguousCharacters: false, invisibleCharacters: false } };

function useQuietUnicode() {
  const monaco = useMonaco((state) => state.monaco);
  useEffect(() => {
    if (!monaco) return undefined;
    monaco.editor.getEditors().forEach((editor) => editor.updateOptions(QUIET));
    const listener = monaco.editor.onDidCreateEditor((editor) => editor.updateOptions(QUIET));
    return () => listener.dispose();
  }, [monaco]);
}

function SavedQueriesIcon() {
  // The sidebar icons are always mounted: a good place for an app-wide editor setting.
  useQuietUnicode();
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
      <path d="M6 3h12v18l-6-4-6 4z" />
    </svg>
  );
}

function SavedQueriesContent() {
  const queryEditor = useGraphiQL((state) => state.queryEditor);
  const variableEditor = useGraphiQL((state) => state.variableEditor);
  const { setOperationName } = useGraphiQLActions();
  const open = (item) => {
    queryEditor?.setValue(item.query);
    variableEditor?.setValue(item.variables || "");
    // Run the loaded operation at once, without waiting for the editor to re-parse it.
    if (item.operation) setOperationName(item.operation);
  };
  return (
    <section className="orggraph-saved" aria-label="保存的查询 Saved queries">
      <div className="graphiql-doc-explorer-title">保存的查询 Saved queries</div>
      <p className="orggraph-saved-hint">
        点击即载入当前标签页（变量已按{DATA.scopeName || "你的范围"}填好）。Click to load into the current tab,
        variables filled in for your scope.
      </p>
      <ul>
        {saved.map((item) => (
          <li key={item.name}>
            <button
              type="button"
              className="orggraph-saved-item"
              data-name={item.name}
              title={item.description}
              onClick={() => open(item)}
            >
              <span className="orggraph-saved-zh">{item.titleZh}</span>
              <span className="orggraph-saved-en">{item.titleEn}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

const savedQueriesPlugin = {
  title: "保存的查询 Saved queries",
  icon: SavedQueriesIcon,
  content: SavedQueriesContent,
};

function DocumentsIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
      <path d="M6 2h8l4 4v16H6z M14 2v4h4 M9 12h6 M9 16h6" />
    </svg>
  );
}

const documentsPlugin = {
  title: "文档 Documents",
  icon: DocumentsIcon,
  content: () => <DocumentsContent documents={DATA.documents || []} scopeName={DATA.scopeName} asOf={DATA.asOf} />,
};

// The first tab runs once, as the page opens, when the editors are ready: a query only
// (a mutation handed over in a link waits for its ▶).
function RunFirstTab() {
  const ready = useGraphiQL((s) => Boolean(s.queryEditor && s.variableEditor && s.responseEditor));
  const first = useGraphiQL((s) => (s.activeTabIndex === 0 ? s.tabs[0]?.query : null));
  const { run } = useGraphiQLActions();
  const done = useRef(false);
  useEffect(() => {
    if (!ready || done.current || !first) return;
    done.current = true;
    if (operationKind(first) === "query") setTimeout(() => run(), 0);
  }, [ready, first, run]);
  return null;
}

function operationKind(text) {
  try {
    const ops = parse(text).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    return ops.length ? ops[0].operation : null;
  } catch {
    return null;
  }
}

// GraphiQL 5 learns the operation name (and document) from the query editor 100 ms after
// its text changes (debounced), and a tab switch changes that text: a run in between sent
// the previous tab's operation name with the new tab's query, and the server answered
// "Unknown operation named …" (graphql/graphiql#3632, open upstream; no release fixes it
// as of graphiql 5.4.0 / @graphiql/react 0.39.1). So the name is checked against the query
// actually being sent: kept when the document defines it, else the document's first
// operation is run (what GraphiQL itself selects once it has re-read the editor).
function withCurrentOperation(fetcher) {
  return (params, opts) => {
    let ast;
    try {
      ast = parse(params.query);
    } catch {
      return fetcher(params, opts); // the server reports the syntax error
    }
    const operations = ast.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const names = operations.map((op) => op.name?.value);
    if (!operations.length || (params.operationName && names.includes(params.operationName))) {
      return fetcher(params, { ...opts, documentAST: ast });
    }
    const operationName = names[0] ?? undefined;
    return fetcher({ ...params, operationName }, { ...opts, documentAST: ast });
  };
}

// A query handed over in a link opens first, in place of the saved tab of the same
// operation (one 责任链 tab, not two); the rest follow in the server's order.
function tabsFor(data) {
  const prefill = data.prefill;
  const named = prefill?.query ? /^\s*(?:query|mutation|subscription)\s+(\w+)/m.exec(prefill.query) : null;
  const tabs = saved
    .filter((item) => !named || item.operation !== named[1])
    .map((item) => ({ query: item.query, variables: item.variables || null }));
  if (prefill?.query) tabs.unshift({ query: prefill.query, variables: prefill.variables || null });
  return tabs;
}

function main() {
  const root = document.getElementById("graphiql");
  const endpoint = new URL(root.dataset.endpoint || "/graphql", window.location.href).href;
  const fetcher = withCurrentOperation(createGraphiQLFetcher({ url: endpoint }));
  const defaultTabs = tabsFor(DATA);
  const scope = DATA.scopeName ? `${DATA.scopeName}${DATA.asOf ? ` · 截至 ${DATA.asOf}` : ""}` : "";
  createRoot(root).render(
    <GraphiQL
      fetcher={fetcher}
      defaultTabs={defaultTabs.length ? defaultTabs : undefined}
      // GraphiQL fills the editors from these, not from the first tab (whose variables
      // were left out: the first ▶ ran without them).
      initialQuery={defaultTabs[0]?.query ?? undefined}
      initialVariables={defaultTabs[0]?.variables ?? undefined}
      storage={actorStorage(DATA.actor?.name)}
      plugins={[savedQueriesPlugin, documentsPlugin, explorerPlugin()]}
      defaultEditorToolsVisibility="variables"
    >
      <GraphiQL.Logo>
        <span title="组织体系图谱">orggraph</span>
        {scope && <span className="orggraph-scope">{scope}</span>}
      </GraphiQL.Logo>
      <GraphiQL.Footer>
        <ResultViews byOperation={byOperation} />
      </GraphiQL.Footer>
      <RunFirstTab />
    </GraphiQL>,
  );
}

main();
