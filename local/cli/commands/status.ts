import type { Command } from 'commander';
import { Option } from 'commander';
import { parseFlag, positiveInteger } from '../args';
import { UnhealthyError } from '../errors';
import { formatOption, printResult, type Format } from '../format';
import { existingLake, lakeOption } from '../lake';

/** `fleetlake status`: the local twin of the CloudWatch dashboard and alarms. Exit 3 while an alarm is firing. */
export function register(program: Command): void {
  program
    .command('status')
    .description('last executions, metric totals and the alarm rules evaluated on the local lake; exit 3 while an alarm is in ALARM')
    .addOption(lakeOption())
    .addOption(new Option('--last <n>', 'executions to show').default('5'))
    .addOption(formatOption())
    .addHelpText('after', '\n--format csv prints the alarms (alarm, rule, state, value, detail, runbook); json prints everything.')
    .action(async (opts: { lake?: string; last: string; format: Format }) => {
      const last = parseFlag('--last', opts.last, positiveInteger);
      const lake = existingLake(opts.lake);
      const [{ abortStale }, { formatStatus, lakeStatus }] = await Promise.all([import('../../stepfunctions/history'), import('../../status/status')]);
      await abortStale(lake); // killed runs count as ABORTED, as in the Step Functions console
      const s = lakeStatus(lake);
      printResult(opts.format, {
        table: () => formatStatus(s, last),
        json: () => ({ ...s, executions: s.executions.slice(0, last) }),
        csv: () => ({ columns: ['alarm', 'rule', 'state', 'value', 'detail', 'runbook'], rows: s.alarms }),
      });
      const firing = s.alarms.filter((a) => a.state === 'ALARM');
      if (firing.length) throw new UnhealthyError(`${firing.length} alarm${firing.length === 1 ? '' : 's'} in ALARM: ${firing.map((a) => a.alarm).join(', ')} (docs/runbook.md)`);
    });
}
