// The features cadence end to end (docs/pipeline.md#the-features-cadence): the real definition, handlers and features
// SQL on a fixture lake, with FEATURES_INTERVAL_MINUTES set the way function.yml feeds it from the stage's params.
// Scheduled runs clean every time; gold waits for a due run, which builds touched ∪ pending and ends byte-identical
// to building everything in one go. A failed build and {dates}/{from,to} runs leave the pending dates alone.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FIRST_ARRIVALS, fixtureUuid, LATER_ARRIVALS, writeBronze, type FixtureObject } from '../../test/fixtures/orchestrate/bronze';
import type { RunSummary } from '../../lib/pipeline/commit';
import { FsObjectStore, listAll } from '../../lib/store';
import { WATERMARK_KEY, type WatermarkFile } from '../../lib/pipeline/watermark';
import { runPipeline, type RunPipelineOptions, type RunPipelineResult } from './run';

const CADENCE = { FEATURES_INTERVAL_MINUTES: '180' };
/** Lands two days after the others: the dates still pending from 2026-03-01/02 are then old, so features are due. */
const LATEST_ARRIVAL: FixtureObject[] = [
  { arrival: '2026-03-04T08:00:00Z', vehicles: ['V5'], start: '2026-03-04T07:55:00Z', seconds: 20, uuid: fixtureUuid(99) },
];

const lakes: string[] = [];
async function newLake(): Promise<string> {
  const lake = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-cadence-'));
  lakes.push(lake);
  return lake;
}
afterAll(async () => {
  for (const l of lakes) await rm(l, { recursive: true, force: true });
});

const run = (lake: string, input: unknown, extra: Partial<RunPipelineOptions> = {}) => runPipeline({ lake, input, env: CADENCE, poolSize: 2, ...extra });
const summary = (r: RunPipelineResult) => r.executions[0]!.output as RunSummary;
const ranFeatures = (r: RunPipelineResult) => r.executions[0]!.events.some((e) => e.state === 'Features');
const watermarkText = (lake: string) => readFile(path.join(lake, 'silver', ...WATERMARK_KEY.split('/')), 'utf8');
const watermark = async (lake: string) => JSON.parse(await watermarkText(lake)) as WatermarkFile;

/** sha256 of every file under gold/ and silver/telemetry/ (what the features job writes), by key, read through the file store. */
async function featureOutputs(lake: string): Promise<Record<string, string>> {
  const store = new FsObjectStore(lake);
  const out: Record<string, string> = {};
  for (const prefix of ['gold/', 'silver/telemetry/']) {
    for (const o of await listAll(store, prefix)) out[o.key] = createHash('sha256').update(await store.get(o.key)).digest('hex');
  }
  return out;
}

describe('scheduled runs with a 180-minute features cadence', () => {
  let lake: string;
  let oneGo: Record<string, string>;

  beforeAll(async () => {
    // The reference: all of bronze in one run, features in every run (interval 0, the local stage's param).
    const ref = await newLake();
    await writeBronze(ref, [...FIRST_ARRIVALS, ...LATER_ARRIVALS, ...LATEST_ARRIVAL]);
    const r = await runPipeline({ lake: ref, input: {}, poolSize: 2 });
    expect(r.status).toBe('SUCCEEDED');
    oneGo = await featureOutputs(ref);
    expect(Object.keys(oneGo).some((f) => f.includes('dt=2026-03-04'))).toBe(true);
  });

  test('the first run has no gold state yet: it builds, and the watermark records the gold state', async () => {
    lake = await newLake();
    await writeBronze(lake, FIRST_ARRIVALS);
    const r = await run(lake, {});
    expect(r.status).toBe('SUCCEEDED');
    expect(ranFeatures(r)).toBe(true);
    const mark = await watermark(lake);
    expect(mark).toMatchObject({ version: 2, gold: { pending: [], through: summary(r).window!.to } });
    // built_at is the execution's $$.Execution.StartTime (the interval counts from it)
    expect(Math.abs(Date.parse(mark.gold!.built_at!) - Date.parse(r.executions[0]!.startedAt))).toBeLessThan(1000);
  });

  test('a run before the interval cleans, skips features, records the touched dates as pending, leaves gold unchanged', async () => {
    const before = await featureOutputs(lake);
    const { gold: goldBefore } = await watermark(lake);
    await writeBronze(lake, LATER_ARRIVALS);
    const r = await run(lake, {});
    expect(r.status).toBe('SUCCEEDED');
    expect(ranFeatures(r)).toBe(false);
    expect(summary(r)).toMatchObject({ features: 'deferred', objects: 2, samples: 400, dates_rebuilt: [], reconciliation: { balanced: true } });
    expect(await featureOutputs(lake)).toEqual(before);
    const mark = await watermark(lake);
    expect(mark.gold).toEqual({ through: goldBefore!.through, built_at: goldBefore!.built_at, pending: ['2026-03-01', '2026-03-02'] });
    expect(mark.last_modified).toBe('2026-03-02T03:00:00.000Z'); // silver moved on: the objects are not cleaned again
  });

  test('{dates} and {from,to} runs always build and leave the pending dates alone', async () => {
    const mark = await watermarkText(lake);
    const dates = await run(lake, { dates: ['2026-03-02'] });
    expect(dates.status).toBe('SUCCEEDED');
    expect(summary(dates).dates_rebuilt).toEqual(['2026-03-02']);
    const window = await run(lake, { from: '2026-03-02T02:00:00Z', to: '2026-03-02T03:00:00Z' });
    expect(window.status).toBe('SUCCEEDED');
    expect(ranFeatures(window)).toBe(true);
    expect(summary(window).dates_rebuilt).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(await watermarkText(lake)).toBe(mark);
  });

  test('a failed features run moves nothing: the pending dates survive', async () => {
    const mark = await watermarkText(lake);
    await writeBronze(lake, LATEST_ARRIVAL);
    const r = await run(lake, {}, { features: async () => Promise.reject(new Error('Spark executor lost')) });
    expect(r.status).toBe('FAILED');
    expect(r.executions[0]!.events.find((e) => e.type === 'TaskFailed' || e.state === 'FeaturesFailed')).toBeDefined();
    expect(await watermarkText(lake)).toBe(mark);
  });

  test('the next due run builds touched ∪ pending: gold is byte-identical to building everything in one go', async () => {
    const r = await run(lake, {});
    expect(r.status).toBe('SUCCEEDED');
    expect(summary(r)).toMatchObject({ features: 'built', dates_rebuilt: ['2026-02-28', '2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05'] });
    expect((await watermark(lake)).gold!.pending).toEqual([]);
    expect(await featureOutputs(lake)).toEqual(oneGo);
    expect(summary(r).gold_lag_seconds).toBeLessThan(60);
  });

  test('the check fails on a Commit that drops the touched dates when deferring: gold loses rows', async () => {
    const bad = await newLake();
    await writeBronze(bad, FIRST_ARRIVALS);
    expect((await run(bad, {})).status).toBe('SUCCEEDED');
    await writeBronze(bad, LATER_ARRIVALS);
    const dropping: RunPipelineOptions['wrapTask'] = (state, task) => (state === 'Commit' ? async (input) => task({ ...(input as object), touched: [] }) : task);
    expect((await run(bad, {}, { wrapTask: dropping })).status).toBe('SUCCEEDED');
    expect((await watermark(bad)).gold!.pending).toEqual([]);
    await writeBronze(bad, LATEST_ARRIVAL);
    // Nothing old is pending any more, so make the run due the other way: interval 0.
    const due = await run(bad, {}, { env: { FEATURES_INTERVAL_MINUTES: '0' } });
    expect(summary(due)).toMatchObject({ features: 'built', dates_rebuilt: ['2026-03-03', '2026-03-04', '2026-03-05'] });
    const got = await featureOutputs(bad);
    // V4's late trip (2026-03-01) and V1's 02:05 trip (2026-03-02) never reach gold: missing or different files.
    const lost = Object.keys(oneGo).filter((f) => got[f] !== oneGo[f]);
    expect(lost).toEqual(expect.arrayContaining(['gold/trips/dt=2026-03-01/part-00000.parquet', 'gold/trips/dt=2026-03-02/part-00000.parquet']));
    expect(lost.filter((f) => f.includes('dt=2026-03-04'))).toEqual([]);
  });
});
