import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The features driver contract: what both drivers (the Glue job's glue-jobs/features_lib.py and the local DuckDB
 * runner) read from glue-jobs/sql/NN_<table>.sql, by the same rules. test/fixtures/features/driver-contract.json
 * holds cases both must answer alike.
 *
 * - File name `NN_<table>.sql`: NN orders the steps (unique), <table> names the result.
 * - Header: the leading `--` comment block. `-- key: value` lines; a later comment line that is not a key continues
 *   the previous value (joined with one space); lines before the first key are the title. Required keys: grain,
 *   layer (silver | gold), sort_by (comma list of column names; empty items dropped), input (comma list; the leading
 *   identifier of each item is an input table: telemetry_parts or an earlier step's table).
 * - The SQL is the file's text without a trailing semicolon and trailing whitespace.
 */
export interface SqlStep {
  number: string;
  /** Output table name: the file name without its `NN_` prefix. */
  table: string;
  layer: 'silver' | 'gold';
  grain: string;
  sortBy: string[];
  inputs: string[];
  file: string;
  sql: string;
}

export const PARTS_TABLE = 'telemetry_parts';
const STEP_FILE = /^(\d{2})_([a-z][a-z0-9_]*)\.sql$/;
const HEADER_KEY = /^--\s?([a-z_]+):(.*)$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const LAYERS = ['silver', 'gold'] as const;
const REQUIRED = ['grain', 'layer', 'sort_by', 'input'] as const;

function headerBlock(sql: string): Map<string, string> {
  const headers = new Map<string, string>();
  let key: string | undefined;
  for (const line of sql.split(/\r?\n/)) {
    const stripped = line.trim();
    if (!stripped.startsWith('--')) break;
    const m = HEADER_KEY.exec(stripped);
    if (m?.[1] !== undefined) {
      key = m[1];
      if (headers.has(key)) throw new Error(`duplicate header "-- ${key}:"`);
      headers.set(key, (m[2] ?? '').trim());
    } else if (key !== undefined) {
      headers.set(key, `${headers.get(key)} ${stripped.slice(2).trim()}`.trim());
    }
  }
  return headers;
}

function inputTables(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  const s = `${text},`;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    else if (s[i] === ',' && depth === 0) {
      items.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  return items.map((item) => {
    const m = /^([a-z_][a-z0-9_]*)/.exec(item);
    if (!m?.[1]) throw new Error(`input: ${JSON.stringify(item)} does not start with a table name`);
    return m[1];
  });
}

/** A step's metadata from its file name and header comments. */
export function parseHeader(file: string, sql: string): Omit<SqlStep, 'file' | 'sql'> {
  const m = STEP_FILE.exec(file);
  if (!m?.[1] || !m[2]) throw new Error(`${file}: SQL files are named NN_<table>.sql`);
  let headers: Map<string, string>;
  try {
    headers = headerBlock(sql);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  for (const key of REQUIRED) if (!headers.get(key)) throw new Error(`${file}: missing header comment "-- ${key}: ..."`);
  const layer = headers.get('layer') as string;
  if (!(LAYERS as readonly string[]).includes(layer)) throw new Error(`${file}: layer must be one of ${LAYERS.join(', ')}`);
  const rawSort = headers.get('sort_by') as string;
  const sortBy = rawSort.split(',').map((s) => s.trim()).filter(Boolean);
  if (!sortBy.length || sortBy.some((c) => !IDENTIFIER.test(c))) throw new Error(`${file}: sort_by must list column names, got ${JSON.stringify(rawSort)}`);
  let inputs: string[];
  try {
    inputs = inputTables(headers.get('input') as string);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  return { number: m[1], table: m[2], layer: layer as SqlStep['layer'], grain: headers.get('grain') as string, sortBy, inputs };
}

export function loadStep(file: string, text: string): SqlStep {
  return { ...parseHeader(file, text), file, sql: text.trim().replace(/;\s*$/, '').trimEnd() };
}

/** Run order is the two-digit prefix; numbers are unique; every input is telemetry_parts or an earlier step. */
export function checkSteps(steps: readonly SqlStep[]): SqlStep[] {
  if (!steps.length) throw new Error('no SQL steps');
  const numbers = new Set<string>();
  const tables = new Set([PARTS_TABLE]);
  for (const step of steps) {
    if (numbers.has(step.number)) throw new Error(`${step.file}: duplicate step number ${step.number}`);
    numbers.add(step.number);
    const unknown = step.inputs.filter((t) => !tables.has(t));
    if (unknown.length) throw new Error(`${step.file}: input ${unknown.join(', ')} is not telemetry_parts or an earlier step`);
    tables.add(step.table);
  }
  return [...steps];
}

export const SQL_DIR = path.resolve(import.meta.dirname, '../../glue-jobs/sql');

/** The SQL files of `dir` in run order, checked. */
export async function loadSqlSteps(dir = SQL_DIR): Promise<SqlStep[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const steps: SqlStep[] = [];
  for (const file of files) steps.push(loadStep(file, await readFile(path.join(dir, file), 'utf8')));
  if (!steps.length) throw new Error(`no SQL steps in ${dir}`);
  return checkSteps(steps);
}
