// Nothing lost, nothing blocked, through `fleetlake run` (the CLI, in processes of its own): empty results go on to
// Commit; a run killed (SIGKILL) at every step of a partition swap leaves a queryable lake, shows ABORTED, and its
// rerun gives byte-identical gold; a write that fails mid-COPY ends FAILED in one line; two runs on one lake queue.
// The counts reconcile in every run that succeeds: input samples = silver + quarantine + duplicates + conflicts.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { WATERMARK_KEY } from '../../lib/pipeline/watermark';
import { featureOutputs as outputs } from '../../test/fixtures/features/outputs';
import { FIRST_ARRIVALS, landBronzeObject, writeBronze, type FixtureObject } from '../../test/fixtures/orchestrate/bronze';
import { openLocalQueryEngine } from '../engine/query';
import { listExecutions, readExecution } from './history';
import { tryLock } from '../../lib/store/file-lock';
import { runLockFile } from './run-lock';
import { runPipeline } from './run';

const CLI = path.resolve(import.meta.dirname, '../cli/fleetlake.js');
const ENV = { PLAN_MAX_OBJECTS_PER_ITEM: '1' };

const lakes: string[] = [];
async function newLake(objects: FixtureObject[] = FIRST_ARRIVALS): Promise<string> {
  const lake = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-recovery-'));
  lakes.push(lake);
  await writeBronze(lake, objects);
  return lake;
}
afterAll(async () => {
  for (const l of lakes) await rm(l, { recursive: true, force: true });
});

interface Cli {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}
function cli(args: string[], options: { env?: Record<string, string>; fileSizeKb?: number; onStderr?: (text: string) => void } = {}): Promise<Cli> {
  const node = [process.execPath, CLI, ...args];
  // RLIMIT_FSIZE: a write past the limit fails with EFBIG (SIGXFSZ ignored), the way a full disk fails it with ENOSPC.
  const cmd = options.fileSizeKb ? ['bash', '-c', `trap '' XFSZ; ulimit -f ${options.fileSizeKb}; exec "$@"`, 'bash', ...node] : node;
  return new Promise((resolve) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, ...ENV, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      out.stderr += d.toString();
      options.onStderr?.(out.stderr);
    });
    child.on('exit', (code, signal) => resolve({ code, signal, ...out }));
  });
}

/** The reconciliation line of a run summary: `<n> samples = <s> silver + <q> quarantine + <d> duplicates + <c> conflicts`. */
function reconciliation(stdout: string): number[] {
  const m = /^reconciliation\s+(\d+) samples = (\d+) silver \+ (\d+) quarantine \+ (\d+) duplicates \+ (\d+) conflicts$/m.exec(stdout);
  if (!m) throw new Error(`no balanced reconciliation line in:\n${stdout}`);
  const [samples, ...parts] = m.slice(1).map(Number) as [number, ...number[]];
  expect(parts.reduce((a, b) => a + b, 0)).toBe(samples);
  return [samples, ...parts];
}


async function queryCounts(lake: string): Promise<Record<string, number>> {
  const engine = await openLocalQueryEngine({ lake, threads: 1 });
  try {
    const out: Record<string, number> = {};
    for (const t of ['telemetry', 'trips', 'vehicle_daily', 'quarantine']) out[t] = Number((await engine.query(`SELECT count(*) AS n FROM ${t}`)).rows[0]!.n);
    return out;
  } finally {
    engine.close();
  }
}

/** The committed cursor (without the execution that wrote it). */
const watermark = (lake: string) =>
  readFile(path.join(lake, 'silver', ...WATERMARK_KEY.split('/')), 'utf8').then(
    (s) => {
      const { key, last_modified } = JSON.parse(s) as { key: string; last_modified: string };
      return { key, last_modified };
    },
    () => null,
  );

/** One bronze object as Firehose lands it, with the README's stale message (ts long before its arrival). */
async function writeStaleObject(lake: string, arrivalMs: number, ts = '2026-03-01T10:00:00Z'): Promise<string> {
  const line = { vehicle_id: 'V0001', ts, ignition: true, battery_v: 14.2, topic_vehicle_id: 'V0001', received_at: arrivalMs };
  return landBronzeObject(lake, { arrivalMs, uuid: '00000000-0000-4000-8000-00000000abcd', body: gzipSync(`${JSON.stringify(line)}\n`), landedMs: arrivalMs + 60_000 });
}

describe('empty results are normal', () => {
  test('a window whose only sample is quarantined (stale) goes on to Commit, in the CLI, twice', async () => {
    const lake = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-recovery-'));
    lakes.push(lake);
    const key = await writeStaleObject(lake, Date.now() - 3_600_000);
    const first = await cli(['run', '--lake', lake]);
    expect(first.stderr).not.toMatch(/does not point to a value|States\.Runtime/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^ {2}stale_timestamp\s+1$/m);
    expect(reconciliation(first.stdout)).toEqual([1, 0, 1, 0, 0]);
    const [record] = await listExecutions(lake);
    expect(record).toMatchObject({ status: 'SUCCEEDED' });
    const states = record!.events.filter((e) => e.type === 'StateEntered' && e.index === undefined).map((e) => e.state);
    expect(states).toEqual(expect.arrayContaining(['Clean', 'CollectDates', 'AnyDates', 'NoFeatures', 'Commit', 'Done']));
    expect(states).not.toContain('Features');
    expect(await watermark(lake)).toMatchObject({ key });
    const again = await cli(['run', '--lake', lake]);
    expect(again.code).toBe(0);
    expect(reconciliation(again.stdout)).toEqual([0, 0, 0, 0, 0]);
  }, 60_000);

  test('a Map where one item has no dates and one has: Features gets the dates of the other', async () => {
    const lake = await newLake(FIRST_ARRIVALS.slice(0, 1));
    await writeStaleObject(lake, Date.parse('2026-03-01T10:40:00Z'), '2026-01-01T10:00:00Z'); // 59 days late: stale
    const r = await runPipeline({ lake, input: {}, env: ENV, poolSize: 2 });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.executions[0]!.events.filter((e) => e.type === 'MapIterationSucceeded')).toHaveLength(2);
    expect(r.summary).toMatchObject({ objects: 2, dates_rebuilt: ['2026-02-28', '2026-03-01', '2026-03-02'] });
    expect(r.summary!.reconciliation).toMatchObject({ balanced: true, quarantine: 2 }); // out_of_range + stale
  }, 60_000);
});

describe('SIGKILL of `fleetlake run` at every step of a partition swap', () => {
  let reference: Record<string, string>;
  let referenceCounts: Record<string, number>;
  let referenceMark: unknown;
  test('uninterrupted reference run, with queries in a loop while it runs: none fails', async () => {
    const lake = await newLake();
    const errors: string[] = [];
    let queries = 0;
    let running = true;
    const run = cli(['run', '--lake', lake]).finally(() => (running = false));
    while (running) {
      await new Promise((r) => setTimeout(r, 20));
      try {
        await queryCounts(lake);
        queries++;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    const r = await run;
    expect(r.code).toBe(0);
    expect(errors).toEqual([]);
    expect(queries).toBeGreaterThan(3);
    expect(reconciliation(r.stdout)).toEqual([1401, 1400, 1, 0, 0]);
    reference = outputs(lake);
    referenceCounts = await queryCounts(lake);
    referenceMark = await watermark(lake);
    expect(Object.keys(reference).length).toBeGreaterThan(5);
  }, 120_000);

  test.each(['copying@4', 'staged@4', 'swapped@4'])('killed at %s: the lake answers queries, the run shows ABORTED, the rerun gives the same gold', async (fault) => {
    const lake = await newLake();
    const killed = await cli(['run', '--lake', lake], { env: { FLEETLAKE_FAULT_FEATURES: fault } });
    expect(killed.signal).toBe('SIGKILL');
    const [record] = await listExecutions(lake);
    expect(record!.status).toBe('RUNNING'); // as the killed process left it
    await expect(queryCounts(lake)).resolves.toMatchObject({ quarantine: 1 });

    const listed = await cli(['executions', '--lake', lake]);
    expect(listed.stdout.split('\n')[1]).toMatch(new RegExp(`^${record!.executionId}\\s+ABORTED\\s`));
    expect((await readExecution(lake, record!.executionId)).cause).toMatch(/^process \d+ ended without recording a result \(last state: Features\)$/);

    const rerun = await cli(['run', '--lake', lake]);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/removed staging left by a killed run: (silver|gold)\/_staging\//);
    expect(reconciliation(rerun.stdout)).toEqual([1401, 1400, 1, 0, 0]);
    expect(outputs(lake)).toEqual(reference);
    expect(await queryCounts(lake)).toEqual(referenceCounts);
    expect(await watermark(lake)).toEqual(referenceMark);
  }, 120_000);

  test('killed while dropping an emptied partition (run --dates after its parts are gone): the same', async () => {
    const lake = await newLake();
    expect((await cli(['run', '--lake', lake])).code).toBe(0);
    const expected = await newLake();
    expect((await cli(['run', '--lake', expected])).code).toBe(0);
    for (const l of [lake, expected]) await rm(path.join(l, 'silver', 'telemetry_parts', 'dt=2026-03-02'), { recursive: true });
    expect((await cli(['run', '--lake', expected, '--dates', '2026-03-02'])).code).toBe(0);

    const killed = await cli(['run', '--lake', lake, '--dates', '2026-03-02'], { env: { FLEETLAKE_FAULT_FEATURES: 'dropped@1' } });
    expect(killed.signal).toBe('SIGKILL');
    await expect(queryCounts(lake)).resolves.toMatchObject({ quarantine: 1 });
    const rerun = await cli(['run', '--lake', lake, '--dates', '2026-03-02']);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/marked ABORTED \(their process is gone\): \S+/); // the next run sees it too
    expect(reconciliation(rerun.stdout)).toEqual([0, 0, 0, 0, 0]);
    expect(outputs(lake)).toEqual(outputs(expected));
  }, 180_000);
});

describe('a write that fails mid-COPY (EFBIG past a 40 KiB file-size limit, as on a full disk)', () => {
  test('the execution ends FAILED with a one-line error; the previous partition stays, queryable; the next run works', async () => {
    const big = FIRST_ARRIVALS.slice(0, 3).map((o) => ({ ...o, seconds: 300 })); // silver/telemetry of 2026-03-01: 80 KB, 60 KB without one part
    const lake = await newLake(big);
    const first = await cli(['run', '--lake', lake]);
    expect(first.code).toBe(0);
    const before = outputs(lake);
    const counts = await queryCounts(lake);
    // one object's parts gone: a rebuild of the date would write a smaller, different file (over 40 KiB still)
    const parts = path.join(lake, 'silver', 'telemetry_parts', 'dt=2026-03-01');
    await rm(path.join(parts, readdirSync(parts).sort()[0]!));

    const failed = await cli(['run', '--lake', lake, '--dates', '2026-03-01'], { fileSizeKb: 40 });
    expect(failed.code).toBe(1);
    const lines = failed.stderr.split('\n').filter((l) => l.startsWith('fleetlake:'));
    expect(lines).toEqual([expect.stringMatching(/^fleetlake: execution \S+ FAILED in Features: States\.TaskFailed: .*(File too large|EFBIG)/i)]);
    expect(failed.stderr).not.toMatch(/^\s+at /m);
    const [record] = await listExecutions(lake);
    expect(record).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(outputs(lake)).toEqual(before);
    expect(await queryCounts(lake)).toEqual(counts);
    expect(readdirSync(path.join(lake, 'silver')).includes('_staging') ? readdirSync(path.join(lake, 'silver', '_staging')) : []).toEqual([]);

    const next = await cli(['run', '--lake', lake, '--dates', '2026-03-01']);
    expect(next.code).toBe(0);
    expect(outputs(lake)[path.join('silver', 'telemetry', 'dt=2026-03-01', 'part-00000.parquet')]).not.toBe(before[path.join('silver', 'telemetry', 'dt=2026-03-01', 'part-00000.parquet')]);
  }, 180_000);
});

describe('one run at a time per lake', () => {
  test('two `fleetlake run` started together: one runs, the other says it waits, then finds nothing new', async () => {
    const lake = await newLake();
    const [a, b] = await Promise.all([cli(['run', '--lake', lake]), cli(['run', '--lake', lake])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const waited = [a, b].filter((r) => /^waiting for the pipeline run of process \d+, running since \S+ on this lake to finish/m.test(r.stderr));
    expect(waited).toHaveLength(1);
    const [first, second] = waited[0] === b ? [a, b] : [b, a];
    expect(reconciliation(first.stdout)).toEqual([1401, 1400, 1, 0, 0]);
    expect(reconciliation(second.stdout)).toEqual([0, 0, 0, 0, 0]); // nothing doubled
    const records = await listExecutions(lake);
    expect(records.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [later, earlier] = records;
    expect(Date.parse(later!.startedAt)).toBeGreaterThanOrEqual(Date.parse(earlier!.stoppedAt!)); // one after the other
    expect(existsSync(runLockFile(lake))).toBe(false);
  }, 120_000);

  test('while the lake is held: --no-wait fails at once (exit 1, one line); without it the run waits, then runs', async () => {
    const lake = await newLake(FIRST_ARRIVALS.slice(0, 1));
    const held = await tryLock(runLockFile(lake), { since: 'now' }); // as a running `fleetlake run` holds it
    if (!('release' in held)) throw new Error('lock not taken');
    const busy = await cli(['run', '--lake', lake, '--no-wait']);
    expect(busy.code).toBe(1);
    expect(busy.stderr.trim().split('\n')).toEqual([
      `fleetlake: another pipeline run holds ${lake} (process ${process.pid}, running since now); wait for it, or run again without --no-wait to queue behind it`,
    ]);
    let said = '';
    const waiting = cli(['run', '--lake', lake], { onStderr: (text) => (said = text) });
    for (let i = 0; i < 600 && !said.includes('waiting for'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(said).toMatch(new RegExp(`^waiting for the pipeline run of process ${process.pid}, running since now on this lake to finish`, 'm'));
    await new Promise((r) => setTimeout(r, 500));
    expect(await listExecutions(lake)).toEqual([]); // still waiting: nothing started
    await held.release();
    const r = await waiting;
    expect(r.code).toBe(0);
    expect(reconciliation(r.stdout)[0]).toBeGreaterThan(0);
  }, 120_000);
});

describe('executions end in a state', () => {
  test('an error outside the state machine (here: the progress callback throws) is recorded FAILED, not left RUNNING', async () => {
    const lake = await newLake(FIRST_ARRIVALS.slice(0, 1));
    const r = await runPipeline({
      lake,
      input: {},
      env: ENV,
      poolSize: 1,
      onEvent: (e) => {
        if (e.type === 'execution-started') throw new Error('terminal went away');
      },
    });
    expect(r.status).toBe('FAILED');
    const record = await readExecution(lake, r.executions[0]!.executionId);
    expect(record).toMatchObject({ status: 'FAILED', error: 'Error', cause: 'terminal went away' });
    expect(record.stoppedAt).not.toBeNull();
  }, 60_000);
});
