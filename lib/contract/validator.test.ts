import { contractValidator, isIsoDateTimeWithZone } from './validator';

const ok = { vehicle_id: 'V1', ts: '2026-03-01T10:00:00.100Z', ignition: true, battery_v: 14.1 };

test('ts must carry a zone', () => {
  expect(isIsoDateTimeWithZone('2026-03-01T10:00:00Z')).toBe(true);
  expect(isIsoDateTimeWithZone('2026-03-01T10:00:00.123+02:00')).toBe(true);
  expect(isIsoDateTimeWithZone('2026-03-01T10:00:00')).toBe(false);
  expect(isIsoDateTimeWithZone('2026-13-01T10:00:00Z')).toBe(false);
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
