// Tables as XLSX (write-excel-file, in the browser) and files saved by the browser.
import writeXlsxFile from "write-excel-file/browser";
import { cellText } from "./flatten.js";

export { cellText, flatten, toCsv } from "./flatten.js";

// Display width of text: CJK characters count two.
function width(text) {
  let n = 0;
  for (const ch of text) n += ch.charCodeAt(0) > 0x2e80 ? 2 : 1;
  return n;
}

/** An XLSX file (a Blob): one sheet, the header row bold and frozen, widths to fit. */
export function toXlsx(headers, rows, sheetName) {
  const header = headers.map((h) => ({ value: h, fontWeight: "bold" }));
  const data = rows.map((row) =>
    row.map((v) => {
      if (v == null) return null;
      if (typeof v === "number" || typeof v === "boolean") return v;
      return { value: String(v), type: String, wrap: false };
    }),
  );
  const columns = headers.map((h, i) => {
    let w = width(h);
    for (const row of rows.slice(0, 500)) w = Math.max(w, width(cellText(row[i])));
    return { width: Math.min(Math.max(w + 2, 6), 60) };
  });
  const sheet = (sheetName || "查询").replace(/[\\/?*[\]:]/g, " ").slice(0, 31);
  return writeXlsxFile([header, ...data], { columns, sheet, stickyRowsCount: 1 }).toBlob();
}

/** Save `blob` as `name` through an anchor: the browser's own download. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
