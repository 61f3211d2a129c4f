import { MAX_JSON_DEPTH, tooDeep } from '../contract/json-depth';

/**
 * The IoT topic rule, as data: `SELECT *, topic(2) AS topic_vehicle_id, timestamp() AS received_at
 * FROM 'fleet/+/telemetry'`. resources/ingest.yml holds the same SQL for AWS; the local landing
 * applies `projectMessage` so both runtimes write identical bronze lines.
 */
export const RULE_SQL = "SELECT *, topic(2) AS topic_vehicle_id, timestamp() AS received_at FROM 'fleet/+/telemetry'";
export const TOPIC_FILTER = 'fleet/+/telemetry';

/** Basic Ingest: `$aws/rules/<rule name>/fleet/<vehicle>/telemetry` reaches the rule without the broker. */
const BASIC_INGEST = /^\$aws\/rules\/[A-Za-z0-9_]+\/(fleet\/[^/]+\/telemetry)$/;
const TELEMETRY = /^fleet\/([^/#+]+)\/telemetry$/;

/**
 * The topic as the rule sees it (the Basic Ingest prefix removed), or null when the rule does not match.
 * Returns the vehicle id = `topic(2)`.
 */
export function ruleTopicVehicleId(topic: string): string | null {
  const basic = BASIC_INGEST.exec(topic);
  const m = TELEMETRY.exec(basic ? basic[1]! : topic);
  return m ? m[1]! : null;
}

export function telemetryTopic(vehicleId: string, basicIngestRule?: string): string {
  return basicIngestRule ? `$aws/rules/${basicIngestRule}/fleet/${vehicleId}/telemetry` : `fleet/${vehicleId}/telemetry`;
}

/**
 * A payload that is not a JSON object is landed as this line, so it is never dropped silently
 * and the clean step can quarantine it (reason `invalid_json`) with its raw text:
 *   {"raw_payload":"<text>","raw_payload_encoding":"utf8","topic_vehicle_id":"V1","received_at":1772359200000}
 * `raw_payload_encoding` is "base64" when the bytes are not valid UTF-8. Exactly these four keys.
 */
export interface InvalidJsonLine {
  raw_payload: string;
  raw_payload_encoding: 'utf8' | 'base64';
  topic_vehicle_id: string;
  received_at: number;
}

export const INVALID_JSON_REASON = 'invalid_json';
const INVALID_JSON_KEYS = ['raw_payload', 'raw_payload_encoding', 'topic_vehicle_id', 'received_at'];

/** True when a parsed bronze line is the landed form of a non-JSON (or non-object) payload. */
export function isInvalidJsonLine(line: unknown): line is InvalidJsonLine {
  if (typeof line !== 'object' || line === null || Array.isArray(line)) return false;
  const o = line as Record<string, unknown>;
  const keys = Object.keys(o);
  return (
    keys.length === INVALID_JSON_KEYS.length &&
    INVALID_JSON_KEYS.every((k) => k in o) &&
    typeof o.raw_payload === 'string' &&
    (o.raw_payload_encoding === 'utf8' || o.raw_payload_encoding === 'base64')
  );
}

/** The payload bytes exactly as they arrived. */
export function rawPayloadBytes(line: InvalidJsonLine): Buffer {
  return Buffer.from(line.raw_payload, line.raw_payload_encoding === 'base64' ? 'base64' : 'utf8');
}

export interface ProjectedMessage {
  /** One NDJSON line, without the trailing newline. */
  line: string;
  /** Samples carried: envelope length, 1 for a sample, 0 for an invalid payload. */
  samples: number;
  valid: boolean;
}

/**
 * `ProjectedMessage` as the landing writes it: the line is the bytes `head` (a slice of the payload, not a
 * copy) followed by the UTF-8 text `tail`, so it is copied once, into the landing's buffer.
 */
export interface ProjectedParts {
  head: Buffer;
  tail: string;
  samples: number;
  valid: boolean;
}

const NO_BYTES = Buffer.alloc(0);

const utf8 = new TextDecoder('utf-8', { fatal: true });
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const LINE_BREAKS = [Buffer.from('\n'), Buffer.from('\r'), Buffer.from('\u2028'), Buffer.from('\u2029')];
const isJsonSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * True when `bytes` holds more than `limit` of `{` and `[` (inside strings or not): an upper bound of the
 * nesting depth, found with native searches. Only a payload over it needs the exact count (`tooDeep`).
 */
function moreBracketsThan(bytes: Buffer, limit: number): boolean {
  let n = 0;
  for (const b of [0x7b, 0x5b]) {
    for (let i = bytes.indexOf(b); i >= 0; i = bytes.indexOf(b, i + 1)) if (++n > limit) return true;
  }
  return false;
}

/**
 * The rule's projection: the payload object plus `topic_vehicle_id` and `received_at` (epoch ms).
 * Added fields win over payload fields of the same name. The payload text is kept byte for byte
 * when it is a single line (fast path); multi-line JSON is re-serialised onto one line.
 * A payload nested deeper than the contract's `x-max-depth` is landed raw (like non-JSON), so no
 * recursive step ever sees it and clean quarantines it as `too_deep`.
 */
export function projectMessageParts(topicVehicleId: string, payload: Uint8Array, receivedAt: number): ProjectedParts {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  let text: string | undefined;
  let parsed: unknown;
  try {
    text = utf8.decode(bytes);
    if (!(moreBracketsThan(bytes, MAX_JSON_DEPTH) && tooDeep(text))) parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (text === undefined || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const invalid: InvalidJsonLine = {
      raw_payload: text ?? bytes.toString('base64'),
      raw_payload_encoding: text === undefined ? 'base64' : 'utf8',
      topic_vehicle_id: topicVehicleId,
      received_at: receivedAt,
    };
    return { head: NO_BYTES, tail: JSON.stringify(invalid), samples: 0, valid: false };
  }
  const obj = parsed as Record<string, unknown>;
  const samples = Array.isArray(obj.samples) ? obj.samples.length : 1;
  const added = `"topic_vehicle_id":${JSON.stringify(topicVehicleId)},"received_at":${receivedAt}`;
  if (!('topic_vehicle_id' in obj || 'received_at' in obj)) {
    // The object's bytes without surrounding JSON whitespace (and the BOM the decoder skipped).
    let start = bytes.subarray(0, 3).equals(BOM) ? 3 : 0;
    let end = bytes.length;
    while (isJsonSpace(bytes[start]!)) start++;
    while (isJsonSpace(bytes[end - 1]!)) end--;
    const body = bytes.subarray(start, end);
    if (!LINE_BREAKS.some((b) => body.includes(b))) {
      let close = body.length - 1; // the final "}"; spaces before it go
      while (isJsonSpace(body[close - 1]!)) close--;
      const comma = body[close - 1] === 0x7b ? '' : ',';
      return { head: body.subarray(0, close), tail: `${comma}${added}}`, samples, valid: true };
    }
  }
  return { head: NO_BYTES, tail: JSON.stringify({ ...obj, topic_vehicle_id: topicVehicleId, received_at: receivedAt }), samples, valid: true };
}

/** `projectMessageParts` with the line as a string. */
export function projectMessage(topicVehicleId: string, payload: Uint8Array, receivedAt: number): ProjectedMessage {
  const p = projectMessageParts(topicVehicleId, payload, receivedAt);
  return { line: p.head.toString('utf8') + p.tail, samples: p.samples, valid: p.valid };
}
