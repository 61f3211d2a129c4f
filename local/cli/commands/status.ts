import type { Command } from 'commander';
import { Option } from 'commander';
import { existsSync } from 'node:fs';
import { UsageError } from '../program';
import { lakeOption, resolveLake } from '../lake';
import { formatStatus, lakeStatus } from '../../status/status';

/** `fleetlake status`: the local twin of the CloudWatch dashboard and alarms. */
export function register(program: Command): void {
  program
    .command('status')
    .description('last executions, metric totals and the alarm rules evaluated on the local lake')
    .addOption(lakeOption())
    .addOption(new Option('--last <n>', 'executions to show').default('5'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((opts: { lake?: string; last: string; format: 'text' | 'json' }) => {
      const last = Number(opts.last);
      if (!Number.isInteger(last) || last < 1) throw new UsageError(`--last must be a positive integer, got ${opts.last}`);
      const lake = resolveLake(opts.lake);
      if (!existsSync(lake)) throw new UsageError(`no lake at ${lake} (use --lake DIR, or run \`fleetlake run\` first)`);
      const s = lakeStatus(lake);
      process.stdout.write(opts.format === 'json' ? `${JSON.stringify({ ...s, executions: s.executions.slice(0, last) }, null, 2)}\n` : formatStatus(s, last));
    });
}
