// The orggraph explorer: GraphiQL 5 with its explorer plugin and a "saved queries" plugin.
// Bundled (with React, GraphiQL and Monaco) by scripts/vendor_assets.mjs into
// orggraph/api/static/graphiql/; nothing here loads from the network but our own server.
import React, { useEffect } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { useGraphiQL, useGraphiQLActions, useMonaco } from "@graphiql/react";
import { explorerPlugin } from "@graphiql/plugin-explorer";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { Kind, parse } from "graphql";
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

function readSavedQueries() {
  const block = document.getElementById("orggraph-saved-queries");
  if (!block) return [];
  try {
    return JSON.parse(block.textContent || "[]");
  } catch {
    return [];
  }
}

const saved = readSavedQueries();

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
    const named = /^\s*(?:query|mutation)\s+(\w+)/m.exec(item.query);
    if (named) setOperationName(named[1]);
  };
  return (
    <section className="orggraph-saved" aria-label="保存的查询 Saved queries">
      <div className="graphiql-doc-explorer-title">保存的查询 Saved queries</div>
      <p className="orggraph-saved-hint">点击即载入当前标签页。Click to load into the current tab.</p>
      <ul>
        {saved.map((item) => (
          <li key={item.name}>
            <button type="button" className="orggraph-saved-item" data-name={item.name} onClick={() => open(item)}>
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

function main() {
  const root = document.getElementById("graphiql");
  const endpoint = new URL(root.dataset.endpoint || "graphql", window.location.href).href;
  const fetcher = withCurrentOperation(createGraphiQLFetcher({ url: endpoint }));
  const defaultTabs = saved.map((item) => ({ query: item.query, variables: item.variables || null }));
  createRoot(root).render(
    <GraphiQL
      fetcher={fetcher}
      defaultTabs={defaultTabs.length ? defaultTabs : undefined}
      plugins={[savedQueriesPlugin, explorerPlugin()]}
      defaultEditorToolsVisibility="variables"
    >
      <GraphiQL.Logo>
        <span title="组织体系图谱">orggraph</span>
      </GraphiQL.Logo>
    </GraphiQL>,
  );
}

main();
