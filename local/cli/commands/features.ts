import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { parseDatesArgument } from '../../../lib/features/dates';
import { runFeatures } from '../../engine/features';
import { lakeOption, resolveLake } from '../lake';
import { UsageError } from '../program';
import { progress } from '../progress';

/** `fleetlake features`: runs the features SQL (the Glue job's files) on DuckDB for the given dates. */
export function register(program: Command): void {
  program
    .command('features')
    .description('rebuild silver/telemetry and gold (trips, vehicle_daily, battery_events, dtc_events) for dates, on DuckDB')
    .requiredOption('--dates <dates>', 'YYYY-MM-DD,YYYY-MM-DD (or a JSON array); only these partitions are replaced')
    .option('--expand-neighbours', 'replace D-1..D+1 of every date (what the pipeline does after late data)', false)
    .addOption(lakeOption())
    .action(async (opts: { dates: string; expandNeighbours: boolean; lake?: string }) => {
      const dates = parseDatesArg(opts.dates);
      const lake = resolveLake(opts.lake);
      if (!existsSync(lake)) throw new UsageError(`no lake at ${lake} (use --lake DIR)`);
      let bar: ReturnType<typeof progress> | undefined;
      const r = await runFeatures({
        lake,
        dates,
        expandNeighbours: opts.expandNeighbours,
        onProgress: (p) => {
          bar ??= progress('features', p.total, { unit: 'steps' });
          if (p.stage === 'write' && p.done === 1) bar.setTotal(p.total);
          bar.update(p.done);
        },
      });
      bar?.stop();
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}

export function parseDatesArg(value: string): string[] {
  let dates: string[];
  try {
    dates = parseDatesArgument(value);
  } catch (err) {
    throw new UsageError(`--dates: ${(err as Error).message}`);
  }
  if (!dates.length) throw new UsageError(`--dates: no dates in ${value}`);
  return dates;
}
