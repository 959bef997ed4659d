// A GraphQL result as tables, and tables as CSV: the explorer's table view (no DOM, no
// dependency: tests/api/test_explorer_table.py runs it under node beside the server's).
//
// The flattening is orggraph.exports.query.flatten's, so the table on screen and the
// server's saved-query export agree: every list reached through objects only is a table
// (one row per item); nested objects are dotted columns (parent.name); a list inside an
// item is one cell, its values joined with "；"; scalars outside the lists (a totalCount,
// the date asked at) are repeated on every row.
export const JOIN = "；";

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function walk(value, prefix, context, lists) {
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) walk(child, prefix ? `${prefix}.${key}` : key, context, lists);
  } else if (Array.isArray(value)) {
    lists.push([prefix, value]);
  } else {
    context[prefix] = value;
  }
}

function scalarText(v) {
  return typeof v === "boolean" ? (v ? "true" : "false") : String(v);
}

function leaves(value, prefix, out) {
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) leaves(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (Array.isArray(value)) {
    // A list inside a row: each leaf path gathers its values across the items.
    const gathered = new Map();
    for (const item of value) {
      const inner = {};
      leaves(item, prefix, inner);
      for (const [key, leaf] of Object.entries(inner)) {
        if (!gathered.has(key)) gathered.set(key, []);
        gathered.get(key).push(leaf);
      }
    }
    for (const [key, values] of gathered) out[key] = values.map((v) => (v == null ? "" : scalarText(v))).join(JOIN);
    if (!value.length && !(prefix in out)) out[prefix] = null;
  } else {
    out[prefix] = value;
  }
}

function section(path, rows, context) {
  const seen = new Set(Object.keys(context));
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  let columns = [...seen];
  // An object that is null on some rows shows up as its own column: drop it when its
  // fields have columns of their own and it is empty everywhere (null, or only the
  // separators of a list whose items were all null).
  const empty = (v) => v == null || (typeof v === "string" && v.split(JOIN).every((part) => part === ""));
  columns = columns.filter(
    (name) => !(columns.some((other) => other.startsWith(`${name}.`)) && rows.every((row) => empty(row[name]))),
  );
  return { path, columns, rows };
}

/** A result's `data` as sections `{path, columns, rows}`: one per list. */
export function flatten(data) {
  const context = {};
  const lists = [];
  walk(data ?? {}, "", context, lists);
  if (!lists.length) return [section("", [context], {})];
  return lists.map(([path, items]) => {
    const rows = items.map((item) => {
      const row = { ...context };
      if (isObject(item)) leaves(item, "", row);
      else row[path.split(".").pop()] = item;
      return row;
    });
    return section(path, rows, context);
  });
}

/** How a cell shows: text, or a number as is; null and undefined are empty. */
export function cellText(v) {
  return v == null ? "" : scalarText(v);
}

// A spreadsheet reads text starting with these as a formula (OWASP "CSV Injection"; the
// full-width forms too, which an input method may turn into ASCII): the text gets a
// leading apostrophe, as orggraph.exports.sanitize does. Plain numbers are left alone.
const DANGEROUS = new Set(["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"]);
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function neutralise(text) {
  if (!text) return text;
  const lead = text.replace(/^[ \n\u3000]+/, "")[0];
  if ((DANGEROUS.has(text[0]) || DANGEROUS.has(lead)) && !PLAIN_NUMBER.test(text)) return `'${text}`;
  return text;
}

function csvField(v) {
  const text = typeof v === "number" ? String(v) : neutralise(cellText(v));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV text (RFC 4180, CRLF; a BOM so that Excel reads the Chinese as UTF-8). */
export function toCsv(headers, rows) {
  const lines = [headers.map(csvField).join(",")];
  for (const row of rows) lines.push(row.map(csvField).join(","));
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

