import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FunctionConfig } from '../stepfunctions/serverless-config';
import { LambdaPool } from './pool';

const module = path.resolve(import.meta.dirname, '../../test/fixtures/orchestrate/handlers.ts');
const fn = (exportName: string): FunctionConfig => ({
  name: exportName,
  deployedName: `fleetlake-local-${exportName}`,
  module,
  exportName,
  environment: { FIXTURE_SETTING: 'from-function-yml' },
  timeoutSeconds: 10,
  memoryMb: 128,
});

let lake: string;
let pool: LambdaPool;
beforeEach(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), 'fleetlake-pool-'));
  pool = new LambdaPool({ lake, size: 2 });
});
afterEach(async () => {
  await pool.close();
  await rm(lake, { recursive: true, force: true });
});

test('runs handlers in worker threads with the lake env and files EMF metrics and logs per execution', async () => {
  const results = (await Promise.all([1, 2, 3, 4].map((n) => pool.invoke(fn('echo'), { n, sleepMs: 150 }, 'exec-1')))) as Array<{
    n: number;
    thread: number;
    env: Record<string, string>;
  }>;
  expect(results.map((r) => r.n)).toEqual([1, 2, 3, 4]);
  expect(new Set(results.map((r) => r.thread)).size).toBe(2); // both sandboxes were used
  expect(results[0]!.env).toEqual({ lake, stage: 'local', custom: 'from-function-yml' });
  await pool.flush();
  const metrics = (await readFile(path.join(lake, '_metrics', 'exec-1.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  expect(metrics).toHaveLength(4);
  expect(metrics.map((m) => m.Echoed).sort()).toEqual([1, 2, 3, 4]);
  expect(metrics[0]._aws.CloudWatchMetrics[0].Namespace).toBe('fleetlake');
  const logs = (await readFile(path.join(lake, '_logs', 'exec-1.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  expect(logs.filter((l) => l.message === 'echo')).toHaveLength(4);
});

test('a handler error rejects with its errorType as the error name and the Lambda error JSON as the cause', async () => {
  await expect(pool.invoke(fn('fails'), {}, 'exec-2')).rejects.toMatchObject({ name: 'InvalidThing' });
  const err = (await pool.invoke(fn('fails'), {}, 'exec-2').catch((e: Error) => e)) as Error;
  expect(JSON.parse(err.message)).toMatchObject({ errorType: 'InvalidThing', errorMessage: 'bad input' });
});

test('a crashed sandbox fails the invocation and is replaced', async () => {
  await expect(pool.invoke(fn('exits'), {}, 'exec-3')).rejects.toMatchObject({ name: 'Runtime.ExitError' });
  await expect(pool.invoke(fn('echo'), { n: 7 }, 'exec-3')).resolves.toMatchObject({ n: 7 });
});
