import type { ObjectStore } from '../store';

/**
 * The pipeline's watermark: the last bronze object (by arrival, then key) a scheduled run has committed.
 * It lives in silver at `_pipeline/watermark.json` and is written only by Commit, after Features succeeded,
 * so a failed, killed, redriven or rerun execution never moves it.
 */
export const WATERMARK_KEY = '_pipeline/watermark.json';

/** A position in arrival order: (LastModified, key). Objects are processed in this order. */
export interface Cursor {
  /** ISO-8601 UTC, millisecond precision (S3 LastModified has second precision; the file store has ms). */
  last_modified: string;
  key: string;
}

export interface WatermarkFile extends Cursor {
  version: 1;
  /** The execution whose Commit wrote it. */
  execution: string;
}

export function compareCursor(a: Cursor, b: Cursor): number {
  const ta = Date.parse(a.last_modified);
  const tb = Date.parse(b.last_modified);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export function isCursor(v: unknown): v is Cursor {
  const c = v as Cursor | null;
  return !!c && typeof c === 'object' && typeof c.key === 'string' && typeof c.last_modified === 'string' && !Number.isNaN(Date.parse(c.last_modified));
}

export async function readWatermark(silver: ObjectStore): Promise<WatermarkFile | null> {
  const body = await silver.getIfExists(WATERMARK_KEY);
  if (!body) return null;
  const parsed = JSON.parse(body.toString('utf8')) as WatermarkFile;
  if (parsed.version !== 1 || !isCursor(parsed)) throw new Error(`${silver.location}/${WATERMARK_KEY} is not a version 1 watermark`);
  return parsed;
}

export async function writeWatermark(silver: ObjectStore, cursor: Cursor, execution: string): Promise<WatermarkFile> {
  const file: WatermarkFile = { version: 1, last_modified: cursor.last_modified, key: cursor.key, execution };
  await silver.put(WATERMARK_KEY, `${JSON.stringify(file, null, 2)}\n`, { contentType: 'application/json' });
  return file;
}
