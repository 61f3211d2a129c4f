import { Option, type Command } from 'commander';
import { parseFlag } from '../args';
import { formatOption, printResult, recordRows, renderKeyValue, type Format } from '../format';
import { existingLake, lakeOption } from '../lake';
import { progress } from '../progress';

/** `fleetlake features`: runs the features SQL (the Glue job's files) on DuckDB for the given dates. */
export function register(program: Command): void {
  program
    .command('features')
    .description('rebuild silver/telemetry and gold (trips, trips_public, vehicle_daily, battery_events, dtc_events) for dates, on DuckDB or on local Spark (the Glue job)')
    .requiredOption('--dates <dates>', 'YYYY-MM-DD,YYYY-MM-DD (or a JSON array); only these partitions are replaced')
    .option('--expand-neighbours', 'replace D-1..D+1 of every date (what the pipeline does after late data)', false)
    .addOption(new Option('--engine <engine>', 'duckdb (the local runner) or spark (glue-jobs/features.py on local PySpark; `fleetlake engines install spark`)').choices(['duckdb', 'spark']).default('duckdb'))
    .addOption(lakeOption())
    .addOption(formatOption())
    .action(async (opts: { dates: string; expandNeighbours: boolean; lake?: string; engine: 'duckdb' | 'spark'; format: Format }) => {
      const { parseDatesArgument } = await import('../../../lib/features/dates');
      const dates = parseFlag('--dates', opts.dates, parseDatesArgument);
      const lake = existingLake(opts.lake);
      const { loadSqlSteps, runFeatures } = await import('../../engine/features');
      const run = opts.engine === 'spark' ? (await import('../../engines/spark')).runSparkFeatures : runFeatures;
      const tables = (await loadSqlSteps()).length; // Spark reports tables written, not table-dates
      let bar: ReturnType<typeof progress> | undefined;
      const r = await run({
        lake,
        dates,
        expandNeighbours: opts.expandNeighbours,
        onProgress: (p) => {
          bar ??= progress('features', p.total || tables, { unit: p.total ? 'steps' : 'tables' });
          if (p.stage === 'write' && p.done === 1 && p.total) bar.setTotal(p.total);
          bar.update(p.done);
        },
      });
      bar?.stop();
      printResult(opts.format, {
        table: () =>
          renderKeyValue([
            ['dates rebuilt', `${r.dates.length} (${r.dates.join(', ')})`],
            ['rows written', ''],
            ...Object.entries(r.rows).map(([table, n]) => [`  ${table}`, n] as const),
            ['duration', `${r.seconds.toFixed(1)} s`],
          ]),
        json: () => r,
        csv: () => recordRows({ dates: r.dates.join(' '), ...Object.fromEntries(Object.entries(r.rows).map(([t, n]) => [`rows_${t}`, n])), seconds: r.seconds }),
      });
    });
}
