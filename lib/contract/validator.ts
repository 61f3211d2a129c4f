import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import schema from './telemetry.v1.schema.json' with { type: 'json' };

/** ISO-8601 date-time with an explicit zone, Z or ±hh:mm: the form the contract accepts (not yet a real instant). */
const ISO_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

const DAY_MS = 86_400_000;
/** The latest instant of the contract, 9999-12-31T23:59:59.999Z: the maximum of an integer `ts` in the schema. */
export const TS_MAX_MS: number = (schema.$defs.sample.properties.ts.oneOf[1] as { maximum: number }).maximum;
/** The earliest instant an ISO `ts` may name, 0001-01-01T00:00:00Z (an integer `ts` starts at 0, 1970). */
export const TS_MIN_ISO_MS = daysFromCivil(1, 1, 1) * DAY_MS;

/** Digit at s[i], else NaN. */
const digit = (s: string, i: number) => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
};

/** Days in a month of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month !== 2) return 30 + ((month + (month >> 3)) & 1);
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * The canonical form devices send, `YYYY-MM-DDTHH:MM:SS.sssZ`, without the regex: NaN sends anything else to the
 * general path, which gives the same answer for this form (a test compares them).
 */
function canonicalIsoMillis(s: string): number {
  if (
    s.length !== 24 ||
    s.charCodeAt(4) !== 45 || // -
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 || // T
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(19) !== 46 || // .
    s.charCodeAt(23) !== 90 // Z
  )
    return NaN;
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const month = digit(s, 5) * 10 + digit(s, 6);
  const day = digit(s, 8) * 10 + digit(s, 9);
  const hour = digit(s, 11) * 10 + digit(s, 12);
  const minute = digit(s, 14) * 10 + digit(s, 15);
  const second = digit(s, 17) * 10 + digit(s, 18);
  const ms = digit(s, 20) * 100 + digit(s, 21) * 10 + digit(s, 22);
  if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59 && ms >= 0)) return NaN;
  if (day > 28 && day > daysInMonth(year, month)) return NaN;
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): Date.UTC's answer, in integer steps. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** The two-digit number at s[i], s[i + 1] (the caller has checked they are digits). */
const two = (s: string, i: number) => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;

/**
 * Epoch ms of a string in ISO_FORM, or why it names no instant. Every field is checked against the calendar: Date.parse
 * would move 2027-02-29 to March 1 and 24:00:00 to the next day. Fractions beyond ms are cut, as Date.parse cuts them.
 * The form fixes where each field is, so they are read by position (no capture groups to allocate).
 */
function generalIso(s: string): number | string {
  if (!ISO_FORM.test(s)) return 'not of the form YYYY-MM-DDTHH:MM:SS[.fff] with Z or ±hh:mm';
  const year = two(s, 0) * 100 + two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return `${s.slice(0, 10)} is not a calendar date`;
  if (hour > 23 || minute > 59 || second > 59) return `${s.slice(11, 19)} is not a time of day (00:00:00 to 23:59:59)`;
  // ms: the first three digits of the fraction, if any (".1" is 100 ms)
  let ms = 0;
  if (s.charCodeAt(19) === 46) {
    for (let i = 20, scale = 100; i < 23; i++, scale /= 10) {
      const d = digit(s, i);
      if (d !== d) break; // the fraction ended (NaN: not a digit)
      ms += d * scale;
    }
  }
  let offsetMinutes = 0;
  const sign = s.charCodeAt(s.length - 6);
  if (sign === 43 || sign === 45) {
    const oh = two(s, s.length - 5);
    const om = two(s, s.length - 2);
    if (oh > 23 || om > 59) return `zone ${s.slice(-6)} is not an offset (at most ±23:59)`;
    offsetMinutes = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  }
  const t = ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + ms;
  if (t < TS_MIN_ISO_MS || t > TS_MAX_MS) return 'outside 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z';
  return t;
}

let lastText: string | undefined;
let lastMillis = NaN;

/**
 * Epoch ms of an ISO-8601 date-time with a zone that names a real instant in the contract's range, else NaN.
 * Remembers the last answer: clean asks twice per sample.
 */
export function isoMillis(s: string): number {
  if (s === lastText) return lastMillis;
  let ms = canonicalIsoMillis(s);
  if (ms !== ms) {
    const g = generalIso(s);
    ms = typeof g === 'number' ? g : NaN;
  }
  lastText = s;
  lastMillis = ms;
  return ms;
}

export function isIsoDateTimeWithZone(s: string): boolean {
  return !Number.isNaN(isoMillis(s));
}

/** True when `s` has the contract's ISO form (then a rejected `ts` is an impossible instant, not a bad format). */
export const hasIsoForm = (s: string): boolean => ISO_FORM.test(s);

/** Why a `ts` string is not a timestamp of the contract (for quarantine detail), or null when it is one. */
export function isoProblem(s: string): string | null {
  const g = generalIso(s);
  return typeof g === 'number' ? null : g;
}

export interface ContractValidator {
  /** Validates one sample (vehicle_id required) as it would stand alone on the topic; `errors` lists every error. */
  sample: ValidateFunction;
  /**
   * The same test as `sample`, stopping at the first error (`errors` then lists only that one). Accepts exactly
   * the samples `sample` accepts, and is faster on them: with all errors on, ajv also runs the branches of an
   * `anyOf` that a valid sample fails. Clean calls this first and `sample` only for a rejected sample.
   */
  isValidSample: ValidateFunction;
  /** Validates a whole message: a sample or an envelope of 1-500 samples. */
  message: ValidateFunction;
}

let cached: ContractValidator | undefined;

/** Annotations of the schema (x-…): documentation and limits that ajv does not evaluate. */
const ANNOTATIONS = ['x-unit', 'x-silver-type', 'x-max-payload-bytes', 'x-max-depth', 'x-quarantine-reasons', 'x-topic'];

function compile(allErrors: boolean): Ajv2020 {
  const ajv = new Ajv2020({ allErrors, strict: true, allowUnionTypes: true });
  ajv.addFormat('iso-date-time-with-zone', { type: 'string', validate: isIsoDateTimeWithZone });
  for (const k of ANNOTATIONS) ajv.addKeyword(k);
  ajv.addSchema(schema);
  return ajv;
}

/** Compiled once per process: ajv compilation costs milliseconds, validation costs microseconds. */
export function contractValidator(): ContractValidator {
  if (cached) return cached;
  const all = compile(true);
  cached = {
    sample: all.getSchema(`${schema.$id}#/$defs/sample`)!,
    isValidSample: compile(false).getSchema(`${schema.$id}#/$defs/sample`)!,
    message: all.getSchema(schema.$id)!,
  };
  return cached;
}

export type { ErrorObject };
