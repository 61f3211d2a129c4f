import { appendFile, mkdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../ts-worker';
import type { FunctionConfig } from '../stepfunctions/serverless-config';
import type { InvokeRequest, InvokeResponse } from './protocol';

/**
 * The local Lambda runtime: runs the SAME handler modules as AWS, in a pool of worker threads (one invocation per
 * worker at a time, like a Lambda sandbox), so a Map uses all cores. Handlers get `FLEETLAKE_LAKE=<lake>` (the
 * object store port then uses files) and `STAGE=local`. Their stdout (Powertools JSON logs, EMF metrics) is
 * captured and filed: EMF lines (JSON with `_aws`) → `<lake>/_metrics/<execution-id>.ndjson`, the rest →
 * `<lake>/_logs/<execution-id>.ndjson`. The console stays free for progress bars.
 */
export class LambdaError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface LambdaPoolOptions {
  lake: string;
  /** Workers (sandboxes); default: the number of cores. */
  size?: number;
  /** Extra environment for every function (after the function's own, before FLEETLAKE_LAKE/STAGE). */
  env?: Record<string, string>;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  pending?: { req: InvokeRequest; resolve: (v: InvokeResponse) => void };
}

const WORKER = new URL('./worker.ts', import.meta.url);

export function defaultPoolSize(maxConcurrency: number): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(maxConcurrency, cores));
}

export class LambdaPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Array<{ req: InvokeRequest; resolve: (v: InvokeResponse) => void }> = [];
  private nextId = 1;
  private closed = false;
  private writes = Promise.resolve();
  /** Invocations done, per function name. */
  readonly invocations = new Map<string, number>();

  constructor(private readonly options: LambdaPoolOptions) {
    this.size = options.size ?? defaultPoolSize(Number.MAX_SAFE_INTEGER);
  }

  /** Invokes a function like Step Functions does with a Lambda ARN: resolves with its result or rejects with its error. */
  async invoke(fn: FunctionConfig, event: unknown, executionId: string): Promise<unknown> {
    if (this.closed) throw new Error('the local Lambda pool is closed');
    const req: InvokeRequest = {
      id: this.nextId++,
      module: fn.module,
      exportName: fn.exportName,
      functionName: fn.deployedName,
      functionArn: `local:${fn.deployedName}`,
      requestId: randomUUID(),
      memoryMb: fn.memoryMb,
      timeoutSeconds: fn.timeoutSeconds,
      environment: this.environment(fn),
      event,
    };
    const res = await new Promise<InvokeResponse>((resolve) => {
      this.queue.push({ req, resolve });
      this.dispatch();
    });
    this.invocations.set(fn.name, (this.invocations.get(fn.name) ?? 0) + 1);
    this.file(res.output, executionId);
    if (res.ok) return res.result;
    // The error Step Functions reports for a failed Lambda: the errorType as Error, the error JSON as Cause.
    throw new LambdaError(res.errorType, JSON.stringify({ errorType: res.errorType, errorMessage: res.errorMessage, stackTrace: res.stack?.split('\n').slice(1).map((l) => l.trim()) ?? [] }));
  }

  /**
   * Starts every sandbox and imports these handlers in each, in the background, so the first invocations do not
   * pay the cold start one after the other. (A sandbox's messages are handled in order: invocations queue behind.)
   */
  warm(fns: readonly FunctionConfig[]): void {
    while (this.slots.length < this.size) this.spawn();
    const modules = fns.map((fn) => ({ module: fn.module, environment: this.environment(fn) }));
    for (const s of this.slots) s.worker.postMessage({ type: 'warm', modules });
  }

  private environment(fn: FunctionConfig): Record<string, string> {
    return { ...fn.environment, ...this.options.env, FLEETLAKE_LAKE: this.options.lake, STAGE: 'local' };
  }

  /** Waits for captured output to be written. */
  async flush(): Promise<void> {
    await this.writes;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
    await this.flush();
  }

  private dispatch(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.busy = true;
      slot.pending = job;
      slot.worker.postMessage(job.req);
    }
  }

  private spawn(): Slot {
    const worker = startTsWorker(WORKER, {
      env: { ...process.env, FLEETLAKE_LAKE: this.options.lake, STAGE: 'local' },
    });
    const slot: Slot = { worker, busy: false };
    worker.on('message', (res: InvokeResponse) => {
      const job = slot.pending;
      slot.pending = undefined;
      slot.busy = false;
      job?.resolve(res);
      this.dispatch();
    });
    const crashed = (message: string) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const job = slot.pending;
      slot.pending = undefined;
      if (job) job.resolve({ id: job.req.id, ok: false, errorType: 'Runtime.ExitError', errorMessage: message, output: '' });
      if (!this.closed) this.dispatch();
    };
    worker.on('error', (err) => crashed(`the sandbox crashed: ${err.message}`));
    worker.on('exit', (code) => crashed(`the sandbox exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  private file(output: string, executionId: string): void {
    if (!output) return;
    const metrics: string[] = [];
    const logs: string[] = [];
    for (const line of output.split('\n')) {
      if (!line.trim()) continue;
      let isEmf = false;
      if (line.startsWith('{')) {
        try {
          isEmf = typeof (JSON.parse(line) as Record<string, unknown>)._aws === 'object';
        } catch {
          // not JSON: a plain log line
        }
      }
      (isEmf ? metrics : logs).push(line);
    }
    const lake = this.options.lake;
    this.writes = this.writes.then(async () => {
      if (metrics.length) {
        await mkdir(path.join(lake, '_metrics'), { recursive: true });
        await appendFile(path.join(lake, '_metrics', `${executionId}.ndjson`), `${metrics.join('\n')}\n`);
      }
      if (logs.length) {
        await mkdir(path.join(lake, '_logs'), { recursive: true });
        await appendFile(path.join(lake, '_logs', `${executionId}.ndjson`), `${logs.join('\n')}\n`);
      }
    });
  }
}
