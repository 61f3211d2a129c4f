// Issue 18 end to end: a poison object and three corrupt ones among good objects do not stop `fleetlake run`.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDuckDb } from '../../local/engine/duckdb';
import { runPipeline } from '../../local/stepfunctions/run';
import { fixtureUuid, landBronzeObject, writeBronze, type FixtureObject } from '../fixtures/orchestrate/bronze';
import { POISON_EXPECTED, completeLines, notGzipObject, poisonObject, truncatedObject } from '../fixtures/bronze/poison';

let lake: string;
afterAll(async () => {
  if (lake) await rm(lake, { recursive: true, force: true });
});

const uuid = fixtureUuid;
/** Good data on 2026-04-01: two vehicles driving 20 s at 10 Hz, in two objects. */
const GOOD: FixtureObject[] = [
  { arrival: '2026-04-01T09:05:00Z', vehicles: ['V1', 'V2'], start: '2026-04-01T09:00:00Z', seconds: 20, uuid: uuid(1) },
  { arrival: '2026-04-01T10:35:00Z', vehicles: ['V1'], start: '2026-04-01T10:30:00Z', seconds: 20, uuid: uuid(2) },
];
const GOOD_SAMPLES = (2 + 1) * 20 * 10;

async function writeObject(arrival: string, n: number, body: Buffer): Promise<string> {
  return landBronzeObject(lake, { arrivalMs: Date.parse(arrival), uuid: uuid(n), body, landedMs: Date.parse(arrival) + 120_000 });
}

test('the run SUCCEEDS; silver and gold hold the good data, quarantine the reasons, and the summary reconciles', async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-poison-run-'));
  await writeBronze(lake, GOOD);
  const truncated = truncatedObject();
  const poisonKey = await writeObject('2026-04-01T10:00:00Z', 11, poisonObject());
  const corrupt = [await writeObject('2026-04-01T10:10:00Z', 12, truncated), await writeObject('2026-04-01T10:20:00Z', 13, Buffer.alloc(0)), await writeObject('2026-04-01T10:25:00Z', 14, notGzipObject())];

  const r = await runPipeline({ lake, input: {}, env: { PLAN_MAX_OBJECTS_PER_ITEM: '1' }, poolSize: 2 });
  expect(r.executions.map((e) => [e.status, e.error ?? null, e.cause ?? null])).toEqual([['SUCCEEDED', null, null]]);
  const readable = completeLines(truncated);
  const s = r.summary!;
  expect(s).toMatchObject({
    objects: 6,
    samples: GOOD_SAMPLES + POISON_EXPECTED.samples + (readable + 1) + 1 + 1,
    valid: GOOD_SAMPLES + POISON_EXPECTED.valid + readable,
    quarantined: POISON_EXPECTED.quarantined + 3,
    quarantined_by_reason: { ...POISON_EXPECTED.quarantined_by_reason, corrupt_object: 3 },
    dates_rebuilt: expect.arrayContaining(['2026-04-01']), // with its neighbours (late data can move a trip)
  });
  expect(s.samples).toBe(s.valid + s.quarantined + s.duplicates);

  const db = await openDuckDb();
  try {
    const q = (sql: string) => db.conn.runAndReadAll(sql).then((x) => x.getRowObjectsJson() as Array<Record<string, unknown>>);
    const silver = await q(`SELECT vehicle_id, count(*)::INT AS n FROM read_parquet('${lake}/silver/telemetry/dt=2026-04-01/*.parquet') GROUP BY 1 ORDER BY 1`);
    // V1 and V2 from the good objects, V0001/V0002 from the poison object's good samples, V0003 from the truncated one
    expect(silver).toEqual([
      { vehicle_id: 'V0001', n: 6 },
      { vehicle_id: 'V0002', n: 1 },
      { vehicle_id: 'V0003', n: readable },
      { vehicle_id: 'V1', n: 400 },
      { vehicle_id: 'V2', n: 200 },
    ]);
    const trips = await q(`SELECT DISTINCT vehicle_id FROM read_parquet('${lake}/gold/trips/dt=2026-04-01/*.parquet') ORDER BY 1`);
    expect(trips.map((t) => t.vehicle_id)).toEqual(expect.arrayContaining(['V1', 'V2']));
    const reasons = await q(`SELECT source_key, reason, count(*)::INT AS n FROM read_parquet('${lake}/silver/quarantine/*/*.parquet') GROUP BY ALL ORDER BY ALL`);
    expect(reasons).toEqual(
      [
        ...corrupt.map((key) => ({ source_key: key, reason: 'corrupt_object', n: 1 })),
        ...Object.entries(POISON_EXPECTED.quarantined_by_reason).map(([reason, n]) => ({ source_key: poisonKey, reason, n })),
      ].sort((a, b) => (a.source_key + a.reason < b.source_key + b.reason ? -1 : 1)),
    );
  } finally {
    db.close();
  }
});
