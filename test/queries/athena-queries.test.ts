import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DT_PARTITIONED } from '../../lib/catalog/tables';
import { useFixtureEngine } from '../fixtures/query/fixture-lake';
import { trinoSyntaxErrors, unprunedTableRefs } from './sql-checks';

const DIR = path.resolve('athena-queries');
const files = readdirSync(DIR).filter((f) => f.endsWith('.sql')).sort();
const sqlOf = (name: string) => readFileSync(path.join(DIR, `${name}.sql`), 'utf8');
const RANGE = ["DATE '2026-03-01'", "DATE '2026-03-02'"];

describe('athena-queries/*.sql under the Trino grammar (dt-sql-parser TrinoSQL)', () => {
  it('has at least the seven issue queries', () => {
    expect(files).toEqual(expect.arrayContaining(['fleet_daily_summary.sql', 'harsh_driving_leaderboard.sql', 'vampire_drain_watchlist.sql',
      'active_dtcs.sql', 'vehicle_trip_history.sql', 'data_quality_report.sql', 'data_completeness.sql']));
  });
  it.each(files)('%s parses with zero errors', (f) => {
    expect(trinoSyntaxErrors(readFileSync(path.join(DIR, f), 'utf8'))).toEqual([]);
  });
  it.each(files)('%s constrains dt on every partitioned table it reads', (f) => {
    expect(unprunedTableRefs(readFileSync(path.join(DIR, f), 'utf8'), DT_PARTITIONED)).toEqual([]);
  });
  it('the checks can fail: syntax errors and unpruned reads are reported', () => {
    expect(trinoSyntaxErrors('SELEC 1')).toHaveLength(1);
    expect(unprunedTableRefs('SELECT * FROM trips', DT_PARTITIONED)).toEqual(['trips']);
    expect(unprunedTableRefs("SELECT * FROM trips WHERE dt = DATE '2026-03-01' OR vehicle_id = 'V1'", DT_PARTITIONED)).toEqual(['trips']);
    expect(unprunedTableRefs('SELECT * FROM trips WHERE dt = (SELECT max(dt) FROM trips WHERE dt > ?)', DT_PARTITIONED)).toEqual(['trips']);
    expect(unprunedTableRefs('SELECT * FROM trips t JOIN vehicle_daily v ON v.vehicle_id = t.vehicle_id WHERE t.dt = ?', DT_PARTITIONED)).toEqual(['vehicle_daily AS v']);
    expect(unprunedTableRefs("WITH x AS (SELECT * FROM quarantine WHERE dt >= ? AND reason <> 'conflict') SELECT * FROM x", DT_PARTITIONED)).toEqual([]);
  });
});

describe('athena-queries/*.sql on the local engine, fixture lake (known answers)', () => {
  const { engine, lake } = useFixtureEngine();
  const run = async (name: string, params: string[]) => (await engine().query(sqlOf(name), params)).rows;

  it('fleet_daily_summary', async () => {
    expect(await run('fleet_daily_summary', RANGE)).toEqual([
      { dt: '2026-03-01', vehicles: 2, trips: 3, distance_km: 120, drive_h: 2.5, idle_h: 0.2, harsh_events: 5, harsh_per_100km: 4.167 },
      { dt: '2026-03-02', vehicles: 2, trips: 1, distance_km: 50, drive_h: 1, idle_h: 0.083, harsh_events: 0, harsh_per_100km: 0 },
    ]);
  });

  it('harsh_driving_leaderboard: V2 (2 events in 20 km) above V1 (3 in 150 km); V3 is outside the range', async () => {
    expect(await run('harsh_driving_leaderboard', RANGE)).toEqual([
      { leaderboard_rank: 1, vehicle_id: 'V2', distance_km: 20, harsh_brakes: 1, harsh_accels: 1, harsh_per_100km: 10 },
      { leaderboard_rank: 2, vehicle_id: 'V1', distance_km: 150, harsh_brakes: 2, harsh_accels: 1, harsh_per_100km: 2 },
    ]);
  });

  it('vampire_drain_watchlist: V2 (a low_voltage event, 12.2 V -> 11.9 V parked); V1 fell only 0.1 V', async () => {
    expect(await run('vampire_drain_watchlist', RANGE)).toEqual([
      { vehicle_id: 'V2', low_voltage_events: 1, parked_days: 2, first_v_off: 12.2, last_v_off: 11.9, lowest_v_off: 11.9, v_off_change: -0.3 },
    ]);
  });

  it('active_dtcs: P0420 on V1 over two days; V3 P0300 is outside the window', async () => {
    expect(await run('active_dtcs', RANGE)).toEqual([
      { vehicle_id: 'V1', code: 'P0420', first_seen_ts: '2026-03-01T08:00:00.000Z', last_seen_ts: '2026-03-02T07:30:00.000Z', days_seen: 2, samples: 15 },
    ]);
  });

  it('vehicle_trip_history: V1 trips newest first, from trips_public', async () => {
    const rows = await run('vehicle_trip_history', ["'V1'", ...RANGE]);
    expect(rows.map((r) => [r.start_ts, r.distance_km, r.duration_min, r.start_geohash6])).toEqual([
      ['2026-03-02T07:00:00.000Z', 50, 60, 'u33dc0'],
      ['2026-03-01T17:00:00.000Z', 40, 60, 'u33dc0'],
      ['2026-03-01T08:00:00.000Z', 60, 60, 'u33dc0'],
    ]);
    expect(Object.keys(rows[0] ?? {}).filter((k) => /lat|lon/.test(k))).toEqual([]);
  });

  it('data_quality_report: counts by reason and day with the ratio quarantined / (valid + quarantined)', async () => {
    expect(await run('data_quality_report', [...RANGE, ...RANGE])).toEqual([
      { dt: '2026-03-01', reason: 'out_of_range', quarantined: 3, quarantined_day: 4, valid_samples: 1400, quarantine_ratio: 0.002849 },
      { dt: '2026-03-01', reason: 'invalid_json', quarantined: 1, quarantined_day: 4, valid_samples: 1400, quarantine_ratio: 0.002849 },
      { dt: '2026-03-02', reason: 'missing_field', quarantined: 1, quarantined_day: 1, valid_samples: 1100, quarantine_ratio: 0.000908 },
    ]);
  });

  it('data_completeness: vehicle-days below 0.95, worst first', async () => {
    expect(await run('data_completeness', [...RANGE, '0.95'])).toEqual([
      { vehicle_id: 'V2', dt: '2026-03-02', samples_received: 100, samples_expected: 200, samples_missing: 100, completeness: 0.5 },
      { vehicle_id: 'V1', dt: '2026-03-01', samples_received: 900, samples_expected: 1000, samples_missing: 100, completeness: 0.9 },
    ]);
  });

  it('every query file ran above (none left untested)', () => {
    const tested = ['fleet_daily_summary', 'harsh_driving_leaderboard', 'vampire_drain_watchlist', 'active_dtcs', 'vehicle_trip_history', 'data_quality_report', 'data_completeness'];
    expect(files.map((f) => f.replace(/\.sql$/, '')).sort()).toEqual(tested.sort());
  });

  it('through the CLI: fleetlake query -f athena-queries/harsh_driving_leaderboard.sql --format json', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['local/cli/fleetlake.js', 'query', '--lake', lake(), '-f', 'athena-queries/harsh_driving_leaderboard.sql', '--format', 'json', '--param', RANGE[0] as string, '--param', RANGE[1] as string],
      { timeout: 30_000 },
    );
    expect(JSON.parse(stdout)).toEqual([
      { leaderboard_rank: 1, vehicle_id: 'V2', distance_km: 20, harsh_brakes: 1, harsh_accels: 1, harsh_per_100km: 10 },
      { leaderboard_rank: 2, vehicle_id: 'V1', distance_km: 150, harsh_brakes: 2, harsh_accels: 1, harsh_per_100km: 2 },
    ]);
  });
});
