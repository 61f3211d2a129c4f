import { InvalidArgumentError, Option } from 'commander';
import type { QueryResult } from '../../lib/query/port';

/**
 * The one output module of the CLI: every command that prints results takes `--format table|json|csv` and prints
 * through `printResult`. `table` is for people (numbers rounded for display, aligned columns); `json` and `csv` are for
 * programs and keep every number at full precision. The default is `table` in a terminal and in a pipe alike, so a
 * script sees what a person sees; scripts that parse output should ask for `--format json` (docs/cli.md).
 */
export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** `text` was the name of `table` in `status` and `executions`; it stays accepted everywhere. */
const ALIASES: Record<string, Format> = { text: 'table' };

export function parseFormat(value: string): Format {
  const f = ALIASES[value] ?? value;
  if (!(FORMATS as readonly string[]).includes(f)) throw new InvalidArgumentError(`expected ${FORMATS.join(', ')} (or text, the older name of table)`);
  return f as Format;
}

export function formatOption(): Option {
  return new Option('--format <format>', `output format: ${FORMATS.join(', ')} (text = table)`).default('table').argParser(parseFormat);
}

/** Display form of a number: integers as they are; others with 6 significant digits (printf's %g), never in exponent form above 1. */
export function displayNumber(n: number): string {
  if (!Number.isFinite(n) || Number.isInteger(n)) return String(n);
  if (Math.abs(n) >= 1e6) return String(Math.round(n));
  return String(Number(n.toPrecision(6)));
}

/** A cell as people read it. */
function displayCell(v: unknown, nullText: string): string {
  if (v === null || v === undefined) return nullText;
  if (typeof v === 'number') return displayNumber(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/\r?\n/g, '\\n'); // one row, one line
}

/** A cell as CSV carries it: full precision, nested values as JSON text, null as the empty field. */
function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface Rows {
  columns: readonly string[];
  /** Objects with (at least) those fields; a missing field is a null cell. */
  rows: readonly object[];
}

const field = (row: object, column: string): unknown => (row as Record<string, unknown>)[column];

/**
 * Aligned columns two spaces apart, the header first and the rows from the second line on; columns whose values are
 * all numbers are right-aligned. `footer` adds `(N rows)`.
 */
export function renderTable(t: Rows, options: { nullText?: string; footer?: boolean } = {}): string {
  const nullText = options.nullText ?? '-';
  const cells = t.rows.map((row) => t.columns.map((c) => displayCell(field(row, c), nullText)));
  const isNumber = (row: object, c: string) => typeof field(row, c) === 'number';
  const numeric = t.columns.map((c) => t.rows.some((row) => isNumber(row, c)) && t.rows.every((row) => isNumber(row, c) || field(row, c) == null));
  const widths = t.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line([...t.columns]), ...cells.map(line)];
  if (options.footer) out.push(`(${t.rows.length} row${t.rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

export function renderCsv(t: Rows): string {
  return `${[t.columns.map(csvCell).join(','), ...t.rows.map((row) => t.columns.map((c) => csvCell(field(row, c))).join(','))].join('\n')}\n`;
}

export const renderJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** A record for people: `key  value` lines, aligned (nested breakdowns are keys indented by two spaces). */
export function renderKeyValue(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length));
  return `${pairs.map(([k, v]) => `${k.padEnd(w)}  ${displayCell(v, '-')}`.trimEnd()).join('\n')}\n`;
}

/** One record as CSV: a header row of its fields and one data row. */
export const recordRows = (record: object): Rows => ({ columns: Object.keys(record), rows: [record] });

/** What a command prints in each format: `table` text for people, the `json` value, the `csv` rows. */
export interface Result {
  table: () => string;
  json: () => unknown;
  csv: () => Rows;
}

export function renderResult(format: Format, r: Result): string {
  if (format === 'json') return renderJson(r.json());
  if (format === 'csv') return renderCsv(r.csv());
  return r.table();
}

export function printResult(format: Format, r: Result): void {
  process.stdout.write(renderResult(format, r));
}

/** A query result in any format: JSON is the array of row objects (docs/querying.md); the table shows NULL and a row count. */
export function formatQueryResult(r: QueryResult, format: Format): string {
  const rows: Rows = { columns: r.columns.map((c) => c.name), rows: r.rows };
  return renderResult(format, { table: () => renderTable(rows, { nullText: 'NULL', footer: true }), json: () => r.rows, csv: () => rows });
}
