import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { SILVER_TELEMETRY_COLUMNS, duckdbType } from '../../lib/contract/columns';
import { stepOutputColumns, table as tableSpec } from '../../lib/contract/tables';
import { neighbourWindow, parseDates, rebuildDates } from '../../lib/features/dates';
import { currentProcess, processAlive, type ProcessId } from '../../lib/store/file-lock';
import { loadSqlSteps } from '../../lib/features/sql-steps';

export { loadSqlSteps, SQL_DIR, type SqlStep } from '../../lib/features/sql-steps';
import { openDuckDb } from './duckdb';

/**
 * The local features runner: runs glue-jobs/sql/*.sql (the files the Glue job runs on Spark) on DuckDB over
 * `<lake>/silver` and `<lake>/gold`, with Spark dynamic-partition-overwrite semantics: only the given dates'
 * partitions are replaced (a date whose result is empty loses its partition), each atomically (see swapPartition).
 */

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

/**
 * The engine-compat layer: the SQL is written in Spark's spelling; these DuckDB macros give the few functions
 * that differ their Spark names. This is the only place the engines differ.
 */
export const DUCKDB_COMPAT_MACROS = [
  'CREATE OR REPLACE MACRO unix_millis(t) AS epoch_ms(t)',
  'CREATE OR REPLACE MACRO timestamp_millis(n) AS make_timestamp(CAST(n AS BIGINT) * 1000)',
  'CREATE OR REPLACE MACRO explode(x) AS unnest(x)',
];

const q = (id: string) => `"${id.replaceAll('"', '""')}"`;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;


async function partsFiles(lake: string, window: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const d of window) {
    const dir = path.join(lake, 'silver', 'telemetry_parts', `dt=${d}`);
    if (!existsSync(dir)) continue;
    for (const f of (await readdir(dir)).sort()) if (f.endsWith('.parquet')) files.push(path.join(dir, f));
  }
  return files;
}

/**
 * Crash-safe, reader-atomic partition writes. The query views read `<table>/dt=<d>/<name>.parquet` only (local/engine/
 * query.ts), so each partition file is written in `<layer>/_staging/<owner>/` first, outside every view, and then
 * renamed over `<table>/dt=<d>/part-00000.parquet` in one rename(2): a reader opens the old file or the new one,
 * never a part. A failed or ENOSPC COPY leaves only staging behind, which is removed (by this run, or by the next
 * one when this process was killed), and the previous partition stays as it was.
 */
export const STAGING_DIR = '_staging';
const LAYERS = ['silver', 'gold'] as const;

/** Test-only fault hook: FLEETLAKE_FAULT_FEATURES=<step>[@<n>] SIGKILLs this process the n-th time <step> is reached. */
export type FaultStep = 'copying' | 'staged' | 'swapped' | 'dropped';
const faultHits = new Map<string, number>();
function faultPoint(step: FaultStep): void {
  const m = /^([a-z]+)(?:@(\d+))?$/.exec(process.env.FLEETLAKE_FAULT_FEATURES ?? '');
  if (!m || m[1] !== step) return;
  const hit = (faultHits.get(step) ?? 0) + 1;
  faultHits.set(step, hit);
  if (hit !== Number(m[2] ?? 1)) return;
  // `copying`: while DuckDB writes the file (the COPY runs off the event loop), not before it starts.
  if (step === 'copying') setImmediate(() => process.kill(process.pid, 'SIGKILL'));
  else process.kill(process.pid, 'SIGKILL');
}

const ownerName = () => {
  const { pid, started } = currentProcess();
  return `${pid}-${started ?? 'x'}-${randomBytes(4).toString('hex')}`;
};
function ownerOf(name: string): ProcessId | null {
  const m = /^(\d+)-(\d+|x)-[0-9a-f]+$/.exec(name);
  return m ? { pid: Number(m[1]), ...(m[2] !== 'x' ? { started: m[2] } : {}) } : null;
}

/**
 * Removes staging that no live process owns: `<layer>/_staging/<owner>/` of killed runs, and the `_tmp-dt=…` /
 * `_old-dt=…` folders the runner used to leave inside table folders. Returns what it removed (lake-relative).
 */
export async function removeStaleStaging(lake: string): Promise<string[]> {
  const removed: string[] = [];
  const drop = async (p: string) => {
    await rm(p, { recursive: true, force: true });
    removed.push(path.relative(lake, p));
  };
  for (const layer of LAYERS) {
    const root = path.join(lake, layer);
    const staging = path.join(root, STAGING_DIR);
    for (const name of await readdir(staging).catch(() => [] as string[])) {
      const owner = ownerOf(name);
      if (!owner || !processAlive(owner)) await drop(path.join(staging, name));
    }
    for (const table of await readdir(root, { withFileTypes: true }).catch(() => [])) {
      if (!table.isDirectory() || table.name === STAGING_DIR) continue;
      for (const name of await readdir(path.join(root, table.name)).catch(() => [] as string[])) {
        if (/^_(tmp|old)-dt=/.test(name)) await drop(path.join(root, table.name, name));
      }
    }
  }
  return removed;
}

/** This process's staging folder per layer (made on first use), and its removal. */
function staging(lake: string) {
  const owner = ownerName();
  const dirOf = (layer: string) => path.join(lake, layer, STAGING_DIR, owner);
  return {
    async file(layer: string, table: string, date: string): Promise<string> {
      const dir = path.join(dirOf(layer), table, `dt=${date}`);
      await mkdir(dir, { recursive: true });
      return path.join(dir, PART_FILE);
    },
    dir: dirOf,
    async remove(): Promise<void> {
      for (const layer of LAYERS) await rm(dirOf(layer), { recursive: true, force: true });
    },
  };
}

/** Puts the staged file in place of the partition's file in one rename; then drops anything else in the folder. */
async function swapPartition(dir: string, staged: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await rename(staged, path.join(dir, PART_FILE));
  faultPoint('swapped');
  for (const name of await readdir(dir)) if (name !== PART_FILE) await rm(path.join(dir, name), { recursive: true, force: true });
}

/** An emptied date loses its partition: the folder leaves the views' glob in one rename, then is deleted. */
async function dropPartition(dir: string, stagingDir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await mkdir(stagingDir, { recursive: true });
  const out = path.join(stagingDir, `dropped-${path.basename(path.dirname(dir))}-${path.basename(dir)}`);
  await rename(dir, out);
  faultPoint('dropped');
  await rm(out, { recursive: true, force: true });
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
    await removeStaleStaging(lake);
    const stage = staging(lake);
    try {
      for (const step of steps) {
        const spec = tableSpec(step.table);
        const base = path.join(lake, step.layer, spec.prefix);
        await mkdir(base, { recursive: true });
        const fileCols = stepOutputColumns(step.table).filter((c) => c.name !== 'dt').map((c) => q(c.name)).join(', ');
        let written = 0;
        for (const d of dates) {
          const where = `dt = DATE ${lit(d)}`;
          const n = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${q(step.table)} WHERE ${where}`)).getRows()[0]?.[0] ?? 0);
          const dir = path.join(base, `dt=${d}`);
          if (n === 0) {
            await dropPartition(dir, stage.dir(step.layer));
          } else {
            const staged = await stage.file(step.layer, step.table, d);
            const order = step.sortBy.map(q).join(', ');
            faultPoint('copying');
            await conn.run(`COPY (SELECT ${fileCols} FROM ${q(step.table)} WHERE ${where} ORDER BY ${order}) TO ${lit(staged)} (FORMAT parquet, COMPRESSION zstd)`);
            faultPoint('staged');
            await swapPartition(dir, staged);
          }
          written += n;
          options.onProgress?.({ stage: 'write', table: step.table, done: ++done, total });
        }
        rows[step.table] = written;
      }
    } finally {
      await stage.remove();
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
  const expected = stepOutputColumns(tableName).map((c) => `${c.name} ${duckdbType(c.type)}`);
  if (actual.join(', ') !== expected.join(', ')) {
    throw new Error(`${tableName}: result columns differ from lib/contract/tables.ts\n  got:      ${actual.join(', ')}\n  expected: ${expected.join(', ')}`);
  }
}

/** Rows in each step table's partitions of `dates`, as written (by either engine): the runs' summary counts. */
export async function countPartitionRows(lakeDir: string, dates: readonly string[], sqlDir?: string): Promise<Record<string, number>> {
  const lake = path.resolve(lakeDir);
  const steps = await loadSqlSteps(sqlDir);
  const db = await openDuckDb({ threads: 1 });
  const rows: Record<string, number> = {};
  try {
    for (const step of steps) {
      const spec = tableSpec(step.table);
      const files = dates
        .map((d) => path.join(lake, step.layer, spec.prefix, `dt=${d}`))
        .filter((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.parquet')))
        .map((d) => lit(path.join(d, '*.parquet')));
      rows[step.table] = files.length ? Number((await db.conn.runAndReadAll(`SELECT count(*) FROM read_parquet([${files.join(', ')}])`)).getRows()[0]?.[0] ?? 0) : 0;
    }
  } finally {
    db.close();
  }
  return rows;
}
