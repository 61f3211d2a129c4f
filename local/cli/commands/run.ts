import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { UsageError } from '../program';
import { lakeOption, resolveLake } from '../lake';
import { progress, type Progress } from '../progress';
import { isIsoDate } from '../../../lib/pipeline/input';
import { runPipeline, type PipelineEvent, type PipelineSummary, type RunPipelineResult } from '../../stepfunctions/run';

/** `fleetlake run`: the pipeline state machine, executed locally from the same ASL (see docs/pipeline.md). */
export function register(program: Command): void {
  program
    .command('run')
    .description('run the pipeline (plan → clean → features → commit) on the local lake, from state-machines/pipeline.asl.yml')
    .addOption(lakeOption())
    .option('--from <iso>', 'reprocess bronze objects that arrived at or after this time (with --to)')
    .option('--to <iso>', 'reprocess bronze objects that arrived before this time (with --from)')
    .option('--dates <d1,d2>', 'rebuild silver/telemetry and gold for these event dates from the silver parts')
    .action(async (opts: { lake?: string; from?: string; to?: string; dates?: string }) => {
      const input = pipelineInput(opts);
      const lake = resolveLake(opts.lake);
      if (!existsSync(lake)) throw new UsageError(`no lake at ${lake} (use --lake DIR, or land data with \`fleetlake ingest\`)`);
      const result = await runWithProgress(lake, input);
      if (result.status !== 'SUCCEEDED') {
        const failed = result.executions.at(-1)!;
        throw new Error(`execution ${failed.executionId} ${failed.status}: ${failed.error ?? ''} ${failed.cause ?? ''}`.trim());
      }
    });
}

export function pipelineInput(opts: { from?: string; to?: string; dates?: string }): Record<string, unknown> {
  if (opts.dates !== undefined) {
    if (opts.from !== undefined || opts.to !== undefined) throw new UsageError('--dates cannot be combined with --from/--to');
    const dates = opts.dates.split(',').map((d) => d.trim()).filter(Boolean);
    const bad = dates.filter((d) => !isIsoDate(d));
    if (!dates.length || bad.length) throw new UsageError(`--dates takes YYYY-MM-DD[,YYYY-MM-DD...]; got ${JSON.stringify(opts.dates)}`);
    return { dates };
  }
  if (opts.from !== undefined || opts.to !== undefined) {
    if (opts.from === undefined || opts.to === undefined) throw new UsageError('--from and --to go together');
    for (const [flag, v] of [['--from', opts.from], ['--to', opts.to]] as const) {
      if (Number.isNaN(Date.parse(v)) || !/(Z|[+-]\d{2}:\d{2})$/.test(v)) throw new UsageError(`${flag} takes an ISO-8601 time with a zone, e.g. 2026-03-01T00:00:00Z; got ${v}`);
    }
    if (Date.parse(opts.from) >= Date.parse(opts.to)) throw new UsageError('--from must be before --to');
    return { from: opts.from, to: opts.to };
  }
  return {};
}

/** Progress bars on stderr for a pipeline run: objects cleaned, then table-dates built. Shared by `run`, `rerun` and `demo`. */
export function pipelineProgress(): (e: PipelineEvent) => void {
  let clean: Progress | undefined;
  let build: Progress | undefined;
  let cleaned = 0;
  return (e: PipelineEvent) => {
    switch (e.type) {
      case 'execution-started':
        process.stderr.write(`execution ${e.executionId} input ${JSON.stringify(e.input)}\n`);
        break;
      case 'planned':
        if (e.plan.objects) {
          cleaned = 0;
          clean = progress('clean', e.plan.objects, { unit: 'objects' });
        }
        break;
      case 'cleaned':
        cleaned += e.objects;
        clean?.update(cleaned);
        break;
      case 'features-started':
        clean?.stop();
        clean = undefined;
        build = progress('features', 1, { unit: 'table-dates' });
        break;
      case 'features-progress':
        build?.setTotal(e.total);
        build?.update(e.done);
        break;
      case 'execution-finished':
        clean?.stop();
        build?.stop();
        clean = build = undefined;
        process.stderr.write(`execution ${e.record.executionId} ${e.record.status} in ${((e.record.durationMs ?? 0) / 1000).toFixed(1)} s\n`);
        break;
    }
  };
}

/** Runs with progress bars on stderr and prints the summary table on stdout. Shared by `run` and `rerun`. */
export async function runWithProgress(lake: string, input: unknown, rerunOf?: string): Promise<RunPipelineResult> {
  const onEvent = pipelineProgress();
  const result = await runPipeline({ lake, input, onEvent, rerunOf });
  if (result.summary) process.stdout.write(formatSummary(result.summary, result));
  return result;
}

export function formatSummary(s: PipelineSummary, r: RunPipelineResult): string {
  const rows: Array<[string, string]> = [
    ['executions', `${r.executions.length} (${r.executions.map((e) => e.executionId).join(', ')})`],
    ['objects', String(s.objects)],
    ['samples', String(s.samples)],
    ['valid', String(s.valid)],
    ['quarantined', String(s.quarantined)],
    ...Object.entries(s.quarantined_by_reason).map(([reason, n]) => [`  ${reason}`, String(n)] as [string, string]),
    ['duplicates', String(s.duplicates)],
    ['conflicts', String(s.conflicts)],
    ['dates rebuilt', s.dates_rebuilt.length ? `${s.dates_rebuilt.length} (${s.dates_rebuilt.join(', ')})` : '0'],
    ['duration', `${s.duration_seconds.toFixed(1)} s`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}
