import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ATHENA_QUERIES_DIR } from '../../lib/catalog/template';
import type { Cell, QueryEngine, QueryResult } from '../../lib/query/port';
import { readExecutions, type ExecutionSummary } from '../status/executions';

/**
 * What the report shows, read from the lake through the query port: the analysts' named queries
 * (athena-queries/*.sql, run with their parameters) and plain selections from the catalog views.
 * No feature logic is repeated here; the few aggregates below only group view rows for drawing.
 */

/** Inclusive UTC date range, YYYY-MM-DD. */
export interface ReportRange {
  from: string;
  to: string;
}

/** The latest state of one vehicle, from the telemetry view. */
export interface VehicleLatest {
  vehicleId: string;
  lastSeen: string;
  batteryV: number | null;
  ignition: boolean | null;
  samples: number;
}

/** A vehicle's sums over the range, from the vehicle_daily view. */
export interface VehicleTotals {
  vehicleId: string;
  trips: number;
  distanceKm: number;
  samplesReceived: number;
  samplesExpected: number;
}

export interface Trip {
  vehicleId: string;
  tripId: string;
  start: string;
  end: string;
  durationS: number;
  distanceKm: number;
  avgSpeedKmh: number | null;
  maxSpeedKmh: number | null;
  idleS: number;
  harshBrakes: number;
  harshAccels: number;
}

/** One trip's GPS track: 5-second mean positions. */
export interface TripTrack {
  vehicleId: string;
  tripId: string;
  points: Array<[lon: number, lat: number]>;
}

/** Battery voltage of one vehicle: the minimum per 5-minute bucket, in time order. */
export interface BatterySeries {
  vehicleId: string;
  points: Array<[epochMs: number, volts: number]>;
}

/** A UTC day of fleet_daily_summary plus the span of the day the fleet's samples cover. */
export interface DayRow {
  dt: string;
  vehicles: number;
  trips: number;
  distanceKm: number;
  firstSample: string;
  lastSample: string;
}

export interface ReportData {
  generatedAt: string;
  range: ReportRange;
  /** The newest sample in the range: the time freshness is measured against. */
  asOf: string | null;
  latest: VehicleLatest[];
  totals: VehicleTotals[];
  /** harsh_driving_leaderboard.sql over the range. */
  harsh: QueryResult;
  /** data_completeness.sql over the range, below COMPLETENESS_MIN. */
  lowCompleteness: QueryResult;
  /** active_dtcs.sql over the range. */
  activeDtcs: QueryResult;
  /** vampire_drain_watchlist.sql over the range. */
  vampireDrain: QueryResult;
  trips: Trip[];
  tracks: TripTrack[];
  battery: BatterySeries[];
  days: DayRow[];
  /** data_quality_report.sql over the range. */
  quality: QueryResult;
  executions: ExecutionSummary[];
}

/** Vehicle-days below this completeness are flagged (the threshold passed to data_completeness.sql). */
export const COMPLETENESS_MIN = 0.95;
/** Battery and track buckets. */
export const BATTERY_BUCKET_S = 300;
export const TRACK_BUCKET_S = 5;
export const EXECUTIONS_SHOWN = 5;

type NamedQuery = 'active_dtcs' | 'vampire_drain_watchlist' | 'harsh_driving_leaderboard' | 'data_completeness' | 'data_quality_report' | 'fleet_daily_summary';

/** The named query's SQL, as deployed to Athena. */
export function namedQuerySql(name: NamedQuery): string {
  return readFileSync(path.join(ATHENA_QUERIES_DIR, `${name}.sql`), 'utf8');
}

const num = (c: Cell | undefined): number => (c === null || c === undefined ? 0 : Number(c));
const numOrNull = (c: Cell | undefined): number | null => (c === null || c === undefined ? null : Number(c));
const dateLit = (d: string) => `DATE '${d}'`;

/** The dates the lake has data for: silver telemetry (event dates) and quarantine (arrival dates). Null when empty. */
export async function lakeDateRange(engine: QueryEngine): Promise<ReportRange | null> {
  const r = await engine.query(`
    SELECT CAST(min(dt) AS VARCHAR) AS first_dt, CAST(max(dt) AS VARCHAR) AS last_dt
    FROM (SELECT dt FROM telemetry UNION ALL SELECT dt FROM quarantine) AS d`);
  const row = r.rows[0];
  return row?.first_dt ? { from: String(row.first_dt), to: String(row.last_dt) } : null;
}

const IN_RANGE = 'dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)';

const LATEST_SQL = `
SELECT vehicle_id, max(ts) AS last_seen, max_by(battery_v, ts) AS battery_v, max_by(ignition, ts) AS ignition, count(*) AS samples
FROM telemetry WHERE ${IN_RANGE}
GROUP BY vehicle_id ORDER BY vehicle_id`;

const TOTALS_SQL = `
SELECT vehicle_id, sum(trip_count) AS trips, sum(distance_km) AS distance_km,
       sum(samples_received) AS samples_received, sum(samples_expected) AS samples_expected
FROM vehicle_daily WHERE ${IN_RANGE}
GROUP BY vehicle_id ORDER BY vehicle_id`;

const TRIPS_SQL = `
SELECT vehicle_id, trip_id, start_ts, end_ts, duration_s, distance_km, avg_speed_kmh, max_speed_kmh, idle_s,
       harsh_brake_count, harsh_accel_count
FROM trips WHERE ${IN_RANGE}
ORDER BY start_ts, vehicle_id`;

// Positions inside each trip of the range (a trip may run past midnight into the next day's partition).
const TRACKS_SQL = `
WITH range_trips AS (
    SELECT vehicle_id, trip_id, start_ts, end_ts FROM trips WHERE ${IN_RANGE}
)
SELECT t.vehicle_id, r.trip_id, CAST(floor(to_unixtime(t.ts) / ${TRACK_BUCKET_S}) AS BIGINT) AS bucket,
       avg(t.lon) AS lon, avg(t.lat) AS lat
FROM telemetry AS t
JOIN range_trips AS r ON r.vehicle_id = t.vehicle_id AND t.ts BETWEEN r.start_ts AND r.end_ts
WHERE t.dt BETWEEN CAST(? AS DATE) AND date_add('day', 1, CAST(? AS DATE)) AND t.lat IS NOT NULL AND t.lon IS NOT NULL
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3`;

const BATTERY_SQL = `
SELECT vehicle_id, CAST(floor(to_unixtime(ts) / ${BATTERY_BUCKET_S}) AS BIGINT) * ${BATTERY_BUCKET_S} AS bucket_s, min(battery_v) AS v
FROM telemetry WHERE ${IN_RANGE} AND battery_v IS NOT NULL
GROUP BY 1, 2 ORDER BY 1, 2`;

const DAY_SPAN_SQL = `
SELECT CAST(dt AS VARCHAR) AS dt, min(ts) AS first_sample, max(ts) AS last_sample
FROM telemetry WHERE ${IN_RANGE}
GROUP BY dt ORDER BY dt`;

/** Everything the report shows for `range`, from `engine` (views named like the catalog) and the lake's executions. */
export async function collectReportData(engine: QueryEngine, lake: string, range: ReportRange, now = new Date()): Promise<ReportData> {
  const p = [dateLit(range.from), dateLit(range.to)];
  const run = (sql: string, params: string[] = p) => engine.query(sql, params);
  const named = (name: NamedQuery, params: string[] = p) => run(namedQuerySql(name), params);
  // One connection: the statements run one after another.
  const latest = await run(LATEST_SQL);
  const totals = await run(TOTALS_SQL);
  const harsh = await named('harsh_driving_leaderboard');
  const lowCompleteness = await named('data_completeness', [...p, String(COMPLETENESS_MIN)]);
  const activeDtcs = await named('active_dtcs');
  const vampireDrain = await named('vampire_drain_watchlist');
  const quality = await named('data_quality_report', [...p, ...p]);
  const daily = await named('fleet_daily_summary');
  const spans = await run(DAY_SPAN_SQL);
  const trips = await run(TRIPS_SQL);
  const tracks = await run(TRACKS_SQL, [...p, ...p]);
  const battery = await run(BATTERY_SQL);

  const span = new Map(spans.rows.map((r) => [String(r.dt), r]));
  const latestRows = latest.rows.map((r) => ({
    vehicleId: String(r.vehicle_id),
    lastSeen: String(r.last_seen),
    batteryV: numOrNull(r.battery_v),
    ignition: r.ignition === null ? null : Boolean(r.ignition),
    samples: num(r.samples),
  }));
  const asOf = latestRows.reduce<string | null>((a, v) => (a === null || v.lastSeen > a ? v.lastSeen : a), null);
  return {
    generatedAt: now.toISOString(),
    range,
    asOf,
    latest: latestRows,
    totals: totals.rows.map((r) => ({
      vehicleId: String(r.vehicle_id),
      trips: num(r.trips),
      distanceKm: num(r.distance_km),
      samplesReceived: num(r.samples_received),
      samplesExpected: num(r.samples_expected),
    })),
    harsh,
    lowCompleteness,
    activeDtcs,
    vampireDrain,
    trips: trips.rows.map((r) => ({
      vehicleId: String(r.vehicle_id),
      tripId: String(r.trip_id),
      start: String(r.start_ts),
      end: String(r.end_ts),
      durationS: num(r.duration_s),
      distanceKm: num(r.distance_km),
      avgSpeedKmh: numOrNull(r.avg_speed_kmh),
      maxSpeedKmh: numOrNull(r.max_speed_kmh),
      idleS: num(r.idle_s),
      harshBrakes: num(r.harsh_brake_count),
      harshAccels: num(r.harsh_accel_count),
    })),
    tracks: groupPoints(tracks.rows, (r) => `${r.vehicle_id}\u0000${r.trip_id}`, (r) => ({ vehicleId: String(r.vehicle_id), tripId: String(r.trip_id), points: [] as TripTrack['points'] }), (t, r) => t.points.push([num(r.lon), num(r.lat)])),
    battery: groupPoints(battery.rows, (r) => String(r.vehicle_id), (r) => ({ vehicleId: String(r.vehicle_id), points: [] as BatterySeries['points'] }), (b, r) => b.points.push([num(r.bucket_s) * 1000, num(r.v)])),
    days: daily.rows.map((r) => {
      const s = span.get(String(r.dt));
      return {
        dt: String(r.dt),
        vehicles: num(r.vehicles),
        trips: num(r.trips),
        distanceKm: num(r.distance_km),
        firstSample: String(s?.first_sample ?? `${r.dt}T00:00:00.000Z`),
        lastSample: String(s?.last_sample ?? `${r.dt}T00:00:00.000Z`),
      };
    }),
    quality,
    executions: readExecutions(lake).executions.slice(0, EXECUTIONS_SHOWN),
  };
}

/** Groups ordered rows into one object per key, in first-seen order. */
function groupPoints<T>(rows: Array<Record<string, Cell>>, key: (r: Record<string, Cell>) => string, create: (r: Record<string, Cell>) => T, add: (t: T, r: Record<string, Cell>) => void): T[] {
  const out = new Map<string, T>();
  for (const r of rows) {
    const k = key(r);
    let t = out.get(k);
    if (!t) out.set(k, (t = create(r)));
    add(t, r);
  }
  return [...out.values()];
}
