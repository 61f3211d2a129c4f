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
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(d: string): boolean {
  return DATE.test(d) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;
}

function instant(v: unknown, field: string): Date {
  if (typeof v !== 'string' || !ISO_WITH_ZONE.test(v) || Number.isNaN(Date.parse(v))) {
    throw new InvalidPipelineInput(`"${field}" must be an ISO-8601 timestamp with a zone, e.g. 2026-03-01T00:00:00Z; got ${JSON.stringify(v)}`);
  }
  return new Date(v);
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
    const bad = dates.filter((d) => typeof d !== 'string' || !isIsoDate(d));
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
