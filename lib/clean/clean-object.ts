import { createHash } from 'node:crypto';
import { QUARANTINE_COLUMNS, SILVER_TELEMETRY_COLUMNS, CONTRACT_COLUMNS } from '../contract/columns';
import { contractValidator } from '../contract/validator';
import type { ObjectStore } from '../store';
import { gzipLines } from './lines';
import { writeParquet, type WriterColumn } from './parquet';
import { rejectionFromErrors, type Reason } from './reasons';
import { SilverRows, tsMillis, type Sample } from './silver-rows';
import type { Compress } from './zstd';
import { landedNonJson } from './landed';
import { dedupeOrder } from './dedupe-order';

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

export const MAX_PAYLOAD_BYTES = 131072;
export const MAX_SAMPLES = 500;
const DAY_MS = 86_400_000;
/** Min/max statistics only where readers prune: the sort keys and the arrival time. */
const STATISTICS_COLUMNS = new Set(['vehicle_id', 'ts', 'received_at', 'source_key', 'reason', 'line_no']);
const ENVELOPE_KNOWN = new Set(['vehicle_id', 'samples', 'topic_vehicle_id', 'received_at']);

interface QuarantineRow {
  line_no: number;
  received_at: number | null;
  vehicle_id: string | null;
  reason: Reason;
  detail: string | null;
  raw: string;
}

/** `<id>` of an object's outputs: the same source key always gives the same id. */
export function partId(sourceKey: string): string {
  return createHash('sha256').update(sourceKey).digest('hex').slice(0, 20);
}

/** Arrival date from a bronze key `telemetry/year=YYYY/month=MM/day=DD/hour=HH/...`, else null. */
export function arrivalDateOfKey(key: string): string | null {
  const m = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//.exec(key);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/** A quarantine row for a whole line (it could not be exploded into samples). */
function lineRow(lineNo: number, line: string, msg: Record<string, unknown>, reason: Reason, detail: string): QuarantineRow {
  const rec = msg.received_at;
  const topic = msg.topic_vehicle_id;
  return {
    line_no: lineNo,
    received_at: typeof rec === 'number' && Number.isFinite(rec) ? rec : null,
    vehicle_id: typeof topic === 'string' ? topic : null,
    reason,
    detail,
    raw: line,
  };
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface CleanObjectDeps {
  bronze: ObjectStore;
  silver: ObjectStore;
  settings: CleanSettings;
  compress: Compress;
}

/** Cleans one bronze object into silver parts (per event date) and quarantine rows (per arrival date). */
export async function cleanObject(key: string, deps: CleanObjectDeps): Promise<ObjectStats> {
  const { settings } = deps;
  const validate = contractValidator().sample;
  const futureMs = settings.futureToleranceMs ?? 5 * 60_000;
  const staleMs = settings.maxLatenessDays * DAY_MS;
  const keyDate = arrivalDateOfKey(key);

  const rows = new SilverRows();
  const quarantine: QuarantineRow[] = [];
  const byReason: Partial<Record<Reason, number>> = {};
  let lines = 0;
  let samples = 0;
  let unknown = 0;
  let lagMax = 0;

  const reject = (q: QuarantineRow) => {
    quarantine.push(q);
    byReason[q.reason] = (byReason[q.reason] ?? 0) + 1;
  };

  const source = gzipLines(await deps.bronze.getStream(key));
  let lineNo = 0;
  for await (const batch of source.batches) {
    for (const line of batch) {
      lineNo++;
      if (line === '') continue;
      lines++;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch (err) {
        samples++;
        reject({ line_no: lineNo, received_at: null, vehicle_id: null, reason: 'invalid_json', detail: (err as Error).message, raw: line });
        continue;
      }
      const landed = landedNonJson(msg);
      if (landed) {
        samples++;
        reject({ line_no: lineNo, received_at: landed.received_at, vehicle_id: landed.topic_vehicle_id, reason: 'invalid_json', detail: landed.detail, raw: landed.raw });
        continue;
      }
      if (!isObject(msg)) {
        samples++;
        reject({ line_no: lineNo, received_at: null, vehicle_id: null, reason: 'invalid_json', detail: '(message): must be a JSON object', raw: line });
        continue;
      }
      const topic = msg.topic_vehicle_id;
      const rec = msg.received_at;
      if (typeof topic !== 'string' || typeof rec !== 'number' || !Number.isFinite(rec)) {
        samples++;
        reject(lineRow(lineNo, line, msg, 'missing_field', 'topic_vehicle_id/received_at: must be added by the ingest rule (string, epoch ms)'));
        continue;
      }
      if (line.length * 3 > MAX_PAYLOAD_BYTES) {
        const added = Buffer.byteLength(`"topic_vehicle_id":${JSON.stringify(topic)},"received_at":${rec},`);
        const payloadBytes = Buffer.byteLength(line) - added;
        if (payloadBytes > MAX_PAYLOAD_BYTES) {
          samples++;
          reject(lineRow(lineNo, line, msg, 'payload_too_large', `(message): ${payloadBytes} bytes > ${MAX_PAYLOAD_BYTES}`));
          continue;
        }
      }

      const isEnvelope = 'samples' in msg;
      let list: unknown[];
      if (isEnvelope) {
        const env = msg.samples;
        const problem: [Reason, string] | null = !Array.isArray(env)
          ? ['wrong_type', 'samples: must be array']
          : env.length > MAX_SAMPLES
            ? ['too_many_samples', `samples: must NOT have more than ${MAX_SAMPLES} items (has ${env.length})`]
            : env.length === 0
              ? ['out_of_range', 'samples: must NOT have fewer than 1 items']
              : null;
        if (problem) {
          samples++;
          reject(lineRow(lineNo, line, msg, problem[0], problem[1]));
          continue;
        }
        for (const k in msg) if (!ENVELOPE_KNOWN.has(k)) unknown++;
        list = env as unknown[];
      } else {
        list = [msg];
      }

      for (const item of list) {
        samples++;
        if (!isObject(item)) {
          reject({ line_no: lineNo, received_at: rec, vehicle_id: topic, reason: 'wrong_type', detail: '(sample): must be object', raw: JSON.stringify(item) });
          continue;
        }
        const s: Sample = item;
        if (isEnvelope && (s.vehicle_id === undefined || s.vehicle_id === null) && msg.vehicle_id !== undefined) s.vehicle_id = msg.vehicle_id;
        let reason: Reason | null = null;
        let detail = '';
        let ts = NaN;
        if (!validate(s)) {
          ({ reason, detail } = rejectionFromErrors(validate.errors ?? [], s));
        } else if (s.vehicle_id !== topic) {
          reason = 'vehicle_mismatch';
          detail = `vehicle_id: ${JSON.stringify(s.vehicle_id)} differs from the topic's ${JSON.stringify(topic)}`;
        } else {
          ts = tsMillis(s.ts);
          if (ts > rec + futureMs) {
            reason = 'future_timestamp';
            detail = `ts: ${new Date(ts).toISOString()} is more than ${futureMs / 1000} s after received_at ${new Date(rec).toISOString()}`;
          } else if (ts < rec - staleMs) {
            reason = 'stale_timestamp';
            detail = `ts: ${new Date(ts).toISOString()} is more than ${settings.maxLatenessDays} days before received_at ${new Date(rec).toISOString()}`;
          }
        }
        if (reason) {
          const raw = isEnvelope ? JSON.stringify({ ...s, topic_vehicle_id: topic, received_at: rec }) : line;
          reject({ line_no: lineNo, received_at: rec, vehicle_id: typeof s.vehicle_id === 'string' ? s.vehicle_id : topic, reason, detail, raw });
          continue;
        }
        if (rec - ts > lagMax) lagMax = rec - ts;
        // Unknown fields: keys that are neither contract fields nor the two the ingest rule adds.
        const contractFields = rows.append(s, ts, rec, lineNo);
        let keys = 0;
        for (const _ in s) keys++;
        if (keys > contractFields) unknown += keys - contractFields - ('topic_vehicle_id' in s ? 1 : 0) - ('received_at' in s ? 1 : 0);
      }
    }
  }

  // Dedupe on (vehicle_id, ts): sort, then the first of each key (earliest received_at, then line) wins.
  const vidCol = rows.columns[CONTRACT_COLUMNS.findIndex((c) => c.name === 'vehicle_id')] as string[];
  const tsCol = rows.columns[CONTRACT_COLUMNS.findIndex((c) => c.name === 'ts')] as Float64Array;
  const order = dedupeOrder(vidCol, tsCol, rows.receivedAt, rows.length);
  const keptByDay = new Map<number, number[]>();
  let duplicates = 0;
  let conflicts = 0;
  let first = -1;
  for (const i of order) {
    if (first >= 0 && vidCol[i] === vidCol[first] && tsCol[i] === tsCol[first]) {
      if (rows.sameValues(first, i)) {
        duplicates++;
      } else {
        conflicts++;
        reject({
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
    let list = keptByDay.get(day);
    if (!list) keptByDay.set(day, (list = []));
    list.push(i);
  }

  // Write: one silver part per event date, one quarantine part per arrival date.
  const id = partId(key);
  const outputs: string[] = [];
  const rowGroupSize = settings.rowGroupSize ?? 1 << 17;
  const days = [...keptByDay.keys()].sort((a, b) => a - b);
  let valid = 0;
  for (const day of days) {
    const idx = keptByDay.get(day)!;
    valid += idx.length;
    const out = `telemetry_parts/dt=${isoDate(day * DAY_MS)}/part-${id}.parquet`;
    const body = writeParquet(SILVER_TELEMETRY_COLUMNS, idx.length, (start, end) => rows.select(idx.slice(start, end), SILVER_TELEMETRY_COLUMNS, key), {
      compress: deps.compress,
      rowGroupSize,
      statisticsColumns: STATISTICS_COLUMNS,
    });
    await deps.silver.put(out, body, { contentType: 'application/vnd.apache.parquet' });
    outputs.push(out);
  }
  const qByDate = new Map<string, QuarantineRow[]>();
  for (const q of quarantine) {
    const dt = q.received_at !== null ? isoDate(q.received_at) : (keyDate ?? '1970-01-01');
    let list = qByDate.get(dt);
    if (!list) qByDate.set(dt, (list = []));
    list.push(q);
  }
  for (const dt of [...qByDate.keys()].sort()) {
    const list = qByDate.get(dt)!.sort((a, b) => a.line_no - b.line_no || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0) || (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0));
    const data = (s: number, e: number): WriterColumn[] => {
      const part = list.slice(s, e);
      return QUARANTINE_COLUMNS.map((c): WriterColumn => {
        switch (c.name) {
          case 'source_key':
            return { kind: 'string', values: part.map(() => key) };
          case 'line_no':
            return { kind: 'number', values: Float64Array.from(part, (q) => q.line_no) };
          case 'received_at':
            return { kind: 'number', values: Float64Array.from(part, (q) => q.received_at ?? NaN) };
          default:
            return { kind: 'string', values: part.map((q) => q[c.name as 'vehicle_id' | 'reason' | 'detail' | 'raw'] ?? null) };
        }
      });
    };
    const out = `quarantine/dt=${dt}/part-${id}.parquet`;
    await deps.silver.put(out, writeParquet(QUARANTINE_COLUMNS, list.length, data, { compress: deps.compress, rowGroupSize, statisticsColumns: STATISTICS_COLUMNS }), { contentType: 'application/vnd.apache.parquet' });
    outputs.push(out);
  }

  return {
    key,
    lines,
    samples,
    valid,
    quarantined: quarantine.length,
    quarantined_by_reason: byReason,
    duplicates,
    conflicts,
    unknown_fields: unknown,
    bytes_read: source.bytesRead(),
    dates: days.map((d) => isoDate(d * DAY_MS)),
    arrival_lag_max_s: Math.round(lagMax) / 1000,
    outputs,
  };
}
