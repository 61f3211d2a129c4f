import type { CleanTotals } from '../clean';
import { sumTotals } from '../clean/totals';
import { neighbourWindow } from '../features/dates';
import { PreconditionFailedError, type ObjectStore } from '../store';
import type { PlanResult } from './plan';
import { compareCursor, dateSet, readWatermarkVersioned, writeWatermark, type Cursor, type GoldState } from './watermark';

/**
 * Commit: the last step of a successful execution. Advances the watermark and its gold state (scheduled runs only,
 * never backwards, by a conditional write), sums the clean totals of all Map items and computes the run's metrics
 * and summary. Features SUCCEEDED: the dates it built leave `pending`, `through`/`built_at` advance. DEFERRED (not
 * due, docs/pipeline.md#the-features-cadence): the touched dates join `pending`, `through` stays.
 */

export type { CleanTotals };
export { sumTotals };

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
  /** Event dates the features job built (touched ∪ pending), or [] when it did not run. */
  dates: string[];
  /** Event dates Clean touched, one list per Map item (`{"dates"}`: the dates asked for). */
  touched?: string[][];
  /** The pending dates Plan read from the watermark (scheduled runs). */
  pending?: string[];
  expand_neighbours: 'true' | 'false';
  features: { JobRunId: string | null; JobRunState: string } | null;
}

/** input samples = silver + quarantine + duplicates + conflicts: every sample is in exactly one of them. */
export interface Reconciliation {
  samples: number;
  /** Valid rows written to silver parts. */
  silver: number;
  /** Quarantine rows other than conflicts (each with its reason). */
  quarantine: number;
  duplicates: number;
  /** Rows quarantined as `conflict` (same vehicle_id and ts, other values). */
  conflicts: number;
  balanced: boolean;
}

export interface RunSummary extends CleanTotals {
  execution: string;
  mode: PlanResult['mode'];
  window: PlanResult['window'];
  objects: number;
  dates_rebuilt: string[];
  features_job_run: string | null;
  watermark: { before: Cursor | null; after: Cursor | null; advanced: boolean };
  /** Scheduled runs: whether Features ran (built), was not due (deferred) or had nothing to build (skipped). */
  features: 'built' | 'deferred' | 'skipped';
  /** Scheduled runs: the gold state after this commit (null when there is no watermark yet). */
  gold: GoldState | null;
  continued: boolean;
  /** Seconds from the newest arrival gold is known to include to now (scheduled runs only). */
  gold_lag_seconds: number | null;
  duration_seconds: number;
  reconciliation: Reconciliation;
}

export interface RunMetrics {
  PipelineRuns: number;
  SamplesProcessed: number;
  /** quarantined / (valid + quarantined), in percent; null when nothing was cleaned. */
  QuarantineRatio: number | null;
  GoldLagSeconds: number | null;
}


/** The reconciliation line of the run summary, from the clean totals. */
export function reconcile(t: CleanTotals): Reconciliation {
  const quarantine = t.quarantined - t.conflicts;
  return { samples: t.samples, silver: t.valid, quarantine, duplicates: t.duplicates, conflicts: t.conflicts, balanced: t.samples === t.valid + quarantine + t.duplicates + t.conflicts };
}

/** Another commit kept moving the watermark while this one tried to write it. */
export class WatermarkConflictError extends Error {
  override name = 'WatermarkConflict';
}

export const WATERMARK_WRITE_ATTEMPTS = 5;

/** What one execution changes in the watermark: the cursor, and the gold state after Features ran or was deferred. */
interface WatermarkUpdate {
  after: Cursor | null;
  execution: string;
  /** built: Features ran for `built`; deferred: `touched` waits; skipped: nothing to build. */
  features: RunSummary['features'];
  built: string[];
  touched: string[];
  /** Gold includes arrivals up to here after a build; the build execution's StartTime. */
  through: string | null;
  startedAt: string;
}

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) >= Date.parse(b) ? a : b);

/** The gold state after this execution, merged onto the current one (which may be another commit's). */
function nextGold(current: GoldState | null, u: WatermarkUpdate): GoldState | null {
  const pending = current?.pending ?? [];
  if (u.features === 'built') {
    const built = new Set(u.built);
    return { through: later(current?.through ?? null, u.through), built_at: later(current?.built_at ?? null, u.startedAt), pending: pending.filter((d) => !built.has(d)) };
  }
  if (u.features === 'deferred' && u.touched.length) return { through: current?.through ?? null, built_at: current?.built_at ?? null, pending: dateSet([...pending, ...u.touched]) };
  return current;
}

/**
 * Moves the watermark to `after` (unless it is already there or further) and applies the gold state: read it with
 * its version, write on that version; a lost race (another commit wrote in between) reads again, merges the pending
 * dates again and decides again. Never overwrites, never moves the cursor backwards; writes only when the cursor or
 * the pending dates change.
 */
async function advanceWatermark(silver: ObjectStore, u: WatermarkUpdate): Promise<{ advanced: boolean; after: Cursor | null; gold: GoldState | null }> {
  for (let attempt = 1; attempt <= WATERMARK_WRITE_ATTEMPTS; attempt++) {
    const { watermark: current, version } = await readWatermarkVersioned(silver);
    const cursor = current ? { last_modified: current.last_modified, key: current.key } : null;
    // Never move backwards: an overlapping execution may already have committed further.
    const moves = !!u.after && (!cursor || compareCursor(u.after, cursor) > 0);
    const position = moves ? u.after : cursor;
    const gold = nextGold(current?.gold ?? null, u);
    // Without a cursor move, only a change of the pending dates is worth a write (a pending-only build, or an
    // overlapping execution's touched dates); through/built_at then advance with it.
    const pendingChanged = JSON.stringify(gold?.pending ?? []) !== JSON.stringify(current?.gold?.pending ?? []);
    if (!position || (!moves && !pendingChanged)) return { advanced: false, after: cursor, gold: current?.gold ?? null };
    try {
      await writeWatermark(silver, position, u.execution, version, gold ?? { through: null, built_at: null, pending: [] });
      return { advanced: moves, after: position, gold: gold ?? { through: null, built_at: null, pending: [] } };
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
  }
  throw new WatermarkConflictError(`the watermark in ${silver.location} changed under ${WATERMARK_WRITE_ATTEMPTS} write attempts in a row; not committing (rerun the execution)`);
}

export async function commit(event: CommitEvent, deps: { silver: ObjectStore; now: Date }): Promise<{ summary: RunSummary; metrics: RunMetrics }> {
  const { silver, now } = deps;
  if (event.features && !['SUCCEEDED', 'SKIPPED', 'DEFERRED'].includes(event.features.JobRunState)) {
    throw new Error(`features job run ${event.features.JobRunId} ended ${event.features.JobRunState}; not committing`);
  }
  const totals = sumTotals(event.totals ?? []);
  const objects = (event.objects ?? []).reduce((a, b) => a + b, 0);

  const state = event.features?.JobRunState;
  const features: RunSummary['features'] = state === 'SUCCEEDED' ? 'built' : state === 'DEFERRED' ? 'deferred' : 'skipped';
  // Uncapped: everything that arrived up to the cutoff is cleaned. Capped: up to the last object taken.
  const upTo = event.mode === 'arrivals' && event.window ? ((event.continuation ? event.watermark?.after?.last_modified : event.window.to) ?? null) : null;

  let advanced = false;
  let after: Cursor | null = null;
  let gold: GoldState | null = null;
  if (event.mode === 'arrivals') {
    ({ advanced, after, gold } = await advanceWatermark(silver, {
      after: event.watermark?.after ?? null,
      execution: event.execution,
      features,
      built: event.dates ?? [],
      touched: dateSet((event.touched ?? []).flat()),
      through: upTo,
      startedAt: event.started_at,
    }));
  }

  let goldLag: number | null = null;
  if (event.mode === 'arrivals' && upTo) {
    // Nothing pending: gold includes every arrival up to `upTo`. Otherwise it is as old as its last build.
    const through = gold?.pending.length ? gold.through : upTo;
    if (through) goldLag = Math.max(0, Math.round((now.getTime() - Date.parse(through)) / 1000));
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
    features,
    gold,
    continued: event.continuation !== null && event.continuation !== undefined,
    gold_lag_seconds: goldLag,
    duration_seconds: Math.max(0, Math.round((now.getTime() - Date.parse(event.started_at)) / 100) / 10),
    reconciliation: reconcile(totals),
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
