/**
 * Clean vs peer on the same bronze files, in one run: fleetlake clean (pure domain, filesystem store,
 * one worker thread per core like the Map concurrency) against DuckDB read_ndjson (explicit columns,
 * envelopes unnested) → COPY zstd Parquet with the same thread count.
 * Data: the fleet simulator (lib/simulate, 1 s envelopes) projected by the ingest rule (--data sim, default),
 * or test/fixtures/bronze/synthetic.ts (--data synthetic: always driving, noisier signals).
 *   npx tsx bench/clean-vs-peer.ts [--data sim] [--vehicles 200] [--seconds 1000] [--files 8] [--workers 2] [--level 3] [--rg 131072] [--lake DIR]
 */
import { mkdirSync, rmSync, statSync, readdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../local/ts-worker';
import { lambdaNodeOptions } from './phases/clean';
import { parseArgs } from 'node:util';
import { FsObjectStore } from '../lib/store';
import { CONTRACT_COLUMNS, duckdbType } from '../lib/contract/columns';
import { openDuckDb } from '../local/engine/duckdb';
import { syntheticLines, gzipNdjson } from '../test/fixtures/bronze/synthetic';
import { generateMessages } from '../lib/simulate';
import { projectMessage } from '../lib/ingest/rule';

const START = Date.UTC(2026, 2, 1, 8);

/** Bronze lines per file: consecutive time slices of one simulated fleet run. */
function* simFiles(vehicles: number, seconds: number, files: number): Generator<string[]> {
  const sliceMs = Math.ceil((seconds * 1000) / files);
  let current = 0;
  let lines: string[] = [];
  for (const m of generateMessages({ vehicles, start: START, durationMs: seconds * 1000, seed: 7 })) {
    const f = Math.min(files - 1, Math.floor((m.at - START) / sliceMs));
    while (f > current) {
      yield lines;
      lines = [];
      current++;
    }
    lines.push(projectMessage(m.vehicleId, Buffer.from(JSON.stringify(m.payload)), m.at + 150).line);
  }
  for (; current < files; current++) {
    yield lines;
    lines = [];
  }
}

const { values: a } = parseArgs({
  options: {
    vehicles: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '1000' },
    files: { type: 'string', default: '8' },
    workers: { type: 'string', default: String(Math.min(2, os.availableParallelism())) },
    level: { type: 'string', default: '3' },
    rg: { type: 'string', default: String(1 << 17) },
    lake: { type: 'string', default: path.join(os.tmpdir(), 'fleetlake-bench-clean') },
    keep: { type: 'boolean', default: false },
    data: { type: 'string', default: 'sim' },
  },
});
const vehicles = Number(a.vehicles);
const files = Number(a.files);
const workers = Number(a.workers);
const lake = a.lake!;

function du(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(path.join(e.parentPath, e.name)).size;
  return n;
}

// 1. Bronze: `files` objects, each a slice of the fleet's time (like Firehose buffers).
const bronze = new FsObjectStore(path.join(lake, 'bronze'));
const keys: string[] = [];
let rawBytes = 0;
const marker = path.join(lake, `.bronze-${a.data}-${vehicles}-${a.seconds}-${files}`);
const perFile = Math.ceil(Number(a.seconds) / files);
for (let f = 0; f < files; f++) keys.push(`telemetry/year=2026/month=03/day=01/hour=08/fleetlake-bench-${String(f).padStart(3, '0')}.gz`);
if (!existsSync(marker)) {
  rmSync(lake, { recursive: true, force: true });
  const source =
    a.data === 'sim'
      ? simFiles(vehicles, Number(a.seconds), files)
      : (function* () {
          for (let f = 0; f < files; f++) yield [...syntheticLines({ vehicles, seconds: perFile, start: START + f * perFile * 1000, seed: f + 1 })];
        })();
  let f = 0;
  for (const lines of source) {
    for (const l of lines) rawBytes += Buffer.byteLength(l) + 1;
    await bronze.put(keys[f++]!, gzipNdjson(lines));
  }
  mkdirSync(marker, { recursive: true });
  mkdirSync(path.join(marker, String(rawBytes)));
} else {
  rawBytes = Number(readdirSync(marker)[0]);
}
const bronzeBytes = du(path.join(lake, 'bronze'));

// 2. Clean: keys split over `workers` threads (the Map items). A thread takes no V8 flags: the function's
// --max-semi-space-size becomes its young-generation limit (V8's young generation is three semi-spaces).
const semiSpace = lambdaNodeOptions().find((f) => f.startsWith('--max-semi-space-size='));
const youngGenerationMb = semiSpace ? 3 * Number(semiSpace.split('=')[1]) : undefined;
rmSync(path.join(lake, 'silver'), { recursive: true, force: true });
const pool = await Promise.all(
  Array.from({ length: workers }, (_, w) =>
    new Promise<Worker>((resolve, reject) => {
      const wk = startTsWorker(new URL('./clean-vs-peer.worker.ts', import.meta.url), {
        ...(youngGenerationMb ? { resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } } : {}),
        workerData: { lake, keys: keys.filter((_, i) => i % workers === w), zstdLevel: Number(a.level), rowGroupSize: Number(a.rg) },
      });
      wk.once('message', () => resolve(wk));
      wk.once('error', reject);
    }),
  ),
);
const t0 = performance.now();
const results = await Promise.all(
  pool.map(
    (wk) =>
      new Promise<{ totals: { samples: number; valid: number }; peakRss: number }>((resolve, reject) => {
        wk.once('message', resolve);
        wk.once('error', reject);
        wk.postMessage('go');
      }),
  ),
);
const cleanS = (performance.now() - t0) / 1000;
const samples = results.reduce((s, r) => s + r.totals.samples, 0);
const silverBytes = du(path.join(lake, 'silver', 'telemetry_parts'));

// 3. Peer: DuckDB on the same files, same thread count.
const struct = CONTRACT_COLUMNS.map((c) => `${c.name} ${c.name === 'ts' ? 'VARCHAR' : duckdbType(c.type)}`).join(', ');
const columns = `{vehicle_id: 'VARCHAR', samples: 'STRUCT(${struct})[]', topic_vehicle_id: 'VARCHAR', received_at: 'BIGINT'}`;
const peerOut = path.join(lake, 'peer.parquet');
const db = await openDuckDb({ threads: workers });
const fileList = keys.map((k) => `'${path.join(lake, 'bronze', k)}'`).join(', ');
const t1 = performance.now();
const peer = await db.conn.runAndReadAll(
  `COPY (SELECT unnest(samples, recursive := true), topic_vehicle_id, received_at FROM read_ndjson([${fileList}], columns = ${columns}, format = 'newline_delimited', compression = 'gzip'))
   TO '${peerOut}' (FORMAT parquet, COMPRESSION zstd)`,
);
const peerS = (performance.now() - t1) / 1000;
const peerRows = Number(peer.getRows()[0]?.[0] ?? 0);
db.close();

const out = {
  samples,
  clean_s: +cleanS.toFixed(2),
  clean_rows_per_s: Math.round(samples / cleanS),
  peer_rows: peerRows,
  peer_s: +peerS.toFixed(2),
  peer_rows_per_s: Math.round(peerRows / peerS),
  clean_peer_ratio: +((samples / cleanS) / (peerRows / peerS)).toFixed(3),
  raw_bytes: rawBytes,
  bronze_bytes: bronzeBytes,
  silver_bytes: silverBytes,
  peer_bytes: statSync(peerOut).size,
  silver_raw_ratio: +(silverBytes / rawBytes).toFixed(4),
  process_peak_rss_mb: Math.round(Math.max(...results.map((r) => r.peakRss)) / 2 ** 20),
  workers,
  zstd_level: Number(a.level),
  row_group: Number(a.rg),
  node: process.version,
};
console.log(JSON.stringify(out, null, 2));
if (!a.keep) rmSync(path.join(lake, 'silver'), { recursive: true, force: true });
