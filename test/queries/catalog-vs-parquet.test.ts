import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { CATALOG_TABLES } from '../../lib/catalog/tables';
import { openDuckDb } from '../../local/engine/duckdb';
import { openLocalQueryEngine } from '../../local/engine/query';
import * as fx from '../fixtures/silver/features-fixture';

const cli = (...args: string[]) => promisify(execFile)(process.execPath, ['local/cli/fleetlake.js', ...args], { timeout: 120_000 });

/**
 * The catalog must describe what the pipeline really writes: bronze NDJSON → `fleetlake run` (the pipeline
 * ASL: clean Lambda → silver parts and quarantine → glue-jobs/sql on DuckDB → silver/telemetry and gold).
 * Each catalog column must exist in that Parquet with a type Athena reads as the catalog type.
 */
const ATHENA_READS_AS: Record<string, string[]> = {
  string: ['VARCHAR'],
  bigint: ['BIGINT'],
  double: ['DOUBLE'],
  boolean: ['BOOLEAN'],
  date: ['DATE'],
  // Parquet INT64 TIMESTAMP (millis/micros, UTC-adjusted or not) is an Athena timestamp.
  timestamp: ['TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_MS'],
  'array<string>': ['VARCHAR[]'],
};

let lake: string;
beforeAll(async () => {
  lake = mkdtempSync(path.join(tmpdir(), 'fleetlake-catalog-'));
  const received = fx.at(`${fx.D2}T12:00:00Z`);
  const samples = [...fx.straightDrive(), ...fx.drainingBattery(), ...fx.dtcs()];
  const lines = samples.map((s) => JSON.stringify({ ...s, topic_vehicle_id: s.vehicle_id, received_at: received }));
  lines.push('{"not json', JSON.stringify({ vehicle_id: 'V9', ts: fx.at(`${fx.D1}T10:00:00Z`), ignition: true, battery_v: 99, topic_vehicle_id: 'V9', received_at: received }));
  const key = 'telemetry/year=2026/month=03/day=02/hour=12/fleetlake-telemetry-1-2026-03-02-12-00-00-test.gz';
  mkdirSync(path.dirname(path.join(lake, 'bronze', key)), { recursive: true });
  writeFileSync(path.join(lake, 'bronze', key), gzipSync(lines.join('\n') + '\n'));
  const { stdout } = await cli('run', '--lake', lake);
  expect(stdout).toMatch(/^quarantined\s+2$/m);
}, 150_000);
afterAll(() => rmSync(lake, { recursive: true, force: true }));

describe('catalog columns = the Parquet the pipeline writes', () => {
  it.each(CATALOG_TABLES.filter((t) => t.format === 'parquet').map((t) => t.name))('%s', async (name) => {
    const t = CATALOG_TABLES.find((x) => x.name === name)!;
    const dir = path.join(lake, t.bucket, t.prefix);
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.parquet'));
    expect(files.length).toBeGreaterThan(0);
    const db = await openDuckDb({ threads: 1 });
    try {
      for (const f of files) {
        expect(f).toMatch(/^dt=\d{4}-\d{2}-\d{2}\//);
        const described = (await db.conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path.join(dir, f)}', hive_partitioning = false)`)).getRowObjectsJS();
        const fileTypes = new Map(described.map((r) => [String(r.column_name), String(r.column_type)]));
        const mismatches = t.columns
          .filter((c) => !(ATHENA_READS_AS[c.type] ?? []).includes(fileTypes.get(c.name) ?? 'missing'))
          .map((c) => `${c.name}: catalog ${c.type}, Parquet ${fileTypes.get(c.name) ?? 'missing'}`);
        expect(mismatches).toEqual([]);
        // Everything written is visible to Athena (dt may repeat the partition value).
        const catalogNames = new Set([...t.columns.map((c) => c.name), 'dt']);
        expect([...fileTypes.keys()].filter((n) => !catalogNames.has(n))).toEqual([]);
      }
    } finally {
      db.close();
    }
  });
});

describe('the named queries on a lake made by `fleetlake run`', () => {
  it('return the pipeline numbers through the local views', async () => {
    const engine = await openLocalQueryEngine({ lake, threads: 2 });
    try {
      const sql = (n: string) => readFileSync(path.join('athena-queries', `${n}.sql`), 'utf8');
      const d = [`DATE '${fx.D1}'`, `DATE '${fx.D2}'`];
      // Through the CLI, as an analyst would run it.
      const { stdout } = await cli('query', '--lake', lake, '-f', 'athena-queries/active_dtcs.sql', '--param', d[0]!, '--param', d[1]!, '--format', 'json');
      const dtcs = JSON.parse(stdout) as Array<Record<string, unknown>>;
      expect(dtcs.map((r) => `${r.vehicle_id} ${r.code}`).sort()).toEqual(['V5 P0300', 'V5 P0420', 'V5 U0100']);
      const history = await engine.query(sql('vehicle_trip_history'), ["'V1'", ...d]);
      expect(history.rows).toHaveLength(1);
      expect(history.rows[0]?.start_geohash6).toBe(fx.geohash(fx.LAT0, fx.LON0));
      const drain = await engine.query(sql('vampire_drain_watchlist'), d);
      expect(drain.rows.map((r) => r.vehicle_id)).toEqual(['V4']);
      const dq = await engine.query(sql('data_quality_report'), [...d, ...d]);
      expect(dq.rows.filter((r) => r.reason !== 'none').reduce((n, r) => n + Number(r.quarantined), 0)).toBeGreaterThanOrEqual(2);
      for (const n of ['fleet_daily_summary', 'harsh_driving_leaderboard']) expect((await engine.query(sql(n), d)).rows.length).toBeGreaterThan(0);
      expect((await engine.query(sql('data_completeness'), [...d, '1.01'])).rows.length).toBeGreaterThan(0);
    } finally {
      engine.close();
    }
  });
});
