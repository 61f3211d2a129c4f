import fs from 'node:fs';
import path from 'node:path';
import { missingModules } from '../modules';
import { notMeasured, type BenchContext, type PhaseResult } from '../types';
import { seconds } from '../util';

/**
 * P5 features on Spark: the Glue job (glue-jobs/features.py under the awsglue stand-in, local PySpark = Glue 5.0's
 * Spark 3.5.4) over a copy of the bench lake's silver parts, against DuckDB's features run on the same input in the
 * same bench run: input rows per second per core for each, and the ratio. The cost model turns Spark's rate into
 * rows/s per DPU (lib/cost/figures.ts).
 */
export async function sparkFeaturesPhase(ctx: BenchContext): Promise<PhaseResult> {
  const name = 'P5 features on Spark';
  const missing = missingModules(ctx.repo, ['features', 'spark']);
  if (missing.length) return notMeasured(name, `not measured (module missing: ${missing.join(', ')})`);
  const dates = (ctx.shared.dates as string[] | undefined) ?? [];
  const duckSeconds = ctx.shared.featuresSeconds as number | undefined;
  if (!dates.length || !duckSeconds) return notMeasured(name, 'not measured (the DuckDB features phase did not run)');
  const { engineStatus } = await import('../../local/engines/install');
  const spark = engineStatus().find((e) => e.engine === 'spark');
  if (!spark?.installed) return notMeasured(name, `not measured (${spark?.note ?? 'spark not installed'}; run \`npx fleetlake engines install spark\`)`);
  const { neighbourWindow } = await import('../../lib/features/dates');
  const { openDuckDb } = await import('../../local/engine/duckdb');
  const { openSparkRunner } = await import('../../local/engines/spark');

  // Both engines read telemetry_parts of the dates and their neighbours: that is the input the rate counts.
  const lake = path.join(ctx.work, 'spark-lake');
  fs.rmSync(lake, { recursive: true, force: true });
  fs.mkdirSync(path.join(lake, 'silver'), { recursive: true });
  fs.cpSync(path.join(ctx.lake, 'silver', 'telemetry_parts'), path.join(lake, 'silver', 'telemetry_parts'), { recursive: true });
  const window = neighbourWindow(dates, 1).map((d) => path.join(lake, 'silver', 'telemetry_parts', `dt=${d}`)).filter((d) => fs.existsSync(d));
  const db = await openDuckDb({ threads: ctx.cores });
  let inputRows: number;
  try {
    const globs = window.map((d) => `'${path.join(d, '*.parquet')}'`).join(', ');
    inputRows = Number((await db.conn.runAndReadAll(`SELECT count(*) FROM read_parquet([${globs}])`)).getRows()[0]?.[0] ?? 0);
  } finally {
    db.close();
  }
  const t0 = process.hrtime.bigint();
  const runner = await openSparkRunner({ log: ctx.log });
  const startup = seconds(t0);
  let job: number;
  try {
    job = (await runner.run({ lake, dates })).seconds;
  } finally {
    await runner.close();
  }
  fs.rmSync(lake, { recursive: true, force: true });
  const cores = Number(process.env.FLEETLAKE_SPARK_CORES ?? 2);
  const sparkRate = inputRows / job / cores;
  const duckRate = inputRows / duckSeconds / ctx.cores;
  return {
    name,
    measured: true,
    seconds: job,
    values: {
      features_spark_s: job,
      features_spark_startup_s: startup,
      features_input_rows: inputRows,
      spark_rows_per_s_per_core: sparkRate,
      features_duckdb_rows_per_s_per_core: duckRate,
      spark_duckdb_ratio: sparkRate / duckRate,
    },
    notes: [
      `${inputRows.toLocaleString('en-US')} input rows (telemetry_parts of ${dates.length} date(s) and their neighbours): Spark local[${cores}] ${job.toFixed(1)} s (+ ${startup.toFixed(1)} s session start) = ${Math.round(sparkRate).toLocaleString('en-US')} rows/s per core; DuckDB ${duckSeconds.toFixed(1)} s on ${ctx.cores} threads = ${Math.round(duckRate).toLocaleString('en-US')} rows/s per core; Spark / DuckDB ${(sparkRate / duckRate).toFixed(3)}`,
    ],
  };
}
