import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readNamedQueries } from '../../lib/catalog/template';
import { TABLES } from '../../lib/contract/tables';
import { loadSqlSteps } from '../../lib/features/sql-steps';
import type { QueryEngine } from '../../lib/query/port';
import { countPartitionRows, runFeatures } from '../../local/engine/features';
import { openLocalQueryEngine } from '../../local/engine/query';
import { openTrinoQueryEngine } from '../../local/engine/trino';
import { GLUE_JOB_DIR, openSparkRunner, type SparkRunner } from '../../local/engines/spark';
import { startTrino, stopKeptTrino, type TrinoServer } from '../../local/engines/trino-server';
import { buildRunLake } from '../fixtures/engines/run-lake';
import { ANALYST_QUERIES, COMPAT_QUERIES, DOC_EXAMPLES } from '../fixtures/query/analyst-queries';
import { writeFixtureLake } from '../fixtures/query/fixture-lake';
import * as fx from '../fixtures/silver/features-fixture';
import { diffLakes, partitions } from './lake-diff';
import { diffResults, hasTopLevelOrderBy } from './result-diff';

/**
 * Same SQL, same answer, on the production engines. The Glue job (glue-jobs/features.py, unchanged, under the awsglue
 * stand-in on local PySpark 3.5.4 = Glue 5.0's Spark) against the local DuckDB runner; and the analysts' SQL on Trino
 * 476 (the engine behind Athena engine v3) against DuckDB. Spark and Trino each start once for the whole file (and the
 * CLI run below reuses the Trino server), on two lakes: known-answer fixtures and a small `fleetlake run` lake.
 */
const exec = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../local/cli/fleetlake.js');
const STEP_TABLES = TABLES.filter((t) => t.name !== 'quarantine').map((t) => t.name);
/** A date in --dates with no silver parts: both engines must delete its (stale) partitions. */
const EMPTY_DATE = '2026-03-05';

const dirs: string[] = [];
const tmp = async (name: string) => {
  const d = await mkdtemp(path.join(tmpdir(), `fleetlake-${name}-`));
  dirs.push(d);
  return d;
};

let spark: SparkRunner;
let trino: TrinoServer;
let runLake: { lake: string; dates: string[] };
/** Seconds each engine adds to the suite (CI reports it): start-up, and the work run on it. */
const took = { sparkStart: 0, sparkJobs: 0, trinoStart: 0, trinoQueries: 0 };
const since = (t0: number) => (performance.now() - t0) / 1000;

beforeAll(async () => {
  // Trino starts in the background while Spark starts and the run lake is built.
  const t0 = performance.now();
  const trinoStarting = startTrino({ keep: true }).then((t) => ((took.trinoStart = since(t0)), t));
  spark = await openSparkRunner();
  took.sparkStart = since(t0);
  const lake = await tmp('run');
  runLake = { lake, dates: (await buildRunLake(lake)).dates };
  trino = await trinoStarting;
}, 600_000);

afterAll(async () => {
  const f = (n: number) => `${n.toFixed(1)} s`;
  process.stderr.write(
    `engines: Spark adds ${f(took.sparkStart + took.sparkJobs)} (start ${f(took.sparkStart)}, jobs ${f(took.sparkJobs)}); ` +
      `Trino adds ${f(took.trinoStart + took.trinoQueries)} (start ${f(took.trinoStart)}, in parallel with Spark's; queries ${f(took.trinoQueries)})\n`,
  );
  await spark?.close();
  if (trino?.owned) await stopKeptTrino();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A stale partition of every step table for EMPTY_DATE, as an earlier run with data would have left. */
async function plantStalePartitions(lake: string): Promise<void> {
  for (const step of await loadSqlSteps()) {
    const dir = path.join(lake, step.layer, TABLES.find((t) => t.name === step.table)!.prefix, `dt=${EMPTY_DATE}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'part-00000.parquet'), 'stale');
  }
}

/** Runs features on a copy per engine (each with stale partitions for EMPTY_DATE) and returns both lake folders. */
async function bothEngines(source: string, dates: string[]): Promise<{ duck: string; sparkLake: string }> {
  const duck = await tmp('duck');
  const sparkLake = await tmp('spark');
  for (const copy of [duck, sparkLake]) {
    await cp(source, copy, { recursive: true });
    await plantStalePartitions(copy);
  }
  await runFeatures({ lake: duck, dates });
  const t0 = performance.now();
  await spark.run({ lake: sparkLake, dates });
  took.sparkJobs += since(t0);
  return { duck, sparkLake };
}

describe('Spark (the Glue job) and DuckDB build the same lake', () => {
  let knownAnswers: string;
  beforeAll(async () => {
    knownAnswers = await tmp('known');
    await fx.writeParts(knownAnswers, 'part-a', [...fx.straightDrive(), ...fx.midnightDrive(), ...fx.dtcs()]);
    await fx.writeParts(knownAnswers, 'part-b', [...fx.gapDrive(), ...fx.drainingBattery()]);
    await fx.writeParts(knownAnswers, 'part-c', [...fx.noisyGapDrive(), ...fx.silentParked(), ...fx.cutOffSilence(), ...fx.silentOvernight(), ...fx.silentTwoDays()]);
  });

  it('on the known-answer fixtures: every table and partition, and the empty date deleted by both', async () => {
    const { duck, sparkLake } = await bothEngines(knownAnswers, [fx.D1, fx.D2, EMPTY_DATE]);
    expect(await diffLakes(duck, sparkLake, STEP_TABLES)).toEqual([]);
    expect(partitions(sparkLake, 'silver', 'telemetry')).toEqual([fx.D1, fx.D2]);
    expect(partitions(sparkLake, 'gold', 'trips')).toEqual([fx.D1]);
    // + part-c (issue 19: noisy GPS, a gap, silences): 1003 + 1020 + 242 + 272 + 11 samples, V6's trip, V8's event
    expect(await countPartitionRows(sparkLake, [fx.D1, fx.D2])).toEqual({ telemetry: 4625, trips: 5, battery_events: 2, dtc_events: 3, vehicle_daily: 14, trips_public: 5 });
  }, 300_000);

  it('on a `fleetlake run` lake with late data and duplicates across parts', async () => {
    expect(runLake.dates).toEqual(['2026-03-01', '2026-03-02']);
    const { duck, sparkLake } = await bothEngines(runLake.lake, [...runLake.dates, EMPTY_DATE]);
    expect(await diffLakes(duck, sparkLake, STEP_TABLES)).toEqual([]);
    // not a trivial lake: every table has rows, and a date has more than one silver part (the late object)
    const rows = await countPartitionRows(sparkLake, runLake.dates);
    expect(Object.entries(rows).filter(([, n]) => !(n > 0))).toEqual([]);
    expect(readdirSync(path.join(runLake.lake, 'silver', 'telemetry_parts', 'dt=2026-03-01')).length).toBeGreaterThan(1);
  }, 600_000);

  it('catches a difference: a changed SQL constant in a test copy of the job fails the comparison', async () => {
    const copy = await tmp('job-copy');
    await cp(GLUE_JOB_DIR, copy, { recursive: true });
    const file = path.join(copy, 'sql', '02_trips.sql');
    const sql = await readFile(file, 'utf8');
    expect(sql).toContain('> 300000');
    await writeFile(file, sql.replace('> 300000', '> 240000')); // a trip now ends after a 240 s gap
    const [duck, changed] = [await tmp('duck-original'), await tmp('spark-changed')];
    await cp(knownAnswers, duck, { recursive: true });
    await cp(knownAnswers, changed, { recursive: true });
    await runFeatures({ lake: duck, dates: [fx.D1, fx.D2] });
    const t0 = performance.now();
    await spark.run({ lake: changed, dates: [fx.D1, fx.D2], jobDir: copy });
    took.sparkJobs += since(t0);
    const diffs = await diffLakes(duck, changed, STEP_TABLES);
    expect([...new Set(diffs.map((d) => d.table))].sort()).toEqual(['trips', 'trips_public', 'vehicle_daily']);
  }, 300_000);
});

/** Every query the comparison runs on a lake: the named queries with their parameters, trips_public, analyst SQL. */
function queriesFor(first: string, last: string, vehicle: string): Array<{ name: string; sql: string; params: string[] }> {
  const [d1, d2] = [`DATE '${first}'`, `DATE '${last}'`];
  const params: Record<string, string[]> = {
    data_completeness: [d1, d2, '1.01'], // every vehicle-day (a lossless simulated lake is complete: 1)
    data_quality_report: [d1, d2, d1, d2],
    vehicle_trip_history: [`'${vehicle}'`, d1, d2],
  };
  return [
    ...readNamedQueries().map((q) => ({ name: `athena-queries/${q.name}.sql`, sql: q.sql, params: params[q.name] ?? [d1, d2] })),
    { name: 'trips_public', sql: `SELECT * FROM trips_public WHERE dt BETWEEN ${d1} AND ${d2}`, params: [] },
    ...DOC_EXAMPLES.map((sql, i) => ({ name: `docs/querying.md example ${i + 1}`, sql, params: [] })),
    ...ANALYST_QUERIES.map(([name, sql]) => ({ name, sql, params: [] })),
    ...COMPAT_QUERIES.map(([name, sql]) => ({ name: `compat: ${name}`, sql, params: [] })),
  ];
}

async function compareOn(lake: string, first: string, last: string, vehicle: string): Promise<Record<string, string[]>> {
  const t: QueryEngine = await openTrinoQueryEngine({ lake, url: trino.url });
  const d: QueryEngine = await openLocalQueryEngine({ lake });
  const failures: Record<string, string[]> = {};
  try {
    for (const q of queriesFor(first, last, vehicle)) {
      const [rt, rd] = [await t.query(q.sql, q.params), await d.query(q.sql, q.params)];
      const diffs = diffResults(rt, rd, hasTopLevelOrderBy(q.sql));
      if (rt.rows.length === 0 && rd.rows.length === 0) diffs.push('no rows on either engine: the comparison proves nothing');
      if (diffs.length) failures[q.name] = diffs;
    }
  } finally {
    await t.close();
    await d.close();
  }
  return failures;
}

describe('Trino (Athena engine v3) and DuckDB answer the analysts SQL alike', () => {
  let t0 = 0;
  beforeAll(() => void (t0 = performance.now()));
  afterAll(() => void (took.trinoQueries += since(t0))); // both engines' answers; DuckDB's take milliseconds
  it('on the query fixture lake: every named query, trips_public, the docs examples and the compat functions', async () => {
    const lake = await writeFixtureLake();
    dirs.push(lake);
    expect(await compareOn(lake, '2026-03-01', '2026-03-03', 'V1')).toEqual({});
  }, 300_000);

  it('on the `fleetlake run` lake', async () => {
    const failures = await compareOn(runLake.lake, '2026-03-01', '2026-03-02', 'V0001');
    // analyst queries written for the fixture lake's rows may find nothing here; the named queries must not
    expect(Object.fromEntries(Object.entries(failures).filter(([name, d]) => name.startsWith('athena-queries/') || d.some((x) => !x.startsWith('no rows'))))).toEqual({});
  }, 300_000);

  it('catches a difference: a changed constant in a test copy of a named query fails the comparison', async () => {
    const lake = runLake.lake;
    const sql = readFileSync(path.resolve('athena-queries/fleet_daily_summary.sql'), 'utf8');
    expect(sql).toContain('3600.0');
    const params = ["DATE '2026-03-01'", "DATE '2026-03-02'"];
    const t = await openTrinoQueryEngine({ lake, url: trino.url });
    const d = await openLocalQueryEngine({ lake });
    try {
      const diffs = diffResults(await t.query(sql.replaceAll('3600.0', '3000.0'), params), await d.query(sql, params), true);
      expect(diffs.join('\n')).toMatch(/drive_h/);
    } finally {
      d.close();
    }
  }, 120_000);

  it('`fleetlake query --engine trino` runs a named query unchanged and prints what DuckDB prints', async () => {
    const args = ['-f', 'athena-queries/fleet_daily_summary.sql', '--param', "DATE '2026-03-01'", '--param', "DATE '2026-03-02'", '--format', 'json', '--lake', runLake.lake];
    const viaTrino = await exec('node', [CLI, 'query', '--engine', 'trino', ...args], { timeout: 120_000 });
    const viaDuck = await exec('node', [CLI, 'query', ...args], { timeout: 60_000 });
    const [rt, rd] = [JSON.parse(viaTrino.stdout) as Array<Record<string, unknown>>, JSON.parse(viaDuck.stdout) as Array<Record<string, unknown>>];
    expect(rt.length).toBeGreaterThan(0);
    expect(diffResults({ columns: Object.keys(rt[0]!).map((name) => ({ name, type: 'double' })), rows: rt as never }, { columns: Object.keys(rd[0]!).map((name) => ({ name, type: 'double' })), rows: rd as never }, true)).toEqual([]);
    expect(viaTrino.stderr).not.toMatch(/starting Trino/); // it reused the server this file started
  }, 180_000);
});
