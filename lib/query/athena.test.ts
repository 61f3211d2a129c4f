import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { athenaCell, openAthenaQueryEngine } from './athena';
import { QueryError } from './port';

const athena = mockClient(AthenaClient);
const sleeps: number[] = [];
const engine = (extra = {}) =>
  openAthenaQueryEngine({ stage: 'prod', client: new AthenaClient({ region: 'eu-west-1' }), sleep: async (ms) => void sleeps.push(ms), ...extra });
const cols = [{ Name: 'dt', Type: 'date' }, { Name: 'trips', Type: 'bigint' }, { Name: 'km', Type: 'double' }, { Name: 'first', Type: 'timestamp' }];
const row = (...v: Array<string | undefined>) => ({ Data: v.map((x) => (x === undefined ? {} : { VarCharValue: x })) });

beforeEach(() => {
  athena.reset();
  sleeps.length = 0;
});

describe('Athena query adapter', () => {
  it('starts in the stage workgroup and database with execution parameters, polls with backoff, pages results', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: cols }, Rows: [row('dt', 'trips', 'km', 'first'), row('2026-03-01', '3', '120.5', '2026-03-01 08:00:00.000')] }, NextToken: 't2' })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 't2' })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: cols }, Rows: [row('2026-03-02', '9007199254740993', undefined, undefined)] } });

    const r = await engine().query('SELECT ...', ["DATE '2026-03-01'", "'V1'"]);

    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryString: 'SELECT ...',
      WorkGroup: 'fleetlake-prod',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'fleetlake_prod' },
      ExecutionParameters: ["DATE '2026-03-01'", "'V1'"],
    });
    expect(sleeps).toEqual([250, 400, 640]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
    expect(r.columns.map((c) => c.name)).toEqual(['dt', 'trips', 'km', 'first']);
    expect(r.rows).toEqual([
      { dt: '2026-03-01', trips: 3, km: 120.5, first: '2026-03-01T08:00:00.000Z' },
      { dt: '2026-03-02', trips: '9007199254740993', km: null, first: null },
    ]);
  });

  it('sends no ExecutionParameters when there are none', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    await engine().query('SELECT 1');
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input.ExecutionParameters).toBeUndefined();
  });

  it('FAILED: a QueryError with the StateChangeReason', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'FAILED', StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved" } },
    });
    const err = await engine().query('SELECT x FROM trips').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryError);
    expect((err as Error).message).toBe("Athena query q-3 FAILED: COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved");
  });

  it('CANCELLED: a clear error', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-4' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'CANCELLED' } } });
    await expect(engine().query('SELECT 1')).rejects.toThrow('Athena query q-4 was CANCELLED');
  });

  it('timeout: stops the query and says so', async () => {
    let t = 0;
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-5' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const e = engine({ timeoutMs: 5000, now: () => (t += 1000) });
    await expect(e.query('SELECT 1')).rejects.toThrow('Athena query q-5 timed out after 5 s (state RUNNING); it was stopped');
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]?.args[0].input).toEqual({ QueryExecutionId: 'q-5' });
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(3000);
  });

  it('converts Athena text cells by type', () => {
    expect(athenaCell('42', 'integer')).toBe(42);
    expect(athenaCell('true', 'boolean')).toBe(true);
    expect(athenaCell('2026-03-01 08:00:00.000 UTC', 'timestamp with time zone')).toBe('2026-03-01T08:00:00.000Z');
    expect(athenaCell('[a, b]', 'array(varchar)')).toBe('[a, b]');
  });
});
