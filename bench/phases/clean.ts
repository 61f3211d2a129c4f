import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { missingModules } from '../modules';
import { notMeasured, type BenchContext, type PhaseResult } from '../types';
import { seconds, walk } from '../util';

const WORKER = path.join(import.meta.dirname, '..', 'clean-worker.ts');

interface Done {
  type: 'done' | 'error' | 'ready' | 'bye';
  key?: string;
  message?: string;
  totals?: { samples: number; valid: number; quarantined: number; duplicates: number };
  dates?: string[];
  maxRssKb?: number;
}

export function bronzeKeys(lake: string): { key: string; size: number }[] {
  const root = path.join(lake, 'bronze');
  return walk(path.join(root, 'telemetry'), (n) => n.endsWith('.gz')).map((f) => ({ key: path.relative(root, f), size: fs.statSync(f).size }));
}

/** The clean Lambda's Node flags (functions/clean/function.yml NODE_OPTIONS), so the workers run as the function does. */
export function lambdaNodeOptions(): string[] {
  const yml = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'functions', 'clean', 'function.yml'), 'utf8');
  const m = /^\s+NODE_OPTIONS:\s*(.+)$/m.exec(yml);
  if (!m) throw new Error('functions/clean/function.yml: no NODE_OPTIONS in environment');
  return m[1]!.trim().split(/\s+/);
}

function startWorker(lake: string): ChildProcess {
  return fork(WORKER, [], { execArgv: [...lambdaNodeOptions(), '--import', 'tsx'], env: { ...process.env, FLEETLAKE_LAKE: lake }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

const next = (child: ChildProcess) =>
  new Promise<Done>((resolve, reject) => {
    const onMsg = (m: Done) => {
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => {
      child.off('message', onMsg);
      reject(new Error(`clean worker exited (${code}) unexpectedly`));
    };
    child.once('message', onMsg);
    child.once('exit', onExit);
  });

/** Run the clean domain over `keys` with `workers` processes pulling from one queue (largest first). */
export async function cleanPool(lake: string, keys: readonly { key: string; size: number }[], workers: number) {
  const children = Array.from({ length: Math.max(1, Math.min(workers, keys.length || 1)) }, () => startWorker(lake));
  try {
    for (const r of await Promise.all(children.map(next))) if (r.type !== 'ready') throw new Error(`clean worker: ${r.message ?? r.type}`);
    const queue = [...keys].sort((a, b) => b.size - a.size);
    const totals = { samples: 0, valid: 0, quarantined: 0, duplicates: 0 };
    const dates = new Set<string>();
    const t0 = process.hrtime.bigint();
    await Promise.all(
      children.map(async (child) => {
        for (let k = queue.shift(); k; k = queue.shift()) {
          child.send({ type: 'clean', key: k.key });
          const r = await next(child);
          if (r.type !== 'done' || !r.totals) throw new Error(`clean ${k.key}: ${r.message ?? r.type}`);
          for (const f of ['samples', 'valid', 'quarantined', 'duplicates'] as const) totals[f] += r.totals[f];
          for (const d of r.dates ?? []) dates.add(d);
        }
      }),
    );
    const secs = seconds(t0);
    const rss = await Promise.all(
      children.map(async (c) => {
        c.send({ type: 'exit' });
        return ((await next(c)).maxRssKb ?? 0) / 1024;
      }),
    );
    return { secs, totals, dates: [...dates].sort(), maxRssMb: Math.max(...rss) };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
}

/** P2a: clean rows/s over all bronze objects, one worker process per core. */
export async function cleanPhase(ctx: BenchContext): Promise<PhaseResult> {
  const missing = missingModules(ctx.repo, ['clean']);
  if (missing.length) return notMeasured('P2 clean', `not measured (module missing: ${missing.join(', ')})`);
  const keys = bronzeKeys(ctx.lake);
  if (!keys.length) return notMeasured('P2 clean', 'not measured (no bronze objects: ingest did not run)');
  ctx.log(`P2 clean: ${keys.length} bronze objects, ${ctx.cores} worker processes`);
  const r = await cleanPool(ctx.lake, keys, ctx.cores);
  // rows = samples processed (valid + quarantined + duplicates): the unit the peer counts (one row per sample).
  const rows = r.totals.samples;
  ctx.shared.dates = r.dates;
  ctx.shared.cleanSamples = r.totals.samples;
  return {
    name: 'P2 clean',
    measured: true,
    seconds: r.secs,
    values: { clean_rows_per_s: rows / r.secs, clean_rows: rows, clean_valid: r.totals.valid, clean_quarantined: r.totals.quarantined, clean_duplicates: r.totals.duplicates, clean_s: r.secs },
    notes: [`${rows.toLocaleString('en-US')} samples (${r.totals.valid.toLocaleString('en-US')} valid) in ${r.secs.toFixed(2)} s over ${keys.length} objects, ${Math.min(ctx.cores, keys.length)} processes; dates ${r.dates.join(', ')}`],
  };
}

/** Memory: peak RSS of one clean process on the largest bronze object (a fresh child). */
export async function memoryPhase(ctx: BenchContext): Promise<PhaseResult> {
  const missing = missingModules(ctx.repo, ['clean']);
  if (missing.length) return notMeasured('Memory', `not measured (module missing: ${missing.join(', ')})`);
  const keys = bronzeKeys(ctx.lake);
  const largest = [...keys].sort((a, b) => b.size - a.size)[0];
  if (!largest) return notMeasured('Memory', 'not measured (no bronze objects)');
  const t0 = process.hrtime.bigint();
  const r = await cleanPool(ctx.lake, [largest], 1);
  return {
    name: 'Memory',
    measured: true,
    seconds: seconds(t0),
    values: { clean_peak_rss_mb: r.maxRssMb, largest_bronze_object_bytes: largest.size },
    notes: [`peak RSS ${r.maxRssMb.toFixed(0)} MB cleaning ${largest.key} (${(largest.size / 1048576).toFixed(1)} MB gz) in a fresh process (includes Node + modules)`],
  };
}
