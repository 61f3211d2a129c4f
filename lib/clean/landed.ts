import { isInvalidJsonLine } from '../ingest/rule';

/** A bronze line that the landing wrote for a payload that was not a JSON object. */
export interface LandedNonJson {
  topic_vehicle_id: string | null;
  received_at: number | null;
  raw: string;
  detail: string;
}

/**
 * Recognises the ingest landing's form of a non-JSON payload (lib/ingest/rule.ts, docs/ingest.md):
 * `{"raw_payload", "raw_payload_encoding", "topic_vehicle_id", "received_at"}`. Null for any other line.
 */
export function landedNonJson(msg: unknown): LandedNonJson | null {
  // Cheap pre-check first: the full test lists the keys, which costs on every line.
  if (typeof (msg as { raw_payload?: unknown } | null)?.raw_payload !== 'string' || !isInvalidJsonLine(msg)) return null;
  return {
    topic_vehicle_id: msg.topic_vehicle_id,
    received_at: Number.isFinite(msg.received_at) ? msg.received_at : null,
    raw: msg.raw_payload,
    detail: `(message): payload is not a JSON object (landed as raw_payload, encoding ${msg.raw_payload_encoding})`,
  };
}
