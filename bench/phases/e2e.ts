import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { missingModules } from '../modules';
import { notMeasured, type BenchContext, type PhaseResult } from '../types';
import { seconds } from '../util';

/** P5a: wall time of features (the Glue SQL on DuckDB) for every date clean touched. */
export async function featuresPhase(ctx: BenchContext): Promise<PhaseResult> {
  const missing = missingModules(ctx.repo, ['features']);
  if (missing.length) return notMeasured('P5 features', `not measured (module missing: ${missing.join(', ')})`);
  const dates = (ctx.shared.dates as string[] | undefined) ?? [];
  if (!dates.length) return notMeasured('P5 features', 'not measured (no silver dates: clean did not run)');
  const { runFeatures } = await import('../../local/engine/features');
  const t0 = process.hrtime.bigint();
  const r = await runFeatures({ lake: ctx.lake, dates, threads: ctx.cores });
  const secs = seconds(t0);
  ctx.shared.featuresSeconds = secs;
  return {
    name: 'P5 features',
    measured: true,
    seconds: secs,
    values: { features_s: secs, features_rows: r.rows },
    notes: [`${dates.length} date(s) in ${secs.toFixed(2)} s: ${Object.entries(r.rows).map(([t, n]) => `${t} ${n}`).join(', ')}`],
  };
}

/** Quick runs (CI) prove the phase works on a smaller demo; full runs time the defaults, as a user runs it. */
export const QUICK_DEMO_ARGS = ['--vehicles', '4', '--hours', '6'];

/** P5b: wall time of `fleetlake demo` (defaults in a full run) in its own lake. */
export async function demoPhase(ctx: BenchContext): Promise<PhaseResult> {
  const missing = missingModules(ctx.repo, ['demo']);
  if (missing.length) return notMeasured('P5 demo', `not measured (module missing: ${missing.join(', ')})`);
  const lake = path.join(ctx.work, 'demo-lake');
  fs.rmSync(lake, { recursive: true, force: true });
  const t0 = process.hrtime.bigint();
  const code = await new Promise<number | null>((resolve, reject) => {
    const args = [path.join(ctx.repo, 'local/cli/fleetlake.js'), 'demo', '--lake', lake, ...(ctx.quick ? QUICK_DEMO_ARGS : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: ctx.repo });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (c) => (c === 0 ? resolve(c) : reject(new Error(`fleetlake demo exited ${c}: ${err.trim().split('\n').slice(-3).join(' | ')}`))));
  });
  const secs = seconds(t0);
  return { name: 'P5 demo', measured: code === 0, seconds: secs, values: { demo_s: secs }, notes: [`fleetlake demo ${ctx.quick ? QUICK_DEMO_ARGS.join(' ') : '(defaults)'} in ${secs.toFixed(1)} s`] };
}
