import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import schema from './telemetry.v1.schema.json' with { type: 'json' };

/** ISO-8601 date-time with an explicit zone: Z or ±hh:mm. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

/** Digit at s[i], else NaN. */
const digit = (s: string, i: number) => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
};

/**
 * The canonical form devices send, `YYYY-MM-DDTHH:MM:SS.sssZ`, without the regex, Date.parse or Date.UTC; NaN sends
 * anything else (and rare dates such as days 29-31) to the general path, so both paths agree.
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
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour <= 23 && minute <= 59 && second <= 59 && ms >= 0)) return NaN;
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

let lastText: string | undefined;
let lastMillis = NaN;

/** Epoch ms of an ISO-8601 date-time with a zone, else NaN. Remembers the last answer: clean asks twice per sample. */
export function isoMillis(s: string): number {
  if (s === lastText) return lastMillis;
  let ms = canonicalIsoMillis(s);
  if (ms !== ms) ms = ISO_WITH_ZONE.test(s) ? Date.parse(s) : NaN;
  lastText = s;
  lastMillis = ms;
  return ms;
}

export function isIsoDateTimeWithZone(s: string): boolean {
  return !Number.isNaN(isoMillis(s));
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

function compile(allErrors: boolean): Ajv2020 {
  const ajv = new Ajv2020({ allErrors, strict: true, allowUnionTypes: true });
  ajv.addFormat('iso-date-time-with-zone', { type: 'string', validate: isIsoDateTimeWithZone });
  for (const k of ['x-unit', 'x-silver-type', 'x-max-payload-bytes', 'x-topic']) ajv.addKeyword(k);
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
