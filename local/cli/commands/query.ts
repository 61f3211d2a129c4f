import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { openAthenaQueryEngine } from '../../../lib/query/athena';
import { QueryError, type Cell, type QueryEngine, type QueryResult } from '../../../lib/query/port';
import { openLocalQueryEngine } from '../../engine/query';
import { lakeOption, resolveLake } from '../lake';
import { UsageError } from '../program';

interface QueryOptions {
  lake?: string;
  format: 'table' | 'csv' | 'json';
  file?: string;
  param: string[];
  athena?: boolean;
  stage?: string;
  region?: string;
}

const text = (c: Cell): string => (c === null ? '' : typeof c === 'object' ? JSON.stringify(c) : String(c));

export function formatTable(r: QueryResult): string {
  const names = r.columns.map((c) => c.name);
  const cells = r.rows.map((row) => names.map((n) => (row[n] === null ? 'NULL' : text(row[n] as Cell))));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i] as number)).join(' | ').trimEnd();
  const out = [line(names), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)];
  return `${out.join('\n')}\n(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})\n`;
}

export function formatCsv(r: QueryResult): string {
  const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const names = r.columns.map((c) => c.name);
  return [names.map(esc).join(','), ...r.rows.map((row) => names.map((n) => esc(text(row[n] as Cell))).join(','))].join('\n') + '\n';
}

export const formatJson = (r: QueryResult): string => `${JSON.stringify(r.rows, null, 2)}\n`;

export function register(program: Command): void {
  program
    .command('query')
    .description('run SQL (Athena/Trino dialect) on the local lake with DuckDB, or on Athena with --athena')
    .argument('[sql]', 'the SQL statement (or use -f FILE)')
    .option('-f, --file <file>', 'read the SQL from a file, e.g. athena-queries/fleet_daily_summary.sql')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .option('-p, --param <value>', "execution parameter for the next ?, as a SQL literal: 42, 'V0001', DATE '2026-03-01' (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addOption(lakeOption())
    .option('--athena', 'run on Athena in the stage workgroup (fleetlake-<stage>) and database (fleetlake_<stage>)')
    .option('--stage <stage>', 'stage for --athena, e.g. dev or prod')
    .option('--region <region>', 'AWS region for --athena (default: the SDK default chain)')
    .addHelpText('after', "\nExamples:\n  fleetlake query \"SELECT dt, count(*) AS trips FROM trips_public WHERE dt >= DATE '2026-03-01' GROUP BY dt\"\n  fleetlake query -f athena-queries/vehicle_trip_history.sql --param \"'V0001'\" --param \"DATE '2026-03-01'\" --param \"DATE '2026-03-02'\" --format json\n  fleetlake query --athena --stage prod -f athena-queries/fleet_daily_summary.sql --param \"DATE '2026-03-01'\" --param \"DATE '2026-03-07'\"")
    .action(async (sqlArg: string | undefined, opts: QueryOptions) => {
      if (sqlArg && opts.file) throw new UsageError('give the SQL either as an argument or with -f FILE, not both');
      if (!sqlArg && !opts.file) throw new UsageError('give the SQL as an argument or with -f FILE');
      if (opts.athena && !opts.stage) throw new UsageError('--athena needs --stage STAGE');
      if (!opts.athena && (opts.stage || opts.region)) throw new UsageError('--stage and --region only apply with --athena');
      let sql: string;
      try {
        sql = sqlArg ?? readFileSync(opts.file as string, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const engine: QueryEngine = opts.athena
        ? openAthenaQueryEngine({ stage: opts.stage as string, ...(opts.region ? { region: opts.region } : {}) })
        : await openLocalQueryEngine({ lake: resolveLake(opts.lake) });
      try {
        const result = await engine.query(sql, opts.param);
        const out = opts.format === 'json' ? formatJson(result) : opts.format === 'csv' ? formatCsv(result) : formatTable(result);
        process.stdout.write(out);
      } catch (err) {
        if (err instanceof QueryError) throw new Error(`query failed: ${err.message}`, { cause: err });
        throw err;
      } finally {
        await engine.close();
      }
    });
}
