import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { CATALOG_TABLES } from '../../lib/catalog/tables';
import { BasicAuth, Trino } from 'trino-client';
import { athenaNames } from '../../lib/query/athena';
import { integerCell, QueryError, type Cell, type QueryEngine, type QueryResult } from '../../lib/query/port';
import path from 'node:path';
import { splitTopLevel } from '../../lib/catalog/hive-type';
import { ENGINES_DIR } from '../engines/paths';
import { catalogDdl, quote } from './trino-catalog';

/**
 * The local Athena twin of the query port: SQL runs unchanged on a real Trino (the engine behind Athena engine v3)
 * through its Hive connector, over the lake's files, with the tables of the Glue catalog (lib/catalog). Each lake gets
 * two catalogs on the server: `<name>_ddl` (creates the external tables) and `<name>` (what queries use; the Hive
 * connector's read-only security, so analyst SQL can read the tables and write nothing). The schema is named like the
 * Glue database of the local stage, `fleetlake_local`; the session time zone is UTC, as in Athena.
 */
export interface TrinoQueryEngine extends QueryEngine {
  catalog: string;
  schema: string;
}

export const TRINO_SCHEMA = athenaNames('local').database;

/** The catalog of a lake: stable per absolute path, so a kept server serves each lake from its own catalog. */
export const lakeCatalog = (lake: string): string => `lake_${createHash('sha256').update(lake).digest('hex').slice(0, 12)}`;

const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** The file metastore of a lake's catalogs: outside the lake, so querying never writes into it. */
const metastoreDir = (catalog: string): string => path.join(ENGINES_DIR, 'trino-run', 'metastore', catalog);

function hiveCatalogSql(name: string, metastore: string, readOnly: boolean): string {
  const props: Record<string, string> = {
    'hive.metastore': 'file',
    'hive.metastore.catalog.dir': `local://${metastore}`,
    'fs.native-local.enabled': 'true',
    'local.location': '/',
    // Athena answers an empty result for a projected partition that has no folder; Trino's default is to fail.
    'hive.ignore-absent-partitions': 'true',
    'hive.security': readOnly ? 'read-only' : 'allow-all',
  };
  return `CREATE CATALOG ${quote(name)} USING hive WITH (${Object.entries(props)
    .map(([k, v]) => `${quote(k)} = ${lit(v)}`)
    .join(', ')})`;
}

type Client = ReturnType<typeof Trino.create>;

async function run(client: Client, sql: string): Promise<{ columns: Array<{ name: string; type: string }>; data: unknown[][] }> {
  const it = await client.query(sql);
  const data: unknown[][] = [];
  let columns: Array<{ name: string; type: string }> | undefined;
  for await (const r of it) {
    if (r.error) throw new QueryError(oneLine(r.error));
    columns ??= r.columns;
    if (r.data) data.push(...(r.data as unknown[][]));
  }
  return { columns: columns ?? [], data };
}

function oneLine(e: { message: string; errorName?: string }): string {
  const msg = e.message.split('\n')[0] ?? e.message;
  return e.errorName ? `${e.errorName}: ${msg}` : msg;
}

/** A Trino JSON value → the port's cell (timestamps ISO UTC with Z, dates YYYY-MM-DD, integers as numbers when safe). */
export function trinoCell(v: unknown, type: string): Cell {
  if (v === null || v === undefined) return null;
  const t = type.trim().toLowerCase();
  const base = (/^[a-z]+/.exec(t) ?? [''])[0];
  if (base === 'array') {
    const inner = /^array\((.*)\)$/s.exec(t)?.[1] ?? 'varchar';
    return (v as unknown[]).map((x) => trinoCell(x, inner));
  }
  if (base === 'row') {
    const fields = splitTopLevel(/^row\((.*)\)$/s.exec(type.trim())?.[1] ?? '').map((f) => {
      const m = /^\s*("(?:[^"]|"")*"|\S+)\s+(.+)$/s.exec(f);
      return { name: (m?.[1] ?? '').replace(/^"|"$/g, '').replaceAll('""', '"'), type: m?.[2] ?? 'varchar' };
    });
    return Object.fromEntries(fields.map((f, i) => [f.name, trinoCell((v as unknown[])[i], f.type)]));
  }
  if (['tinyint', 'smallint', 'integer', 'bigint'].includes(base)) return integerCell(v as number | string);
  if (['double', 'real'].includes(base)) return typeof v === 'string' ? Number(v) : (v as number);
  if (base === 'decimal') return Number(v);
  if (base.startsWith('timestamp')) {
    // `2026-03-01 08:00:00.000`, or with a zone: ` UTC`, ` Z`, ` +01:00` (the session zone is UTC)
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?(?: (UTC|Z|[+-]\d{2}:\d{2}))?$/.exec(String(v));
    if (m) return new Date(`${m[1]}T${m[2]}${(m[3] ?? '').slice(0, 4)}${m[4] && m[4] !== 'UTC' ? m[4] : 'Z'}`).toISOString();
  }
  return v as Cell;
}

/** Opens the query engine for `lake` on a running Trino server at `url`; (re)creates the lake's catalog tables. */
export async function openTrinoQueryEngine(options: { lake: string; url: string }): Promise<TrinoQueryEngine> {
  const lake = realpathSync(options.lake);
  const catalog = lakeCatalog(lake);
  const schema = TRINO_SCHEMA;
  const connect = (cat: string) =>
    Trino.create({ server: options.url, catalog: cat, schema, auth: new BasicAuth('fleetlake'), source: 'fleetlake', extraHeaders: { 'X-Trino-Time-Zone': 'UTC' } });
  const admin = connect(`${catalog}_ddl`);
  const present = new Set((await run(admin, 'SHOW CATALOGS')).data.map((r) => String(r[0])));
  for (const [name, readOnly] of [[`${catalog}_ddl`, false], [catalog, true]] as const) {
    if (!present.has(name)) await run(admin, hiveCatalogSql(name, metastoreDir(catalog), readOnly));
  }
  await run(admin, `CREATE SCHEMA IF NOT EXISTS ${quote(`${catalog}_ddl`)}.${quote(schema)}`);
  // External tables: dropping one removes its metastore entry, never the lake's files. Trino wants each table's
  // folder to exist (an S3 prefix always does), so a table the lake has no data for yet gets an empty one. The
  // metastore outlives the server: when it already holds exactly this DDL, nothing is re-created.
  const ddl = catalogDdl(lake, schema);
  const fingerprint = path.join(metastoreDir(catalog), '.fleetlake-ddl.sha256');
  const want = createHash('sha256').update(JSON.stringify(ddl)).digest('hex');
  if (!existsSync(fingerprint) || readFileSync(fingerprint, 'utf8').trim() !== want) {
    for (const t of CATALOG_TABLES) mkdirSync(path.join(lake, t.bucket, t.prefix), { recursive: true });
    for (const { table, sql } of ddl) {
      await run(admin, `DROP TABLE IF EXISTS ${quote(`${catalog}_ddl`)}.${quote(schema)}.${quote(table)}`);
      await run(admin, sql.replace(`CREATE TABLE ${quote(schema)}.`, `CREATE TABLE ${quote(`${catalog}_ddl`)}.${quote(schema)}.`));
    }
    writeFileSync(fingerprint, `${want}\n`);
  }
  const client = connect(catalog);
  return {
    catalog,
    schema,
    async query(sql: string, params: readonly string[] = []): Promise<QueryResult> {
      // Athena's execution parameters are SQL literals bound to `?` in order; Trino's EXECUTE IMMEDIATE … USING takes them.
      const text = sql.trim().replace(/;\s*$/, '');
      const statement = params.length ? `EXECUTE IMMEDIATE ${lit(text)} USING ${params.join(', ')}` : text;
      const r = await run(client, statement);
      return {
        columns: r.columns.map((c) => ({ name: c.name, type: c.type })),
        rows: r.data.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, trinoCell(row[i], c.type)]))),
      };
    },
    close() {},
  };
}
