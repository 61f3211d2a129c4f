import type { Command } from 'commander';
import type { ExecutionRecord } from '../../stepfunctions/history';
import { describeHolder } from '../../stepfunctions/run-lock';
import type { PipelineEvent, PipelineSummary, RunPipelineResult } from '../../stepfunctions/run';
import { parseFlag } from '../args';
import { UnhealthyError, UsageError } from '../errors';
import { formatOption, printResult, recordRows, renderKeyValue, type Format } from '../format';
import { existingLake, lakeOption } from '../lake';
import { progress, type Progress } from '../progress';

/** `fleetlake run`: the pipeline state machine, executed locally from the same ASL (see docs/pipeline.md). */
export function register(program: Command): void {
  program
    .command('run')
    .description('run the pipeline (plan → clean → features → commit) on the local lake, from state-machines/pipeline.asl.yml')
    .addOption(lakeOption())
    .option('--from <iso>', 'reprocess bronze objects that arrived at or after this time (with --to)')
    .option('--to <iso>', 'reprocess bronze objects that arrived before this time (with --from)')
    .option('--dates <d1,d2>', 'rebuild silver/telemetry and gold for these event dates from the silver parts')
    .option('--no-wait', 'fail at once (exit 1) when another run holds the lake, instead of waiting for it')
    .addOption(formatOption())
    .action(async (opts: { lake?: string; from?: string; to?: string; dates?: string; wait: boolean; format: Format }) => {
      const input = await pipelineInput(opts);
      const lake = existingLake(opts.lake);
      await runAndReport(lake, input, { wait: opts.wait, format: opts.format });
    });
}

/** The first line of a failure's cause; a Glue JobRun cause gives its ErrorMessage. */
function causeLine(cause: string | undefined): string {
  let text = cause ?? '';
  try {
    const parsed = JSON.parse(text) as { ErrorMessage?: unknown; errorMessage?: unknown };
    text = String(parsed.ErrorMessage ?? parsed.errorMessage ?? text);
  } catch {
    // not JSON: the cause as it is
  }
  const line = text.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

/** `execution <id> FAILED in Features: States.TaskFailed: IO Error: …`: one line (FLEETLAKE_DEBUG=1 adds the whole cause). */
export function failureLine(r: ExecutionRecord): string {
  // The state that failed: its catcher `<State>Failed` (the ASL's failure path) was entered.
  const state = r.events.map((e) => (e.type === 'StateEntered' && e.index === undefined ? /^(\w+)Failed$/.exec(e.state ?? '')?.[1] : undefined)).find(Boolean);
  const cause = causeLine(r.cause);
  return `execution ${r.executionId} ${r.status}${state ? ` in ${state}` : ''}: ${r.error ?? 'unknown error'}${cause ? `: ${cause}` : ''}`;
}

/**
 * How a run ends, for `run` and `rerun`: null when it succeeded and its counts reconcile; else the error to end the
 * command with: a failed chain's one-line error (exit 1), or counts that do not reconcile (UnhealthyError, exit 3).
 */
export function runOutcome(result: RunPipelineResult): Error | null {
  if (result.status !== 'SUCCEEDED') return new Error(failureLine(result.executions.at(-1)!));
  if (result.summary && !result.summary.reconciliation.balanced) {
    return new UnhealthyError(`the run's counts do not reconcile: ${reconciliationLine(result.summary)} (docs/runbook.md#local-runs-a-busy-lake-a-killed-run-a-full-disk)`);
  }
  return null;
}

/** The state machine's input from `--dates` or `--from/--to` (none: `{}`, what the schedule sends). */
export async function pipelineInput(opts: { from?: string; to?: string; dates?: string }): Promise<Record<string, unknown>> {
  const { parseDatesArgument, parseInstant } = await import('../../../lib/features/dates'); // the contract's parser loads ajv: on use only
  if (opts.dates !== undefined) {
    if (opts.from !== undefined || opts.to !== undefined) throw new UsageError('--dates cannot be combined with --from/--to');
    return { dates: parseFlag('--dates', opts.dates, parseDatesArgument) };
  }
  if (opts.from !== undefined || opts.to !== undefined) {
    if (opts.from === undefined || opts.to === undefined) throw new UsageError('--from and --to go together');
    const from = parseFlag('--from', opts.from, parseInstant);
    const to = parseFlag('--to', opts.to, parseInstant);
    if (from >= to) throw new UsageError(`--from ${opts.from} is not before --to ${opts.to}`);
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
      case 'waiting':
        process.stderr.write(`waiting for the pipeline run of ${describeHolder(e.holder)} on this lake to finish (--no-wait fails instead)\n`);
        break;
      case 'recovered':
        if (e.aborted.length) process.stderr.write(`marked ABORTED (their process is gone): ${e.aborted.join(', ')}\n`);
        if (e.staging.length) process.stderr.write(`removed staging left by a killed run: ${e.staging.join(', ')}\n`);
        break;
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

/**
 * Runs the pipeline with progress on stderr and prints the result on stdout in `format`. Shared by `run` and `rerun`.
 * A failed chain ends in its one-line error (exit 1); counts that do not reconcile, in exit 3.
 */
export async function runAndReport(lake: string, input: unknown, options: { rerunOf?: string; wait?: boolean; format: Format }): Promise<void> {
  const { runPipeline } = await import('../../stepfunctions/run');
  const result = await runPipeline({ lake, input, onEvent: pipelineProgress(), rerunOf: options.rerunOf, wait: options.wait });
  // The table shows the summary of what succeeded (nothing when nothing did); json and csv always say how it ended.
  if (result.summary || options.format !== 'table') printRunResult(result, input, options.format);
  const failed = result.executions.at(-1);
  if (result.status !== 'SUCCEEDED' && process.env.FLEETLAKE_DEBUG && failed?.cause) process.stderr.write(`${failed.cause}\n`);
  const outcome = runOutcome(result);
  if (outcome) throw outcome;
}

function printRunResult(r: RunPipelineResult, input: unknown, format: Format): void {
  const json = { status: r.status, input, executions: r.executions.map((e) => e.executionId), summary: r.summary };
  printResult(format, {
    table: () => formatSummary(r.summary!, r),
    json: () => json,
    csv: () => recordRows({ status: r.status, input, executions: json.executions.join(' '), ...r.summary }),
  });
}

/** `1401 samples = 1400 silver + 1 quarantine + 0 duplicates + 0 conflicts` (or how far off it is). */
export function reconciliationLine(s: PipelineSummary): string {
  const r = s.reconciliation;
  const sum = r.silver + r.quarantine + r.duplicates + r.conflicts;
  const eq = `${r.samples} samples ${r.balanced ? '=' : '≠'} ${r.silver} silver + ${r.quarantine} quarantine + ${r.duplicates} duplicates + ${r.conflicts} conflicts`;
  return r.balanced ? eq : `${eq} (DOES NOT RECONCILE: ${sum - r.samples > 0 ? '+' : ''}${sum - r.samples})`;
}

export function formatSummary(s: PipelineSummary, r: RunPipelineResult): string {
  return renderKeyValue([
    ['executions', `${r.executions.length} (${r.executions.map((e) => e.executionId).join(', ')})`],
    ['objects', s.objects],
    ['samples', s.samples],
    ['valid', s.valid],
    ['quarantined', s.quarantined],
    ...Object.entries(s.quarantined_by_reason).map(([reason, n]) => [`  ${reason}`, n] as const),
    ['duplicates', s.duplicates],
    ['conflicts', s.conflicts],
    ['reconciliation', reconciliationLine(s)],
    ['dates rebuilt', s.dates_rebuilt.length ? `${s.dates_rebuilt.length} (${s.dates_rebuilt.join(', ')})` : '0'],
    ...(s.gold_pending.length ? [['gold pending', `${s.gold_pending.length} (${s.gold_pending.join(', ')}; built at the next due run: docs/pipeline.md#the-features-cadence)`] as [string, string]] : []),
    ['duration', `${s.duration_seconds.toFixed(1)} s`],
  ]);
}
