// Atomic partitions for readers, crash-safe for writers: runFeatures in a child process (test/fixtures/features/
// run-features.ts) is SIGKILLed at each step of a partition swap, or has its writes fail mid-COPY, or is queried in
// a loop while it replaces and drops partitions. Readers see the old or the new partition, never an error.
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { featureOutputs as outputs, stagingOwners } from '../../test/fixtures/features/outputs';
import * as fx from '../../test/fixtures/silver/features-fixture';
import { currentProcess } from '../../lib/store/file-lock';
import { removeStaleStaging, runFeatures, STAGING_DIR } from './features';
import { openLocalQueryEngine } from './query';

const WRITER = path.resolve('test/fixtures/features/run-features.ts');
const DATES = [fx.D1, fx.D2];
const lakes: string[] = [];
afterAll(async () => {
  for (const l of lakes) await rm(l, { recursive: true, force: true });
});

async function newLake(parts: 'a' | 'ab'): Promise<string> {
  const lake = await mkdtemp(path.join(tmpdir(), 'fleetlake-swap-'));
  lakes.push(lake);
  await fx.writeParts(lake, 'part-a', [...fx.straightDrive(), ...fx.midnightDrive(), ...fx.dtcs()]);
  if (parts === 'ab') await addPartB(lake);
  return lake;
}
const addPartB = (lake: string) => fx.writeParts(lake, 'part-b', [...fx.gapDrive(), ...fx.drainingBattery()]);



/** Every catalog table answers a query (the count is not the point: no error is). */
async function queryAll(lake: string): Promise<Record<string, number>> {
  const engine = await openLocalQueryEngine({ lake, threads: 1 });
  try {
    const counts: Record<string, number> = {};
    for (const t of ['telemetry', 'trips', 'trips_public', 'vehicle_daily', 'battery_events', 'dtc_events', 'quarantine']) {
      counts[t] = Number((await engine.query(`SELECT count(*) AS n FROM ${t}`)).rows[0]!.n);
    }
    return counts;
  } finally {
    engine.close();
  }
}

function writer(lake: string, args: string[], options: { env?: Record<string, string>; fileSizeKb?: number } = {}) {
  const node = [process.execPath, '--import', 'tsx', WRITER, lake, DATES.join(','), ...args];
  // RLIMIT_FSIZE: a write past the limit fails with EFBIG (SIGXFSZ ignored, so the process lives to report it).
  const cmd = options.fileSizeKb ? ['bash', '-c', `trap '' XFSZ; ulimit -f ${options.fileSizeKb}; exec "$@"`, 'bash', ...node] : node;
  return new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, ...options.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('SIGKILL at every step of a partition swap', () => {
  let oldOut: Record<string, string>;
  let newOut: Record<string, string>;
  let oldDropOut: Record<string, string>;
  let newDropOut: Record<string, string>;
  it('reference runs: old (part a) and new (parts a + b), and a date emptied', async () => {
    const old = await newLake('a');
    await runFeatures({ lake: old, dates: DATES });
    oldOut = outputs(old);
    const fresh = await newLake('ab');
    await runFeatures({ lake: fresh, dates: DATES });
    newOut = outputs(fresh);
    expect(Object.keys(newOut).length).toBeGreaterThan(Object.keys(oldOut).length); // part b adds partitions
    // for the drop step: D2 had data (old), then loses all its parts (new: no D2 partitions)
    const dropped = await newLake('ab');
    await runFeatures({ lake: dropped, dates: DATES });
    oldDropOut = outputs(dropped);
    await rm(path.join(dropped, 'silver', 'telemetry_parts', `dt=${fx.D2}`), { recursive: true });
    await runFeatures({ lake: dropped, dates: DATES });
    newDropOut = outputs(dropped);
    expect(Object.keys(newDropOut).filter((k) => k.includes(`dt=${fx.D2}`))).toEqual([]);
  }, 60_000);

  it.each([
    ['copying', 'copying@3'],
    ['staged', 'staged@3'],
    ['swapped', 'swapped@3'],
    ['dropped', 'dropped@2'],
  ])('killed at %s: queries work and see old or new partitions; the rerun is byte-identical to an uninterrupted run', async (step, fault) => {
    const drop = step === 'dropped';
    const lake = await newLake(drop ? 'ab' : 'a');
    await runFeatures({ lake, dates: DATES });
    if (drop) await rm(path.join(lake, 'silver', 'telemetry_parts', `dt=${fx.D2}`), { recursive: true });
    else await addPartB(lake);
    const [before, after] = drop ? [oldDropOut, newDropOut] : [oldOut, newOut];

    const killed = await writer(lake, [], { env: { FLEETLAKE_FAULT_FEATURES: fault } });
    expect(killed.signal).toBe('SIGKILL');
    expect(stagingOwners(lake)).toHaveLength(1); // the dead run's staging, left for the next run to remove

    // every partition file is the old one or the new one, whole; nothing else is in the table folders
    for (const [file, sha] of Object.entries(outputs(lake))) expect([before[file], after[file]]).toContain(sha);
    await expect(queryAll(lake)).resolves.toMatchObject({ telemetry: expect.any(Number) });

    await runFeatures({ lake, dates: DATES }); // the rerun clears the dead run's staging first
    expect(outputs(lake)).toEqual(after);
    expect(stagingOwners(lake)).toEqual([]);
  }, 60_000);
});

describe('a write that fails mid-COPY (EFBIG past a 12 KiB file-size limit, as ENOSPC would)', () => {
  it('fails the run with the IO error; the previous partitions stay, queryable; no staging is left', async () => {
    const lake = await newLake('a');
    await runFeatures({ lake, dates: DATES });
    const before = outputs(lake);
    const beforeCounts = await queryAll(lake);
    await addPartB(lake); // the new silver/telemetry of D1 is ~21 KB: its COPY fails half-way
    const failed = await writer(lake, [], { fileSizeKb: 12 });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/File too large|EFBIG/i);
    expect(outputs(lake)).toEqual(before);
    expect(await queryAll(lake)).toEqual(beforeCounts);
    expect(stagingOwners(lake)).toEqual([]);
    // without the limit the same run goes through
    await runFeatures({ lake, dates: DATES });
    expect((await queryAll(lake)).telemetry).toBeGreaterThan(beforeCounts.telemetry!);
  }, 60_000);
});

describe('queries while a run replaces and drops partitions', () => {
  it('every query answers (old or new data), none errors', async () => {
    const lake = await newLake('ab');
    await runFeatures({ lake, dates: DATES });
    const engine = await openLocalQueryEngine({ lake, threads: 1 });
    const seen = new Set<number>();
    let queries = 0;
    const errors: string[] = [];
    try {
      const done = writer(lake, ['8', fx.D2]); // 8 rounds; D2 dropped and written again every other round
      let running = true;
      void done.then(() => (running = false));
      while (running) {
        try {
          const r = await engine.query('SELECT count(*) AS n FROM telemetry');
          seen.add(Number(r.rows[0]!.n));
          await engine.query('SELECT dt, count(*) AS n FROM vehicle_daily GROUP BY dt');
          queries += 2;
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
      expect(await done).toMatchObject({ code: 0 });
    } finally {
      engine.close();
    }
    expect(errors).toEqual([]);
    expect(queries).toBeGreaterThan(20);
    expect(seen.size).toBeGreaterThan(1); // the loop really saw partitions come and go
  }, 120_000);
});

describe('removeStaleStaging', () => {
  it('removes staging of dead owners and the old in-table _tmp/_old folders; keeps a live owner', async () => {
    const lake = await mkdtemp(path.join(tmpdir(), 'fleetlake-stale-'));
    lakes.push(lake);
    const dead = await new Promise<number>((resolve) => {
      const p = execFile(process.execPath, ['-e', '0'], () => resolve(p.pid!));
    });
    const me = currentProcess();
    const live = `${me.pid}-${me.started ?? 'x'}-aa`;
    for (const d of [`gold/${STAGING_DIR}/${dead}-x-bb/trips`, `gold/${STAGING_DIR}/${live}/trips`, 'gold/trips/_tmp-dt=2026-03-01-1a2b3c4d', 'gold/trips/_old-dt=2026-03-01-5e6f7a8b', 'gold/trips/dt=2026-03-01']) {
      await mkdir(path.join(lake, d), { recursive: true });
    }
    expect((await removeStaleStaging(lake)).sort()).toEqual([`gold/${STAGING_DIR}/${dead}-x-bb`, 'gold/trips/_old-dt=2026-03-01-5e6f7a8b', 'gold/trips/_tmp-dt=2026-03-01-1a2b3c4d'].sort());
    expect(await readdir(path.join(lake, 'gold', STAGING_DIR))).toEqual([live]);
    expect(await readdir(path.join(lake, 'gold', 'trips'))).toEqual(['dt=2026-03-01']);
  });
});
