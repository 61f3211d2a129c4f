import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
} from '@aws-sdk/client-athena';
import { integerCell, QueryError, type Cell, type QueryEngine, type QueryResult } from './port';

/**
 * The Athena adapter of the query port: StartQueryExecution in the stage's workgroup and Glue
 * database, ExecutionParameters for `?`, GetQueryExecution polled with backoff, paginated results.
 */
export interface AthenaEngineOptions {
  stage: string;
  client?: AthenaClient;
  region?: string;
  /** Polling: first wait, growth factor, cap (ms). */
  poll?: { initialMs: number; factor: number; maxMs: number };
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Names as resources/athena.yml and resources/catalog.yml create them. */
export const athenaNames = (stage: string) => ({ workGroup: `fleetlake-${stage}`, database: `fleetlake_${stage}` });

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const FLOAT_TYPES = new Set(['double', 'real', 'float', 'decimal']);

/** Athena returns every cell as text; convert by the column type. */
export function athenaCell(text: string | undefined, type: string): Cell {
  if (text === undefined) return null;
  const t = type.toLowerCase().replace(/\(.*$/, '');
  if (INTEGER_TYPES.has(t)) return integerCell(text);
  if (FLOAT_TYPES.has(t)) return Number(text);
  if (t === 'boolean') return text === 'true';
  if (t === 'timestamp' || t === 'timestamp with time zone') {
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?: (UTC|Z))?$/.exec(text);
    if (m && (m[3] || t === 'timestamp')) return new Date(`${m[1]}T${m[2]}Z`).toISOString();
  }
  return text;
}

export function openAthenaQueryEngine(options: AthenaEngineOptions): QueryEngine {
  const client = options.client ?? new AthenaClient(options.region ? { region: options.region } : {});
  const { workGroup, database } = athenaNames(options.stage);
  const poll = options.poll ?? { initialMs: 250, factor: 1.6, maxMs: 3000 };
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;

  async function waitFor(id: string): Promise<void> {
    const started = now();
    let wait = poll.initialMs;
    for (;;) {
      const { QueryExecution: qe } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = qe?.Status?.State;
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED') {
        throw new QueryError(`Athena query ${id} FAILED: ${qe?.Status?.StateChangeReason ?? qe?.Status?.AthenaError?.ErrorMessage ?? 'no reason given'}`);
      }
      if (state === 'CANCELLED') throw new QueryError(`Athena query ${id} was CANCELLED${qe?.Status?.StateChangeReason ? `: ${qe.Status.StateChangeReason}` : ''}`);
      if (now() - started > timeoutMs) {
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
        throw new QueryError(`Athena query ${id} timed out after ${Math.round(timeoutMs / 1000)} s (state ${state ?? 'unknown'}); it was stopped`);
      }
      await sleep(wait);
      wait = Math.min(poll.maxMs, Math.round(wait * poll.factor));
    }
  }

  return {
    async query(sql: string, params: readonly string[] = []): Promise<QueryResult> {
      const start = await client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: workGroup,
          QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: database },
          ...(params.length ? { ExecutionParameters: [...params] } : {}),
        }),
      );
      const id = start.QueryExecutionId;
      if (!id) throw new QueryError('Athena StartQueryExecution returned no QueryExecutionId');
      await waitFor(id);

      let columns: ColumnInfo[] | undefined;
      const rows: Array<Record<string, Cell>> = [];
      let token: string | undefined;
      let first = true;
      do {
        const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }));
        columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        const data = page.ResultSet?.Rows ?? [];
        // SELECT results repeat the column names as the first row of the first page.
        const skip = first && data.length > 0 && data[0]?.Data?.every((d, i) => d.VarCharValue === columns?.[i]?.Name) ? 1 : 0;
        for (const row of data.slice(skip)) {
          rows.push(Object.fromEntries((columns ?? []).map((c, i) => [c.Name ?? `_col${i}`, athenaCell(row.Data?.[i]?.VarCharValue, c.Type ?? 'varchar')])));
        }
        first = false;
        token = page.NextToken;
      } while (token);
      return { columns: (columns ?? []).map((c, i) => ({ name: c.Name ?? `_col${i}`, type: c.Type ?? 'varchar' })), rows };
    },
    close() {
      if (!options.client) client.destroy();
    },
  };
}
