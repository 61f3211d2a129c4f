import { MAX_JSON_DEPTH } from '../contract/json-depth';
import { isInvalidJsonLine, projectMessage, projectMessageParts, rawPayloadBytes, ruleTopicVehicleId, telemetryTopic } from './rule';

const T = Date.UTC(2026, 2, 1, 10, 0, 0, 123);
const enc = (s: string) => Buffer.from(s, 'utf8');

test('topic(2) of both routes; other topics do not match the rule', () => {
  expect(ruleTopicVehicleId('fleet/V0001/telemetry')).toBe('V0001');
  expect(ruleTopicVehicleId('$aws/rules/fleetlake_prod_telemetry/fleet/V7/telemetry')).toBe('V7');
  expect(ruleTopicVehicleId('fleet/V1/status')).toBeNull();
  expect(ruleTopicVehicleId('fleet/V1/telemetry/x')).toBeNull();
  expect(ruleTopicVehicleId('$aws/rules/a-b/fleet/V1/telemetry')).toBeNull(); // rule names are [A-Za-z0-9_]
  expect(telemetryTopic('V1', 'r')).toBe('$aws/rules/r/fleet/V1/telemetry');
});

test('a sample gets topic_vehicle_id and received_at; payload bytes and unknown fields are kept', () => {
  const p = projectMessage('V1', enc('{"vehicle_id":"V1","ts":1,"battery_v":12.60,"fw":"x"}'), T);
  expect(p).toEqual({ line: `{"vehicle_id":"V1","ts":1,"battery_v":12.60,"fw":"x","topic_vehicle_id":"V1","received_at":${T}}`, samples: 1, valid: true });
  expect(JSON.parse(p.line)).toMatchObject({ fw: 'x', topic_vehicle_id: 'V1', received_at: T });
});

test('an envelope counts its samples; an empty object and padded JSON still project', () => {
  expect(projectMessage('V2', enc('{"vehicle_id":"V2","samples":[{},{},{}]}'), T).samples).toBe(3);
  expect(projectMessage('V2', enc(' { } \n'), T).line).toBe(`{"topic_vehicle_id":"V2","received_at":${T}}`);
});

test('multi-line JSON lands on one line; the rule fields win over payload fields of the same name', () => {
  const p = projectMessage('V3', enc('{\n  "ts": 5,\n  "topic_vehicle_id": "spoof"\n}'), T);
  expect(p.line).not.toContain('\n');
  expect(JSON.parse(p.line)).toEqual({ ts: 5, topic_vehicle_id: 'V3', received_at: T });
});

test.each([
  ['not json', 'hello {', 'utf8'],
  ['a JSON array', '[1,2]', 'utf8'],
  ['a JSON number', '42', 'utf8'],
  ['empty', '', 'utf8'],
])('%s is landed raw, marked, with both rule fields', (_name, text, encoding) => {
  const p = projectMessage('V4', enc(text), T);
  expect(p.valid).toBe(false);
  expect(p.samples).toBe(0);
  const line = JSON.parse(p.line);
  expect(line).toEqual({ raw_payload: text, raw_payload_encoding: encoding, topic_vehicle_id: 'V4', received_at: T });
  expect(isInvalidJsonLine(line)).toBe(true);
  expect(rawPayloadBytes(line).toString('utf8')).toBe(text);
});

test('bytes that are not UTF-8 are kept exactly, base64-encoded', () => {
  const bytes = Buffer.from([0xff, 0xfe, 0x7b, 0x00]);
  const line = JSON.parse(projectMessage('V5', bytes, T).line);
  expect(line.raw_payload_encoding).toBe('base64');
  expect(isInvalidJsonLine(line) && rawPayloadBytes(line).equals(bytes)).toBe(true);
});

test('isInvalidJsonLine does not claim real telemetry that happens to carry a raw_payload field', () => {
  const sample = JSON.parse(projectMessage('V1', enc('{"ts":1,"ignition":true,"battery_v":14,"raw_payload":"x","raw_payload_encoding":"utf8"}'), T).line);
  expect(isInvalidJsonLine(sample)).toBe(false);
  expect(isInvalidJsonLine(null)).toBe(false);
  expect(isInvalidJsonLine({ raw_payload: 1, raw_payload_encoding: 'utf8', topic_vehicle_id: 'V', received_at: 1 })).toBe(false);
});

test.each([
  ['padding around and inside the object', ' \t{ "a" : 1 } \t', '{ "a" : 1,'],
  ['an empty object with a space', '{ }', '{'],
  ['a UTF-8 byte order mark (dropped, as the decoder drops it)', '\ufeff{"ts":2}', '{"ts":2,'],
  ['non-ASCII text', '{"name":"Zoë ✓","ts":3}', '{"name":"Zoë ✓","ts":3,'],
  ['a trailing CRLF', '{"ts":4}\r\n', '{"ts":4,'],
])('single-line JSON keeps its bytes: %s', (_name, text, head) => {
  const payload = enc(text);
  const p = projectMessageParts('V1', payload, T);
  expect(projectMessage('V1', payload, T).line).toBe(`${head}"topic_vehicle_id":"V1","received_at":${T}}`);
  expect(p.head.buffer).toBe(payload.buffer); // a slice of the payload, not a copy
});

test('a line separator inside a string, or a clash, goes through JSON.stringify', () => {
  expect(projectMessage('V1', enc('{"x":"a\u2028b"}'), T).line).toBe(`{"x":"a\u2028b","topic_vehicle_id":"V1","received_at":${T}}`);
  expect(projectMessage('V1', enc('{"received_at":1}'), T).line).toBe(`{"received_at":${T},"topic_vehicle_id":"V1"}`);
});

describe('payloads nested deeper than the contract allows are landed raw, without recursion', () => {
  const nest = (depth: number, sep = '') => `{"vehicle_id":"V1","x":${`[${sep}`.repeat(depth - 1)}1${`${sep}]`.repeat(depth - 1)}}`;

  test.each([
    ['10,000 deep over several lines (20 KB)', nest(10_000, '\n')],
    ['60,000 deep on one line (120 KB)', nest(60_000)],
  ])('%s', (_name, text) => {
    expect(() => JSON.stringify(JSON.parse(text))).toThrow(RangeError); // what used to crash ingest
    const p = projectMessage('V1', enc(text), T);
    expect(p).toMatchObject({ valid: false, samples: 0 });
    const line = JSON.parse(p.line);
    expect(isInvalidJsonLine(line)).toBe(true);
    expect(rawPayloadBytes(line).toString('utf8')).toBe(text);
  });

  test('at the limit a payload is projected; one level more is landed raw', () => {
    expect(MAX_JSON_DEPTH).toBe(32);
    expect(projectMessage('V1', enc(nest(MAX_JSON_DEPTH, '\n')), T).valid).toBe(true);
    expect(projectMessage('V1', enc(nest(MAX_JSON_DEPTH + 1, '\n')), T).valid).toBe(false);
    // many brackets inside strings are not nesting: still projected
    expect(projectMessage('V1', enc(`{"s":"${'[{'.repeat(100)}"}`), T).valid).toBe(true);
  });
});
