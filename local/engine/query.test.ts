import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CATALOG_TABLES } from '../../lib/catalog/tables';
import { QueryError } from '../../lib/query/port';
import { writeFixtureLake } from '../../test/fixtures/query/fixture-lake';
import { openDuckDb } from './duckdb';
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

describe('read-only query surface: the lake\'s tables and nothing else', () => {
  let lake: string;
  let engine: LocalQueryEngine;
  const outside = path.join(tmpdir(), `fleetlake-outside-${process.pid}`);
  const goldFile = () => path.join(lake, 'gold', 'trips', 'dt=2026-03-01', readdirSync(path.join(lake, 'gold', 'trips', 'dt=2026-03-01'))[0]!);
  beforeAll(async () => {
    lake = await writeFixtureLake();
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, 'secret.csv'), 'a\n1\n');
    mkdirSync(path.join(lake, '_executions'), { recursive: true });
    writeFileSync(path.join(lake, '_executions', 'x.json'), '{"a":1}');
    engine = await openLocalQueryEngine({ lake });
  });
  afterAll(() => {
    engine.close();
    rmSync(lake, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  const refused = async (sql: string) => {
    const err = await engine.query(sql).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(QueryError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  };

  it('reads the tables, through the views and from their files', async () => {
    expect((await engine.query("SELECT count(*) AS n FROM trips WHERE dt = DATE '2026-03-01'")).rows[0]!.n).toBeGreaterThan(0);
    expect((await engine.query(`SELECT count(*) AS n FROM read_parquet('${goldFile()}')`)).rows[0]!.n).toBeGreaterThan(0);
    expect((await engine.query('EXPLAIN SELECT * FROM trips')).rows.length).toBeGreaterThan(0);
  });

  it.each([
    // (DuckDB checks the path when it prepares the COPY, before the statement kind is looked at)
    ['COPY … TO a file', () => `COPY (SELECT 1 AS a) TO '${path.join(outside, 'out.csv')}'`, /^fleetlake query reads only the lake's tables .*out\.csv" is outside them$/],
    ['COPY over a gold Parquet file', () => `COPY (SELECT 1 AS a) TO '${goldFile()}' (FORMAT parquet)`, /^fleetlake query is read-only: COPY statements/],
    ['ATTACH', () => `ATTACH '${path.join(outside, 'x.duckdb')}' AS x`, /^fleetlake query is read-only: ATTACH statements/],
    ['INSTALL', () => 'INSTALL httpfs', /^fleetlake query is read-only: LOAD statements/],
    ['LOAD', () => 'LOAD httpfs', /^fleetlake query is read-only: LOAD statements/],
    ['SET (turning the sandbox off)', () => 'SET enable_external_access = true', /^fleetlake query is read-only: (SET|VARIABLE_SET) statements/],
    ['CREATE (replacing a view)', () => 'CREATE OR REPLACE VIEW trips AS SELECT 1 AS a', /^fleetlake query is read-only: CREATE statements/],
    ["read_text('/etc/passwd')", () => "SELECT * FROM read_text('/etc/passwd')", /^fleetlake query reads only the lake's tables \(under .*\); "\/etc\/passwd" is outside them$/],
    ['a file outside the lake', () => `SELECT * FROM read_csv('${path.join(outside, 'secret.csv')}')`, /is outside them$/],
    ['a lake file that is not a table (execution history)', () => `SELECT * FROM read_json('${path.join(lake, '_executions', 'x.json')}')`, /is outside them$/],
    ['glob of the file system', () => "SELECT * FROM glob('/*')", /is outside them$/],
  ])('%s is refused with one clear line', async (_name, sql, message) => {
    const before = readFileSync(goldFile());
    expect(await refused(sql())).toMatch(message);
    expect(readFileSync(goldFile()).equals(before)).toBe(true);
    expect(existsSync(path.join(outside, 'out.csv')) || existsSync(path.join(outside, 'x.duckdb'))).toBe(false);
  });

  it('the features runner, which must write, is not locked down: the same COPY works on its connection', async () => {
    const db = await openDuckDb({ threads: 1 });
    try {
      await db.conn.run(`COPY (SELECT 1 AS a) TO '${path.join(outside, 'runner.csv')}'`);
      expect(readFileSync(path.join(outside, 'runner.csv'), 'utf8')).toBe('a\n1\n');
    } finally {
      db.close();
    }
  });
});

describe('views read committed partitions only', () => {
  it('staging folders and half-written files under a table do not break queries (they do break a ** glob)', async () => {
    const lake = await writeFixtureLake();
    try {
      const before = await openLocalQueryEngine({ lake });
      const count = async (e: LocalQueryEngine) => (await e.query('SELECT count(*) AS n FROM trips')).rows[0]!.n;
      const expected = await count(before);
      before.close();
      // what a killed run used to leave inside the table folder, and what one leaves in staging now
      for (const dir of ['_tmp-dt=2026-03-01-1a2b3c4d', '_old-dt=2026-03-01-5e6f7a8b']) {
        mkdirSync(path.join(lake, 'gold', 'trips', dir), { recursive: true });
        writeFileSync(path.join(lake, 'gold', 'trips', dir, 'part-00000.parquet'), 'PAR1 half');
      }
      mkdirSync(path.join(lake, 'gold', '_staging', '1-x-00', 'trips', 'dt=2026-03-01'), { recursive: true });
      writeFileSync(path.join(lake, 'gold', '_staging', '1-x-00', 'trips', 'dt=2026-03-01', 'part-00000.parquet'), 'PAR1');
      const engine = await openLocalQueryEngine({ lake });
      try {
        expect(await count(engine)).toBe(expected);
      } finally {
        engine.close();
      }
      const db = await openDuckDb({ threads: 1 });
      try {
        await expect(db.conn.run(`SELECT count(*) FROM read_parquet('${path.join(lake, 'gold', 'trips', '**', '*.parquet')}', hive_partitioning = true)`)).rejects.toThrow(/too small to be a Parquet file|Hive partition/i);
      } finally {
        db.close();
      }
    } finally {
      rmSync(lake, { recursive: true, force: true });
    }
  });
});
