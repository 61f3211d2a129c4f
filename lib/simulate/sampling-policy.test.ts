import { describe, expect, test } from '@jest/globals';
import { ParkedEnvelope, PARKED_BATCH_MS, SamplingPolicy } from './sampling-policy';

/** Drive the policy at a fixed tick and return the times it sampled. */
function run(policy: SamplingPolicy, from: number, to: number, tick: number, state: (t: number) => { ignition: boolean; battery: number }): number[] {
  const out: number[] = [];
  for (let t = from; t < to; t += tick) {
    const s = state(t);
    if (policy.observe(t, s.ignition, s.battery)) out.push(t);
  }
  return out;
}

test('rule 1: ignition on samples at 10 Hz', () => {
  const times = run(new SamplingPolicy(), 0, 2000, 10, () => ({ ignition: true, battery: 14.2 }));
  expect(times).toEqual(Array.from({ length: 20 }, (_, i) => i * 100));
});

test('rule 2: ignition off samples once per 60 s', () => {
  const p = new SamplingPolicy();
  const times = run(p, 0, 300_000, 1000, () => ({ ignition: false, battery: 12.6 }));
  expect(times).toEqual([0, 60_000, 120_000, 180_000, 240_000]);
  expect(p.nextDueAt()).toBe(300_000);
});

test('rule 3: an ignition change samples immediately, off-schedule, in both directions', () => {
  const p = new SamplingPolicy();
  const ign = (t: number) => t >= 25_050 && t < 25_370; // on at 25.05 s, off at 25.37 s
  const times = run(p, 0, 90_000, 10, (t) => ({ ignition: ign(t), battery: 12.6 }));
  // 0 (first), 25050 (on: immediate), 10 Hz from there, 25370 (off: immediate), then 60 s after that
  expect(times).toEqual([0, 25_050, 25_150, 25_250, 25_350, 25_370, 85_370]);
});

test('rule 4: off and battery < 11.5 V sends that sample, then nothing until ignition on', () => {
  const p = new SamplingPolicy();
  const battery = (t: number) => 12.0 - t / 600_000; // 11.5 V at 300 s
  const ignitionOnAt = 1_000_000;
  const times = run(p, 0, 1_000_300, 100, (t) => ({ ignition: t >= ignitionOnAt, battery: battery(t) }));
  const cut = 360_000; // first scheduled sample below 11.5 V
  expect(times.filter((t) => t <= cut)).toEqual([0, 60_000, 120_000, 180_000, 240_000, 300_000, 360_000]);
  // nothing between the cut-off and ignition on, however long
  expect(times.filter((t) => t > cut && t < ignitionOnAt)).toEqual([]);
  expect(times.filter((t) => t >= ignitionOnAt)).toEqual([1_000_000, 1_000_100, 1_000_200]);
  expect(p.isCutOff).toBe(false);
});

test('rule 4: while cut off nextDueAt is null and an off->off observation does not wake it', () => {
  const p = new SamplingPolicy();
  expect(p.observe(0, false, 11.2)).toBe(true);
  expect(p.isCutOff).toBe(true);
  expect(p.nextDueAt()).toBeNull();
  expect(p.observe(10 * 3_600_000, false, 10.0)).toBe(false);
  expect(p.observe(10 * 3_600_000 + 1, true, 10.0)).toBe(true); // ignition on wakes it
  expect(p.nextDueAt()).toBe(10 * 3_600_000 + 101);
});

test('switching off with a low battery sends the ignition-change sample and cuts off right away', () => {
  const p = new SamplingPolicy();
  p.observe(0, true, 12.0);
  expect(p.observe(50, false, 11.4)).toBe(true);
  expect(p.observe(60_050, false, 11.4)).toBe(false);
});

describe('ParkedEnvelope: parked samples go out together every 10 minutes', () => {
  const off = (t: number, batteryV = 12.4) => ({ t, ignition: false, batteryV });
  const on = (t: number) => ({ t, ignition: true, batteryV: 14.2 });

  test('the recommended window is 10 minutes: ten 1/min samples in one envelope', () => {
    expect(PARKED_BATCH_MS).toBe(600_000);
    const e = new ParkedEnvelope();
    const sent: number[][] = [];
    for (let m = 0; m < 30; m++) {
      const r = e.add(off(m * 60_000));
      expect(r).toEqual({ flush: [], now: false });
      const due = e.due(m * 60_000 + 1000);
      if (due.length) sent.push(due.map((s) => s.t / 60_000));
    }
    expect(sent).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]]);
    expect(e.size).toBe(8);
  });

  test('ignition on sends what is held at once, and the on-sample itself goes out with the driving envelope', () => {
    const e = new ParkedEnvelope();
    e.add(off(0));
    e.add(off(60_000));
    expect(e.add(on(90_000))).toEqual({ flush: [off(0), off(60_000)], now: true });
    expect(e.size).toBe(0);
  });

  test('a sample below the 11.5 V cut-off is sent at once with what is held (the device goes silent after it)', () => {
    const e = new ParkedEnvelope();
    e.add(off(0, 11.6));
    expect(e.add(off(60_000, 11.49))).toEqual({ flush: [off(0, 11.6), off(60_000, 11.49)], now: false });
  });

  test('a window of 0 sends every parked sample alone; a negative window is refused', () => {
    expect(new ParkedEnvelope(0).add(off(0))).toEqual({ flush: [off(0)], now: false });
    expect(() => new ParkedEnvelope(-1)).toThrow('>= 0');
  });
});
