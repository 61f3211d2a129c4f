import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as fx from '../../test/fixtures/silver/features-fixture';
import { openDuckDb } from './duckdb';
import { PART_FILE, runFeatures } from './features';

type Row = Record<string, unknown>;

async function readTable(lake: string, layer: string, name: string, dt: string): Promise<Row[]> {
  const file = path.join(lake, layer, name, `dt=${dt}`, PART_FILE);
  if (!existsSync(file)) return [];
  const db = await openDuckDb({ threads: 1 });
  try {
    return (await db.conn.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson() as Row[];
  } finally {
    db.close();
  }
}

const num = (v: unknown) => Number(v);

describe('runFeatures: known answers on hand-built silver', () => {
  let lake: string;
  let result: Awaited<ReturnType<typeof runFeatures>>;
  const trips: Record<string, Row[]> = {};
  const daily: Record<string, Row[]> = {};
  const battery: Record<string, Row[]> = {};
  const dtc: Record<string, Row[]> = {};
  const tripsPublic: Record<string, Row[]> = {};

  beforeAll(async () => {
    lake = await mkdtemp(path.join(tmpdir(), 'fleetlake-features-'));
    await fx.writeParts(lake, 'part-a', [...fx.straightDrive(), ...fx.midnightDrive(), ...fx.dtcs()]);
    await fx.writeParts(lake, 'part-b', [...fx.gapDrive(), ...fx.drainingBattery()]);
    result = await runFeatures({ lake, dates: [fx.D2, fx.D1] });
    for (const d of [fx.D1, fx.D2]) {
      trips[d] = await readTable(lake, 'gold', 'trips', d);
      daily[d] = await readTable(lake, 'gold', 'vehicle_daily', d);
      battery[d] = await readTable(lake, 'gold', 'battery_events', d);
      dtc[d] = await readTable(lake, 'gold', 'dtc_events', d);
      tripsPublic[d] = await readTable(lake, 'gold', 'trips_public', d);
    }
  });
  afterAll(async () => rm(lake, { recursive: true, force: true }));

  it('reports dates and row counts', () => {
    expect(result.dates).toEqual([fx.D1, fx.D2]);
    // silver: 710 (V1) + 401 (V2) + 241 (V3) + 721 (V4) + 4 (V5)
    expect(result.rows).toEqual({ telemetry: 2077, trips: 4, battery_events: 1, dtc_events: 3, vehicle_daily: 7, trips_public: 4 });
    expect(result.seconds).toBeGreaterThan(0);
  });

  it('straight 60 km/h drive: distance, idle, harsh episodes, fuel, ends, geohashes', () => {
    const t = trips[fx.D1]!.find((r) => r.vehicle_id === 'V1')!;
    expect(t.trip_id).toBe(`V1-${fx.at('2026-03-01T08:00:00Z')}`);
    expect(t.start_ts).toBe('2026-03-01 08:00:00');
    expect(t.end_ts).toBe('2026-03-01 08:11:00');
    expect(num(t.samples)).toBe(661);
    expect(num(t.duration_s)).toBe(660);
    // 600 one-second segments of 1/60 km
    expect(Math.abs(num(t.distance_km) - 10) / 10).toBeLessThan(0.005);
    expect(Math.abs(num(t.avg_speed_kmh) - 10 / (660 / 3600)) / (10 / (660 / 3600))).toBeLessThan(0.005);
    expect(num(t.max_speed_kmh)).toBe(60);
    expect(num(t.idle_s)).toBe(60); // samples 0..59 at 0 km/h, each owning 1 s
    expect(num(t.harsh_brake_count)).toBe(2); // t=200..202 at -0.45 g (one episode), t=400 at exactly -0.40 g
    expect(num(t.harsh_accel_count)).toBe(1); // t=60 at +0.40 g
    expect(num(t.fuel_used_pct)).toBeCloseTo(1, 9); // 50 % -> 49 %
    expect(num(t.start_lat)).toBe(fx.LAT0);
    expect(num(t.start_lon)).toBe(fx.LON0);
    expect(num(t.end_lat)).toBeCloseTo(fx.LAT0 + 600 * fx.DLAT_60KMH_PER_S, 9);
    expect(num(t.end_lon)).toBe(fx.LON0);
    expect(fx.geohash(57.64911, 10.40744)).toBe('u4pruy'); // the reference implementation's textbook value
    expect(t.start_geohash6).toBe(fx.geohash(fx.LAT0, fx.LON0));
    expect(t.end_geohash6).toBe(fx.geohash(num(t.end_lat), fx.LON0));
    expect(t.start_geohash6).not.toBe(t.end_geohash6);
  });

  it('a gap > 300 s splits a trip, exactly 300 s does not; dv/dt and GPS speed fall-backs', () => {
    const v2 = trips[fx.D1]!.filter((r) => r.vehicle_id === 'V2');
    expect(v2.map((r) => [r.start_ts, r.end_ts, num(r.samples), num(r.duration_s)])).toEqual([
      ['2026-03-01 12:00:00', '2026-03-01 12:05:00', 301, 300],
      ['2026-03-01 12:10:01', '2026-03-01 12:16:39', 100, 398],
    ]);
    const [a, b] = v2;
    // 36 -> 18 km/h in 1 s = -5 m/s^2 = -0.51 g; 18 -> 36 = +0.51 g
    expect([num(a!.harsh_brake_count), num(a!.harsh_accel_count), num(a!.max_speed_kmh), num(a!.idle_s)]).toEqual([1, 1, 36, 0]);
    expect([num(b!.harsh_brake_count), num(b!.harsh_accel_count), num(b!.max_speed_kmh)]).toEqual([0, 0, 20]);
    for (const t of v2) {
      expect(num(t.distance_km)).toBe(0);
      expect(num(t.avg_speed_kmh)).toBe(0);
      expect([t.start_lat, t.start_lon, t.end_lat, t.end_lon, t.start_geohash6, t.end_geohash6, t.fuel_used_pct]).toEqual([null, null, null, null, null, null, null]);
    }
  });

  it('a trip crossing midnight belongs to the start date, whole', () => {
    const t = trips[fx.D1]!.find((r) => r.vehicle_id === 'V3')!;
    expect([t.start_ts, t.end_ts, num(t.samples), num(t.duration_s)]).toEqual(['2026-03-01 23:58:00', '2026-03-02 00:02:00', 241, 240]);
    expect(Math.abs(num(t.distance_km) - 4) / 4).toBeLessThan(0.005);
    expect(num(t.avg_speed_kmh)).toBeCloseTo(60, 4);
    expect(trips[fx.D2]).toEqual([]);
  });

  it('a parked vehicle draining from 12.4 V below 11.5 V is one low_voltage event', () => {
    expect(battery[fx.D1]).toEqual([]);
    expect(battery[fx.D2]).toHaveLength(1);
    const e = battery[fx.D2]![0]!;
    expect(e).toMatchObject({
      vehicle_id: 'V4', event_type: 'low_voltage',
      off_start_ts: '2026-03-01 18:00:00',
      start_ts: '2026-03-02 03:01:00', // 11.5 V at 03:00 is not below 11.5
      end_ts: '2026-03-02 06:00:00',
    });
    expect(num(e.start_battery_v)).toBe(12.4);
    expect(num(e.min_battery_v)).toBe(11.2);
    expect(num(e.drain_v_per_h)).toBeCloseTo(1.2 / 12, 9);
  });

  it('trips_public (own prefix): the trips rows and values, without the exact coordinates', () => {
    for (const d of [fx.D1, fx.D2]) {
      const expected = trips[d]!.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !/^(start|end)_(lat|lon)$/.test(k))));
      expect(tripsPublic[d]).toEqual(expected);
    }
    expect(tripsPublic[fx.D1]!.map((r) => r.start_geohash6)).toEqual(['u281z7', null, null, 'u33dc0']);
  });

  it('DTCs: one row per vehicle, code and day', () => {
    expect(dtc[fx.D1]!.map((r) => [r.vehicle_id, r.code, r.first_seen_ts, r.last_seen_ts, num(r.samples)])).toEqual([
      ['V5', 'P0300', '2026-03-01 10:00:00', '2026-03-01 10:00:00', 1],
      ['V5', 'P0420', '2026-03-01 10:00:00', '2026-03-01 10:03:00', 3],
      ['V5', 'U0100', '2026-03-01 10:03:00', '2026-03-01 10:03:00', 1],
    ]);
    expect(dtc[fx.D2]).toEqual([]);
  });

  it('vehicle_daily: every column by hand', () => {
    const byVehicle = (d: string) => Object.fromEntries(daily[d]!.map((r) => [r.vehicle_id as string, r]));
    const d1 = byVehicle(fx.D1);
    const d2 = byVehicle(fx.D2);
    expect(Object.keys(d1)).toEqual(['V1', 'V2', 'V3', 'V4', 'V5']);
    expect(Object.keys(d2)).toEqual(['V3', 'V4']);
    const pick = (r: Row) => ({
      trip_count: num(r.trip_count), drive_s: num(r.drive_s), idle_s: num(r.idle_s),
      harsh_brake_count: num(r.harsh_brake_count), harsh_accel_count: num(r.harsh_accel_count),
      samples_received: num(r.samples_received), samples_expected: num(r.samples_expected),
      min_battery_v: num(r.min_battery_v), min_battery_v_off: r.min_battery_v_off === null ? null : num(r.min_battery_v_off),
      low_voltage_events: num(r.low_voltage_events), dtc_count: num(r.dtc_count),
    });
    // samples_expected follows the sampling policy (10 Hz on, 1/min off; docs/features.md). The end of the data as D1
    // and D2 see it is V4's last sample, D2 06:00; a vehicle silent before that expects samples until midnight, or on
    // D2 until 05:50 (06:00 less the 10-minute parked batching window).
    // V1: itself 1 + 660 one-second on-intervals x 10 + 08:11 -> 08:12 (ignition turns off: 600 on-samples due, the
    //   last being the change) + 48 off-minutes + silent parked from 09:00 to midnight (899 due) = 8148
    expect(pick(d1.V1!)).toEqual({ trip_count: 1, drive_s: 660, idle_s: 60, harsh_brake_count: 2, harsh_accel_count: 1, samples_received: 710, samples_expected: 8148, min_battery_v: 12.6, min_battery_v_off: 12.6, low_voltage_events: 0, dtc_count: 0 });
    expect(num(d1.V1!.distance_km)).toBeCloseTo(10, 6);
    expect(num(d1.V1!.harsh_per_100km)).toBeCloseTo(30, 4);
    expect(num(d1.V1!.completeness)).toBeCloseTo(710 / 8148, 12);
    // V2 sends at 1 Hz with ignition on from 12:00:00 and falls silent at 12:16:39 without turning the ignition off:
    //   10 Hz is due from 12:00:00 to midnight, 12 h x 36,000 = 432,000
    expect(pick(d1.V2!)).toEqual({ trip_count: 2, drive_s: 698, idle_s: 0, harsh_brake_count: 1, harsh_accel_count: 1, samples_received: 401, samples_expected: 432_000, min_battery_v: 14, min_battery_v_off: null, low_voltage_events: 0, dtc_count: 0 });
    expect(d1.V2!.harsh_per_100km).toBeNull(); // no distance
    expect(num(d1.V2!.completeness)).toBeCloseTo(401 / 432_000, 12);
    // V3: 120 samples before midnight, 121 after; its trip counts on D1. D1: 23:58:00-23:59:59.9 at 10 Hz = 1200 (the
    //   23:59:59 -> 00:00:00 second gives 9 to D1, its last sample to D2). D2: 00:00:00 to 05:50 at 10 Hz = 210,000
    expect(pick(d1.V3!)).toMatchObject({ trip_count: 1, drive_s: 240, samples_received: 120, samples_expected: 1200 });
    expect(pick(d2.V3!)).toMatchObject({ trip_count: 0, drive_s: 0, samples_received: 121, samples_expected: 210_000 });
    expect(num(d2.V3!.distance_km)).toBe(0);
    // V4: 360 off-minutes on D1 (18:00-23:59), 361 on D2 (00:00-06:00); below 11.5 V from 03:01 the policy expects
    //   nothing more, so its silence after 06:00 is explained. The event counts on D2
    expect(pick(d1.V4!)).toEqual({ trip_count: 0, drive_s: 0, idle_s: 0, harsh_brake_count: 0, harsh_accel_count: 0, samples_received: 360, samples_expected: 360, min_battery_v: 11.802, min_battery_v_off: 11.802, low_voltage_events: 0, dtc_count: 0 });
    expect(pick(d2.V4!)).toMatchObject({ samples_received: 361, samples_expected: 361, min_battery_v: 11.2, min_battery_v_off: 11.2, low_voltage_events: 1 });
    expect(num(d2.V4!.completeness)).toBe(1);
    // V5: 10:00-10:03 parked at 12.5 V, then silent: 4 + 836 minutes due until midnight
    expect(pick(d1.V5!)).toMatchObject({ samples_received: 4, samples_expected: 840, dtc_count: 3, min_battery_v: 12.5 });
  });

  it('silver telemetry is written for the run dates, sorted by (vehicle_id, ts)', async () => {
    const s1 = await readTable(lake, 'silver', 'telemetry', fx.D1);
    const s2 = await readTable(lake, 'silver', 'telemetry', fx.D2);
    expect(s1.length + s2.length).toBe(2077);
    const keys = s1.map((r) => `${r.vehicle_id as string}|${r.ts as string}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('computes a date alone from its neighbours: the D1 trip crossing midnight is not cut on a D2-only run', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'fleetlake-features-'));
    try {
      await fx.writeParts(other, 'part-a', [...fx.midnightDrive(), ...fx.drainingBattery()]);
      const r = await runFeatures({ lake: other, dates: [fx.D2] });
      expect(r.rows).toMatchObject({ trips: 0, battery_events: 1 });
      expect(existsSync(path.join(other, 'gold', 'trips'))).toBe(true);
      expect(existsSync(path.join(other, 'gold', 'trips', `dt=${fx.D1}`))).toBe(false);
      const [e] = await readTable(other, 'gold', 'battery_events', fx.D2);
      expect(e!.off_start_ts).toBe('2026-03-01 18:00:00');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('runFeatures: trip figures and completeness under GPS noise, gaps and silences (issue 19)', () => {
  let lake: string;
  const trips: Row[] = [];
  const daily: Record<string, Row> = {};

  beforeAll(async () => {
    lake = await mkdtemp(path.join(tmpdir(), 'fleetlake-noise-'));
    await fx.writeParts(lake, 'part-a', [...fx.noisyGapDrive(), ...fx.silentParked(), ...fx.cutOffSilence(), ...fx.silentOvernight(), ...fx.silentTwoDays()]);
    await runFeatures({ lake, dates: [fx.D1, fx.D2] });
    trips.push(...(await readTable(lake, 'gold', 'trips', fx.D1)));
    for (const d of [fx.D1, fx.D2]) for (const r of await readTable(lake, 'gold', 'vehicle_daily', d)) daily[`${r.vehicle_id as string} ${d}`] = r;
  });
  afterAll(async () => rm(lake, { recursive: true, force: true }));

  it('noisy 10 Hz GPS and a gap: distance, average and idle by hand (fixture V6)', () => {
    expect(trips).toHaveLength(1);
    const t = trips[0]!;
    expect([t.start_ts, t.end_ts, num(t.samples), num(t.duration_s), num(t.max_speed_kmh)]).toEqual(['2026-03-01 14:00:00', '2026-03-01 14:03:40', 1002, 220, 36]);
    // Fixes are thinned to the first of each 5 s. Standing (k 0..300, 2100..2200): the 6 m east-west flips count 0, as
    // the speeds (0 km/h) allow no movement. Driving: 12 chords of sqrt(50^2 + 6^2) = 50.36 m, each capped at what
    // 36 km/h allows in 5 s, 50 m: 600 m. The gap: 1.5 km straight north in 120 s (45 km/h) is more than the trip's top
    // speed allows, 36 km/h x 120 s = 1.2 km. Total 1.8 km; chords between all fixes (the SQL before this rule) gave
    // 2.410 km, an average of 39.4 km/h against a top speed of 36.
    expect(num(t.distance_km)).toBe(1.8);
    expect(num(t.avg_speed_kmh)).toBeCloseTo(1.8 / (220 / 3600), 9); // 29.45 km/h
    // standing k 0..300 (30.1 s) + k 2100..2199 (10 s); the 120 s gap after k 900 is not idle (its speed is unknown)
    expect(num(t.idle_s)).toBe(40.1);
    expect([num(t.harsh_brake_count), num(t.harsh_accel_count)]).toEqual([0, 0]);
    expect(t.start_geohash6).toBe(fx.geohash(num(t.start_lat), num(t.start_lon)));
  });

  it('completeness by hand: an unexplained silence is missing, the cut-off explains one, the day edges', () => {
    const pick = (key: string) => [num(daily[key]!.samples_received), num(daily[key]!.samples_expected), num(daily[key]!.completeness)];
    // V6: itself + 900 intervals of 0.1 s + the 120 s gap at 10 Hz (1200) + 100 + the ignition-off sample + parked
    // from 14:03:40.1 to midnight (596 due) = 2798
    expect(pick(`V6 ${fx.D1}`)).toEqual([1003, 2798, 1003 / 2798]);
    // V7: silent 08:00-16:00 while parked above the cut-off: 1440 minutes due, 960 received (was 960 of 960)
    expect(pick(`V7 ${fx.D1}`)).toEqual([960, 1440, 2 / 3]);
    expect(pick(`V7 ${fx.D2}`)).toEqual([60, 60, 1]);
    // V8: silent after an ignition-off sample below 11.5 V: the policy sends nothing more, so nothing is missing
    expect(pick(`V8 ${fx.D1}`)).toEqual([242, 242, 1]);
    // V9: silent from 10:00 D1 to 00:00 D2. D1: 241 + 839 minutes due until midnight. D2: 31 received; the end of the
    // data is V7's 00:59, so samples are due until 00:49 (less the 10-minute parked batching window): 18 more
    expect(pick(`V9 ${fx.D1}`)).toEqual([241, 1080, 241 / 1080]);
    expect(pick(`V9 ${fx.D2}`)).toEqual([31, 49, 31 / 49]);
    // V10: its predecessor is two days back (D1 - 1), outside what D2 sees: D2 starts at its first sample, 00:20;
    // 11 received + 18 due until 00:49
    expect(pick(`V10 ${fx.D2}`)).toEqual([11, 29, 11 / 29]);
  });

  it('a day sees its neighbours only: D2 alone (input D1..D3) gives the rows D1 and D2 together (input from D1 - 1) give', async () => {
    const alone = await mkdtemp(path.join(tmpdir(), 'fleetlake-noise-'));
    try {
      await fx.writeParts(alone, 'part-a', [...fx.noisyGapDrive(), ...fx.silentParked(), ...fx.cutOffSilence(), ...fx.silentOvernight(), ...fx.silentTwoDays()]);
      await runFeatures({ lake: alone, dates: [fx.D2] });
      expect(await readTable(alone, 'gold', 'vehicle_daily', fx.D2)).toEqual(await readTable(lake, 'gold', 'vehicle_daily', fx.D2));
    } finally {
      await rm(alone, { recursive: true, force: true });
    }
  });
});

describe('runFeatures: dedupe across parts', () => {
  it('keeps one row per (vehicle_id, ts): the earliest received_at wins', async () => {
    const lake = await mkdtemp(path.join(tmpdir(), 'fleetlake-dedupe-'));
    try {
      const t0 = fx.at(`${fx.D1}T09:00:00Z`);
      const base = [0, 1, 2].map((i) => ({ vehicle_id: 'V9', ts: t0 + i * 1000, ignition: false, battery_v: 12.5, received_at: t0 + 5000 }));
      const other = [{ vehicle_id: 'V8', ts: t0, ignition: false, battery_v: 12.0, received_at: t0 + 5000 }];
      await fx.writeParts(lake, 'part-a', [...base, ...other]);
      await fx.writeParts(lake, 'part-b', [
        ...base.map((s) => ({ ...s, received_at: s.received_at + 60_000 })), // the same samples, later
        { ...base[1]!, battery_v: 11.0, received_at: t0 + 70_000 }, // conflicting, later: loses
      ]);
      await fx.writeParts(lake, 'part-c', [{ ...base[2]!, battery_v: 13.3, received_at: t0 + 4000 }]); // conflicting, earlier: wins
      const r = await runFeatures({ lake, dates: [fx.D1] });
      expect(r.rows.telemetry).toBe(4);
      const rows = await readTable(lake, 'silver', 'telemetry', fx.D1);
      expect(rows.map((x) => [x.vehicle_id, x.ts, num(x.battery_v), x.source_key])).toEqual([
        ['V8', '2026-03-01 09:00:00', 12.0, 'telemetry/part-a.gz'],
        ['V9', '2026-03-01 09:00:00', 12.5, 'telemetry/part-a.gz'],
        ['V9', '2026-03-01 09:00:01', 12.5, 'telemetry/part-a.gz'],
        ['V9', '2026-03-01 09:00:02', 13.3, 'telemetry/part-c.gz'],
      ]);
    } finally {
      await rm(lake, { recursive: true, force: true });
    }
  });
});

describe('runFeatures: idempotent, partition-scoped overwrite', () => {
  async function snapshot(dir: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const f = path.join(e.parentPath, e.name);
      out[path.relative(dir, f)] = createHash('sha256').update(await readFile(f)).digest('hex');
    }
    return out;
  }

  it('a rerun is byte-identical; running date A never touches date B; an emptied date loses its partitions', async () => {
    const lake = await mkdtemp(path.join(tmpdir(), 'fleetlake-idem-'));
    try {
      await fx.writeParts(lake, 'part-a', [...fx.straightDrive(), ...fx.midnightDrive(), ...fx.dtcs(), ...fx.drainingBattery()]);
      await runFeatures({ lake, dates: [fx.D1, fx.D2] });
      const first = await snapshot(lake);
      const goldD1 = Object.keys(first).filter((k) => k.startsWith('gold/') && k.includes(`dt=${fx.D1}`));
      expect(goldD1.sort()).toEqual(['dtc_events', 'trips', 'trips_public', 'vehicle_daily'].map((t) => `gold/${t}/dt=${fx.D1}/${PART_FILE}`));

      await runFeatures({ lake, dates: [fx.D1, fx.D2] });
      expect(await snapshot(lake)).toEqual(first);

      // date D2 only: D1's files keep their bytes and their inode times
      const d1Trips = path.join(lake, 'gold', 'trips', `dt=${fx.D1}`, PART_FILE);
      const before = await stat(d1Trips);
      await rm(path.join(lake, 'silver', 'telemetry_parts', `dt=${fx.D2}`), { recursive: true });
      await runFeatures({ lake, dates: [fx.D2] });
      const after = await snapshot(lake);
      expect((await stat(d1Trips)).mtimeMs).toBe(before.mtimeMs);
      for (const [k, v] of Object.entries(first)) if (k.includes(`dt=${fx.D1}`)) expect(after[k]).toBe(v);
      // D2 now has no samples: every D2 partition is gone, nothing half-written is left behind
      expect(Object.keys(after).filter((k) => k.includes(`dt=${fx.D2}`) && !k.startsWith('silver/telemetry_parts/'))).toEqual([]);
      expect(Object.keys(after).filter((k) => /\/_(tmp|old)-/.test(k))).toEqual([]);
    } finally {
      await rm(lake, { recursive: true, force: true });
    }
  });
});
