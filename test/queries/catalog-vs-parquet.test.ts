import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CATALOG_TABLES } from '../../lib/catalog/tables';
import { cleanObjects } from '../../lib/clean';
import { FsObjectStore } from '../../lib/store/fs-store';
import { openDuckDb } from '../../local/engine/duckdb';
import { runFeatures } from '../../local/engine/features';
import { openLocalQueryEngine } from '../../local/engine/query';
import * as fx from '../fixtures/silver/features-fixture';

/**
 * The catalog must describe what the pipeline really writes: bronze NDJSON → the clean domain (lib/clean)
 * → silver parts and quarantine → runFeatures (glue-jobs/sql on DuckDB) → silver/telemetry and gold.
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
  const clean = await cleanObjects([key], {
    bronze: new FsObjectStore(path.join(lake, 'bronze')),
    silver: new FsObjectStore(path.join(lake, 'silver')),
    settings: { maxLatenessDays: 30 },
  });
  expect(clean.totals.quarantined).toBeGreaterThanOrEqual(2);
  await runFeatures({ lake, dates: clean.dates });
});
afterAll(() => rmSync(lake, { recursive: true, force: true }));

describe('catalog columns = the Parquet the pipeline writes', () => {
  it.each(CATALOG_TABLES.filter((t) => t.format === 'parquet' && !t.subsetOf).map((t) => t.name))('%s', async (name) => {
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

describe('the named queries on the pipeline-built lake', () => {
  it('return the pipeline numbers through the local views', async () => {
    const engine = await openLocalQueryEngine({ lake, threads: 2 });
    try {
      const sql = (n: string) => readFileSync(path.join('athena-queries', `${n}.sql`), 'utf8');
      const d = [`DATE '${fx.D1}'`, `DATE '${fx.D2}'`];
      const dtcs = await engine.query(sql('active_dtcs'), d);
      expect(dtcs.rows.map((r) => `${r.vehicle_id} ${r.code}`).sort()).toEqual(['V5 P0300', 'V5 P0420', 'V5 U0100']);
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
