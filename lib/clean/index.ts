import type { ObjectStore } from '../store';
import { cleanObject, type CleanSettings, type CleanTotals, type ObjectStats } from './clean-object';
import { sumTotals } from './totals';
import { zstdCompressor } from './zstd';

export { BronzeReadError, cleanObject, partId, arrivalDateOfKey, MAX_PAYLOAD_BYTES, MAX_SAMPLES } from './clean-object';
export type { CleanSettings, CleanTotals, ObjectStats } from './clean-object';
export { sumTotals } from './totals';
export { REASONS, type Reason } from './reasons';

/** zstd level of silver Parquet (chosen by measurement, docs/clean.md). */
export const ZSTD_LEVEL = 3;

export interface CleanResult {
  objects: ObjectStats[];
  totals: CleanTotals;
  /** Sorted unique event dates touched: the days the features step rebuilds. */
  dates: string[];
}

export interface CleanDeps {
  bronze: ObjectStore;
  silver: ObjectStore;
  settings: CleanSettings;
  /** zstd level override (benchmarks). */
  zstdLevel?: number;
  /** Called before each object (the handler sets the logger's source_key here). */
  onStart?: (key: string) => void;
  /** Called after each object (the handler logs and emits metrics here). */
  onObject?: (stats: ObjectStats) => void;
}

/** The pure domain entry: clean each bronze key in order; the handler and the benchmark both call this. */
export async function cleanObjects(keys: readonly string[], deps: CleanDeps): Promise<CleanResult> {
  const { compress } = await zstdCompressor(deps.zstdLevel ?? ZSTD_LEVEL);
  const objects: ObjectStats[] = [];
  for (const key of keys) {
    deps.onStart?.(key);
    const stats = await cleanObject(key, { ...deps, compress });
    deps.onObject?.(stats);
    objects.push(stats);
  }
  return { objects, totals: sumTotals(objects), dates: [...new Set(objects.flatMap((o) => o.dates))].sort() };
}

