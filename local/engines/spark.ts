import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseDates, rebuildDates } from '../../lib/features/dates';
import { countPartitionRows, type FeaturesOptions, type FeaturesResult } from '../engine/features';
import { findJava } from './java';
import { PINS } from './install';
import { REPO_ROOT, requireVenvBin } from './paths';

/**
 * The Glue job on local PySpark: glue-jobs/features.py runs unchanged under the awsglue stand-in
 * (local/engines/awsglue_stand_in.py), with the lake's folders as its buckets (`file:///<lake>/silver`, `…/gold`).
 * One runner is one Spark session; it can run the job many times (the engine-equality tests start Spark once).
 */
export const GLUE_JOB_DIR = path.join(REPO_ROOT, 'glue-jobs');
const STAND_IN = path.join(import.meta.dirname, 'awsglue_stand_in.py');
const RESULT = '@@fleetlake ';

export interface SparkRunOptions extends Pick<FeaturesOptions, 'lake' | 'dates' | 'expandNeighbours' | 'onProgress'> {
  /** A folder holding features.py, features_lib.py, tables.json and sql/ (default glue-jobs/: what Glue runs). */
  jobDir?: string;
}

export interface SparkRunner {
  run(options: SparkRunOptions): Promise<{ seconds: number }>;
  close(): Promise<void>;
}

/** The job's arguments as the pipeline's Features state passes them (JobName aside). */
export function jobArguments(o: SparkRunOptions): string[] {
  const lake = path.resolve(o.lake);
  return [
    '--JOB_NAME',
    'fleetlake-local-features',
    '--dates',
    parseDates(o.dates).join(','),
    '--silver_bucket',
    `file://${path.join(lake, 'silver')}`,
    '--gold_bucket',
    `file://${path.join(lake, 'gold')}`,
    '--expand_neighbours',
    o.expandNeighbours ? 'true' : 'false',
  ];
}

interface Pending {
  resolve(r: { ok: boolean; seconds: number; error?: string }): void;
  onLine?: (line: string) => void;
}

/** Starts one local Spark session (PySpark from the project venv, Java 17) that runs the Glue job on request. */
export async function openSparkRunner(options: { log?: (line: string) => void } = {}): Promise<SparkRunner> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const python = requireVenvBin('python');
  const java = findJava('Spark (Glue 5.0)', PINS.spark.javaMajor, 'FLEETLAKE_SPARK_JAVA_HOME');
  const cwd = await mkdtemp(path.join(tmpdir(), 'fleetlake-spark-'));
  const child: ChildProcessWithoutNullStreams = spawn(python, [STAND_IN, '--serve', path.join(GLUE_JOB_DIR, 'features.py')], {
    cwd,
    env: {
      ...process.env,
      JAVA_HOME: java.home,
      PATH: `${path.join(java.home, 'bin')}:${process.env.PATH ?? ''}`,
      PYSPARK_PYTHON: python,
      SPARK_LOCAL_IP: '127.0.0.1',
      TZ: 'UTC',
    },
  });
  let stderrTail = '';
  child.stderr.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-8000);
  });
  const queue: Pending[] = [];
  let ready!: () => void;
  let failed!: (e: Error) => void;
  const started = new Promise<void>((res, rej) => {
    ready = res;
    failed = rej;
  });
  let exited = false;
  const lastError = () => stderrTail.trim().split('\n').filter((l) => /Error|Exception/.test(l)).at(-1) ?? stderrTail.trim().split('\n').at(-1) ?? '';
  child.on('exit', (code) => {
    exited = true;
    const err = new Error(`spark: the local Spark session exited with ${code}: ${lastError()}`);
    failed(err);
    for (const p of queue.splice(0)) p.resolve({ ok: false, seconds: 0, error: err.message });
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith(RESULT)) {
      const r = JSON.parse(line.slice(RESULT.length)) as { ok: boolean; seconds: number; error?: string; ready?: boolean };
      if (r.ready) ready();
      else queue.shift()?.resolve(r);
    } else {
      queue[0]?.onLine?.(line);
    }
  });
  const t0 = performance.now();
  await started;
  log(`spark: local Spark ${process.env.FLEETLAKE_SPARK_CORES ?? '2'} cores on Java ${java.major} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  return {
    async run(o: SparkRunOptions) {
      if (exited) throw new Error('spark: the session has exited');
      const jobDir = path.resolve(o.jobDir ?? GLUE_JOB_DIR);
      const request = { job: path.join(jobDir, 'features.py'), args: jobArguments(o) };
      const result = await new Promise<{ ok: boolean; seconds: number; error?: string }>((resolve) => {
        let done = 0;
        queue.push({
          resolve,
          onLine: (line) => {
            const m = /^features: (\w+) written for /.exec(line);
            if (m?.[1]) o.onProgress?.({ stage: 'write', table: m[1], done: ++done, total: 0 });
          },
        });
        child.stdin.write(`${JSON.stringify(request)}\n`);
      });
      if (!result.ok) throw new Error(`spark: ${path.relative(process.cwd(), request.job)} failed: ${result.error ?? lastError()}`);
      return { seconds: result.seconds };
    },
    async close() {
      if (!exited) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await gone;
        clearTimeout(timer);
      }
      await rm(cwd, { recursive: true, force: true });
    },
  };
}

/** `fleetlake features --engine spark`: one Spark session, one run of the job, and the same result shape as DuckDB's. */
export async function runSparkFeatures(options: SparkRunOptions & { log?: (line: string) => void }): Promise<FeaturesResult> {
  const t0 = performance.now();
  const dates = options.expandNeighbours ? rebuildDates(options.dates) : parseDates(options.dates);
  const runner = await openSparkRunner({ log: options.log });
  try {
    await runner.run(options);
  } finally {
    await runner.close();
  }
  return { dates, rows: await countPartitionRows(options.lake, dates, options.jobDir ? path.join(options.jobDir, 'sql') : undefined), seconds: (performance.now() - t0) / 1000 };
}
