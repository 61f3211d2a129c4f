import { mkdtemp, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsObjectStore } from '../store';
import { InvalidPipelineInput, parsePipelineInput } from './input';
import { arrivalPrefixes, CADENCE_TOLERANCE_SECONDS, featuresDue, plan, type PlanSettings } from './plan';
import { deployedPlanSettings } from '../../test/fixtures/orchestrate/plan-settings';
import { writeWatermark } from './watermark';

let dir: string;
let bronze: FsObjectStore;
let silver: FsObjectStore;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-plan-'));
  bronze = new FsObjectStore(path.join(dir, 'bronze'));
  silver = new FsObjectStore(path.join(dir, 'silver'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const key = (hour: string, n: number) => `telemetry/year=2026/month=03/day=01/hour=${hour}/s-1-2026-03-01-${hour}-00-00-${n}.gz`;
async function put(k: string, landed: string, bytes = 10): Promise<void> {
  await bronze.put(k, Buffer.alloc(bytes));
  const t = new Date(landed);
  await utimes(path.join(bronze.location, ...k.split('/')), t, t);
}
const NOW = new Date('2026-03-01T20:00:00Z');
const S: PlanSettings = { ...deployedPlanSettings(), settleSeconds: 300 };

test('first scheduled run: everything that arrived before now minus the settle delay, in arrival order', async () => {
  await put(key('10', 2), '2026-03-01T10:05:00Z');
  await put(key('10', 1), '2026-03-01T10:06:00Z');
  await put(key('19', 1), '2026-03-01T19:57:00Z'); // inside the settle delay
  const p = await plan({ input: {} }, { bronze, silver, now: NOW, settings: S });
  expect(p).toMatchObject({ mode: 'arrivals', objects: 2, continuation: null, expand_neighbours: 'true', window: { from: null, to: '2026-03-01T19:55:00.000Z' } });
  expect(p.items).toEqual([{ keys: [key('10', 2), key('10', 1)] }]);
  expect(p.watermark).toEqual({ before: null, after: { last_modified: '2026-03-01T10:06:00.000Z', key: key('10', 1) } });
});

test('after the watermark: new arrivals, including one delivered late into an old hour prefix', async () => {
  await put(key('10', 1), '2026-03-01T10:05:00Z');
  await put(key('11', 1), '2026-03-01T11:05:00Z');
  await put(key('10', 2), '2026-03-01T13:00:00Z'); // late into hour 10
  await put(key('12', 1), '2026-03-01T12:30:00Z');
  await writeWatermark(silver, { last_modified: '2026-03-01T12:00:00.000Z', key: 'x' }, 'e1', null);
  const p = await plan({ input: {} }, { bronze, silver, now: NOW, settings: S });
  expect(p.items.flatMap((i) => i.keys)).toEqual([key('12', 1), key('10', 2)]);
  expect(p.watermark!.before).toEqual({ last_modified: '2026-03-01T12:00:00.000Z', key: 'x' });
});

test('objects with the same arrival time are split by key, never skipped', async () => {
  for (const n of [1, 2, 3]) await put(key('10', n), '2026-03-01T10:05:00Z');
  await writeWatermark(silver, { last_modified: '2026-03-01T10:05:00.000Z', key: key('10', 1) }, 'e1', null);
  const p = await plan({ input: {} }, { bronze, silver, now: NOW, settings: S });
  expect(p.items.flatMap((i) => i.keys)).toEqual([key('10', 2), key('10', 3)]);
});

test('items by object count and bytes; capped by items with a continuation', async () => {
  for (let n = 0; n < 7; n++) await put(key('10', n), `2026-03-01T10:0${n}:00Z`, n === 3 ? 100 : 10);
  const s = { ...S, maxObjectsPerItem: 2, maxBytesPerItem: 50, maxItems: 3 };
  const p = await plan({ input: {}, execution: 'arn:aws:states:eu-west-1:1:execution:m:e1' }, { bronze, silver, now: NOW, settings: s });
  // n=3 is bigger than an item's byte budget: alone in its item.
  expect(p.items).toEqual([{ keys: [key('10', 0), key('10', 1)] }, { keys: [key('10', 2)] }, { keys: [key('10', 3)] }]);
  expect(p.continuation).toEqual({ AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: 'arn:aws:states:eu-west-1:1:execution:m:e1' });
  expect(p.watermark!.after.key).toBe(key('10', 3));
});

test('the payload budget caps the keys of one execution', async () => {
  for (let n = 0; n < 20; n++) await put(key('10', n), `2026-03-01T10:00:${String(n).padStart(2, '0')}Z`);
  const one = JSON.stringify(key('10', 10)).length + 1 + '{"keys":[]},'.length;
  const p = await plan({ input: {} }, { bronze, silver, now: NOW, settings: { ...S, maxObjectsPerItem: 1, maxItemsPayloadBytes: 2 + 5 * one } });
  expect(p.objects).toBe(5);
  expect(JSON.stringify(p.items).length).toBeLessThanOrEqual(2 + 5 * one);
  expect(p.continuation).not.toBeNull();
});

test('{from, to}: arrival window [from, to), continuation carries the last key done; no watermark', async () => {
  await put(key('10', 1), '2026-03-01T10:05:00Z');
  await put(key('10', 2), '2026-03-01T11:30:00Z');
  await put(key('11', 1), '2026-03-01T12:00:00Z'); // = to: excluded
  const input = { from: '2026-03-01T10:00:00Z', to: '2026-03-01T12:00:00Z' };
  const p = await plan({ input }, { bronze, silver, now: NOW, settings: { ...S, maxItems: 1, maxObjectsPerItem: 1 } });
  expect(p).toMatchObject({ mode: 'window', objects: 1, watermark: null, items: [{ keys: [key('10', 1)] }] });
  expect(p.continuation).toEqual({ ...input, from: '2026-03-01T10:00:00.000Z', to: '2026-03-01T12:00:00.000Z', after: { last_modified: '2026-03-01T10:05:00.000Z', key: key('10', 1) } });
  const next = await plan({ input: p.continuation }, { bronze, silver, now: NOW, settings: { ...S, maxItems: 1, maxObjectsPerItem: 1 } });
  expect(next).toMatchObject({ objects: 1, items: [{ keys: [key('10', 2)] }], continuation: null });
});

test('{dates}: no listing, exact dates, capped with a continuation', async () => {
  const p = await plan({ input: { dates: ['2026-03-02', '2026-03-01', '2026-03-02', '2026-03-03'] } }, { bronze, silver, now: NOW, settings: { ...S, maxDates: 2 } });
  expect(p).toMatchObject({ mode: 'dates', dates: ['2026-03-01', '2026-03-02'], items: [], expand_neighbours: 'false', continuation: { dates: ['2026-03-03'] } });
});

test('arrival prefixes: from the watermark minus the lookback, by hour, or by day for long spans', () => {
  expect(arrivalPrefixes(null, NOW, 26)).toEqual(['telemetry/']);
  const p = arrivalPrefixes(new Date('2026-03-01T12:30:00Z'), new Date('2026-03-01T14:10:00Z'), 2);
  expect(p).toEqual(['10', '11', '12', '13', '14'].map((h) => `telemetry/year=2026/month=03/day=01/hour=${h}/`));
  expect(arrivalPrefixes(new Date('2026-03-01T12:00:00Z'), new Date('2026-03-05T00:00:00Z'), 26)).toEqual(
    ['2026-02-28', '2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05'].map((d) => `telemetry/year=${d.slice(0, 4)}/month=${d.slice(5, 7)}/day=${d.slice(8)}/`),
  );
});

test.each([
  [[], /JSON object/],
  [{ date: ['2026-03-01'] }, /unknown input field/],
  [{ dates: [] }, /non-empty/],
  [{ dates: ['2026-02-30'] }, /invalid date/],
  [{ from: '2026-03-01T00:00:00Z' }, /go together/],
  [{ from: '2026-03-01', to: '2026-03-02T00:00:00Z' }, /with a zone/],
  [{ from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' }, /before/],
  [{ dates: ['2026-03-01'], from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' }, /cannot be combined/],
])('rejects input %j', (input, message) => {
  expect(() => parsePipelineInput(input)).toThrow(InvalidPipelineInput);
  expect(() => parsePipelineInput(input)).toThrow(message);
});

describe('the features cadence (docs/pipeline.md#the-features-cadence)', () => {
  const gold = { through: '2026-03-01T16:55:00.000Z', built_at: '2026-03-01T17:00:00.000Z', pending: ['2026-03-01'] };
  const at = (now: string, intervalMinutes = 180, newestArrival: string | null = '2026-03-01T19:50:00.000Z') => ({ now: new Date(now), newestArrival, intervalMinutes });

  test('interval 0 or no gold state yet: always due', () => {
    expect(featuresDue(gold, at('2026-03-01T17:01:00Z', 0))).toBe(true);
    expect(featuresDue(null, at('2026-03-01T17:01:00Z'))).toBe(true);
    expect(featuresDue({ ...gold, built_at: null }, at('2026-03-01T17:01:00Z'))).toBe(true);
  });

  test('due once the interval (less the schedule tolerance) has passed since the last build started', () => {
    expect(featuresDue(gold, at('2026-03-01T19:00:00Z'))).toBe(false);
    const edge = Date.parse(gold.built_at) + (180 * 60 - CADENCE_TOLERANCE_SECONDS) * 1000;
    expect(featuresDue(gold, at(new Date(edge - 1).toISOString()))).toBe(false);
    expect(featuresDue(gold, at(new Date(edge).toISOString()))).toBe(true); // the 3rd hourly run after, a little early
  });

  test('a pending date older than the day before the newest arrival is due at once (late data does not wait)', () => {
    const late = { ...gold, pending: ['2026-02-27', '2026-03-01'] };
    expect(featuresDue(late, at('2026-03-01T18:00:00Z'))).toBe(true);
    expect(featuresDue({ ...gold, pending: ['2026-02-28', '2026-03-01'] }, at('2026-03-01T18:00:00Z'))).toBe(false); // yesterday waits
    // Judged on the arrival clock: a backlog from February replayed today defers like it did on time.
    expect(featuresDue(late, at('2026-03-01T18:00:00Z', 180, '2026-02-28T10:00:00.000Z'))).toBe(false);
  });

  test('Plan hands the watermark\'s pending dates and the decision to the state machine; {dates} and {from,to} always build', async () => {
    await put(key('19', 1), '2026-03-01T19:00:00Z');
    await writeWatermark(silver, { last_modified: '2026-03-01T18:00:00.000Z', key: 'x' }, 'e1', null, gold);
    const s = { ...S, featuresIntervalMinutes: 180 };
    const p = await plan({ input: {} }, { bronze, silver, now: new Date('2026-03-01T19:30:00Z'), settings: s });
    expect(p).toMatchObject({ features_due: false, pending: ['2026-03-01'], objects: 1 });
    expect(await plan({ input: {} }, { bronze, silver, now: new Date('2026-03-01T20:00:00Z'), settings: { ...s, featuresIntervalMinutes: 0 } })).toMatchObject({ features_due: true, pending: ['2026-03-01'] });
    expect(await plan({ input: { dates: ['2026-03-01'] } }, { bronze, silver, now: NOW, settings: s })).toMatchObject({ features_due: true, pending: [] });
    expect(await plan({ input: { from: '2026-03-01T18:00:00Z', to: '2026-03-01T20:00:00Z' } }, { bronze, silver, now: NOW, settings: s })).toMatchObject({ features_due: true, pending: [] });
  });

  test('a version 1 watermark (no gold state) is read, and makes features due', async () => {
    await writeWatermark(silver, { last_modified: '2026-03-01T18:00:00.000Z', key: 'x' }, 'e1', null);
    const p = await plan({ input: {} }, { bronze, silver, now: NOW, settings: { ...S, featuresIntervalMinutes: 180 } });
    expect(p).toMatchObject({ features_due: true, pending: [] });
  });
});
