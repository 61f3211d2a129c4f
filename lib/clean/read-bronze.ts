import { contractValidator } from '../contract/validator';
import { landedNonJson } from './landed';
import { rejectionFromErrors, type Reason } from './reasons';
import { SilverRows, tsMillis, type Sample } from './silver-rows';

export const MAX_PAYLOAD_BYTES = 131072;
export const MAX_SAMPLES = 500;
const DAY_MS = 86_400_000;
const ENVELOPE_KNOWN = new Set(['vehicle_id', 'samples', 'topic_vehicle_id', 'received_at']);

export interface QuarantineRow {
  line_no: number;
  received_at: number | null;
  vehicle_id: string | null;
  reason: Reason;
  detail: string | null;
  raw: string;
}

export interface ReadSettings {
  /** Samples older than received_at minus this many days are `stale_timestamp`. */
  maxLatenessDays: number;
  /** Samples later than received_at plus this are `future_timestamp`. */
  futureToleranceMs: number;
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses and validates the lines of one bronze object, in order: valid samples go to `rows`, every other input
 * to `quarantine` with its reason. The work per line and per sample sits in small methods so V8 optimises them
 * once and keeps them, instead of re-optimising one large async function for every object.
 */
export class BronzeReader {
  readonly rows = new SilverRows();
  readonly quarantine: QuarantineRow[] = [];
  readonly byReason: Partial<Record<Reason, number>> = {};
  lines = 0;
  samples = 0;
  unknown = 0;
  /** Largest received_at - ts over valid rows, ms. */
  lagMax = 0;
  private lineNo = 0;
  private readonly validator = contractValidator();
  private readonly futureMs: number;
  private readonly staleMs: number;
  private readonly maxLatenessDays: number;

  constructor(settings: ReadSettings) {
    this.futureMs = settings.futureToleranceMs;
    this.staleMs = settings.maxLatenessDays * DAY_MS;
    this.maxLatenessDays = settings.maxLatenessDays;
  }

  /** The next lines of the object (empty lines count for line numbers only). */
  addLines(batch: readonly string[]): void {
    for (let i = 0; i < batch.length; i++) {
      const line = batch[i]!;
      this.lineNo++;
      if (line !== '') this.addLine(this.lineNo, line);
    }
  }

  private reject(q: QuarantineRow): void {
    this.quarantine.push(q);
    this.byReason[q.reason] = (this.byReason[q.reason] ?? 0) + 1;
  }

  private addLine(lineNo: number, line: string): void {
    this.lines++;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch (err) {
      this.samples++;
      this.reject({ line_no: lineNo, received_at: null, vehicle_id: null, reason: 'invalid_json', detail: (err as Error).message, raw: line });
      return;
    }
    const landed = landedNonJson(msg);
    if (landed) {
      this.samples++;
      this.reject({ line_no: lineNo, received_at: landed.received_at, vehicle_id: landed.topic_vehicle_id, reason: 'invalid_json', detail: landed.detail, raw: landed.raw });
      return;
    }
    if (!isObject(msg)) {
      this.samples++;
      this.reject({ line_no: lineNo, received_at: null, vehicle_id: null, reason: 'invalid_json', detail: '(message): must be a JSON object', raw: line });
      return;
    }
    const topic = msg.topic_vehicle_id;
    const rec = msg.received_at;
    if (typeof topic !== 'string' || typeof rec !== 'number' || !Number.isFinite(rec)) {
      this.samples++;
      this.reject(lineRow(lineNo, line, msg, 'missing_field', 'topic_vehicle_id/received_at: must be added by the ingest rule (string, epoch ms)'));
      return;
    }
    if (line.length * 3 > MAX_PAYLOAD_BYTES) {
      const added = Buffer.byteLength(`"topic_vehicle_id":${JSON.stringify(topic)},"received_at":${rec},`);
      const payloadBytes = Buffer.byteLength(line) - added;
      if (payloadBytes > MAX_PAYLOAD_BYTES) {
        this.samples++;
        this.reject(lineRow(lineNo, line, msg, 'payload_too_large', `(message): ${payloadBytes} bytes > ${MAX_PAYLOAD_BYTES}`));
        return;
      }
    }
    if (!('samples' in msg)) {
      this.addSample(lineNo, line, msg, undefined, topic, rec);
      return;
    }
    const env = msg.samples;
    const problem: [Reason, string] | null = !Array.isArray(env)
      ? ['wrong_type', 'samples: must be array']
      : env.length > MAX_SAMPLES
        ? ['too_many_samples', `samples: must NOT have more than ${MAX_SAMPLES} items (has ${env.length})`]
        : env.length === 0
          ? ['out_of_range', 'samples: must NOT have fewer than 1 items']
          : null;
    if (problem) {
      this.samples++;
      this.reject(lineRow(lineNo, line, msg, problem[0], problem[1]));
      return;
    }
    for (const k in msg) if (!ENVELOPE_KNOWN.has(k)) this.unknown++;
    const list = env as unknown[];
    for (let i = 0; i < list.length; i++) this.addSample(lineNo, line, list[i], msg, topic, rec);
  }

  /** One sample; `envelope` is its message when it came in `samples` (undefined for a bare sample, which is the line). */
  private addSample(lineNo: number, line: string, item: unknown, envelope: Record<string, unknown> | undefined, topic: string, rec: number): void {
    this.samples++;
    if (!isObject(item)) {
      this.reject({ line_no: lineNo, received_at: rec, vehicle_id: topic, reason: 'wrong_type', detail: '(sample): must be object', raw: JSON.stringify(item) });
      return;
    }
    const s: Sample = item;
    if (envelope && (s.vehicle_id === undefined || s.vehicle_id === null) && envelope.vehicle_id !== undefined) s.vehicle_id = envelope.vehicle_id;
    let reason: Reason | null = null;
    let detail = '';
    let ts = NaN;
    if (!this.validator.isValidSample(s)) {
      const { sample } = this.validator;
      sample(s);
      ({ reason, detail } = rejectionFromErrors(sample.errors ?? [], s));
    } else if (s.vehicle_id !== topic) {
      reason = 'vehicle_mismatch';
      detail = `vehicle_id: ${JSON.stringify(s.vehicle_id)} differs from the topic's ${JSON.stringify(topic)}`;
    } else {
      ts = tsMillis(s.ts);
      if (ts > rec + this.futureMs) {
        reason = 'future_timestamp';
        detail = `ts: ${new Date(ts).toISOString()} is more than ${this.futureMs / 1000} s after received_at ${new Date(rec).toISOString()}`;
      } else if (ts < rec - this.staleMs) {
        reason = 'stale_timestamp';
        detail = `ts: ${new Date(ts).toISOString()} is more than ${this.maxLatenessDays} days before received_at ${new Date(rec).toISOString()}`;
      }
    }
    if (reason) {
      const raw = envelope ? JSON.stringify({ ...s, topic_vehicle_id: topic, received_at: rec }) : line;
      this.reject({ line_no: lineNo, received_at: rec, vehicle_id: typeof s.vehicle_id === 'string' ? s.vehicle_id : topic, reason, detail, raw });
      return;
    }
    if (rec - ts > this.lagMax) this.lagMax = rec - ts;
    // Unknown fields: keys that are neither contract fields nor the two the ingest rule adds.
    const contractFields = this.rows.append(s, ts, rec, lineNo);
    let keys = 0;
    for (const _ in s) keys++;
    if (keys > contractFields) this.unknown += keys - contractFields - ('topic_vehicle_id' in s ? 1 : 0) - ('received_at' in s ? 1 : 0);
  }

  /** Quarantines a row found after reading (a dropped conflict). */
  addQuarantine(q: QuarantineRow): void {
    this.reject(q);
  }
}
