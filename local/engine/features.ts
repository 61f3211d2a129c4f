import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { SILVER_TELEMETRY_COLUMNS, duckdbType, type Column } from '../../lib/contract/columns';
import { table as tableSpec } from '../../lib/contract/tables';
import { neighbourWindow, parseDates, rebuildDates } from '../../lib/features/dates';
import { openDuckDb } from './duckdb';

/**
 * The local features runner: runs glue-jobs/sql/*.sql (the files the Glue job runs on Spark) on DuckDB over
 * `<lake>/silver` and `<lake>/gold`, with Spark dynamic-partition-overwrite semantics: only the given dates'
 * partitions are replaced (a date whose result is empty loses its partition), each atomically.
 */

export const SQL_DIR = path.resolve(import.meta.dirname, '../../glue-jobs/sql');
export const PART_FILE = 'part-00000.parquet';

export interface FeaturesProgress {
  stage: 'sql' | 'write';
  table: string;
  done: number;
  total: number;
}

export interface FeaturesOptions {
  lake: string;
  dates: readonly string[];
  /** Rebuild D-1..D+1 of every given date (what the pipeline wants after late data; see lib/features/dates.ts). */
  expandNeighbours?: boolean;
  onProgress?: (p: FeaturesProgress) => void;
  threads?: number;
  sqlDir?: string;
}

export interface FeaturesResult {
  dates: string[];
  /** Rows written per table, summed over the dates. */
  rows: Record<string, number>;
  seconds: number;
}

export interface SqlStep {
  /** Output table name: the file name without its `NN_` prefix. */
  table: string;
  layer: 'silver' | 'gold';
  sortBy: string[];
  file: string;
  sql: string;
}

/**
 * The engine-compat layer: the SQL is written in Spark's spelling; these DuckDB macros give the few functions
 * that differ their Spark names. This is the only place the engines differ.
 */
export const DUCKDB_COMPAT_MACROS = [
  'CREATE OR REPLACE MACRO unix_millis(t) AS epoch_ms(t)',
  'CREATE OR REPLACE MACRO timestamp_millis(n) AS make_timestamp(CAST(n AS BIGINT) * 1000)',
  'CREATE OR REPLACE MACRO explode(x) AS unnest(x)',
];

const FILE_NAME = /^(\d{2})_([a-z][a-z0-9_]*)\.sql$/;

/** Parses a `-- key: value` header line of a SQL file. */
function header(sql: string, key: string, file: string): string {
  const m = new RegExp(`^--\\s*${key}:\\s*(.+)$`, 'm').exec(sql);
  if (!m?.[1]) throw new Error(`${file}: missing header comment "-- ${key}: ..."`);
  return m[1].trim();
}

/** The SQL files in run order (by their two-digit prefix), with the header metadata the writers need. */
export async function loadSqlSteps(dir = SQL_DIR): Promise<SqlStep[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Set<string>();
  const steps: SqlStep[] = [];
  for (const file of files) {
    const m = FILE_NAME.exec(file);
    if (!m?.[1] || !m[2]) throw new Error(`${file}: SQL files are named NN_<table>.sql`);
    if (seen.has(m[1])) throw new Error(`${file}: duplicate step number ${m[1]}`);
    seen.add(m[1]);
    const sql = (await readFile(path.join(dir, file), 'utf8')).trim().replace(/;\s*$/, '');
    const layer = header(sql, 'layer', file);
    if (layer !== 'silver' && layer !== 'gold') throw new Error(`${file}: layer must be silver or gold`);
    const sortBy = header(sql, 'sort_by', file).split(',').map((s) => s.trim());
    steps.push({ table: m[2], layer, sortBy, file, sql });
  }
  return steps;
}

const q = (id: string) => `"${id.replaceAll('"', '""')}"`;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Columns a step must produce: the contract's, plus the `dt` partition column when the contract lacks it. */
export function outputColumns(tableName: string): Column[] {
  const cols = [...tableSpec(tableName).columns];
  if (!cols.some((c) => c.name === 'dt')) cols.push({ name: 'dt', type: 'date', description: 'partition', required: true });
  return cols;
}

async function partsFiles(lake: string, window: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const d of window) {
    const dir = path.join(lake, 'silver', 'telemetry_parts', `dt=${d}`);
    if (!existsSync(dir)) continue;
    for (const f of (await readdir(dir)).sort()) if (f.endsWith('.parquet')) files.push(path.join(dir, f));
  }
  return files;
}

/** Replaces `dir` by `tmp` (or removes it when tmp is null) so readers see the old or the new partition, never half. */
async function swapPartition(dir: string, tmp: string | null): Promise<void> {
  const parent = path.dirname(dir);
  const old = path.join(parent, `_old-${path.basename(dir)}-${randomBytes(4).toString('hex')}`);
  const had = existsSync(dir);
  if (had) await rename(dir, old);
  if (tmp) await rename(tmp, dir);
  if (had) await rm(old, { recursive: true, force: true });
}

export async function runFeatures(options: FeaturesOptions): Promise<FeaturesResult> {
  const started = performance.now();
  const dates = options.expandNeighbours ? rebuildDates(options.dates) : parseDates(options.dates);
  if (dates.length === 0) throw new Error('runFeatures: no dates given');
  const lake = path.resolve(options.lake);
  const steps = await loadSqlSteps(options.sqlDir);
  const window = neighbourWindow(dates, 1);
  const db = await openDuckDb({ threads: options.threads });
  const rows: Record<string, number> = {};
  try {
    const { conn } = db;
    for (const m of DUCKDB_COMPAT_MACROS) await conn.run(m);

    // input view: silver telemetry_parts of the dates and their neighbours, typed per the contract
    const files = await partsFiles(lake, window);
    const select = SILVER_TELEMETRY_COLUMNS.map((c) => `CAST(${q(c.name)} AS ${duckdbType(c.type)}) AS ${q(c.name)}`).join(', ');
    const from = files.length
      ? `read_parquet([${files.map(lit).join(', ')}], union_by_name = true)`
      : `(SELECT ${SILVER_TELEMETRY_COLUMNS.map((c) => `NULL AS ${q(c.name)}`).join(', ')} LIMIT 0)`;
    await conn.run(`CREATE TEMP TABLE telemetry_parts AS SELECT ${select} FROM ${from}`);

    for (const [i, step] of steps.entries()) {
      await conn.run(`CREATE TEMP TABLE ${q(step.table)} AS ${step.sql}`);
      await assertColumns(conn, step.table);
      options.onProgress?.({ stage: 'sql', table: step.table, done: i + 1, total: steps.length });
    }

    let done = 0;
    const total = steps.length * dates.length;
    for (const step of steps) {
      const spec = tableSpec(step.table);
      const base = path.join(lake, step.layer, spec.prefix);
      await mkdir(base, { recursive: true });
      const fileCols = outputColumns(step.table).filter((c) => c.name !== 'dt').map((c) => q(c.name)).join(', ');
      let written = 0;
      for (const d of dates) {
        const where = `dt = DATE ${lit(d)}`;
        const n = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${q(step.table)} WHERE ${where}`)).getRows()[0]?.[0] ?? 0);
        const dir = path.join(base, `dt=${d}`);
        if (n === 0) {
          await swapPartition(dir, null);
        } else {
          const tmp = path.join(base, `_tmp-dt=${d}-${randomBytes(4).toString('hex')}`);
          await mkdir(tmp);
          const order = step.sortBy.map(q).join(', ');
          await conn.run(
            `COPY (SELECT ${fileCols} FROM ${q(step.table)} WHERE ${where} ORDER BY ${order}) ` +
              `TO ${lit(path.join(tmp, PART_FILE))} (FORMAT parquet, COMPRESSION zstd)`,
          );
          await swapPartition(dir, tmp);
        }
        written += n;
        options.onProgress?.({ stage: 'write', table: step.table, done: ++done, total });
      }
      rows[step.table] = written;
    }
  } finally {
    db.close();
  }
  return { dates, rows, seconds: (performance.now() - started) / 1000 };
}

/** Fails when a step's result does not have exactly the contract's columns (names, order and types). */
async function assertColumns(conn: Awaited<ReturnType<typeof openDuckDb>>['conn'], tableName: string): Promise<void> {
  const described = (await conn.runAndReadAll(`DESCRIBE ${q(tableName)}`)).getRowObjectsJson() as Array<{ column_name: string; column_type: string }>;
  const actual = described.map((r) => `${r.column_name} ${r.column_type}`);
  const expected = outputColumns(tableName).map((c) => `${c.name} ${duckdbType(c.type)}`);
  if (actual.join(', ') !== expected.join(', ')) {
    throw new Error(`${tableName}: result columns differ from lib/contract/tables.ts\n  got:      ${actual.join(', ')}\n  expected: ${expected.join(', ')}`);
  }
}
