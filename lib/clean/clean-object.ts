import { createHash } from 'node:crypto';
import { QUARANTINE_COLUMNS, SILVER_TELEMETRY_COLUMNS, CONTRACT_COLUMNS } from '../contract/columns';
import type { ObjectStore } from '../store';
import { gzipLines, UndecodableObjectError } from './lines';
import { writeParquet, type WriterColumn } from './parquet';
import type { Reason } from './reasons';
import type { SilverRows } from './silver-rows';
import type { Compress } from './zstd';
import { dedupeOrder } from './dedupe-order';
import { BronzeReader, type QuarantineRow } from './read-bronze';

export { MAX_PAYLOAD_BYTES, MAX_SAMPLES } from './read-bronze';

export interface CleanSettings {
  /** Samples older than received_at minus this many days are `stale_timestamp`. */
  maxLatenessDays: number;
  /** Samples later than received_at plus this are `future_timestamp` (contract: 5 min). */
  futureToleranceMs?: number;
  /** Rows per Parquet row group. */
  rowGroupSize?: number;
}

/** The counts of one object, or added up over a batch: samples = valid + quarantined + duplicates. */
export interface CleanTotals {
  lines: number;
  samples: number;
  valid: number;
  quarantined: number;
  quarantined_by_reason: Partial<Record<Reason, number>>;
  duplicates: number;
  conflicts: number;
  unknown_fields: number;
  bytes_read: number;
}

export interface ObjectStats extends CleanTotals {
  key: string;
  /** Event dates (UTC) with valid rows, sorted. */
  dates: string[];
  /** Largest received_at - ts over valid rows, seconds (0 when none). */
  arrival_lag_max_s: number;
  /** Silver keys written: parts and quarantine. */
  outputs: string[];
}

/** Min/max statistics only where readers prune: the sort keys and the arrival time. */
const STATISTICS_COLUMNS = new Set(['vehicle_id', 'ts', 'received_at', 'source_key', 'reason', 'line_no']);
const DAY_MS = 86_400_000;

/** `<id>` of an object's outputs: the same source key always gives the same id. */
export function partId(sourceKey: string): string {
  return createHash('sha256').update(sourceKey).digest('hex').slice(0, 20);
}

/** Arrival date from a bronze key `telemetry/year=YYYY/month=MM/day=DD/hour=HH/...`, else null. */
export function arrivalDateOfKey(key: string): string | null {
  const m = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//.exec(key);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface CleanObjectDeps {
  bronze: ObjectStore;
  silver: ObjectStore;
  settings: CleanSettings;
  compress: Compress;
}

/**
 * A bronze object could not be read (the store failed, not its bytes): the invocation fails so the Map's retry or a
 * redrive reads it again. The message names the object; `cause` is the store's error.
 */
export class BronzeReadError extends Error {
  override name = 'BronzeReadError';
  constructor(location: string, key: string, cause: unknown) {
    super(`cannot read bronze object ${location}/${key}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/**
 * Reads the lines of one object into the reader. Undecodable bytes (truncated or damaged gzip, zero bytes, not gzip)
 * become one `corrupt_object` record after the lines decoded before the damage; a read error throws BronzeReadError.
 */
async function readObject(key: string, bronze: ObjectStore, reader: BronzeReader): Promise<number> {
  let source: ReturnType<typeof gzipLines>;
  try {
    source = gzipLines(await bronze.getStream(key));
  } catch (err) {
    throw new BronzeReadError(bronze.location, key, err);
  }
  const batches = source.batches[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<string[]>;
    try {
      next = await batches.next();
    } catch (err) {
      if (!(err instanceof UndecodableObjectError)) throw new BronzeReadError(bronze.location, key, err);
      reader.addCorruptObject(`(object): not a complete gzip stream after ${source.bytesRead()} bytes (${err.code}: ${err.message})`, err.partial);
      break;
    }
    if (next.done) break;
    reader.addLines(next.value);
  }
  return source.bytesRead();
}

/** Cleans one bronze object into silver parts (per event date) and quarantine rows (per arrival date). */
export async function cleanObject(key: string, deps: CleanObjectDeps): Promise<ObjectStats> {
  try {
    return await cleanOne(key, deps);
  } catch (err) {
    throw namingObject(key, err);
  }
}

/** The error of a failed object, its message naming the object (a BronzeReadError already does); same name and cause. */
function namingObject(key: string, err: unknown): Error {
  if (err instanceof BronzeReadError) return err;
  const e = new Error(`clean ${key}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  e.name = (err as Error)?.name ?? 'Error';
  return e;
}

async function cleanOne(key: string, deps: CleanObjectDeps): Promise<ObjectStats> {
  const { settings } = deps;
  const reader = new BronzeReader({ maxLatenessDays: settings.maxLatenessDays, futureToleranceMs: settings.futureToleranceMs ?? 5 * 60_000 });
  const bytesRead = await readObject(key, deps.bronze, reader);
  const kept = dedupe(reader);
  const id = partId(key);
  const write = { key, id, deps, rowGroupSize: settings.rowGroupSize ?? 1 << 17 };
  const outputs = [...(await writeSilverParts(reader.rows, kept.byDay, write)), ...(await writeQuarantine(reader.quarantine, write))];
  return {
    key,
    lines: reader.lines,
    samples: reader.samples,
    valid: kept.valid,
    quarantined: reader.quarantine.length,
    quarantined_by_reason: reader.byReason,
    duplicates: kept.duplicates,
    conflicts: kept.conflicts,
    unknown_fields: reader.unknown,
    bytes_read: bytesRead,
    dates: [...kept.byDay.keys()].map((d) => isoDate(d * DAY_MS)),
    arrival_lag_max_s: Math.round(reader.lagMax) / 1000,
    outputs,
  };
}

/**
 * Dedupe on (vehicle_id, ts): in dedupe order the first row of each key (earliest received_at, then line) is kept.
 * A later row with the same values is a duplicate; one with other values is quarantined as a conflict.
 * Returns the kept rows by event day (UTC), days ascending.
 */
function dedupe(reader: BronzeReader): { byDay: Map<number, number[]>; valid: number; duplicates: number; conflicts: number } {
  const { rows } = reader;
  const vidCol = rows.columns[CONTRACT_COLUMNS.findIndex((c) => c.name === 'vehicle_id')] as string[];
  const tsCol = rows.columns[CONTRACT_COLUMNS.findIndex((c) => c.name === 'ts')] as Float64Array;
  const order = dedupeOrder(vidCol, tsCol, rows.receivedAt, rows.length);
  const byDay = new Map<number, number[]>();
  let duplicates = 0;
  let conflicts = 0;
  let first = -1;
  for (const i of order) {
    if (first >= 0 && vidCol[i] === vidCol[first] && tsCol[i] === tsCol[first]) {
      if (rows.sameValues(first, i)) {
        duplicates++;
      } else {
        conflicts++;
        reader.addQuarantine({
          line_no: rows.lineNo[i]!,
          received_at: rows.receivedAt[i]!,
          vehicle_id: vidCol[i]!,
          reason: 'conflict',
          detail: `(vehicle_id, ts): differs from the version received at ${new Date(rows.receivedAt[first]!).toISOString()} (line ${rows.lineNo[first]}), which was kept`,
          raw: JSON.stringify({ ...rows.sampleAt(i), received_at: rows.receivedAt[i] }),
        });
      }
      continue;
    }
    first = i;
    const day = Math.floor(tsCol[i]! / DAY_MS);
    let list = byDay.get(day);
    if (!list) byDay.set(day, (list = []));
    list.push(i);
  }
  const sorted = new Map([...byDay].sort((a, b) => a[0] - b[0]));
  return { byDay: sorted, valid: rows.length - duplicates - conflicts, duplicates, conflicts };
}

interface WriteContext {
  key: string;
  id: string;
  deps: CleanObjectDeps;
  rowGroupSize: number;
}

/** One silver part per event date: `telemetry_parts/dt=<date>/part-<id>.parquet`. */
async function writeSilverParts(rows: SilverRows, byDay: ReadonlyMap<number, number[]>, w: WriteContext): Promise<string[]> {
  const outputs: string[] = [];
  for (const [day, idx] of byDay) {
    const out = `telemetry_parts/dt=${isoDate(day * DAY_MS)}/part-${w.id}.parquet`;
    const body = writeParquet(SILVER_TELEMETRY_COLUMNS, idx.length, (start, end) => rows.select(idx.slice(start, end), SILVER_TELEMETRY_COLUMNS, w.key), {
      compress: w.deps.compress,
      rowGroupSize: w.rowGroupSize,
      statisticsColumns: STATISTICS_COLUMNS,
    });
    await w.deps.silver.put(out, body, { contentType: 'application/vnd.apache.parquet' });
    outputs.push(out);
  }
  return outputs;
}

/** One quarantine part per arrival date (the key's date when a row has no received_at): `quarantine/dt=<date>/part-<id>.parquet`. */
async function writeQuarantine(quarantine: readonly QuarantineRow[], w: WriteContext): Promise<string[]> {
  const keyDate = arrivalDateOfKey(w.key);
  const qByDate = new Map<string, QuarantineRow[]>();
  for (const q of quarantine) {
    const dt = q.received_at !== null ? isoDate(q.received_at) : (keyDate ?? '1970-01-01');
    let list = qByDate.get(dt);
    if (!list) qByDate.set(dt, (list = []));
    list.push(q);
  }
  const outputs: string[] = [];
  for (const dt of [...qByDate.keys()].sort()) {
    const list = qByDate.get(dt)!.sort((a, b) => a.line_no - b.line_no || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0) || (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0));
    const data = (s: number, e: number): WriterColumn[] => {
      const part = list.slice(s, e);
      return QUARANTINE_COLUMNS.map((c): WriterColumn => {
        switch (c.name) {
          case 'source_key':
            return { kind: 'string', values: part.map(() => w.key) };
          case 'line_no':
            return { kind: 'number', values: Float64Array.from(part, (q) => q.line_no) };
          case 'received_at':
            return { kind: 'number', values: Float64Array.from(part, (q) => q.received_at ?? NaN) };
          default:
            return { kind: 'string', values: part.map((q) => q[c.name as 'vehicle_id' | 'reason' | 'detail' | 'raw'] ?? null) };
        }
      });
    };
    const out = `quarantine/dt=${dt}/part-${w.id}.parquet`;
    const body = writeParquet(QUARANTINE_COLUMNS, list.length, data, { compress: w.deps.compress, rowGroupSize: w.rowGroupSize, statisticsColumns: STATISTICS_COLUMNS });
    await w.deps.silver.put(out, body, { contentType: 'application/vnd.apache.parquet' });
    outputs.push(out);
  }
  return outputs;
}
