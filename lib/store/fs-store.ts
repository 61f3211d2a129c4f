import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { waitForLock } from './file-lock';
import { ObjectNotFoundError, PreconditionFailedError, type ObjectInfo, type ObjectStore, type VersionedObject } from './object-store';

const TMP_SUFFIX = '.fleetlake-tmp';
/** `<file>.fleetlake-lock`: held during a compare-and-swap of `<file>` (and its helpers, `….tmp`, `….takeover`). */
const LOCK_SUFFIX = '.fleetlake-lock';

/** The file store's version of an object: the MD5 of its bytes, quoted like an S3 ETag. */
export function contentVersion(body: Uint8Array | string): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** Object store rooted at a directory, e.g. `<lake>/bronze`. Keys map to relative paths. */
export class FsObjectStore implements ObjectStore {
  readonly location: string;

  constructor(readonly root: string) {
    this.location = path.resolve(root);
  }

  private pathOf(key: string): string {
    if (!key || key.startsWith('/') || key.split('/').some((p) => p === '..' || p === '.' || p === '')) {
      throw new Error(`invalid object key: ${JSON.stringify(key)}`);
    }
    return path.join(this.location, ...key.split('/'));
  }

  async get(key: string): Promise<Buffer> {
    const body = await this.getIfExists(key);
    if (!body) throw new ObjectNotFoundError(this.location, key);
    return body;
  }

  async getIfExists(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async getStream(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    try {
      await stat(file);
    } catch {
      throw new ObjectNotFoundError(this.location, key);
    }
    return createReadStream(file, { highWaterMark: 1 << 20 });
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`;
    try {
      await writeFile(tmp, body);
      await rename(tmp, file);
    } catch (err) {
      // A failed write (a full disk) leaves no partial or empty temp file behind.
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the directories the prefix can reach, in key order.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    yield* this.walk(dirKey, prefix);
  }

  private async *walk(dirKey: string, prefix: string): AsyncIterable<ObjectInfo> {
    const dir = dirKey ? path.join(this.location, ...dirKey.split('/')) : this.location;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    // S3 lists in UTF-8 binary order of the full key; a directory "a" sorts as "a/".
    const named = entries
      .filter((e) => !e.name.endsWith(TMP_SUFFIX) && !e.name.includes(LOCK_SUFFIX))
      .map((e) => ({ e, sortKey: e.isDirectory() ? `${e.name}/` : e.name }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { e } of named) {
      const key = dirKey ? `${dirKey}/${e.name}` : e.name;
      if (e.isDirectory()) {
        const asDir = `${key}/`;
        if (asDir.startsWith(prefix) || prefix.startsWith(asDir)) yield* this.walk(key, prefix);
      } else if (e.isFile() && key.startsWith(prefix)) {
        const s = await stat(path.join(dir, e.name));
        yield { key, size: s.size, lastModified: s.mtime };
      }
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) await rm(this.pathOf(key), { force: true });
  }

  async getVersioned(key: string): Promise<VersionedObject | null> {
    const body = await this.getIfExists(key);
    return body ? { body, version: contentVersion(body) } : null;
  }

  /** Compare-and-swap under `<file>.fleetlake-lock` (writers of this key take turns; readers never wait). */
  async putIfMatch(key: string, body: Uint8Array | string, expected: string | null): Promise<string> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const lock = await waitForLock(`${file}${LOCK_SUFFIX}`, { pollMs: 5, timeoutMs: 60_000, detail: { key } });
    try {
      const current = await this.getVersioned(key);
      if ((current?.version ?? null) !== expected) throw new PreconditionFailedError(this.location, key, expected);
      await this.put(key, body);
      return contentVersion(body);
    } finally {
      await lock.release();
    }
  }
}
