import path from 'node:path';
import { notMeasured, type BenchContext, type PhaseResult } from '../types';
import { gunzippedSize, totalSize, walk } from '../util';

/**
 * P3: bytes at each layer. raw = the bronze NDJSON uncompressed (the JSON payloads as sent, plus the two
 * fields the rule adds: what Firehose ingests); bronze = its gzip objects; silver = the Parquet parts the
 * clean step wrote (telemetry_parts); silver_compacted = silver/telemetry after features; gold = all gold tables.
 */
export async function sizesPhase(ctx: BenchContext): Promise<PhaseResult> {
  const bronze = walk(path.join(ctx.lake, 'bronze', 'telemetry'), (n) => n.endsWith('.gz'));
  if (!bronze.length) return notMeasured('P3 sizes', 'not measured (no bronze objects)');
  const t0 = Date.now();
  let raw = 0;
  for (const f of bronze) raw += await gunzippedSize(f);
  const bronzeBytes = totalSize(bronze);
  const parquet = (n: string) => n.endsWith('.parquet');
  const silver = totalSize(walk(path.join(ctx.lake, 'silver', 'telemetry_parts'), parquet));
  const compacted = totalSize(walk(path.join(ctx.lake, 'silver', 'telemetry'), parquet));
  const gold = totalSize(walk(path.join(ctx.lake, 'gold'), parquet));
  const values: Record<string, number> = { raw_bytes: raw, bronze_bytes: bronzeBytes, bronze_objects: bronze.length };
  const notes = [`raw ${(raw / 1048576).toFixed(1)} MB, bronze gz ${(bronzeBytes / 1048576).toFixed(1)} MB in ${bronze.length} objects`];
  if (silver > 0) {
    Object.assign(values, { silver_bytes: silver, silver_raw_ratio: silver / raw, silver_gz_ratio: silver / bronzeBytes });
    notes.push(`silver parts ${(silver / 1048576).toFixed(1)} MB = ${((100 * silver) / raw).toFixed(2)} % of raw, ${((100 * silver) / bronzeBytes).toFixed(1)} % of gz`);
  } else notes.push('silver: not measured (clean did not run)');
  if (compacted > 0) {
    values.silver_compacted_bytes = compacted;
    notes.push(`silver compacted (telemetry) ${(compacted / 1048576).toFixed(1)} MB`);
  }
  if (gold > 0) {
    values.gold_bytes = gold;
    notes.push(`gold ${(gold / 1024).toFixed(1)} KB`);
  } else notes.push('gold: not measured (features did not run)');
  if (typeof ctx.shared.samples === 'number') values.samples = ctx.shared.samples;
  return { name: 'P3 sizes', measured: true, seconds: (Date.now() - t0) / 1000, values, notes };
}
