import type { Command } from 'commander';
import { Option } from 'commander';
import { parseFlag, positiveInteger } from '../args';
import { formatOption, printResult, renderTable, type Format } from '../format';
import { existingLake, lakeOption } from '../lake';

const CSV_COLUMNS = ['id', 'status', 'error', 'started', 'duration_s', 'input', 'rerun_of', 'started_by'];

/** `fleetlake executions`: the local execution list (newest first), like the Step Functions console's. */
export function register(program: Command): void {
  program
    .command('executions')
    .description('list local pipeline executions, newest first (from <lake>/_executions/)')
    .addOption(lakeOption())
    .addOption(new Option('--limit <n>', 'executions to show').default('20'))
    .addOption(formatOption())
    .action(async (opts: { lake?: string; limit: string; format: Format }) => {
      const limit = parseFlag('--limit', opts.limit, positiveInteger);
      const lake = existingLake(opts.lake);
      const { abortStale, listExecutions } = await import('../../stepfunctions/history');
      await abortStale(lake); // a run killed outright shows as ABORTED, not RUNNING forever
      const list = (await listExecutions(lake)).slice(0, limit);
      const rows = list.map((e) => ({
        id: e.executionId,
        status: e.status,
        error: e.error ?? null,
        started: e.startedAt,
        duration_s: e.durationMs === null ? null : e.durationMs / 1000,
        input: e.input,
        rerun_of: e.rerunOf ?? null,
        started_by: e.startedBy ?? null,
      }));
      printResult(opts.format, {
        table: () =>
          renderTable({
            columns: ['id', 'status', 'started', 'duration', 'input'],
            rows: rows.map((r) => ({ ...r, status: r.status + (r.error ? ` (${r.error})` : ''), duration: r.duration_s === null ? null : `${r.duration_s.toFixed(1)} s`, input: JSON.stringify(r.input) })),
          }),
        json: () => list.map(({ events: _events, ...rest }) => rest),
        csv: () => ({ columns: CSV_COLUMNS, rows }),
      });
    });
}
