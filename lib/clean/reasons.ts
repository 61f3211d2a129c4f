import schema from '../contract/telemetry.v1.schema.json' with { type: 'json' };
import { CONTRACT_COLUMNS } from '../contract/columns';
import { hasIsoForm, isoProblem, type ErrorObject } from '../contract/validator';

/** What each reason means, from the contract (`x-quarantine-reasons`); docs/schema.md is generated from it. */
export const REASON_DESCRIPTIONS = schema['x-quarantine-reasons'];

/** Stable quarantine reason codes (public: alarms, dashboards and the quarantine table use them), in contract order. */
export type Reason = keyof typeof REASON_DESCRIPTIONS;
export const REASONS = Object.keys(REASON_DESCRIPTIONS) as readonly Reason[];

/**
 * Schema reasons in priority order: a sample with several errors gets the first reason that
 * applies (a missing field explains more than a bad value), while `detail` lists every error.
 */
export const SCHEMA_REASON_PRIORITY: readonly Reason[] = ['missing_field', 'wrong_type', 'bad_timestamp', 'out_of_range', 'bad_format', 'lat_lon_pair', 'too_many_samples'];

/** ajv keyword → reason code. `type` on a null value of a required field counts as missing (null means absent). */
export const KEYWORD_REASON: Readonly<Record<string, Reason>> = {
  required: 'missing_field',
  type: 'wrong_type',
  minimum: 'out_of_range',
  maximum: 'out_of_range',
  exclusiveMinimum: 'out_of_range',
  exclusiveMaximum: 'out_of_range',
  minItems: 'out_of_range',
  maxItems: 'too_many_samples',
  pattern: 'bad_format',
  format: 'bad_format',
};

export interface Rejection {
  reason: Reason;
  detail: string;
}

const LAT_LON = '#/$defs/latLonPair/anyOf';
/** Contract fields that hold a timestamp (`x-silver-type: timestamp`): their range and format errors are `bad_timestamp`. */
const TIMESTAMP_FIELDS = new Set(CONTRACT_COLUMNS.filter((c) => c.type === 'timestamp').map((c) => `/${c.name}`));

/**
 * `bad_timestamp` for a timestamp field out of range, or a string of the ISO form that names no real instant, with
 * why; null for every other error (a string not of the ISO form stays `bad_format`).
 */
function timestampRejection(e: ErrorObject, value: unknown): { reason: Reason; text: string } | null {
  if (!TIMESTAMP_FIELDS.has(e.instancePath)) return null;
  const field = fieldOf(e);
  if (e.keyword === 'minimum' || e.keyword === 'maximum') return { reason: 'bad_timestamp', text: `${field}: ${e.message ?? e.keyword} (epoch ms)` };
  if (e.keyword === 'format' && typeof value === 'string' && hasIsoForm(value)) return { reason: 'bad_timestamp', text: `${field}: ${isoProblem(value) ?? 'not a timestamp'}` };
  return null;
}

function fieldOf(e: ErrorObject): string {
  const path = e.instancePath.slice(1).replaceAll('/', '.');
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return path ? `${path}.${missing}` : missing;
  }
  return path || '(sample)';
}

function valueAt(doc: unknown, instancePath: string): unknown {
  let v = doc;
  for (const part of instancePath.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/**
 * Turns ajv's errors for one sample into a reason and a detail listing every error.
 * Branch noise is folded first: the latLonPair `anyOf` becomes one `lat_lon_pair` error, and a failed
 * `oneOf` (ts: ISO string or epoch ms) keeps the errors of the branch whose type matched.
 */
export function rejectionFromErrors(errors: readonly ErrorObject[], sample: unknown): Rejection {
  const kept: Array<{ reason: Reason; text: string }> = [];
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.schemaPath);
  for (const e of errors) {
    if (e.schemaPath.startsWith(`${LAT_LON}/`)) continue;
    if (e.schemaPath === LAT_LON) {
      kept.push({ reason: 'lat_lon_pair', text: 'lat/lon: must come together (both numbers or both absent)' });
      continue;
    }
    if (e.keyword === 'oneOf') {
      const inner = errors.filter((x) => x.schemaPath.startsWith(`${e.schemaPath}/`));
      if (inner.every((x) => x.keyword === 'type')) {
        kept.push({ reason: 'wrong_type', text: `${fieldOf(e)}: must be an ISO-8601 string with a zone or an integer (epoch ms)` });
      }
      continue;
    }
    const branch = oneOfs.find((p) => e.schemaPath.startsWith(`${p}/`));
    if (branch && e.keyword === 'type') continue; // the other branch's type matched; its error says more
    const value = valueAt(sample, e.instancePath);
    const ts = timestampRejection(e, value);
    if (ts) {
      kept.push(ts);
      continue;
    }
    let reason = KEYWORD_REASON[e.keyword] ?? 'wrong_type';
    if (e.keyword === 'type' && value === null) reason = 'missing_field';
    kept.push({ reason, text: `${fieldOf(e)}: ${e.message ?? e.keyword}` });
  }
  if (!kept.length) kept.push({ reason: 'wrong_type', text: '(sample): failed validation' });
  const rank = (r: Reason) => {
    const i = SCHEMA_REASON_PRIORITY.indexOf(r);
    return i < 0 ? SCHEMA_REASON_PRIORITY.length : i;
  };
  const reason = kept.reduce((best, k) => (rank(k.reason) < rank(best) ? k.reason : best), kept[0]!.reason);
  return { reason, detail: [...new Set(kept.map((k) => k.text))].join('; ') };
}
