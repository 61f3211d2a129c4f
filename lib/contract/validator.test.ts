import { contractValidator, isIsoDateTimeWithZone, isoMillis } from './validator';

const ok = { vehicle_id: 'V1', ts: '2026-03-01T10:00:00.100Z', ignition: true, battery_v: 14.1 };

test('ts must carry a zone', () => {
  expect(isIsoDateTimeWithZone('2026-03-01T10:00:00Z')).toBe(true);
  expect(isIsoDateTimeWithZone('2026-03-01T10:00:00.123+02:00')).toBe(true);
  expect(isIsoDateTimeWithZone('2026-03-01T10:00:00')).toBe(false);
  expect(isIsoDateTimeWithZone('2026-13-01T10:00:00Z')).toBe(false);
});

test('isoMillis: the canonical fast path gives what the regex and Date.parse give', () => {
  const general = (t: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i.test(t) ? Date.parse(t) : NaN);
  const edge = ['2026-02-28T23:59:59.999Z', '2026-02-29T00:00:00.000Z', '2024-02-29T12:00:00.000Z', '2026-02-30T00:00:00.000Z', '2026-03-01T24:00:00.000Z',
    '2026-03-01T23:59:60.000Z', '2026-13-01T00:00:00.000Z', '2026-00-10T00:00:00.000Z', '2026-03-00T00:00:00.000Z', '0099-03-01T00:00:00.000Z',
    '2026-03-01T10:00:00.1a0Z', '2026-03-01t10:00:00.100z', '2026-03-01T10:00:00.100+01:00', '2026-03-01 10:00:00.100Z', '+02026-03-01T10:00:00.100Z'];
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const pad = (v: number, w: number) => String(v).padStart(w, '0');
  const random = Array.from({ length: 2000 }, () => `${pad(1900 + rnd(200), 4)}-${pad(rnd(14), 2)}-${pad(rnd(33), 2)}T${pad(rnd(26), 2)}:${pad(rnd(61), 2)}:${pad(rnd(61), 2)}.${pad(rnd(1000), 3)}Z`);
  const anyYear = Array.from({ length: 2000 }, () => `${pad(1000 + rnd(9000), 4)}-${pad(1 + rnd(12), 2)}-${pad(1 + rnd(28), 2)}T${pad(rnd(24), 2)}:${pad(rnd(60), 2)}:${pad(rnd(60), 2)}.${pad(rnd(1000), 3)}Z`);
  for (const t of [...edge, ...random, ...anyYear]) expect([t, isoMillis(t)]).toEqual([t, general(t)]);
  expect(isoMillis('2026-03-01T10:00:00.100Z')).toBe(Date.UTC(2026, 2, 1, 10, 0, 0, 100));
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
