import { contractValidator } from '../contract/validator';
import { generateMessages, idPrefixProblem, MAX_SAMPLES_PER_ENVELOPE, type SimMessage } from './fleet';
import type { SimSample } from './vehicle';

const start = Date.UTC(2026, 2, 2, 7, 0);
const opts = { vehicles: 4, start, durationMs: 2 * 3_600_000, seed: 'test' };
const messages: SimMessage[] = [...generateMessages(opts)];
const byVehicle = new Map<string, SimSample[]>();
for (const m of messages) {
  const samples = 'samples' in m.payload ? m.payload.samples : [m.payload];
  byVehicle.set(m.vehicleId, [...(byVehicle.get(m.vehicleId) ?? []), ...samples]);
}
const t = (s: SimSample) => Date.parse(s.ts);

test('deterministic for a seed, different for another', () => {
  const again = [...generateMessages({ ...opts, durationMs: 600_000 })];
  expect(JSON.stringify(again)).toBe(JSON.stringify([...generateMessages({ ...opts, durationMs: 600_000 })]));
  expect(JSON.stringify(again)).not.toBe(JSON.stringify([...generateMessages({ ...opts, durationMs: 600_000, seed: 'other' })]));
});

test('every message satisfies the contract; envelopes are 1 s windows under 128 KB; ids V0001..', () => {
  const v = contractValidator();
  const bad = messages.filter(
    (m) => !v.message(m.payload) || m.topic !== `fleet/${m.vehicleId}/telemetry` || Buffer.byteLength(JSON.stringify(m.payload)) >= 128 * 1024 || m.samples > MAX_SAMPLES_PER_ENVELOPE,
  );
  expect(bad).toEqual([]);
  expect([...byVehicle.keys()].sort()).toEqual(['V0001', 'V0002', 'V0003', 'V0004', 'V0005', 'V0006', 'V0007', 'V0008'].filter((id) => byVehicle.has(id)));
  expect(messages.every((m, i) => i === 0 || Math.floor((m.at - start) / 1000) >= Math.floor((messages[i - 1]!.at - start) / 1000))).toBe(true);
});

test('per vehicle: seq increases, 10 Hz with ignition on, 60 s with it off', () => {
  const bad: unknown[] = [];
  for (const samples of byVehicle.values()) {
    for (let i = 1; i < samples.length; i++) {
      const [a, b] = [samples[i - 1]!, samples[i]!];
      const dt = t(b) - t(a);
      if (b.seq !== a.seq + 1 || (a.ignition && b.ignition && dt !== 100) || (!a.ignition && !b.ignition && a.battery_v >= 11.5 && dt !== 60_000)) bad.push([a, b]);
    }
  }
  expect(bad).toEqual([]);
});

test('motion is consistent: position follows speed and heading; harsh events match speed changes', () => {
  let harshAccel = 0;
  let harshBrake = 0;
  let errSum = 0;
  let errN = 0;
  const bad: unknown[] = [];
  for (const s of byVehicle.values()) {
    for (let i = 1; i < s.length; i++) {
      const [a, b] = [s[i - 1]!, s[i]!];
      if (!(a.ignition && b.ignition)) continue;
      const dy = (b.lat - a.lat) * 111_320;
      const dx = (b.lon - a.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180);
      const travelled = Math.hypot(dx, dy);
      const expected = ((a.speed_kmh + b.speed_kmh) / 2 / 3.6) * 0.1;
      const err = Math.abs(travelled - expected);
      if (err >= 6) bad.push([a, b]); // GPS noise (sd ~1 m per axis, bounded) + speed rounding
      errSum += err;
      errN += 1;
      const dvG = ((b.speed_kmh - a.speed_kmh) / 3.6 / 0.1) / 9.81;
      if (b.accel_x_g > 0.35) {
        harshAccel += 1;
        if (!(dvG > 0)) bad.push([a, b]);
      }
      if (b.accel_x_g < -0.4) {
        harshBrake += 1;
        if (!(dvG <= 0)) bad.push([a, b]);
      }
    }
  }
  expect(bad).toEqual([]);
  expect(errSum / errN).toBeLessThan(1.6);
  expect(harshAccel).toBeGreaterThan(0);
  expect(harshBrake).toBeGreaterThan(0);
});

test('battery: ~14.2 V running, ~12.6 V at rest; a drained vehicle drops below 11.5 V, then goes silent', () => {
  const all = [...byVehicle.values()].flat();
  const running = all.filter((s) => s.ignition && s.speed_kmh > 0).map((s) => s.battery_v);
  expect(Math.min(...running)).toBeGreaterThan(13.9);
  expect(Math.max(...running)).toBeLessThan(14.5);
  const drained = [...byVehicle.values()].filter((s) => s.some((x) => !x.ignition && x.battery_v < 11.5));
  expect(drained.length).toBeGreaterThan(0);
  for (const s of drained) {
    const i = s.findIndex((x) => !x.ignition && x.battery_v < 11.5);
    const next = s[i + 1];
    if (next) expect(next.ignition).toBe(true); // nothing until ignition on
  }
  const rest = all.filter((s) => !s.ignition && s.battery_v > 12);
  expect(rest.every((s) => s.battery_v < 13.1)).toBe(true);
});

test('coolant warms up while driving; odometer never decreases', () => {
  for (const s of byVehicle.values()) {
    expect(s.every((x, i) => i === 0 || x.odometer_km >= s[i - 1]!.odometer_km)).toBe(true);
    const driving = s.filter((x) => x.ignition);
    if (driving.length > 20 * 60 * 10) expect(Math.max(...driving.map((x) => x.coolant_c))).toBeGreaterThan(80);
  }
});

test('single-sample mode: one message per sample with vehicle_id, in time order', () => {
  const singles = [...generateMessages({ ...opts, durationMs: 120_000, batchMs: 0 })];
  expect(singles.every((m) => m.samples === 1 && 'vehicle_id' in m.payload && !('samples' in m.payload))).toBe(true);
  expect(singles.every((m, i) => i === 0 || m.at >= singles[i - 1]!.at)).toBe(true);
  const batched = [...generateMessages({ ...opts, durationMs: 120_000 })].reduce((n, m) => n + m.samples, 0);
  expect(singles.length).toBe(batched);
});

test('vehicles drive about driveHoursPerDay hours a day (the benchmark and demo fleets rely on it)', () => {
  const drivenHoursPerDay = (driveHoursPerDay: number) => {
    let on = 0;
    const days = 1;
    const vehicles = 4;
    for (const m of generateMessages({ vehicles, start, durationMs: days * 86_400_000, seed: 'drive', hz: 1, driveHoursPerDay })) {
      for (const s of 'samples' in m.payload ? m.payload.samples : [m.payload]) if (s.ignition) on += 1;
    }
    return on / 3600 / (days * vehicles); // 1 Hz: one ignition-on sample per driven second
  };
  const one = drivenHoursPerDay(1);
  expect(one).toBeGreaterThan(0.5);
  expect(one).toBeLessThan(1.5);
  expect(drivenHoursPerDay(3) / one).toBeGreaterThan(2);
});

test('parked batching (the device contract): the same samples in far fewer parked messages, none later than 10 min', () => {
  const alone = [...generateMessages({ ...opts, parkedBatchMs: 0 })];
  const samplesOf = (ms: SimMessage[]) => ms.flatMap((m) => ('samples' in m.payload ? m.payload.samples : [m.payload])).map((s) => `${s.ts}/${s.seq}`).sort();
  expect(samplesOf(messages)).toEqual(samplesOf(alone));
  const parkedOnly = (ms: SimMessage[]) => ms.filter((m) => 'samples' in m.payload && m.payload.samples.every((s) => !s.ignition));
  const [batched, single] = [parkedOnly(messages), parkedOnly(alone)];
  expect(single.every((m) => m.samples === 1)).toBe(true);
  expect(batched.length).toBeLessThan(single.length / 5);
  // a parked sample waits at most the window (plus the 1 s envelope window it was taken in)
  for (const m of batched) for (const s of (m.payload as { samples: SimSample[] }).samples) expect(m.at - t(s)).toBeLessThanOrEqual(600_000 + 1000);
});

test('--id-prefix names the vehicles <prefix>0001..; the data stays that of the seed; ids must match the contract', () => {
  const named = [...generateMessages({ ...opts, idPrefix: 'B-' })];
  expect([...new Set(named.map((m) => m.vehicleId))].sort()).toEqual(['B-0001', 'B-0002', 'B-0003', 'B-0004']);
  expect(named.every((m) => m.topic === `fleet/${m.vehicleId}/telemetry` && m.payload.vehicle_id === m.vehicleId)).toBe(true);
  expect(JSON.stringify(named).replaceAll('B-0', 'V0')).toBe(JSON.stringify(messages));
  expect(idPrefixProblem('V', 100_000)).toBeNull();
  expect(idPrefixProblem('fleet/1', 4)).toMatch(/"fleet\/10004" do not match the contract's vehicle_id pattern/);
  expect(idPrefixProblem('x'.repeat(60), 4)).toBeNull(); // 64 characters
  expect(idPrefixProblem('x'.repeat(61), 4)).toMatch(/at most 64/);
  expect(() => [...generateMessages({ ...opts, idPrefix: 'a b' })]).toThrow(/id prefix "a b"/);
});
