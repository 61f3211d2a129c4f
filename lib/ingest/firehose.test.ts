import { batchBody, bronzeObjectKey, bronzePrefix, FirehoseBuffer, parseBronzeObjectKey } from './firehose';

const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

test('prefix and name come from the arrival time, in UTC', () => {
  const t = Date.UTC(2026, 0, 9, 3, 4, 5, 678);
  expect(bronzePrefix(t)).toBe('telemetry/year=2026/month=01/day=09/hour=03/');
  const key = bronzeObjectKey({ stream: 'fleetlake-prod-telemetry', version: 1, arrivalMs: t, uuid: UUID });
  expect(key).toBe(`telemetry/year=2026/month=01/day=09/hour=03/fleetlake-prod-telemetry-1-2026-01-09-03-04-05-${UUID}.gz`);
  expect(parseBronzeObjectKey(key)).toEqual({
    stream: 'fleetlake-prod-telemetry',
    version: 1,
    arrivalMs: Date.UTC(2026, 0, 9, 3, 4, 5),
    uuid: UUID,
    hourPrefix: 'telemetry/year=2026/month=01/day=09/hour=03/',
  });
  expect(parseBronzeObjectKey('errors/iot/x.json')).toBeNull();
});

test('a random uuid by default: two objects of the same second never collide', () => {
  const a = bronzeObjectKey({ stream: 's', version: 1, arrivalMs: 0 });
  expect(a).not.toBe(bronzeObjectKey({ stream: 's', version: 1, arrivalMs: 0 }));
  expect(parseBronzeObjectKey(a)).not.toBeNull();
});

test('the size hint flushes as soon as the uncompressed bytes reach it', () => {
  const b = new FirehoseBuffer({ maxBytes: 10, intervalMs: 1000 });
  expect(b.add('abcd', 100)).toBeNull(); // 5 bytes with newline
  const batch = b.add('efgh', 200); // 10
  expect(batch).toEqual({ lines: ['abcd', 'efgh'], bytes: 10, oldestArrivalMs: 100 });
  expect(batchBody(batch!)).toBe('abcd\nefgh\n');
  expect(b.count).toBe(0);
  expect(b.drain()).toBeNull();
});

test('the interval hint counts from the oldest record; a batch across the hour keeps the oldest hour', () => {
  const b = new FirehoseBuffer({ maxBytes: 1 << 20, intervalMs: 5000 });
  const t0 = Date.UTC(2026, 0, 1, 9, 59, 58);
  b.add('x', t0);
  b.add('y', t0 + 3000); // 10:00:01
  expect(b.due(t0 + 4999)).toBe(false);
  expect(b.msUntilDue(t0 + 1000)).toBe(4000);
  expect(b.due(t0 + 5000)).toBe(true);
  const batch = b.drain()!;
  expect(bronzePrefix(batch.oldestArrivalMs)).toBe('telemetry/year=2026/month=01/day=01/hour=09/');
  expect(b.due(t0 + 99999)).toBe(false);
  expect(b.msUntilDue(0)).toBeNull();
});

test('hints must be positive', () => {
  expect(() => new FirehoseBuffer({ maxBytes: 0, intervalMs: 1 })).toThrow('positive');
});
