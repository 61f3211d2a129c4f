import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  SQLNULL,
  StatementType,
  TIMESTAMP,
  VARCHAR,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CATALOG_TABLES, type CatalogTable } from '../../lib/catalog/tables';
import { parseLiteral } from '../../lib/query/literals';
import { integerCell, QueryError, type Cell, type QueryEngine, type QueryResult } from '../../lib/query/port';
import { openDuckDb, type LocalDb } from './duckdb';
import { renderHiveType, type TypeSpelling } from '../../lib/catalog/hive-type';

/**
 * The local query engine: DuckDB with one view per catalog table (same names and columns as the Glue
 * catalog) over the lake's Parquet, hive-partitioned by dt, plus the Trino compatibility macros
 * (trino-compat.sql). The same SQL files run here and on Athena.
 *
 * Read-only and sandboxed (`fleetlake query`): each view reads committed partitions only (`<table>/dt=*` folders,
 * so the features runner's staging is never seen); after the views are made, DuckDB may touch no file outside the
 * table folders (enable_external_access = false, allowed_directories) and the settings are locked; and only
 * SELECT / EXPLAIN statements run (COPY, ATTACH, INSTALL, LOAD, CREATE, SET, PRAGMA … are refused).
 */
const TRINO_COMPAT_SQL = readFileSync(path.join(import.meta.dirname, 'trino-compat.sql'), 'utf8');

/** DuckDB's spelling of the Glue/Hive types (one parser: lib/catalog/hive-type.ts). */
const DUCKDB_TYPES: TypeSpelling = {
  scalars: { string: 'VARCHAR', timestamp: 'TIMESTAMP', double: 'DOUBLE', bigint: 'BIGINT', boolean: 'BOOLEAN', date: 'DATE', int: 'INTEGER' },
  array: (inner) => `${inner}[]`,
  struct: (fields) => `STRUCT(${fields.map((f) => `"${f.name}" ${f.type}`).join(', ')})`,
};

/** Glue/Hive type → DuckDB type (handles array<...> and struct<...>). */
export function duckdbTypeOf(hive: string): string {
  return renderHiveType(hive, DUCKDB_TYPES);
}

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** `dt=*` (or `year=*`, `month=*`, …): the partition folders of a table, as its view's glob names them. */
const partitionGlob = (t: CatalogTable) => t.partitionKeys.map((k) => `${k.name}=*`);
const tableDir = (lake: string, t: CatalogTable) => path.join(lake, t.bucket, t.prefix);

/** True when a committed partition of the table holds a data file (staging and temp names do not count). */
function hasFiles(dir: string, levels: readonly string[], suffix: string): boolean {
  const entries = (d: string) => {
    try {
      return readdirSync(d, { withFileTypes: true });
    } catch {
      return [];
    }
  };
  const walk = (d: string, depth: number): boolean =>
    depth === levels.length
      ? entries(d).some((e) => e.isFile() && e.name.endsWith(suffix))
      : entries(d).some((e) => e.isDirectory() && e.name.startsWith(levels[depth]!.slice(0, -1)) && walk(path.join(d, e.name), depth + 1));
  return walk(dir, 0);
}

async function describeColumns(db: LocalDb, source: string): Promise<Set<string>> {
  const r = await db.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  return new Set(r.getRowObjectsJS().map((row) => String(row.column_name)));
}

/** The SQL of the local view for one catalog table. Columns absent from the files read as NULL, as in Athena. */
async function viewSql(db: LocalDb, lake: string, t: CatalogTable): Promise<string> {
  const all = [...t.columns, ...t.partitionKeys];
  const typed = (have: Set<string>) =>
    all.map((c) => `${have.has(c.name) ? `CAST(${q(c.name)} AS ${duckdbTypeOf(c.type)})` : `CAST(NULL AS ${duckdbTypeOf(c.type)})`} AS ${q(c.name)}`).join(', ');
  const dir = tableDir(lake, t);
  const suffix = t.format === 'parquet' ? '.parquet' : '.gz';
  if (!hasFiles(dir, partitionGlob(t), suffix)) return `SELECT ${typed(new Set())} WHERE false`;
  const glob = lit(path.join(dir, ...partitionGlob(t), `*${suffix}`));
  let source: string;
  if (t.format === 'parquet') {
    source = `read_parquet(${glob}, hive_partitioning = true, hive_types = {'dt': 'DATE'}, union_by_name = true)`;
  } else {
    const cols = t.columns.map((c) => `${lit(c.name)}: ${lit(duckdbTypeOf(c.type))}`).join(', ');
    source = `read_ndjson(${glob}, columns = {${cols}}, hive_partitioning = true, ignore_errors = true, compression = 'gzip')`;
  }
  return `SELECT ${typed(await describeColumns(db, source))} FROM ${source}`;
}

/** Rewrites date_parse(x, '<literal>') to strptime(x, '<DuckDB format>'): strptime needs a constant format. */
async function rewriteDateParse(db: LocalDb, sql: string): Promise<string> {
  const re = /\bdate_parse\s*\(/gi;
  let out = '';
  let last = 0;
  for (let m = re.exec(sql); m; m = re.exec(sql)) {
    if (insideStringOrComment(sql, m.index)) continue;
    const args = splitCallArgs(sql, m.index + m[0].length);
    if (!args || args.parts.length !== 2) continue;
    const fmt = (args.parts[1] as string).trim();
    if (!/^'(?:[^']|'')*'$/.test(fmt)) continue;
    const r = await db.conn.runAndReadAll(`SELECT trino_mysql_format(${fmt}) AS f`);
    out += `${sql.slice(last, m.index)}strptime(${args.parts[0]}, ${lit(String(r.getRowObjectsJS()[0]?.f))})`;
    last = args.end;
    re.lastIndex = args.end;
  }
  return out + sql.slice(last);
}

function insideStringOrComment(sql: string, pos: number): boolean {
  let inStr = false;
  for (let i = 0; i < pos; i++) {
    const c = sql[i];
    if (inStr) {
      if (c === "'") inStr = false;
    } else if (c === "'") inStr = true;
    else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      if (nl < 0 || nl > pos) return true;
      i = nl;
    }
  }
  return inStr;
}

/** Splits the arguments of a call whose '(' ends just before `start`; returns them and the index after ')'. */
function splitCallArgs(sql: string, start: number): { parts: string[]; end: number } | undefined {
  const parts: string[] = [];
  let depth = 0;
  let from = start;
  for (let i = start; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'") {
      i = sql.indexOf("'", i + 1);
      while (i >= 0 && sql[i + 1] === "'") i = sql.indexOf("'", i + 2);
      if (i < 0) return undefined;
    } else if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) {
        parts.push(sql.slice(from, i));
        return { parts, end: i + 1 };
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      parts.push(sql.slice(from, i));
      from = i + 1;
    }
  }
  return undefined;
}

function bindValue(text: string): { value: DuckDBValue; type: DuckDBType } {
  const l = parseLiteral(text);
  switch (l.type) {
    case 'bigint':
      return { value: l.value, type: BIGINT };
    case 'double':
      return { value: l.value, type: DOUBLE };
    case 'boolean':
      return { value: l.value, type: BOOLEAN };
    case 'null':
      return { value: null, type: SQLNULL };
    case 'varchar':
      return { value: l.value, type: VARCHAR };
    case 'date': {
      const [y, m, d] = l.value.split('-').map(Number) as [number, number, number];
      return { value: DuckDBDateValue.fromParts({ year: y, month: m, day: d }), type: DATE };
    }
    case 'timestamp': {
      const ms = Date.parse(`${l.value.replace(' ', 'T')}Z`);
      return { value: new DuckDBTimestampValue(BigInt(ms) * 1000n), type: TIMESTAMP };
    }
  }
}

/** DuckDB value → JSON-ready cell (timestamps ISO UTC, dates YYYY-MM-DD, integers as numbers when safe). */
export function toCell(v: DuckDBValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return integerCell(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return new Date(Number(v.micros / 1000n)).toISOString();
  if (v instanceof DuckDBDateValue) return v.toString();
  if (v instanceof DuckDBDecimalValue) return v.toDouble();
  if (v instanceof DuckDBListValue) return v.items.map(toCell);
  if (v instanceof DuckDBStructValue) return Object.fromEntries(Object.entries(v.entries).map(([k, x]) => [k, toCell(x)]));
  return String(v);
}

/** DuckDB's multi-line errors → one line ("Binder Error: ... Did you mean ...?"). */
export function oneLine(message: string): string {
  const lines = message.split('\n').map((s) => s.trim()).filter(Boolean);
  const head = lines[0] ?? message;
  const hint = lines.find((s) => /^(Did you mean|Candidate)/i.test(s));
  return hint ? `${head} ${hint}` : head;
}

export interface LocalQueryEngine extends QueryEngine {
  db: LocalDb;
  /** Catalog table → the SQL of its view (for docs and tests). */
  views: Map<string, string>;
}

/** Statement kinds a read-only session runs; everything else (COPY, ATTACH, INSTALL, LOAD, CREATE, SET…) is refused. */
const READ_ONLY = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

/** After the views exist: no file outside the table folders, no settings changes (DuckDB keeps its own temp dir). */
async function lockDown(db: LocalDb, lake: string): Promise<void> {
  const dirs = [...new Set(CATALOG_TABLES.map((t) => `${tableDir(lake, t)}${path.sep}`))];
  await db.conn.run(`SET allowed_directories = [${dirs.map(lit).join(', ')}]`);
  await db.conn.run('SET enable_external_access = false');
  await db.conn.run('SET lock_configuration = true');
}

/** DuckDB's errors for the sandbox, reworded: which rule the statement broke, in one line. */
function sandboxMessage(message: string, lake: string): string | null {
  const file = /Cannot access (?:file|directory) "([^"]*)"/.exec(message)?.[1];
  if (file !== undefined) return `fleetlake query reads only the lake's tables (under ${lake}); ${JSON.stringify(file)} is outside them`;
  if (/external extensions is disabled|configuration has been locked/.test(message)) return `fleetlake query is read-only: ${oneLine(message)}`;
  return null;
}

/** A file listed by a view's glob that a concurrent run swapped or dropped before DuckDB opened it. */
const VANISHED = /No such file or directory|No files found that match the pattern/i;
const QUERY_ATTEMPTS = 3;

export async function openLocalQueryEngine(options: { lake: string; threads?: number }): Promise<LocalQueryEngine> {
  const db = await openDuckDb(options.threads ? { threads: options.threads } : {});
  const views = new Map<string, string>();
  try {
    await db.conn.run(TRINO_COMPAT_SQL);
    for (const t of CATALOG_TABLES) {
      const sql = await viewSql(db, options.lake, t);
      await db.conn.run(`CREATE OR REPLACE VIEW ${q(t.name)} AS ${sql}`);
      views.set(t.name, sql);
    }
    await lockDown(db, path.resolve(options.lake));
  } catch (err) {
    db.close();
    throw new Error(`opening the local query engine on ${options.lake}: ${oneLine((err as Error).message)}`, { cause: err });
  }
  const run = async (sql: string, bound: ReturnType<typeof bindValue>[]) => {
    const prepared = await db.conn.prepare(await rewriteDateParse(db, sql));
    if (!READ_ONLY.has(prepared.statementType)) {
      throw new QueryError(`fleetlake query is read-only: ${StatementType[prepared.statementType]} statements are not allowed (SELECT, WITH … SELECT and EXPLAIN are)`);
    }
    if (prepared.parameterCount !== bound.length) {
      throw new QueryError(`the query has ${prepared.parameterCount} ? parameter(s) but ${bound.length} --param value(s) were given`);
    }
    if (bound.length) prepared.bind(bound.map((b) => b.value), bound.map((b) => b.type));
    return prepared.runAndReadAll();
  };
  return {
    db,
    views,
    async query(sql: string, params: readonly string[] = []): Promise<QueryResult> {
      const bound = params.map(bindValue);
      let reader;
      for (let attempt = 1; !reader; attempt++) {
        try {
          reader = await run(sql, bound);
        } catch (err) {
          if (err instanceof QueryError) throw err;
          const message = (err as Error).message;
          // A run replaced or dropped a partition between the glob and the open: the next attempt lists again.
          if (VANISHED.test(message) && attempt < QUERY_ATTEMPTS) continue;
          throw new QueryError(sandboxMessage(message, path.resolve(options.lake)) ?? oneLine(message), { cause: err });
        }
      }
      const names = reader.columnNames();
      const types = reader.columnTypes().map(String);
      const rows = reader.getRows().map((row) => Object.fromEntries(row.map((v, i) => [names[i] as string, toCell(v)])));
      return { columns: names.map((name, i) => ({ name, type: types[i] as string })), rows };
    },
    close() {
      db.close();
    },
  };
}
