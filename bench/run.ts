import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryPhase } from './phases/clean';
import { cleanVsPeerPhases, P2_ROUNDS } from './phases/clean-vs-peer';
import { demoPhase, featuresPhase } from './phases/e2e';
import { generatePhase } from './phases/generate';
import { ingestPhase } from './phases/ingest';
import { queriesPhase } from './phases/queries';
import { sizesPhase } from './phases/sizes';
import { sparkFeaturesPhase } from './phases/spark';
import { formatMarkdown } from './report';
import type { BenchContext, PhaseResult } from './types';

/**
 * Fleet sizes from the issue: 200 vehicles, one virtual day, ~1 h of driving each at 10 Hz and parked at one
 * sample a minute (≈ 7.5 M samples). Quick is 20× smaller. `--vehicles` overrides.
 */
export const FULL_VEHICLES = 200;
export const QUICK_VEHICLES = 10;

/** The keys latest.json must carry once every module has landed. */
export const REQUIRED_KEYS = [
  'ingest_samples_per_s',
  'clean_rows_per_s',
  'peer_rows_per_s',
  'clean_peer_ratio',
  'raw_bytes',
  'bronze_bytes',
  'silver_bytes',
  'gold_bytes',
  'silver_raw_ratio',
  'query_ms',
  'features_s',
  'demo_s',
  'clean_peak_rss_mb',
] as const;

export interface BenchOptions {
  repo: string;
  quick: boolean;
  /** Directory for latest.json and latest.md. */
  out: string;
  /** Keep the temporary lake (prints its path). */
  keep?: boolean;
  /** Skip the demo phase (it builds its own lake; CI runs it in its own test). */
  skipDemo?: boolean;
  /** Override the fleet size. */
  vehicles?: number;
  log?: (line: string) => void;
}

/** Deterministic data: the virtual day is yesterday (UTC), inside the clean step's 30-day lateness window. */
export function benchStart(now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
  return d.toISOString();
}

export async function runBench(options: BenchOptions): Promise<Record<string, unknown>> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetlake-bench-'));
  const ctx: BenchContext = {
    repo: options.repo,
    work,
    lake: path.join(work, 'lake'),
    quick: options.quick,
    vehicles: options.vehicles ?? (options.quick ? QUICK_VEHICLES : FULL_VEHICLES),
    start: benchStart(),
    seed: 42,
    cores: os.availableParallelism(),
    log,
    shared: {},
  };
  fs.mkdirSync(ctx.lake, { recursive: true });
  // A bench lake is gigabytes: remove it when the run is interrupted too.
  const onSignal = (sig: NodeJS.Signals) => {
    if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
    process.stderr.write(`bench: ${sig}, removed ${work}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  log(`bench: ${options.quick ? 'quick' : 'full'} run, ${ctx.vehicles} vehicles, lake ${ctx.lake}`);
  const phases: PhaseResult[] = [];
  /** Runs a phase (or a group, such as P2's clean and peer) and records each result; a failure marks all `names`. */
  const run = async (names: string | string[], fn: (c: BenchContext) => Promise<PhaseResult | PhaseResult[]>) => {
    try {
      const out = await fn(ctx);
      for (const r of Array.isArray(out) ? out : [out]) {
        log(`${r.name}: ${r.measured ? `${r.seconds.toFixed(2)} s` : r.reason}`);
        for (const n of r.notes) log(`  ${n}`);
        phases.push(r);
      }
    } catch (err) {
      const e = err as Error;
      for (const name of [names].flat()) {
        log(`${name}: FAILED ${e.message}`);
        phases.push({ name, measured: false, reason: `failed: ${e.message.split('\n')[0]}`, seconds: 0, values: {}, notes: [] });
      }
    }
  };
  const t0 = Date.now();
  try {
    await run('P0 generate', generatePhase);
    await run('P1 ingest', ingestPhase);
    await run(['P2 clean', 'P2 peer'], (c) => cleanVsPeerPhases(c, c.quick ? P2_ROUNDS.quick : P2_ROUNDS.full));
    await run('Memory', memoryPhase);
    await run('P5 features', featuresPhase);
    await run('P5 features on Spark', sparkFeaturesPhase);
    await run('P3 sizes', sizesPhase);
    await run('P4 queries', queriesPhase);
    if (!options.skipDemo) await run('P5 demo', demoPhase);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (options.keep) log(`bench: kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  const values: Record<string, unknown> = Object.assign({}, ...phases.map((p) => p.values));
  const clean = values.clean_rows_per_s;
  const peer = values.peer_rows_per_s;
  // P2 sets the ratio (the median of its rounds' ratios); a single pass of each gives it here.
  if (values.clean_peer_ratio === undefined && typeof clean === 'number' && typeof peer === 'number' && peer > 0) values.clean_peer_ratio = clean / peer;
  // Absolute speeds vary with the machine's load; the peer, measured in the same run, is the yardstick.
  const ingest = values.ingest_samples_per_s;
  if (typeof ingest === 'number' && typeof peer === 'number' && peer > 0) values.ingest_peer_ratio = ingest / peer;
  const result: Record<string, unknown> = {
    generated_at: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    vehicles: ctx.vehicles,
    virtual_day: ctx.start.slice(0, 10),
    ...values,
    machine: { cores: ctx.cores, node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(os.totalmem() / 1024 ** 3), platform: `${os.platform()} ${os.arch()}` },
    wall_s: (Date.now() - t0) / 1000,
    missing_keys: REQUIRED_KEYS.filter((k) => !(k in values)),
    phases: phases.map((p) => ({ name: p.name, measured: p.measured, ...(p.reason ? { reason: p.reason } : {}), seconds: p.seconds, notes: p.notes })),
  };
  fs.mkdirSync(options.out, { recursive: true });
  fs.writeFileSync(path.join(options.out, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(path.join(options.out, 'latest.md'), formatMarkdown(result));
  return result;
}
