import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../program';
import { lakeOption, resolveLake } from '../lake';
import { listExecutions } from '../../stepfunctions/history';

/** `fleetlake executions`: the local execution list (newest first), like the Step Functions console's. */
export function register(program: Command): void {
  program
    .command('executions')
    .description('list local pipeline executions, newest first (from <lake>/_executions/)')
    .addOption(lakeOption())
    .addOption(new Option('--limit <n>', 'executions to show').default('20'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: { lake?: string; limit: string; format: 'text' | 'json' }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${opts.limit}`);
      const list = (await listExecutions(resolveLake(opts.lake))).slice(0, limit);
      if (opts.format === 'json') {
        process.stdout.write(`${JSON.stringify(list.map(({ events: _e, ...rest }) => rest), null, 2)}\n`);
        return;
      }
      const rows = [
        ['id', 'status', 'started', 'duration', 'input'],
        ...list.map((e) => [
          e.executionId,
          e.status + (e.error ? ` (${e.error})` : ''),
          e.startedAt,
          e.durationMs === null ? '-' : `${(e.durationMs / 1000).toFixed(1)} s`,
          JSON.stringify(e.input),
        ]),
      ];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      process.stdout.write(`${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n')}\n`);
    });
}
