import { mkdtemp, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bronzeObjectKey } from '../ingest/firehose';
import { FsObjectStore } from '../store';
import { InvalidPipelineInput, replayInput, STARTED_BY } from './input';
import { plan, type PlanResult } from './plan';
import { fixtureUuid } from '../../test/fixtures/orchestrate/bronze';
import { deployedPlanSettings } from '../../test/fixtures/orchestrate/plan-settings';
import { writeWatermark } from './watermark';

/**
 * replayInput (`fleetlake rerun`): the concrete input that replays what an execution planned. Checked against the real
 * plan(): the replayed window takes exactly the objects the original plan took, after more objects have arrived.
 */
let dir: string;
let bronze: FsObjectStore;
let silver: FsObjectStore;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-replay-'));
  bronze = new FsObjectStore(path.join(dir, 'bronze'));
  silver = new FsObjectStore(path.join(dir, 'silver'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const uuid = fixtureUuid;
/** A Firehose object named after `arrival`, landed (LastModified) at `landed`. */
async function put(n: number, arrival: string, landed: string): Promise<string> {
  const key = bronzeObjectKey({ stream: 's', version: 1, arrivalMs: Date.parse(arrival), uuid: uuid(n) });
  await bronze.put(key, Buffer.alloc(10));
  const t = new Date(landed);
  await utimes(path.join(bronze.location, ...key.split('/')), t, t);
  return key;
}
const planAt = (input: unknown, now: string) => plan({ input }, { bronze, silver, now: new Date(now), settings: { ...deployedPlanSettings(), settleSeconds: 300 } });
const keys = (p: PlanResult) => p.items.flatMap((i) => i.keys);
/** What Commit does after a successful scheduled run. */
const commit = (p: PlanResult) => writeWatermark(silver, p.watermark!.after, 'e1', null);

test('the first scheduled run (no watermark): from the earliest object name to the cutoff, whatever arrived since', async () => {
  const k1 = await put(1, '2026-03-01T10:00:00Z', '2026-03-01T10:02:00Z');
  const k2 = await put(2, '2026-03-01T10:30:00Z', '2026-03-01T11:05:00Z'); // delivered late, named in hour 10
  const k3 = await put(3, '2026-03-01T11:10:00Z', '2026-03-01T11:12:00Z');
  const first = await planAt({}, '2026-03-01T12:00:00Z');
  expect(keys(first)).toEqual([k1, k2, k3]);
  await commit(first);
  const k4 = await put(4, '2026-03-01T12:58:00Z', '2026-03-01T13:00:00Z'); // arrives after the run

  const replay = replayInput({}, first);
  expect(replay).toEqual({ from: '2026-03-01T10:00:00.000Z', to: '2026-03-01T11:55:00.001Z' });
  const again = await planAt(replay, '2026-03-01T14:00:00Z');
  expect(keys(again)).toEqual([k1, k2, k3]);
  expect(again.watermark).toBeNull(); // a window run leaves the watermark alone
  // The literal input `{}` now plans something else: only what arrived since the watermark.
  expect(keys(await planAt({}, '2026-03-01T14:00:00Z'))).toEqual([k4]);
});

test('after a watermark: objects that share its arrival time are split by key, as the scheduled plan split them', async () => {
  const k1 = await put(1, '2026-03-01T10:04:00Z', '2026-03-01T10:05:00Z');
  const k2 = await put(2, '2026-03-01T10:04:00Z', '2026-03-01T10:05:00Z');
  const k3 = await put(3, '2026-03-01T10:04:00Z', '2026-03-01T10:05:00Z');
  const k4 = await put(4, '2026-03-01T10:29:00Z', '2026-03-01T10:30:00Z');
  await writeWatermark(silver, { last_modified: '2026-03-01T10:05:00.000Z', key: k1 }, 'e0', null); // k1 done before
  const scheduled = await planAt({}, '2026-03-01T12:00:00Z');
  expect(keys(scheduled)).toEqual([k2, k3, k4]);
  await put(5, '2026-03-01T12:58:00Z', '2026-03-01T13:00:00Z');

  const replay = replayInput({ [STARTED_BY]: 'arn:aws:states:eu-west-1:1:execution:m:e0' }, scheduled)!;
  expect(replay).toEqual({ from: '2026-03-01T10:05:00.000Z', to: '2026-03-01T11:55:00.001Z', after: { last_modified: '2026-03-01T10:05:00.000Z', key: k1 } });
  expect(keys(await planAt(replay, '2026-03-01T14:00:00Z'))).toEqual([k2, k3, k4]);
  // Without `after` the window would take k1 again: the cursor is what makes the replay exact.
  expect(keys(await planAt({ from: replay.from, to: replay.to }, '2026-03-01T14:00:00Z'))).toEqual([k1, k2, k3, k4]);
});

test('a scheduled run that found nothing new replays an empty window', async () => {
  const k1 = await put(1, '2026-03-01T10:04:00Z', '2026-03-01T10:05:00Z');
  await writeWatermark(silver, { last_modified: '2026-03-01T10:05:00.000Z', key: k1 }, 'e0', null);
  const idle = await planAt({}, '2026-03-01T12:00:00Z');
  expect(idle.objects).toBe(0);
  await put(2, '2026-03-01T12:58:00Z', '2026-03-01T13:00:00Z');
  const replay = replayInput({}, idle);
  expect(replay).toEqual({ from: '2026-03-01T10:05:00.001Z', to: '2026-03-01T11:55:00.001Z' });
  expect((await planAt(replay, '2026-03-01T14:00:00Z')).objects).toBe(0);
});

test('concrete inputs are replayed as given (without the parent link); a {} execution without a plan has nothing to replay', () => {
  const after = { last_modified: '2026-03-01T10:05:00.000Z', key: 'telemetry/x.gz' };
  expect(replayInput({ from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z', after, [STARTED_BY]: 'arn' }, undefined)).toEqual({ from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z', after });
  expect(replayInput({ dates: ['2026-03-01'] }, undefined)).toEqual({ dates: ['2026-03-01'] });
  expect(replayInput({}, undefined)).toBeNull();
  expect(() => replayInput({ dates: ['2026-13-01'] }, undefined)).toThrow(InvalidPipelineInput);
});

test('a first run over an object whose name does not say when it arrived cannot be replayed exactly: it says so', async () => {
  await bronze.put('telemetry/year=2026/month=03/day=01/hour=10/copied-by-hand.gz', Buffer.alloc(10));
  const first = await planAt({}, '2099-01-01T00:00:00Z');
  expect(() => replayInput({}, first)).toThrow(/cannot tell when telemetry\/.*copied-by-hand\.gz arrived/);
});
