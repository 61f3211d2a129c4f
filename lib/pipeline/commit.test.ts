import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsObjectStore } from '../store';
import { commit, type CommitEvent } from './commit';
import { readWatermark, writeWatermark } from './watermark';

let dir: string;
let silver: FsObjectStore;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-commit-'));
  silver = new FsObjectStore(path.join(dir, 'silver'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const NOW = new Date('2026-03-01T20:00:00Z');
const A = { last_modified: '2026-03-01T19:00:00.000Z', key: 'telemetry/a.gz' };
const event = (over: Partial<CommitEvent> = {}): CommitEvent => ({
  execution: 'e1',
  started_at: '2026-03-01T19:59:00.000Z',
  mode: 'arrivals',
  window: { from: null, to: '2026-03-01T19:55:00.000Z' },
  watermark: { before: null, after: A },
  continuation: null,
  objects: [2, 1],
  totals: [
    { lines: 10, samples: 100, valid: 97, quarantined: 2, quarantined_by_reason: { out_of_range: 2 }, duplicates: 1, conflicts: 0, unknown_fields: 0, bytes_read: 500 },
    { lines: 5, samples: 50, valid: 49, quarantined: 1, quarantined_by_reason: { invalid_json: 1 }, duplicates: 0, conflicts: 0, unknown_fields: 3, bytes_read: 200 },
  ],
  dates: ['2026-03-01'],
  expand_neighbours: 'true',
  features: { JobRunId: 'jr_1', JobRunState: 'SUCCEEDED' },
  ...over,
});

test('sums the items, advances the watermark, computes the run metrics', async () => {
  const { summary, metrics } = await commit(event(), { silver, now: NOW });
  expect(summary).toMatchObject({
    objects: 3,
    samples: 150,
    valid: 146,
    quarantined: 3,
    quarantined_by_reason: { invalid_json: 1, out_of_range: 2 },
    duplicates: 1,
    dates_rebuilt: ['2026-02-28', '2026-03-01', '2026-03-02'],
    watermark: { before: null, after: A, advanced: true },
    gold_lag_seconds: 300,
    duration_seconds: 60,
  });
  expect(metrics).toEqual({ PipelineRuns: 1, SamplesProcessed: 150, QuarantineRatio: (100 * 3) / 149, GoldLagSeconds: 300 });
  expect(await readWatermark(silver)).toMatchObject({ ...A, execution: 'e1' });
});

test('never moves the watermark backwards; reprocessing windows and date rebuilds leave it alone', async () => {
  const later = { last_modified: '2026-03-01T19:30:00.000Z', key: 'telemetry/b.gz' };
  await writeWatermark(silver, later, 'e0');
  expect((await commit(event(), { silver, now: NOW })).summary.watermark).toEqual({ before: null, after: later, advanced: false });
  const window = await commit(event({ mode: 'window', watermark: null }), { silver, now: NOW });
  expect(window.summary.watermark.advanced).toBe(false);
  expect(window.metrics.GoldLagSeconds).toBeNull();
  const dates = await commit(event({ mode: 'dates', watermark: null, objects: [], totals: [], expand_neighbours: 'false' }), { silver, now: NOW });
  expect(dates.summary.dates_rebuilt).toEqual(['2026-03-01']);
  expect(dates.metrics.QuarantineRatio).toBeNull();
  expect(await readWatermark(silver)).toMatchObject({ ...later, execution: 'e0' });
});

test('a capped run reports lag up to the last object it took', async () => {
  const { metrics } = await commit(event({ continuation: {} }), { silver, now: NOW });
  expect(metrics.GoldLagSeconds).toBe(3600);
});

test('refuses to commit after a features run that did not succeed', async () => {
  await expect(commit(event({ features: { JobRunId: 'jr', JobRunState: 'FAILED' } }), { silver, now: NOW })).rejects.toThrow(/not committing/);
  expect(await readWatermark(silver)).toBeNull();
});
