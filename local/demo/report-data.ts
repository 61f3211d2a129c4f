/** Rows a query returns: column name → value (numbers, strings, Dates or null). */
export type Row = Record<string, unknown>;
export type QueryFn = (sql: string) => Promise<Row[]>;

export interface ReportData {
  generatedAt: string;
  summary: { vehicles: number; samples: number; trips: number; distanceKm: number; quarantined: number; lowVoltageEvents: number };
  /** GPS tracks, one polyline per (vehicle, trip), downsampled. */
  tracks: Array<{ vehicleId: string; tripId: string; points: Array<[lon: number, lat: number]> }>;
  /** Battery voltage per vehicle over time (5-minute minimum). */
  battery: Array<{ vehicleId: string; points: Array<[epochMs: number, volts: number]> }>;
  dailyDistance: Array<{ dt: string; km: number }>;
  quarantine: Array<{ reason: string; count: number }>;
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v ?? 0));
const str = (v: unknown): string => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v));

/** Reads what the report shows from the lake's tables (the catalog table names, on the local engine). */
export async function collectReportData(query: QueryFn, now = new Date()): Promise<ReportData> {
  const [summary] = await query(`
    SELECT
      (SELECT count(DISTINCT vehicle_id) FROM telemetry) AS vehicles,
      (SELECT count(*) FROM telemetry) AS samples,
      (SELECT count(*) FROM trips) AS trips,
      (SELECT coalesce(sum(distance_km), 0) FROM trips) AS distance_km,
      (SELECT count(*) FROM quarantine) AS quarantined,
      (SELECT count(*) FROM battery_events) AS low_voltage_events`);
  // Track points: 5-second means inside each trip, so separate trips never join up.
  const trackRows = await query(`
    WITH points AS (
      SELECT t.vehicle_id, tr.trip_id, CAST(floor(to_unixtime(t.ts) / 5) AS BIGINT) AS bucket, avg(t.lon) AS lon, avg(t.lat) AS lat
      FROM telemetry t
      JOIN trips tr ON tr.vehicle_id = t.vehicle_id AND t.ts BETWEEN tr.start_ts AND tr.end_ts
      WHERE t.lat IS NOT NULL AND t.lon IS NOT NULL
      GROUP BY 1, 2, 3
    )
    SELECT vehicle_id, trip_id, lon, lat FROM points ORDER BY vehicle_id, trip_id, bucket`);
  const batteryRows = await query(`
    SELECT vehicle_id, CAST(floor(to_unixtime(ts) / 300) AS BIGINT) * 300000 AS t_ms, min(battery_v) AS v
    FROM telemetry GROUP BY 1, 2 ORDER BY 1, 2`);
  const distanceRows = await query('SELECT dt, sum(distance_km) AS km FROM vehicle_daily GROUP BY dt ORDER BY dt');
  const quarantineRows = await query('SELECT reason, count(*) AS n FROM quarantine GROUP BY reason ORDER BY n DESC, reason');

  const tracks = new Map<string, ReportData['tracks'][number]>();
  for (const r of trackRows) {
    const key = `${r.vehicle_id}/${r.trip_id}`;
    let t = tracks.get(key);
    if (!t) tracks.set(key, (t = { vehicleId: String(r.vehicle_id), tripId: String(r.trip_id), points: [] }));
    t.points.push([num(r.lon), num(r.lat)]);
  }
  const battery = new Map<string, ReportData['battery'][number]>();
  for (const r of batteryRows) {
    const id = String(r.vehicle_id);
    let b = battery.get(id);
    if (!b) battery.set(id, (b = { vehicleId: id, points: [] }));
    b.points.push([num(r.t_ms), num(r.v)]);
  }
  const s = summary ?? {};
  return {
    generatedAt: now.toISOString(),
    summary: {
      vehicles: num(s.vehicles),
      samples: num(s.samples),
      trips: num(s.trips),
      distanceKm: num(s.distance_km),
      quarantined: num(s.quarantined),
      lowVoltageEvents: num(s.low_voltage_events),
    },
    tracks: [...tracks.values()],
    battery: [...battery.values()],
    dailyDistance: distanceRows.map((r) => ({ dt: str(r.dt), km: num(r.km) })),
    quarantine: quarantineRows.map((r) => ({ reason: String(r.reason), count: num(r.n) })),
  };
}
