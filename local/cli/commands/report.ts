import type { Command } from 'commander';
import { parseFlag } from '../args';
import { UsageError } from '../errors';
import { formatOption, printResult, recordRows, type Format } from '../format';
import { existingLake, lakeOption } from '../lake';

/** `fleetlake report`: the fleet report, one self-contained HTML file (docs/report.md). */
export function register(program: Command): void {
  program
    .command('report')
    .description('write the fleet report: one self-contained HTML file that opens offline (default <lake>/report/index.html)')
    .addOption(lakeOption())
    .option('--from <date>', 'first UTC day, YYYY-MM-DD (default: the first day of data)')
    .option('--to <date>', 'last UTC day, YYYY-MM-DD, inclusive (default: the last day of data)')
    .option('--out <file>', 'where to write the HTML (default <lake>/report/index.html)')
    .addOption(formatOption())
    .addHelpText('after', '\nExamples:\n  fleetlake report\n  fleetlake report --lake ./lake --from 2026-03-01 --to 2026-03-07 --out week.html')
    .action(async (opts: { lake?: string; from?: string; to?: string; out?: string; format: Format }) => {
      const { parseDate } = await import('../../../lib/features/dates');
      for (const [flag, d] of [['--from', opts.from], ['--to', opts.to]] as const) if (d !== undefined) parseFlag(flag, d, parseDate);
      const lake = existingLake(opts.lake);
      const { ReportInputError, writeReport } = await import('../../report/build');
      try {
        const r = await writeReport({ lake, from: opts.from, to: opts.to, out: opts.out });
        printResult(opts.format, {
          table: () => `report: ${r.path} (${r.vehicles} vehicles, ${r.range ? `${r.range.from} .. ${r.range.to}` : 'no data yet'}, ${Math.round(r.bytes / 1024)} KiB) in ${r.seconds.toFixed(1)} s\n`,
          json: () => r,
          csv: () => recordRows({ path: r.path, vehicles: r.vehicles, from: r.range?.from ?? null, to: r.range?.to ?? null, bytes: r.bytes, seconds: r.seconds }),
        });
      } catch (err) {
        if (err instanceof ReportInputError) throw new UsageError(err.message);
        throw err;
      }
    });
}
