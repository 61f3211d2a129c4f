import { neighbourWindow } from '../features/dates';
import type { ObjectStore } from '../store';
import type { PlanResult } from './plan';
import { compareCursor, readWatermark, writeWatermark, type Cursor } from './watermark';

/**
 * Commit: the last step of a successful execution. Advances the watermark (scheduled runs only, never backwards),
 * sums the clean totals of all Map items and computes the run's metrics and summary.
 */

/** The totals one clean invocation returns (functions/clean). */
export interface CleanTotals {
  lines: number;
  samples: number;
  valid: number;
  quarantined: number;
  quarantined_by_reason: Record<string, number>;
  duplicates: number;
  conflicts: number;
  unknown_fields: number;
  bytes_read: number;
}

export interface CommitEvent {
  execution: string;
  started_at: string;
  mode: PlanResult['mode'];
  window: PlanResult['window'];
  watermark: PlanResult['watermark'];
  continuation: PlanResult['continuation'];
  /** Objects cleaned per Map item. */
  objects: number[];
  totals: Array<Partial<CleanTotals>>;
  /** Event dates touched (or asked for). */
  dates: string[];
  expand_neighbours: 'true' | 'false';
  features: { JobRunId: string | null; JobRunState: string } | null;
}

export interface RunSummary extends CleanTotals {
  execution: string;
  mode: PlanResult['mode'];
  window: PlanResult['window'];
  objects: number;
  dates_rebuilt: string[];
  features_job_run: string | null;
  watermark: { before: Cursor | null; after: Cursor | null; advanced: boolean };
  continued: boolean;
  /** Seconds from the newest arrival gold is known to include to now (scheduled runs only). */
  gold_lag_seconds: number | null;
  duration_seconds: number;
}

export interface RunMetrics {
  PipelineRuns: number;
  SamplesProcessed: number;
  /** quarantined / (valid + quarantined), in percent; null when nothing was cleaned. */
  QuarantineRatio: number | null;
  GoldLagSeconds: number | null;
}

export function sumTotals(list: ReadonlyArray<Partial<CleanTotals>>): CleanTotals {
  const out: CleanTotals = { lines: 0, samples: 0, valid: 0, quarantined: 0, quarantined_by_reason: {}, duplicates: 0, conflicts: 0, unknown_fields: 0, bytes_read: 0 };
  for (const t of list) {
    for (const k of ['lines', 'samples', 'valid', 'quarantined', 'duplicates', 'conflicts', 'unknown_fields', 'bytes_read'] as const) out[k] += t[k] ?? 0;
    for (const [reason, n] of Object.entries(t.quarantined_by_reason ?? {})) out.quarantined_by_reason[reason] = (out.quarantined_by_reason[reason] ?? 0) + n;
  }
  out.quarantined_by_reason = Object.fromEntries(Object.entries(out.quarantined_by_reason).sort(([a], [b]) => (a < b ? -1 : 1)));
  return out;
}

export async function commit(event: CommitEvent, deps: { silver: ObjectStore; now: Date }): Promise<{ summary: RunSummary; metrics: RunMetrics }> {
  const { silver, now } = deps;
  if (event.features && event.features.JobRunState !== 'SUCCEEDED' && event.features.JobRunState !== 'SKIPPED') {
    throw new Error(`features job run ${event.features.JobRunId} ended ${event.features.JobRunState}; not committing`);
  }
  const totals = sumTotals(event.totals ?? []);
  const objects = (event.objects ?? []).reduce((a, b) => a + b, 0);

  let advanced = false;
  let after: Cursor | null = null;
  if (event.mode === 'arrivals' && event.watermark?.after) {
    const current = await readWatermark(silver);
    after = event.watermark.after;
    // Never move backwards: an overlapping execution may already have committed further.
    if (!current || compareCursor(after, current) > 0) {
      await writeWatermark(silver, after, event.execution);
      advanced = true;
    } else {
      after = { last_modified: current.last_modified, key: current.key };
    }
  }

  let goldLag: number | null = null;
  if (event.mode === 'arrivals' && event.window) {
    // Uncapped: everything that arrived up to the cutoff is in gold. Capped: up to the last object taken.
    const upTo = event.continuation ? event.watermark?.after?.last_modified : event.window.to;
    if (upTo) goldLag = Math.max(0, Math.round((now.getTime() - Date.parse(upTo)) / 1000));
  }

  const kept = totals.valid + totals.quarantined;
  const summary: RunSummary = {
    execution: event.execution,
    mode: event.mode,
    window: event.window,
    objects,
    ...totals,
    dates_rebuilt: event.features?.JobRunState === 'SUCCEEDED' ? (event.expand_neighbours === 'true' ? neighbourWindow(event.dates) : [...event.dates].sort()) : [],
    features_job_run: event.features?.JobRunId ?? null,
    watermark: { before: event.watermark?.before ?? null, after, advanced },
    continued: event.continuation !== null && event.continuation !== undefined,
    gold_lag_seconds: goldLag,
    duration_seconds: Math.max(0, Math.round((now.getTime() - Date.parse(event.started_at)) / 100) / 10),
  };
  return {
    summary,
    metrics: {
      PipelineRuns: 1,
      SamplesProcessed: totals.samples,
      QuarantineRatio: kept > 0 ? (100 * totals.quarantined) / kept : null,
      GoldLagSeconds: goldLag,
    },
  };
}
