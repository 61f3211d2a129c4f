import { hasIsoForm, isoMillis, isoProblem } from '../contract/validator';

/**
 * The one parser of dates and times: every CLI flag (`--dates`, `--from`/`--to`, `--start`), the pipeline's input
 * (lib/pipeline/input.ts) and the features job's `--dates` go through it, so `2026-13-01` gets the same message
 * everywhere. Calendar days are `YYYY-MM-DD`; instants are ISO-8601 with a zone, checked against the calendar by the
 * telemetry contract's own parser (lib/contract/validator.ts: Date.parse would move 2026-02-30 to March 2).
 *
 * And which dates the features step rebuilds. A sample for date D can change gold of D-1 (a trip or ignition-off
 * period that started on D-1 and ran past midnight) and of D+1 (a late ignition-on sample just before midnight turns
 * a trip that started at 00:00 on D+1 into one that starts on D). So for every event date Clean touched, the pipeline
 * rebuilds D-1, D and D+1; the job then reads silver telemetry_parts of one more day on each side of those.
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** True for a real calendar day written `YYYY-MM-DD` (not 2026-02-30, not 2026-13-01). */
export function isCalendarDate(d: string): boolean {
  if (!DATE.test(d)) return false;
  const ms = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === d;
}

/** One calendar day `YYYY-MM-DD`, returned as given; anything else throws `invalid date "…": expected …`. */
export function parseDate(d: string): string {
  if (!isCalendarDate(d)) throw new Error(`invalid date ${JSON.stringify(d)}: expected a calendar day YYYY-MM-DD`);
  return d;
}

/** Validates `YYYY-MM-DD` dates (real calendar days) and returns them sorted and unique. */
export function parseDates(dates: readonly string[]): string[] {
  for (const d of dates) parseDate(d);
  return [...new Set(dates)].sort();
}

/** `…THH:MM` with a zone: seconds may be left out (they are 0). */
const NO_SECONDS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Epoch ms of an instant written ISO-8601 with a zone (`2026-03-01T00:00:00Z`, `…T01:00+01:00`, fractions allowed),
 * a real calendar date and time of day; anything else throws `invalid time "…": <why>`.
 */
export function parseInstant(text: string): number {
  const s = text.trim().replace(NO_SECONDS, '$1:00$2');
  const ms = isoMillis(s);
  if (!Number.isNaN(ms)) return ms;
  // The form is right but it names no instant (2026-13-01T…, 25:00): say which part is wrong.
  const problem = hasIsoForm(s) ? isoProblem(s) : null;
  const why = problem ? `${problem}; ` : '';
  throw new Error(`invalid time ${JSON.stringify(text)}: ${why}expected ISO-8601 with a zone, e.g. 2026-03-01T00:00:00Z`);
}

/**
 * `--dates` as the Glue driver takes it (glue-jobs/features_lib.py `parse_dates`, by the same rules): a JSON array
 * string or a comma list; validated, sorted and unique; at least one date.
 */
export function parseDatesArgument(text: string): string[] {
  const t = text.trim();
  let items: unknown;
  try {
    items = t.startsWith('[') ? JSON.parse(t) : t.split(',').map((s) => s.trim()).filter(Boolean);
  } catch {
    throw new Error(`--dates is not a valid JSON array: ${text}`);
  }
  if (!Array.isArray(items) || !items.every((d) => typeof d === 'string')) throw new Error(`--dates JSON must be an array of strings: ${text}`);
  if (!items.length) throw new Error('--dates has no dates');
  return parseDates(items);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Every date within `radius` days of one of `dates`, sorted and unique. */
export function neighbourWindow(dates: readonly string[], radius = 1): string[] {
  const out = new Set<string>();
  for (const d of parseDates(dates)) for (let i = -radius; i <= radius; i++) out.add(addDays(d, i));
  return [...out].sort();
}

/** The dates to pass to the features job after Clean touched `touched` (event dates): each D-1..D+1. */
export function rebuildDates(touched: readonly string[]): string[] {
  return neighbourWindow(touched, 1);
}
