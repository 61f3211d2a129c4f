import { isInvalidJsonLine, projectMessage, rawPayloadBytes, ruleTopicVehicleId, telemetryTopic } from './rule';

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
