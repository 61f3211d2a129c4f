// S3ObjectStore's conditional write against a real S3 API: moto's server from the project venv, on 127.0.0.1.
// moto 5.2.5 honours PutObject If-Match and If-None-Match (412 PreconditionFailed; If-Match on a missing key: 404).
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { requireVenvBin } from '../../local/engines/paths';
import { PreconditionFailedError } from './object-store';
import { S3ObjectStore } from './s3-store';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

let moto: ChildProcess;
let client: S3Client;
let store: S3ObjectStore;
const BUCKET = 'fleetlake-test-silver';

beforeAll(async () => {
  const port = await freePort();
  moto = spawn(requireVenvBin('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch (err) {
      if (i > 150) throw new Error(`moto_server did not start on ${endpoint}`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client = new S3Client({ region: 'eu-west-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  store = new S3ObjectStore(client, BUCKET);
}, 30_000);

afterAll(async () => {
  client?.destroy();
  if (!moto || moto.exitCode !== null) return;
  const exited = new Promise((r) => moto.once('exit', r));
  moto.kill('SIGTERM');
  const timer = setTimeout(() => moto.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
});

test('If-None-Match: * creates once; a second create loses and changes nothing', async () => {
  const v1 = await store.putIfMatch('_pipeline/watermark.json', '{"n":1}', null, { contentType: 'application/json' });
  expect(v1).toMatch(/^"[0-9a-f]{32}"$/);
  const lost = await store.putIfMatch('_pipeline/watermark.json', '{"n":"other"}', null).catch((e: unknown) => e);
  expect(lost).toBeInstanceOf(PreconditionFailedError);
  expect(await store.getVersioned('_pipeline/watermark.json')).toEqual({ body: Buffer.from('{"n":1}'), version: v1 });
});

test('If-Match: writes at the version read; a stale version (another writer came first) loses', async () => {
  const read = (await store.getVersioned('_pipeline/watermark.json'))!;
  // another commit writes in between, unconditionally (an old client)
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: '_pipeline/watermark.json', Body: '{"n":"theirs"}' }));
  await expect(store.putIfMatch('_pipeline/watermark.json', '{"n":2}', read.version)).rejects.toBeInstanceOf(PreconditionFailedError);
  const now = (await store.getVersioned('_pipeline/watermark.json'))!;
  expect(now.body.toString()).toBe('{"n":"theirs"}');
  const v3 = await store.putIfMatch('_pipeline/watermark.json', '{"n":3}', now.version);
  expect((await store.getVersioned('_pipeline/watermark.json'))!).toEqual({ body: Buffer.from('{"n":3}'), version: v3 });
});

test('If-Match on a key that does not exist loses too; a missing key reads as null', async () => {
  await expect(store.putIfMatch('missing.json', 'x', '"0123456789abcdef0123456789abcdef"')).rejects.toBeInstanceOf(PreconditionFailedError);
  expect(await store.getVersioned('missing.json')).toBeNull();
});
