import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { startIngest } from '../ingest/server';
import { publishFleetInWorker } from '../simulate/publisher';
import { openLocalQueryEngine } from '../engine/query';
import { runPipeline, type RunPipelineResult } from '../stepfunctions/run';
import { progress } from '../cli/progress';
import { formatQueryResult } from '../cli/format';
import { pipelineProgress } from '../cli/commands/run';
import type { QueryResult } from '../../lib/query/port';
import { vehicleId } from '../../lib/simulate';
import { badMessages } from './bad-messages';
import { writeReport } from '../report/build';
import { UsageError } from '../cli/errors';

export interface DemoOptions {
  lake: string;
  vehicles: number;
  hours: number;
  seed?: string;
  /** Virtual start (epoch ms); default now minus `hours`, floored to the minute. */
  start?: number;
  out?: (s: string) => void;
}

export interface DemoResult {
  reportPath: string;
  published: { messages: number; samples: number };
  pipeline: RunPipelineResult;
  queries: Record<string, QueryResult>;
  seconds: number;
}

/** Marks a lake the demo created, so a later demo may replace it but never a lake it did not make. */
const MARKER = '.fleetlake-demo';

async function prepareLake(lake: string): Promise<void> {
  if (existsSync(lake) && (await readdir(lake)).length > 0) {
    if (!existsSync(path.join(lake, MARKER))) {
      throw new UsageError(`${lake} is not empty and was not made by the demo; pass --lake with a new or empty directory`);
    }
    await rm(lake, { recursive: true, force: true });
  }
  await mkdir(lake, { recursive: true });
  await writeFile(path.join(lake, MARKER), 'made by `fleetlake demo`; the next demo replaces this lake\n');
}

export const DEMO_QUERIES = ['fleet_daily_summary', 'harsh_driving_leaderboard', 'vampire_drain_watchlist'] as const;

/** ingest → simulate over MQTT → flush → the pipeline → summary, three named queries and the HTML report. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const t0 = performance.now();
  const out = o.out ?? ((s: string) => process.stdout.write(s));
  const lake = path.resolve(o.lake);
  await prepareLake(lake);
  const durationMs = Math.round(o.hours * 3_600_000);
  const start = o.start ?? Math.floor((Date.now() - durationMs) / 60_000) * 60_000;

  // 1. Local ingest on a free loopback port.
  const ingest = await startIngest({ lake, port: 0, host: '127.0.0.1', summaryEveryMs: 0, bufferSeconds: 5 });
  const broker = `mqtt://127.0.0.1:${ingest.port}`;
  out(`ingest: MQTT broker on ${broker}, landing in ${path.join(lake, 'bronze')}\n`);
  let published;
  try {
    // 2. The fleet, over real MQTT, in virtual time, on its own thread (the broker and landing keep this one).
    const totalS = Math.round(durationMs / 1000);
    const bar = progress('simulate', totalS, { unit: 'virtual s' });
    published = await publishFleetInWorker({
      vehicles: o.vehicles,
      start,
      durationMs,
      seed: o.seed ?? '1',
      broker,
      onProgress: (virtualMs) => bar.update(Math.min(totalS, Math.round(virtualMs / 1000))),
    });
    bar.update(totalS);
    bar.stop();
    const bad = badMessages(vehicleId(0), vehicleId(1), start + durationMs - 60_000);
    const client = await mqtt.connectAsync(broker, { clientId: 'fleetlake-demo-faults' });
    for (const m of bad) await client.publishAsync(m.topic, m.payload, { qos: 1 });
    await client.endAsync();
    out(`simulate: ${o.vehicles} vehicles, ${published.samples} samples in ${published.messages} messages (+${bad.length} deliberately broken) in ${published.seconds.toFixed(1)} s\n`);
  } finally {
    // 3. Flush everything received to bronze.
    const c = await ingest.stop();
    out(`ingest: ${c.messages} messages landed in ${c.objects} bronze objects\n`);
  }

  // 4. The pipeline: the real ASL in the local interpreter, as the schedule would start it (input {}).
  const pipeline = await runPipeline({ lake, input: {}, onEvent: pipelineProgress() });
  if (pipeline.status !== 'SUCCEEDED') {
    const failed = pipeline.executions.at(-1);
    throw new Error(`pipeline execution ${failed?.executionId} ${failed?.status}: ${JSON.stringify(failed?.error ?? null)}`);
  }

  // 5. Summary, named queries and the report, on the local query engine.
  const engine = await openLocalQueryEngine({ lake });
  const queries: Record<string, QueryResult> = {};
  let reportPath: string;
  try {
    const first = new Date(start).toISOString().slice(0, 10);
    const last = new Date(start + durationMs).toISOString().slice(0, 10);
    const range = [`DATE '${first}'`, `DATE '${last}'`];
    out(`\nfleet summary (${first} .. ${last})\n`);
    out(formatQueryResult(await engine.query(FLEET_SUMMARY_SQL, range), 'table'));
    for (const name of DEMO_QUERIES) {
      const sql = await readFile(path.resolve(import.meta.dirname, '../../athena-queries', `${name}.sql`), 'utf8');
      const r = await engine.query(sql, range);
      queries[name] = r;
      out(`\n${name} (top 5 of ${r.rows.length})\n`);
      out(formatQueryResult({ columns: r.columns, rows: r.rows.slice(0, 5) }, 'table'));
    }
    // The same code as `fleetlake report --lake <lake>`: the lake's whole range, written to <lake>/report/index.html.
    reportPath = (await writeReport({ lake, engine })).path;
  } finally {
    await engine.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  out(`\nreport: ${reportPath}\ndemo finished in ${seconds.toFixed(1)} s\n`);
  return { reportPath, published: { messages: published.messages, samples: published.samples }, pipeline, queries, seconds };
}

/** Per vehicle over the demo's days: trips, distance, harsh events, lowest battery, completeness. */
const FLEET_SUMMARY_SQL = `
SELECT vehicle_id,
       sum(trip_count) AS trips,
       round(sum(distance_km), 1) AS distance_km,
       sum(harsh_brake_count + harsh_accel_count) AS harsh_events,
       round(min(min_battery_v), 2) AS min_battery_v,
       sum(low_voltage_events) AS low_voltage_events,
       round(sum(samples_received) * 1.0 / sum(samples_expected), 3) AS completeness
FROM vehicle_daily
WHERE dt BETWEEN ? AND ?
GROUP BY vehicle_id
ORDER BY vehicle_id`;
