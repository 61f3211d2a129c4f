import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DT_PARTITIONED } from '../../lib/catalog/tables';
import { ANALYST_QUERIES, DOC_EXAMPLES } from '../fixtures/query/analyst-queries';
import { useFixtureEngine } from '../fixtures/query/fixture-lake';
import { trinoSyntaxErrors, unprunedTableRefs } from './sql-checks';

/**
 * Analyst SQL written only from the documented contract (docs/schema.md, docs/querying.md) must run
 * locally without edits: the SQL examples of docs/querying.md, plus queries written here from the
 * column names and grains in docs/schema.md.
 */
const docExamples = DOC_EXAMPLES;
const schemaDoc = readFileSync('docs/schema.md', 'utf8');
const written = ANALYST_QUERIES;

const { engine } = useFixtureEngine();

describe('analyst SQL from the docs runs locally without edits', () => {
  it('docs/querying.md has SQL examples, and docs/schema.md documents the columns used here', () => {
    expect(docExamples.length).toBeGreaterThanOrEqual(4);
    for (const col of ['max_by', 'distance_km', 'trip_id', 'min_battery_v', 'drain_v_per_h', 'dtc', 'first_seen_ts', 'last_seen_ts']) {
      if (col !== 'max_by') expect(schemaDoc).toContain(col);
    }
  });

  it.each(docExamples.map((sql, i) => [i + 1, sql]))('docs/querying.md example %i: Trino-valid, pruned, runs', async (_i, sql) => {
    expect(trinoSyntaxErrors(sql as string)).toEqual([]);
    expect(unprunedTableRefs(sql as string, DT_PARTITIONED)).toEqual([]);
    const r = await engine().query(sql as string);
    expect(r.rows.length).toBeGreaterThan(0);
  });

  it.each(written)('%s', async (_name, sql) => {
    expect(trinoSyntaxErrors(sql)).toEqual([]);
    expect(unprunedTableRefs(sql, DT_PARTITIONED)).toEqual([]);
    expect((await engine().query(sql)).rows.length).toBeGreaterThan(0);
  });

  it('known answers for two of them', async () => {
    const longest = await engine().query(written[0]![1]);
    expect(longest.rows).toEqual([
      { vehicle_id: 'V1', longest_km: 60, trip_id: 'V1-1772352000000' },
      { vehicle_id: 'V2', longest_km: 20, trip_id: 'V2-1772355600000' },
    ]);
    const dtc = await engine().query(written[3]![1]);
    expect(dtc.rows).toEqual([
      { vehicle_id: 'V1', code: 'P0420', minutes: 60, first_unix: 1772352000 },
      { vehicle_id: 'V1', code: 'P0420', minutes: 30, first_unix: 1772434800 },
    ]);
  });
});
