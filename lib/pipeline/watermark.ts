import type { ObjectStore } from '../store';

/**
 * The pipeline's watermark: the last bronze object (by arrival, then key) a scheduled run has committed, and the
 * gold state of the features cadence (docs/pipeline.md#the-features-cadence).
 * It lives in silver at `_pipeline/watermark.json` and is written only by Commit, after Features succeeded or was
 * deferred, so a failed, killed, redriven or rerun execution never moves it; the write is conditional on the version
 * read (S3 If-Match / If-None-Match, a compare-and-swap in the file store), so overlapping commits never overwrite.
 * Versions: 1 (cursor only, before the cadence) is still read, as "no gold state yet"; Commit writes version 2.
 */
export const WATERMARK_KEY = '_pipeline/watermark.json';

/** A position in arrival order: (LastModified, key). Objects are processed in this order. */
export interface Cursor {
  /** ISO-8601 UTC, millisecond precision (S3 LastModified has second precision; the file store has ms). */
  last_modified: string;
  key: string;
}

/** Where gold stands against silver: what the features job last built, and what it still has to build. */
export interface GoldState {
  /** Gold includes every bronze object that arrived up to this time (ISO-8601); null before the first build. */
  through: string | null;
  /** StartTime of the execution whose Features last ran (the cadence counts from it); null before the first build. */
  built_at: string | null;
  /** Event dates cleaned into silver whose gold is not rebuilt yet (sorted, unique). */
  pending: string[];
}

export const WATERMARK_VERSION = 2;

export interface WatermarkFile extends Cursor {
  version: 1 | 2;
  /** The execution whose Commit wrote it. */
  execution: string;
  /** Version 2 only; null when read from a version 1 watermark (no gold state yet: features are due). */
  gold: GoldState | null;
}

/** Sorted, unique dates. */
export const dateSet = (dates: Iterable<string>): string[] => [...new Set(dates)].sort();

function isGoldState(v: unknown): v is GoldState {
  const g = v as GoldState | null;
  const instantOrNull = (x: unknown) => x === null || (typeof x === 'string' && !Number.isNaN(Date.parse(x)));
  return !!g && typeof g === 'object' && instantOrNull(g.through) && instantOrNull(g.built_at) && Array.isArray(g.pending) && g.pending.every((d) => typeof d === 'string');
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
  return (await readWatermarkVersioned(silver)).watermark;
}

/** The watermark and its object version (null, null before the first commit), for a conditional write. */
export async function readWatermarkVersioned(silver: ObjectStore): Promise<{ watermark: WatermarkFile | null; version: string | null }> {
  const object = await silver.getVersioned(WATERMARK_KEY);
  if (!object) return { watermark: null, version: null };
  const parsed = JSON.parse(object.body.toString('utf8')) as WatermarkFile;
  const valid = isCursor(parsed) && (parsed.version === 1 || (parsed.version === WATERMARK_VERSION && isGoldState(parsed.gold)));
  if (!valid) throw new Error(`${silver.location}/${WATERMARK_KEY} is not a version 1 or ${WATERMARK_VERSION} watermark`);
  const gold = parsed.version === 1 ? null : { ...parsed.gold!, pending: dateSet(parsed.gold!.pending) };
  return { watermark: { ...parsed, gold }, version: object.version };
}

/**
 * Writes the watermark only if it is still at `expected` (the version read; null: only if there is none yet).
 * Throws PreconditionFailedError when another commit wrote it in between: it never overwrites.
 * With a gold state it writes version 2 (what Commit writes); without, a cursor-only version 1 file.
 */
export async function writeWatermark(silver: ObjectStore, cursor: Cursor, execution: string, expected: string | null, gold?: GoldState): Promise<WatermarkFile> {
  const base = { last_modified: cursor.last_modified, key: cursor.key, execution };
  const file: WatermarkFile = gold ? { version: WATERMARK_VERSION, ...base, gold: { ...gold, pending: dateSet(gold.pending) } } : { version: 1, ...base, gold: null };
  const { gold: _none, ...v1 } = file;
  await silver.putIfMatch(WATERMARK_KEY, `${JSON.stringify(gold ? file : v1, null, 2)}\n`, expected, { contentType: 'application/json' });
  return file;
}
