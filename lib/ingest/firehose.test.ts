import { bronzeObjectKey, bronzePrefix, parseBronzeObjectKey } from './firehose';

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
