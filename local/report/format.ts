/** Display formatting for the report: UTC times, durations, percentages. Values stay exact in the data. */

/** `2026-03-01 08:05 UTC` (minutes) or `… 08:05:12 UTC` with `seconds`; without `zone`, no ` UTC` (a header says it). */
export function utc(iso: string | number, seconds = false, zone = true): string {
  const s = new Date(iso).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, seconds ? 19 : 16)}${zone ? ' UTC' : ''}`;
}

/** `45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

const sig3 = new Intl.NumberFormat('en-US', { minimumSignificantDigits: 3, maximumSignificantDigits: 3, useGrouping: false });
/** `part` as a percentage of `whole` to 3 significant figures: 8 of 722,900 is `0.00111 %`, never `0.00 %`. */
export function percent3(part: number, whole: number): string {
  if (!(whole > 0)) return '-';
  if (part === 0) return '0 %';
  return `${sig3.format((100 * part) / whole)} %`;
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
/** `1,396.9`: one decimal at most, thousands grouped. */
export const num1 = (n: number): string => grouped.format(n);

const esc: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escapes text for HTML content and attribute values. */
export const html = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => esc[c] as string);
