import schema from '../contract/telemetry.v1.schema.json' with { type: 'json' };
import { MAX_JSON_DEPTH, tooDeep, valueNestingDepth } from '../contract/json-depth';
import { contractValidator, TS_MAX_MS } from '../contract/validator';
import { landedNonJson } from './landed';
import { rejectionFromErrors, type Reason } from './reasons';
import { SilverRows, tsMillis, type Sample } from './silver-rows';

/** The contract's limits per message: payload bytes (`x-max-payload-bytes`) and samples per envelope (`maxItems`). */
export const MAX_PAYLOAD_BYTES: number = schema['x-max-payload-bytes'];
export const MAX_SAMPLES: number = schema.$defs.envelope.properties.samples.maxItems;
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

/** An arrival time the lake can store (integer epoch ms, 1970 … 9999, like an integer `ts`), else null. */
const arrivalMs = (v: unknown): number | null => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= TS_MAX_MS ? (v as number) : null);

/** True when a parsed value nests deeper than `room` levels (the contract's limit minus the levels above it). */
const deeperThan = (v: unknown, room: number): boolean => typeof v === 'object' && v !== null && valueNestingDepth(v, room) > room;

/** A quarantine row for a whole line (it could not be exploded into samples). */
function lineRow(lineNo: number, line: string, msg: Record<string, unknown>, reason: Reason, detail: string): QuarantineRow {
  const topic = msg.topic_vehicle_id;
  return {
    line_no: lineNo,
    received_at: arrivalMs(msg.received_at),
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
      // A payload the landing could not project may be JSON that is only too deep: that is its reason then.
      const deep = tooDeep(landed.raw);
      this.samples++;
      this.reject({
        line_no: lineNo,
        received_at: arrivalMs(landed.received_at),
        vehicle_id: landed.topic_vehicle_id,
        reason: deep ? 'too_deep' : 'invalid_json',
        detail: deep ? `(message): nested deeper than ${MAX_JSON_DEPTH} levels (landed as raw_payload)` : landed.detail,
        raw: landed.raw,
      });
      return;
    }
    if (!isObject(msg)) {
      this.samples++;
      this.reject({ line_no: lineNo, received_at: null, vehicle_id: null, reason: 'invalid_json', detail: '(message): must be a JSON object', raw: line });
      return;
    }
    const topic = msg.topic_vehicle_id;
    const rec = arrivalMs(msg.received_at);
    if (typeof topic !== 'string' || rec === null) {
      this.samples++;
      this.reject(lineRow(lineNo, line, msg, 'missing_field', 'topic_vehicle_id/received_at: must be added by the ingest rule (string, integer epoch ms)'));
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
    // Envelope fields: counted when unknown, and none may nest deeper than the contract allows (the samples are
    // checked one by one below, so a deep one costs only itself).
    let unknown = 0;
    for (const k in msg) {
      if (!ENVELOPE_KNOWN.has(k)) unknown++;
      if (k !== 'samples' && deeperThan(msg[k], MAX_JSON_DEPTH - 1)) {
        this.samples++;
        this.reject(lineRow(lineNo, line, msg, 'too_deep', `${k}: nested deeper than ${MAX_JSON_DEPTH} levels (counted from the message)`));
        return;
      }
    }
    this.unknown += unknown;
    const list = env as unknown[];
    for (let i = 0; i < list.length; i++) this.addSample(lineNo, line, list[i], msg, topic, rec);
  }

  /** One sample; `envelope` is its message when it came in `samples` (undefined for a bare sample, which is the line). */
  private addSample(lineNo: number, line: string, item: unknown, envelope: Record<string, unknown> | undefined, topic: string, rec: number): void {
    this.samples++;
    // Levels the sample may still use: an envelope sample sits at level 3 (message, samples, sample).
    const room = envelope ? MAX_JSON_DEPTH - 2 : MAX_JSON_DEPTH;
    if (!isObject(item)) {
      if (deeperThan(item, room)) this.rejectDeep(lineNo, line, envelope !== undefined, rec, topic);
      else this.reject({ line_no: lineNo, received_at: rec, vehicle_id: topic, reason: 'wrong_type', detail: '(sample): must be object', raw: JSON.stringify(item) });
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
      const vehicle = typeof s.vehicle_id === 'string' ? s.vehicle_id : topic;
      // A rejected sample is serialised for `raw`, and JSON.stringify recurses: check its depth first (rare path).
      if (deeperThan(s, room)) this.rejectDeep(lineNo, line, envelope !== undefined, rec, vehicle);
      else this.reject({ line_no: lineNo, received_at: rec, vehicle_id: vehicle, reason, detail, raw: envelope ? JSON.stringify({ ...s, topic_vehicle_id: topic, received_at: rec }) : line });
      return;
    }
    // Unknown fields: keys that are neither contract fields nor the two the ingest rule adds.
    const contractFields = this.rows.append(s, ts, rec, lineNo);
    let keys = 0;
    for (const _ in s) keys++;
    const unknown = keys > contractFields ? keys - contractFields - ('topic_vehicle_id' in s ? 1 : 0) - ('received_at' in s ? 1 : 0) : 0;
    // Validated contract fields nest one level at most (dtc), so only a sample with unknown fields can be too deep.
    if (unknown > 0 && deeperThan(s, room)) {
      this.rows.dropLast();
      this.rejectDeep(lineNo, line, envelope !== undefined, rec, s.vehicle_id as string);
      return;
    }
    this.unknown += unknown;
    if (rec - ts > this.lagMax) this.lagMax = rec - ts;
  }

  /** A sample nested deeper than the contract allows; `raw` is the line as landed, since the sample cannot be serialised safely. */
  private rejectDeep(lineNo: number, line: string, inEnvelope: boolean, rec: number, vehicle: string): void {
    const detail = inEnvelope
      ? `(sample): nested deeper than ${MAX_JSON_DEPTH} levels counted from the message (raw is the whole line; its other samples are cleaned as usual)`
      : `(message): nested deeper than ${MAX_JSON_DEPTH} levels`;
    this.reject({ line_no: lineNo, received_at: rec, vehicle_id: vehicle, reason: 'too_deep', detail, raw: line });
  }

  /**
   * The rest of the object could not be decoded: one record, quarantined as `corrupt_object` at the first line not
   * decoded completely, with what was decoded of it as `raw`. The lines before it were added as usual.
   */
  addCorruptObject(detail: string, partial: string): void {
    this.samples++;
    this.reject({ line_no: this.lineNo + 1, received_at: null, vehicle_id: null, reason: 'corrupt_object', detail, raw: partial });
  }

  /** Quarantines a row found after reading (a dropped conflict). */
  addQuarantine(q: QuarantineRow): void {
    this.reject(q);
  }
}
