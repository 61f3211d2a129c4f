/**
 * Which dates the features step rebuilds.
 *
 * A sample for date D can change gold of D-1 (a trip or ignition-off period that started on D-1 and ran past
 * midnight) and of D+1 (a late ignition-on sample just before midnight turns a trip that started at 00:00
 * on D+1 into one that starts on D). So for every event date Clean touched, the pipeline rebuilds D-1, D and D+1;
 * the job then reads silver telemetry_parts of one more day on each side of those.
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** Validates `YYYY-MM-DD` dates (real calendar days) and returns them sorted and unique. */
export function parseDates(dates: readonly string[]): string[] {
  for (const d of dates) {
    if (!DATE.test(d) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) {
      throw new Error(`invalid date ${JSON.stringify(d)}: expected YYYY-MM-DD`);
    }
  }
  return [...new Set(dates)].sort();
}

/** `--dates` as the Glue driver takes it: a JSON array string or a comma list; validated, sorted and unique. */
export function parseDatesArgument(text: string): string[] {
  const t = text.trim();
  let items: unknown;
  try {
    items = t.startsWith('[') ? JSON.parse(t) : t.split(',').map((s) => s.trim()).filter(Boolean);
  } catch {
    throw new Error(`not a JSON array: ${text}`);
  }
  if (!Array.isArray(items) || !items.every((d) => typeof d === 'string')) throw new Error(`not a list of dates: ${text}`);
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
