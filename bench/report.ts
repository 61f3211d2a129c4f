/** bench/results/latest.md: the same numbers as latest.json, as tables. */
type R = Record<string, unknown>;

const n = (v: unknown, digits = 0) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'not measured');
const mb = (v: unknown) => (typeof v === 'number' ? `${(v / 1048576).toFixed(1)} MB` : 'not measured');
const pct = (v: unknown) => (typeof v === 'number' ? `${(100 * v).toFixed(2)} %` : 'not measured');

export function formatMarkdown(r: R): string {
  const m = (r.machine ?? {}) as R;
  const ratios = Array.isArray(r.clean_peer_ratios) ? (r.clean_peer_ratios as number[]) : [];
  const rounds = ratios.length > 1 ? `, median of ${ratios.length} back-to-back rounds` : '';
  const rows: Array<[string, string, string]> = [
    ['P0 generate', `${n(r.generate_s, 1)} s`, `lib/simulate, ${n(r.generated_samples)} samples (not part of any rate below)`],
    ['P1 ingest', `${n(r.ingest_samples_per_s)} samples/s`, `${n(r.ingest_peer_ratio, 2)}× the peer; ${n(r.samples)} samples, ${n(r.messages)} messages, publisher and broker in separate processes`],
    ['P1 ingest, WAL off', `${n(r.ingest_nowal_samples_per_s)} samples/s`, `--no-wal, same run; WAL on / off ${n(r.ingest_wal_ratio, 2)}, ${n(r.ingest_messages_per_commit)} messages per group commit`],
    ['P2 clean', `${n(r.clean_rows_per_s)} rows/s`, `real clean domain, ${n(m.cores)} worker processes${rounds}`],
    ['P2 peer (DuckDB)', `${n(r.peer_rows_per_s)} rows/s`, `read_ndjson explicit columns → unnest → COPY zstd Parquet, same files, same run${rounds}`],
    ['P2 clean / peer', n(r.clean_peer_ratio, 2), `target ≥ 0.5${ratios.length > 1 ? `; median of the rounds' ratios ${ratios.map((x) => x.toFixed(2)).join(', ')}` : ''}`],
    ['P3 raw JSON', mb(r.raw_bytes), 'bronze NDJSON uncompressed'],
    ['P3 bronze gz', mb(r.bronze_bytes), `${n(r.bronze_objects)} objects`],
    ['P3 silver', mb(r.silver_bytes), `silver/raw ${pct(r.silver_raw_ratio)} (target ≤ 5 %), silver/gz ${pct(r.silver_gz_ratio)}`],
    ['P3 silver compacted', mb(r.silver_compacted_bytes), 'silver/telemetry after features'],
    ['P3 gold', mb(r.gold_bytes), 'all gold tables'],
    ['P5 features', `${n(r.features_s, 2)} s`, 'glue-jobs/sql on DuckDB, all dates'],
    ['P5 features on Spark', `${n(r.spark_rows_per_s_per_core)} rows/s per core`, `glue-jobs/features.py on local PySpark, same input; ${n(r.spark_duckdb_ratio, 3)}× DuckDB's ${n(r.features_duckdb_rows_per_s_per_core)} rows/s per core in the same run`],
    ['P5 demo', `${n(r.demo_s, 1)} s`, '`fleetlake demo` with defaults'],
    ['Memory', `${n(r.clean_peak_rss_mb)} MB`, 'peak RSS of one clean process on the largest bronze object'],
  ];
  const qms = (r.query_ms ?? {}) as Record<string, number>;
  const out = [
    `# fleetlake benchmark (${String(r.mode)} run, ${String(r.generated_at)})`,
    '',
    `${n(r.vehicles)} vehicles, virtual day ${String(r.virtual_day)}; machine: ${n(m.cores)} cores (${String(m.cpu)}), ${String(m.memory_gb)} GB, Node ${String(m.node)}. Wall time ${n(r.wall_s, 1)} s.`,
    'Only ratios measured in the same run are comparable: these machines are noisy.',
    '',
    '| phase | result | notes |',
    '|---|---:|---|',
    ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
    '',
    '## P4 queries (local engine, median of 5 runs)',
    '',
    ...(Object.keys(qms).length ? ['| query | ms |', '|---|---:|', ...Object.entries(qms).map(([k, v]) => `| ${k} | ${v.toFixed(1)} |`)] : ['not measured']),
    '',
    '## Phases',
    '',
    ...((r.phases ?? []) as R[]).flatMap((p) => [`- **${String(p.name)}**: ${p.measured ? `${n(p.seconds, 2)} s` : String(p.reason)}`, ...((p.notes ?? []) as string[]).map((x) => `  - ${x}`)]),
    '',
  ];
  const missing = (r.missing_keys ?? []) as string[];
  if (missing.length) out.push(`Not measured: ${missing.join(', ')}.`, '');
  return out.join('\n');
}
