/**
 * One local "Lambda sandbox": a worker thread that imports handler modules and runs one invocation at a time.
 * Everything the handler writes to stdout/stderr (Powertools JSON logs, EMF metric lines) is captured per
 * invocation and handed back to the pool, which files it under <lake>/_logs and <lake>/_metrics.
 */
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { InvokeRequest, InvokeResponse, WarmRequest } from './protocol';

let captured: string[] = [];
for (const stream of [process.stdout, process.stderr]) {
  stream.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') done();
    return true;
  }) as typeof stream.write;
}

const modules = new Map<string, Promise<Record<string, unknown>>>();
const baseEnv = { ...process.env };

function load(req: { module: string; environment: Record<string, string> }): Promise<Record<string, unknown>> {
  let m = modules.get(req.module);
  if (!m) {
    // Settings are read once at import (cold start): give the module its function's environment first.
    Object.assign(process.env, baseEnv, req.environment);
    m = import(pathToFileURL(req.module).href) as Promise<Record<string, unknown>>;
    modules.set(req.module, m);
  }
  return m;
}

parentPort!.on('message', async (msg: InvokeRequest | WarmRequest) => {
  if (msg.type === 'warm') {
    // Sequential, so each module sees its own environment at import; failures surface on invocation.
    for (const m of msg.modules) await load(m).catch(() => undefined);
    captured = [];
    return;
  }
  const req = msg;
  captured = [];
  let res: InvokeResponse;
  const started = Date.now();
  try {
    const mod = await load(req);
    const handler = mod[req.exportName];
    if (typeof handler !== 'function') throw new Error(`${req.module} does not export a function "${req.exportName}"`);
    const context = {
      functionName: req.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: req.functionArn,
      memoryLimitInMB: String(req.memoryMb),
      awsRequestId: req.requestId,
      logGroupName: `/aws/lambda/${req.functionName}`,
      logStreamName: `local/${req.requestId}`,
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => Math.max(0, req.timeoutSeconds * 1000 - (Date.now() - started)),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    Object.assign(process.env, { AWS_LAMBDA_FUNCTION_NAME: req.functionName, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(req.memoryMb) });
    const result = await (handler as (e: unknown, c: unknown) => Promise<unknown>)(req.event, context);
    res = { id: req.id, ok: true, result: result === undefined ? null : result, output: captured.join('') };
  } catch (err) {
    const e = err as Error;
    res = { id: req.id, ok: false, errorType: e?.name ?? 'Error', errorMessage: e?.message ?? String(err), stack: e?.stack, output: captured.join('') };
  }
  captured = [];
  parentPort!.postMessage(res);
});
