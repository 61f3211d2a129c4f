import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FRAME_HEADER_BYTES, frameHeader, lockIngest, readFrames, readSegments, removeSpares, retireSegment, segmentUuid, WalSegment } from './wal';

const A = '0f8fad5b-d9cb-469f-a165-70867728950e';
const B = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const frame = (uuid: string, text: string, records: number, at: number) => {
  const payload = Buffer.from(text);
  return Buffer.concat([frameHeader(uuid, [payload], records, at), payload]);
};

test('frames round-trip: records, first arrival and the exact payload bytes; a payload in parts frames like its concatenation', () => {
  const parts = [Buffer.from('{"a":1}\n'), Buffer.from('{"a":2}\n')];
  expect(frameHeader(A, parts, 2, 7)).toEqual(frameHeader(A, [Buffer.concat(parts)], 2, 7));
  const bytes = Buffer.concat([frame(A, '{"a":1}\n{"a":2}\n', 2, 1000.5), frame(A, '{"a":3}\n', 1, 2000)]);
  const { frames, validBytes, tornBytes } = readFrames(bytes, A);
  expect([validBytes, tornBytes]).toEqual([bytes.length, 0]);
  expect(frames.map((f) => [f.records, f.firstArrivalMs, f.payload.toString()])).toEqual([
    [2, 1000.5, '{"a":1}\n{"a":2}\n'],
    [1, 2000, '{"a":3}\n'],
  ]);
});

test('a torn tail (any cut inside the last frame) is ignored and reported; the frames before it are kept', () => {
  const first = frame(A, '{"a":1}\n', 1, 1);
  const second = frame(A, '{"b":2}\n{"b":3}\n', 2, 2);
  for (let cut = 1; cut < second.length; cut++) {
    const r = readFrames(Buffer.concat([first, second.subarray(0, cut)]), A);
    expect([cut, r.frames.length, r.validBytes, r.tornBytes]).toEqual([cut, 1, first.length, cut]);
  }
});

test('a damaged frame fails its CRC and ends the segment there; frames of another segment (a reused file) are not read', () => {
  const good = frame(A, '{"a":1}\n', 1, 1);
  const flipped = frame(A, '{"b":2}\n', 1, 2);
  flipped.writeUInt8(flipped.readUInt8(FRAME_HEADER_BYTES + 3) ^ 0x01, FRAME_HEADER_BYTES + 3); // one payload bit
  expect(readFrames(Buffer.concat([good, flipped, good]), A)).toMatchObject({ frames: [{ records: 1 }], validBytes: good.length, tornBytes: flipped.length });
  expect(readFrames(Buffer.concat([good, frame(B, '{"old":1}\n', 1, 0)]), A)).toMatchObject({ frames: [{ records: 1 }], validBytes: good.length, tornBytes: 0 });
  expect(readFrames(Buffer.concat([good, Buffer.alloc(64)]), A)).toMatchObject({ validBytes: good.length, tornBytes: 0 }); // zeros: never written
  expect(readFrames(good, B).frames).toEqual([]);
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-wal-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test('a segment appends durable frames and is read back under its uuid; other files are skipped; a torn tail is measured', async () => {
  const seg = await WalSegment.create(dir, Date.UTC(2026, 2, 1));
  await seg.append([Buffer.from('{"a":1}\n')], 1, 10);
  await seg.append([Buffer.from('{"a":2}\n'), Buffer.from('{"a":3}\n')], 2, 20); // a payload in parts: one frame
  await seg.close();
  expect(seg.bytes).toBe((await stat(seg.file)).size);
  expect(segmentUuid(path.basename(seg.file))).toBe(seg.uuid);
  await writeFile(path.join(dir, 'notes.txt'), 'not a segment');
  await appendFile(seg.file, frame(seg.uuid, '{"torn":1}\n', 1, 30).subarray(0, 20)); // a write cut short
  const [s, ...rest] = await readSegments(dir);
  expect(rest).toEqual([]);
  expect(s!.uuid).toBe(seg.uuid);
  expect(s!.tornBytes).toBe(20);
  expect(Buffer.concat(s!.frames.map((f) => f.payload)).toString()).toBe('{"a":1}\n{"a":2}\n{"a":3}\n');
  expect(await readSegments(path.join(dir, 'missing'))).toEqual([]);
});

test('a landed segment becomes the spare; the next segment writes over it and reads back only its own frames', async () => {
  const old = await WalSegment.create(dir, 1);
  await old.append([Buffer.from(`{"old":"${'x'.repeat(5000)}"}\n`)], 1, 1);
  await old.append([Buffer.from('{"old":2}\n')], 1, 2);
  await old.close();
  await retireSegment(old.file);
  expect(await readdir(dir)).toEqual([`spare-${path.basename(old.file)}`]);
  expect(await readSegments(dir)).toEqual([]); // a spare is not a segment

  const next = await WalSegment.create(dir, 2);
  await next.append([Buffer.from('{"new":1}\n')], 1, 3);
  await next.close();
  expect(await readdir(dir)).toEqual([path.basename(next.file)]); // the spare was taken
  expect((await stat(next.file)).size).toBeGreaterThan(5000); // the old bytes are still behind the new frame
  const [s] = await readSegments(dir);
  expect(s).toMatchObject({ uuid: next.uuid, tornBytes: 0 });
  expect(s!.frames.map((f) => f.payload.toString())).toEqual(['{"new":1}\n']);

  // one spare at most; at shutdown it goes
  const third = await WalSegment.create(dir, 3);
  await third.close();
  await retireSegment(next.file);
  await retireSegment(third.file);
  expect((await readdir(dir)).filter((n) => n.startsWith('spare-'))).toHaveLength(1);
  await removeSpares(dir);
  expect(await readdir(dir)).toEqual([]);
});

test('one ingest per lake: a live owner is refused, a dead one is taken over', async () => {
  const release = await lockIngest(dir);
  await expect(lockIngest(dir)).rejects.toThrow(/another fleetlake ingest \(pid \d+\) is using/);
  await release();
  await writeFile(path.join(dir, '_ingest', 'ingest.pid'), '999999999\n'); // no such process
  const again = await lockIngest(dir);
  expect((await readFile(path.join(dir, '_ingest', 'ingest.pid'), 'utf8')).trim()).toBe(String(process.pid));
  await again();
});
