/** The records taken for one group commit: NDJSON bytes (each line + "\n") in slices of the buffer's blocks. */
export interface TakenRecords {
  parts: Buffer[];
  records: number;
  bytes: number;
  firstArrivalMs: number;
}

/** Block size: a commit writes slices of blocks, so a commit of N records is ~N / 300 parts, not N. */
const BLOCK_BYTES = 1 << 20;

/**
 * Records that are not committed yet, copied as they arrive into 1 MiB blocks: each line is copied once (from
 * the MQTT payload), and the WAL write and gzip take slices of the blocks. A block is never written again
 * after its slices are taken; the garbage collector frees it when the last slice is done with.
 */
export class RecordBuffer {
  records = 0;
  bytes = 0;
  firstArrivalMs = 0;
  private block = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** Filled blocks' slices, not taken yet, in order before [start, end) of the current block. */
  private filled: Buffer[] = [];

  /** Appends the line `head` + `tail` (UTF-8) and a newline. */
  add(head: Buffer, tail: string, arrivalMs: number): void {
    const room = head.length + tail.length * 3 + 1; // a UTF-16 unit is at most 3 UTF-8 bytes
    if (this.end + room > this.block.length) {
      if (this.end > this.start) this.filled.push(this.block.subarray(this.start, this.end));
      this.block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, room));
      this.start = this.end = 0;
    }
    if (this.records === 0) this.firstArrivalMs = arrivalMs;
    const at = this.end;
    this.end += head.copy(this.block, this.end);
    if (tail) this.end += this.block.write(tail, this.end);
    this.block[this.end++] = 0x0a;
    this.records += 1;
    this.bytes += this.end - at;
  }

  /** Everything added since the last take; the buffer goes on in the same block. */
  take(): TakenRecords {
    const parts = this.filled;
    if (this.end > this.start) parts.push(this.block.subarray(this.start, this.end));
    const taken = { parts, records: this.records, bytes: this.bytes, firstArrivalMs: this.firstArrivalMs };
    this.filled = [];
    this.start = this.end;
    this.records = 0;
    this.bytes = 0;
    return taken;
  }

  /** Puts records taken for a commit that failed back in front of those added since. */
  putBack(t: TakenRecords): void {
    this.filled = [...t.parts, ...this.filled];
    this.records += t.records;
    this.bytes += t.bytes;
    this.firstArrivalMs = t.firstArrivalMs;
  }
}
