import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsObjectStore, listAll } from '../store';
import { openDuckDb, type LocalDb } from '../../local/engine/duckdb';
import { MIXED_EXPECTED, MIXED_KEY, R, mixedObject } from '../../test/fixtures/bronze/mixed';
import { cleanObjects, partId, type CleanResult } from '.';

let dir: string;
let bronze: FsObjectStore;
let silver: FsObjectStore;
let result: CleanResult;
let db: LocalDb;
const id = partId(MIXED_KEY);

async function rows(sql: string): Promise<Array<Record<string, unknown>>> {
  return (await db.conn.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
}
const parts = () => `${silver.location}/telemetry_parts`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetlake-clean-'));
  bronze = new FsObjectStore(path.join(dir, 'bronze'));
  silver = new FsObjectStore(path.join(dir, 'silver'));
  await bronze.put(MIXED_KEY, mixedObject());
  result = await cleanObjects([MIXED_KEY], { bronze, silver, settings: { maxLatenessDays: 30 } });
  db = await openDuckDb();
});
afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('counts per object: every reason code, duplicates, conflicts, unknown fields (known answers)', () => {
  const [o] = result.objects;
  expect(o).toMatchObject({ key: MIXED_KEY, ...MIXED_EXPECTED });
  expect(o!.bytes_read).toBe(mixedObject().length);
  const { dates: _dates, ...totals } = MIXED_EXPECTED;
  expect(result.totals).toEqual({ ...totals, bytes_read: mixedObject().length });
  expect(result.dates).toEqual(['2026-02-27', '2026-03-01']);
});

test('reconciliation: samples_in = valid_written + quarantined + duplicates, also in the written files', async () => {
  const t = result.totals;
  expect(t.samples).toBe(t.valid + t.quarantined + t.duplicates);
  const [{ n: silverRows }] = (await rows(`SELECT count(*)::INT AS n FROM read_parquet('${parts()}/*/*.parquet')`)) as [{ n: number }];
  const [{ n: qRows }] = (await rows(`SELECT count(*)::INT AS n FROM read_parquet('${silver.location}/quarantine/*/*.parquet')`)) as [{ n: number }];
  expect(silverRows).toBe(t.valid);
  expect(qRows).toBe(t.quarantined);
  const byReason = await rows(`SELECT reason, count(*)::INT AS n FROM read_parquet('${silver.location}/quarantine/*/*.parquet') GROUP BY 1 ORDER BY 1`);
  expect(Object.fromEntries(byReason.map((r) => [r.reason, r.n]))).toEqual(MIXED_EXPECTED.quarantined_by_reason);
});

test('keys: parts per event date, quarantine per arrival date, <id> from the source key', async () => {
  const keys = (await listAll(silver, '')).map((o) => o.key);
  expect(keys).toEqual([
    `quarantine/dt=2026-03-01/part-${id}.parquet`,
    `telemetry_parts/dt=2026-02-27/part-${id}.parquet`,
    `telemetry_parts/dt=2026-03-01/part-${id}.parquet`,
  ]);
  expect(id).toMatch(/^[0-9a-f]{20}$/);
  expect(partId(MIXED_KEY)).toBe(id);
  expect(partId(MIXED_KEY.replace('mixed', 'other'))).not.toBe(id);
});

test('silver reads back in DuckDB with contract types: timestamp, double, bigint, boolean, list of varchar', async () => {
  const types = Object.fromEntries(
    (await rows(`DESCRIBE SELECT * FROM read_parquet('${parts()}/*/*.parquet')`)).map((r) => [r.column_name, r.column_type]),
  );
  expect(types).toMatchObject({
    vehicle_id: 'VARCHAR',
    ts: 'TIMESTAMP WITH TIME ZONE',
    received_at: 'TIMESTAMP WITH TIME ZONE',
    seq: 'BIGINT',
    ignition: 'BOOLEAN',
    battery_v: 'DOUBLE',
    speed_kmh: 'DOUBLE',
    lat: 'DOUBLE',
    dtc: 'VARCHAR[]',
    source_key: 'VARCHAR',
  });
  expect(Object.keys(types)).not.toContain('foo'); // unknown fields stay in bronze
  const q = Object.fromEntries(
    (await rows(`DESCRIBE SELECT * FROM read_parquet('${silver.location}/quarantine/*/*.parquet')`)).map((r) => [r.column_name, r.column_type]),
  );
  expect(q).toEqual({ source_key: 'VARCHAR', line_no: 'BIGINT', received_at: 'TIMESTAMP WITH TIME ZONE', vehicle_id: 'VARCHAR', reason: 'VARCHAR', detail: 'VARCHAR', raw: 'VARCHAR', dt: 'DATE' });
});

test('normalisation and envelope explosion: UTC ms timestamps, doubles, sorted unique dtc, inherited ids', async () => {
  const got = await rows(
    `SELECT vehicle_id, strftime(ts, '%Y-%m-%dT%H:%M:%S.%g') AS ts, epoch_ms(received_at)::DOUBLE AS rec, battery_v, speed_kmh, seq, ignition, lat, lon, dtc
     FROM read_parquet('${parts()}/dt=2026-03-01/*.parquet')`,
  );
  // sorted by (vehicle_id, ts)
  expect(got.map((r) => `${r.vehicle_id} ${r.ts}`)).toEqual([
    'V1 2026-03-01T09:59:56.000',
    'V1 2026-03-01T09:59:58.000',
    'V1 2026-03-01T09:59:59.000',
    'V1 2026-03-01T09:59:59.500',
    'V1 2026-03-01T09:59:59.600',
    'V1 2026-03-01T09:59:59.700',
    'V3 2026-03-01T09:59:55.000',
  ]);
  const at = (ts: string) => got.find((r) => r.ts === ts)!;
  // envelope sample: ISO with +01:00 → UTC; vehicle, topic and received_at copied from the envelope line
  expect(at('2026-03-01T09:59:59.500')).toMatchObject({ vehicle_id: 'V1', rec: R, battery_v: 14, dtc: ['B1234', 'P0301'], lat: null });
  expect(at('2026-03-01T09:59:59.600')).toMatchObject({ lat: 48.1, lon: 11.5, dtc: null });
  expect(at('2026-03-01T09:59:59.700')).toMatchObject({ seq: '7', ignition: false });
  // integer JSON numbers become DOUBLE; the duplicate (line 16) was dropped, the first arrival kept
  expect(at('2026-03-01T09:59:59.000')).toMatchObject({ speed_kmh: 42, rec: R });
  // conflict: the earliest received_at wins (battery 12.4 at R+100), the other goes to quarantine
  expect(at('2026-03-01T09:59:58.000')).toMatchObject({ battery_v: 12.4, rec: R + 100 });
  const late = await rows(`SELECT vehicle_id, epoch_ms(ts)::DOUBLE AS ts FROM read_parquet('${parts()}/dt=2026-02-27/*.parquet')`);
  expect(late).toEqual([{ vehicle_id: 'V1', ts: R - 2 * 86_400_000 }]); // partitioned by event time, not arrival
});

test('quarantine rows carry line, arrival, vehicle, reason, every error and the raw text', async () => {
  const q = await rows(
    `SELECT line_no::INT AS line_no, epoch_ms(received_at)::DOUBLE AS rec, vehicle_id, reason, detail, raw FROM read_parquet('${silver.location}/quarantine/*/*.parquet') ORDER BY line_no, reason`,
  );
  const byLine = (n: number) => q.filter((r) => r.line_no === n);
  expect(byLine(3)).toEqual([{ line_no: 3, rec: null, vehicle_id: null, reason: 'invalid_json', detail: expect.any(String), raw: 'not json {' }]);
  expect(byLine(4)).toMatchObject([{ rec: R, vehicle_id: 'V1', reason: 'invalid_json', raw: 'hello' }]);
  expect(byLine(10)[0]).toMatchObject({ reason: 'lat_lon_pair', vehicle_id: 'V1' });
  expect(byLine(11)[0]!.detail).toContain('501');
  expect(byLine(12)[0]).toMatchObject({ reason: 'payload_too_large' });
  expect(byLine(13)[0]).toMatchObject({ reason: 'vehicle_mismatch', vehicle_id: 'V2' });
  expect(byLine(17)[0]).toMatchObject({ reason: 'conflict', rec: R + 200 });
  expect(JSON.parse(byLine(17)[0]!.raw as string)).toMatchObject({ vehicle_id: 'V1', battery_v: 12.5 });
  const env = byLine(20)[0]!;
  expect(env).toMatchObject({ reason: 'out_of_range', detail: 'rpm: must be >= 0' });
  expect(JSON.parse(env.raw as string)).toEqual({ ts: R - 4100, ignition: true, battery_v: 12, rpm: -1, vehicle_id: 'V1', topic_vehicle_id: 'V1', received_at: R });
});

test('a rerun writes byte-identical objects at the same keys', async () => {
  const before = await Promise.all((await listAll(silver, '')).map(async (o) => [o.key, await readFile(path.join(silver.location, o.key))] as const));
  const again = await cleanObjects([MIXED_KEY], { bronze, silver, settings: { maxLatenessDays: 30 } });
  const after = await Promise.all((await listAll(silver, '')).map(async (o) => [o.key, await readFile(path.join(silver.location, o.key))] as const));
  expect(after.map(([k]) => k)).toEqual(before.map(([k]) => k));
  after.forEach(([, body], i) => expect(Buffer.compare(body, before[i]![1])).toBe(0));
  expect(again.totals).toEqual(result.totals);
});

test('the stage lateness setting moves the stale boundary', async () => {
  const strict = new FsObjectStore(path.join(dir, 'silver-strict'));
  const r = await cleanObjects([MIXED_KEY], { bronze, silver: strict, settings: { maxLatenessDays: 1 } });
  expect(r.totals.quarantined_by_reason.stale_timestamp).toBe(2); // line 15 and now the 2-day-late line 19
  expect(r.dates).toEqual(['2026-03-01']);
});

test('small row groups: several groups per file, same rows', async () => {
  const small = new FsObjectStore(path.join(dir, 'silver-small-groups'));
  await cleanObjects([MIXED_KEY], { bronze, silver: small, settings: { maxLatenessDays: 30, rowGroupSize: 2 } });
  const file = (s: FsObjectStore, p: string) => `${s.location}/${p}/part-${id}.parquet`;
  const [{ n }] = (await rows(`SELECT count(DISTINCT row_group_id)::INT AS n FROM parquet_metadata('${file(small, 'telemetry_parts/dt=2026-03-01')}')`)) as [{ n: number }];
  expect(n).toBe(4); // 7 rows in groups of 2
  for (const p of ['telemetry_parts/dt=2026-03-01', 'quarantine/dt=2026-03-01']) {
    const diff = await rows(
      `(SELECT * FROM read_parquet('${file(small, p)}') EXCEPT ALL SELECT * FROM read_parquet('${file(silver, p)}'))
       UNION ALL (SELECT * FROM read_parquet('${file(silver, p)}') EXCEPT ALL SELECT * FROM read_parquet('${file(small, p)}'))`,
    );
    expect(diff).toEqual([]);
  }
});

test('an empty object and an all-invalid object: no silver part, dates empty, quarantine at the key arrival date', async () => {
  const { gzipNdjson } = await import('../../test/fixtures/bronze/synthetic');
  const empty = 'telemetry/year=2026/month=03/day=02/hour=00/empty.gz';
  const junk = 'telemetry/year=2026/month=03/day=02/hour=00/junk.gz';
  await bronze.put(empty, gzipNdjson([]));
  await bronze.put(junk, gzipNdjson(['{', '[1,2]']));
  const out = new FsObjectStore(path.join(dir, 'silver-edge'));
  const r = await cleanObjects([empty, junk], { bronze, silver: out, settings: { maxLatenessDays: 30 } });
  expect(r.objects[0]).toMatchObject({ lines: 0, samples: 0, valid: 0, quarantined: 0, dates: [], outputs: [] });
  expect(r.objects[1]).toMatchObject({ lines: 2, samples: 2, valid: 0, quarantined_by_reason: { invalid_json: 2 }, dates: [] });
  expect(r.objects[1]!.outputs).toEqual([`quarantine/dt=2026-03-02/part-${partId(junk)}.parquet`]);
  expect(r.dates).toEqual([]);
});
