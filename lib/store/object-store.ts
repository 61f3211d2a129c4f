import type { Readable } from 'node:stream';

/** One bucket role of the lake: bronze, silver, gold, athena-results. */
export type BucketRole = 'bronze' | 'silver' | 'gold' | 'athena-results';
export const BUCKET_ROLES: readonly BucketRole[] = ['bronze', 'silver', 'gold', 'athena-results'];

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  contentType?: string;
  contentEncoding?: string;
}

/** An object with its version: S3's ETag, or a content hash in the file store. Opaque; compare with `===`. */
export interface VersionedObject {
  body: Buffer;
  version: string;
}

/**
 * The port every handler talks to. S3 in AWS, files locally; nothing else
 * in the code knows which one it has.
 */
export interface ObjectStore {
  /** Human-readable location, for logs and errors (s3://bucket or a directory). */
  readonly location: string;
  get(key: string): Promise<Buffer>;
  /** Null when the key does not exist. */
  getIfExists(key: string): Promise<Buffer | null>;
  getStream(key: string): Promise<Readable>;
  /** Atomic: a reader sees the old object or the whole new one, never a part. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** Every object under the prefix, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(keys: readonly string[]): Promise<void>;
  /** Null when the key does not exist. */
  getVersioned(key: string): Promise<VersionedObject | null>;
  /**
   * Compare-and-swap: writes only if the object is still at `expected` (a version from getVersioned), or, with
   * `expected` null, only if the key does not exist yet. Otherwise nothing is written and PreconditionFailedError
   * is thrown. Returns the new version. (S3: PutObject If-Match / If-None-Match: *.)
   */
  putIfMatch(key: string, body: Uint8Array | string, expected: string | null, options?: PutOptions): Promise<string>;
}

/** A conditional put lost: the object changed (or appeared, or vanished) since its version was read. */
export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailed';
  constructor(
    readonly location: string,
    readonly key: string,
    readonly expected: string | null,
    options?: ErrorOptions,
  ) {
    super(`conditional write to ${location}/${key} lost: the object ${expected === null ? 'exists already' : `is no longer at version ${expected}`}`, options);
  }
}

export class ObjectNotFoundError extends Error {
  constructor(
    readonly location: string,
    readonly key: string,
  ) {
    super(`object not found: ${location}/${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

export async function listAll(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of store.list(prefix)) out.push(o);
  return out;
}

/** Replace everything under `prefix` with `objects`: write the new keys, then delete the stale ones. */
export async function replacePrefix(
  store: ObjectStore,
  prefix: string,
  objects: ReadonlyArray<{ key: string; body: Uint8Array | string; options?: PutOptions }>,
): Promise<void> {
  const keep = new Set(objects.map((o) => o.key));
  for (const o of objects) {
    if (!o.key.startsWith(prefix)) throw new Error(`key ${o.key} is outside prefix ${prefix}`);
    await store.put(o.key, o.body, o.options);
  }
  const stale = (await listAll(store, prefix)).map((o) => o.key).filter((k) => !keep.has(k));
  if (stale.length) await store.delete(stale);
}
