import type { CleanTotals } from './clean-object';

const NO_TOTALS: CleanTotals = { lines: 0, samples: 0, valid: 0, quarantined: 0, quarantined_by_reason: {}, duplicates: 0, conflicts: 0, unknown_fields: 0, bytes_read: 0 };

/**
 * Adds up clean totals (objects, Map items or executions): every count, and the per-reason counts (sorted by reason).
 * Fields that are not counts (an object's key, its dates) are ignored. Its own module: Commit uses it without clean.
 */
export function sumTotals(list: ReadonlyArray<Partial<CleanTotals>>): CleanTotals {
  const out: Record<string, unknown> = { ...NO_TOTALS, quarantined_by_reason: {} };
  const reasons: Record<string, number> = {};
  for (const t of list) {
    for (const [k, v] of Object.entries(t)) {
      if (k === 'quarantined_by_reason') for (const [r, n] of Object.entries(v ?? {})) reasons[r] = (reasons[r] ?? 0) + (n as number);
      else if (k in NO_TOTALS && typeof v === 'number') out[k] = (out[k] as number) + v;
    }
  }
  out.quarantined_by_reason = Object.fromEntries(Object.entries(reasons).sort(([a], [b]) => (a < b ? -1 : 1)));
  return out as unknown as CleanTotals;
}
