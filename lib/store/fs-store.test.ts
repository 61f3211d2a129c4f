import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FsObjectStore } from './fs-store';
import { listAll, ObjectNotFoundError, PreconditionFailedError, replacePrefix } from './object-store';

let root: string;
let store: FsObjectStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fsstore-'));
  store = new FsObjectStore(path.join(root, 'bronze'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

test('put then get round-trips bytes and creates parent folders', async () => {
  await store.put('telemetry/year=2026/a.gz', Buffer.from([1, 2, 3]));
  expect([...(await store.get('telemetry/year=2026/a.gz'))]).toEqual([1, 2, 3]);
  expect(await readdir(path.join(root, 'bronze', 'telemetry', 'year=2026'))).toEqual(['a.gz']);
});

test('a missing key is null for getIfExists and ObjectNotFoundError for get and getStream', async () => {
  expect(await store.getIfExists('nope')).toBeNull();
  await expect(store.get('nope')).rejects.toBeInstanceOf(ObjectNotFoundError);
  await expect(store.getStream('nope')).rejects.toBeInstanceOf(ObjectNotFoundError);
});

test('list returns keys under the prefix in S3 (binary key) order with sizes', async () => {
  for (const k of ['b/2', 'a/x', 'a-b', 'a/y/z', 'c']) await store.put(k, k);
  expect((await listAll(store, '')).map((o) => o.key)).toEqual(['a-b', 'a/x', 'a/y/z', 'b/2', 'c']);
  expect((await listAll(store, 'a/')).map((o) => o.key)).toEqual(['a/x', 'a/y/z']);
  expect((await listAll(store, 'a')).map((o) => o.key)).toEqual(['a-b', 'a/x', 'a/y/z']);
  expect((await listAll(store, 'a/y/z')).map((o) => [o.key, o.size])).toEqual([['a/y/z', 5]]);
  expect(await listAll(store, 'missing/')).toEqual([]);
});

test('put overwrites atomically and leaves no temp files behind', async () => {
  await store.put('k', 'old');
  await store.put('k', 'new');
  expect((await store.get('k')).toString()).toBe('new');
  expect(await readdir(path.join(root, 'bronze'))).toEqual(['k']);
});

test('keys that escape the root are rejected', async () => {
  await expect(store.put('../x', 'a')).rejects.toThrow(/invalid object key/);
  await expect(store.put('/abs', 'a')).rejects.toThrow(/invalid object key/);
  await expect(store.put('a//b', 'a')).rejects.toThrow(/invalid object key/);
});

test('replacePrefix writes the new objects and removes stale ones under the prefix only', async () => {
  await store.put('gold/trips/dt=2026-01-01/old.parquet', 'old');
  await store.put('gold/trips/dt=2026-01-02/keep.parquet', 'keep');
  await replacePrefix(store, 'gold/trips/dt=2026-01-01/', [{ key: 'gold/trips/dt=2026-01-01/new.parquet', body: 'new' }]);
  expect((await listAll(store, 'gold/')).map((o) => o.key)).toEqual([
    'gold/trips/dt=2026-01-01/new.parquet',
    'gold/trips/dt=2026-01-02/keep.parquet',
  ]);
  await expect(replacePrefix(store, 'a/', [{ key: 'b/x', body: '' }])).rejects.toThrow(/outside prefix/);
});

describe('putIfMatch: compare-and-swap', () => {
  test('creates only when absent, replaces only at the version read, and a lost race writes nothing', async () => {
    const v1 = await store.putIfMatch('_pipeline/watermark.json', 'one', null);
    await expect(store.putIfMatch('_pipeline/watermark.json', 'again', null)).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await store.getVersioned('_pipeline/watermark.json')).toEqual({ body: Buffer.from('one'), version: v1 });
    const v2 = await store.putIfMatch('_pipeline/watermark.json', 'two', v1);
    expect(v2).not.toBe(v1);
    await expect(store.putIfMatch('_pipeline/watermark.json', 'stale', v1)).rejects.toThrow(/conditional write .* lost/);
    await expect(store.putIfMatch('missing', 'x', v1)).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.get('_pipeline/watermark.json')).toString()).toBe('two');
    // the lock and temp files never show up as objects
    expect((await listAll(store, '')).map((o) => o.key)).toEqual(['_pipeline/watermark.json']);
  });

  test('two writers that both read, then both write: the second loses (with put, the first update is lost)', async () => {
    const other = new FsObjectStore(store.root);
    await store.put('n', '0');
    for (const [conditional, expected] of [[true, '1'], [false, '1']] as const) {
      await store.put('n', '0');
      const a = await store.getVersioned('n');
      const b = await other.getVersioned('n');
      const inc = (s: FsObjectStore, seen: typeof a) => (conditional ? s.putIfMatch('n', String(Number(seen!.body) + 1), seen!.version) : s.put('n', String(Number(seen!.body) + 1)));
      await inc(store, a);
      const second = await inc(other, b).then(() => 'written', (e: unknown) => e);
      if (conditional) expect(second).toBeInstanceOf(PreconditionFailedError);
      else expect(second).toBe('written'); // put has no condition: b's stale read overwrote a's update
      expect((await store.get('n')).toString()).toBe(expected); // two increments, one counted
    }
  });

  test('two processes adding 1 a hundred times each, retrying lost races: 200, none lost', async () => {
    const run = promisify(execFile);
    const writer = path.resolve('test/fixtures/store/cas-writer.ts');
    const [a, b] = await Promise.all(
      [1, 2].map(() => run(process.execPath, ['--import', 'tsx', writer, store.root, 'counter', '100'], { timeout: 60_000 })),
    );
    expect((await store.get('counter')).toString()).toBe('200');
    // How often they raced (lost) depends on scheduling; the total never does.
    for (const r of [a!, b!]) expect(JSON.parse(r.stdout)).toEqual({ lost: expect.any(Number) });
    expect(await readdir(root, { recursive: true })).toEqual(expect.not.arrayContaining([expect.stringMatching(/fleetlake-(lock|tmp)/)]));
  }, 90_000);
});
