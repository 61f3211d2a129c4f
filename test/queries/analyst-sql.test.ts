import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DT_PARTITIONED } from '../../lib/catalog/tables';
import { useFixtureEngine } from '../fixtures/query/fixture-lake';
import { trinoSyntaxErrors, unprunedTableRefs } from './sql-checks';

/**
 * Analyst SQL written only from the documented contract (docs/schema.md, docs/querying.md) must run
 * locally without edits: the SQL examples of docs/querying.md, plus queries written here from the
 * column names and grains in docs/schema.md.
 */
const docExamples = [...readFileSync('docs/querying.md', 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim());
const schemaDoc = readFileSync('docs/schema.md', 'utf8');

const written: Array<[string, string]> = [
  [
    'longest trip per vehicle on a day (gold.trips)',
    `SELECT vehicle_id, max(distance_km) AS longest_km, max_by(trip_id, distance_km) AS trip_id
     FROM trips WHERE dt = DATE '2026-03-01' GROUP BY vehicle_id ORDER BY vehicle_id`,
  ],
  [
    'days with low battery (gold.vehicle_daily, gold.battery_events)',
    `SELECT d.vehicle_id, d.dt, d.min_battery_v, count(e.start_ts) AS events, max(e.drain_v_per_h) AS max_drain_v_per_h
     FROM vehicle_daily AS d
     LEFT JOIN battery_events AS e ON e.vehicle_id = d.vehicle_id AND e.dt = d.dt AND e.dt BETWEEN DATE '2026-03-01' AND DATE '2026-03-03'
     WHERE d.dt BETWEEN DATE '2026-03-01' AND DATE '2026-03-03' AND d.min_battery_v < 12.0
     GROUP BY d.vehicle_id, d.dt, d.min_battery_v`,
  ],
  [
    'samples with a trouble code (silver.telemetry dtc array)',
    `SELECT vehicle_id, ts, cardinality(dtc) AS codes, speed_kmh
     FROM telemetry WHERE dt = DATE '2026-03-01' AND cardinality(dtc) > 0`,
  ],
  [
    'minutes between a code first and last seen (gold.dtc_events)',
    `SELECT vehicle_id, code, date_diff('minute', first_seen_ts, last_seen_ts) AS minutes, to_unixtime(first_seen_ts) AS first_unix
     FROM dtc_events WHERE dt IN (DATE '2026-03-01', DATE '2026-03-02') ORDER BY dt`,
  ],
];

const { engine } = useFixtureEngine();

describe('analyst SQL from the docs runs locally without edits', () => {
  it('docs/querying.md has SQL examples, and docs/schema.md documents the columns used here', () => {
    expect(docExamples.length).toBeGreaterThanOrEqual(4);
    for (const col of ['max_by', 'distance_km', 'trip_id', 'min_battery_v', 'drain_v_per_h', 'dtc', 'first_seen_ts', 'last_seen_ts']) {
      if (col !== 'max_by') expect(schemaDoc).toContain(col);
    }
  });

  it.each(docExamples.map((sql, i) => [i + 1, sql]))('docs/querying.md example %i: Trino-valid, pruned, runs', async (_i, sql) => {
    expect(trinoSyntaxErrors(sql as string)).toEqual([]);
    expect(unprunedTableRefs(sql as string, DT_PARTITIONED)).toEqual([]);
    const r = await engine().query(sql as string);
    expect(r.rows.length).toBeGreaterThan(0);
  });

  it.each(written)('%s', async (_name, sql) => {
    expect(trinoSyntaxErrors(sql)).toEqual([]);
    expect(unprunedTableRefs(sql, DT_PARTITIONED)).toEqual([]);
    expect((await engine().query(sql)).rows.length).toBeGreaterThan(0);
  });

  it('known answers for two of them', async () => {
    const longest = await engine().query(written[0]![1]);
    expect(longest.rows).toEqual([
      { vehicle_id: 'V1', longest_km: 60, trip_id: 'V1-1772352000000' },
      { vehicle_id: 'V2', longest_km: 20, trip_id: 'V2-1772355600000' },
    ]);
    const dtc = await engine().query(written[3]![1]);
    expect(dtc.rows).toEqual([
      { vehicle_id: 'V1', code: 'P0420', minutes: 60, first_unix: 1772352000 },
      { vehicle_id: 'V1', code: 'P0420', minutes: 30, first_unix: 1772434800 },
    ]);
  });
});
