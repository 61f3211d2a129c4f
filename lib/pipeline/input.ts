import { isCalendarDate, parseInstant } from '../features/dates';
import { parseBronzeObjectKey } from '../ingest/firehose';
import type { PlanResult } from './plan';
import { isCursor, type Cursor } from './watermark';

/**
 * The pipeline's input contract (what the schedule, an operator or a continuation passes to the state machine):
 * - `{}`: every bronze object that arrived since the committed watermark, up to now minus the settle delay;
 * - `{"from": ISO, "to": ISO}`: bronze objects whose arrival time (LastModified) is in [from, to);
 * - `{"dates": ["YYYY-MM-DD", ...]}`: rebuild silver/telemetry and gold for those event dates from the existing
 *   silver parts, without cleaning again.
 * A continuation of a capped window also carries `after` (the last object already done).
 */
export type PipelineRequest =
  | { mode: 'arrivals' }
  | { mode: 'window'; from: Date; to: Date; after: Cursor | null }
  | { mode: 'dates'; dates: string[] };

export class InvalidPipelineInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPipelineInput';
  }
}

/** Set by Step Functions on executions started by another execution; ignored. */
export const STARTED_BY = 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID';
const KNOWN = new Set(['from', 'to', 'after', 'dates', STARTED_BY]);

/** Dates and times are read by the one parser of lib/features/dates.ts. */
function instant(v: unknown, field: string): Date {
  if (typeof v !== 'string') throw new InvalidPipelineInput(`"${field}" must be an ISO-8601 timestamp with a zone, e.g. 2026-03-01T00:00:00Z; got ${JSON.stringify(v)}`);
  try {
    return new Date(parseInstant(v));
  } catch (err) {
    throw new InvalidPipelineInput(`"${field}": ${(err as Error).message}`);
  }
}

export function parsePipelineInput(input: unknown): PipelineRequest {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidPipelineInput(`input must be a JSON object ({} | {"from","to"} | {"dates"}); got ${JSON.stringify(input)}`);
  }
  const o = input as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KNOWN.has(k));
  if (unknown.length) throw new InvalidPipelineInput(`unknown input field(s) ${unknown.join(', ')}; expected {} | {"from","to"} | {"dates"}`);
  if ('dates' in o) {
    if ('from' in o || 'to' in o || 'after' in o) throw new InvalidPipelineInput('"dates" cannot be combined with "from"/"to"');
    const dates = o.dates;
    if (!Array.isArray(dates) || dates.length === 0) throw new InvalidPipelineInput('"dates" must be a non-empty array of YYYY-MM-DD');
    const bad = dates.filter((d) => typeof d !== 'string' || !isCalendarDate(d));
    if (bad.length) throw new InvalidPipelineInput(`"dates" holds invalid date(s): ${bad.map((d) => JSON.stringify(d)).join(', ')}`);
    return { mode: 'dates', dates: [...new Set(dates as string[])].sort() };
  }
  if ('from' in o || 'to' in o) {
    if (!('from' in o && 'to' in o)) throw new InvalidPipelineInput('"from" and "to" go together');
    const from = instant(o.from, 'from');
    const to = instant(o.to, 'to');
    if (from >= to) throw new InvalidPipelineInput(`"from" must be before "to"`);
    if (o.after !== undefined && o.after !== null && !isCursor(o.after)) throw new InvalidPipelineInput('"after" must be {"last_modified", "key"}');
    return { mode: 'window', from, to, after: (o.after as Cursor | undefined) ?? null };
  }
  if ('after' in o) throw new InvalidPipelineInput('"after" needs "from" and "to"');
  return { mode: 'arrivals' };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The input that replays what an execution planned, as a concrete request (`fleetlake rerun`, docs/pipeline.md#rerun):
 * - `{}` planned the arrival window (watermark, cutoff]; it is replayed as `{"from": <watermark time>, "to": <cutoff
 *   + 1 ms>, "after": <watermark>}`, which holds exactly the objects that window held, whatever arrived since. A
 *   window run leaves the watermark alone.
 * - `{"from","to"}` (a continuation's `after` included) and `{"dates"}` are concrete already: replayed as given.
 * Null when a `{}` execution has no recorded plan (it stopped before Plan returned): there is no window to replay.
 */
export function replayInput(input: unknown, plan: PlanResult | undefined): Record<string, unknown> | null {
  if (parsePipelineInput(input).mode !== 'arrivals') {
    const { [STARTED_BY]: _startedBy, ...given } = input as Record<string, unknown>;
    return given;
  }
  if (!plan?.window || plan.mode !== 'arrivals') return null;
  const cutoff = Date.parse(plan.window.to);
  const to = iso(cutoff + 1); // the plan took LastModified <= cutoff; a window takes < to
  const before = plan.watermark?.before ?? null;
  if (before) return { from: before.last_modified, to, after: before };
  // Plan records the watermark's key only when it took objects. It took none: the window held nothing after the
  // watermark's time, and nothing can arrive into a past window, so start 1 ms after it.
  if (plan.window.from !== null) return { from: iso(Math.min(Date.parse(plan.window.from) + 1, cutoff)), to };
  // The first run (no watermark) listed everything up to the cutoff. Firehose names an object after the arrival of
  // its oldest record, never later than its delivery (LastModified), so the earliest name bounds the window.
  const arrivals = plan.items.flatMap((item) =>
    item.keys.map((key) => {
      const parsed = parseBronzeObjectKey(key);
      if (!parsed) throw new InvalidPipelineInput(`cannot tell when ${key} arrived (not a Firehose object name)`);
      return parsed.arrivalMs;
    }),
  );
  return { from: iso(arrivals.length ? Math.min(...arrivals) : cutoff), to };
}
