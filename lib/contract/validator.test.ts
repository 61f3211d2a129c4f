import { contractValidator, isIsoDateTimeWithZone, isoMillis, isoProblem, TS_MAX_MS, TS_MIN_ISO_MS } from './validator';

const ok = { vehicle_id: 'V1', ts: '2026-03-01T10:00:00.100Z', ignition: true, battery_v: 14.1 };

test('ts must carry a zone', () => {
  expect(isIsoDateTimeWithZone('2026-03-01T10:00:00Z')).toBe(true);
  expect(isIsoDateTimeWithZone('2026-03-01T10:00:00.123+02:00')).toBe(true);
  expect(isIsoDateTimeWithZone('2026-03-01T10:00:00')).toBe(false);
  expect(isIsoDateTimeWithZone('2026-13-01T10:00:00Z')).toBe(false);
});

/** The ISO form's fields as numbers, or null when `t` is not of the form. */
function fieldsOf(t: string): number[] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|[+-]\d{2}:\d{2})$/i.exec(t);
  return m ? m.slice(1, 7).map(Number) : null;
}

test('isoMillis agrees with Date.parse on every real instant, and rejects exactly the times Date.parse would move', () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const pad = (v: number, w: number) => String(v).padStart(w, '0');
  const zones = ['Z', 'z', '+00:00', '-00:00', '+01:00', '-05:30', '+14:00', '-23:59', '+23:59'];
  const fraction = () => ['', '.1', '.12', '.123', '.1239', '.123456789'][rnd(6)]!;
  // Any field value, including impossible ones (month 13, day 31 of a 30-day month, hour 24, second 60).
  const wild = Array.from({ length: 4000 }, () => `${pad(1900 + rnd(200), 4)}-${pad(rnd(14), 2)}-${pad(rnd(33), 2)}T${pad(rnd(26), 2)}:${pad(rnd(61), 2)}:${pad(rnd(61), 2)}${fraction()}${zones[rnd(zones.length)]}`);
  // Real dates in any year, canonical (the fast path) and not.
  const real = Array.from({ length: 4000 }, () => {
    const t = new Date(Date.UTC(1 + rnd(9999), rnd(12), 1 + rnd(31), rnd(24), rnd(60), rnd(60), rnd(1000))).toISOString();
    return /^\d{4}-/.test(t) ? (rnd(2) ? t : t.replace('Z', zones[rnd(zones.length)]!)) : '2026-03-01T10:00:00.000Z';
  });
  const edge = ['2026-02-28T23:59:59.999Z', '2024-02-29T12:00:00.000Z', '2000-02-29T00:00:00.000Z', '0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2026-03-01t10:00:00.100z'];
  let agreed = 0;
  let rejectedMoved = 0;
  for (const t of [...edge, ...wild, ...real]) {
    const ms = isoMillis(t);
    const parsed = Date.parse(t);
    if (!Number.isNaN(ms)) {
      expect([t, ms]).toEqual([t, parsed]);
      agreed++;
      continue;
    }
    // Rejected: Date.parse gives NaN too, or it moved the written date or time (a calendar overflow or 24:00).
    if (Number.isNaN(parsed)) continue;
    const [year, month, day, hour, minute, second] = fieldsOf(t)!;
    const zone = /([+-])(\d{2}):(\d{2})$/.exec(t);
    const offset = zone ? (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) * 60_000 : 0;
    const wall = new Date(parsed + offset);
    const same = wall.getUTCFullYear() === year && wall.getUTCMonth() + 1 === month && wall.getUTCDate() === day && wall.getUTCHours() === hour && wall.getUTCMinutes() === minute && wall.getUTCSeconds() === second;
    expect([t, same]).toEqual([t, false]);
    rejectedMoved++;
  }
  expect(agreed).toBeGreaterThan(4000);
  expect(rejectedMoved).toBeGreaterThan(20); // 49 with this seed: days 29-31 past the month end, and 24:00:00
  expect(isoMillis('2026-03-01T10:00:00.100Z')).toBe(Date.UTC(2026, 2, 1, 10, 0, 0, 100));
});

test('impossible calendar dates and times are rejected on the canonical and the general path (Date.parse moves them)', () => {
  for (const t of ['2027-02-29T12:00:00Z', '2027-02-29T12:00:00.000Z', '2026-02-30T08:00:00.000Z', '2026-04-31T00:00:00+02:00', '1900-02-29T00:00:00.000Z', '2026-03-01T24:00:00Z', '2026-03-01T24:00:00.000Z']) {
    expect([t, isoMillis(t)]).toEqual([t, NaN]);
    expect(Number.isNaN(Date.parse(t))).toBe(false); // what the old parser would have stored
  }
  expect(isoProblem('2027-02-29T12:00:00Z')).toBe('2027-02-29 is not a calendar date');
  expect(isoProblem('2026-03-01T24:00:00Z')).toMatch(/^24:00:00 is not a time of day/);
  expect(isoProblem('2026-03-01T23:59:60Z')).toMatch(/^23:59:60 is not a time of day/);
  expect(isoProblem('2026-03-01T10:00:00+24:00')).toMatch(/^zone \+24:00 is not an offset/);
  expect(isoProblem('2024-02-29T12:00:00Z')).toBeNull();
});

test('the contract range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, also after the zone offset', () => {
  expect(TS_MAX_MS).toBe(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
  expect(isoMillis('9999-12-31T23:59:59.999Z')).toBe(TS_MAX_MS);
  expect(isoMillis('9999-12-31T23:59:59.999-00:01')).toBeNaN(); // year 10000 in UTC
  expect(isoMillis('0001-01-01T00:00:00.000Z')).toBe(TS_MIN_ISO_MS);
  expect(isoMillis('0001-01-01T00:00:00+00:01')).toBeNaN(); // year 0 in UTC
  expect(isoMillis('0000-06-01T00:00:00.000Z')).toBeNaN();
  expect(isoProblem('0000-06-01T00:00:00Z')).toMatch(/^outside 0001-01-01/);
  const v = contractValidator();
  expect(v.sample({ ...ok, ts: TS_MAX_MS })).toBe(true);
  expect(v.sample({ ...ok, ts: TS_MAX_MS + 1 })).toBe(false);
  expect(v.sample({ ...ok, ts: 100000000000000000 })).toBe(false);
  expect(v.sample({ ...ok, seq: 2 ** 53 })).toBe(false);
  expect(v.sample({ ...ok, seq: 2 ** 53 - 1 })).toBe(true);
});

test('a minimal sample and an envelope are valid messages; unknown fields are allowed', () => {
  const v = contractValidator();
  expect(v.sample(ok)).toBe(true);
  expect(v.message({ ...ok, firmware: '1.2' })).toBe(true);
  expect(v.message({ vehicle_id: 'V1', samples: [{ ts: 1772359200000, ignition: false, battery_v: 12.6 }] })).toBe(true);
});

test('each rule of the contract rejects what it should', () => {
  const v = contractValidator();
  const bad = (s: object) => {
    expect(v.sample(s)).toBe(false);
    return v.sample.errors!.map((e) => e.keyword);
  };
  expect(bad({ ...ok, battery_v: undefined })).toContain('required');
  expect(bad({ ...ok, ignition: 'yes' })).toContain('type');
  expect(bad({ ...ok, rpm: 20000 })).toContain('maximum');
  expect(bad({ ...ok, vehicle_id: 'V 1' })).toContain('pattern');
  expect(bad({ ...ok, dtc: ['P0420', 'X123'] })).toContain('pattern');
  expect(bad({ ...ok, ts: '2026-03-01 10:00' })).toContain('oneOf');
  expect(bad({ ...ok, lat: 52.1 })).toContain('anyOf');
  expect(v.sample({ ...ok, lat: 52.1, lon: 4.3, speed_kmh: null })).toBe(true);
  expect(v.message({ vehicle_id: 'V1', samples: Array.from({ length: 501 }, () => ({ ts: 1, ignition: true, battery_v: 14 })) })).toBe(false);
});
