import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { createGzip, gzip as gzipCb, type Gzip } from 'node:zlib';
import { bronzeObjectKey, LOCAL_STREAM_NAME } from '../../lib/ingest/firehose';
import { PreconditionFailedError, type FsObjectStore } from '../../lib/store';
import { RecordBuffer, type TakenRecords } from './record-buffer';
import { readSegments, removeSpares, retireSegment, syncPath, WalSegment } from './wal';

const gzip = promisify(gzipCb);
/** Uncommitted bytes past which the broker stops reading from clients until a commit catches up. */
const MAX_BACKLOG_BYTES = 16 << 20;
/**
 * gzip runs on the thread pool, one job per write: it gets the committed bytes in pieces this large (few jobs, and
 * short enough that a WAL write queued behind them does not wait long), and returns output in chunks this large.
 */
const GZIP_CHUNK_BYTES = 256 << 10;

/**
 * zlib level 2: on bronze NDJSON it compresses 2.7× faster than zlib's default (6) for objects about a third
 * larger (12.4 % of the raw JSON against 9.3 %), and gzip was the largest cost of the local landing (bench P1).
 * Bronze stays gzip NDJSON; in AWS, Firehose compresses.
 */
const GZIP_LEVEL = 2;

/** Hands the object's committed bytes to gzip, in one write. */
function compressSome(o: OpenObject): void {
  if (o.unzippedBytes === 0) return;
  o.gzip.write(o.unzipped.length === 1 ? o.unzipped[0]! : Buffer.concat(o.unzipped, o.unzippedBytes));
  o.unzipped = [];
  o.unzippedBytes = 0;
}
const ERR = (err: unknown) => `${(err as NodeJS.ErrnoException).code ?? 'error'}: ${(err as Error).message}`;

export interface LandingOptions {
  /** The bronze store (local: files). */
  store: FsObjectStore;
  /** The write-ahead log's directory; without one, records are acknowledged on arrival and a crash loses the buffer. */
  walDir?: string;
  /** Firehose-style size hint: uncompressed NDJSON bytes per object. */
  maxBytes: number;
  /** Firehose-style interval hint, from the oldest record of an object. */
  intervalMs: number;
  stream?: string;
  version?: number;
  now?: () => number;
  log: (line: string) => void;
  /** How long to wait before retrying a failed WAL or bronze write. Default 1000 ms. */
  retryMs?: number;
  /** One WAL group commit: seconds for its durable write, and its records. */
  onCommit?: (seconds: number, records: number) => void;
  /** One bronze object written: seconds for its put (and fsync). */
  onLanded?: (seconds: number) => void;
}

export interface LandingCounters {
  /** Bronze objects written, their records, uncompressed and gzip bytes. */
  objects: number;
  lines: number;
  bytes: number;
  gzBytes: number;
  /** WAL group commits (one durable write each) and the bytes they wrote. */
  walCommits: number;
  walBytes: number;
  /** WAL writes that failed (disk full, I/O error). */
  walFailures: number;
  /** Messages whose acknowledgement was held back because their WAL write failed. */
  refusedAcks: number;
  /** Bronze writes that failed (retried; the records stay in the WAL). */
  landingFailures: number;
  /** Records and objects landed at start from a WAL a previous run left (crash), and segments found landed already. */
  replayedRecords: number;
  replayedObjects: number;
  replayedLanded: number;
}

/** What `close()` could not finish: unacknowledged messages (never acked, so clients resend) and WAL segments left for the next start. */
export interface LandingLeftovers {
  unacknowledged: number;
  segmentsLeft: number;
}

/** The records of one future bronze object: compressed as they commit, in its WAL segment until landed. */
interface OpenObject {
  uuid: string;
  wal?: WalSegment;
  oldestArrivalMs: number;
  records: number;
  bytes: number;
  gzip: Gzip;
  /** Committed bytes not handed to gzip yet: it gets them `GZIP_CHUNK_BYTES` at a time. */
  unzipped: Buffer[];
  unzippedBytes: number;
  gzipped: Promise<Buffer>;
}

interface SealedObject {
  key: string;
  records: number;
  bytes: number;
  body: Promise<Buffer>;
  /** The WAL segment file to remove once the object is durable in bronze. */
  walFile?: string;
  replayed: boolean;
}

/**
 * The Firehose-style landing with a write-ahead log. Records (projected lines) are group-committed to the
 * WAL: one write is in flight at a time, everything that arrives meanwhile goes in the next frame, and a record
 * counts as durable (`committed`, `done`, the MQTT acknowledgement) only once its frame is on disk. One WAL segment becomes one
 * bronze object (gzip NDJSON, named after the segment) at the size or interval hint; the segment is removed
 * once the object is durable. A failed write is retried every `retryMs` without acknowledging anything.
 */
export class Landing {
  readonly counters: LandingCounters = {
    objects: 0, lines: 0, bytes: 0, gzBytes: 0, walCommits: 0, walBytes: 0, walFailures: 0, refusedAcks: 0, landingFailures: 0,
    replayedRecords: 0, replayedObjects: 0, replayedLanded: 0,
  };
  /** Records added so far, and the first that many of them durable (committed to the WAL, in order). */
  added = 0;
  committed = 0;
  private readonly waiters: Array<{ seq: number; done: () => void }> = [];
  private readonly durableListeners = new Set<(committed: number) => void>();
  private readonly pending = new RecordBuffer();
  private inflightBytes = 0;
  /** Leading pending records already counted in `refusedAcks`. */
  private refusedCounted = 0;
  private current: OpenObject | undefined;
  private committing = false;
  private commitLoop: Promise<void> = Promise.resolve();
  private scheduled = false;
  private walFailingSince: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly sealed: SealedObject[] = [];
  private landing = false;
  private landingLoop: Promise<void> = Promise.resolve();
  private landingFailingSince: number | undefined;
  private closing = false;
  private readonly retryMs: number;
  private readonly now: () => number;

  constructor(private readonly options: LandingOptions) {
    if (!(options.maxBytes > 0) || !(options.intervalMs > 0)) throw new Error('buffer hints must be positive');
    this.retryMs = options.retryMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  get durable(): boolean {
    return this.options.walDir !== undefined;
  }

  /** Records waiting for their WAL commit. */
  get pendingRecords(): number {
    return this.added - this.committed;
  }

  /** True while WAL writes fail (acknowledgements are held back). */
  get failing(): boolean {
    return this.walFailingSince !== undefined || this.landingFailingSince !== undefined;
  }

  /** True while WAL writes fail or the uncommitted records pass `MAX_BACKLOG_BYTES`: stop reading more. */
  get backlogged(): boolean {
    return this.walFailingSince !== undefined || this.pending.bytes + this.inflightBytes > MAX_BACKLOG_BYTES;
  }

  /** Calls `listener(committed)` after every commit. */
  onDurable(listener: (committed: number) => void): () => void {
    this.durableListeners.add(listener);
    return () => this.durableListeners.delete(listener);
  }

  /**
   * Lands the segments a previous run left in the WAL (after a crash): each becomes the bronze object named
   * after it, unless that object exists already (the crash came after it was written). Call before `add`.
   */
  async replay(): Promise<void> {
    if (!this.options.walDir) return;
    for (const s of await readSegments(this.options.walDir)) {
      const records = s.frames.reduce((n, f) => n + f.records, 0);
      if (s.tornBytes) this.options.log(`ingest: WAL segment ${path.basename(s.file)} ends in ${s.tornBytes} bytes of an unfinished write (never acknowledged); landing the ${records} records before them`);
      if (records === 0) {
        await rm(s.file, { force: true });
        continue;
      }
      const payload = Buffer.concat(s.frames.map((f) => f.payload));
      this.sealed.push({ key: this.keyOf(s.uuid, s.frames[0]!.firstArrivalMs), records, bytes: payload.length, body: gzip(payload, { level: GZIP_LEVEL }), walFile: s.file, replayed: true });
    }
    if (this.sealed.length) await this.startLanding();
  }

  /**
   * Adds one record, the line `head` + `tail` (no newline; see `ProjectedParts`); returns its sequence
   * number, durable once `committed` reaches it. `done` is called then (at once without a WAL).
   */
  add(line: { head: Buffer; tail: string }, arrivalMs: number, done?: () => void): number {
    this.pending.add(line.head, line.tail, arrivalMs);
    const seq = ++this.added;
    if (!this.durable) this.committed = seq;
    if (done) this.whenDurable(seq, done);
    if (!this.scheduled && !this.committing && this.walFailingSince === undefined) {
      this.scheduled = true;
      setImmediate(() => void this.commit());
    }
    return seq;
  }

  /** Calls `done` once record `seq` is durable. */
  whenDurable(seq: number, done: () => void): void {
    if (seq <= this.committed) done();
    else this.waiters.push({ seq, done });
  }

  /** Seals the open object when the interval hint has elapsed. Call periodically. */
  tick(): void {
    if (!this.committing && this.current && this.now() - this.current.oldestArrivalMs >= this.options.intervalMs) this.seal();
  }

  /** Waits for the records added so far to be committed (or for the running commit to fail). */
  commitPending(): Promise<void> {
    return this.walFailingSince === undefined ? this.commit() : Promise.resolve();
  }

  /**
   * Commits what is pending and lands everything; returns what could not be finished (while the disk
   * fails: one more try each). Without a WAL, a record that cannot be landed is lost: that throws.
   */
  async close(): Promise<LandingLeftovers> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    await this.commit(); // the one in flight
    this.walFailingSince = undefined;
    await this.commit(); // one more try for what a failure left
    const unacknowledged = this.pending.records;
    this.seal();
    await this.startLanding();
    const segmentsLeft = this.sealed.length;
    if (this.options.walDir) await removeSpares(this.options.walDir);
    if (!this.durable && segmentsLeft > 0) throw new Error(`${this.sealed.reduce((n, s) => n + s.records, 0)} records could not be written to bronze (${this.options.store.location})`);
    return { unacknowledged, segmentsLeft };
  }

  private keyOf(uuid: string, arrivalMs: number): string {
    return bronzeObjectKey({ stream: this.options.stream ?? LOCAL_STREAM_NAME, version: this.options.version ?? 1, arrivalMs, uuid });
  }

  /** Runs group commits until nothing is pending or a write fails (a retry is then timed); joins the one running. */
  private commit(): Promise<void> {
    this.scheduled = false;
    if (!this.committing) this.commitLoop = this.runCommits();
    return this.commitLoop;
  }

  private async runCommits(): Promise<void> {
    this.committing = true;
    try {
      while (this.pending.records > 0) {
        const taken = this.pending.take();
        this.inflightBytes = taken.bytes;
        try {
          const object = (this.current ??= await this.open(taken.firstArrivalMs));
          if (object.wal) {
            const t0 = performance.now();
            await object.wal.append(taken.parts, taken.records, taken.firstArrivalMs);
            this.options.onCommit?.((performance.now() - t0) / 1000, taken.records);
            this.counters.walCommits += 1;
            this.counters.walBytes += taken.bytes;
          }
          object.unzipped.push(...taken.parts);
          object.unzippedBytes += taken.bytes;
          if (object.unzippedBytes >= GZIP_CHUNK_BYTES) compressSome(object);
          object.records += taken.records;
          object.bytes += taken.bytes;
        } catch (err) {
          this.inflightBytes = 0;
          if (this.current?.records === 0) this.seal(); // a segment that never got a frame is removed, not kept empty
          this.requeue(taken, err);
          return;
        }
        this.inflightBytes = 0;
        this.walRecovered();
        if (this.durable) this.advance(taken.records);
        if (this.current.bytes >= this.options.maxBytes) this.seal();
      }
    } finally {
      this.committing = false;
    }
    this.tick();
  }

  private async open(firstArrival: number): Promise<OpenObject> {
    const wal = this.options.walDir ? await WalSegment.create(this.options.walDir, this.now()) : undefined;
    // Output in 256 KiB chunks (zlib's default is 16 KiB): 16× fewer callbacks on the main thread.
    const gz = createGzip({ level: GZIP_LEVEL, chunkSize: GZIP_CHUNK_BYTES });
    const chunks: Buffer[] = [];
    gz.on('data', (c: Buffer) => chunks.push(c));
    const gzipped = once(gz, 'end').then(() => Buffer.concat(chunks));
    gzipped.catch(() => undefined);
    return { uuid: wal?.uuid ?? randomUUID(), wal, oldestArrivalMs: firstArrival, records: 0, bytes: 0, gzip: gz, unzipped: [], unzippedBytes: 0, gzipped };
  }

  /** `records` more are durable: release their waiters and tell the listeners. */
  private advance(records: number): void {
    this.committed += records;
    let n = 0;
    while (n < this.waiters.length && this.waiters[n]!.seq <= this.committed) n++;
    for (const w of this.waiters.splice(0, n)) w.done();
    for (const listener of this.durableListeners) listener(this.committed);
  }

  /** A failed commit: its records go back in front, unacknowledged; one log line per episode; a retry is timed. */
  private requeue(taken: TakenRecords, err: unknown): void {
    this.counters.walFailures += 1;
    // Count each record once however often its write fails: the ones before were counted by earlier failures.
    this.counters.refusedAcks += taken.records - this.refusedCounted;
    this.refusedCounted = taken.records;
    this.pending.putBack(taken);
    if (this.walFailingSince === undefined) {
      this.walFailingSince = this.now();
      this.options.log(`ingest: WAL write failed (${ERR(err)}); not acknowledging messages until it succeeds, retrying every ${this.retryMs / 1000} s`);
    }
    if (!this.closing) this.retryTimer = setTimeout(() => void this.commit(), this.retryMs);
  }

  private walRecovered(): void {
    if (this.walFailingSince === undefined) return;
    const secs = (this.now() - this.walFailingSince) / 1000;
    this.options.log(`ingest: WAL writes work again after ${secs.toFixed(1)} s; ${this.refusedCounted} held messages written and acknowledged`);
    this.walFailingSince = undefined;
    this.refusedCounted = 0;
  }

  /** The open object is complete: no more records go into it; land it. */
  private seal(): void {
    const o = this.current;
    if (!o) return;
    this.current = undefined;
    compressSome(o);
    o.gzip.end();
    const closed = o.wal?.close().catch(() => undefined);
    if (o.records === 0) {
      // Opened by a commit that then failed: nothing to land, and no empty file is left behind.
      if (o.wal) void closed!.then(() => rm(o.wal!.file, { force: true })).catch(() => undefined);
      return;
    }
    this.sealed.push({ key: this.keyOf(o.uuid, o.oldestArrivalMs), records: o.records, bytes: o.bytes, body: o.gzipped, walFile: o.wal?.file, replayed: false });
    void this.startLanding();
  }

  /** Lands sealed objects in order, one at a time; resolves when the queue is empty or a write failed (retry timed). */
  private startLanding(): Promise<void> {
    if (!this.landing) this.landingLoop = this.runLanding();
    return this.landingLoop;
  }

  private async runLanding(): Promise<void> {
    this.landing = true;
    try {
      while (this.sealed.length > 0) {
        const next = this.sealed[0]!;
        try {
          await this.land(next);
        } catch (err) {
          this.counters.landingFailures += 1;
          if (this.landingFailingSince === undefined) {
            this.landingFailingSince = this.now();
            const where = next.walFile ? `its ${next.records} records are safe in the WAL; ` : '';
            this.options.log(`ingest: writing bronze object ${next.key} failed (${ERR(err)}); ${where}retrying every ${this.retryMs / 1000} s`);
          }
          if (!this.closing) setTimeout(() => void this.startLanding(), this.retryMs);
          return;
        }
        this.sealed.shift();
        if (this.landingFailingSince !== undefined) {
          this.options.log(`ingest: bronze writes work again after ${((this.now() - this.landingFailingSince) / 1000).toFixed(1)} s`);
          this.landingFailingSince = undefined;
        }
      }
    } finally {
      this.landing = false;
    }
  }

  /** Writes one object (create-only: a replayed segment whose object exists was landed before the crash), then drops its segment. */
  private async land(o: SealedObject): Promise<void> {
    const t0 = performance.now();
    const body = await o.body;
    const store = this.options.store;
    let written = true;
    if (o.replayed) {
      try {
        await store.putIfMatch(o.key, body, null);
      } catch (err) {
        if (!(err instanceof PreconditionFailedError)) throw err;
        written = false;
      }
    } else {
      await store.put(o.key, body);
    }
    if (o.walFile) {
      // The object (and the folders put made for it) must survive a power loss before its WAL segment goes.
      const file = path.join(store.location, ...o.key.split('/'));
      await syncPath(file);
      for (let dir = path.dirname(file); dir.startsWith(store.location); dir = path.dirname(dir)) await syncPath(dir);
      await retireSegment(o.walFile);
    }
    this.options.onLanded?.((performance.now() - t0) / 1000);
    if (!written) {
      this.counters.replayedLanded += 1;
      return;
    }
    this.counters.objects += 1;
    this.counters.lines += o.records;
    this.counters.bytes += o.bytes;
    this.counters.gzBytes += body.length;
    if (o.replayed) {
      this.counters.replayedObjects += 1;
      this.counters.replayedRecords += o.records;
    }
  }
}
