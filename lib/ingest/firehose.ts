import { randomUUID } from 'node:crypto';

/**
 * How Firehose names and batches bronze objects; the local landing reproduces it.
 * Prefix (arrival time, UTC): `telemetry/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/`.
 * Name: `<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>.gz`. Both use the arrival time of the OLDEST
 * record in the object, so one object never spans two prefixes even if the buffer crosses the hour.
 */
export const BRONZE_TELEMETRY_PREFIX = 'telemetry/';
export const FIREHOSE_PREFIX =
  'telemetry/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/';
export const FIREHOSE_ERROR_PREFIX =
  'errors/firehose/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/';
export const IOT_ERROR_PREFIX = 'errors/iot/';
export const LOCAL_STREAM_NAME = 'fleetlake-local-telemetry';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `telemetry/year=YYYY/month=MM/day=DD/hour=HH/` for an arrival time (epoch ms). */
export function bronzePrefix(arrivalMs: number): string {
  const d = new Date(arrivalMs);
  return `${BRONZE_TELEMETRY_PREFIX}year=${d.getUTCFullYear()}/month=${pad(d.getUTCMonth() + 1)}/day=${pad(d.getUTCDate())}/hour=${pad(d.getUTCHours())}/`;
}

export interface ObjectNameParts {
  stream: string;
  version: number;
  /** Arrival time of the oldest record (epoch ms). */
  arrivalMs: number;
  uuid?: string;
}

/** Full bronze key: prefix + `<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>.gz`. */
export function bronzeObjectKey({ stream, version, arrivalMs, uuid = randomUUID() }: ObjectNameParts): string {
  const d = new Date(arrivalMs);
  const stamp = [d.getUTCFullYear(), pad(d.getUTCMonth() + 1), pad(d.getUTCDate()), pad(d.getUTCHours()), pad(d.getUTCMinutes()), pad(d.getUTCSeconds())].join('-');
  return `${bronzePrefix(arrivalMs)}${stream}-${version}-${stamp}-${uuid}.gz`;
}

const KEY = /^telemetry\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\/(.+)-(\d+)-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-([0-9a-f-]{36})\.gz$/;

/** Parses a bronze telemetry key; null when it is not one. `arrivalMs` has second precision. */
export function parseBronzeObjectKey(key: string): { stream: string; version: number; arrivalMs: number; uuid: string; hourPrefix: string } | null {
  const m = KEY.exec(key);
  if (!m) return null;
  const [, , , , , stream, version, y, mo, d, h, mi, s, uuid] = m;
  return {
    stream: stream!,
    version: Number(version),
    arrivalMs: Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)),
    uuid: uuid!,
    hourPrefix: key.slice(0, key.lastIndexOf('/') + 1),
  };
}
