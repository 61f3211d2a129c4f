import { QUARANTINE_COLUMNS, SILVER_TELEMETRY_COLUMNS, type Column, type ColumnType } from './columns';

/**
 * The table contract of the lake: every silver and gold table, its lake path, grain and columns.
 * The Glue catalog, the local query views and docs/tables.md derive from this list, and a test
 * checks it against the Parquet the pipeline actually writes.
 */
export interface TableSpec {
  name: string;
  layer: 'silver' | 'gold';
  /** Key prefix inside the layer's bucket; partitions are `<prefix>/dt=YYYY-MM-DD/`. */
  prefix: string;
  grain: string;
  partition: { name: 'dt'; description: string };
  columns: readonly Column[];
}

const c = (name: string, type: ColumnType, description: string, unit?: string): Column => ({
  name,
  type,
  description,
  required: false,
  ...(unit ? { unit } : {}),
});

/** Columns that locate a vehicle exactly (they identify homes and workplaces): never in a table analysts get. */
export const SENSITIVE_COLUMNS: ReadonlySet<string> = new Set(['start_lat', 'start_lon', 'end_lat', 'end_lon', 'lat', 'lon']);

const TRIP_COLUMNS: readonly Column[] = [
  c('vehicle_id', 'string', 'Vehicle id.'),
  c('trip_id', 'string', "vehicle_id + '-' + start epoch ms: deterministic, so replays never duplicate."),
  c('start_ts', 'timestamp', 'First sample of the trip (UTC).'),
  c('end_ts', 'timestamp', 'Last sample of the trip (UTC).'),
  c('duration_s', 'double', 'end_ts - start_ts.', 's'),
  c('distance_km', 'double', 'Haversine (R = 6371.0088 km) between GPS fixes thinned to one per 5 s; a segment implying > 250 km/h is skipped, any other counts at most what the recorded speeds allow.', 'km'),
  c('avg_speed_kmh', 'double', 'distance_km / duration; never above max_speed_kmh.', 'km/h'),
  c('max_speed_kmh', 'double', 'Max OBD speed_kmh, else gps_speed_kmh.', 'km/h'),
  c('idle_s', 'double', 'Time with speed < 2 km/h; each sample owns the interval to the next sample of the trip, except a gap in the data (> 2 s).', 's'),
  c('harsh_brake_count', 'bigint', 'Episodes with longitudinal acceleration <= -0.40 g (accel_x_g, else dv/dt).'),
  c('harsh_accel_count', 'bigint', 'Episodes with longitudinal acceleration >= +0.35 g (accel_x_g, else dv/dt).'),
  c('fuel_used_pct', 'double', 'Fuel level at start minus at end.', '%'),
  c('start_lat', 'double', 'First GPS fix of the trip.', 'deg'),
  c('start_lon', 'double', 'First GPS fix of the trip.', 'deg'),
  c('end_lat', 'double', 'Last GPS fix of the trip.', 'deg'),
  c('end_lon', 'double', 'Last GPS fix of the trip.', 'deg'),
  c('samples', 'bigint', 'Samples in the trip.'),
  c('start_geohash6', 'string', 'Geohash (6 characters, about 1.2 km x 0.6 km) of the first GPS fix; the coarse location trips_public exposes.'),
  c('end_geohash6', 'string', 'Geohash (6 characters) of the last GPS fix.'),
];

export const TABLES: readonly TableSpec[] = [
  {
    name: 'telemetry',
    layer: 'silver',
    prefix: 'telemetry',
    grain: 'one row per (vehicle_id, ts): validated, deduplicated samples, sorted by (vehicle_id, ts)',
    partition: { name: 'dt', description: 'UTC date of ts (event time)' },
    columns: SILVER_TELEMETRY_COLUMNS,
  },
  {
    name: 'quarantine',
    layer: 'silver',
    prefix: 'quarantine',
    grain: 'one row per rejected line or sample, with a stable reason code',
    partition: { name: 'dt', description: 'UTC date of arrival (received_at)' },
    columns: QUARANTINE_COLUMNS,
  },
  {
    name: 'trips',
    layer: 'gold',
    prefix: 'trips',
    grain: 'one row per trip: a maximal run of ignition-on samples of one vehicle with gaps <= 300 s',
    partition: { name: 'dt', description: 'UTC date of the trip start' },
    columns: TRIP_COLUMNS,
  },
  {
    name: 'trips_public',
    layer: 'gold',
    prefix: 'trips_public',
    grain: 'one row per trip, the same rows as trips; location only as geohash-6 (no exact coordinates)',
    partition: { name: 'dt', description: 'UTC date of the trip start' },
    columns: TRIP_COLUMNS.filter((col) => !SENSITIVE_COLUMNS.has(col.name)),
  },
  {
    name: 'vehicle_daily',
    layer: 'gold',
    prefix: 'vehicle_daily',
    grain: 'one row per vehicle per UTC day with data',
    partition: { name: 'dt', description: 'UTC date' },
    columns: [
      c('vehicle_id', 'string', 'Vehicle id.'),
      c('dt', 'date', 'UTC date (also the partition).'),
      c('trip_count', 'bigint', 'Trips starting on dt.'),
      c('distance_km', 'double', 'Sum of distance_km of trips starting on dt.', 'km'),
      c('drive_s', 'double', 'Sum of duration_s of trips starting on dt.', 's'),
      c('idle_s', 'double', 'Sum of idle_s of trips starting on dt.', 's'),
      c('harsh_brake_count', 'bigint', 'Sum over trips starting on dt.'),
      c('harsh_accel_count', 'bigint', 'Sum over trips starting on dt.'),
      c('harsh_per_100km', 'double', '(harsh_brake_count + harsh_accel_count) per 100 km; null when distance is 0.'),
      c('samples_received', 'bigint', 'Silver samples on dt.'),
      c('samples_expected', 'bigint', 'Samples the sampling policy sends on dt (10 Hz ignition on, 1/min off, none after an off sample below 11.5 V): each sample expects its interval to the next; a silence at the end counts until the newest sample less 10 min.'),
      c('completeness', 'double', 'samples_received / samples_expected (<= 1): an unexplained silence lowers it. The formula and its edges: docs/features.md.'),
      c('min_battery_v', 'double', 'Lowest battery_v on dt.', 'V'),
      c('min_battery_v_off', 'double', 'Lowest battery_v with ignition off on dt.', 'V'),
      c('low_voltage_events', 'bigint', 'battery_events (low_voltage) on dt.'),
      c('dtc_count', 'bigint', 'Distinct DTC codes seen on dt.'),
    ],
  },
  {
    name: 'battery_events',
    layer: 'gold',
    prefix: 'battery_events',
    grain: 'one row per ignition-off period in which battery_v falls below 11.5 V',
    partition: { name: 'dt', description: 'UTC date of start_ts (the first sample < 11.5 V)' },
    columns: [
      c('vehicle_id', 'string', 'Vehicle id.'),
      c('event_type', 'string', "Always 'low_voltage'."),
      c('off_start_ts', 'timestamp', 'First ignition-off sample of the period.'),
      c('start_ts', 'timestamp', 'First sample below 11.5 V.'),
      c('end_ts', 'timestamp', 'Last sample of the period.'),
      c('start_battery_v', 'double', 'battery_v at off_start_ts.', 'V'),
      c('min_battery_v', 'double', 'Lowest battery_v of the period.', 'V'),
      c('drain_v_per_h', 'double', '(start_battery_v - min_battery_v) / hours from off_start_ts to the min sample.', 'V/h'),
    ],
  },
  {
    name: 'dtc_events',
    layer: 'gold',
    prefix: 'dtc_events',
    grain: 'one row per vehicle, code and UTC day',
    partition: { name: 'dt', description: 'UTC date' },
    columns: [
      c('vehicle_id', 'string', 'Vehicle id.'),
      c('code', 'string', 'OBD-II trouble code.'),
      c('first_seen_ts', 'timestamp', 'First sample on dt carrying the code.'),
      c('last_seen_ts', 'timestamp', 'Last sample on dt carrying the code.'),
      c('samples', 'bigint', 'Samples on dt carrying the code.'),
    ],
  },
];

export function table(name: string): TableSpec {
  const t = TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`unknown table ${name}; tables: ${TABLES.map((x) => x.name).join(', ')}`);
  return t;
}

/** The columns a features step produces for `name`: the table's columns, plus the `dt` partition column when the
 * table lacks it (both drivers check every step's result against this). */
export function stepOutputColumns(name: string): Column[] {
  const cols = [...table(name).columns];
  if (!cols.some((col) => col.name === 'dt')) cols.push({ name: 'dt', type: 'date', description: 'partition', required: true });
  return cols;
}
