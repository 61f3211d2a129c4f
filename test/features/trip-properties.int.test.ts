import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SQL_DIR } from '../../lib/features/sql-steps';
import type { Cell } from '../../lib/query/port';
import { runDemo } from '../../local/demo/demo';
import { openDuckDb } from '../../local/engine/duckdb';
import { runFeatures } from '../../local/engine/features';
import { openLocalQueryEngine } from '../../local/engine/query';

/**
 * Properties of the trip figures and of completeness over a whole demo lake (`fleetlake demo`: simulated fleet over
 * MQTT, ingest, the pipeline): every trip is physically consistent, and a lossless fleet is complete.
 */

type Row = Record<string, Cell>;
/** Floating-point slack only: the SQL sums integer micrometres rounded down, so the bounds hold exactly. */
const EPS = 1e-12;

/** The trips that break a property, with the property; [] when all hold. */
function tripViolations(trips: readonly Row[]): string[] {
  const out: string[] = [];
  for (const t of trips) {
    const [avg, max, km, s, idle] = [t.avg_speed_kmh, t.max_speed_kmh, t.distance_km, t.duration_s, t.idle_s].map(Number) as [number, number, number, number, number];
    const id = String(t.trip_id);
    if (t.avg_speed_kmh !== null && !(avg <= max * (1 + EPS))) out.push(`${id}: avg ${avg} > max ${max} km/h`);
    if (!(km <= ((max * s) / 3600) * (1 + EPS))) out.push(`${id}: distance ${km} km > max speed x duration ${(max * s) / 3600} km`);
    if (!(idle <= s)) out.push(`${id}: idle ${idle} s > duration ${s} s`);
  }
  return out;
}

async function readRows(lake: string, sql: string): Promise<Row[]> {
  const engine = await openLocalQueryEngine({ lake });
  try {
    return (await engine.query(sql)).rows;
  } finally {
    await engine.close();
  }
}

const eventDates = async (lake: string) => (await readdir(path.join(lake, 'silver', 'telemetry_parts'))).map((d) => d.slice(3)).sort();

describe('trip figures and completeness over a demo lake', () => {
  let root: string;
  let demo: string;
  let trips: Row[];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'fleetlake-trip-props-'));
    demo = path.join(root, 'demo');
    await runDemo({ lake: demo, vehicles: 6, hours: 12, out: () => {} });
    trips = await readRows(demo, 'SELECT * FROM trips ORDER BY trip_id');
  }, 120_000);
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('every trip: average <= max speed, distance <= max speed x duration, idle <= duration', () => {
    expect(trips.length).toBeGreaterThan(10);
    expect(tripViolations(trips)).toEqual([]);
  });

  it('the check fails on a bad row (the V0006 trip of issue 19: 59.9 km/h on average, 50 at most)', () => {
    const good = trips[0]!;
    const bad = { ...good, trip_id: 'bad', duration_s: 273.1, distance_km: 4.544, avg_speed_kmh: 59.9, max_speed_kmh: 50, idle_s: 300 };
    expect(tripViolations([good, bad])).toEqual([
      'bad: avg 59.9 > max 50 km/h',
      `bad: distance 4.544 km > max speed x duration ${(50 * 273.1) / 3600} km`,
      'bad: idle 300 s > duration 273.1 s',
    ]);
  });

  it('the check fails on the same lake built with the trips SQL before the fix (chords between all fixes, uncapped)', async () => {
    const sqlDir = path.join(root, 'sql-before');
    await cp(SQL_DIR, sqlDir, { recursive: true });
    const file = path.join(sqlDir, '02_trips.sql');
    const sql = await readFile(file, 'utf8');
    const [thinned, capped] = ['where prev_fix_bucket is null or fix_bucket <> prev_fix_bucket or next_fix_ms is null', 'least(cast(round(segment_km * 1e9) as bigint), segment_reach_um)'];
    expect(sql).toContain(thinned);
    expect(sql).toContain(capped);
    await writeFile(file, sql.replace(thinned, 'where true').replace(capped, 'cast(round(segment_km * 1e9) as bigint)'));
    const before = path.join(root, 'before');
    await cp(demo, before, { recursive: true });
    await runFeatures({ lake: before, dates: await eventDates(before), sqlDir });
    const violations = tripViolations(await readRows(before, 'SELECT * FROM trips ORDER BY trip_id'));
    expect(violations.filter((v) => v.includes(' avg ')).length).toBeGreaterThan(0);
  }, 60_000);

  it('a lossless simulated fleet is complete: every vehicle-day receives what the sampling policy sends', async () => {
    const daily = await readRows(demo, 'SELECT vehicle_id, dt, samples_received, samples_expected, completeness FROM vehicle_daily ORDER BY vehicle_id, dt');
    expect(daily.length).toBeGreaterThanOrEqual(6);
    expect(daily.filter((r) => r.samples_received !== r.samples_expected || r.completeness !== 1)).toEqual([]);
  });

  it('a silence the policy does not explain counts as missing: samples cut from a parked stretch stay expected', async () => {
    // the longest run of one vehicle's consecutive ignition-off samples on one day, all above the 11.5 V cut-off
    const [stretch] = await readRows(demo, `
      WITH s AS (
        SELECT vehicle_id, ts, dt, ignition, battery_v,
               sum(CASE WHEN ignition THEN 1 ELSE 0 END) OVER (PARTITION BY vehicle_id ORDER BY ts) AS run
        FROM telemetry
      )
      SELECT vehicle_id, dt, run, count(*) AS n, min(ts) AS first_ts, max(ts) AS last_ts
      FROM s WHERE NOT ignition
      GROUP BY vehicle_id, dt, run HAVING min(battery_v) >= 11.5
      ORDER BY n DESC, vehicle_id, dt LIMIT 1`);
    const { vehicle_id: vehicle, dt, first_ts: first, last_ts: last } = stretch as { vehicle_id: string; dt: string; first_ts: string; last_ts: string };
    const removed = Number(stretch!.n) - 2;
    const literal = (iso: string) => `TIMESTAMP '${iso.replace('T', ' ').replace('Z', '')}'`;
    expect(removed).toBeGreaterThan(60); // more than an hour of silence

    const cut = path.join(root, 'cut');
    await cp(demo, cut, { recursive: true });
    const dir = path.join(cut, 'silver', 'telemetry_parts', `dt=${dt}`);
    const db = await openDuckDb({ threads: 1 });
    try {
      for (const f of (await readdir(dir)).filter((x) => x.endsWith('.parquet'))) {
        const file = path.join(dir, f);
        await db.conn.run(`COPY (SELECT * FROM read_parquet('${file}') WHERE NOT (vehicle_id = '${vehicle}' AND ts > ${literal(first)} AND ts < ${literal(last)})) TO '${file}.tmp' (FORMAT parquet)`);
        await rename(`${file}.tmp`, file);
      }
    } finally {
      db.close();
    }
    await runFeatures({ lake: cut, dates: await eventDates(cut) });

    const sql = 'SELECT vehicle_id, dt, samples_received, samples_expected FROM vehicle_daily ORDER BY vehicle_id, dt';
    const [was, now] = [await readRows(demo, sql), await readRows(cut, sql)];
    const key = (r: Row) => `${String(r.vehicle_id)} ${String(r.dt)}`;
    const hit = `${vehicle} ${dt}`;
    expect(now.filter((r) => key(r) !== hit)).toEqual(was.filter((r) => key(r) !== hit));
    const [a, b] = [was.find((r) => key(r) === hit)!, now.find((r) => key(r) === hit)!];
    expect(b.samples_expected).toBe(a.samples_expected);
    expect(b.samples_received).toBe(Number(a.samples_received) - removed);
    // and the trips did not change
    expect(await readRows(cut, 'SELECT * FROM trips ORDER BY trip_id')).toEqual(trips);
  }, 60_000);
});
