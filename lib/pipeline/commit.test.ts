import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsObjectStore, type ObjectStore } from '../store';
import { commit, reconcile, sumTotals, WATERMARK_WRITE_ATTEMPTS, type CommitEvent } from './commit';
import { readWatermark, readWatermarkVersioned, writeWatermark, type Cursor } from './watermark';

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
    reconciliation: { samples: 150, silver: 146, quarantine: 3, duplicates: 1, conflicts: 0, balanced: true },
  });
  expect(metrics).toEqual({ PipelineRuns: 1, SamplesProcessed: 150, QuarantineRatio: (100 * 3) / 149, GoldLagSeconds: 300 });
  expect(await readWatermark(silver)).toMatchObject({ ...A, execution: 'e1' });
});

test('never moves the watermark backwards; reprocessing windows and date rebuilds leave it alone', async () => {
  const later = { last_modified: '2026-03-01T19:30:00.000Z', key: 'telemetry/b.gz' };
  await writeWatermark(silver, later, 'e0', null);
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

describe('reconciliation: input samples = silver + quarantine + duplicates + conflicts', () => {
  const t = sumTotals([{ samples: 10, valid: 6, quarantined: 3, quarantined_by_reason: { conflict: 1, stale_timestamp: 2 }, duplicates: 1, conflicts: 1 }]);
  test('conflicts are quarantine rows, counted once', () => {
    expect(reconcile(t)).toEqual({ samples: 10, silver: 6, quarantine: 2, duplicates: 1, conflicts: 1, balanced: true });
  });
  test('a sample in none of them (or in two) does not balance', () => {
    expect(reconcile({ ...t, valid: 5 }).balanced).toBe(false);
    expect(reconcile({ ...t, duplicates: 2 }).balanced).toBe(false);
  });
});

describe('the watermark write is conditional: a lost race re-reads and decides again, never overwrites', () => {
  const B = { last_modified: '2026-03-01T18:30:00.000Z', key: 'telemetry/b.gz' }; // before A
  const C = { last_modified: '2026-03-01T19:45:00.000Z', key: 'telemetry/c.gz' }; // after A
  /** A store on which another commit writes `cursor` just before each of our first `times` conditional writes. */
  function racing(store: FsObjectStore, cursors: Cursor[], conditional = true): ObjectStore {
    let n = 0;
    return Object.assign(Object.create(store) as FsObjectStore, {
      async putIfMatch(key: string, body: string, expected: string | null) {
        const other = cursors[n++];
        if (other) {
          const { version } = await readWatermarkVersioned(store);
          await writeWatermark(store, other, `other-${n}`, version);
        }
        return conditional ? store.putIfMatch(key, body, expected) : store.put(key, body).then(() => 'unconditional');
      },
    });
  }

  test('the other commit went further: not advanced, its watermark stays', async () => {
    const { summary } = await commit(event(), { silver: racing(silver, [C]), now: NOW });
    expect(summary.watermark).toEqual({ before: null, after: C, advanced: false });
    expect(await readWatermark(silver)).toMatchObject({ ...C, execution: 'other-1' });
  });

  test('the other commit stayed behind: the retry writes ours on its version', async () => {
    const { summary } = await commit(event(), { silver: racing(silver, [B]), now: NOW });
    expect(summary.watermark).toEqual({ before: null, after: A, advanced: true });
    expect(await readWatermark(silver)).toMatchObject({ ...A, execution: 'e1' });
  });

  test('a race lost on every attempt fails with WatermarkConflict, and leaves the other commit alone', async () => {
    const moving = Array.from({ length: WATERMARK_WRITE_ATTEMPTS }, (_, i) => ({ last_modified: `2026-03-01T18:0${i}:00.000Z`, key: 'telemetry/x.gz' }));
    await expect(commit(event(), { silver: racing(silver, moving), now: NOW })).rejects.toMatchObject({ name: 'WatermarkConflict' });
    expect(await readWatermark(silver)).toMatchObject({ ...moving.at(-1), execution: `other-${WATERMARK_WRITE_ATTEMPTS}` });
  });

  test('the same race against an unconditional write moves the watermark backwards (what the condition prevents)', async () => {
    await commit(event(), { silver: racing(silver, [C], false), now: NOW }).catch(() => undefined);
    const after = await readWatermark(silver);
    // The other commit had reached C; the unconditional write put A (before C) over it.
    expect(after).toMatchObject({ ...A, execution: 'e1' });
  });
});

describe('the features cadence: Commit keeps the gold state in the watermark', () => {
  const GOLD = { through: '2026-03-01T16:55:00.000Z', built_at: '2026-03-01T17:00:00.000Z', pending: ['2026-02-27'] };
  const B = { last_modified: '2026-03-01T18:30:00.000Z', key: 'telemetry/b.gz' }; // before A
  const deferred = (over: Partial<CommitEvent> = {}) =>
    event({ watermark: { before: B, after: A }, dates: [], touched: [[], ['2026-03-01', '2026-02-28']], pending: GOLD.pending, features: { JobRunId: null, JobRunState: 'DEFERRED' }, ...over });
  beforeEach(() => writeWatermark(silver, B, 'e0', null, GOLD));

  test('deferred: the touched dates join pending, through stays, the lag grows from the last build', async () => {
    const { summary, metrics } = await commit(deferred(), { silver, now: NOW });
    expect(summary).toMatchObject({ features: 'deferred', dates_rebuilt: [], watermark: { after: A, advanced: true } });
    expect((await readWatermark(silver))!.gold).toEqual({ ...GOLD, pending: ['2026-02-27', '2026-02-28', '2026-03-01'] });
    expect(metrics.GoldLagSeconds).toBe((Date.parse('2026-03-01T20:00:00Z') - Date.parse(GOLD.through)) / 1000);
  });

  test('built: what Features built leaves pending, through and built_at advance', async () => {
    const built = event({ watermark: { before: B, after: A }, dates: ['2026-03-01', '2026-02-27'], touched: [['2026-03-01']], pending: GOLD.pending });
    const { summary, metrics } = await commit(built, { silver, now: NOW });
    expect(summary.gold).toEqual({ through: '2026-03-01T19:55:00.000Z', built_at: '2026-03-01T19:59:00.000Z', pending: [] });
    expect((await readWatermark(silver))!).toMatchObject({ version: 2, ...A, gold: summary.gold });
    expect(metrics.GoldLagSeconds).toBe(300);
  });

  test('a build of pending dates only (nothing new arrived) writes the gold state on the same cursor', async () => {
    const { summary } = await commit(event({ watermark: null, objects: [], totals: [], dates: GOLD.pending, touched: [], pending: GOLD.pending }), { silver, now: NOW });
    expect(summary.watermark).toEqual({ before: null, after: B, advanced: false });
    expect((await readWatermark(silver))!).toMatchObject({ ...B, execution: 'e1', gold: { pending: [] } });
  });

  test('a lost race re-reads and merges pending again: the other commit\'s pending dates survive ours', async () => {
    // Another execution deferred 2026-02-20 between our read and our write.
    let raced = false;
    const store = Object.assign(Object.create(silver) as FsObjectStore, {
      async putIfMatch(key: string, body: string, expected: string | null) {
        if (!raced) {
          raced = true;
          const { version } = await readWatermarkVersioned(silver);
          await writeWatermark(silver, B, 'other', version, { ...GOLD, pending: ['2026-02-20', ...GOLD.pending] });
        }
        return silver.putIfMatch(key, body, expected);
      },
    });
    await commit(deferred(), { silver: store, now: NOW });
    expect((await readWatermark(silver))!.gold!.pending).toEqual(['2026-02-20', '2026-02-27', '2026-02-28', '2026-03-01']);
    // and a build after it removes only what it built
    await commit(event({ watermark: null, objects: [], totals: [], dates: ['2026-03-01'], touched: [], pending: [] }), { silver, now: NOW });
    expect((await readWatermark(silver))!.gold!.pending).toEqual(['2026-02-20', '2026-02-27', '2026-02-28']);
  });

  test('a Commit that took the pending dates as built when deferred would lose them (what the check sees)', async () => {
    const wrong = deferred({ features: { JobRunId: 'jr', JobRunState: 'SUCCEEDED' }, dates: [] });
    await commit(wrong, { silver, now: NOW });
    expect((await readWatermark(silver))!.gold!.pending).not.toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });
});
