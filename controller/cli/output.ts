/**
 * How the admin commands print: aligned tables with a header row, `key  value` blocks, JSON.
 * @module
 */

/** A table cell: null and undefined print as "-". */
export type Cell = string | number | boolean | null | undefined;

function text(c: Cell): string {
  return c === null || c === undefined || c === "" ? "-" : String(c);
}

/** Columns `headers` over `rows`, left-aligned, two spaces apart; `empty` when there are no rows. */
export function table(headers: string[], rows: Cell[][], empty: string): string {
  if (rows.length === 0) return empty;
  const cells = [headers, ...rows.map((r) => r.map(text))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((r) => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i]!)).join("  ").trimEnd())
    .join("\n");
}

/** `key  value` lines, keys aligned. */
export function fields(entries: [string, Cell | Cell[]][]): string {
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) =>
    `${k.padEnd(width)}  ${Array.isArray(v) ? v.map(text).join(", ") || "-" : text(v)}`
  )
    .join("\n");
}

/** The API's JSON, indented. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
