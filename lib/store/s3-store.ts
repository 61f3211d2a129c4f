import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { ObjectNotFoundError, PreconditionFailedError, type ObjectInfo, type ObjectStore, type PutOptions, type VersionedObject } from './object-store';

/** Object store over one S3 bucket. Encryption is the bucket default (SSE-KMS with a bucket key). */
export class S3ObjectStore implements ObjectStore {
  readonly location: string;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {
    this.location = `s3://${bucket}`;
  }

  async get(key: string): Promise<Buffer> {
    const body = await this.getIfExists(key);
    if (!body) throw new ObjectNotFoundError(this.location, key);
    return body;
  }

  async getIfExists(key: string): Promise<Buffer | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!res.Body) return Buffer.alloc(0);
      return Buffer.from(await res.Body.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async getStream(key: string): Promise<Readable> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return res.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(this.location, key);
      throw err;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    await this.client.send(this.putCommand(key, body, options));
  }

  private putCommand(key: string, body: Uint8Array | string, options: PutOptions, condition: { IfMatch?: string; IfNoneMatch?: string } = {}): PutObjectCommand {
    return new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: options.contentType, ContentEncoding: options.contentEncoding, ...condition });
  }

  async getVersioned(key: string): Promise<VersionedObject | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = res.Body ? Buffer.from(await res.Body.transformToByteArray()) : Buffer.alloc(0);
      if (!res.ETag) throw new Error(`GetObject ${this.location}/${key} returned no ETag`);
      return { body, version: res.ETag };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async putIfMatch(key: string, body: Uint8Array | string, expected: string | null, options: PutOptions = {}): Promise<string> {
    try {
      const res = await this.client.send(this.putCommand(key, body, options, expected === null ? { IfNoneMatch: '*' } : { IfMatch: expected }));
      if (!res.ETag) throw new Error(`PutObject ${this.location}/${key} returned no ETag`);
      return res.ETag;
    } catch (err) {
      // 412: the condition failed; 409: a concurrent conditional write won; 404: If-Match on a key deleted since.
      if (isPreconditionFailed(err) || (expected !== null && isNotFound(err))) throw new PreconditionFailedError(this.location, key, expected, { cause: err });
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of res.Contents ?? []) {
        if (o.Key === undefined) continue;
        yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      if (res.Errors?.length) {
        const e = res.Errors[0]!;
        throw new Error(`delete failed for ${res.Errors.length} object(s) in ${this.location}, first ${e.Key}: ${e.Code} ${e.Message}`);
      }
    }
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey';
}

function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict' || e.$metadata?.httpStatusCode === 412 || e.$metadata?.httpStatusCode === 409;
}
