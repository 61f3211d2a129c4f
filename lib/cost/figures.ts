import fs from 'node:fs';

/**
 * The measured sizes and speeds the cost model scales up. They come from the benchmark
 * (bench/results/latest.json) when it exists, else from the documented defaults below.
 */
export interface Figures {
  /** Bronze NDJSON bytes (uncompressed) per sample: envelope share + the two fields the rule adds. */
  rawBytesPerSample: number;
  /** Bronze gzip bytes per sample. */
  bronzeBytesPerSample: number;
  /** Silver Parquet bytes per sample, as the clean step writes them (telemetry_parts). */
  silverBytesPerSample: number;
  /** Silver bytes per sample of the compacted table (telemetry), if measured; else the parts figure. */
  silverCompactedBytesPerSample: number;
  /** Gold Parquet bytes per sample of input (all four gold tables). */
  goldBytesPerSample: number;
  /** Clean rows/s on one core (≈ one Lambda at 1,769 MB). */
  cleanRowsPerSecPerCore: number;
  /** The features Glue job's input rows/s per core, measured on local Spark (bench P5 features on Spark). */
  sparkRowsPerSecPerCore: number;
  /** Which figure was used, for the output. */
  source: string;
}

/**
 * Documented defaults, from ../shared/reference/measurements.md (2M records of ~200 B: 400 MB raw,
 * 60 MB gz, 42.9 MB zstd Parquet; Node parse+validate 559 k rows/s and hyparquet-writer 386 k rows/s
 * on one core, ≈ 228 k rows/s together). The Spark figure is the bench's P5 features on Spark (glue-jobs/features.py
 * on local PySpark 3.5.4); its default is that phase's result of the full run of 2026-12-02 (bench/results).
 * Gold is an assumption (a few trip and daily rows per vehicle-day, ≈ 11 KB per 37 k samples).
 */
/** Bench P5 features on Spark, full run of 2026-12-02 (6,886,246 input rows, local[2]): used when a results file lacks it. */
const SPARK_ROWS_PER_S_PER_CORE_DEFAULT = 23_115;

export const DEFAULT_FIGURES: Figures = {
  rawBytesPerSample: 200,
  bronzeBytesPerSample: 30,
  silverBytesPerSample: 21.5,
  silverCompactedBytesPerSample: 21.5,
  goldBytesPerSample: 0.3,
  cleanRowsPerSecPerCore: 200_000,
  sparkRowsPerSecPerCore: SPARK_ROWS_PER_S_PER_CORE_DEFAULT,
  source: 'documented defaults (lib/cost/figures.ts, from shared/reference/measurements.md)',
};

/** The subset of bench/results/latest.json the cost model reads. */
export interface BenchResults {
  generated_at?: string;
  mode?: string;
  samples?: number;
  raw_bytes?: number;
  bronze_bytes?: number;
  silver_bytes?: number;
  silver_compacted_bytes?: number;
  gold_bytes?: number;
  clean_rows_per_s?: number;
  spark_rows_per_s_per_core?: number;
  machine?: { cores?: number };
}

const positive = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;

/** Figures from a benchmark result; every figure it lacks falls back to the default (and says so). */
export function figuresFromBench(bench: BenchResults, label: string): Figures {
  const samples = bench.samples;
  const cores = bench.machine?.cores;
  if (!positive(samples)) return { ...DEFAULT_FIGURES, source: `${DEFAULT_FIGURES.source}; ${label} has no sample count` };
  const used: string[] = [];
  const perSample = (v: unknown, name: string, fallback: number) => {
    if (positive(v)) {
      used.push(name);
      return v / samples;
    }
    return fallback;
  };
  const f: Figures = {
    rawBytesPerSample: perSample(bench.raw_bytes, 'raw_bytes', DEFAULT_FIGURES.rawBytesPerSample),
    bronzeBytesPerSample: perSample(bench.bronze_bytes, 'bronze_bytes', DEFAULT_FIGURES.bronzeBytesPerSample),
    silverBytesPerSample: perSample(bench.silver_bytes, 'silver_bytes', DEFAULT_FIGURES.silverBytesPerSample),
    silverCompactedBytesPerSample: 0,
    goldBytesPerSample: perSample(bench.gold_bytes, 'gold_bytes', DEFAULT_FIGURES.goldBytesPerSample),
    cleanRowsPerSecPerCore: DEFAULT_FIGURES.cleanRowsPerSecPerCore,
    sparkRowsPerSecPerCore: DEFAULT_FIGURES.sparkRowsPerSecPerCore,
    source: '',
  };
  if (positive(bench.spark_rows_per_s_per_core)) {
    f.sparkRowsPerSecPerCore = bench.spark_rows_per_s_per_core;
    used.push('spark_rows_per_s_per_core');
  }
  f.silverCompactedBytesPerSample = perSample(bench.silver_compacted_bytes, 'silver_compacted_bytes', f.silverBytesPerSample);
  if (positive(bench.clean_rows_per_s) && positive(cores)) {
    f.cleanRowsPerSecPerCore = bench.clean_rows_per_s / cores;
    used.push('clean_rows_per_s/cores');
  }
  const when = bench.generated_at ? ` of ${bench.generated_at}` : '';
  const mode = bench.mode ? `, ${bench.mode} run` : '';
  f.source = `${label}${when}${mode}: ${used.join(', ') || 'no usable figure'}; other figures default`;
  return f;
}

/** Read the benchmark results when the file exists, else the defaults. */
export function loadFigures(file: string): Figures {
  if (!fs.existsSync(file)) return { ...DEFAULT_FIGURES, source: `${DEFAULT_FIGURES.source} (no ${file})` };
  const bench = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults;
  return figuresFromBench(bench, file);
}
