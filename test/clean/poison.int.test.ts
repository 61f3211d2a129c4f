// Issue 18: no line, sample or object fails clean. Real cleanObjects over a real FsObjectStore, real gzip bytes.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDuckDb, type LocalDb } from '../../local/engine/duckdb';
import { BronzeReadError, cleanObjects, partId, REASONS, type CleanResult, type ObjectStats } from '../../lib/clean';
import { gzipNdjson } from '../fixtures/bronze/synthetic';
import { FsObjectStore } from '../../lib/store';
import {
  GOOD_KEY,
  GOOD_LINES,
  NOT_GZIP_KEY,
  POISON_EXPECTED,
  POISON_KEY,
  POISON_LINES,
  R,
  TRUNCATED_KEY,
  ZERO_BYTE_KEY,
  completeLines,
  goodObject,
  hostileLines,
  notGzipObject,
  poisonObject,
  truncatedObject,
} from '../fixtures/bronze/poison';

let dir: string;
let bronze: FsObjectStore;
let silver: FsObjectStore;
let db: LocalDb;
let result: CleanResult;
const KEYS = [GOOD_KEY, POISON_KEY, TRUNCATED_KEY, ZERO_BYTE_KEY, NOT_GZIP_KEY];
const BODIES: Record<string, Buffer> = {
  [GOOD_KEY]: goodObject(),
  [POISON_KEY]: poisonObject(),
  [TRUNCATED_KEY]: truncatedObject(),
  [ZERO_BYTE_KEY]: Buffer.alloc(0),
  [NOT_GZIP_KEY]: notGzipObject(),
};
const settings = { maxLatenessDays: 30 };
const of = (key: string): ObjectStats => result.objects.find((o) => o.key === key)!;
const reconciles = (t: { samples: number; valid: number; quarantined: number; duplicates: number }) => t.samples === t.valid + t.quarantined + t.duplicates;

async function rows(sql: string): Promise<Array<Record<string, unknown>>> {
  return (await db.conn.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
}
const quarantineOf = (key: string) =>
  rows(`SELECT line_no::INT AS line_no, reason, detail, raw, vehicle_id, received_at FROM read_parquet('${silver.location}/quarantine/*/part-${partId(key)}.parquet') ORDER BY line_no, reason`);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetlake-poison-'));
  bronze = new FsObjectStore(path.join(dir, 'bronze'));
  silver = new FsObjectStore(path.join(dir, 'silver'));
  for (const key of KEYS) await bronze.put(key, BODIES[key]!);
  result = await cleanObjects(KEYS, { bronze, silver, settings });
  db = await openDuckDb();
});
afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('poison samples, impossible dates and deep nesting are quarantined with their reasons; the rest of the object lands (known answers)', async () => {
  expect(of(POISON_KEY)).toMatchObject(POISON_EXPECTED);
  const q = await quarantineOf(POISON_KEY);
  expect(q.map((r) => [r.line_no, r.reason])).toEqual([
    [2, 'bad_timestamp'],
    [4, 'bad_timestamp'],
    [5, 'bad_timestamp'],
    [5, 'bad_timestamp'],
    [6, 'too_deep'],
    [7, 'too_deep'],
    [8, 'too_deep'],
    [9, 'bad_timestamp'],
    [10, 'missing_field'],
    [11, 'out_of_range'],
  ]);
  const detail = (n: number) => q.filter((r) => r.line_no === n).map((r) => r.detail as string);
  expect(detail(2)).toEqual(['ts: must be <= 253402300799999 (epoch ms)']);
  expect(detail(4)).toEqual(['ts: 2027-02-29 is not a calendar date']);
  expect(detail(5).sort()).toEqual(['ts: 2026-02-30 is not a calendar date', 'ts: 24:00:00 is not a time of day (00:00:00 to 23:59:59)']);
  expect(detail(9)).toEqual(['ts: must be >= 0 (epoch ms)']);
  // too_deep keeps the line as landed (a sample that deep cannot be serialised); the deep envelope is one record
  const deep = q.filter((r) => r.reason === 'too_deep');
  expect(deep.map((r) => r.raw)).toEqual([POISON_LINES[5], POISON_LINES[6], POISON_LINES[7]]);
  expect(deep.every((r) => r.vehicle_id === 'V0001' && r.received_at !== null)).toBe(true);
  // the bad received_at cannot place the row in time: no received_at, quarantine partition from the key's arrival date
  expect(q.find((r) => r.line_no === 10)).toMatchObject({ received_at: null, vehicle_id: 'V0001' });

  // silver holds exactly the good samples, nothing moved to another day
  const got = await rows(`SELECT vehicle_id, epoch_ms(ts)::DOUBLE AS ts FROM read_parquet('${silver.location}/telemetry_parts/*/part-${partId(POISON_KEY)}.parquet') ORDER BY vehicle_id, ts`);
  expect(got).toEqual(
    [
      ['V0001', R - 7000],
      ['V0001', R - 5000],
      ['V0001', R - 3000],
      ['V0001', R - 2900],
      ['V0001', R - 2800],
      ['V0001', R - 1000],
      ['V0002', R - 12_000],
    ].map(([vehicle_id, ts]) => ({ vehicle_id, ts })),
  );
  expect(of(POISON_KEY).dates).toEqual(['2026-04-01']);
});

test('the three kinds of corrupt object: one corrupt_object row each, with the bronze key; lines decoded before the damage are kept', async () => {
  const readable = completeLines(BODIES[TRUNCATED_KEY]!);
  expect(readable).toBeGreaterThan(0);
  expect(readable).toBeLessThan(GOOD_LINES.length);
  expect(of(TRUNCATED_KEY)).toMatchObject({ lines: readable, samples: readable + 1, valid: readable, quarantined: 1, quarantined_by_reason: { corrupt_object: 1 }, dates: ['2026-04-01'] });
  for (const key of [ZERO_BYTE_KEY, NOT_GZIP_KEY]) {
    expect(of(key)).toMatchObject({ lines: 0, samples: 1, valid: 0, quarantined: 1, quarantined_by_reason: { corrupt_object: 1 }, duplicates: 0, dates: [], outputs: [`quarantine/dt=2026-04-01/part-${partId(key)}.parquet`] });
  }
  const truncated = await quarantineOf(TRUNCATED_KEY);
  expect(truncated).toHaveLength(1);
  expect(truncated[0]).toMatchObject({ line_no: readable + 1, reason: 'corrupt_object', vehicle_id: null, received_at: null });
  expect(truncated[0]!.detail).toMatch(/^\(object\): not a complete gzip stream after \d+ bytes \(Z_BUF_ERROR: unexpected end of file\)$/);
  expect(GOOD_LINES[readable]!.startsWith(truncated[0]!.raw as string)).toBe(true); // what was decoded of the damaged line
  expect((await quarantineOf(ZERO_BYTE_KEY))[0]).toMatchObject({ line_no: 1, reason: 'corrupt_object', raw: '', detail: expect.stringContaining('Z_BUF_ERROR: unexpected end of file') });
  expect((await quarantineOf(NOT_GZIP_KEY))[0]).toMatchObject({ line_no: 1, reason: 'corrupt_object', raw: '', detail: expect.stringContaining('Z_DATA_ERROR: incorrect header check') });
  const keys = await rows(`SELECT DISTINCT source_key FROM read_parquet('${silver.location}/quarantine/*/*.parquet') WHERE reason = 'corrupt_object' ORDER BY 1`);
  expect(keys.map((r) => r.source_key)).toEqual([NOT_GZIP_KEY, TRUNCATED_KEY, ZERO_BYTE_KEY].sort());
  // the kept lines of the truncated object are exactly its first `readable` samples
  const kept = await rows(`SELECT count(*)::INT AS n, min(seq)::INT AS lo, max(seq)::INT AS hi FROM read_parquet('${silver.location}/telemetry_parts/*/part-${partId(TRUNCATED_KEY)}.parquet')`);
  expect(kept).toEqual([{ n: readable, lo: 0, hi: readable - 1 }]);
});

test('counts reconcile per object, in the totals and in the written files; the good object beside them is whole', async () => {
  for (const o of result.objects) expect([o.key, reconciles(o)]).toEqual([o.key, true]);
  const t = result.totals;
  expect(reconciles(t)).toBe(true);
  expect(t).toMatchObject({ valid: GOOD_LINES.length + POISON_EXPECTED.valid + of(TRUNCATED_KEY).valid, quarantined_by_reason: { ...POISON_EXPECTED.quarantined_by_reason, corrupt_object: 3 } });
  const [{ n: silverRows }] = (await rows(`SELECT count(*)::INT AS n FROM read_parquet('${silver.location}/telemetry_parts/*/*.parquet')`)) as [{ n: number }];
  const [{ n: qRows }] = (await rows(`SELECT count(*)::INT AS n FROM read_parquet('${silver.location}/quarantine/*/*.parquet')`)) as [{ n: number }];
  expect([silverRows, qRows]).toEqual([t.valid, t.quarantined]);
  expect(of(GOOD_KEY)).toMatchObject({ samples: GOOD_LINES.length, valid: GOOD_LINES.length, quarantined: 0 });
});

test('bronze is never deleted or rewritten, and a rerun writes byte-identical silver', async () => {
  for (const key of KEYS) expect([key, Buffer.compare(await readFile(path.join(bronze.location, key)), BODIES[key]!)]).toEqual([key, 0]);
  const again = new FsObjectStore(path.join(dir, 'silver-again'));
  const rerun = await cleanObjects(KEYS, { bronze, silver: again, settings });
  expect(rerun.totals).toEqual(result.totals);
  for (const o of result.objects) {
    for (const out of o.outputs) expect([out, Buffer.compare(await readFile(path.join(silver.location, out)), await readFile(path.join(again.location, out)))]).toEqual([out, 0]);
  }
});

test('a read error is not the object\'s fault: the invocation fails with an error that names the object', async () => {
  const unreadable = 'telemetry/year=2026/month=04/day=01/hour=10/unreadable.gz';
  mkdirSync(path.join(bronze.location, unreadable), { recursive: true }); // reading a directory fails with EISDIR
  const missing = 'telemetry/year=2026/month=04/day=01/hour=10/missing.gz';
  const out = new FsObjectStore(path.join(dir, 'silver-read-errors'));
  for (const [key, cause] of [
    [unreadable, /EISDIR/],
    [missing, /object not found/],
  ] as const) {
    const err = await cleanObjects([GOOD_KEY, key], { bronze, silver: out, settings }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(BronzeReadError);
    expect((err as Error).name).toBe('BronzeReadError');
    expect((err as Error).message).toContain(`cannot read bronze object ${bronze.location}/${key}`);
    expect((err as Error).message).toMatch(cause);
  }
});

test('2,000 hostile lines (extreme numbers, impossible times, deep or odd values anywhere, cut lines): clean goes on and every sample is accounted for', async () => {
  const key = 'telemetry/year=2026/month=04/day=01/hour=10/hostile.gz';
  const lines = hostileLines(2000);
  await bronze.put(key, gzipNdjson(lines));
  const out = new FsObjectStore(path.join(dir, 'silver-hostile'));
  const r = await cleanObjects([key], { bronze, silver: out, settings });
  const o = r.objects[0]!;
  expect(reconciles(o)).toBe(true);
  expect(o.lines).toBe(2000);
  for (const reason of Object.keys(o.quarantined_by_reason)) expect(REASONS).toContain(reason);
  // the hostile values reach the reasons they should (each is in the lines many times)
  expect(o.quarantined_by_reason).toMatchObject({ bad_timestamp: expect.any(Number), too_deep: expect.any(Number), invalid_json: expect.any(Number), wrong_type: expect.any(Number), out_of_range: expect.any(Number), missing_field: expect.any(Number) });
  expect(o.valid).toBeGreaterThan(100);
  const [{ n: silverRows }] = (await rows(`SELECT count(*)::INT AS n FROM read_parquet('${out.location}/telemetry_parts/*/*.parquet')`)) as [{ n: number }];
  const [{ n: qRows }] = (await rows(`SELECT count(*)::INT AS n FROM read_parquet('${out.location}/quarantine/*/*.parquet')`)) as [{ n: number }];
  expect([silverRows, qRows]).toEqual([o.valid, o.quarantined]);
  // what reached silver is in the contract's ranges: no moved or unrepresentable time, no inexact seq
  const [range] = await rows(`SELECT min(epoch_ms(ts))::DOUBLE AS lo, max(epoch_ms(ts))::DOUBLE AS hi, max(seq)::DOUBLE AS seq FROM read_parquet('${out.location}/telemetry_parts/*/*.parquet')`);
  expect(range!.lo).toBeGreaterThanOrEqual(R - 30 * 86_400_000);
  expect(range!.hi).toBeLessThanOrEqual(R + 5 * 60_000);
  expect((range!.seq as number | null) ?? 0).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
