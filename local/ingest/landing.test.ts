import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { bronzePrefix, parseBronzeObjectKey } from '../../lib/ingest/firehose';
import { FsObjectStore, listAll } from '../../lib/store';
import { Landing, type LandingOptions } from './landing';
import { readSegments } from './wal';

const T = Date.UTC(2026, 2, 1, 9, 59, 59);
let root: string;
let store: FsObjectStore;
let walDir: string;
let logs: string[];
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-landing-'));
  store = new FsObjectStore(path.join(root, 'bronze'));
  walDir = path.join(root, '_ingest', 'wal');
  logs = [];
});
afterEach(() => rm(root, { recursive: true, force: true }));

const landing = (o: Partial<LandingOptions> = {}) => new Landing({ store, walDir, maxBytes: 1 << 20, intervalMs: 60_000, now: () => T, log: (l) => logs.push(l), ...o });
const line = (s: string) => ({ head: Buffer.from(s), tail: '' });
/** Adds records and resolves when every one is acknowledged. */
const addAll = (l: Landing, records: Array<[string, number]>) => Promise.all(records.map(([s, at]) => new Promise<void>((done) => l.add(line(s), at, done))));
const objects = async () => {
  const out: Array<{ key: string; lines: string[] }> = [];
  for (const o of await listAll(store, 'telemetry/')) out.push({ key: o.key, lines: gunzipSync(await store.get(o.key)).toString().split('\n') });
  return out;
};

test('a record is acknowledged only once its WAL frame is on disk', async () => {
  const l = landing();
  const acked: string[] = [];
  const walAtAck: string[][] = [];
  const both = ['{"n":1}', '{"n":2}'].map((s) => new Promise<void>((resolve) =>
    l.add(line(s), T, () => {
      acked.push(s);
      void readSegments(walDir).then((segs) => walAtAck.push(segs.flatMap((g) => g.frames.map((f) => f.payload.toString()))));
      resolve();
    }),
  ));
  expect(acked).toEqual([]); // nothing acknowledged synchronously
  await Promise.all(both);
  await new Promise((r) => setTimeout(r, 50));
  expect(walAtAck).toEqual([['{"n":1}\n{"n":2}\n'], ['{"n":1}\n{"n":2}\n']]); // one group commit, on disk at each ack
  expect(l.counters).toMatchObject({ walCommits: 1, objects: 0 });
  await l.close();
  expect(await objects()).toEqual([{ key: expect.any(String), lines: ['{"n":1}', '{"n":2}', ''] }]);
  expect(await readdir(walDir)).toEqual([]); // the segment goes once its object is in bronze
});

test('the size hint: an object is sealed once its uncompressed bytes reach it', async () => {
  const l = landing({ maxBytes: 16 }); // 2 records of 8 bytes with newline
  for (let i = 0; i < 5; i++) await addAll(l, [[`{"n":${i}}`, T + i]]);
  await l.close();
  const got = await objects();
  expect(got.map((o) => o.lines.filter(Boolean)).sort((a, b) => a[0]!.localeCompare(b[0]!))).toEqual([['{"n":0}', '{"n":1}'], ['{"n":2}', '{"n":3}'], ['{"n":4}']]);
  // each object is named after the WAL segment it came from (all gone now that they are landed)
  expect(new Set(got.map((o) => parseBronzeObjectKey(o.key)!.uuid)).size).toBe(3);
  expect(l.counters).toMatchObject({ objects: 3, lines: 5, bytes: 40, walCommits: 5 });
});

test('the interval hint counts from the oldest record, and an object across the hour keeps the oldest hour', async () => {
  let now = T;
  const l = landing({ intervalMs: 5000, now: () => now });
  await addAll(l, [['{"n":1}', T]]);
  now = T + 3000; // 10:00:02
  await addAll(l, [['{"n":2}', now]]);
  l.tick();
  expect(await objects()).toEqual([]);
  now = T + 5000;
  l.tick();
  await l.close();
  const [o, ...rest] = await objects();
  expect(rest).toEqual([]);
  expect(o!.key.startsWith(bronzePrefix(T))).toBe(true);
  expect(o!.key).toContain('telemetry/year=2026/month=03/day=01/hour=09/');
  expect(parseBronzeObjectKey(o!.key)!.arrivalMs).toBe(T);
});

test('replay lands what a crash left, once: a segment whose object exists already is only removed', async () => {
  const first = landing();
  await addAll(first, [['{"n":1}', T], ['{"n":2}', T]]);
  const [seg] = await readSegments(walDir);
  const copy = path.join(root, 'segment-before-trim');
  await copyFile(seg!.file, copy); // the WAL as a crash between landing and trimming would leave it
  await first.close();
  expect(await objects()).toHaveLength(1);

  await copyFile(copy, seg!.file);
  const again = landing();
  await again.replay();
  expect(again.counters).toMatchObject({ replayedLanded: 1, replayedObjects: 0, objects: 0 });
  expect(await objects()).toHaveLength(1);
  expect(await readSegments(walDir)).toEqual([]); // its file is kept as the spare until close

  // The same segment without its object (the crash came before the landing): landed under the segment's name.
  const landed = (await objects())[0]!;
  await store.delete([landed.key]);
  await copyFile(copy, seg!.file);
  const third = landing();
  await third.replay();
  expect(third.counters).toMatchObject({ replayedObjects: 1, replayedRecords: 2 });
  expect(await objects()).toEqual([landed]);
  await Promise.all([again.close(), third.close()]);
});

test('without a WAL, records are acknowledged at once and nothing is written under the WAL directory', async () => {
  const l = landing({ walDir: undefined });
  let acked = false;
  l.add(line('{"n":1}'), T, () => (acked = true));
  expect(acked).toBe(true);
  await l.close();
  expect((await objects()).map((o) => o.lines)).toEqual([['{"n":1}', '']]);
  await expect(readdir(walDir)).rejects.toThrow(/ENOENT/);
});
