import fs from 'node:fs';
import path from 'node:path';
import { CONTRACT_COLUMNS, duckdbType } from '../../lib/contract/columns';
import { openDuckDb } from '../../local/engine/duckdb';
import { notMeasured, type BenchContext, type PhaseResult } from '../types';
import { seconds, walk } from '../util';

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * The peer: DuckDB's plain read_ndjson → COPY parquet (zstd) over the same bronze files. Bronze lines are
 * MQTT messages (an envelope with `samples`, or one sample) plus `topic_vehicle_id` and `received_at`, so the
 * peer reads them with explicit columns (no schema detection), turns a single-sample line into a one-element
 * list and unnests, giving one row per sample like clean. It does no validation, normalisation, dedupe or
 * partitioning: ts stays the text/number it was sent as (read as VARCHAR).
 */
export function peerSql(files: readonly string[], out: string): string {
  const sampleStruct = `STRUCT(${CONTRACT_COLUMNS.map((c) => `${ident(c.name)} ${c.name === 'ts' ? 'VARCHAR' : duckdbType(c.type)}`).join(', ')})`;
  const columns = [
    ...CONTRACT_COLUMNS.map((c) => `${ident(c.name)}: ${q(c.name === 'ts' ? 'VARCHAR' : duckdbType(c.type))}`),
    `topic_vehicle_id: 'VARCHAR'`,
    `received_at: 'BIGINT'`,
    `samples: ${q(`${sampleStruct}[]`)}`,
  ];
  const single = `[struct_pack(${CONTRACT_COLUMNS.map((c) => `${ident(c.name)} := ${ident(c.name)}`).join(', ')})]`;
  const select = CONTRACT_COLUMNS.map((c) => (c.name === 'vehicle_id' ? `coalesce(s.vehicle_id, env_vehicle_id) AS vehicle_id` : `s.${ident(c.name)}`)).join(', ');
  return `COPY (
  SELECT ${select}, topic_vehicle_id, received_at
  FROM (
    SELECT vehicle_id AS env_vehicle_id, topic_vehicle_id, received_at,
           unnest(CASE WHEN samples IS NULL THEN ${single} ELSE samples END) AS s
    FROM read_ndjson([${files.map(q).join(', ')}], columns = {${columns.join(', ')}}, format = 'newline_delimited', compression = 'gzip')
  )
) TO ${q(out)} (FORMAT parquet, COMPRESSION zstd)`;
}

/** P2b: the peer on the same files, in the same run, with all cores. */
export async function peerPhase(ctx: BenchContext): Promise<PhaseResult> {
  const files = walk(path.join(ctx.lake, 'bronze', 'telemetry'), (n) => n.endsWith('.gz'));
  if (!files.length) return notMeasured('P2 peer', 'not measured (no bronze objects: ingest did not run)');
  const out = path.join(ctx.work, 'peer', 'telemetry.parquet');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const db = await openDuckDb({ threads: ctx.cores });
  try {
    // Row order is irrelevant to the peer's output: let DuckDB write in parallel.
    await db.conn.run('SET preserve_insertion_order = false');
    const sql = peerSql(files, out);
    const t0 = process.hrtime.bigint();
    const r = await db.conn.runAndReadAll(sql);
    const secs = seconds(t0);
    const rows = Number(r.getRows()[0]?.[0] ?? 0);
    return {
      name: 'P2 peer',
      measured: true,
      seconds: secs,
      values: { peer_rows_per_s: rows / secs, peer_rows: rows, peer_s: secs, peer_bytes: fs.statSync(out).size },
      notes: [`DuckDB read_ndjson (explicit columns) → unnest → COPY zstd Parquet: ${rows.toLocaleString('en-US')} rows in ${secs.toFixed(2)} s, ${ctx.cores} threads`],
    };
  } finally {
    db.close();
  }
}
