import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { batchBody, bronzeObjectKey, FirehoseBuffer, LOCAL_STREAM_NAME, type Batch } from '../../lib/ingest/firehose';
import type { ObjectStore } from '../../lib/store';

const gzip = promisify(gzipCb);

export interface LandingOptions {
  store: ObjectStore;
  maxBytes: number;
  intervalMs: number;
  stream?: string;
  version?: number;
  now?: () => number;
}

export interface LandingCounters {
  objects: number;
  lines: number;
  /** Uncompressed NDJSON bytes written. */
  bytes: number;
  /** Gzip bytes written. */
  gzBytes: number;
}

/**
 * The Firehose-style landing writer: buffers projected lines and writes each batch as one gzip NDJSON
 * object under the arrival-time prefix of its oldest record. Writes are sequential and atomic.
 */
export class LandingWriter {
  private readonly buffer: FirehoseBuffer;
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  readonly counters: LandingCounters = { objects: 0, lines: 0, bytes: 0, gzBytes: 0 };

  constructor(private readonly options: LandingOptions) {
    this.buffer = new FirehoseBuffer({ maxBytes: options.maxBytes, intervalMs: options.intervalMs });
  }

  /** Buffers a line; starts a write when the size hint is reached. */
  add(line: string, arrivalMs: number): void {
    const batch = this.buffer.add(line, arrivalMs);
    if (batch) this.enqueue(batch);
  }

  /** Starts a write when the interval hint has elapsed. Call periodically. */
  tick(): void {
    if (this.buffer.due((this.options.now ?? Date.now)())) this.enqueue(this.buffer.drain()!);
  }

  /** Writes everything buffered and waits for all writes; rethrows the first write error. */
  async flush(): Promise<void> {
    const rest = this.buffer.drain();
    if (rest) this.enqueue(rest);
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private enqueue(batch: Batch): void {
    this.chain = this.chain.then(() => this.write(batch)).catch((err: Error) => {
      this.failure ??= err;
    });
  }

  private async write(batch: Batch): Promise<void> {
    const body = await gzip(batchBody(batch));
    const key = bronzeObjectKey({ stream: this.options.stream ?? LOCAL_STREAM_NAME, version: this.options.version ?? 1, arrivalMs: batch.oldestArrivalMs });
    await this.options.store.put(key, body, { contentType: 'application/x-ndjson', contentEncoding: 'gzip' });
    this.counters.objects += 1;
    this.counters.lines += batch.lines.length;
    this.counters.bytes += batch.bytes;
    this.counters.gzBytes += body.length;
  }
}
