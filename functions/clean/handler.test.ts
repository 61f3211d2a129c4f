import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import { FsObjectStore, listAll } from '../../lib/store';
import { MIXED_EXPECTED, MIXED_KEY, mixedObject } from '../../test/fixtures/bronze/mixed';

const lake = mkdtempSync(path.join(tmpdir(), 'fleetlake-clean-handler-'));
process.env.FLEETLAKE_LAKE = lake;
process.env.STAGE = 'test';
const { handler } = await import('./handler');

const context = {
  functionName: 'fleetlake-test-clean',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fleetlake-test-clean',
  memoryLimitInMB: '1769',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Parameters<typeof handler>[1];

afterAll(() => rmSync(lake, { recursive: true, force: true }));

async function invoke(event: unknown): Promise<{ result: unknown; lines: Array<Record<string, unknown>> }> {
  const out: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const result = await handler(event, context);
    return { result, lines: out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
  } finally {
    spy.mockRestore();
  }
}

test('cleans the keys of the event, logs with execution id and source key, emits EMF metrics', async () => {
  await new FsObjectStore(path.join(lake, 'bronze')).put(MIXED_KEY, mixedObject());
  const { result, lines } = await invoke({ keys: [MIXED_KEY], execution_id: 'exec-42' });

  expect(result).toMatchObject({ totals: { samples: MIXED_EXPECTED.samples, valid: MIXED_EXPECTED.valid }, dates: MIXED_EXPECTED.dates });
  expect((await listAll(new FsObjectStore(path.join(lake, 'silver')), 'telemetry_parts/')).length).toBe(2);

  const cleaned = lines.find((l) => l.message === 'cleaned')!;
  expect(cleaned).toMatchObject({ level: 'INFO', execution_id: 'exec-42', source_key: MIXED_KEY, function: 'clean', function_request_id: 'req-1', samples: 24 });

  const emf = lines.filter((l) => l._aws);
  const directives = emf.map((l) => (l._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }).CloudWatchMetrics[0]!);
  expect(new Set(directives.map((d) => d.Namespace))).toEqual(new Set(['fleetlake']));
  const main = emf[directives.findIndex((d) => d.Metrics.some((m) => m.Name === 'SamplesIn'))]!;
  expect(main).toMatchObject({ stage: 'test', function: 'clean', SamplesIn: 24, SamplesValid: 8, SamplesQuarantined: 15, DuplicatesDropped: 1, BytesRead: mixedObject().length });
  expect(main.ArrivalLagSeconds).toBeGreaterThan(0);
  // per-reason counts: a bounded Reason dimension next to stage and function; never a vehicle id
  const reasons = emf.filter((l) => typeof l.Reason === 'string');
  expect(Object.fromEntries(reasons.map((l) => [l.Reason, l.SamplesQuarantined]))).toEqual(MIXED_EXPECTED.quarantined_by_reason);
  for (const d of directives) for (const dims of d.Dimensions) expect(dims.every((x) => ['stage', 'function', 'Reason', 'service'].includes(x))).toBe(true);
  expect(JSON.stringify(directives)).not.toContain('vehicle');
});

test('rejects an event without bronze keys', async () => {
  await expect(invoke({ keys: ['../etc/passwd'] })).rejects.toThrow(/bronze keys/);
  await expect(invoke({})).rejects.toThrow(/bronze keys/);
});

test('a corrupt object beside a good one: the invocation succeeds and counts it; a read error fails it and names the object', async () => {
  const bronze = new FsObjectStore(path.join(lake, 'bronze'));
  const corrupt = MIXED_KEY.replace('mixed', 'truncated');
  await bronze.put(corrupt, mixedObject().subarray(0, 40));
  const { result, lines } = await invoke({ keys: [MIXED_KEY, corrupt] });
  expect(result).toMatchObject({ totals: { samples: MIXED_EXPECTED.samples + 1, quarantined: MIXED_EXPECTED.quarantined + 1, quarantined_by_reason: { corrupt_object: 1 } } });
  const reasons = lines.filter((l) => l.Reason === 'corrupt_object');
  expect(reasons).toMatchObject([{ SamplesQuarantined: 1 }]);

  const missing = MIXED_KEY.replace('mixed', 'missing');
  await expect(invoke({ keys: [MIXED_KEY, missing] })).rejects.toMatchObject({ name: 'BronzeReadError', message: expect.stringContaining(`cannot read bronze object ${bronze.location}/${missing}`) });
});
