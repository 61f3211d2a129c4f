import fs from 'node:fs';
import path from 'node:path';
import { missingModules } from '../modules';
import { notMeasured, type BenchContext, type PhaseResult } from '../types';
import { median, seconds } from '../util';

const RUNS = 5;

/** Execution parameters for each named query (its header documents them), from the bench's dates. */
function paramsFor(name: string, first: string, last: string, vehicle: string): string[] | null {
  const d1 = `DATE '${first}'`;
  const d2 = `DATE '${last}'`;
  switch (name) {
    case 'fleet_daily_summary':
    case 'harsh_driving_leaderboard':
    case 'vampire_drain_watchlist':
    case 'active_dtcs':
      return [d1, d2];
    case 'vehicle_trip_history':
      return [`'${vehicle.replace(/'/g, "''")}'`, d1, d2];
    case 'data_quality_report':
      return [d1, d2, d1, d2];
    case 'data_completeness':
      return [d1, d2, '0.95'];
    default:
      return null;
  }
}

/** The full silver scan aggregate: every row of silver telemetry, a per-vehicle aggregate over several columns. */
export const SILVER_SCAN_SQL = `SELECT vehicle_id, count(*) AS samples, avg(speed_kmh) AS avg_speed, min(battery_v) AS min_battery_v,
  max(odometer_km) - min(odometer_km) AS odometer_delta_km, sum(CASE WHEN ignition THEN 1 ELSE 0 END) AS ignition_on
FROM telemetry GROUP BY vehicle_id`;

/** P4: median of 5 runs of every named query (athena-queries/*.sql) and of a full silver scan, on the local engine. */
export async function queriesPhase(ctx: BenchContext): Promise<PhaseResult> {
  const missing = missingModules(ctx.repo, ['query', 'queries']);
  if (missing.length) return notMeasured('P4 queries', `not measured (module missing: ${missing.join(', ')})`);
  const dates = (ctx.shared.dates as string[] | undefined) ?? [];
  if (!dates.length) return notMeasured('P4 queries', 'not measured (no silver dates: clean did not run)');
  const { openLocalQueryEngine } = await import('../../local/engine/query');
  const engine = await openLocalQueryEngine({ lake: ctx.lake, threads: ctx.cores });
  const t0 = process.hrtime.bigint();
  const queryMs: Record<string, number> = {};
  const rowsOut: Record<string, number> = {};
  const notes: string[] = [];
  try {
    const today = new Date().toISOString().slice(0, 10);
    const first = dates[0] as string;
    const last = today > (dates.at(-1) as string) ? today : (dates.at(-1) as string);
    const v = await engine.query('SELECT min(vehicle_id) AS v FROM telemetry');
    const vehicle = String(v.rows[0]?.v ?? 'V0001');
    const dir = path.join(ctx.repo, 'athena-queries');
    const named = fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
    const jobs: Array<{ name: string; sql: string; params: string[] }> = [];
    for (const f of named) {
      const name = f.replace(/\.sql$/, '');
      const params = paramsFor(name, first, last, vehicle);
      if (!params) {
        notes.push(`${name}: not measured (no parameter mapping in bench/phases/queries.ts)`);
        continue;
      }
      jobs.push({ name, sql: fs.readFileSync(path.join(dir, f), 'utf8'), params });
    }
    jobs.push({ name: 'silver_full_scan', sql: SILVER_SCAN_SQL, params: [] });
    for (const j of jobs) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < RUNS; i++) {
        const s = process.hrtime.bigint();
        const r = await engine.query(j.sql, j.params);
        times.push(seconds(s) * 1000);
        rows = r.rows.length;
      }
      queryMs[j.name] = median(times);
      rowsOut[j.name] = rows;
    }
  } finally {
    await engine.close();
  }
  notes.unshift(...Object.entries(queryMs).map(([k, ms]) => `${k}: ${ms.toFixed(1)} ms (median of ${RUNS}), ${rowsOut[k]} rows`));
  return { name: 'P4 queries', measured: true, seconds: seconds(t0), values: { query_ms: queryMs }, notes };
}
