import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CATALOG_TABLES } from '../../lib/catalog/tables';
import { QueryError } from '../../lib/query/port';
import { writeFixtureLake } from '../../test/fixtures/query/fixture-lake';
import { duckdbTypeOf, openLocalQueryEngine, type LocalQueryEngine } from './query';

describe('local query engine on an empty lake', () => {
  let engine: LocalQueryEngine;
  beforeAll(async () => {
    engine = await openLocalQueryEngine({ lake: mkdtempSync(path.join(tmpdir(), 'fleetlake-empty-')) });
  });
  afterAll(() => engine.close());

  it('has one empty but typed view per catalog table', async () => {
    for (const t of CATALOG_TABLES) {
      const r = await engine.query(`SELECT * FROM ${t.name}`);
      expect(r.rows).toEqual([]);
      expect(r.columns).toEqual([...t.columns, ...t.partitionKeys].map((c) => ({ name: c.name, type: duckdbTypeOf(c.type) })));
    }
  });

  it('SQL errors are one-line QueryErrors', async () => {
    for (const [sql, msg] of [
      ['SELEC 1', /^Parser Error: syntax error at or near "SELEC"$/],
      ['SELECT nope FROM trips', /^Binder Error: Referenced column "nope" not found/],
      ['SELECT * FROM tripz', /^Catalog Error: Table with name tripz does not exist!.*trips/],
    ] as const) {
      const err = await engine.query(sql).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueryError);
      expect((err as Error).message).toMatch(msg);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('binds --param literals to ? with their SQL types', async () => {
    const r = await engine.query('SELECT ? AS i, ? AS d, ? AS s, ? AS day, ? AS ts, ? AS b, ? AS n', [
      '42', '0.5', "'it''s'", "DATE '2026-03-01'", "TIMESTAMP '2026-03-01 08:00:00.250'", 'true', 'NULL',
    ]);
    expect(r.rows).toEqual([{ i: 42, d: 0.5, s: "it's", day: '2026-03-01', ts: '2026-03-01T08:00:00.250Z', b: true, n: null }]);
    await expect(engine.query('SELECT ?', ['V1'])).rejects.toThrow(/not a SQL literal/);
    await expect(engine.query('SELECT ?, ?', ['1'])).rejects.toThrow('the query has 2 ? parameter(s) but 1 --param value(s) were given');
  });
});

describe('local query engine on the fixture lake', () => {
  let lake: string;
  let engine: LocalQueryEngine;
  beforeAll(async () => {
    lake = await writeFixtureLake();
    engine = await openLocalQueryEngine({ lake });
  });
  afterAll(() => {
    engine.close();
    rmSync(lake, { recursive: true, force: true });
  });

  it('dt comes from the hive path as a DATE and prunes', async () => {
    const r = await engine.query("SELECT dt, count(*) AS n FROM vehicle_daily WHERE dt >= DATE '2026-03-02' GROUP BY dt ORDER BY dt");
    expect(r.rows).toEqual([{ dt: '2026-03-02', n: 2 }, { dt: '2026-03-03', n: 1 }]);
    expect(r.columns[0]).toEqual({ name: 'dt', type: 'DATE' });
  });

  it('bronze_telemetry reads raw gz NDJSON with year/month/day/hour partitions, envelopes as sample arrays', async () => {
    const r = await engine.query("SELECT vehicle_id, ts, cardinality(samples) AS n, received_at, hour FROM bronze_telemetry WHERE year = '2026' AND month = '03' AND day = '01' ORDER BY received_at");
    expect(r.rows).toEqual([
      { vehicle_id: 'V1', ts: '2026-03-01T08:00:00Z', n: null, received_at: 1772352001000, hour: '08' },
      { vehicle_id: 'V1', ts: null, n: 2, received_at: 1772352001500, hour: '08' },
    ]);
  });

  it('trips_public has the trips rows without coordinates', async () => {
    const pub = await engine.query("SELECT * FROM trips_public WHERE dt = DATE '2026-03-01'");
    const all = await engine.query("SELECT * FROM trips WHERE dt = DATE '2026-03-01'");
    expect(pub.rows).toHaveLength(all.rows.length);
    expect(pub.columns.map((c) => c.name).filter((n) => /_(lat|lon)$/.test(n))).toEqual([]);
    expect(all.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['start_lat', 'end_lon']));
  });
});
