import type { ObjectInfo, ObjectStore } from '../store';
import { parsePipelineInput, STARTED_BY, type PipelineRequest } from './input';
import { addDays } from '../features/dates';
import { compareCursor, readWatermark, type Cursor, type GoldState } from './watermark';

/**
 * Plan: decide one execution's work. Lists bronze arrivals (or takes the requested dates), groups the keys into
 * Map items, caps the work so the execution's history and payloads stay far below the Step Functions limits,
 * and returns the input of a follow-up execution when capped. Pure apart from the two stores it reads.
 */
export const BRONZE_PREFIX = 'telemetry/';

export interface PlanSettings {
  /** Only objects that arrived at least this long ago are taken (a listing must see everything before the cutoff). */
  settleSeconds: number;
  /** How far before the watermark to list hour prefixes, to find objects delivered late into an old hour. */
  lookbackHours: number;
  maxObjectsPerItem: number;
  maxBytesPerItem: number;
  /** Map items per execution (history events: about 7 per item, see docs/pipeline.md). */
  maxItems: number;
  /** JSON size of all items together (the state payload limit is 256 KiB). */
  maxItemsPayloadBytes: number;
  /** Event dates rebuilt per `{"dates"}` execution. */
  maxDates: number;
  /** Scheduled runs rebuild gold at most this often (0: whenever dates were touched); see featuresDue(). */
  featuresIntervalMinutes: number;
}

export interface PlanEvent {
  input: unknown;
  /** The execution ARN ($$.Execution.Id), to link a continuation to its parent. */
  execution?: string;
}

export interface PlanItem {
  keys: string[];
}

export interface PlanResult {
  mode: PipelineRequest['mode'];
  /** Arrival window [from, to] considered; null for `dates`. `from` is null on the very first scheduled run. */
  window: { from: string | null; to: string } | null;
  items: PlanItem[];
  objects: number;
  bytes: number;
  /** The event dates to rebuild (`dates` mode only; otherwise Clean reports them). */
  dates: string[];
  /** Scheduled runs only: the watermark Commit writes after success (null when nothing new arrived). */
  watermark: { before: Cursor | null; after: Cursor } | null;
  /**
   * The features job's `--expand_neighbours`: "true" after cleaning (a touched date D rebuilds D-1..D+1, see
   * lib/features/dates.ts), "false" for `{"dates"}` (exactly the dates asked for).
   */
  expand_neighbours: 'true' | 'false';
  /** Input of the follow-up execution when this one is capped, else null. */
  continuation: Record<string, unknown> | null;
  /**
   * Whether the features job runs in this execution (always true for `{from,to}` and `{dates}`). False: Commit
   * records the touched dates as pending and gold waits for a later, due execution.
   */
  features_due: boolean;
  /** Scheduled runs only: the dates gold still owes (the watermark's `gold.pending`); Features builds them too. */
  pending: string[];
}

const ITEM_OVERHEAD = '{"keys":[]},'.length;

const pad = (n: number) => String(n).padStart(2, '0');
export function hourPrefix(t: Date): string {
  return `${BRONZE_PREFIX}year=${t.getUTCFullYear()}/month=${pad(t.getUTCMonth() + 1)}/day=${pad(t.getUTCDate())}/hour=${pad(t.getUTCHours())}/`;
}
function dayPrefix(t: Date): string {
  return `${BRONZE_PREFIX}year=${t.getUTCFullYear()}/month=${pad(t.getUTCMonth() + 1)}/day=${pad(t.getUTCDate())}/`;
}

/**
 * The arrival-hour prefixes that can hold objects that arrived in (since, until]: from `since` minus the lookback
 * up to `until`. Long spans (an idle or backfilled lake) are listed by day instead of by hour.
 */
export function arrivalPrefixes(since: Date | null, until: Date, lookbackHours: number): string[] {
  if (!since) return [BRONZE_PREFIX];
  const HOUR = 3_600_000;
  const start = Math.floor((since.getTime() - lookbackHours * HOUR) / HOUR) * HOUR;
  const end = Math.floor(until.getTime() / HOUR) * HOUR;
  if (end < start) return [];
  const out: string[] = [];
  if ((end - start) / HOUR <= 48) {
    for (let t = start; t <= end; t += HOUR) out.push(hourPrefix(new Date(t)));
  } else {
    const DAY = 24 * HOUR;
    for (let t = Math.floor(start / DAY) * DAY; t <= end; t += DAY) out.push(dayPrefix(new Date(t)));
  }
  return out;
}

const cursorOf = (o: ObjectInfo): Cursor => ({ last_modified: o.lastModified.toISOString(), key: o.key });

async function listArrivals(bronze: ObjectStore, prefixes: string[], keep: (o: ObjectInfo) => boolean): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for (const p of prefixes) {
    for await (const o of bronze.list(p)) if (o.key.endsWith('.gz') && keep(o)) out.push(o);
  }
  return out.sort((a, b) => compareCursor(cursorOf(a), cursorOf(b)));
}

/** Greedy packing in arrival order, by object count and bytes, within the item and payload caps. */
export function packItems(objects: readonly ObjectInfo[], s: PlanSettings): { items: PlanItem[]; taken: number; bytes: number } {
  const items: PlanItem[] = [];
  let current: { keys: string[]; bytes: number } | null = null;
  let payload = 2;
  let taken = 0;
  let bytes = 0;
  for (const o of objects) {
    const fresh = !current || current.keys.length >= s.maxObjectsPerItem || current.bytes + o.size > s.maxBytesPerItem;
    const cost = JSON.stringify(o.key).length + 1 + (fresh ? ITEM_OVERHEAD : 0);
    if (taken > 0 && ((fresh && items.length >= s.maxItems) || payload + cost > s.maxItemsPayloadBytes)) break;
    if (fresh) {
      current = { keys: [], bytes: 0 };
      items.push({ keys: current.keys });
    }
    current!.keys.push(o.key);
    current!.bytes += o.size;
    payload += cost;
    bytes += o.size;
    taken++;
  }
  return { items, taken, bytes };
}

function startedBy(execution: string | undefined): Record<string, string> {
  return execution && /^arn:[^:]+:states:[^:]*:[^:]*:execution:/.test(execution) ? { [STARTED_BY]: execution } : {};
}

export async function plan(
  event: PlanEvent,
  deps: { bronze: ObjectStore; silver: ObjectStore; now: Date; settings: PlanSettings },
): Promise<PlanResult> {
  const { bronze, silver, now, settings: s } = deps;
  const request = parsePipelineInput(event?.input ?? {});
  const parent = startedBy(event?.execution);

  if (request.mode === 'dates') {
    const dates = request.dates.slice(0, s.maxDates);
    const rest = request.dates.slice(s.maxDates);
    return {
      mode: 'dates',
      window: null,
      items: [],
      objects: 0,
      bytes: 0,
      dates,
      watermark: null,
      expand_neighbours: 'false',
      continuation: rest.length ? { dates: rest, ...parent } : null,
      features_due: true,
      pending: [],
    };
  }

  if (request.mode === 'window') {
    const { from, to, after } = request;
    const candidates = await listArrivals(bronze, arrivalPrefixes(from, new Date(to.getTime() - 1), s.lookbackHours), (o) => {
      const t = o.lastModified.getTime();
      return t >= from.getTime() && t < to.getTime() && (!after || compareCursor(cursorOf(o), after) > 0);
    });
    const { items, taken, bytes } = packItems(candidates, s);
    const capped = taken < candidates.length;
    return {
      mode: 'window',
      window: { from: from.toISOString(), to: to.toISOString() },
      items,
      objects: taken,
      bytes,
      dates: [],
      watermark: null,
      expand_neighbours: 'true',
      continuation: capped ? { from: from.toISOString(), to: to.toISOString(), after: cursorOf(candidates[taken - 1]!), ...parent } : null,
      features_due: true,
      pending: [],
    };
  }

  const cutoff = new Date(now.getTime() - s.settleSeconds * 1000);
  const mark = await readWatermark(silver);
  const before: Cursor | null = mark ? { last_modified: mark.last_modified, key: mark.key } : null;
  const since = before ? new Date(before.last_modified) : null;
  const candidates = await listArrivals(bronze, arrivalPrefixes(since, cutoff, s.lookbackHours), (o) =>
    o.lastModified.getTime() <= cutoff.getTime() && (!before || compareCursor(cursorOf(o), before) > 0),
  );
  const { items, taken, bytes } = packItems(candidates, s);
  const after = taken ? cursorOf(candidates[taken - 1]!) : null;
  const gold = mark?.gold ?? null;
  return {
    mode: 'arrivals',
    window: { from: before?.last_modified ?? null, to: cutoff.toISOString() },
    items,
    objects: taken,
    bytes,
    dates: [],
    watermark: after ? { before, after } : null,
    expand_neighbours: 'true',
    // The follow-up re-plans from the watermark this execution commits.
    continuation: taken < candidates.length ? { ...parent } : null,
    features_due: featuresDue(gold, { now, newestArrival: (after ?? before)?.last_modified ?? null, intervalMinutes: s.featuresIntervalMinutes }),
    pending: gold?.pending ?? [],
  };
}

/** The schedule may fire a little early or late: an interval counts as elapsed this close to its end. */
export const CADENCE_TOLERANCE_SECONDS = 300;

/**
 * The features cadence (docs/pipeline.md#the-features-cadence): a scheduled execution runs the features job when
 * - the interval is 0 (every execution that touched dates, the default), or gold has no state yet (first build,
 *   or a version 1 watermark), or
 * - `intervalMinutes` (less the tolerance) have passed since the execution that last built gold started, or
 * - a pending date is older than the day before the newest arrival: late data for an old date waits one schedule
 *   period at most, not a whole interval. Dates are judged on the arrival clock, not the wall clock, so a backlog
 *   replayed days later defers as it would have on time.
 */
export function featuresDue(gold: GoldState | null, at: { now: Date; newestArrival: string | null; intervalMinutes: number }): boolean {
  if (at.intervalMinutes === 0 || !gold?.built_at) return true;
  if (at.now.getTime() - Date.parse(gold.built_at) >= (at.intervalMinutes * 60 - CADENCE_TOLERANCE_SECONDS) * 1000) return true;
  if (!at.newestArrival) return false;
  const yesterday = addDays(at.newestArrival.slice(0, 10), -1);
  return gold.pending.some((d) => d < yesterday);
}
