import { contractValidator } from '../contract/validator';
import { REASONS, rejectionFromErrors, SCHEMA_REASON_PRIORITY } from './reasons';

const v = contractValidator().sample;
const base = { vehicle_id: 'V1', ts: 1772359200000, ignition: true, battery_v: 12.6 };
function reject(sample: Record<string, unknown>) {
  expect(v(sample)).toBe(false);
  return rejectionFromErrors(v.errors ?? [], sample);
}

test.each(
  (
    [
  ['missing required field', { vehicle_id: 'V1', ts: 1, ignition: true }, 'missing_field', 'battery_v: must have required property'],
  ['null in a required field (null means absent)', { ...base, battery_v: null }, 'missing_field', 'battery_v: must be number'],
  ['boolean as string', { ...base, ignition: 'yes' }, 'wrong_type', 'ignition: must be boolean'],
  ['ts of the wrong type', { ...base, ts: true }, 'wrong_type', 'ts: must be an ISO-8601 string'],
  ['fractional epoch ms', { ...base, ts: 1.5 }, 'wrong_type', 'ts: must be an ISO-8601 string'],
  ['battery above 30 V', { ...base, battery_v: 30.5 }, 'out_of_range', 'battery_v: must be <= 30'],
  ['negative epoch ms', { ...base, ts: -5 }, 'out_of_range', 'ts: must be >= 0'],
  ['ts without a zone', { ...base, ts: '2026-03-01T10:00:00' }, 'bad_format', 'ts: must match format'],
  ['bad vehicle id', { ...base, vehicle_id: 'bad id!' }, 'bad_format', 'vehicle_id: must match pattern'],
  ['bad DTC', { ...base, dtc: ['P0301', 'X1'] }, 'bad_format', 'dtc.1: must match pattern'],
  ['lat without lon', { ...base, lat: 48.1 }, 'lat_lon_pair', 'lat/lon: must come together'],
  ['lon with lat null', { ...base, lat: null, lon: 11.5 }, 'lat_lon_pair', 'lat/lon: must come together'],
    ] as Array<[string, Record<string, unknown>, string, string]>
  ).map(([name, sample, reason, detail]) => [name, reason, sample, detail] as const),
)('%s → %s', (_name, reason, sample, detail) => {
  const r = reject(sample);
  expect(r.reason).toBe(reason);
  expect(r.detail).toContain(detail);
});

test('several errors: the reason follows the documented priority, detail lists them all', () => {
  const r = reject({ vehicle_id: 'V1', ts: 'yesterday', battery_v: 99, lat: 'x', lon: 1 });
  expect(r.reason).toBe('missing_field'); // ignition missing outranks everything else
  expect(r.detail.split('; ')).toEqual(
    expect.arrayContaining(['ignition: must have required property \'ignition\'', 'battery_v: must be <= 30', 'lat: must be number,null', 'lat/lon: must come together (both numbers or both absent)']),
  );
  expect(r.detail).toContain('ts: must match format');
  expect(r.detail).not.toContain('must be integer'); // the oneOf branch that did not apply is folded away
});

test('priority covers schema reasons; every reason code is listed once', () => {
  expect(new Set(REASONS).size).toBe(12);
  for (const r of SCHEMA_REASON_PRIORITY) expect(REASONS).toContain(r);
});
