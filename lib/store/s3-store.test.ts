import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { listAll, PreconditionFailedError } from './object-store';
import { S3ObjectStore } from './s3-store';

const s3 = mockClient(S3Client);
const store = new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), 'fleetlake-bronze');
beforeEach(() => s3.reset());

// The SDK's streaming body; only the method the store uses is needed.
const body = (s: string) => ({ transformToByteArray: async () => new Uint8Array(Buffer.from(s)) }) as never;

test('get reads the body of the named bucket and key', async () => {
  s3.on(GetObjectCommand, { Bucket: 'fleetlake-bronze', Key: 'a/b' }).resolves({ Body: body('hello') });
  expect((await store.get('a/b')).toString()).toBe('hello');
});

test('NoSuchKey maps to null and to ObjectNotFoundError', async () => {
  s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'nope', $metadata: {} }));
  expect(await store.getIfExists('x')).toBeNull();
  await expect(store.get('x')).rejects.toThrow('object not found: s3://fleetlake-bronze/x');
});

test('other S3 errors propagate', async () => {
  s3.on(GetObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
  await expect(store.getIfExists('x')).rejects.toThrow('denied');
});

test('put sends bucket, key, body and content type', async () => {
  s3.on(PutObjectCommand).resolves({});
  await store.put('k', 'v', { contentType: 'application/json' });
  const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
  expect(input).toMatchObject({ Bucket: 'fleetlake-bronze', Key: 'k', Body: 'v', ContentType: 'application/json' });
});

test('list follows continuation tokens', async () => {
  const t = new Date('2026-01-01T00:00:00Z');
  s3.on(ListObjectsV2Command, { Bucket: 'fleetlake-bronze', Prefix: 'p/', ContinuationToken: undefined }).resolves({
    Contents: [{ Key: 'p/1', Size: 1, LastModified: t }],
    IsTruncated: true,
    NextContinuationToken: 'tok',
  });
  s3.on(ListObjectsV2Command, { Bucket: 'fleetlake-bronze', Prefix: 'p/', ContinuationToken: 'tok' }).resolves({
    Contents: [{ Key: 'p/2', Size: 2, LastModified: t }],
    IsTruncated: false,
  });
  expect(await listAll(store, 'p/')).toEqual([
    { key: 'p/1', size: 1, lastModified: t },
    { key: 'p/2', size: 2, lastModified: t },
  ]);
});

test('delete batches 1000 keys per request and surfaces per-key errors', async () => {
  s3.on(DeleteObjectsCommand).resolves({});
  const keys = Array.from({ length: 2500 }, (_, i) => `k${i}`);
  await store.delete(keys);
  expect(s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete!.Objects!.length)).toEqual([1000, 1000, 500]);
  s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'k1', Code: 'AccessDenied', Message: 'no' }] });
  await expect(store.delete(['k1'])).rejects.toThrow(/k1: AccessDenied/);
});

test('putIfMatch sends If-None-Match: * or If-Match, and maps 412 / 409 / 404 to PreconditionFailedError', async () => {
  s3.on(PutObjectCommand).resolves({ ETag: '"e2"' });
  expect(await store.putIfMatch('k', 'v', null)).toBe('"e2"');
  expect(await store.putIfMatch('k', 'v', '"e1"')).toBe('"e2"');
  const [create, replace] = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
  expect(create).toMatchObject({ Key: 'k', IfNoneMatch: '*' });
  expect(create!.IfMatch).toBeUndefined();
  expect(replace).toMatchObject({ Key: 'k', IfMatch: '"e1"' });
  expect(replace!.IfNoneMatch).toBeUndefined();
  for (const [name, status] of [['PreconditionFailed', 412], ['ConditionalRequestConflict', 409], ['NoSuchKey', 404]] as const) {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } }));
    await expect(store.putIfMatch('k', 'v', '"e1"')).rejects.toBeInstanceOf(PreconditionFailedError);
  }
  s3.on(PutObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
  await expect(store.putIfMatch('k', 'v', null)).rejects.toThrow('denied');
});
