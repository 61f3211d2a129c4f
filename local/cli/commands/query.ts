import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { QueryError, type QueryEngine } from '../../../lib/query/port';
import type { TrinoServer } from '../../engines/trino-server';
import { UsageError } from '../errors';
import { formatOption, formatQueryResult, type Format } from '../format';
import { existingLake, lakeOption } from '../lake';

interface QueryOptions {
  lake?: string;
  format: Format;
  file?: string;
  param: string[];
  athena?: boolean;
  stage?: string;
  region?: string;
  engine: 'duckdb' | 'trino';
  keep?: boolean;
}

export function register(program: Command): void {
  program
    .command('query')
    .description('run SQL (Athena/Trino dialect) on the local lake with DuckDB (default) or a local Trino, or on Athena with --athena')
    .argument('[sql]', 'the SQL statement (or use -f FILE)')
    .option('-f, --file <file>', 'read the SQL from a file, e.g. athena-queries/fleet_daily_summary.sql')
    .addOption(formatOption())
    .option('-p, --param <value>', "execution parameter for the next ?, as a SQL literal: 42, 'V0001', DATE '2026-03-01' (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addOption(lakeOption())
    .addOption(new Option('--engine <engine>', 'local engine: duckdb (fast) or trino (the engine behind Athena engine v3; `fleetlake engines install trino`)').choices(['duckdb', 'trino']).default('duckdb'))
    .option('--keep', 'with --engine trino: keep the Trino server running for the next query (stop it with `fleetlake engines stop`)')
    .option('--athena', 'run on Athena in the stage workgroup (fleetlake-<stage>) and database (fleetlake_<stage>)')
    .option('--stage <stage>', 'stage for --athena, e.g. dev or prod')
    .option('--region <region>', 'AWS region for --athena (default: the SDK default chain)')
    .addHelpText('after', "\nExamples:\n  fleetlake query \"SELECT dt, count(*) AS trips FROM trips_public WHERE dt >= DATE '2026-03-01' GROUP BY dt\"\n  fleetlake query -f athena-queries/vehicle_trip_history.sql --param \"'V0001'\" --param \"DATE '2026-03-01'\" --param \"DATE '2026-03-02'\" --format json\n  fleetlake query --engine trino -f athena-queries/fleet_daily_summary.sql --param \"DATE '2026-03-01'\" --param \"DATE '2026-03-07'\"\n  fleetlake query --athena --stage prod -f athena-queries/fleet_daily_summary.sql --param \"DATE '2026-03-01'\" --param \"DATE '2026-03-07'\"")
    .action(async (sqlArg: string | undefined, opts: QueryOptions) => {
      if (sqlArg && opts.file) throw new UsageError('give the SQL either as an argument or with -f FILE, not both');
      if (!sqlArg && !opts.file) throw new UsageError('give the SQL as an argument or with -f FILE');
      if (opts.athena && !opts.stage) throw new UsageError('--athena needs --stage STAGE');
      if (!opts.athena && (opts.stage || opts.region)) throw new UsageError('--stage and --region only apply with --athena');
      if (opts.athena && opts.engine !== 'duckdb') throw new UsageError('--engine picks a local engine; it does not combine with --athena');
      if (opts.keep && opts.engine !== 'trino') throw new UsageError('--keep only applies with --engine trino');
      let sql: string;
      try {
        sql = sqlArg ?? readFileSync(opts.file as string, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const lake = opts.athena ? undefined : existingLake(opts.lake);
      let trino: TrinoServer | undefined;
      let engine: QueryEngine;
      if (!lake) {
        const { openAthenaQueryEngine } = await import('../../../lib/query/athena');
        engine = openAthenaQueryEngine({ stage: opts.stage as string, ...(opts.region ? { region: opts.region } : {}) });
      } else if (opts.engine === 'trino') {
        const [{ startTrino }, { openTrinoQueryEngine }] = await Promise.all([import('../../engines/trino-server'), import('../../engine/trino')]);
        trino = await startTrino({ keep: opts.keep });
        engine = await openTrinoQueryEngine({ lake, url: trino.url }).catch(async (err: unknown) => {
          if (!opts.keep) await trino?.stop();
          throw err;
        });
      } else engine = await (await import('../../engine/query')).openLocalQueryEngine({ lake });
      try {
        process.stdout.write(formatQueryResult(await engine.query(sql, opts.param), opts.format));
      } catch (err) {
        if (err instanceof QueryError) throw new Error(`query failed: ${err.message}`, { cause: err });
        throw err;
      } finally {
        await engine.close();
        if (trino && !opts.keep) await trino.stop();
      }
    });
}
