import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsObjectStore } from './fs-store';
import { listAll, ObjectNotFoundError, replacePrefix } from './object-store';

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
