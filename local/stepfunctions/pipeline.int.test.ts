// End to end: the real definition, handlers, features SQL and lake layout, on a small fixture lake.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openDuckDb } from '../engine/duckdb';
import { FIRST_ARRIVALS, LATER_ARRIVALS, writeBronze } from '../../test/fixtures/orchestrate/bronze';
import { WATERMARK_KEY } from '../../lib/pipeline/watermark';
import type { RunSummary } from '../../lib/pipeline/commit';
import { listExecutions, readExecution } from './history';
import { runPipeline, type RunPipelineOptions } from './run';

const exec = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../cli/fleetlake.js');
/** One object per Map item, so the Map really fans out (and can fail half-way). */
const ENV = { PLAN_MAX_OBJECTS_PER_ITEM: '1' };
const RUN_RECORDS = new Set(['_executions', '_metrics', '_logs']);

const lakes: string[] = [];
async function newLake(): Promise<string> {
  const lake = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-pipeline-'));
  lakes.push(lake);
  return lake;
}
afterAll(async () => {
  for (const l of lakes) await rm(l, { recursive: true, force: true });
});

const run = (lake: string, input: unknown, extra: Partial<RunPipelineOptions> = {}) => runPipeline({ lake, input, env: ENV, poolSize: 2, ...extra });

async function walk(dir: string, base = dir): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p, base)));
    else out.push(path.relative(base, p));
  }
  return out.sort();
}

/** sha256 of every file of the lake's data (bronze, silver, gold), by path; run records left out. */
async function lakeChecksums(lake: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await walk(lake)) {
    if (RUN_RECORDS.has(f.split(path.sep)[0]!)) continue;
    out[f] = createHash('sha256').update(await readFile(path.join(lake, f))).digest('hex');
  }
  return out;
}

/** Per table partition (`gold/trips/dt=...`), a checksum of its row set (rows sorted), read with DuckDB. */
async function rowSets(lake: string, only?: (partition: string) => boolean): Promise<Record<string, string>> {
  const partitions = new Set<string>();
  for (const f of [...(await walk(path.join(lake, 'gold'))).map((x) => path.join('gold', x)), ...(await walk(path.join(lake, 'silver', 'telemetry'))).map((x) => path.join('silver', 'telemetry', x))]) {
    if (f.endsWith('.parquet')) partitions.add(path.dirname(f));
  }
  const db = await openDuckDb();
  const out: Record<string, string> = {};
  try {
    for (const p of [...partitions].sort()) {
      if (only && !only(p)) continue;
      const rows = (await db.conn.runAndReadAll(`SELECT * FROM read_parquet('${path.join(lake, p)}/*.parquet') ORDER BY ALL`)).getRowObjectsJson();
      out[p] = `${rows.length}:${createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 16)}`;
    }
  } finally {
    db.close();
  }
  return out;
}

const watermark = async (lake: string) => readFile(path.join(lake, 'silver', ...WATERMARK_KEY.split('/')), 'utf8').catch(() => null);

describe('a fixture lake through the pipeline', () => {
  let lake: string;
  let uninterruptedGold: Record<string, string>;

  test('fleetlake run (CLI) produces silver and gold from bronze spread over several arrival hours', async () => {
    lake = await newLake();
    await writeBronze(lake, FIRST_ARRIVALS);
    const { stdout } = await exec('node', [CLI, 'run', '--lake', lake], { env: { ...process.env, ...ENV } });
    expect(stdout).toMatch(/^objects\s+5$/m);
    expect(stdout).toMatch(/^quarantined\s+1$/m);
    expect(stdout).toMatch(/^ {2}out_of_range\s+1$/m);
    expect(stdout).toMatch(/^samples\s+1401$/m);
    const files = await walk(lake);
    expect(files.filter((f) => f.startsWith(path.join('silver', 'telemetry_parts')))).toHaveLength(6); // 5 objects, one crossing midnight
    expect(files.some((f) => f.startsWith(path.join('silver', 'quarantine')))).toBe(true);
    uninterruptedGold = await rowSets(lake, (p) => p.startsWith('gold'));
    expect(Object.keys(uninterruptedGold)).toEqual(expect.arrayContaining([path.join('gold', 'trips', 'dt=2026-03-01'), path.join('gold', 'vehicle_daily', 'dt=2026-03-02')]));
    expect(JSON.parse((await watermark(lake))!)).toMatchObject({ last_modified: '2026-03-02T00:00:00.000Z' });
    const [record] = await listExecutions(lake);
    expect(record).toMatchObject({ status: 'SUCCEEDED', input: {} });
    // (settings come from the params via function.yml: 8 objects per item, so one Map item here)
    expect(record!.events.filter((e) => e.type === 'MapIterationSucceeded')).toHaveLength(1);
    // Commit's EMF metrics were collected from the worker's stdout.
    const emf = (await readFile(path.join(lake, '_metrics', `${record!.executionId}.ndjson`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const commit = emf.find((m) => m.function === 'commit');
    expect(commit).toMatchObject({ PipelineRuns: 1, SamplesProcessed: 1401 });
    expect(commit.QuarantineRatio).toBeCloseTo(100 / 1401, 6);
    expect(commit.GoldLagSeconds).toBeGreaterThanOrEqual(0);
  });

  test('a second run takes only new arrivals, including a late object in an old hour prefix', async () => {
    const keys = await writeBronze(lake, LATER_ARRIVALS);
    expect(keys[0]).toMatch(/hour=10\//); // late: old prefix, landed after the watermark
    const r = await run(lake, {});
    expect(r.status).toBe('SUCCEEDED');
    const plan = r.executions[0]!.events.find((e) => e.type === 'StateExited' && e.state === 'Plan')!.output as { plan: { items: Array<{ keys: string[] }> } };
    expect(plan.plan.items.flatMap((i) => i.keys).sort()).toEqual([...keys].sort());
    expect(r.summary).toMatchObject({ objects: 2, samples: 400, valid: 400 });
    const trips = await rowSets(lake, (p) => p === path.join('gold', 'trips', 'dt=2026-03-01'));
    expect(trips[path.join('gold', 'trips', 'dt=2026-03-01')]).not.toBe(uninterruptedGold[path.join('gold', 'trips', 'dt=2026-03-01')]); // V4's trip arrived
  });

  test('a run with nothing new changes nothing', async () => {
    const before = await lakeChecksums(lake);
    const r = await run(lake, {});
    expect(r.status).toBe('SUCCEEDED');
    expect(r.summary).toMatchObject({ objects: 0, samples: 0, dates_rebuilt: [] });
    expect(r.executions[0]!.events.some((e) => e.state === 'Features')).toBe(false);
    expect(await lakeChecksums(lake)).toEqual(before);
  });

  test('run --dates D rebuilds D identically from the silver parts', async () => {
    const isD = (p: string) => p.endsWith('dt=2026-03-01');
    const before = await rowSets(lake, isD);
    const filesBefore = await lakeChecksums(lake);
    expect(Object.keys(before).length).toBeGreaterThanOrEqual(3);
    const r = await run(lake, { dates: ['2026-03-01'] });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.summary).toMatchObject({ objects: 0, dates_rebuilt: ['2026-03-01'] });
    expect(r.executions[0]!.events.some((e) => e.state === 'Clean')).toBe(false);
    expect(await rowSets(lake, isD)).toEqual(before);
    expect(await lakeChecksums(lake)).toEqual(filesBefore);
  });

  test('a run that fails half-way through the Map leaves the watermark alone; the rerun gives the same gold', async () => {
    const other = await newLake();
    await writeBronze(other, FIRST_ARRIVALS);
    let calls = 0;
    let done = 0;
    const failed = await run(other, {}, {
      wrapTask: (state, task) =>
        state === 'CleanObjects'
          ? async (input) => {
              if (++calls === 4) {
                // Die once two items are through: the Map is really half-way.
                for (let i = 0; i < 600 && done < 2; i++) await new Promise((r) => setTimeout(r, 50));
                throw Object.assign(new Error('killed mid-Map'), { name: 'Sandbox.Killed' });
              }
              const out = await task(input);
              done++;
              return out;
            }
          : task,
    });
    expect(failed.status).toBe('FAILED');
    const record = await readExecution(other, failed.executions[0]!.executionId);
    expect(record).toMatchObject({ status: 'FAILED', error: 'Sandbox.Killed' });
    expect(record.events.filter((e) => e.type === 'MapIterationSucceeded').length).toBeGreaterThan(0); // really half-way
    expect(await watermark(other)).toBeNull();
    expect(existsSync(path.join(other, 'gold'))).toBe(false);

    const rerun = await run(other, record.input, { rerunOf: record.executionId });
    expect(rerun.status).toBe('SUCCEEDED');
    expect(rerun.executions[0]!.rerunOf).toBe(record.executionId);
    expect(await rowSets(other, (p) => p.startsWith('gold'))).toEqual(uninterruptedGold);
    expect(JSON.parse((await watermark(other))!)).toMatchObject({ last_modified: '2026-03-02T00:00:00.000Z' });
  });
});

describe('failures', () => {
  test('a Glue step that throws → NotifyFailure recorded in the history, FAILED, watermark unchanged', async () => {
    const lake = await newLake();
    await writeBronze(lake, FIRST_ARRIVALS.slice(0, 2));
    const r = await run(lake, {}, { features: async () => Promise.reject(new Error('Spark executor lost')) });
    expect(r.status).toBe('FAILED');
    const record = await readExecution(lake, r.executions[0]!.executionId);
    expect(record).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(JSON.parse(record.cause!)).toMatchObject({ JobRunState: 'FAILED', ErrorMessage: 'Spark executor lost' });
    expect(record.notifications).toHaveLength(1);
    const n = record.notifications[0]!;
    expect(n.topicArn).toMatch(/^arn:aws:sns:.*:fleetlake-local-AlarmTopic$/);
    expect(n.subject).toBe('fleetlake pipeline failed in Features');
    expect(n.message).toContain(`Execution ${record.executionId} of the fleetlake pipeline failed in state Features. Error: States.TaskFailed. Cause: `);
    expect(n.message).toContain('Spark executor lost');
    expect(record.events.map((e) => e.state)).toContain('NotifyFailure');
    expect(await watermark(lake)).toBeNull();
  });

  test('the CLI exits non-zero when the execution fails, and `executions` lists it', async () => {
    const lake = await newLake();
    await writeBronze(lake, FIRST_ARRIVALS.slice(0, 1));
    await writeFile(path.join(lake, 'gold'), 'not a directory'); // the features step cannot write gold
    const failed = await exec('node', [CLI, 'run', '--lake', lake]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    // one line for the error, no stack
    expect(failed?.stderr).toMatch(/^fleetlake: execution \S+ FAILED in Features: States\.TaskFailed: .*not a directory.*$/m);
    expect(failed?.stderr.split('\n').filter((l) => l.startsWith('fleetlake:'))).toHaveLength(1);
    expect(failed?.stderr).not.toMatch(/^\s+at /m);
    const { stdout } = await exec('node', [CLI, 'executions', '--lake', lake]);
    expect(stdout.split('\n')[1]).toMatch(/ FAILED \(States\.TaskFailed\) .* \{\}$/);
  });

  test('a capped plan continues in a follow-up execution', async () => {
    const lake = await newLake();
    await writeBronze(lake, FIRST_ARRIVALS);
    const r = await run(lake, {}, { env: { ...ENV, PLAN_MAX_ITEMS: '2' } });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.executions.map((e) => (e.output as RunSummary).objects)).toEqual([2, 2, 1]);
    expect(r.executions[1]!.startedBy).toBe(r.executions[0]!.executionId);
    expect(r.executions[0]!.continuedAs).toBe(r.executions[1]!.executionId);
    expect(r.summary).toMatchObject({ executions: 3, objects: 5, samples: 1401 });
  });
});
