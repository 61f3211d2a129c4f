import schema from '../contract/telemetry.v1.schema.json' with { type: 'json' };
import { contractValidator } from '../contract/validator';
import { KEYWORD_REASON, REASON_DESCRIPTIONS, REASONS, rejectionFromErrors, SCHEMA_REASON_PRIORITY } from './reasons';

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
  ['negative epoch ms', { ...base, ts: -5 }, 'bad_timestamp', 'ts: must be >= 0 (epoch ms)'],
  ['epoch ms past 9999-12-31', { ...base, ts: 100000000000000000 }, 'bad_timestamp', 'ts: must be <= 253402300799999 (epoch ms)'],
  ['29 February of a common year', { ...base, ts: '2027-02-29T12:00:00Z' }, 'bad_timestamp', 'ts: 2027-02-29 is not a calendar date'],
  ['30 February', { ...base, ts: '2026-02-30T08:00:00.000Z' }, 'bad_timestamp', 'ts: 2026-02-30 is not a calendar date'],
  ['24:00:00', { ...base, ts: '2026-03-01T24:00:00Z' }, 'bad_timestamp', 'ts: 24:00:00 is not a time of day'],
  ['month 13', { ...base, ts: '2026-13-01T10:00:00Z' }, 'bad_timestamp', 'ts: 2026-13-01 is not a calendar date'],
  ['a zone offset of 25 h', { ...base, ts: '2026-03-01T10:00:00+25:00' }, 'bad_timestamp', 'ts: zone +25:00 is not an offset'],
  ['year 0', { ...base, ts: '0000-03-01T10:00:00Z' }, 'bad_timestamp', 'ts: outside 0001-01-01T00:00:00Z'],
  ['seq beyond 2^53 - 1', { ...base, seq: 2 ** 53 }, 'out_of_range', 'seq: must be <= 9007199254740991'],
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

test('a string ts not of the ISO form stays bad_format, and a bad timestamp outranks a value out of range', () => {
  expect(reject({ ...base, ts: 'yesterday' })).toMatchObject({ reason: 'bad_format', detail: 'ts: must match format "iso-date-time-with-zone"' });
  const r = reject({ ...base, ts: '2027-02-29T12:00:00Z', battery_v: 31 });
  expect(r.reason).toBe('bad_timestamp');
  expect(r.detail.split('; ').sort()).toEqual(['battery_v: must be <= 30', 'ts: 2027-02-29 is not a calendar date']);
});

test('the reason list is the contract\'s: every code once, each with a description, every mapped code in it', () => {
  expect(REASONS).toEqual(Object.keys(schema['x-quarantine-reasons']));
  expect(REASONS).toHaveLength(15);
  expect(REASONS).toEqual(expect.arrayContaining(['bad_timestamp', 'too_deep', 'corrupt_object']));
  for (const r of REASONS) expect(REASON_DESCRIPTIONS[r].length).toBeGreaterThan(20);
  for (const r of [...SCHEMA_REASON_PRIORITY, ...Object.values(KEYWORD_REASON)]) expect(REASONS).toContain(r);
});
