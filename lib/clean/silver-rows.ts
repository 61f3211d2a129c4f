import { CONTRACT_COLUMNS, type Column } from '../contract/columns';
import { isoMillis } from '../contract/validator';
import { BOOLEAN_ABSENT, writerKind, type WriterColumn } from './parquet';

/** A sample after validation; `ts` is normalised to epoch ms. */
export type Sample = Record<string, unknown>;

const CONTRACT = CONTRACT_COLUMNS.map((c) => ({ name: c.name, type: c.type }));

/** Epoch ms of a valid contract `ts` (ISO-8601 with a zone, or integer epoch ms). */
export function tsMillis(ts: unknown): number {
  return typeof ts === 'number' ? ts : isoMillis(ts as string);
}

/** dtc sorted and unique; null stays null. */
export function normaliseDtc(dtc: unknown): string[] | null {
  if (!Array.isArray(dtc)) return null;
  return [...new Set(dtc as string[])].sort();
}

/** A contract column kept on its own while rows are appended: numbers in a Float64Array (NaN = absent), booleans in a Uint8Array. */
type Store = Float64Array | Uint8Array | Array<string | string[] | null>;

/**
 * Numeric contract columns other than ts (dedupe reads it as a column) sit row by row in blocks of BLOCK_ROWS rows
 * (NaN = absent): writing a part reads the rows in (vehicle_id, ts) order, which jumps around the object, and
 * reading a row's numbers from one place costs about half as much as reading each column's value from its own
 * array. Blocks are added, never copied.
 */
const BLOCK_SHIFT = 14;
const BLOCK_ROWS = 1 << BLOCK_SHIFT;
const BLOCK_MASK = BLOCK_ROWS - 1;
const inBlock = (c: { name: string; type: Column['type'] }) => writerKind(c.type) === 'number' && c.name !== 'ts';
/** Contract column index → its place in a block row, or -1 when the column is stored on its own. */
const BLOCK_SLOT: number[] = [];
let slots = 0;
for (const c of CONTRACT) BLOCK_SLOT.push(inBlock(c) ? slots++ : -1);
const WIDTH = slots;

/** Statement that stores one contract field of sample `s` at row `n` (block row offset `b`) and counts it when present. */
function storeStatement(i: number, name: string, type: string): string {
  const v = `v = s[${JSON.stringify(name)}]; if (v !== undefined) p++;`;
  const slot = BLOCK_SLOT[i]!;
  if (slot >= 0) return `${v} m[b + ${slot}] = typeof v === 'number' ? v : NaN;`;
  switch (type) {
    case 'timestamp':
      return `${v} c[${i}][n] = ts;`;
    case 'boolean':
      return `${v} c[${i}][n] = v === true ? 1 : v === false ? 0 : ${BOOLEAN_ABSENT};`;
    case 'array<string>':
      return `${v} c[${i}][n] = dtc(v);`;
    default:
      return `${v} c[${i}][n] = v === undefined ? null : v;`;
  }
}

/**
 * Stores one sample in every contract column and returns how many contract fields it has. Generated once from
 * the column list (straight-line code, no loop or switch per field): this is the hottest loop of clean after
 * JSON.parse.
 */
const storeContract = new Function(
  'dtc',
  `return function storeContract(c, m, b, s, ts, n) { let v; let p = 0; ${CONTRACT.map((col, i) => storeStatement(i, col.name, col.type)).join(' ')} return p; };`,
)(normaliseDtc) as (columns: Store[], block: Float64Array, offset: number, s: Sample, tsMs: number, row: number) => number;

function grow<T extends Float64Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/**
 * The valid samples of one bronze object: numeric contract columns in row blocks, the others column by column,
 * then received_at and the line number. Columns grow by doubling, so appending a row allocates nothing per value.
 */
export class SilverRows {
  /** Contract columns stored on their own, by contract index (empty where the column is in the blocks). */
  columns: Store[];
  receivedAt: Float64Array;
  lineNo: Float64Array;
  length = 0;
  private readonly blocks: Float64Array[] = [];
  private capacity: number;

  constructor(capacity = 1 << 14) {
    this.capacity = capacity;
    this.columns = CONTRACT.map((c, i) => {
      if (BLOCK_SLOT[i]! >= 0) return new Float64Array(0);
      const kind = writerKind(c.type);
      return kind === 'number' ? new Float64Array(capacity) : kind === 'boolean' ? new Uint8Array(capacity) : new Array(capacity).fill(null);
    });
    this.receivedAt = new Float64Array(capacity);
    this.lineNo = new Float64Array(capacity);
  }

  /** Appends a valid sample; returns how many of its keys are contract fields. */
  append(s: Sample, tsMs: number, receivedAt: number, lineNo: number): number {
    const n = this.length;
    if (n === this.capacity) this.grow();
    const b = n >>> BLOCK_SHIFT;
    if (b === this.blocks.length) this.blocks.push(new Float64Array(BLOCK_ROWS * WIDTH));
    const fields = storeContract(this.columns, this.blocks[b]!, (n & BLOCK_MASK) * WIDTH, s, tsMs, n);
    this.receivedAt[n] = receivedAt;
    this.lineNo[n] = lineNo;
    this.length = n + 1;
    return fields;
  }

  /** Takes back the last append (its slots are all overwritten by the next one). */
  dropLast(): void {
    if (this.length > 0) this.length--;
  }

  private grow(): void {
    const size = this.capacity * 2;
    this.columns = this.columns.map((c, i) => (BLOCK_SLOT[i]! >= 0 ? c : Array.isArray(c) ? c.concat(new Array(size - c.length).fill(null)) : grow(c, size)));
    this.receivedAt = grow(this.receivedAt, size);
    this.lineNo = grow(this.lineNo, size);
    this.capacity = size;
  }

  /** Contract column `c` of row `i`. */
  private value(c: number, i: number): unknown {
    const slot = BLOCK_SLOT[c]!;
    return slot >= 0 ? this.blocks[i >>> BLOCK_SHIFT]![(i & BLOCK_MASK) * WIDTH + slot] : this.columns[c]![i];
  }

  /** True when rows i and j carry the same contract values (received_at and lineage aside). */
  sameValues(i: number, j: number): boolean {
    for (let c = 0; c < CONTRACT.length; c++) {
      const a = this.value(c, i);
      const b = this.value(c, j);
      if (a === b) continue;
      if (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b)) continue;
      if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, k) => x === b[k])) continue;
      return false;
    }
    return true;
  }

  /** Row i as a JSON-able sample (for quarantining a dropped conflict). */
  sampleAt(i: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    CONTRACT.forEach(({ name, type }, c) => {
      const v = this.value(c, i);
      if (v === null || (typeof v === 'number' && Number.isNaN(v))) return;
      if (type === 'boolean') {
        if (v !== BOOLEAN_ABSENT) out[name] = v === 1;
        return;
      }
      out[name] = type === 'timestamp' ? new Date(v as number).toISOString() : v;
    });
    return out;
  }

  /** Columns for `rows` (indexes, in output order) in the order of `silverColumns`, ready for the writer. */
  select(rows: ArrayLike<number>, silverColumns: readonly Column[], sourceKey: string): WriterColumn[] {
    const n = rows.length;
    const fromBlocks = gatherBlocks(this.blocks, rows);
    return silverColumns.map((col): WriterColumn => {
      if (col.name === 'source_key') return { kind: 'string', values: new Array<string>(n).fill(sourceKey) };
      if (col.name === 'received_at') return { kind: 'number', values: gatherNumbers(this.receivedAt, rows) };
      const c = CONTRACT.findIndex((x) => x.name === col.name);
      if (c < 0) throw new Error(`silver column ${col.name} has no source`);
      const slot = BLOCK_SLOT[c]!;
      if (slot >= 0) return { kind: 'number', values: fromBlocks[slot]! };
      const src = this.columns[c]!;
      const kind = writerKind(col.type);
      if (kind === 'number') return { kind, values: gatherNumbers(src as Float64Array, rows) };
      if (kind === 'boolean') return { kind, values: gatherBytes(src as Uint8Array, rows) };
      return { kind, values: gatherValues(src as Array<string | null>, rows) } as WriterColumn;
    });
  }
}

/** Every block column for `rows`, one output array per slot: each row's numbers are read from one place. */
function gatherBlocks(blocks: readonly Float64Array[], rows: ArrayLike<number>): Float64Array[] {
  const n = rows.length;
  const out = Array.from({ length: WIDTH }, () => new Float64Array(n));
  for (let k = 0; k < n; k++) {
    const r = rows[k]!;
    const m = blocks[r >>> BLOCK_SHIFT]!;
    const b = (r & BLOCK_MASK) * WIDTH;
    for (let j = 0; j < WIDTH; j++) out[j]![k] = m[b + j]!;
  }
  return out;
}

// One gather per store type: a shared loop would see three array kinds and be re-optimised again and again.
function gatherNumbers(src: Float64Array, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = src[rows[k]!]!;
  return out;
}

function gatherBytes(src: Uint8Array, rows: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = src[rows[k]!]!;
  return out;
}

function gatherValues<T>(src: ReadonlyArray<T | null>, rows: ArrayLike<number>): Array<T | null> {
  const out = new Array<T | null>(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = src[rows[k]!] ?? null;
  return out;
}
